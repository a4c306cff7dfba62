package payment_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/payment"
	"github.com/stripe/stripe-go/v85/webhook"
)

const testWebhookSecret = "whsec_test_secret"

// stripeMock returns the gateway on the stripe-mock that scripts/test
// runs (FIELDPORTAL_STRIPE_MOCK). Without it the test is skipped, except
// in CI, where it fails: the Stripe gateway must be tested there.
func stripeMock(t *testing.T) fieldportal.PaymentGateway {
	t.Helper()
	u := os.Getenv("FIELDPORTAL_STRIPE_MOCK")
	if u == "" {
		if os.Getenv("CI") == "true" || os.Getenv("CI") == "1" {
			t.Fatal("FIELDPORTAL_STRIPE_MOCK is not set: run the tests with scripts/test, which starts stripe-mock")
		}
		t.Skip("FIELDPORTAL_STRIPE_MOCK is not set (scripts/test starts stripe-mock)")
	}
	gw, err := payment.Gateways(payment.Config{StripeURL: u})(fieldportal.ProviderStripe,
		fieldportal.PaymentKeys{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	return gw
}

func TestStripeCheckout(t *testing.T) {
	gw := stripeMock(t)
	ctx := context.Background()
	t.Run("checkout session for several invoices", func(t *testing.T) {
		page, err := gw.StartCheckout(ctx, fieldportal.CheckoutRequest{CheckoutID: "chk-1", Currency: "GBP", Amount: 15050,
			Description: "Invoices INV-1, INV-2", CustomerEmail: "pat@example.test",
			Lines:      []fieldportal.CheckoutLine{{Name: "Invoice INV-1", Amount: 12000}, {Name: "Invoice INV-2", Amount: 3050}},
			SuccessURL: "https://portal.example/payments/return?checkout=chk-1&session={CHECKOUT_SESSION_ID}",
			CancelURL:  "https://portal.example/payments/cancel?checkout=chk-1"})
		if err != nil || page.ProviderID == "" || page.URL == "" {
			t.Fatalf("StartCheckout = %+v, %v", page, err)
		}
		o, err := gw.CheckoutOutcome(ctx, page.ProviderID)
		if err != nil || o.ProviderID == "" {
			t.Errorf("CheckoutOutcome = %+v, %v", o, err)
		}
	})
	t.Run("deposit session with an expiry", func(t *testing.T) {
		// expires_at is a parameter Stripe (and stripe-mock) checks.
		page, err := gw.StartCheckout(ctx, fieldportal.CheckoutRequest{CheckoutID: "chk-2", Currency: "GBP", Amount: 2000,
			Description: "Deposit for quote Q-1", Lines: []fieldportal.CheckoutLine{{Name: "Deposit for quote Q-1", Amount: 2000}},
			ExpiresAt:  time.Now().Add(2 * time.Hour),
			SuccessURL: "https://portal.example/payments/return?checkout=chk-2&session={CHECKOUT_SESSION_ID}",
			CancelURL:  "https://portal.example/payments/cancel?checkout=chk-2"})
		if err != nil || page.ProviderID == "" {
			t.Fatalf("StartCheckout with an expiry = %+v, %v", page, err)
		}
	})
	t.Run("setup session for a card", func(t *testing.T) {
		page, err := gw.StartCardSetup(ctx, fieldportal.CardSetupRequest{CustomerID: "cust-1", CustomerEmail: "pat@example.test",
			SuccessURL: "https://portal.example/payments/automatic?setup={CHECKOUT_SESSION_ID}",
			CancelURL:  "https://portal.example/payments/automatic"})
		if err != nil || page.ProviderID == "" {
			t.Fatalf("StartCardSetup = %+v, %v", page, err)
		}
		// Reusing the provider customer of the earlier card.
		if _, err := gw.StartCardSetup(ctx, fieldportal.CardSetupRequest{CustomerID: "cust-1", ProviderCustomer: "cus_123",
			SuccessURL: "https://portal.example/ok", CancelURL: "https://portal.example/no"}); err != nil {
			t.Errorf("StartCardSetup with a provider customer: %v", err)
		}
		if _, err := gw.CardSetupOutcome(ctx, page.ProviderID); err != nil {
			t.Errorf("CardSetupOutcome: %v", err)
		}
	})
	t.Run("off-session charge and refund", func(t *testing.T) {
		out, err := gw.ChargeSavedCard(ctx, fieldportal.OffSessionCharge{CardRef: "pm_card_visa", Amount: 5000, Currency: "GBP",
			Description: "Monthly service", IdempotencyKey: "rec-1-2026-03"})
		if err != nil || out.PaymentRef == "" {
			t.Errorf("ChargeSavedCard = %+v, %v", out, err)
		}
		ref, err := gw.Refund(ctx, fieldportal.RefundRequest{PaymentRef: "pi_123", Amount: 100, Currency: "GBP", IdempotencyKey: "ref-1"})
		if err != nil || ref.RefundRef == "" {
			t.Errorf("Refund = %+v, %v", ref, err)
		}
	})
}

// SignedEvent is a Stripe event of type typ about obj, signed as Stripe
// signs its deliveries (stripe-go's own test helper).
func SignedEvent(tb testing.TB, id, typ string, obj map[string]any, secret string) (payload []byte, header string) {
	tb.Helper()
	raw, err := json.Marshal(map[string]any{"id": id, "object": "event", "type": typ, "api_version": "2025-01-01",
		"created": time.Now().Unix(), "data": map[string]any{"object": obj}})
	if err != nil {
		tb.Fatal(err)
	}
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: raw, Secret: secret})
	return sp.Payload, sp.Header
}

func TestStripeParseEvent(t *testing.T) {
	gw, err := payment.Gateways(payment.Config{})(fieldportal.ProviderStripe,
		fieldportal.PaymentKeys{SecretKey: "sk_test_123", WebhookSecret: testWebhookSecret})
	if err != nil {
		t.Fatal(err)
	}
	session := map[string]any{"id": "cs_1", "object": "checkout.session", "mode": "payment", "client_reference_id": "chk-1",
		"payment_status": "paid", "status": "complete", "amount_total": 15050, "currency": "gbp", "payment_intent": "pi_1"}
	t.Run("good signature", func(t *testing.T) {
		body, sig := SignedEvent(t, "evt_1", "checkout.session.completed", session, testWebhookSecret)
		ev, err := gw.ParseEvent(body, sig)
		want := fieldportal.CheckoutOutcome{ProviderID: "cs_1", CheckoutID: "chk-1", Paid: true, Amount: 15050, Currency: "GBP", PaymentRef: "pi_1"}
		if err != nil || ev.Checkout == nil || *ev.Checkout != want {
			t.Errorf("ParseEvent = %+v, %v; want checkout %+v", ev, err, want)
		}
	})
	t.Run("bad signature", func(t *testing.T) {
		body, sig := SignedEvent(t, "evt_2", "checkout.session.completed", session, "whsec_someone_else")
		if _, err := gw.ParseEvent(body, sig); fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED {
			t.Errorf("ParseEvent with another secret = %v, want EUNAUTHORIZED", err)
		}
		body, sig = SignedEvent(t, "evt_3", "checkout.session.completed", session, testWebhookSecret)
		body[len(body)-2] = ' '
		if _, err := gw.ParseEvent(body, sig); fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED {
			t.Errorf("ParseEvent of a changed body = %v, want EUNAUTHORIZED", err)
		}
	})
	t.Run("card set-up", func(t *testing.T) {
		setup := map[string]any{"id": "cs_2", "object": "checkout.session", "mode": "setup", "client_reference_id": "cust-1",
			"status": "complete", "setup_intent": "seti_1"}
		body, sig := SignedEvent(t, "evt_4", "checkout.session.completed", setup, testWebhookSecret)
		ev, err := gw.ParseEvent(body, sig)
		if err != nil || ev.CardSetup == nil || ev.CardSetup.CustomerID != "cust-1" || !ev.CardSetup.Done {
			t.Errorf("ParseEvent of a set-up = %+v, %v", ev, err)
		}
	})
	t.Run("keys missing", func(t *testing.T) {
		if _, err := payment.Gateways(payment.Config{})(fieldportal.ProviderStripe, fieldportal.PaymentKeys{SecretKey: "sk_test_1"}); err == nil {
			t.Error("Stripe opened without a webhook secret")
		}
		if _, err := payment.Gateways(payment.Config{})("", fieldportal.PaymentKeys{}); err == nil {
			t.Error("a gateway opened with payments off")
		}
	})
}

func TestTestMode(t *testing.T) {
	gw, err := payment.Gateways(payment.Config{TestModeSecret: []byte("k")})(fieldportal.ProviderTestMode, fieldportal.PaymentKeys{})
	if err != nil {
		t.Fatal(err)
	}
	tp := gw.(fieldportal.TestPaymentPage)
	ctx := context.Background()
	page, err := gw.StartCheckout(ctx, fieldportal.CheckoutRequest{CheckoutID: "chk-9", Currency: "GBP", Amount: 999,
		SuccessURL: "/payments/return?checkout=chk-9&session={CHECKOUT_SESSION_ID}", CancelURL: "/payments/cancel?checkout=chk-9"})
	if err != nil {
		t.Fatal(err)
	}
	token := page.ProviderID
	for _, tc := range []struct{ name, card, field string }{
		{"declined", "4000 0000 0000 0002", "card"},
		{"another number", "5555555555554444", "card"},
		{"empty", "", "card"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tp.PayTest(token, tc.card); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("PayTest(%q) = %v, want EINVALID", tc.card, err)
			}
		})
	}
	t.Run("unpaid outcome", func(t *testing.T) {
		if o, err := gw.CheckoutOutcome(ctx, token); err != nil || o.Paid || o.PaymentRef != "" {
			t.Errorf("outcome before paying = %+v, %v", o, err)
		}
	})
	t.Run("succeeds", func(t *testing.T) {
		next, err := tp.PayTest(token, "4242 4242 4242 4242")
		if err != nil {
			t.Fatal(err)
		}
		const prefix = "/payments/return?checkout=chk-9&session="
		if len(next) <= len(prefix) || next[:len(prefix)] != prefix {
			t.Fatalf("redirect = %q", next)
		}
		o, err := gw.CheckoutOutcome(ctx, next[len(prefix):])
		want := fieldportal.CheckoutOutcome{ProviderID: next[len(prefix):], CheckoutID: "chk-9", Paid: true, Amount: 999, Currency: "GBP", PaymentRef: "tm_pi_chk-9"}
		if err != nil || o != want {
			t.Errorf("outcome = %+v, %v; want %+v", o, err, want)
		}
	})
	t.Run("forged token", func(t *testing.T) {
		if _, err := gw.CheckoutOutcome(ctx, token+"x"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			t.Errorf("forged token = %v, want ENOTFOUND", err)
		}
	})
	t.Run("webhook refused", func(t *testing.T) {
		if _, err := gw.ParseEvent([]byte("{}"), "t=1,v1=x"); fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED {
			t.Errorf("test mode ParseEvent = %v", err)
		}
	})
}
