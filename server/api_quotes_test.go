package server

import (
	"testing"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIQuotes walks the quotes resource end to end on both engines:
// items inside the quote, money in minor units with the currency, the
// site by external id, upserts, filters and bad input.
func TestAPIQuotes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")

		var made api.Quote
		res := c.must(201, &made, "POST", "/api/v1/quotes", `{"site_external_id":"S-1","description":"New boiler",
			"total_ex_tax":250000,"tax":50000,"valid_until":"2026-04-30","currency":"`+f.org.Currency+`",
			"items":[{"code":"BOIL","description":"Combi boiler","quantity":1,"unit_price":200000},
			         {"code":"FLUE","description":"Flue kit","quantity":2,"unit_price":25000,"optional":true}]}`)
		t.Run("create answers the quote with its items, totals and currency", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/quotes/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.SiteID != site.ID || made.CustomerID != cu.ID || made.Stage != "outstanding" || made.Number == "" ||
				made.TotalIncTax != 300000 || made.Currency != f.org.Currency || made.ValidUntil == nil ||
				made.ValidUntil.String() != "2026-04-30" || made.CreatedInPortal || made.ActionedAt != nil {
				t.Errorf("quote = %+v", made)
			}
			type line struct {
				Code     string
				Total    int64
				Optional bool
			}
			var got []line
			for _, it := range made.Items {
				got = append(got, line{it.Code, it.Total, it.Optional})
			}
			if diff := cmp.Diff([]line{{"BOIL", 200000, false}, {"FLUE", 50000, true}}, got); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
			var again api.Quote
			c.must(200, &again, "GET", "/api/v1/quotes/"+made.ID, "")
			if diff := cmp.Diff(made, again); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
		})
		t.Run("patch changes only the fields sent", func(t *testing.T) {
			var got api.Quote
			c.must(200, &got, "PATCH", "/api/v1/quotes/"+made.ID, `{"tax":40000,"order_no":"PO-7"}`)
			if got.Tax != 40000 || got.TotalIncTax != 290000 || got.OrderNo != "PO-7" || len(got.Items) != 2 ||
				got.Description != "New boiler" {
				t.Errorf("quote = %+v", got)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/quotes/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/quotes/"+made.ID, `{"order_no":"PO-8"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/quotes/"+made.ID, `{"order_no":"PO-9"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one quote", func(t *testing.T) {
			body := `{"site_id":"` + site.ID + `","stage":"approved","items":[{"description":"Survey","quantity":1,"unit_price":9000}],"total_ex_tax":9000}`
			var first, second, kept api.Quote
			c.must(201, &first, "PUT", "/api/v1/quotes/by-external-id/Q-1", body)
			c.must(200, &second, "PUT", "/api/v1/quotes/by-external-id/Q-1", body)
			if first.ID != second.ID || second.Stage != "approved" || second.TotalIncTax != 9000 || len(second.Items) != 1 {
				t.Errorf("first %+v, second %+v", first, second)
			}
			c.must(200, &kept, "PUT", "/api/v1/quotes/by-external-id/Q-1", `{"site_id":"`+site.ID+`"}`)
			if kept.Stage != "approved" || len(kept.Items) != 0 || kept.TotalIncTax != 0 {
				t.Errorf("a replace without a stage: %+v", kept)
			}
		})
		t.Run("filters", func(t *testing.T) {
			other, otherSite := mustAPICustomerSite(t, c, "C-2", "S-2")
			var elsewhere api.Quote
			c.must(201, &elsewhere, "POST", "/api/v1/quotes", `{"site_id":"`+otherSite.ID+`","stage":"requested"}`)
			ids := func(path string) []string {
				var list api.List[api.Quote]
				c.must(200, &list, "GET", path, "")
				var out []string
				for _, x := range list.Data {
					out = append(out, x.ID)
				}
				return out
			}
			first := ids("/api/v1/quotes?external_id=Q-1")
			for path, want := range map[string][]string{
				"/api/v1/quotes?customer_id=" + cu.ID:                      {first[0], made.ID},
				"/api/v1/quotes?customer_id=" + other.ID:                   {elsewhere.ID},
				"/api/v1/quotes?site_id=" + site.ID + "&stage=outstanding": {made.ID},
				"/api/v1/quotes?stage=approved":                            {first[0]},
				"/api/v1/quotes?stage=declined":                            nil,
			} {
				if diff := cmp.Diff(want, ids(path)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
			c.problem(400, []string{"stage"}, "GET", "/api/v1/quotes?stage=sent", "")
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"site_id"}, "POST", "/api/v1/quotes", `{}`)
			c.problem(422, []string{"currency"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","currency":"XXX"}`)
			c.problem(422, []string{"stage", "total_inc_tax"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","stage":"sent","tax":-5}`)
			c.problem(422, []string{"items", "items"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","items":[{"code":"A"}]}`)
			c.problem(422, []string{"valid_until"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","valid_until":"30/04/2026"}`)
			c.problem(400, []string{"items[0].price"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","items":[{"price":5}]}`)
			c.problem(400, []string{"total_ex_tax"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","total_ex_tax":"12.50"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/quotes/by-external-id/Q-1", `{"external_id":"Q-2"}`)
			c.problem(404, nil, "GET", "/api/v1/quotes/no-such-quote", "")
		})
	})
}

// TestAPIQuotesOtherOrganisation checks a key reaches its own
// organisation's quotes alone, by id, by external id and as a reference.
func TestAPIQuotesOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		var x api.Quote
		ours.must(201, &x, "PUT", "/api/v1/quotes/by-external-id/SHARED", `{"site_id":"`+site.ID+`","description":"Ours"}`)

		theirs.problem(404, nil, "GET", "/api/v1/quotes/"+x.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/quotes/"+x.ID, `{"description":"Taken"}`)
		theirs.problem(422, []string{"site_id"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`"}`)
		theirs.problem(422, []string{"site_external_id"}, "POST", "/api/v1/quotes", `{"site_external_id":"S-1"}`)
		var list api.List[api.Quote]
		theirs.must(200, &list, "GET", "/api/v1/quotes?external_id=SHARED", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		var tx api.Quote
		theirs.must(201, &tx, "PUT", "/api/v1/quotes/by-external-id/SHARED", `{"site_id":"`+theirSite.ID+`","description":"Theirs"}`)
		var again api.Quote
		ours.must(200, &again, "GET", "/api/v1/quotes/"+x.ID, "")
		if tx.ID == x.ID || again.Description != "Ours" {
			t.Errorf("their upsert touched ours: %+v / %+v", tx, again)
		}
	})
}
