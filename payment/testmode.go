package payment

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Test mode's provider: its hosted pages are the portal's own test pages
// (/payments/test/{token}), the token a signed description of the
// checkout or card set-up, so the gateway keeps no state and an instance
// that did not start a checkout still reads it. A payer cannot make up a
// paid token; the amount is checked against our checkout record anyway.

// The standard test card numbers: the one that pays and the one that is
// declined. Any other number is refused.
const (
	TestCardSucceeds = "4242424242424242"
	TestCardDeclined = "4000000000000002"
)

// testPagePath is where the portal serves test mode's hosted pages.
const testPagePath = "/payments/test/"

type testMode struct{ secret []byte }

func newTestMode(secret []byte) *testMode {
	if len(secret) == 0 {
		secret = make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			panic("payment: no randomness for the test mode secret: " + err.Error())
		}
	}
	return &testMode{secret: secret}
}

// testToken is what a test page's token says.
type testToken struct {
	Kind     string            `json:"k"`  // "checkout" or "setup"
	ID       string            `json:"id"` // our checkout id, or our customer id
	Amount   fieldportal.Money `json:"a,omitempty"`
	Currency string            `json:"c,omitempty"`
	Success  string            `json:"s"`
	Cancel   string            `json:"x"`
	Paid     bool              `json:"p,omitempty"`
	// Expires is when the page lapses, in Unix seconds (0: never).
	Expires int64 `json:"e,omitempty"`
}

// expiresAt is when the token's page lapses (zero: never).
func (tok testToken) expiresAt() time.Time {
	if tok.Expires == 0 {
		return time.Time{}
	}
	return time.Unix(tok.Expires, 0).UTC()
}

// lapsed says the page is past its expiry, as Stripe's page would be.
func (tok testToken) lapsed() bool { return tok.Expires != 0 && !time.Now().Before(tok.expiresAt()) }

func (t *testMode) sign(tok testToken) string {
	b, _ := json.Marshal(tok)
	body := base64.RawURLEncoding.EncodeToString(b)
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (t *testMode) read(s string) (testToken, error) {
	var tok testToken
	body, sig, ok := strings.Cut(s, ".")
	mac, err := base64.RawURLEncoding.DecodeString(sig)
	m := hmac.New(sha256.New, t.secret)
	m.Write([]byte(body))
	if !ok || err != nil || !hmac.Equal(mac, m.Sum(nil)) {
		return tok, fieldportal.NotFound("Test payment")
	}
	b, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || json.Unmarshal(b, &tok) != nil {
		return tok, fieldportal.NotFound("Test payment")
	}
	return tok, nil
}

func (t *testMode) Provider() string { return fieldportal.ProviderTestMode }

// StartCheckout answers the portal's test page for the checkout.
func (t *testMode) StartCheckout(_ context.Context, req fieldportal.CheckoutRequest) (fieldportal.HostedPage, error) {
	tok := testToken{Kind: "checkout", ID: req.CheckoutID, Amount: req.Amount, Currency: req.Currency,
		Success: req.SuccessURL, Cancel: req.CancelURL}
	if !req.ExpiresAt.IsZero() {
		tok.Expires = req.ExpiresAt.Unix()
	}
	id := t.sign(tok)
	return fieldportal.HostedPage{ProviderID: id, URL: testPagePath + id}, nil
}

// CheckoutOutcome reads a token: paid once the test card was accepted.
// The payment reference is derived from our checkout id, so the return
// page reloaded confirms the same payment.
func (t *testMode) CheckoutOutcome(_ context.Context, providerID string) (fieldportal.CheckoutOutcome, error) {
	tok, err := t.read(providerID)
	if err != nil || tok.Kind != "checkout" {
		return fieldportal.CheckoutOutcome{}, fieldportal.NotFound("Test payment")
	}
	o := fieldportal.CheckoutOutcome{ProviderID: providerID, CheckoutID: tok.ID, Paid: tok.Paid,
		Amount: tok.Amount, Currency: tok.Currency}
	if tok.Paid {
		o.PaymentRef = "tm_pi_" + tok.ID
	}
	return o, nil
}

// StartCardSetup answers the portal's test page for a card set-up.
func (t *testMode) StartCardSetup(_ context.Context, req fieldportal.CardSetupRequest) (fieldportal.HostedPage, error) {
	id := t.sign(testToken{Kind: "setup", ID: req.CustomerID, Success: req.SuccessURL, Cancel: req.CancelURL})
	return fieldportal.HostedPage{ProviderID: id, URL: testPagePath + "card/" + id}, nil
}

// CardSetupOutcome reads a set-up token: done once the test card was
// accepted, with the test card's display details.
func (t *testMode) CardSetupOutcome(_ context.Context, providerID string) (fieldportal.CardSetupOutcome, error) {
	tok, err := t.read(providerID)
	if err != nil || tok.Kind != "setup" {
		return fieldportal.CardSetupOutcome{}, fieldportal.NotFound("Test card set-up")
	}
	o := fieldportal.CardSetupOutcome{ProviderID: providerID, CustomerID: tok.ID, Done: tok.Paid}
	if tok.Paid {
		sum := sha256.Sum256([]byte(providerID))
		o.Card = fieldportal.SavedCard{CustomerID: tok.ID, Provider: fieldportal.ProviderTestMode,
			ProviderRef: "tm_pm_" + hex.EncodeToString(sum[:8]), Brand: "visa", Last4: "4242",
			ExpMonth: 12, ExpYear: time.Now().Year() + 3}
	}
	return o, nil
}

// ChargeSavedCard succeeds for a test card saved in test mode; the
// reference follows from the idempotency key, so a retry charges once.
func (t *testMode) ChargeSavedCard(_ context.Context, c fieldportal.OffSessionCharge) (fieldportal.ChargeOutcome, error) {
	if !strings.HasPrefix(c.CardRef, "tm_pm_") {
		return fieldportal.ChargeOutcome{FailureReason: "The saved card is not a test mode card."}, nil
	}
	key := c.IdempotencyKey
	if key == "" {
		key = newRandomHex()
	}
	sum := sha256.Sum256([]byte(c.CardRef + "|" + key))
	return fieldportal.ChargeOutcome{Succeeded: true, PaymentRef: "tm_pi_" + hex.EncodeToString(sum[:12])}, nil
}

// Refund succeeds for a test mode payment.
func (t *testMode) Refund(_ context.Context, r fieldportal.RefundRequest) (fieldportal.RefundOutcome, error) {
	if !strings.HasPrefix(r.PaymentRef, "tm_pi_") {
		return fieldportal.RefundOutcome{}, fieldportal.NotFound("Test payment")
	}
	sum := sha256.Sum256([]byte(r.PaymentRef + "|" + r.IdempotencyKey))
	return fieldportal.RefundOutcome{RefundRef: "tm_re_" + hex.EncodeToString(sum[:12]), Succeeded: true}, nil
}

// ParseEvent refuses every delivery: test mode sends no webhooks.
func (t *testMode) ParseEvent([]byte, string) (fieldportal.PaymentEvent, error) {
	return fieldportal.PaymentEvent{}, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "Test mode sends no webhooks.")
}

// TestPage reads a page's token.
func (t *testMode) TestPage(token string) (fieldportal.TestPage, error) {
	tok, err := t.read(token)
	if err != nil || tok.Paid {
		return fieldportal.TestPage{}, fieldportal.NotFound("Test payment")
	}
	return fieldportal.TestPage{CardSetup: tok.Kind == "setup", Amount: tok.Amount, Currency: tok.Currency,
		CancelURL: tok.Cancel, ExpiresAt: tok.expiresAt(), Expired: tok.lapsed()}, nil
}

// PayTest takes a test card number for the page.
func (t *testMode) PayTest(token, cardNumber string) (string, error) {
	tok, err := t.read(token)
	if err != nil || tok.Paid {
		return "", fieldportal.NotFound("Test payment")
	}
	if tok.lapsed() {
		return "", fieldportal.Errorf(fieldportal.ECONFLICT, "This payment page has expired, so nothing was paid.")
	}
	number := strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, cardNumber)
	switch number {
	case TestCardSucceeds:
	case TestCardDeclined:
		return "", fieldportal.FieldErrorf("card", "The card was declined. Nothing was paid.")
	case "":
		return "", fieldportal.FieldErrorf("card", "Enter a test card number.")
	default:
		return "", fieldportal.FieldErrorf("card", "Only the standard test card numbers work here: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined.")
	}
	tok.Paid = true
	paid := t.sign(tok)
	return strings.ReplaceAll(tok.Success, "{CHECKOUT_SESSION_ID}", paid), nil
}

func newRandomHex() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

var _ fieldportal.TestPaymentPage = (*testMode)(nil)
var _ fieldportal.PaymentGateway = (*testMode)(nil)
var _ fieldportal.PaymentGateway = (*Stripe)(nil)
