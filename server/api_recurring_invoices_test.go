package server

import (
	"testing"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

func recurringID(x api.RecurringInvoice) string { return x.ID }

// TestAPIRecurringInvoices walks the recurring-invoices resource on both
// engines: the schedule's fields, references by external id, upserts,
// filters, If-Match, bad input, a read key and another organisation's key.
func TestAPIRecurringInvoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")

		var made api.RecurringInvoice
		res := c.must(201, &made, "POST", "/api/v1/recurring-invoices", `{"site_external_id":"S-1","name":"Monthly maintenance",
			"total_inc_tax":4500,"frequency":"monthly","next_due_date":"2026-04-30","currency":"`+f.org.Currency+`"}`)
		t.Run("create answers the schedule", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/recurring-invoices/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.CustomerID != cu.ID || made.SiteID == nil || *made.SiteID != site.ID || made.TotalIncTax != 4500 ||
				made.Frequency != "monthly" || made.NextDueDate == nil || made.NextDueDate.String() != "2026-04-30" ||
				!made.Active || made.Autopay || made.LastPaymentDate != nil || made.Currency != f.org.Currency {
				t.Errorf("schedule = %+v", made)
			}
			var again api.RecurringInvoice
			c.must(200, &again, "GET", "/api/v1/recurring-invoices/"+made.ID, "")
			if diff := cmp.Diff(made, again); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
		})
		t.Run("patch changes only the fields sent", func(t *testing.T) {
			var got api.RecurringInvoice
			c.must(200, &got, "PATCH", "/api/v1/recurring-invoices/"+made.ID, `{"frequency":"quarterly","active":false}`)
			if got.Frequency != "quarterly" || got.Active || got.Name != "Monthly maintenance" || got.TotalIncTax != 4500 {
				t.Errorf("schedule = %+v", got)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/recurring-invoices/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/recurring-invoices/"+made.ID, `{"name":"v2"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/recurring-invoices/"+made.ID, `{"name":"v3"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one schedule", func(t *testing.T) {
			body := `{"customer_external_id":"C-1","name":"Yearly service","total_inc_tax":12000,"frequency":"yearly"}`
			var first, second api.RecurringInvoice
			c.must(201, &first, "PUT", "/api/v1/recurring-invoices/by-external-id/R-1", body)
			c.must(200, &second, "PUT", "/api/v1/recurring-invoices/by-external-id/R-1", body)
			if first.ID != second.ID || second.SiteID != nil || !second.Active || second.CustomerID != cu.ID {
				t.Errorf("first %+v, second %+v", first, second)
			}
		})
		t.Run("filters", func(t *testing.T) {
			other, _ := mustAPICustomerSite(t, c, "C-2", "S-2")
			var elsewhere api.RecurringInvoice
			c.must(201, &elsewhere, "POST", "/api/v1/recurring-invoices", `{"site_external_id":"S-2","name":"Weekly","total_inc_tax":100,"frequency":"weekly"}`)
			r1 := listIDs(c, "/api/v1/recurring-invoices?external_id=R-1", recurringID)
			for path, want := range map[string][]string{
				"/api/v1/recurring-invoices?customer_id=" + other.ID: {elsewhere.ID},
				"/api/v1/recurring-invoices?site_id=" + site.ID:      {made.ID},
				"/api/v1/recurring-invoices?customer_id=" + cu.ID:    {made.ID, r1[0]},
			} {
				if diff := cmp.Diff(want, listIDs(c, path, recurringID), cmp.Transformer("set", func(s []string) map[string]bool {
					m := map[string]bool{}
					for _, x := range s {
						m[x] = true
					}
					return m
				})); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"name", "customer_id", "total_inc_tax", "frequency"}, "POST", "/api/v1/recurring-invoices", `{}`)
			c.problem(422, []string{"next_due_date"}, "POST", "/api/v1/recurring-invoices", `{"site_id":"`+site.ID+`","next_due_date":"soon"}`)
			c.problem(422, []string{"currency"}, "POST", "/api/v1/recurring-invoices", `{"site_id":"`+site.ID+`","currency":"XXX"}`)
			c.problem(400, []string{"last_payment_date"}, "PATCH", "/api/v1/recurring-invoices/"+made.ID, `{"last_payment_date":"2026-01-01"}`)
			c.problem(422, []string{"customer_external_id"}, "POST", "/api/v1/recurring-invoices", `{"customer_external_id":"NOPE"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/recurring-invoices/by-external-id/R-1", `{"external_id":"R-2"}`)
			c.problem(404, nil, "GET", "/api/v1/recurring-invoices/no-such", "")
		})
		t.Run("a read key reads schedules and writes none", func(t *testing.T) {
			rd := mustAPIReadClient(t, f, f.org.ID, "portal.test")
			rd.must(200, nil, "GET", "/api/v1/recurring-invoices/"+made.ID, "")
			rd.problem(403, nil, "POST", "/api/v1/recurring-invoices", `{"site_id":"`+site.ID+`","name":"X","total_inc_tax":1,"frequency":"weekly"}`)
			rd.problem(403, nil, "PATCH", "/api/v1/recurring-invoices/"+made.ID, `{"name":"No"}`)
			rd.problem(403, nil, "PUT", "/api/v1/recurring-invoices/by-external-id/R-9", `{"name":"No"}`)
		})
	})
}

// TestAPIRecurringInvoicesOtherOrganisation checks a key reaches its own
// organisation's schedules alone, by id, by external id and as a reference.
func TestAPIRecurringInvoicesOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		var made api.RecurringInvoice
		ours.must(201, &made, "PUT", "/api/v1/recurring-invoices/by-external-id/R-1",
			`{"site_id":"`+site.ID+`","name":"Ours","total_inc_tax":100,"frequency":"monthly"}`)

		theirs.problem(404, nil, "GET", "/api/v1/recurring-invoices/"+made.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/recurring-invoices/"+made.ID, `{"name":"Taken"}`)
		theirs.problem(422, []string{"site_id"}, "POST", "/api/v1/recurring-invoices",
			`{"site_id":"`+site.ID+`","name":"X","total_inc_tax":1,"frequency":"weekly"}`)
		theirs.problem(422, []string{"site_external_id"}, "POST", "/api/v1/recurring-invoices",
			`{"site_external_id":"S-1","name":"X","total_inc_tax":1,"frequency":"weekly"}`)
		if got := listIDs(theirs, "/api/v1/recurring-invoices", recurringID); len(got) != 0 {
			t.Errorf("their list shows ours: %v", got)
		}
		theirCu, _ := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		var tx api.RecurringInvoice
		theirs.must(201, &tx, "PUT", "/api/v1/recurring-invoices/by-external-id/R-1",
			`{"customer_id":"`+theirCu.ID+`","name":"Theirs","total_inc_tax":1,"frequency":"weekly"}`)
		var again api.RecurringInvoice
		ours.must(200, &again, "GET", "/api/v1/recurring-invoices/"+made.ID, "")
		if tx.ID == made.ID || again.Name != "Ours" {
			t.Errorf("their upsert touched ours: %+v / %+v", tx, again)
		}
	})
}
