package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// An answer is tied to the quote as the signer read it: once the office
// prices the outstanding quote again, an answer given to the old version
// is refused and changes nothing; one given to the new version stands.
func TestDecideQuoteRefusesAChangedQuote(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		contact := withQuoteRole(t, db, mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil))
		later := fieldportal.Date{Year: 2099, Month: 1, Day: 1}
		price := func(x *fieldportal.Quote, unit fieldportal.Money) {
			t.Helper()
			if _, _, err := db.PriceQuote(ctx, w.Staff, x.ID, fieldportal.QuotePricing{
				Items:   []fieldportal.QuoteItem{{Description: "Labour", Quantity: 1, UnitPrice: unit}},
				TaxRate: 2000, ValidUntil: later, Send: true, PortalURL: "https://portal.test"}); err != nil {
				t.Fatal(err)
			}
		}
		x := mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteRequested, Description: "Please quote"})
		price(x, 5000)
		shown, err := db.FindQuoteByID(ctx, contact, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		price(x, 9000) // the office changes the price while the page is open
		_, err = db.DecideQuote(ctx, contact, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Pat Signer", Version: shown.Version()})
		wantWorkCode(t, err, fieldportal.ECONFLICT)
		now, err := db.FindQuoteByID(ctx, contact, x.ID)
		if err != nil {
			t.Fatal(err)
		}
		if now.Stage != fieldportal.QuoteOutstanding || now.SignedByName != "" {
			t.Fatalf("a stale answer was recorded: %+v", now)
		}
		got, err := db.DecideQuote(ctx, contact, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Pat Signer", Version: now.Version()})
		if err != nil || got.Stage != fieldportal.QuoteApproved || got.TotalIncTax != now.TotalIncTax {
			t.Fatalf("answer to the quote as it stands: %+v, %v", got, err)
		}
	})
}
