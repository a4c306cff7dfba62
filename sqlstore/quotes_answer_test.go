package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustQuoteContact adds a contact of the customer who is (or is not) its
// quote contact, with an email address and an active login to every page
// and site, and returns the address.
func mustQuoteContact(tb testing.TB, db *sqlstore.DB, orgID, customerID, first string, quoteContact bool) string {
	tb.Helper()
	email := strings.ToLower(first) + "@customer.test"
	id := mustWorkExec(tb, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, last_name, email, quote_contact, created_at, updated_at)
		VALUES ($1, $2, $4, $5, 'Lee', $6, $7, $3, $3)`, orgID, customerID, first, email, quoteContact)
	mustContactLogin(tb, db, orgID, id, "active", fieldportal.AllModules)
	return email
}

// mustContactLogin gives a contact a portal login of that status and
// pages, reaching every site or, when siteIDs are given, those only.
func mustContactLogin(tb testing.TB, db *sqlstore.DB, orgID, contactID, status string, pages fieldportal.Modules, siteIDs ...string) {
	tb.Helper()
	access := fieldportal.SiteAccessAll
	if len(siteIDs) > 0 {
		access = fieldportal.SiteAccessAssigned
	}
	login := mustWorkExec(tb, db, `INSERT INTO portal_logins (id, org_id, contact_id, username, status, page_access, site_access, created_at, updated_at)
		VALUES ($1, $2, $4, $4, $5, $6, $7, $3, $3)`, orgID, contactID, status, pages.String(), string(access))
	for _, s := range siteIDs {
		if _, err := db.SQL().ExecContext(context.Background(), `INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, login, s, orgID); err != nil {
			tb.Fatalf("assign site: %v", err)
		}
	}
}

// mustMails returns the held or pending mails of a topic, oldest first.
func mustMails(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, topic string) []*fieldportal.OutboxMessage {
	tb.Helper()
	list, _, err := db.FindOutbox(context.Background(), v, fieldportal.OutboxFilter{Kind: "mail", Page: fieldportal.Page{Limit: 500}})
	if err != nil {
		tb.Fatal(err)
	}
	var out []*fieldportal.OutboxMessage
	for _, m := range list {
		if m.Topic == topic {
			out = append(out, m)
		}
	}
	return out
}

func TestQuoteAnswers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		branch := withQuoteRole(t, db, mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil))
		outstanding := func(valid fieldportal.Date) *fieldportal.Quote {
			return mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteOutstanding,
				TotalExTax: 10000, Tax: 2000, TotalIncTax: 12000, ValidUntil: valid})
		}
		later := fieldportal.Date{Year: 2099, Month: 1, Day: 1}

		t.Run("a contact without the quote role may not answer", func(t *testing.T) {
			x := outstanding(later)
			plain := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			_, err := db.DecideQuote(ctx, plain, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Jo Bloggs", From: "198.51.100.7"})
			if fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("answer without the quote role: %v", err)
			}
			if got, _ := db.FindQuoteByID(ctx, w.Staff, x.ID); got.Stage != fieldportal.QuoteOutstanding {
				t.Errorf("quote moved to %s", got.Stage)
			}
			stranger := MustCustomer(t, db, w.Staff, &fieldportal.Customer{Name: "Stranger"})
			other := withQuoteRole(t, db, mustWorkContact(t, db, w.Org.ID, stranger.ID, nil))
			if _, err := db.DecideQuote(ctx, other, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Jo Bloggs"}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("a quote contact of another customer: %v", err)
			}
		})

		t.Run("accepting records the signature, time, address and comment", func(t *testing.T) {
			x := outstanding(later)
			got, err := db.DecideQuote(ctx, branch, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "  Jo Bloggs ",
				Comment: "Please start in May", From: "198.51.100.7"})
			if err != nil {
				t.Fatal(err)
			}
			stored, err := db.FindQuoteByID(ctx, branch, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, stored); diff != "" {
				t.Errorf("returned and stored quote differ (-returned +stored):\n%s", diff)
			}
			if stored.Stage != fieldportal.QuoteApproved || stored.SignedByName != "Jo Bloggs" || stored.SignedFrom != "198.51.100.7" ||
				stored.AcceptComment != "Please start in May" || stored.ActionedAt.IsZero() || stored.DeclineReason != "" {
				t.Errorf("accepted quote: %+v", stored)
			}
		})
		t.Run("declining keeps the comment as the reason", func(t *testing.T) {
			x := outstanding(later)
			if _, err := db.DecideQuote(ctx, branch, x.ID, fieldportal.QuoteDecision{SignerName: "Jo Bloggs", Comment: "Too dear", From: "198.51.100.7"}); err != nil {
				t.Fatal(err)
			}
			got, _ := db.FindQuoteByID(ctx, branch, x.ID)
			if got.Stage != fieldportal.QuoteDeclined || got.DeclineReason != "Too dear" || got.AcceptComment != "" {
				t.Errorf("declined quote: %+v", got)
			}
		})
		t.Run("an implausible signature is refused and nothing changes", func(t *testing.T) {
			x := outstanding(later)
			for _, name := range []string{"", "   ", "J", "12345", "Jo <b>", strings.Repeat("a", 201)} {
				_, err := db.DecideQuote(ctx, branch, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: name})
				wantWorkCode(t, err, fieldportal.EINVALID, "signed_by_name")
			}
			_, err := db.DecideQuote(ctx, branch, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Jo Bloggs", Comment: strings.Repeat("a", 2001)})
			wantWorkCode(t, err, fieldportal.EINVALID, "comment")
			if got, _ := db.FindQuoteByID(ctx, branch, x.ID); got.Stage != fieldportal.QuoteOutstanding {
				t.Errorf("stage %s after refusals", got.Stage)
			}
		})
		t.Run("a requested quote cannot be answered", func(t *testing.T) {
			x := mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteRequested})
			_, err := db.DecideQuote(ctx, branch, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Jo Bloggs"})
			wantWorkCode(t, err, fieldportal.ECONFLICT)
			if !strings.Contains(fieldportal.ErrorMessage(err), "not priced yet") {
				t.Errorf("message %q", fieldportal.ErrorMessage(err))
			}
		})
		t.Run("of two answers racing exactly one wins and the other is told", func(t *testing.T) {
			x := outstanding(later)
			errs := make([]error, 2)
			var wg sync.WaitGroup
			for i := range errs {
				wg.Go(func() {
					_, errs[i] = db.DecideQuote(ctx, branch, x.ID, fieldportal.QuoteDecision{Accept: i == 0, SignerName: "Jo Bloggs"})
				})
			}
			wg.Wait()
			won := slices.IndexFunc(errs, func(err error) bool { return err == nil })
			if won < 0 || errs[1-won] == nil {
				t.Fatalf("errors %v: want exactly one success", errs)
			}
			wantWorkCode(t, errs[1-won], fieldportal.ECONFLICT)
			if msg := fieldportal.ErrorMessage(errs[1-won]); !strings.Contains(msg, "already") {
				t.Errorf("loser told %q", msg)
			}
		})
		t.Run("the office is mailed at its support address, when it has one", func(t *testing.T) {
			x := outstanding(later)
			if _, err := db.DecideQuote(ctx, branch, x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Jo Bloggs"}); err != nil {
				t.Fatal(err)
			}
			if n := len(mustMails(t, db, w.Staff, "quote_answered")); n != 0 {
				t.Fatalf("%d office mails without a support address", n)
			}
			st, err := db.FindSettings(ctx, w.Org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.Branding.SupportEmail = "office@acme.test"
			if err := db.UpdateSettings(ctx, w.Staff, st); err != nil {
				t.Fatal(err)
			}
			y := outstanding(later)
			if _, err := db.DecideQuote(ctx, branch, y.ID, fieldportal.QuoteDecision{SignerName: "Jo Bloggs", Comment: "No thanks",
				PortalURL: "https://portal.test"}); err != nil {
				t.Fatal(err)
			}
			mails := mustMails(t, db, w.Staff, "quote_answered")
			if len(mails) != 1 {
				t.Fatalf("%d office mails, want 1", len(mails))
			}
			if m := mails[0]; m.Recipient != "office@acme.test" || m.Subject != "Quote "+y.Number+" declined by Jo Bloggs" ||
				!strings.Contains(m.Payload, "https://portal.test/console/quotes/"+y.ID+"\n") {
				t.Errorf("office mail to %s %q:\n%s", m.Recipient, m.Subject, m.Payload)
			}
		})
		t.Run("validity ends at midnight in the organisation's time zone", func(t *testing.T) {
			// Auckland is 13 hours ahead of UTC in December: at 12:00 UTC on
			// the 1st it is already the 2nd there.
			org := MustOrg(t, db, "Kiwi Fire")
			if _, err := db.SQL().ExecContext(ctx, `UPDATE organisations SET time_zone = 'Pacific/Auckland' WHERE id = $1`, org.ID); err != nil {
				t.Fatal(err)
			}
			sys := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Kiwi"})
			site := MustSite(t, db, sys, &fieldportal.Site{CustomerID: cust.ID, Name: "Wharf", Address: fieldportal.Address{Line1: "1 Quay"}})
			valid := fieldportal.Date{Year: 2026, Month: 12, Day: 1}
			mk := func() string {
				return mustWorkQuote(t, db, sys, &fieldportal.Quote{SiteID: site.ID, Stage: fieldportal.QuoteOutstanding, ValidUntil: valid}).ID
			}
			defer func() { db.Now = time.Now }()
			db.Now = func() time.Time { return time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC) } // 23:00 on the 1st there
			if _, err := db.DecideQuote(ctx, sys, mk(), fieldportal.QuoteDecision{Accept: true, SignerName: "Kim Ng"}); err != nil {
				t.Errorf("last day of validity: %v", err)
			}
			db.Now = func() time.Time { return time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC) } // 01:00 on the 2nd there
			_, err := db.DecideQuote(ctx, sys, mk(), fieldportal.QuoteDecision{Accept: true, SignerName: "Kim Ng"})
			wantWorkCode(t, err, fieldportal.ECONFLICT)
			if !strings.Contains(fieldportal.ErrorMessage(err), "expired on 1 December 2026") {
				t.Errorf("message %q", fieldportal.ErrorMessage(err))
			}
		})
	})
}

func TestPriceQuote(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
		quoteMail := mustQuoteContact(t, db, w.Org.ID, w.Child.ID, "Quinn", true)
		mustQuoteContact(t, db, w.Org.ID, w.Child.ID, "Jobby", false)
		// Quote contacts who cannot follow the mail's link to a quote at
		// site B: no login, a disabled one, one without the Quotes page,
		// one reaching another site only. None is mailed.
		quoteContact := func(first string) string {
			return mustWorkExec(t, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, email, quote_contact, created_at, updated_at)
				VALUES ($1, $2, $4, $5, $6, TRUE, $3, $3)`, w.Org.ID, w.Child.ID, first, strings.ToLower(first)+"@customer.test")
		}
		quoteContact("Nolan")
		mustContactLogin(t, db, w.Org.ID, quoteContact("Dee"), "disabled", fieldportal.AllModules)
		mustContactLogin(t, db, w.Org.ID, quoteContact("Ivy"), "active", fieldportal.Modules{fieldportal.ModuleService})
		mustContactLogin(t, db, w.Org.ID, quoteContact("Otto"), "active", fieldportal.AllModules, w.SiteA.ID)
		requested := func(site string) *fieldportal.Quote {
			x := &fieldportal.Quote{SiteID: site, Description: "Please quote", Items: []fieldportal.QuoteItem{{ItemID: w.ItemID, Quantity: 1}}}
			if err := db.CreateQuote(ctx, branch, x); err != nil {
				t.Fatal(err)
			}
			return x
		}
		later := fieldportal.Date{Year: 2099, Month: 1, Day: 31}
		pricing := fieldportal.QuotePricing{
			Items: []fieldportal.QuoteItem{
				{ItemID: w.ItemID, Code: "EXT-6", Description: "6kg extinguisher", Quantity: 2, UnitPrice: 4500},
				{Description: "Labour", Quantity: 3, UnitPrice: 3333},
				{Description: "Wall sign", Quantity: 1, UnitPrice: 1000, Optional: true},
			},
			TaxRate: 1750, ValidUntil: later, PortalURL: "https://portal.test/",
		}

		t.Run("saving prices the lines and keeps the quote requested", func(t *testing.T) {
			x := requested(w.SiteB.ID)
			got, mailed, err := db.PriceQuote(ctx, w.Staff, x.ID, pricing)
			if err != nil {
				t.Fatal(err)
			}
			// 2 × 45.00 + 3 × 33.33 = 189.99; 17.5% is 33.24825, rounded 33.25.
			if got.Stage != fieldportal.QuoteRequested || got.TotalExTax != 18999 || got.Tax != 3325 || got.TotalIncTax != 22324 ||
				got.TaxRate != 1750 || got.ValidUntil != later || !got.SentAt.IsZero() || mailed != 0 {
				t.Errorf("priced quote %+v, mailed %d", got, mailed)
			}
			stored, err := db.FindQuoteByID(ctx, branch, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			totals := func(items []fieldportal.QuoteItem) []fieldportal.Money {
				var out []fieldportal.Money
				for _, it := range items {
					out = append(out, it.Total)
				}
				return out
			}
			if diff := cmp.Diff([]fieldportal.Money{9000, 9999, 1000}, totals(stored.Items)); diff != "" {
				t.Errorf("line totals (-want +got):\n%s", diff)
			}
			if !stored.Items[2].Optional || stored.Items[0].ItemID != w.ItemID || stored.TotalIncTax != 22324 {
				t.Errorf("stored %+v", stored)
			}
		})
		t.Run("sending makes it outstanding and mails the quote contacts in the same change", func(t *testing.T) {
			x := requested(w.SiteB.ID)
			before := len(mustMails(t, db, w.Staff, "quote_sent"))
			p := pricing
			p.Send = true
			got, mailed, err := db.PriceQuote(ctx, w.Staff, x.ID, p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != fieldportal.QuoteOutstanding || got.SentAt.IsZero() || mailed != 1 {
				t.Errorf("sent quote %+v, mailed %d", got, mailed)
			}
			mails := mustMails(t, db, w.Staff, "quote_sent")
			if len(mails) != before+1 {
				t.Fatalf("%d mails, want %d", len(mails), before+1)
			}
			m := mails[0]
			if m.Recipient != quoteMail || !strings.Contains(m.Subject, x.Number) ||
				!strings.Contains(m.Payload, "https://portal.test/quotes/"+x.ID+"\n") || !strings.Contains(m.Payload, "Hello Quinn Lee,") {
				t.Errorf("mail to %s %q:\n%s", m.Recipient, m.Subject, m.Payload)
			}
		})
		t.Run("without quote contacts the requester is mailed", func(t *testing.T) {
			// The parent customer has no quote contact: the staff record
			// the request for one of its contacts.
			x2 := &fieldportal.Quote{SiteID: w.SiteA.ID, Stage: fieldportal.QuoteRequested}
			requester := mustQuoteContact(t, db, w.Org.ID, w.Parent.ID, "Reggie", false)
			var id string
			if err := db.SQL().QueryRowContext(ctx, `SELECT id FROM contacts WHERE email = $1`, requester).Scan(&id); err != nil {
				t.Fatal(err)
			}
			x2.RequestedBy = id
			mustWorkQuote(t, db, w.Staff, x2)
			p := pricing
			p.Send = true
			if _, mailed, err := db.PriceQuote(ctx, w.Staff, x2.ID, p); err != nil || mailed != 1 {
				t.Fatalf("mailed %d, %v", mailed, err)
			}
			m := mustMails(t, db, w.Staff, "quote_sent")[0]
			if m.Recipient != requester {
				t.Errorf("mailed %s, want the requester %s", m.Recipient, requester)
			}
			// Without the quote role the requester may not answer (DecideQuote):
			// the mail must not invite it to.
			if strings.Contains(m.Payload, "print it, and accept") || !strings.Contains(m.Payload, "Only your quote contacts") {
				t.Errorf("the requester without the quote role is told to answer:\n%s", m.Payload)
			}
		})
		t.Run("bad pricing names each field and saves nothing", func(t *testing.T) {
			x := requested(w.SiteB.ID)
			bad := fieldportal.QuotePricing{Send: true, TaxRate: 10001, ValidUntil: fieldportal.Date{Year: 2020, Month: 1, Day: 1},
				Items: []fieldportal.QuoteItem{{Description: "", Quantity: 0, UnitPrice: -1}}}
			_, _, err := db.PriceQuote(ctx, w.Staff, x.ID, bad)
			fields := fieldsOf(err)
			want := []string{"item_1_description", "item_1_quantity", "item_1_unit_price", "tax_rate", "valid_until"}
			if diff := cmp.Diff(want, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if _, _, err := db.PriceQuote(ctx, w.Staff, x.ID, fieldportal.QuotePricing{Send: true, ValidUntil: later}); fieldOf(err) != "items" {
				t.Errorf("send without lines: %v", err)
			}
			p := pricing
			p.Items = append(slices.Clone(p.Items), fieldportal.QuoteItem{ItemID: sqlstore.NewID(), Description: "Ghost", Quantity: 1})
			p.Send = true
			_, _, err = db.PriceQuote(ctx, w.Staff, x.ID, p)
			wantWorkCode(t, err, fieldportal.EINVALID, "item_4_item_id")
			got, _ := db.FindQuoteByID(ctx, w.Staff, x.ID)
			if got.Stage != fieldportal.QuoteRequested || got.TotalIncTax != 0 || len(got.Items) != 1 {
				t.Errorf("half saved: %+v", got)
			}
		})
		t.Run("an answered quote cannot be priced again", func(t *testing.T) {
			x := mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteApproved})
			_, _, err := db.PriceQuote(ctx, w.Staff, x.ID, pricing)
			wantWorkCode(t, err, fieldportal.ECONFLICT)
		})
		t.Run("a contact cannot price", func(t *testing.T) {
			x := requested(w.SiteB.ID)
			_, _, err := db.PriceQuote(ctx, branch, x.ID, pricing)
			wantWorkCode(t, err, fieldportal.EFORBIDDEN)
		})
	})
}

func TestEachQuote(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		var made []*fieldportal.Quote
		for i, stage := range []fieldportal.QuoteStage{fieldportal.QuoteRequested, fieldportal.QuoteOutstanding, fieldportal.QuoteApproved,
			fieldportal.QuoteOutstanding, fieldportal.QuoteDeclined} {
			made = append(made, mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteA.ID, Stage: stage,
				OrderNo: []string{"PO-7", "", "PO-77", "", ""}[i], Description: "PO-7 in the text"}))
		}
		for _, tc := range []struct {
			name string
			f    fieldportal.QuoteFilter
		}{
			{"everything", fieldportal.QuoteFilter{}},
			{"outstanding tab", fieldportal.QuoteFilter{Stages: []fieldportal.QuoteStage{fieldportal.QuoteRequested, fieldportal.QuoteOutstanding}}},
			{"by order number", fieldportal.QuoteFilter{Number: "po-7"}},
			{"by quote number", fieldportal.QuoteFilter{Number: made[3].Number}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				pages := workPages(t, func(after string) ([]*fieldportal.Quote, string, error) {
					f := tc.f
					f.Page = fieldportal.Page{After: after, Limit: 2}
					return db.FindQuotes(ctx, w.Staff, f)
				}, func(x *fieldportal.Quote) string { return x.ID })
				var streamed []string
				if err := db.EachQuote(ctx, w.Staff, tc.f, func(x *fieldportal.Quote) error {
					streamed = append(streamed, x.ID)
					return nil
				}); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(pages, streamed); diff != "" || len(pages) == 0 {
					t.Errorf("stream differs from the pages (-pages +stream):\n%s", diff)
				}
			})
		}
		t.Run("number search ignores the description", func(t *testing.T) {
			got, _, err := db.FindQuotes(ctx, w.Staff, fieldportal.QuoteFilter{Number: "PO-7"})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{made[2].ID, made[0].ID}, idsOf(got, func(x *fieldportal.Quote) string { return x.ID })); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	})
}

// withQuoteRole gives the viewer's contact the quote role and returns
// its viewer as a new session would read it.
func withQuoteRole(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer) fieldportal.Viewer {
	tb.Helper()
	ctx := context.Background()
	if _, err := db.SQL().ExecContext(ctx, `UPDATE contacts SET quote_contact = TRUE WHERE id = $1`, v.ContactID); err != nil {
		tb.Fatal(err)
	}
	got, err := db.ViewerForLogin(ctx, v.OrgID, v.LoginID)
	if err != nil {
		tb.Fatal(err)
	}
	if !got.QuoteContact {
		tb.Fatal("the viewer does not carry the quote role")
	}
	return got
}
