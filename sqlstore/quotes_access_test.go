package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
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

// TestQuoteRecordsMatrix: a quote's attachments, as its page lists and
// downloads them, and its acceptance record, for every kind of viewer of
// the access world. They live in a world of their own, as the shared
// matrix lists every document and every quote.
func TestQuoteRecordsMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorld(t, db)
		quotes, docs := map[string]string{}, map[string]string{}
		for name, s := range w.site {
			sys := fieldportal.SystemViewer(s.OrgID, "test")
			x := &fieldportal.Quote{SiteID: s.ID, Stage: fieldportal.QuoteOutstanding, Description: "Quote at " + name}
			if err := db.CreateQuote(ctx, sys, x); err != nil {
				t.Fatal(err)
			}
			if _, err := db.DecideQuote(ctx, sys, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Pat Signer", From: "192.0.2.9"}); err != nil {
				t.Fatal(err)
			}
			key := "matrix/" + sqlstore.NewID()
			if err := db.PutBlob(ctx, s.OrgID, key, []byte("Quote at "+name)); err != nil {
				t.Fatal(err)
			}
			d := MustDocument(t, db, sys, &fieldportal.Document{Name: "Quote at " + name + ".pdf", AttachedTo: "quote", QuoteID: x.ID,
				SiteID: s.ID, VisibleToCustomer: true, StorageKey: key})
			quotes[name], docs[name] = x.ID, d.ID
		}
		for _, kind := range viewerKinds {
			t.Run(kind, func(t *testing.T) {
				v := w.viewers[kind]
				var want, got []string
				for _, name := range reach[kind] {
					want = append(want, docs[name])
				}
				for name, q := range quotes {
					l, _, err := db.FindDocuments(ctx, v, fieldportal.DocumentFilter{QuoteID: q})
					if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
						t.Fatalf("attachments of the quote at %s: %v", name, err)
					}
					got = append(got, idsOf(l, func(x *fieldportal.Document) string { return x.ID })...)
				}
				slices.Sort(want)
				slices.Sort(got)
				if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
					t.Errorf("attachments listed (-want +got):\n%s", diff)
				}
				for name := range quotes {
					visible := slices.Contains(reach[kind], name)
					_, data, err := openBytes(db.OpenDocument(ctx, v, docs[name]))
					if (err == nil) != visible || (err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND) ||
						(err == nil && string(data) != "Quote at "+name) {
						t.Errorf("download of the attachment at %s: %v (visible %v)", name, err, visible)
					}
					x, err := db.FindQuoteByID(ctx, v, quotes[name])
					switch {
					case visible && (err != nil || x.SignedByName != "Pat Signer" || x.SignedFrom != "192.0.2.9" || x.ActionedAt.IsZero()):
						t.Errorf("acceptance at %s: %+v, %v", name, x, err)
					case !visible && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND:
						t.Errorf("acceptance at %s out of reach: %v", name, err)
					}
				}
			})
		}
	})
}
