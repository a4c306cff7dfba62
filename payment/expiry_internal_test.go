package payment

import (
	"testing"
	"time"
)

// TestStripeExpiry checks the expires_at sent to Stripe: the checkout's
// own, kept within what Stripe accepts (30 minutes to 24 hours ahead).
func TestStripeExpiry(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name      string
		want, got time.Time
	}{
		{"none", time.Time{}, time.Time{}},
		{"in a day", now.Add(24 * time.Hour), now.Add(24 * time.Hour)},
		{"in 3 hours", now.Add(3 * time.Hour), now.Add(3 * time.Hour)},
		{"sooner than Stripe allows", now.Add(5 * time.Minute), now.Add(31 * time.Minute)},
		{"later than Stripe allows", now.Add(30 * time.Hour), now.Add(24 * time.Hour)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := stripeExpiry(now, tc.want)
			if ok != !tc.got.IsZero() || (ok && got != tc.got.Unix()) {
				t.Errorf("stripeExpiry(%v) = %d, %v; want %v", tc.want, got, ok, tc.got)
			}
		})
	}
}
