package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestConsoleInvoiceDatesInTheOrganisationsZone: the manual payment's
// default date and the raise form's example date are the request's day in
// the organisation's zone, as every other page's today, not in the
// server's zone. The request is pinned to a minute past midnight in the
// organisation's zone, read by a server whose clock runs ten hours
// behind UTC (still the day before there).
func TestConsoleInvoiceDatesInTheOrganisationsZone(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		clock := mustPinnedClock(t, f)
		jobs := f.addJobs()
		f.addStaff("office@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("office@example.test")
		inv := f.mustOfficeInvoice("dock", fieldportal.Date{Year: 2030, Month: 7, Day: 1}, 4500)
		loc := fieldportal.Zone(f.org.TimeZone)
		at := time.Date(2030, time.July, 16, 0, 1, 0, 0, loc)
		clock.set(at.In(time.FixedZone("server", -10*60*60)))
		const today = "2030-07-16"

		t.Run("the payment's default date", func(t *testing.T) {
			res, body := staff.get("/console/invoices/" + inv.ID)
			wantStatus(t, "invoice", res, body, http.StatusOK)
			i := strings.Index(body, `id="pay_date"`)
			if i < 0 {
				t.Fatalf("the invoice page has no payment date:\n%s", body)
			}
			if field := body[max(0, i-200):min(len(body), i+200)]; !strings.Contains(field, `value="`+today+`"`) {
				t.Errorf("the payment date is not %s: %s", today, field)
			}
		})
		t.Run("the raise form's example date", func(t *testing.T) {
			res, body := staff.post("/console/jobs/"+jobs["complete"].ID+"/invoice", url.Values{"lines": {"1"},
				"item_1_description": {"Labour"}, "item_1_quantity": {"1"}, "item_1_unit_price": {"45.00"},
				"issue_date": {"soon"}, "due_date": {"2030-08-15"}})
			wantStatus(t, "bad issue date", res, body, http.StatusBadRequest)
			if want := "must be a date, such as " + today + "."; !strings.Contains(body, want) {
				i := strings.Index(body, "must be a date")
				t.Errorf("the example date is not %s: %s", today, body[max(0, i-100):min(len(body), max(0, i)+100)])
			}
		})
	})
}
