package payment_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/payment"
)

// recorder keeps the form of every POST to Stripe's checkout sessions.
type recorder struct {
	mu    sync.Mutex
	forms []url.Values
}

func (rc *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/v1/checkout/sessions") && r.Body != nil {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		f, _ := url.ParseQuery(string(b))
		rc.mu.Lock()
		rc.forms = append(rc.forms, f)
		rc.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// The portal knows a customer's saved card by its reference, a payment
// method (pm_...), and gives it to start the next set-up: Stripe must
// be given that card's customer, never the card as a customer (Stripe
// answers "No such customer", so Change card details always failed).
func TestStripeCardSetupAfterACard(t *testing.T) {
	u := os.Getenv("FIELDPORTAL_STRIPE_MOCK")
	if u == "" {
		stripeMock(t) // skips, or fails in CI
	}
	rec := &recorder{}
	gw, err := payment.Gateways(payment.Config{StripeURL: u, HTTPClient: &http.Client{Transport: rec}})(fieldportal.ProviderStripe,
		fieldportal.PaymentKeys{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.StartCardSetup(context.Background(), fieldportal.CardSetupRequest{CustomerID: "cust-1",
		ProviderCustomer: "pm_card_visa", SuccessURL: "https://portal.example/ok", CancelURL: "https://portal.example/no"}); err != nil {
		t.Fatalf("StartCardSetup after a card: %v", err)
	}
	if len(rec.forms) != 1 {
		t.Fatalf("%d checkout sessions created, want 1", len(rec.forms))
	}
	if c := rec.forms[0].Get("customer"); c == "" || strings.HasPrefix(c, "pm_") {
		t.Errorf("set-up session for customer %q, want the card's Stripe customer (cus_...)", c)
	}
}
