package sqlstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// stagesOf returns a job's history as "from>to by" strings.
func stagesOf(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, jobID string) []string {
	tb.Helper()
	h, err := db.FindJobHistory(context.Background(), v, jobID)
	if err != nil {
		tb.Fatalf("history: %v", err)
	}
	var out []string
	for _, c := range h {
		out = append(out, string(c.From)+">"+string(c.To)+" "+c.By+" "+c.Note)
	}
	return out
}

func TestJobStages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Robin Office", fieldportal.RoleStaff)
		newJob := func(t *testing.T, stage fieldportal.JobStage) *fieldportal.Job {
			t.Helper()
			return mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: stage})
		}

		t.Run("a new job records its first stage", func(t *testing.T) {
			j := newJob(t, fieldportal.StagePending)
			if diff := cmp.Diff([]string{">pending Robin Office "}, stagesOf(t, db, staff, j.ID)); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
		})
		t.Run("a contact's booking records the contact", func(t *testing.T) {
			branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			j := mustWorkJob(t, db, branch, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService})
			if diff := cmp.Diff([]string{">pending Pat "}, stagesOf(t, db, branch, j.ID)); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
		})
		t.Run("the back office's update records a change and only a change", func(t *testing.T) {
			j := newJob(t, fieldportal.StagePending)
			j.Description = "same stage"
			if err := db.UpdateJob(ctx, w.Staff, j); err != nil {
				t.Fatal(err)
			}
			j.Stage = fieldportal.StageInvoiced // any stage: the back office knows
			if err := db.UpdateJob(ctx, w.Staff, j); err != nil {
				t.Fatal(err)
			}
			up := &fieldportal.Job{ExternalID: "BO-" + j.ID, SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled}
			if _, err := db.UpsertJobByExternalID(ctx, w.Staff, up); err != nil {
				t.Fatal(err)
			}
			up.Stage = fieldportal.StageComplete
			if _, err := db.UpsertJobByExternalID(ctx, w.Staff, up); err != nil {
				t.Fatal(err)
			}
			want := []string{">pending Robin Office ", "pending>invoiced Back office "}
			if diff := cmp.Diff(want, stagesOf(t, db, staff, j.ID)); diff != "" {
				t.Errorf("update history (-want +got):\n%s", diff)
			}
			want = []string{">scheduled Back office ", "scheduled>complete Back office "}
			if diff := cmp.Diff(want, stagesOf(t, db, staff, up.ID)); diff != "" {
				t.Errorf("upsert history (-want +got):\n%s", diff)
			}
		})
		t.Run("staff move a job by allowed moves with a note", func(t *testing.T) {
			j := newJob(t, fieldportal.StageScheduled)
			got, err := db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageInProgress})
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != fieldportal.StageInProgress || !got.CompletedAt.IsZero() {
				t.Errorf("moved: stage %s completed %v", got.Stage, got.CompletedAt)
			}
			got, err = db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageComplete, Note: "Signed off"})
			if err != nil || got.CompletedAt.IsZero() {
				t.Fatalf("complete: %v, completed %v", err, got.CompletedAt)
			}
			got, err = db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageInProgress, Note: "Reopened"})
			if err != nil || !got.CompletedAt.IsZero() {
				t.Fatalf("reopen: %v, completed %v", err, got.CompletedAt)
			}
			stored, err := db.FindJobByID(ctx, staff, j.ID)
			if err != nil || stored.Stage != fieldportal.StageInProgress {
				t.Fatalf("stored %v, %v", stored, err)
			}
			want := []string{">scheduled Robin Office ", "scheduled>in_progress Robin Office ",
				"in_progress>complete Robin Office Signed off", "complete>in_progress Robin Office Reopened"}
			if diff := cmp.Diff(want, stagesOf(t, db, staff, j.ID)); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
			log, _, err := db.FindAuditLog(ctx, staff, fieldportal.AuditFilter{})
			if err != nil {
				t.Fatal(err)
			}
			moves := 0
			for _, e := range log {
				if e.Action == "job.stage" && e.EntityID == j.ID {
					moves++
				}
			}
			if moves != 3 {
				t.Errorf("audit has %d stage moves of the job, want 3", moves)
			}
		})
		t.Run("a move that is not allowed names the stage field and changes nothing", func(t *testing.T) {
			j := newJob(t, fieldportal.StagePending)
			for _, to := range []fieldportal.JobStage{fieldportal.StageInvoiced, fieldportal.StagePending, "", "lost"} {
				_, err := db.MoveJobStage(ctx, staff, fieldportal.JobStageMove{JobID: j.ID, To: to})
				wantWorkCode(t, err, fieldportal.EINVALID, "stage")
			}
			if got := stagesOf(t, db, staff, j.ID); len(got) != 1 {
				t.Errorf("history after refused moves: %v", got)
			}
		})
		t.Run("only staff of the organisation move jobs", func(t *testing.T) {
			j := newJob(t, fieldportal.StagePending)
			head := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil)
			_, err := db.MoveJobStage(ctx, head, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageScheduled})
			wantWorkCode(t, err, fieldportal.EFORBIDDEN)
			_, err = db.MoveJobStage(ctx, w.OtherStaff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageScheduled})
			wantWorkCode(t, err, fieldportal.ENOTFOUND)
		})
		t.Run("history follows the job's access rules", func(t *testing.T) {
			atA := newJob(t, fieldportal.StagePending)
			branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			installOnly := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, fieldportal.Modules{fieldportal.ModuleInstall})
			for name, v := range map[string]fieldportal.Viewer{"out of reach": branch, "without the module": installOnly, "other organisation": w.OtherStaff} {
				if _, err := db.FindJobHistory(ctx, v, atA.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s: err = %v, want not found", name, err)
				}
			}
		})

		t.Run("invoices raised from a job", func(t *testing.T) {
			j := newJob(t, fieldportal.StageInvoiced)
			other := newJob(t, fieldportal.StageInvoiced)
			today := fieldportal.DateOf(time.Now())
			inv := func(jobID string) string {
				x := &fieldportal.Invoice{JobID: jobID, IssueDate: today, DueDate: today.AddDays(30), Subtotal: 100, Tax: 20, Total: 120}
				if err := db.CreateInvoice(ctx, w.Staff, x); err != nil {
					t.Fatal(err)
				}
				return x.ID
			}
			first, second := inv(j.ID), inv(j.ID)
			inv(other.ID)
			list, err := db.FindJobInvoices(ctx, staff, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			got := idsOfInvoices(list)
			if diff := cmp.Diff([]string{second, first}, got); diff != "" {
				t.Errorf("invoices (-want +got):\n%s", diff)
			}
			head := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil)
			if list, err := db.FindJobInvoices(ctx, head, j.ID); err != nil || len(list) != 2 {
				t.Errorf("parent contact: %d invoices, %v", len(list), err)
			}
			noInvoices := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, fieldportal.Modules{fieldportal.ModuleService})
			if _, err := db.FindJobInvoices(ctx, noInvoices, j.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("without the Invoices page: err = %v", err)
			}
			branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			if _, err := db.FindJobInvoices(ctx, branch, j.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("job out of reach: err = %v", err)
			}
		})

		t.Run("EachJob walks exactly the pages' rows", func(t *testing.T) {
			org := MustOrg(t, db, "Walk Ltd")
			lv := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
			site := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
			stages := []fieldportal.JobStage{fieldportal.StagePending, fieldportal.StageScheduled, fieldportal.StageInProgress, fieldportal.StageComplete}
			for i := range 9 {
				kind := fieldportal.JobService
				if i%3 == 0 {
					kind = fieldportal.JobInstall
				}
				mustWorkJob(t, db, lv, &fieldportal.Job{SiteID: site.ID, Kind: kind, Stage: stages[i%len(stages)], OrderNo: "PO-" + string(rune('a'+i))})
			}
			sqlstore.SetStreamChunk(db, 2) // several chunks, as a large CSV reads
			defer sqlstore.SetStreamChunk(db, 0)
			for name, f := range map[string]fieldportal.JobFilter{
				"all":      {},
				"progress": {Stages: []fieldportal.JobStage{fieldportal.StageScheduled, fieldportal.StageInProgress}},
				"service":  {Kind: fieldportal.JobService},
				"search":   {Search: "po-c"},
			} {
				t.Run(name, func(t *testing.T) {
					pages := workPages(t, func(after string) ([]*fieldportal.Job, string, error) {
						f.Page = fieldportal.Page{After: after, Limit: 2}
						return db.FindJobs(ctx, lv, f)
					}, func(j *fieldportal.Job) string { return j.ID })
					var walked []string
					err := db.EachJob(ctx, lv, f, func(j *fieldportal.Job) error {
						walked = append(walked, j.ID)
						return nil
					})
					if err != nil {
						t.Fatal(err)
					}
					if len(pages) == 0 {
						t.Fatal("the filter selects nothing: the test would prove nothing")
					}
					if diff := cmp.Diff(pages, walked); diff != "" {
						t.Errorf("walk differs from the pages (-pages +walk):\n%s", diff)
					}
				})
			}
		})

		t.Run("search by job or order number", func(t *testing.T) {
			org := MustOrg(t, db, "Search Ltd")
			lv := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
			site := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
			mk := func(number, orderNo, desc string) string {
				return mustWorkJob(t, db, lv, &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending,
					Number: number, OrderNo: orderNo, Description: desc}).ID
			}
			a := mk("J-5001", "PO-Ärger-77", "boiler")
			b := mk("J-5002", "HRP/4410", "J-5001 follow-up")
			c := mk("J-6003", "", "po-ärger in the text only")
			find := func(term string) []string {
				t.Helper()
				var got []string
				err := db.EachJob(ctx, lv, fieldportal.JobFilter{NumberSearch: term}, func(j *fieldportal.Job) error {
					got = append(got, j.ID)
					return nil
				})
				if err != nil {
					t.Fatal(err)
				}
				page, _, err := db.FindJobs(ctx, lv, fieldportal.JobFilter{NumberSearch: term})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(got, idsOf(page, func(j *fieldportal.Job) string { return j.ID }), cmpEmpty); diff != "" {
					t.Errorf("%q: the page and the walk differ:\n%s", term, diff)
				}
				return got
			}
			for term, want := range map[string][]string{
				"J-5001":   {a},       // the number, not the description that names it
				"j-500":    {b, a},    // a part of it, in any case
				"4410":     {b},       // part of an order number
				"po-ärger": {a},       // not the description
				"J-":       {c, b, a}, // too short for the index: matched all the same
				"%":        nil,       // LIKE's wildcards match themselves
				"boiler":   nil,
			} {
				if diff := cmp.Diff(want, find(term), cmpEmpty); diff != "" {
					t.Errorf("%q (-want +got):\n%s", term, diff)
				}
			}
			// A contact of the one site reads the same rows through its own
			// plan (INDEXED BY jobs_site on SQLite, fewsites.go).
			contact := mustWorkContact(t, db, org.ID, cust.ID, nil)
			for term, want := range map[string][]string{"J-5001": {a}, "j-500": {b, a}, "J-": {c, b, a}} {
				page, _, err := db.FindJobs(ctx, contact, fieldportal.JobFilter{NumberSearch: term})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, idsOf(page, func(j *fieldportal.Job) string { return j.ID }), cmpEmpty); diff != "" {
					t.Errorf("contact %q (-want +got):\n%s", term, diff)
				}
			}
			j, err := db.FindJobByID(ctx, lv, c)
			if err != nil {
				t.Fatal(err)
			}
			j.OrderNo = "NEW-123"
			if err := db.UpdateJob(ctx, lv, j); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{c}, find("new-12")); diff != "" {
				t.Errorf("after the order number changed (-want +got):\n%s", diff)
			}
		})

		t.Run("the console's queue lists pending bookings made in the portal", func(t *testing.T) {
			org := MustOrg(t, db, "Queue Ltd")
			lv := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
			site := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
			contact := mustWorkContact(t, db, org.ID, cust.ID, nil)
			booked := mustWorkJob(t, db, contact, &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobService})
			moved := mustWorkJob(t, db, contact, &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobInstall})
			mustWorkJob(t, db, lv, &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
			later := mustWorkJob(t, db, contact, &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobService})
			ov := fieldportal.NewStaffViewer(org.ID, "", "Office", fieldportal.RoleStaff)
			if _, err := db.MoveJobStage(ctx, ov, fieldportal.JobStageMove{JobID: moved.ID, To: fieldportal.StageScheduled}); err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindJobs(ctx, ov, fieldportal.JobFilter{FromPortal: true})
			if err != nil {
				t.Fatal(err)
			}
			got := idsOf(list, func(j *fieldportal.Job) string { return j.ID })
			if diff := cmp.Diff([]string{later.ID, booked.ID}, got); diff != "" {
				t.Errorf("queue (-want +got):\n%s", diff)
			}
		})
	})
}

// idsOfInvoices lists invoices' ids in order.
func idsOfInvoices(list []*fieldportal.Invoice) []string {
	return slices.Collect(func(yield func(string) bool) {
		for _, x := range list {
			if !yield(x.ID) {
				return
			}
		}
	})
}
