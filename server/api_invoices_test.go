package server

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// invoiceBody is an invoice's body at the site of external id site, with
// one line of qty × price and tax.
func invoiceBody(site string, qty, price, tax int64) string {
	return fmt.Sprintf(`{"site_external_id":%q,"issue_date":"2026-03-01","due_date":"2026-03-31",
		"lines":[{"description":"Service visit","quantity":%d,"unit_price":%d,"tax":%d}]}`, site, qty, price, tax)
}

// listIDs lists path and answers the ids of its first page.
func listIDs[R any](c *apiClient, path string, id func(R) string) []string {
	c.t.Helper()
	var list api.List[R]
	c.must(200, &list, "GET", path, "")
	var out []string
	for _, x := range list.Data {
		out = append(out, id(x))
	}
	return out
}

func invoiceID(x api.Invoice) string { return x.ID }

// TestAPIInvoices walks the invoices resource end to end on both engines:
// lines inside the invoice with totals priced from them, references by
// external id, amounts that only payments set, voiding, upserts, filters,
// the sync walk and bad input.
func TestAPIInvoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		var job api.Job
		c.must(201, &job, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"service","external_id":"J-1"}`)
		gas := &fieldportal.Contractor{Name: "Gas Co", ExternalID: "K-1"}
		if err := db.CreateContractor(t.Context(), f.sys, gas); err != nil {
			t.Fatal(err)
		}

		var made api.Invoice
		res := c.must(201, &made, "POST", "/api/v1/invoices", `{"job_external_id":"J-1","contractor_external_id":"K-1",
			"issue_date":"2026-03-01","due_date":"2026-03-31","description":"March service","currency":"`+f.org.Currency+`",
			"lines":[{"description":"Call-out","quantity":1,"unit_price":6000,"tax":1200},
			         {"description":"Filter","quantity":2,"unit_price":1500,"tax":600}]}`)
		t.Run("create prices the lines and takes site and customer from the job", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/invoices/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.CustomerID != cu.ID || made.SiteID == nil || *made.SiteID != site.ID || made.JobID == nil || *made.JobID != job.ID ||
				made.ContractorID == nil || *made.ContractorID != gas.ID || made.Number == "" || made.Currency != f.org.Currency ||
				made.IssueDate.String() != "2026-03-01" || made.Status != "unpaid" {
				t.Errorf("invoice = %+v", made)
			}
			type line struct{ Qty, Price, Tax, Total int64 }
			var got []line
			for _, l := range made.Lines {
				got = append(got, line{l.Quantity, l.UnitPrice, l.Tax, l.Total})
			}
			if diff := cmp.Diff([]line{{1, 6000, 1200, 7200}, {2, 1500, 600, 3600}}, got); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if made.Subtotal != 9000 || made.Tax != 1800 || made.Total != 10800 || made.AmountPaid != 0 || made.Balance != 10800 {
				t.Errorf("totals = %d + %d = %d, paid %d, balance %d", made.Subtotal, made.Tax, made.Total, made.AmountPaid, made.Balance)
			}
			var again api.Invoice
			c.must(200, &again, "GET", "/api/v1/invoices/"+made.ID, "")
			if diff := cmp.Diff(made, again); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
		})
		t.Run("patch changes only the fields sent; lines sent are priced again", func(t *testing.T) {
			var got api.Invoice
			c.must(200, &got, "PATCH", "/api/v1/invoices/"+made.ID, `{"description":"March service visit"}`)
			if got.Description != "March service visit" || len(got.Lines) != 2 || got.Total != 10800 || got.Number != made.Number {
				t.Errorf("invoice = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/invoices/"+made.ID, `{"lines":[{"description":"Call-out","quantity":1,"unit_price":5000,"tax":1000}]}`)
			if len(got.Lines) != 1 || got.Subtotal != 5000 || got.Tax != 1000 || got.Total != 6000 || got.Balance != 6000 ||
				got.Description != "March service visit" {
				t.Errorf("invoice = %+v", got)
			}
		})
		t.Run("amounts that payments set are not fields of a body", func(t *testing.T) {
			c.problem(400, []string{"amount_paid"}, "PATCH", "/api/v1/invoices/"+made.ID, `{"amount_paid":6000}`)
			c.problem(400, []string{"balance"}, "PATCH", "/api/v1/invoices/"+made.ID, `{"balance":0}`)
			c.problem(400, []string{"amount_paid", "total"}, "POST", "/api/v1/invoices",
				`{"site_id":"`+site.ID+`","amount_paid":100,"total":100}`)
			c.problem(422, []string{"status"}, "POST", "/api/v1/invoices", `{"site_id":"`+site.ID+`","status":"paid"}`)
			c.problem(422, []string{"status"}, "PATCH", "/api/v1/invoices/"+made.ID, `{"status":"paid"}`)
			var got api.Invoice
			c.must(200, &got, "GET", "/api/v1/invoices/"+made.ID, "")
			if got.AmountPaid != 0 || got.Status != "unpaid" {
				t.Errorf("invoice = %+v", got)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/invoices/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/invoices/"+made.ID, `{"description":"v2"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/invoices/"+made.ID, `{"description":"v3"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/invoices/"+made.ID, `{"status":"void","void_reason":"x"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one invoice and one set of lines", func(t *testing.T) {
			body := `{"customer_external_id":"C-1","issue_date":"2026-03-02","due_date":"2026-04-01",
				"lines":[{"description":"A","quantity":1,"unit_price":100},{"description":"B","quantity":3,"unit_price":50,"tax":30}]}`
			var first, second api.Invoice
			c.must(201, &first, "PUT", "/api/v1/invoices/by-external-id/INV-BO-1", body)
			c.must(200, &second, "PUT", "/api/v1/invoices/by-external-id/INV-BO-1", body)
			if first.ID != second.ID || first.Number != second.Number || second.Total != 280 || len(second.Lines) != 2 ||
				second.SiteID != nil || second.CustomerID != cu.ID {
				t.Errorf("first %+v, second %+v", first, second)
			}
			var list api.List[api.Invoice]
			c.must(200, &list, "GET", "/api/v1/invoices?external_id=INV-BO-1", "")
			if len(list.Data) != 1 || len(list.Data[0].Lines) != 2 {
				t.Errorf("list = %+v", list)
			}
		})
		t.Run("voiding through PATCH", func(t *testing.T) {
			var x, got api.Invoice
			c.must(201, &x, "POST", "/api/v1/invoices", invoiceBody("S-1", 1, 500, 0))
			c.problem(422, []string{"void_reason"}, "PATCH", "/api/v1/invoices/"+x.ID, `{"status":"void"}`)
			c.problem(422, []string{"description"}, "PATCH", "/api/v1/invoices/"+x.ID, `{"status":"void","void_reason":"Raised twice","description":"x"}`)
			c.must(200, &got, "PATCH", "/api/v1/invoices/"+x.ID, `{"status":"void","void_reason":"Raised twice"}`)
			if got.Status != "void" || got.Balance != 0 || got.Total != 500 {
				t.Errorf("voided = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/invoices/"+x.ID, `{"status":"void","void_reason":"Again"}`)
			c.must(200, &got, "PATCH", "/api/v1/invoices/"+x.ID, `{"description":"Kept void"}`)
			if got.Status != "void" || got.Description != "Kept void" {
				t.Errorf("after an edit = %+v", got)
			}
		})
		t.Run("filters", func(t *testing.T) {
			other, otherSite := mustAPICustomerSite(t, c, "C-2", "S-2")
			var elsewhere api.Invoice
			c.must(201, &elsewhere, "POST", "/api/v1/invoices", invoiceBody("S-2", 1, 100, 0))
			bo := listIDs(c, "/api/v1/invoices?external_id=INV-BO-1", invoiceID)
			for path, want := range map[string]int{
				"/api/v1/invoices?customer_id=" + cu.ID:                      3,
				"/api/v1/invoices?customer_id=" + other.ID:                   1,
				"/api/v1/invoices?site_id=" + otherSite.ID:                   1,
				"/api/v1/invoices?job_id=" + job.ID:                          1,
				"/api/v1/invoices?status=void":                               1,
				"/api/v1/invoices?status=unpaid&customer_id=" + other.ID:     1,
				"/api/v1/invoices?status=paid":                               0,
				"/api/v1/invoices?external_id=INV-BO-1&customer_id=" + cu.ID: 1,
			} {
				if got := listIDs(c, path, invoiceID); len(got) != want {
					t.Errorf("%s = %d invoices, want %d", path, len(got), want)
				}
			}
			if got := listIDs(c, "/api/v1/invoices?job_id="+job.ID, invoiceID); len(got) != 1 || got[0] != made.ID {
				t.Errorf("job's invoices = %v", got)
			}
			if got := listIDs(c, "/api/v1/invoices?site_id="+otherSite.ID, invoiceID); got[0] != elsewhere.ID || len(bo) != 1 {
				t.Errorf("site's invoices = %v", got)
			}
			c.problem(400, []string{"status"}, "GET", "/api/v1/invoices?status=overdue", "")
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"lines"}, "POST", "/api/v1/invoices", `{"site_id":"`+site.ID+`","issue_date":"2026-03-01","due_date":"2026-03-31"}`)
			c.problem(422, []string{"lines[0].quantity", "lines[1].description"}, "POST", "/api/v1/invoices",
				`{"site_id":"`+site.ID+`","issue_date":"2026-03-01","due_date":"2026-03-31",
				"lines":[{"description":"A","quantity":0,"unit_price":1},{"quantity":1,"unit_price":1}]}`)
			c.problem(422, []string{"issue_date", "due_date"}, "POST", "/api/v1/invoices",
				`{"site_id":"`+site.ID+`","issue_date":"01/03/2026","due_date":"tomorrow"}`)
			c.problem(422, []string{"due_date"}, "POST", "/api/v1/invoices", `{"site_id":"`+site.ID+`","issue_date":"2026-03-01",
				"due_date":"2026-02-01","lines":[{"description":"A","quantity":1,"unit_price":1}]}`)
			c.problem(422, []string{"customer_id"}, "POST", "/api/v1/invoices", `{"issue_date":"2026-03-01","due_date":"2026-03-31",
				"lines":[{"description":"A","quantity":1,"unit_price":1}]}`)
			c.problem(422, []string{"currency"}, "POST", "/api/v1/invoices", `{"site_id":"`+site.ID+`","currency":"XXX"}`)
			c.problem(422, []string{"job_external_id"}, "POST", "/api/v1/invoices", `{"job_external_id":"NOPE"}`)
			c.problem(422, []string{"contractor_external_id"}, "POST", "/api/v1/invoices", `{"contractor_external_id":"NOPE"}`)
			c.problem(422, []string{"site_external_id"}, "POST", "/api/v1/invoices", `{"site_external_id":"S-1","site_id":"`+site.ID+`"}`)
			c.problem(400, []string{"lines[0].price"}, "POST", "/api/v1/invoices", `{"site_id":"`+site.ID+`","lines":[{"price":5}]}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/invoices/by-external-id/INV-BO-1", `{"external_id":"INV-BO-2"}`)
			c.problem(404, nil, "GET", "/api/v1/invoices/no-such-invoice", "")
		})
		t.Run("a read key reads invoices and writes none", func(t *testing.T) {
			rd := mustAPIReadClient(t, f, f.org.ID, "portal.test")
			rd.must(200, nil, "GET", "/api/v1/invoices/"+made.ID, "")
			rd.must(200, nil, "GET", "/api/v1/invoices", "")
			rd.problem(403, nil, "POST", "/api/v1/invoices", invoiceBody("S-1", 1, 1, 0))
			rd.problem(403, nil, "PATCH", "/api/v1/invoices/"+made.ID, `{"description":"No"}`)
			rd.problem(403, nil, "PUT", "/api/v1/invoices/by-external-id/R-1", invoiceBody("S-1", 1, 1, 0))
		})
	})
}

// TestAPIInvoicesUpdatedSince walks the invoices changed since a time,
// oldest change first and page by page; an invoice paid later comes
// again, with its new balance.
func TestAPIInvoicesUpdatedSince(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		mustAPICustomerSite(t, c, "C-1", "S-1")
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		at := base
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		var ids []string
		for i := range 3 {
			at = base.Add(time.Duration(i) * time.Minute)
			var x api.Invoice
			c.must(201, &x, "POST", "/api/v1/invoices", invoiceBody("S-1", 1, 1000, 0))
			ids = append(ids, x.ID)
		}
		at = base.Add(10 * time.Minute)
		c.must(201, nil, "POST", "/api/v1/payments", `{"amount":400,"method":"cash","allocations":[{"invoice_id":"`+ids[0]+`","amount":400}]}`)
		db.Now = time.Now
		c.must(201, nil, "POST", "/api/v1/invoices", invoiceBody("S-1", 1, 1000, 0)) // beyond the horizon

		since := base.Add(time.Minute).Format(time.RFC3339)
		var got []string
		var paid api.Invoice
		path := "/api/v1/invoices?limit=2&updated_since=" + since
		for path != "" {
			var list api.List[api.Invoice]
			c.must(200, &list, "GET", path, "")
			for _, x := range list.Data {
				got = append(got, x.ID)
				if x.ID == ids[0] {
					paid = x
				}
			}
			path = ""
			if list.NextCursor != nil {
				path = "/api/v1/invoices?limit=2&updated_since=" + since + "&cursor=" + url.QueryEscape(*list.NextCursor)
			}
		}
		if diff := cmp.Diff([]string{ids[1], ids[2], ids[0]}, got); diff != "" {
			t.Errorf("synced (-want +got):\n%s", diff)
		}
		if paid.AmountPaid != 400 || paid.Balance != 600 || paid.Status != "part_paid" {
			t.Errorf("the paid invoice synced as %+v", paid)
		}
	})
}

// TestAPIInvoicesOtherOrganisation checks a key reaches its own
// organisation's invoices alone, by id, by external id and as a reference.
func TestAPIInvoicesOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		cu, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		var x api.Invoice
		ours.must(201, &x, "PUT", "/api/v1/invoices/by-external-id/SHARED", invoiceBody("S-1", 1, 700, 0))

		theirs.problem(404, nil, "GET", "/api/v1/invoices/"+x.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/invoices/"+x.ID, `{"description":"Taken"}`)
		theirs.problem(404, nil, "PATCH", "/api/v1/invoices/"+x.ID, `{"status":"void","void_reason":"Taken"}`)
		theirs.problem(422, []string{"site_id"}, "POST", "/api/v1/invoices", `{"site_id":"`+site.ID+`","issue_date":"2026-03-01",
			"due_date":"2026-03-31","lines":[{"description":"A","quantity":1,"unit_price":1}]}`)
		theirs.problem(422, []string{"customer_id"}, "POST", "/api/v1/invoices", `{"customer_id":"`+cu.ID+`","issue_date":"2026-03-01",
			"due_date":"2026-03-31","lines":[{"description":"A","quantity":1,"unit_price":1}]}`)
		theirs.problem(422, []string{"site_external_id"}, "POST", "/api/v1/invoices", invoiceBody("S-1", 1, 1, 0))
		if got := listIDs(theirs, "/api/v1/invoices?external_id=SHARED", invoiceID); len(got) != 0 {
			t.Errorf("their list shows ours: %v", got)
		}
		if got := listIDs(theirs, "/api/v1/invoices", invoiceID); len(got) != 0 {
			t.Errorf("their list shows ours: %v", got)
		}
		mustAPICustomerSite(t, theirs, "C-1", "S-1")
		var tx api.Invoice
		theirs.must(201, &tx, "PUT", "/api/v1/invoices/by-external-id/SHARED", invoiceBody("S-1", 1, 900, 0))
		var again api.Invoice
		ours.must(200, &again, "GET", "/api/v1/invoices/"+x.ID, "")
		if tx.ID == x.ID || again.Total != 700 || again.Status != "unpaid" {
			t.Errorf("their upsert touched ours: %+v / %+v", tx, again)
		}
	})
}
