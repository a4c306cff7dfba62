package fieldportal

import (
	"context"
	"time"
)

// Payment providers an organisation may choose (Settings.PaymentProvider).
const (
	ProviderStripe   = "stripe"
	ProviderTestMode = "testmode"
)

// PaymentKeys are an organisation's credentials with its payment provider.
// The secret ones are written once in the console and never shown again.
type PaymentKeys struct {
	PublishableKey string `json:"-"`
	SecretKey      string `json:"-"`
	WebhookSecret  string `json:"-"`
}

// PaymentGateways opens the gateway of an organisation's provider with its
// keys; cmd/fieldportal gives the doors the payment package's. It answers
// an EINVALID error when the provider is unknown or its keys are missing.
type PaymentGateways func(provider string, keys PaymentKeys) (PaymentGateway, error)

// PaymentGateway is one payment provider as the portal uses it: a hosted
// page takes the card, so no card number ever reaches the server (SPEC §4
// Payments); confirmations come back as outcomes and signed events, and a
// payment is applied only on such a confirmation.
type PaymentGateway interface {
	// Provider is the provider's name (ProviderStripe, ProviderTestMode).
	Provider() string
	// StartCheckout opens the provider's hosted payment page for an amount.
	StartCheckout(ctx context.Context, req CheckoutRequest) (HostedPage, error)
	// CheckoutOutcome reads a checkout's state from the provider (the
	// return page confirms with it, as the webhook does).
	CheckoutOutcome(ctx context.Context, providerID string) (CheckoutOutcome, error)
	// StartCardSetup opens the provider's hosted page that saves a card for
	// automatic payments.
	StartCardSetup(ctx context.Context, req CardSetupRequest) (HostedPage, error)
	// CardSetupOutcome reads a card set-up's state from the provider.
	CardSetupOutcome(ctx context.Context, providerID string) (CardSetupOutcome, error)
	// ChargeSavedCard charges a saved card with nobody present. The same
	// IdempotencyKey charges once however often it is retried.
	ChargeSavedCard(ctx context.Context, c OffSessionCharge) (ChargeOutcome, error)
	// Refund gives back part or all of a payment received through the
	// provider; the same IdempotencyKey refunds once.
	Refund(ctx context.Context, r RefundRequest) (RefundOutcome, error)
	// ParseEvent checks a webhook delivery's signature and reads it; a
	// delivery that is not signed with the organisation's secret is an
	// EUNAUTHORIZED error.
	ParseEvent(payload []byte, signature string) (PaymentEvent, error)
}

// CheckoutRequest asks for a hosted payment page.
type CheckoutRequest struct {
	// CheckoutID is our own id of the attempt; the provider echoes it.
	CheckoutID    string
	Currency      string
	Amount        Money
	Description   string
	Lines         []CheckoutLine
	CustomerEmail string
	// SuccessURL and CancelURL are absolute; SuccessURL may hold the
	// provider's placeholder for its own id ({CHECKOUT_SESSION_ID}).
	SuccessURL string
	CancelURL  string
	// ExpiresAt, when set, is when the hosted page lapses and refuses to
	// take payment (Stripe accepts 30 minutes to 24 hours from now).
	ExpiresAt time.Time
}

// CheckoutLine is one invoice as the hosted page lists it.
type CheckoutLine struct {
	Name   string
	Amount Money
}

// HostedPage is a page of the provider the payer is sent to.
type HostedPage struct {
	ProviderID string // the provider's id of the checkout or set-up
	URL        string
}

// CheckoutOutcome is what the provider says of a checkout.
type CheckoutOutcome struct {
	ProviderID string
	CheckoutID string // our id, as we sent it
	Paid       bool
	Amount     Money
	Currency   string
	// PaymentRef is the provider's id of the money received (a payment
	// intent); a payment is keyed by it, so it is applied exactly once.
	PaymentRef string
}

// CardSetupRequest asks for a hosted page that saves a customer's card.
type CardSetupRequest struct {
	CustomerID    string // ours
	CustomerEmail string
	// ProviderCustomer is the provider's customer of an earlier card, so a
	// new card replaces the old one under the same provider customer; the
	// earlier card's own reference (SavedCard.ProviderRef) may be given
	// instead, and the provider finds its customer.
	ProviderCustomer string
	SuccessURL       string
	CancelURL        string
}

// CardSetupOutcome is what the provider says of a card set-up.
type CardSetupOutcome struct {
	ProviderID string
	CustomerID string // ours, as we sent it
	Done       bool
	// Card holds the provider's reference and what a person needs to
	// recognise the card; never its number.
	Card SavedCard
}

// OffSessionCharge charges a saved card with nobody present.
type OffSessionCharge struct {
	CardRef        string // SavedCard.ProviderRef
	Amount         Money
	Currency       string
	Description    string
	IdempotencyKey string
}

// ChargeOutcome is the result of an off-session charge.
type ChargeOutcome struct {
	Succeeded  bool
	PaymentRef string
	// FailureReason says why a charge failed, in words fit for the payer.
	FailureReason string
}

// PaymentEvent is a signed event from the provider.
type PaymentEvent struct {
	ID   string // the provider's event id
	Type string // the provider's event type, e.g. checkout.session.completed
	// Checkout is set for a completed checkout, CardSetup for a completed
	// card set-up.
	Checkout  *CheckoutOutcome
	CardSetup *CardSetupOutcome
}

// RefundRequest gives back money of a payment (PaymentRef, as the
// provider named it).
type RefundRequest struct {
	PaymentRef     string
	Amount         Money
	Currency       string
	Reason         string
	IdempotencyKey string
}

// RefundOutcome is the provider's answer to a refund.
type RefundOutcome struct {
	RefundRef string
	Succeeded bool
}

// TestPaymentPage is what test mode's gateway adds: its hosted page is a
// page of the portal, which asks the gateway what a page's token stands
// for and hands it the test card typed. Stripe's gateway has none.
type TestPaymentPage interface {
	// TestPage reads a page's token (the last part of its address).
	TestPage(token string) (TestPage, error)
	// PayTest takes a test card number for the page: a standard test card
	// that succeeds answers the address to send the payer to (the
	// request's SuccessURL with the provider id of the completed page);
	// the declining one, or any other number, is an EINVALID error on
	// field "card". The number is neither kept nor logged.
	PayTest(token, cardNumber string) (redirect string, err error)
}

// TestPage is one test-mode page: a checkout (Amount, Currency) or a
// card set-up (CardSetup).
type TestPage struct {
	CardSetup bool
	Amount    Money
	Currency  string
	CancelURL string
	// ExpiresAt is when a checkout's page lapses (zero: never); Expired
	// says it has, and then the page takes no card.
	ExpiresAt time.Time
	Expired   bool
}
