package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestDepositReuseBound checks that a second start reuses an open
// deposit checkout only when it is the same login's, for the same quote,
// quote version, amount and provider, with time left: anything else gets
// a checkout of its own, so no payer pays on a page it did not start and
// no page takes an amount other than the quote's deposit as it now stands.
func TestDepositReuseBound(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		w := newDepositWorld(t, db)
		start := func(t *testing.T, v fieldportal.Viewer, x *fieldportal.Quote, provider string) *fieldportal.Checkout {
			t.Helper()
			c, err := db.StartDepositCheckout(ctx, v, fieldportal.StartDeposit{QuoteID: x.ID, Provider: provider,
				Decision: fieldportal.QuoteDecision{SignerName: "Sam Roe", From: "192.0.2.8"}})
			if err != nil {
				t.Fatalf("StartDepositCheckout: %v", err)
			}
			return c
		}

		t.Run("another login of the same customer gets its own checkout", func(t *testing.T) {
			other := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			other.QuoteContact = true
			mustMoneyExec(t, db, `UPDATE contacts SET quote_contact = TRUE WHERE id = $1`, other.ContactID)
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c1 := w.startDeposit(t, db, x)
			c2 := start(t, other, x, "testmode")
			if c2.ID == c1.ID || c2.LoginID != other.LoginID {
				t.Errorf("other login's start = %s (login %s), want a checkout of its own, not %s", c2.ID, c2.LoginID, c1.ID)
			}
			if _, err := db.FindCheckout(ctx, other, c1.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("other login reads the payer's checkout: %v, want not found", err)
			}
		})

		t.Run("another provider gets its own checkout", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c1 := w.startDeposit(t, db, x)
			if c2 := start(t, w.payer, x, fieldportal.ProviderStripe); c2.ID == c1.ID {
				t.Errorf("start with stripe reused the test mode checkout %s", c1.ID)
			}
		})

		t.Run("a quote changed since gets a new checkout", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c1 := w.startDeposit(t, db, x)
			mustMoneyExec(t, db, `UPDATE quotes SET updated_at = $2 WHERE id = $1`, x.ID, clock.Add(time.Minute))
			if c2 := w.startDeposit(t, db, x); c2.ID == c1.ID || c2.QuoteVersion == c1.QuoteVersion {
				t.Errorf("start after a change reused %s (version %s)", c1.ID, c1.QuoteVersion)
			}
		})

		t.Run("a deposit changed since gets a new checkout of the new amount", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositAmount, 2000)
			c1 := w.startDeposit(t, db, x)
			// The amount alone, the version kept: the reuse still checks it.
			mustMoneyExec(t, db, `UPDATE quotes SET deposit_value = 3000 WHERE id = $1`, x.ID)
			c2 := w.startDeposit(t, db, x)
			if c2.ID == c1.ID || c2.Amount != 3000 {
				t.Errorf("start after the deposit changed = %s of %s, want a new checkout of 30.00", c2.ID, c2.Amount)
			}
		})

		t.Run("a checkout about to lapse or lapsed is not reused", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c1 := w.startDeposit(t, db, x)
			clock = clock.Add(23*time.Hour + 30*time.Minute)
			t.Cleanup(func() { clock = clock.Add(-(23*time.Hour + 30*time.Minute)) })
			c2 := w.startDeposit(t, db, x)
			if c2.ID == c1.ID {
				t.Errorf("start half an hour before the lapse reused %s", c1.ID)
			}
			if !c2.ExpiresAt.After(c1.ExpiresAt) {
				t.Errorf("new checkout lapses at %v, want later than %v", c2.ExpiresAt, c1.ExpiresAt)
			}
		})

		t.Run("a paid checkout is not reused", func(t *testing.T) {
			x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
			c1 := w.startDeposit(t, db, x)
			mustMoneyExec(t, db, `UPDATE checkouts SET status = 'refused' WHERE id = $1`, c1.ID)
			if c2 := w.startDeposit(t, db, x); c2.ID == c1.ID {
				t.Errorf("start reused the refused checkout %s", c1.ID)
			}
		})
	})
}
