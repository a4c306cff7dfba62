package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The edges of archiving (issue 19) that no other test holds: a contact's
// Archived filter shows only sites in its reach; a contact, a cross-site
// form and a read API key archive nothing; a contact's acceptance of a
// quote at an archived site is refused on the quote's page.
func TestArchiveAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		hq, dock, solo := f.site["hq"], f.site["dock"], f.site["solo"]
		for _, s := range []*fieldportal.Site{hq, solo} {
			if err := db.ArchiveSite(ctx, f.sys, s.ID, true); err != nil {
				t.Fatal(err)
			}
		}
		siteArchived := func(id string) bool {
			s, err := db.FindSiteByID(ctx, f.sys, id)
			if err != nil {
				t.Fatal(err)
			}
			return s.Archived()
		}

		t.Run("a contact's Archived filter shows only its own sites", func(t *testing.T) {
			c := f.browser()
			c.login("child@example.test", testPassword) // reaches Dock Warehouse only
			for _, p := range []string{"/sites?archived=only", "/sites?archived=all", "/sites.csv?archived=all"} {
				res, body := c.get(p)
				wantStatus(t, p, res, body, http.StatusOK)
				if strings.Contains(body, "Harbour HQ") || strings.Contains(body, "Solo Office") {
					t.Errorf("%s shows a site out of reach:\n%s", p, body)
				}
			}
			res, body := c.get("/sites/" + solo.ID)
			wantStatus(t, "an archived site out of reach", res, body, http.StatusNotFound)
		})
		t.Run("a contact's acceptance of a quote there is refused with the reason", func(t *testing.T) {
			x := &fieldportal.Quote{SiteID: hq.ID, Stage: fieldportal.QuoteOutstanding, Description: "Lights",
				ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1},
				Items:      []fieldportal.QuoteItem{{Description: "Lamp", Quantity: 1, UnitPrice: 1000, Total: 1000}}, TotalExTax: 1000, TotalIncTax: 1000}
			if err := db.CreateQuote(ctx, f.sys, x); err != nil {
				t.Fatal(err)
			}
			f.giveQuoteRole("parent@example.test")
			c := f.browser()
			c.login("parent@example.test", testPassword)
			res, body := c.post("/quotes/"+x.ID+"/accept", url.Values{"signed_by_name": {"Pat Parent"}})
			wantStatus(t, "accept", res, body, http.StatusConflict)
			if !strings.Contains(html.UnescapeString(body), "is for a site that is archived, so it can no longer be accepted") {
				t.Errorf("the page does not say why:\n%s", body)
			}
			if got, _ := db.FindQuoteByID(ctx, f.sys, x.ID); got.Stage != fieldportal.QuoteOutstanding {
				t.Errorf("stage = %s, want outstanding", got.Stage)
			}
		})
		t.Run("the quote's page offers only the decline at an archived site", func(t *testing.T) {
			f.giveQuoteRole("parent@example.test")
			c := f.browser()
			c.login("parent@example.test", testPassword)
			for _, tc := range []struct {
				site     *fieldportal.Site
				archived bool
			}{{hq, true}, {dock, false}} {
				x := &fieldportal.Quote{SiteID: tc.site.ID, Stage: fieldportal.QuoteOutstanding, Description: "Doors",
					ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1},
					Items:      []fieldportal.QuoteItem{{Description: "Door", Quantity: 1, UnitPrice: 1000, Total: 1000}}, TotalExTax: 1000, TotalIncTax: 1000}
				if err := db.CreateQuote(ctx, f.sys, x); err != nil {
					t.Fatal(err)
				}
				res, body := c.get("/quotes/" + x.ID)
				wantStatus(t, "quote", res, body, http.StatusOK)
				notice := strings.Contains(body, "data-site-archived")
				accept := strings.Contains(body, ">Accept quote</button>")
				decline := strings.Contains(body, ">Decline quote</button>")
				if notice != tc.archived || accept == tc.archived || !decline {
					t.Errorf("site archived %v: notice %v, accept button %v, decline button %v", tc.archived, notice, accept, decline)
				}
			}
		})
		t.Run("a contact is sent to the staff sign-in", func(t *testing.T) {
			c := f.browser()
			c.login("parent@example.test", testPassword)
			res, _ := c.post("/console/customers/"+f.cust["parent"].ID+"/sites/"+hq.ID+"/archive", url.Values{"archive": {"0"}})
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/console/login") || !siteArchived(hq.ID) {
				t.Errorf("a contact's restore = %d to %q, restored %v", res.StatusCode, loc, !siteArchived(hq.ID))
			}
			res, _ = c.post("/console/customers/"+f.cust["child"].ID+"/archive", url.Values{"archive": {"1"}})
			if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/console/login") || siteArchived(dock.ID) {
				t.Errorf("a contact's archive = %d to %q, archived %v", res.StatusCode, loc, siteArchived(dock.ID))
			}
		})
		t.Run("a cross-site form is refused", func(t *testing.T) {
			f.addStaff("desk@example.test", fieldportal.RoleStaff)
			staff := f.browser()
			staff.consoleLogin("desk@example.test")
			for _, p := range []string{"/console/customers/" + f.cust["child"].ID + "/archive",
				"/console/customers/" + f.cust["child"].ID + "/sites/" + dock.ID + "/archive"} {
				req, _ := http.NewRequest("POST", f.srv.URL+p, strings.NewReader("archive=1"))
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("Sec-Fetch-Site", "cross-site")
				if res, _ := staff.do(req); res.StatusCode != http.StatusForbidden {
					t.Errorf("cross-site %s = %d", p, res.StatusCode)
				}
			}
			if siteArchived(dock.ID) {
				t.Error("a cross-site form archived")
			}
		})
		t.Run("a read API key cannot archive or restore", func(t *testing.T) {
			r := mustAPIReadClient(t, f, f.org.ID, "portal.test")
			r.problem(http.StatusForbidden, nil, "PATCH", "/api/v1/sites/"+hq.ID, `{"archived":false}`)
			r.problem(http.StatusForbidden, nil, "PATCH", "/api/v1/customers/"+f.cust["child"].ID, `{"archived":true}`)
			if !siteArchived(hq.ID) || siteArchived(dock.ID) {
				t.Error("a read key changed the flag")
			}
		})
	})
}
