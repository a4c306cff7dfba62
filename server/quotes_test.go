package server

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// quoteFixture is the fixture with quotes at the parent's and the child's
// sites, in every stage.
type quoteFixture struct {
	*fixture
	q map[string]*fieldportal.Quote
}

func newQuoteFixture(t *testing.T, db *sqlstore.DB) *quoteFixture {
	t.Helper()
	f := &quoteFixture{fixture: newFixture(t, db), q: map[string]*fieldportal.Quote{}}
	later := fieldportal.Date{Year: 2099, Month: 3, Day: 31}
	for _, c := range []struct {
		key, site string
		stage     fieldportal.QuoteStage
		order     string
		valid     fieldportal.Date
		desc      string
	}{
		{"requested", "dock", fieldportal.QuoteRequested, "PO-100", fieldportal.Date{}, "Survey the sprinklers"},
		{"open", "dock", fieldportal.QuoteOutstanding, "PO-200", later, "Replace <b>two</b> extinguishers"},
		{"lapsed", "dock", fieldportal.QuoteOutstanding, "", fieldportal.Date{Year: 2020, Month: 1, Day: 31}, "Old price"},
		{"accepted", "dock", fieldportal.QuoteApproved, "PO-300", later, "Alarm panel"},
		{"hq", "hq", fieldportal.QuoteOutstanding, "=SUM(A1)", later, "Head office lights"},
	} {
		x := &fieldportal.Quote{SiteID: f.site[c.site].ID, Stage: c.stage, OrderNo: c.order, ValidUntil: c.valid, Description: c.desc}
		if c.stage != fieldportal.QuoteRequested {
			x.Items = []fieldportal.QuoteItem{
				{Code: "EXT-6", Description: "6kg extinguisher", Quantity: 2, UnitPrice: 4500, Total: 9000},
				{Description: "Wall sign", Quantity: 1, UnitPrice: 1250, Total: 1250, Optional: true},
			}
			x.TotalExTax, x.Tax, x.TotalIncTax, x.TaxRate = 9000, 1800, 10800, 2000
		}
		if err := db.CreateQuote(context.Background(), f.sys, x); err != nil {
			t.Fatalf("quote %s: %v", c.key, err)
		}
		f.q[c.key] = x
	}
	// The tax rate is set by pricing, not by CreateQuote.
	if _, err := db.SQL().ExecContext(context.Background(), `UPDATE quotes SET tax_rate = 2000 WHERE org_id = $1`, f.org.ID); err != nil {
		t.Fatal(err)
	}
	return f
}

// quoteNumbers lists the quote numbers linked from a list page, in order.
func quoteNumbers(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a href="/quotes/[^"]+">(Q-\d+)</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestQuotesList(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newQuoteFixture(t, db)
		n := func(keys ...string) []string {
			var out []string
			for _, k := range keys {
				out = append(out, f.q[k].Number)
			}
			return out
		}
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)

		for _, tc := range []struct {
			name, path string
			b          *browser
			want       []string
		}{
			{"outstanding by default, requests included", "/quotes", parent, n("hq", "lapsed", "open", "requested")},
			{"actioned tab", "/quotes?tab=actioned", parent, n("accepted")},
			{"the dashboard's link", "/quotes?stage=outstanding", parent, n("hq", "lapsed", "open")},
			{"status within the tab", "/quotes?tab=outstanding&stage=requested", parent, n("requested")},
			{"search by order number", "/quotes?q=po-2", parent, n("open")},
			{"search by quote number", "/quotes?q=" + f.q["lapsed"].Number, parent, n("lapsed")},
			{"the site's Quotes tab", "/quotes?site=" + f.site["hq"].ID, parent, n("hq")},
			{"the child sees its own", "/quotes", child, n("lapsed", "open", "requested")},
			{"another's site shows nothing", "/quotes?site=" + f.site["hq"].ID, child, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := tc.b.get(tc.path)
				wantStatus(t, tc.path, res, body, http.StatusOK)
				if diff := cmp.Diff(tc.want, quoteNumbers(body)); diff != "" {
					t.Errorf("quotes (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("statuses read as the customer's", func(t *testing.T) {
			_, body := parent.get("/quotes")
			for _, s := range []string{"Awaiting price", "Awaiting your answer", "Expired", "Not priced yet", `href="/quotes?tab=actioned"`} {
				if !strings.Contains(body, s) {
					t.Errorf("list lacks %q", s)
				}
			}
		})
		t.Run("keyset pages", func(t *testing.T) {
			for range fieldportal.DefaultLimit {
				if err := db.CreateQuote(context.Background(), f.sys, &fieldportal.Quote{SiteID: f.site["dock"].ID, Stage: fieldportal.QuoteDeclined}); err != nil {
					t.Fatal(err)
				}
			}
			_, body := child.get("/quotes?tab=actioned")
			if got := len(quoteNumbers(body)); got != fieldportal.DefaultLimit {
				t.Errorf("first page has %d quotes", got)
			}
			m := regexp.MustCompile(`href="(/quotes\?[^"]*after=[^"]+)" rel="next"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no next page")
			}
			_, body = child.get(strings.ReplaceAll(m[1], "&amp;", "&"))
			if diff := cmp.Diff(n("accepted"), quoteNumbers(body)); diff != "" {
				t.Errorf("second page (-want +got):\n%s", diff)
			}
		})
	})
}

func TestQuotesCSV(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newQuoteFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		for _, tc := range []struct{ name, query, golden string }{
			{"outstanding", "", "quotes_outstanding.csv"},
			{"actioned", "?tab=actioned", "quotes_actioned.csv"},
			{"searched", "?q=po-2&after=garbage", "quotes_searched.csv"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := b.get("/quotes.csv" + tc.query)
				wantStatus(t, "CSV", res, body, http.StatusOK)
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
					t.Errorf("Content-Type %q", ct)
				}
				path := filepath.Join("testdata", tc.golden)
				if *updateGolden {
					if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(want), body); diff != "" {
					t.Errorf("CSV differs from %s (-want +got):\n%s", path, diff)
				}
				// The file has exactly the list's quotes.
				_, page := b.get("/quotes" + strings.Replace(tc.query, "&after=garbage", "", 1))
				var csvNumbers []string
				for _, m := range regexp.MustCompile(`(?m)^"(Q-\d+)",`).FindAllStringSubmatch(strings.TrimPrefix(body, "\uFEFF"), -1) {
					csvNumbers = append(csvNumbers, m[1])
				}
				if diff := cmp.Diff(quoteNumbers(page), csvNumbers); diff != "" {
					t.Errorf("CSV rows differ from the list (-list +csv):\n%s", diff)
				}
			})
		}
	})
}

func TestQuotePageAndAnswer(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newQuoteFixture(t, db)
		f.giveQuoteRole("child@example.test")
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)
		open := "/quotes/" + f.q["open"].ID

		t.Run("a contact without the quote role reads the quote but may not answer it", func(t *testing.T) {
			res, body := parent.get(open)
			wantStatus(t, "quote", res, body, http.StatusOK)
			if strings.Contains(body, `action="`+open+`/accept"`) || !strings.Contains(body, "Only your quote contacts can accept or decline quotes.") {
				t.Errorf("the page offers the answer to a contact without the quote role:\n%s", body)
			}
			res, body = parent.post(open+"/accept", url.Values{"signed_by_name": {"Pat Parent"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("accept without the quote role: %d\n%s", res.StatusCode, body)
			}
		})

		t.Run("the page shows lines, totals, validity and the form", func(t *testing.T) {
			res, body := child.get(open)
			wantStatus(t, "quote", res, body, http.StatusOK)
			for _, s := range []string{"Quote " + f.q["open"].Number, "6kg extinguisher", "EXT-6", "£45.00", "£90.00",
				"(optional, not in the total)", "Total excluding tax", "Tax (20%)", "£18.00", "£108.00", "31 Mar 2099", "PO-200",
				"Replace &lt;b&gt;two&lt;/b&gt; extinguishers", `href="` + open + `.pdf"`, "acts as your signature",
				`action="` + open + `/accept"`, `formaction="` + open + `/decline"`} {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
		})
		t.Run("another customer's quote is not found", func(t *testing.T) {
			hq := "/quotes/" + f.q["hq"].ID
			for _, p := range []string{hq, hq + ".pdf", "/quotes/nonesuch"} {
				res, body := child.get(p)
				wantStatus(t, p, res, body, http.StatusNotFound)
			}
			res, body := child.post(hq+"/accept", url.Values{"signed_by_name": {"Chris Child"}})
			wantStatus(t, "accept another's", res, body, http.StatusNotFound)
		})
		t.Run("a bad signature is refused and what was typed is kept", func(t *testing.T) {
			res, body := child.post(open+"/accept", url.Values{"signed_by_name": {"x1"}, "comment": {"Start <soon>"}})
			wantStatus(t, "bad name", res, body, http.StatusBadRequest)
			for _, s := range []string{"There is a problem", `href="#signed_by_name"`, `value="x1"`, "Start &lt;soon&gt;", `aria-invalid="true"`} {
				if !strings.Contains(body, s) {
					t.Errorf("re-rendered form lacks %q", s)
				}
			}
		})
		t.Run("accepting records the answer and moves the quote to Actioned", func(t *testing.T) {
			res, body := child.post(open+"/accept", url.Values{"signed_by_name": {"Chris Child"}, "comment": {"Mornings please"}})
			wantRedirect(t, "accept", res, open+"?done=accepted")
			res, body = child.get(open + "?done=accepted")
			wantStatus(t, "accepted", res, body, http.StatusOK)
			for _, s := range []string{"you have accepted quote", "Accepted by", "Chris Child", "127.0.0.1", "Mornings please"} {
				if !strings.Contains(body, s) {
					t.Errorf("accepted page lacks %q", s)
				}
			}
			if strings.Contains(body, `action="`+open+`/accept"`) {
				t.Error("an accepted quote still offers the form")
			}
			_, body = child.get("/quotes?tab=actioned")
			if !slicesContains(quoteNumbers(body), f.q["open"].Number) {
				t.Error("the accepted quote is not under Actioned")
			}
			// A second tab still showing the form gets a clear refusal.
			res, body = child.post(open+"/decline", url.Values{"signed_by_name": {"Chris Child"}})
			wantStatus(t, "decline after accept", res, body, http.StatusConflict)
			if !strings.Contains(body, "already approved") {
				t.Errorf("refusal does not say why:\n%s", body)
			}
		})
		t.Run("an expired quote cannot be accepted", func(t *testing.T) {
			lapsed := "/quotes/" + f.q["lapsed"].ID
			_, body := child.get(lapsed)
			if !strings.Contains(body, "(expired)") || !strings.Contains(body, "can no longer be accepted online") || strings.Contains(body, "/accept\"") {
				t.Errorf("expired quote page:\n%s", body)
			}
			res, body := child.post(lapsed+"/accept", url.Values{"signed_by_name": {"Chris Child"}})
			wantStatus(t, "accept expired", res, body, http.StatusConflict)
			if !strings.Contains(body, "expired on 31 January 2020") {
				t.Errorf("refusal does not say why:\n%s", body)
			}
		})
		t.Run("declining", func(t *testing.T) {
			hq := "/quotes/" + f.q["hq"].ID
			f.giveQuoteRole("parent@example.test")
			res, _ := parent.post(hq+"/decline", url.Values{"signed_by_name": {"Pat Parent"}, "comment": {"Too dear"}})
			wantRedirect(t, "decline", res, hq+"?done=declined")
			_, body := parent.get(hq)
			if !strings.Contains(body, "Declined by") || !strings.Contains(body, "Too dear") {
				t.Errorf("declined page:\n%s", body)
			}
		})
	})
}

func slicesContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestQuotesHiddenWithoutThePage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newQuoteFixture(t, db)
		var pages []fieldportal.Module
		for _, m := range fieldportal.AllModules {
			if m != fieldportal.ModuleQuotes {
				pages = append(pages, m)
			}
		}
		f.addLogin("child", "Nora", "Noquotes", "noquotes@example.test", fieldportal.LoginActive, testPassword, false, pages)
		b := f.browser()
		b.login("noquotes@example.test", testPassword)
		q := "/quotes/" + f.q["open"].ID
		for _, p := range []string{"/quotes", "/quotes?tab=actioned", "/quotes.csv", q, q + ".pdf"} {
			res, body := b.get(p)
			wantStatus(t, "GET "+p, res, body, http.StatusNotFound)
		}
		res, body := b.post(q+"/accept", url.Values{"signed_by_name": {"Nora Noquotes"}})
		wantStatus(t, "accept", res, body, http.StatusNotFound)
		for _, p := range []string{"/", "/sites", "/sites/" + f.site["dock"].ID} {
			_, body := b.get(p)
			if strings.Contains(body, `href="/quotes`) || strings.Contains(body, "Outstanding quotes") || strings.Contains(body, f.q["open"].Number) {
				t.Errorf("%s shows quotes to a contact without the page", p)
			}
		}
		// The same contact's pages do offer them with the page.
		c := f.browser()
		c.login("child@example.test", testPassword)
		_, body = c.get("/sites/" + f.site["dock"].ID)
		if !strings.Contains(body, `href="/quotes?site=`+f.site["dock"].ID+`"`) {
			t.Error("the site page lacks its Quotes tab")
		}
		_, body = c.get("/")
		if !strings.Contains(body, `href="/quotes"`) {
			t.Error("the navigation lacks Quotes")
		}
	})
}

// giveQuoteRole makes the contact of email a quote contact: only quote
// contacts answer quotes (issue 16). Its next request reads the role.
func (f *fixture) giveQuoteRole(email string) {
	f.t.Helper()
	if _, err := f.db.SQL().ExecContext(context.Background(), `UPDATE contacts SET quote_contact = TRUE WHERE email = $1 AND org_id = $2`, email, f.org.ID); err != nil {
		f.t.Fatal(err)
	}
}
