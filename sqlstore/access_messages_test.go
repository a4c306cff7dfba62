package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Message threads in the write matrix (issue 22): a thread on a job is
// seen and written by whoever sees the job (its site in reach, the
// Service page), and by staff of its organisation; out of reach it is a
// record that does not exist.

func (w *writeWorld) messageRows() []writeRow {
	ctx, db := w.ctx, w.db
	jobAt := func(t *testing.T, target string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending}
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		return j
	}
	// A job with a thread the office started, with a file.
	type threaded struct {
		job                *fieldportal.Job
		threadID, attachID string
	}
	withThread := once(func(t *testing.T, target string) threaded {
		x := threaded{job: jobAt(t, target), threadID: w.ghostID, attachID: w.ghostID}
		if target == ghost {
			return x
		}
		m, err := db.PostMessage(ctx, w.sysOf(target), &fieldportal.NewMessage{RecordKind: "job", RecordID: x.job.ID,
			Body: "Hello from the office", Files: fileTxt("plan.txt")})
		if err != nil {
			t.Fatalf("post at %s: %v", target, err)
		}
		x.threadID, x.attachID = m.ThreadID, m.Attachments[0].ID
		return x
	})
	bodies := func(th *fieldportal.MessageThread) []string {
		var out []string
		for _, m := range th.Posts {
			out = append(out, m.Body)
		}
		return out
	}
	// listed turns "the target's thread is (not) in the list" into an
	// outcome: a list without it is as good as "not found".
	listed := func(found bool, err error) ([]string, error) {
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fieldportal.NotFound("thread")
		}
		return []string{"listed"}, nil
	}
	seesThread := inModule(atSite).with(sees("Hello from the office"))
	// An invoice of the target customer with no site: its thread is a
	// customer-level record (rule 3), seen with site access "all".
	customerInvoice := once(func(t *testing.T, target string) string {
		today := fieldportal.DateOf(time.Now())
		inv := &fieldportal.Invoice{CustomerID: w.customerID(target), IssueDate: today, DueDate: today.AddDays(30),
			Subtotal: 1000, Tax: 200, Total: 1200, Status: fieldportal.InvoiceUnpaid}
		w.made(t, target, &inv.ID, func(v fieldportal.Viewer) error { return db.CreateInvoice(ctx, v, inv) })
		if target != ghost {
			if _, err := db.PostMessage(ctx, w.sysOf(target), &fieldportal.NewMessage{RecordKind: "invoice", RecordID: inv.ID, Body: "About your invoice"}); err != nil {
				t.Fatal(err)
			}
		}
		return inv.ID
	})
	siteThread := once(func(t *testing.T, target string) string {
		if target != ghost {
			if _, err := db.PostMessage(ctx, w.sysOf(target), &fieldportal.NewMessage{RecordKind: "site", RecordID: w.siteID(target), Body: "About your site"}); err != nil {
				t.Fatal(err)
			}
		}
		return w.siteID(target)
	})
	return []writeRow{
		{
			name: "PostMessage on a customer's invoice", covers: []string{"MessageService.PostMessage"}, targets: everyCustomer,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.PostMessage(ctx, v, &fieldportal.NewMessage{RecordKind: "invoice", RecordID: customerInvoice(t, target), Body: "Paid by transfer."}))
			},
			want: contactAction(customerRecord, noSuch("record_id"), noSuch("record_id"), notFound),
		},
		{
			name: "FindThreads of a customer's invoice", covers: []string{"MessageService.FindThreads"}, targets: everyCustomer,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := customerInvoice(t, target)
				list, _, err := db.FindThreads(ctx, v, fieldportal.ThreadFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
				return listed(slices.ContainsFunc(list, func(th *fieldportal.MessageThread) bool { return th.RecordID == id }), err)
			},
			want: inModule(customerRecord).with(sees("listed")),
		},
		{
			name: "ThreadForRecord of a site", covers: []string{"MessageService.ThreadForRecord"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				th, err := db.ThreadForRecord(ctx, v, "site", siteThread(t, target))
				if err != nil {
					return nil, err
				}
				return bodies(th)[:1], nil
			},
			want: inModule(atSite).with(sees("About your site")),
		},
		{
			// A contact writes on a job it sees; a job out of reach, or of
			// a page it may not use, is named as not found on its field.
			name: "PostMessage on a job", covers: []string{"MessageService.PostMessage"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.PostMessage(ctx, v, &fieldportal.NewMessage{RecordKind: "job", RecordID: withThread(t, target).job.ID,
					Body: "When do you come?", Files: fileTxt("photo.txt")}))
			},
			want: contactAction(atSite, noSuch("record_id"), noSuch("record_id"), notFound),
		},
		{
			name: "ThreadForRecord of a job", covers: []string{"MessageService.ThreadForRecord"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				th, err := db.ThreadForRecord(ctx, v, "job", withThread(t, target).job.ID)
				if err != nil {
					return nil, err
				}
				return bodies(th)[:1], nil
			},
			want: seesThread,
		},
		{
			name: "FindThreadByID", covers: []string{"MessageService.FindThreadByID"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				th, err := db.FindThreadByID(ctx, v, withThread(t, target).threadID)
				if err != nil {
					return nil, err
				}
				return bodies(th)[:1], nil
			},
			want: seesThread,
		},
		{
			name: "FindThreads", covers: []string{"MessageService.FindThreads"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				id := withThread(t, target).threadID
				list, _, err := db.FindThreads(ctx, v, fieldportal.ThreadFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
				return listed(slices.ContainsFunc(list, func(th *fieldportal.MessageThread) bool { return th.ID == id }), err)
			},
			want: inModule(atSite).with(sees("listed")),
		},
		{
			// The office's queue: a thread waits once a customer wrote
			// last; staff see those of their organisation.
			name: "FindThreads waiting", covers: []string{"MessageService.FindThreads"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				j := jobAt(t, target)
				id := w.ghostID
				if target != ghost {
					c := w.kinds["staff"]
					if target == "B1" {
						c = w.kinds["otheradmin"]
					}
					m, err := db.PostMessage(ctx, c, &fieldportal.NewMessage{RecordKind: "job", RecordID: j.ID, Body: "From the office"})
					if err != nil {
						t.Fatal(err)
					}
					if _, err := db.SQL().Exec(`UPDATE message_threads SET waiting_since = last_message_at WHERE id = $1`, m.ThreadID); err != nil {
						t.Fatal(err)
					}
					id = m.ThreadID
				}
				list, _, err := db.FindThreads(ctx, v, fieldportal.ThreadFilter{Waiting: true, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
				return listed(slices.ContainsFunc(list, func(th *fieldportal.MessageThread) bool { return th.ID == id }), err)
			},
			want: inModule(atSite).with(sees("listed")),
		},
		{
			// The navigation's count: a new thread from the office at the
			// target adds one for a contact that sees it, none for anyone
			// else (staff have no read markers).
			name: "CountUnreadThreads", covers: []string{"MessageService.CountUnreadThreads"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				before, err := db.CountUnreadThreads(ctx, v)
				if err != nil {
					return nil, err
				}
				j := jobAt(t, target)
				if target != ghost {
					if _, err := db.PostMessage(ctx, w.sysOf(target), &fieldportal.NewMessage{RecordKind: "job", RecordID: j.ID, Body: "News"}); err != nil {
						t.Fatal(err)
					}
				}
				after, err := db.CountUnreadThreads(ctx, v)
				return listed(err == nil && after == before+1, err)
			},
			want: func(kind, target string) outcome {
				if a := actors[kind]; a.contact && a.pages && atSite(a, target) {
					return sees("listed")
				}
				return notFound
			},
		},
		{
			name: "OpenMessageAttachment", covers: []string{"MessageService.OpenMessageAttachment"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				a, rc, err := db.OpenMessageAttachment(ctx, v, withThread(t, target).attachID)
				if err != nil {
					return nil, err
				}
				rc.Close()
				return []string{a.Name}, nil
			},
			want: inModule(atSite).with(sees("plan.txt")),
		},
		{
			name: "FindMessages of a job", covers: []string{"MessageService.FindMessages"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				list, _, err := db.FindMessages(ctx, v, fieldportal.MessageFilter{RecordKind: "job", RecordID: withThread(t, target).job.ID})
				if err == nil && len(list) == 0 {
					return nil, fieldportal.NotFound("message")
				}
				if err != nil {
					return nil, err
				}
				return []string{list[0].Body}, nil
			},
			want: seesThread,
		},
	}
}
