package payment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/stripe/stripe-go/v85"
	"github.com/stripe/stripe-go/v85/webhook"
)

// Stripe is an organisation's Stripe account, reached with its secret key.
type Stripe struct {
	client        *stripe.Client
	webhookSecret string
}

// NewStripe opens the Stripe gateway of an organisation's keys; without a
// secret key there is nothing to call Stripe with.
func NewStripe(cfg Config, keys fieldportal.PaymentKeys) (*Stripe, error) {
	// Without the webhook secret no confirmation could be checked: the
	// provider counts as not set up, and no pay button shows.
	if strings.TrimSpace(keys.SecretKey) == "" || strings.TrimSpace(keys.WebhookSecret) == "" {
		return nil, fieldportal.Errorf(fieldportal.EINVALID, "The Stripe secret key and webhook secret must both be set.")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	// The library's own logger would print requests to stderr; ours logs
	// what matters, and never a key.
	bc := &stripe.BackendConfig{HTTPClient: hc, LeveledLogger: &stripe.LeveledLogger{Level: stripe.LevelNull}}
	if cfg.StripeURL != "" {
		bc.URL = stripe.String(cfg.StripeURL)
	}
	return &Stripe{client: stripe.NewClient(keys.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc))),
		webhookSecret: keys.WebhookSecret}, nil
}

// Provider is ProviderStripe.
func (s *Stripe) Provider() string { return fieldportal.ProviderStripe }

// StartCheckout makes a Checkout Session in payment mode, one line per
// invoice; our checkout id travels as client_reference_id and metadata,
// on the session and on its payment intent.
func (s *Stripe) StartCheckout(ctx context.Context, req fieldportal.CheckoutRequest) (fieldportal.HostedPage, error) {
	cur := strings.ToLower(req.Currency)
	p := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(req.CheckoutID),
		SuccessURL:        stripe.String(req.SuccessURL),
		CancelURL:         stripe.String(req.CancelURL),
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			Metadata: map[string]string{"checkout_id": req.CheckoutID}},
	}
	if req.Description != "" {
		p.PaymentIntentData.Description = stripe.String(req.Description)
	}
	if req.CustomerEmail != "" {
		p.CustomerEmail = stripe.String(req.CustomerEmail)
	}
	if at, ok := stripeExpiry(time.Now(), req.ExpiresAt); ok {
		p.ExpiresAt = stripe.Int64(at)
	}
	p.AddMetadata("checkout_id", req.CheckoutID)
	for _, l := range req.Lines {
		p.LineItems = append(p.LineItems, &stripe.CheckoutSessionCreateLineItemParams{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(cur),
				UnitAmount:  stripe.Int64(int64(l.Amount)),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(l.Name)},
			},
		})
	}
	p.SetIdempotencyKey("checkout-" + req.CheckoutID)
	sess, err := s.client.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return fieldportal.HostedPage{}, providerError("start a checkout", err)
	}
	return fieldportal.HostedPage{ProviderID: sess.ID, URL: sess.URL}, nil
}

// CheckoutOutcome reads a Checkout Session.
func (s *Stripe) CheckoutOutcome(ctx context.Context, providerID string) (fieldportal.CheckoutOutcome, error) {
	sess, err := s.client.V1CheckoutSessions.Retrieve(ctx, providerID, nil)
	if err != nil {
		return fieldportal.CheckoutOutcome{}, providerError("read a checkout", err)
	}
	return checkoutOutcome(sess), nil
}

func checkoutOutcome(sess *stripe.CheckoutSession) fieldportal.CheckoutOutcome {
	o := fieldportal.CheckoutOutcome{ProviderID: sess.ID, CheckoutID: sess.ClientReferenceID,
		Paid:   sess.PaymentStatus == stripe.CheckoutSessionPaymentStatusPaid,
		Amount: fieldportal.Money(sess.AmountTotal), Currency: strings.ToUpper(string(sess.Currency))}
	if o.CheckoutID == "" {
		o.CheckoutID = sess.Metadata["checkout_id"]
	}
	if sess.PaymentIntent != nil {
		o.PaymentRef = sess.PaymentIntent.ID
	}
	return o
}

// StartCardSetup makes a Checkout Session in setup mode for the provider
// customer of the earlier card, or a new one.
func (s *Stripe) StartCardSetup(ctx context.Context, req fieldportal.CardSetupRequest) (fieldportal.HostedPage, error) {
	cust := req.ProviderCustomer
	if strings.HasPrefix(cust, "pm_") {
		// The portal knows the earlier card (SavedCard.ProviderRef), not
		// its customer: the set-up goes to the card's customer, or a new
		// one when the card has none (found by review: Stripe refused a
		// card as the customer, so a card could never be changed).
		pm, err := s.client.V1PaymentMethods.Retrieve(ctx, cust, nil)
		if err != nil {
			return fieldportal.HostedPage{}, providerError("read the saved card", err)
		}
		cust = ""
		if pm.Customer != nil {
			cust = pm.Customer.ID
		}
	}
	if cust == "" {
		cp := &stripe.CustomerCreateParams{}
		if req.CustomerEmail != "" {
			cp.Email = stripe.String(req.CustomerEmail)
		}
		cp.AddMetadata("customer_id", req.CustomerID)
		c, err := s.client.V1Customers.Create(ctx, cp)
		if err != nil {
			return fieldportal.HostedPage{}, providerError("create a customer", err)
		}
		cust = c.ID
	}
	p := &stripe.CheckoutSessionCreateParams{
		Mode:               stripe.String(string(stripe.CheckoutSessionModeSetup)),
		Customer:           stripe.String(cust),
		ClientReferenceID:  stripe.String(req.CustomerID),
		PaymentMethodTypes: stripe.StringSlice([]string{"card"}),
		SuccessURL:         stripe.String(req.SuccessURL),
		CancelURL:          stripe.String(req.CancelURL),
		SetupIntentData: &stripe.CheckoutSessionCreateSetupIntentDataParams{
			Metadata: map[string]string{"customer_id": req.CustomerID}},
	}
	p.AddMetadata("customer_id", req.CustomerID)
	sess, err := s.client.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return fieldportal.HostedPage{}, providerError("start a card set-up", err)
	}
	return fieldportal.HostedPage{ProviderID: sess.ID, URL: sess.URL}, nil
}

// CardSetupOutcome reads a setup-mode session with its setup intent's
// card: the reference, brand, last four digits and expiry only.
func (s *Stripe) CardSetupOutcome(ctx context.Context, providerID string) (fieldportal.CardSetupOutcome, error) {
	p := &stripe.CheckoutSessionRetrieveParams{}
	p.AddExpand("setup_intent.payment_method")
	sess, err := s.client.V1CheckoutSessions.Retrieve(ctx, providerID, p)
	if err != nil {
		return fieldportal.CardSetupOutcome{}, providerError("read a card set-up", err)
	}
	o := fieldportal.CardSetupOutcome{ProviderID: sess.ID, CustomerID: sess.ClientReferenceID,
		Done: sess.Status == stripe.CheckoutSessionStatusComplete}
	if o.CustomerID == "" {
		o.CustomerID = sess.Metadata["customer_id"]
	}
	o.Card = fieldportal.SavedCard{CustomerID: o.CustomerID, Provider: fieldportal.ProviderStripe}
	if si := sess.SetupIntent; si != nil && si.PaymentMethod != nil {
		pm := si.PaymentMethod
		o.Card.ProviderRef = pm.ID
		if pm.Card != nil {
			o.Card.Brand, o.Card.Last4 = string(pm.Card.Brand), pm.Card.Last4
			o.Card.ExpMonth, o.Card.ExpYear = int(pm.Card.ExpMonth), int(pm.Card.ExpYear)
		}
	}
	return o, nil
}

// ChargeSavedCard confirms a payment intent off-session on the saved
// card, under the provider customer the card belongs to.
func (s *Stripe) ChargeSavedCard(ctx context.Context, c fieldportal.OffSessionCharge) (fieldportal.ChargeOutcome, error) {
	pm, err := s.client.V1PaymentMethods.Retrieve(ctx, c.CardRef, nil)
	if err != nil {
		return fieldportal.ChargeOutcome{}, providerError("read the saved card", err)
	}
	p := &stripe.PaymentIntentCreateParams{
		Amount:        stripe.Int64(int64(c.Amount)),
		Currency:      stripe.String(strings.ToLower(c.Currency)),
		PaymentMethod: stripe.String(c.CardRef),
		Confirm:       stripe.Bool(true),
		OffSession:    stripe.Bool(true),
	}
	if pm.Customer != nil {
		p.Customer = stripe.String(pm.Customer.ID)
	}
	if c.Description != "" {
		p.Description = stripe.String(c.Description)
	}
	if c.IdempotencyKey != "" {
		p.SetIdempotencyKey(c.IdempotencyKey)
	}
	pi, err := s.client.V1PaymentIntents.Create(ctx, p)
	var se *stripe.Error
	if errors.As(err, &se) && se.Type == stripe.ErrorTypeCard {
		// A declined card is an answer, not a fault.
		out := fieldportal.ChargeOutcome{FailureReason: "The card was declined."}
		if se.PaymentIntent != nil {
			out.PaymentRef = se.PaymentIntent.ID
		}
		return out, nil
	}
	if err != nil {
		return fieldportal.ChargeOutcome{}, providerError("charge the saved card", err)
	}
	out := fieldportal.ChargeOutcome{PaymentRef: pi.ID, Succeeded: pi.Status == stripe.PaymentIntentStatusSucceeded}
	if !out.Succeeded {
		out.FailureReason = "The card needs the cardholder to confirm the payment."
	}
	return out, nil
}

// Refund gives back part or all of a payment intent.
func (s *Stripe) Refund(ctx context.Context, r fieldportal.RefundRequest) (fieldportal.RefundOutcome, error) {
	p := &stripe.RefundCreateParams{PaymentIntent: stripe.String(r.PaymentRef)}
	if r.Amount > 0 {
		p.Amount = stripe.Int64(int64(r.Amount))
	}
	if r.Reason != "" {
		p.AddMetadata("reason", r.Reason)
	}
	if r.IdempotencyKey != "" {
		p.SetIdempotencyKey(r.IdempotencyKey)
	}
	ref, err := s.client.V1Refunds.Create(ctx, p)
	if err != nil {
		return fieldportal.RefundOutcome{}, providerError("refund", err)
	}
	return fieldportal.RefundOutcome{RefundRef: ref.ID,
		Succeeded: ref.Status == stripe.RefundStatusSucceeded || ref.Status == stripe.RefundStatusPending}, nil
}

// ParseEvent checks the Stripe-Signature header against the
// organisation's webhook secret and reads a completed checkout or card
// set-up. A card set-up's card is not in the event: the caller reads it
// with CardSetupOutcome.
func (s *Stripe) ParseEvent(payload []byte, signature string) (fieldportal.PaymentEvent, error) {
	if s.webhookSecret == "" {
		return fieldportal.PaymentEvent{}, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "No webhook secret is set.")
	}
	// The account's API version may differ from the library's; the fields
	// read here are the same in both.
	e, err := webhook.ConstructEventWithOptions(payload, signature, s.webhookSecret,
		webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return fieldportal.PaymentEvent{}, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "The webhook signature is not valid.")
	}
	ev := fieldportal.PaymentEvent{ID: e.ID, Type: string(e.Type)}
	switch e.Type {
	case "checkout.session.completed", "checkout.session.async_payment_succeeded":
		var sess stripe.CheckoutSession
		if e.Data == nil || json.Unmarshal(e.Data.Raw, &sess) != nil {
			return ev, fieldportal.Errorf(fieldportal.EINVALID, "The event's checkout session is unreadable.")
		}
		if sess.Mode == stripe.CheckoutSessionModeSetup {
			cid := sess.ClientReferenceID
			if cid == "" {
				cid = sess.Metadata["customer_id"]
			}
			ev.CardSetup = &fieldportal.CardSetupOutcome{ProviderID: sess.ID, CustomerID: cid,
				Done: sess.Status == stripe.CheckoutSessionStatusComplete}
			return ev, nil
		}
		o := checkoutOutcome(&sess)
		ev.Checkout = &o
	}
	return ev, nil
}

// providerError keeps Stripe's words out of the pages: a card problem is
// the payer's to fix, the rest is the provider being unavailable.
func providerError(doing string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode == http.StatusNotFound {
		return fieldportal.Errorf(fieldportal.ENOTFOUND, "The payment provider does not know this payment.")
	}
	// The log gets Stripe's words (it masks keys); the page gets ours.
	return fmt.Errorf("stripe: %s: %v: %w", doing, err,
		fieldportal.Errorf(fieldportal.EUNAVAILABLE, "The payment provider could not be reached; try again in a minute."))
}

// stripeExpiry is the expires_at to send Stripe for a checkout that
// should lapse at want (zero: Stripe's default of 24 hours): Stripe
// accepts 30 minutes to 24 hours from the session's creation, so want is
// kept within that (a minute of margin for the call). A deposit paid in
// the extra minutes of a quote's last half hour is still checked again
// when confirmed (sqlstore's applyDeposit).
func stripeExpiry(now, want time.Time) (int64, bool) {
	if want.IsZero() {
		return 0, false
	}
	if soonest := now.Add(31 * time.Minute); want.Before(soonest) {
		want = soonest
	}
	if latest := now.Add(24 * time.Hour); want.After(latest) {
		want = latest
	}
	return want.Unix(), true
}
