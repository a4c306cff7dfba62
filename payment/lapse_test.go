package payment_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/payment"
)

// TestTestModeLapse checks that a test-mode checkout with an expiry
// refuses payment once it has lapsed, and says so on its page.
func TestTestModeLapse(t *testing.T) {
	gw, err := payment.Gateways(payment.Config{TestModeSecret: []byte("k")})(fieldportal.ProviderTestMode, fieldportal.PaymentKeys{})
	if err != nil {
		t.Fatal(err)
	}
	tp := gw.(fieldportal.TestPaymentPage)
	start := func(t *testing.T, expires time.Time) string {
		t.Helper()
		page, err := gw.StartCheckout(context.Background(), fieldportal.CheckoutRequest{CheckoutID: "chk-lapse", Currency: "GBP",
			Amount: 2000, ExpiresAt: expires, SuccessURL: "/payments/return?checkout=chk-lapse&session={CHECKOUT_SESSION_ID}",
			CancelURL: "/payments/cancel?checkout=chk-lapse"})
		if err != nil {
			t.Fatal(err)
		}
		return page.ProviderID
	}
	t.Run("open until it lapses", func(t *testing.T) {
		expires := time.Now().Add(time.Hour).Truncate(time.Second)
		token := start(t, expires)
		page, err := tp.TestPage(token)
		if err != nil || page.Expired || !page.ExpiresAt.Equal(expires) {
			t.Fatalf("TestPage = %+v, %v; want open until %v", page, err, expires)
		}
		if _, err := tp.PayTest(token, payment.TestCardSucceeds); err != nil {
			t.Errorf("PayTest before it lapses: %v", err)
		}
	})
	t.Run("lapsed is refused", func(t *testing.T) {
		token := start(t, time.Now().Add(-time.Minute))
		page, err := tp.TestPage(token)
		if err != nil || !page.Expired {
			t.Errorf("TestPage of a lapsed checkout = %+v, %v; want it marked expired", page, err)
		}
		if _, err := tp.PayTest(token, payment.TestCardSucceeds); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			t.Errorf("PayTest after it lapsed = %v, want ECONFLICT", err)
		}
	})
	t.Run("no expiry never lapses", func(t *testing.T) {
		token := start(t, time.Time{})
		if page, err := tp.TestPage(token); err != nil || page.Expired || !page.ExpiresAt.IsZero() {
			t.Errorf("TestPage = %+v, %v", page, err)
		}
	})
}
