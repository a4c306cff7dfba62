package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// The quotes' rows of the access matrices (issue 16): the portal's other
// reads of quotes, which must see what FindQuotes sees, and the answers
// and pricing.

// quoteMoreLists are the reads of the quotes row besides FindQuotes: the
// CSV's stream, and the portal's Outstanding tab (every quote of the row
// is outstanding).
func quoteMoreLists(ctx context.Context, db *sqlstore.DB) map[string]listFn {
	return map[string]listFn{
		"EachQuote": func(v fieldportal.Viewer) ([]string, error) {
			var out []string
			err := db.EachQuote(ctx, v, fieldportal.QuoteFilter{}, func(x *fieldportal.Quote) error {
				out = append(out, x.ID)
				return nil
			})
			return out, err
		},
		"FindQuotes, outstanding tab": func(v fieldportal.Viewer) ([]string, error) {
			return listAll(func(after string) ([]string, string, error) {
				l, next, err := db.FindQuotes(ctx, v, fieldportal.QuoteFilter{Page: fieldportal.Page{After: after, Limit: 2},
					Stages: []fieldportal.QuoteStage{fieldportal.QuoteRequested, fieldportal.QuoteOutstanding}})
				return idsOf(l, func(x *fieldportal.Quote) string { return x.ID }), next, err
			})
		},
	}
}

// quoteRows are the write matrix's rows of answering and pricing quotes.
func (w *writeWorld) quoteRows() []writeRow {
	ctx, db := w.ctx, w.db
	at := func(t *testing.T, target string, stage fieldportal.QuoteStage) string {
		x := &fieldportal.Quote{SiteID: w.siteID(target), Stage: stage, Description: "Quote " + w.next()}
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateQuote(ctx, v, x) })
		return x.ID
	}
	return []writeRow{
		{
			// The online answer, with its comment and address: a contact
			// with the Quotes page at a site it reaches; staff for the
			// customer.
			name: "DecideQuote accept", covers: []string{"WorkService.DecideQuote"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.DecideQuote(ctx, v, at(t, target, fieldportal.QuoteOutstanding),
					fieldportal.QuoteDecision{Accept: true, SignerName: "Pat Signer", Comment: "Go ahead", From: "192.0.2.1"}))
			},
			want: inModule(atSite),
		},
		{
			name: "DecideQuote decline", covers: []string{"WorkService.DecideQuote"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.DecideQuote(ctx, v, at(t, target, fieldportal.QuoteOutstanding),
					fieldportal.QuoteDecision{SignerName: "Pat Signer", Comment: "Too dear", From: "192.0.2.1"}))
			},
			want: inModule(atSite),
		},
		{
			name: "PriceQuote", covers: []string{"WorkService.PriceQuote"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				_, _, err := db.PriceQuote(ctx, v, at(t, target, fieldportal.QuoteRequested), fieldportal.QuotePricing{
					Items:   []fieldportal.QuoteItem{{Description: "Labour", Quantity: 2, UnitPrice: 5000}},
					TaxRate: 2000, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1}, Send: true,
					PortalURL: "https://portal.test"})
				return nil, err
			},
			want: operatorOnly(atSite, notFound),
		},
	}
}
