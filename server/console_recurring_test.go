package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestConsoleRecurring(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addStaff("staff@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("staff@example.test")
		parent := f.cust["parent"]

		t.Run("the console nav links the list", func(t *testing.T) {
			res, body := staff.get("/console/recurring")
			wantStatus(t, "list", res, body, http.StatusOK)
			if !strings.Contains(body, `href="/console/recurring"`) || !strings.Contains(body, "No recurring invoices") {
				t.Errorf("list:\n%s", body)
			}
		})
		t.Run("a new one starts by finding the customer", func(t *testing.T) {
			_, body := staff.get("/console/recurring/new?customer_q=harb")
			if !strings.Contains(body, "/console/recurring/new?customer="+parent.ID) || strings.Contains(body, "Solo Ltd") {
				t.Errorf("customer search:\n%s", body)
			}
			res, body := staff.get("/console/recurring/new?customer=" + parent.ID)
			wantStatus(t, "form", res, body, http.StatusOK)
			for _, s := range []string{"Harbour Properties", "Harbour HQ", "All sites of the customer", `name="total_inc_tax"`, `value="monthly" selected`} {
				if !strings.Contains(body, s) {
					t.Errorf("form lacks %q", s)
				}
			}
		})
		t.Run("a bad form names each field and keeps what was typed", func(t *testing.T) {
			res, body := staff.post("/console/recurring", url.Values{"customer_id": {parent.ID}, "site_id": {f.site["hq"].ID},
				"name": {""}, "total_inc_tax": {"12x"}, "frequency": {"daily"}, "next_due_date": {"soon"}, "options": {"autopay"}})
			wantStatus(t, "bad form", res, body, http.StatusBadRequest)
			for _, s := range []string{"Name is required.", "Total must be an amount such as 120.00.", "Frequency must be weekly",
				"Next due date must be a date.", `value="12x"`, `value="soon"`, `value="autopay" checked`} {
				if !strings.Contains(body, s) {
					t.Errorf("form lacks %q", s)
				}
			}
			list, _, _ := db.FindRecurringInvoices(ctx, f.sys, fieldportal.RecurringInvoiceFilter{})
			if len(list) != 0 {
				t.Errorf("a bad form saved %d", len(list))
			}
		})
		t.Run("a site of another customer is refused", func(t *testing.T) {
			res, body := staff.post("/console/recurring", url.Values{"customer_id": {parent.ID}, "site_id": {f.site["solo"].ID},
				"name": {"X"}, "total_inc_tax": {"1"}, "frequency": {"weekly"}, "next_due_date": {"2099-01-01"}})
			wantStatus(t, "other customer's site", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "The site belongs to another customer.") {
				t.Errorf("no message:\n%s", body)
			}
		})
		var id string
		t.Run("create, list, search, edit", func(t *testing.T) {
			res, _ := staff.post("/console/recurring", url.Values{"customer_id": {parent.ID}, "site_id": {f.site["hq"].ID},
				"name": {"Alarm <monitoring>"}, "total_inc_tax": {"1,250.50"}, "frequency": {"quarterly"}, "next_due_date": {"2099-01-31"},
				"options": {"autopay", "active"}})
			wantRedirect(t, "create", res, "/console/recurring?done=created")
			list, _, err := db.FindRecurringInvoices(ctx, f.sys, fieldportal.RecurringInvoiceFilter{})
			if err != nil || len(list) != 1 {
				t.Fatalf("%d schedules, %v", len(list), err)
			}
			s := list[0]
			id = s.ID
			if s.TotalIncTax != 125050 || s.Frequency != fieldportal.Quarterly || !s.Autopay || !s.Active || s.SiteID != f.site["hq"].ID ||
				s.NextDueDate != (fieldportal.Date{Year: 2099, Month: 1, Day: 31}) || s.CustomerID != parent.ID {
				t.Errorf("saved %+v", s)
			}
			if n := mustAuditCount(t, db, "recurring_invoice.created", id); n != 1 {
				t.Errorf("%d audit rows", n)
			}
			_, body := staff.get("/console/recurring?done=created&q=harbour")
			for _, s := range []string{"The recurring invoice is set up.", "Alarm &lt;monitoring&gt;", "Harbour Properties", "1,250.50", "Quarterly", "31 Jan 2099"} {
				if !strings.Contains(body, s) {
					t.Errorf("list lacks %q", s)
				}
			}
			if _, body := staff.get("/console/recurring?q=solo"); strings.Contains(body, "monitoring") {
				t.Error("search for another customer lists it")
			}
			res, body = staff.get("/console/recurring/" + id)
			wantStatus(t, "edit form", res, body, http.StatusOK)
			if !strings.Contains(body, `value="1250.50"`) || !strings.Contains(body, `value="2099-01-31"`) {
				t.Errorf("edit form:\n%s", body)
			}
			res, _ = staff.post("/console/recurring/"+id, url.Values{"customer_id": {f.cust["solo"].ID}, "site_id": {""},
				"name": {"Alarm monitoring"}, "total_inc_tax": {"99"}, "frequency": {"monthly"}, "next_due_date": {"2099-02-28"}})
			wantRedirect(t, "update", res, "/console/recurring?done=saved")
			s2, _ := db.FindRecurringInvoiceByID(ctx, f.sys, id)
			if s2.Autopay || s2.Active || s2.TotalIncTax != 9900 || s2.SiteID != "" || s2.CustomerID != parent.ID {
				t.Errorf("updated %+v (the customer stays)", s2)
			}
			if n := mustAuditCount(t, db, "recurring_invoice.updated", id); n != 1 {
				t.Errorf("%d audit rows", n)
			}
		})
		t.Run("another organisation's staff cannot see or change it", func(t *testing.T) {
			f.org.Host = "127.0.0.1"
			if err := db.UpdateOrganisation(ctx, f.sys, f.org); err != nil {
				t.Fatal(err)
			}
			orgB := mustOrg(t, db, "Other Org", "b.portal.test")
			h, _ := auth.TestHasher().Hash(testPassword)
			u := &fieldportal.StaffUser{Email: "b@example.test", Name: "B", Role: fieldportal.RoleAdmin, PasswordHash: h}
			if err := db.CreateStaffUser(ctx, fieldportal.SystemViewer(orgB.ID, "test"), u); err != nil {
				t.Fatal(err)
			}
			b := f.browser()
			b.host = "b.portal.test"
			b.consoleLogin("b@example.test")
			if res, _ := b.get("/console/recurring/" + id); res.StatusCode != http.StatusNotFound {
				t.Errorf("B's staff open A's schedule: %d", res.StatusCode)
			}
			if res, _ := b.post("/console/recurring/"+id, url.Values{"name": {"x"}, "total_inc_tax": {"1"}, "frequency": {"weekly"}, "next_due_date": {"2099-01-01"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("B's staff change A's schedule: %d", res.StatusCode)
			}
			if _, body := b.get("/console/recurring"); strings.Contains(body, "Alarm monitoring") {
				t.Error("B's list shows A's schedule")
			}
		})
		t.Run("a portal contact has no console", func(t *testing.T) {
			b := f.browser()
			b.login("parent@example.test", testPassword)
			if res, _ := b.get("/console/recurring"); res.StatusCode != http.StatusFound {
				t.Errorf("contact on the console = %d, want the console's sign-in", res.StatusCode)
			}
		})
	})
}

func mustAuditCount(t *testing.T, db *sqlstore.DB, action, entityID string) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2`, action, entityID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
