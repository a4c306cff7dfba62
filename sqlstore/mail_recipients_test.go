package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustRoleContacts adds four contacts of customer with the role column
// set and an email address: one with no portal login, one whose login
// lacks the page, one whose login has the page but is limited to
// otherSite, and one whose login has the page and every site. Only the
// last may be mailed about a record at a site of customer: the mail's
// link needs a login that can open it (portalRecipients).
func mustRoleContacts(tb testing.TB, db *sqlstore.DB, orgID, customerID, role string, page fieldportal.Module, otherSite string) {
	tb.Helper()
	contact := func(first string) string {
		return mustWorkExec(tb, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, last_name, email, `+role+`, created_at, updated_at)
			VALUES ($1, $2, $4, $5, 'Lee', $6, TRUE, $3, $3)`, orgID, customerID, first, strings.ToLower(first)+"@customer.test")
	}
	login := func(contactID string, pages fieldportal.Modules, access fieldportal.SiteAccess) string {
		return mustWorkExec(tb, db, `INSERT INTO portal_logins (id, org_id, contact_id, username, status, page_access, site_access, created_at, updated_at)
			VALUES ($1, $2, $4, $1, 'active', $5, $6, $3, $3)`, orgID, contactID, pages.String(), string(access))
	}
	contact("Nolan")
	login(contact("Nopage"), fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleSites}, fieldportal.SiteAccessAll)
	l := login(contact("Elsa"), fieldportal.AllModules, fieldportal.SiteAccessAssigned)
	if _, err := db.SQL().ExecContext(context.Background(), `INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, l, otherSite, orgID); err != nil {
		tb.Fatal(err)
	}
	login(contact("Yana"), fieldportal.Modules{fieldportal.ModuleDashboard, page}, fieldportal.SiteAccessAll)
}

// recipientsOf lists the addresses of the mails of topic whose text holds link.
func recipientsOf(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, topic, link string) []string {
	tb.Helper()
	msgs, _, err := db.FindOutbox(context.Background(), v, fieldportal.OutboxFilter{Kind: "mail", Page: fieldportal.Page{Limit: 500}})
	if err != nil {
		tb.Fatal(err)
	}
	out := []string{}
	for _, m := range msgs {
		if m.Topic == topic && strings.Contains(m.Payload, link) {
			out = append(out, m.Recipient)
		}
	}
	slices.Sort(out)
	return out
}

// The "quote sent" mail names the quote, its site and its total: a quote
// contact without a login, or whose login may not see the quote (no
// Quotes page, or limited to other sites), is not sent it (SPEC §2.4: no
// quote anywhere).
func TestQuoteSentMailsOnlyWhoMaySeeIt(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		other := MustSite(t, db, w.Staff, &fieldportal.Site{CustomerID: w.Child.ID, Name: "Charlie Works", Address: fieldportal.Address{Line1: "4 Side St"}})
		mustRoleContacts(t, db, w.Org.ID, w.Child.ID, "quote_contact", fieldportal.ModuleQuotes, other.ID)
		x := mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteRequested, Description: "Please quote"})
		_, mailed, err := db.PriceQuote(ctx, w.Staff, x.ID, fieldportal.QuotePricing{
			Items:   []fieldportal.QuoteItem{{Description: "Labour", Quantity: 1, UnitPrice: 5000}},
			TaxRate: 2000, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1}, Send: true, PortalURL: "https://portal.test"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"yana@customer.test"}
		if diff := cmp.Diff(want, recipientsOf(t, db, w.Staff, "quote_sent", "/quotes/"+x.ID)); diff != "" || mailed != 1 {
			t.Errorf("mailed %d (-want +got):\n%s", mailed, diff)
		}
	})
}

// The "job scheduled" mail names the job, its date and technician: a job
// contact whose login may not see the job's kind or site is not sent it.
func TestJobScheduledMailsOnlyWhoMaySeeIt(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		other := MustSite(t, db, w.Staff, &fieldportal.Site{CustomerID: w.workWorld.Child.ID, Name: "Charlie Works", Address: fieldportal.Address{Line1: "4 Side St"}})
		mustRoleContacts(t, db, w.Org.ID, w.workWorld.Child.ID, "job_contact", fieldportal.ModuleService, other.ID)
		j := MustBookJob(t, db, w.Child, w.booking(t, w.SiteB, 2, 10))
		start := time.Date(2026, 6, 3, 9, 0, 0, 0, w.loc)
		_, _, err := db.ScheduleJob(ctx, w.Staff, fieldportal.JobSchedule{JobID: j.ID, Technician: "Sam Reed",
			Window: fieldportal.TimeWindow{Start: start, End: start.Add(2 * time.Hour)}, PortalURL: "https://portal.test/"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"yana@customer.test"}
		if diff := cmp.Diff(want, recipientsOf(t, db, w.Staff, "job.scheduled", "/jobs/"+j.ID)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
