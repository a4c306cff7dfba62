package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestTalliesFollowIssue16Flows walks each new path that opens or closes
// an issue, job or quote (the booking form, the console's stage moves,
// scheduling, an issue's close and service order, a quote's pricing and
// answer) and checks after each that the dashboard's tallies equal a
// recount of the records.
func TestTalliesFollowIssue16Flows(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Robin Office", fieldportal.RoleStaff)
		step := func(name string, err error) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			MustTalliesRight(t, db, w.Org.ID)
		}
		j := w.booking(t, w.SiteB, 2, 10)
		step("book a job", db.BookJob(ctx, w.Child, j, nil))
		_, _, err := db.ScheduleJob(ctx, staff, fieldportal.JobSchedule{JobID: j.ID, Technician: "Sam Reed", Window: w.slot(t, 3, 10)})
		step("schedule it", err)
		_, err = db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageArchived})
		step("archive it", err)

		x := &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Leak", Priority: fieldportal.PriorityHigh}
		step("report an issue", db.CreateIssue(ctx, w.Child, x))
		o, err := db.TurnIssueIntoJob(ctx, staff, x.ID)
		step("turn it into a service order", err)
		_, err = db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: o.ID, To: fieldportal.StageArchived})
		step("archive the order", err)
		_, err = db.SetIssueStatus(ctx, staff, x.ID, fieldportal.IssueClosed, time.Time{})
		step("close the issue", err)
		_, err = db.SetIssueStatus(ctx, staff, x.ID, fieldportal.IssueOpen, time.Time{})
		step("reopen it", err)

		q := &fieldportal.Quote{SiteID: w.SiteB.ID, Description: "Please quote"}
		step("request a quote", db.RequestQuote(ctx, w.Child, q, nil))
		p := fieldportal.QuotePricing{Send: true, TaxRate: 2000, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 31},
			Items: []fieldportal.QuoteItem{{Description: "Labour", Quantity: 1, UnitPrice: 5000}}}
		_, _, err = db.PriceQuote(ctx, staff, q.ID, p)
		step("price and send it", err)
		_, err = db.DecideQuote(ctx, withQuoteRole(t, db, w.Child), q.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Jo Bloggs"})
		step("accept it", err)
	})
}
