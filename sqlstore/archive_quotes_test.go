package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// A contact's acceptance of a quote at an archived site (issue 19) is new
// work there, as a booking is: refused, with or without a deposit, whether
// the site is archived itself or through its customer. Declining stays
// open, and the office may still record an acceptance.
func TestArchivedSiteQuoteAcceptance(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		contact := withQuoteRole(t, db, mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil))
		later := fieldportal.Date{Year: 2099, Month: 1, Day: 1}
		outstanding := func(siteID string) *fieldportal.Quote {
			return mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: siteID, Stage: fieldportal.QuoteOutstanding,
				TotalExTax: 10000, Tax: 2000, TotalIncTax: 12000, ValidUntil: later})
		}
		decide := func(v fieldportal.Viewer, x *fieldportal.Quote, accept bool) error {
			_, err := db.DecideQuote(ctx, v, x.ID, fieldportal.QuoteDecision{Accept: accept, SignerName: "Pat Lee", From: "198.51.100.7"})
			return err
		}
		if err := db.ArchiveSite(ctx, w.Staff, w.SiteA.ID, true); err != nil {
			t.Fatal(err)
		}

		t.Run("accepting at an archived site is refused", func(t *testing.T) {
			x := outstanding(w.SiteA.ID)
			if err := decide(contact, x, true); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Errorf("err = %v, want a conflict", err)
			}
			if got, _ := db.FindQuoteByID(ctx, w.Staff, x.ID); got.Stage != fieldportal.QuoteOutstanding {
				t.Errorf("stage = %s, want still outstanding", got.Stage)
			}
		})
		t.Run("accepting at a site of an archived customer is refused", func(t *testing.T) {
			x := outstanding(w.SiteB.ID)
			if err := db.ArchiveCustomer(ctx, w.Staff, w.Child.ID, true); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.ArchiveCustomer(ctx, w.Staff, w.Child.ID, false) })
			if err := decide(contact, x, true); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Errorf("err = %v, want a conflict", err)
			}
		})
		t.Run("declining there stays open", func(t *testing.T) {
			if err := decide(contact, outstanding(w.SiteA.ID), false); err != nil {
				t.Errorf("decline: %v", err)
			}
		})
		t.Run("the office may still record an acceptance", func(t *testing.T) {
			if err := decide(w.Staff, outstanding(w.SiteA.ID), true); err != nil {
				t.Errorf("staff accept: %v", err)
			}
		})
		t.Run("a site in use still takes an acceptance", func(t *testing.T) {
			if err := decide(contact, outstanding(w.SiteB.ID), true); err != nil {
				t.Errorf("accept: %v", err)
			}
		})
	})
}

// Paying a quote's deposit starts its acceptance: at an archived site it is
// refused before any checkout is opened.
func TestArchivedSiteDepositCheckout(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newDepositWorld(t, db)
		x := w.quote(t, db, 10000, fieldportal.DepositPercent, 20)
		if err := db.ArchiveSite(ctx, w.staff, w.siteA.ID, true); err != nil {
			t.Fatal(err)
		}
		_, err := db.StartDepositCheckout(ctx, w.payer, fieldportal.StartDeposit{QuoteID: x.ID, Provider: "testmode",
			Decision: fieldportal.QuoteDecision{SignerName: "Pat Lee", From: "192.0.2.7"}})
		if fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			t.Errorf("err = %v, want a conflict", err)
		}
		if n := MustCount(t, db, `SELECT count(*) FROM checkouts WHERE quote_id = $1`, x.ID); n != 0 {
			t.Errorf("%d checkouts opened", n)
		}
	})
}
