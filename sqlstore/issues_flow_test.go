package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustIssueContact adds a contact of a customer with an email address and
// an active login of the given pages ("all" sites), and returns its viewer
// and contact.
func mustIssueContact(tb testing.TB, db *sqlstore.DB, sys fieldportal.Viewer, customerID, first string, jobRole bool, pages fieldportal.Modules) (fieldportal.Viewer, *fieldportal.Contact) {
	tb.Helper()
	ctx := context.Background()
	c := &fieldportal.Contact{FirstName: first, CustomerID: customerID, Email: strings.ToLower(first) + "@example.test", JobContact: jobRole}
	if err := db.CreateContact(ctx, sys, c); err != nil {
		tb.Fatalf("contact: %v", err)
	}
	l := &fieldportal.PortalLogin{ContactID: c.ID, Username: c.Email, Status: fieldportal.LoginActive, Pages: pages,
		SiteAccess: fieldportal.SiteAccessAll, PasswordHash: "x"}
	if err := db.CreatePortalLogin(ctx, sys, l); err != nil {
		tb.Fatalf("login: %v", err)
	}
	v, err := db.ViewerForLogin(ctx, sys.OrgID, l.ID)
	if err != nil {
		tb.Fatalf("viewer: %v", err)
	}
	return v, c
}

// issueMails returns the recipients of the queued "issue answered" mails,
// in order, and their texts.
func issueMails(tb testing.TB, db *sqlstore.DB, orgID string) (to []string, texts []string) {
	tb.Helper()
	msgs, _, err := db.FindOutbox(context.Background(), fieldportal.SystemViewer(orgID, "test"), fieldportal.OutboxFilter{Kind: "mail"})
	if err != nil {
		tb.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- { // oldest first
		if msgs[i].Topic == "issue_answered" {
			to, texts = append(to, msgs[i].Recipient), append(texts, msgs[i].Payload)
		}
	}
	return to, texts
}

func TestIssueWorkflow(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		db.LinkBase = "https://portal.example.test/"
		w := mustWorkWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.Org.ID, "", "Sam Desk", fieldportal.RoleStaff)
		reporter, _ := mustIssueContact(t, db, w.Staff, w.Child.ID, "Rita", false, fieldportal.AllModules)
		photo := []fieldportal.Upload{{Name: "photo.png", ContentType: "image/png", Data: []byte("png bytes")}}
		count := func(table string) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("a report is saved with its files, which the reporter sees", func(t *testing.T) {
			x := &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Door", Priority: fieldportal.PriorityHigh, Status: fieldportal.IssueClosed, Number: "X-1"}
			if err := db.ReportIssue(ctx, reporter, x, photo); err != nil {
				t.Fatal(err)
			}
			if x.Status != fieldportal.IssueOpen || x.ReportedBy != reporter.ContactID || x.Number == "X-1" {
				t.Errorf("a contact set operator fields: %+v", x)
			}
			docs, err := db.FindIssueAttachments(ctx, reporter, x.ID)
			if err != nil || len(docs) != 1 || docs[0].Name != "photo.png" || !docs[0].VisibleToCustomer {
				t.Fatalf("attachments %+v, %v", docs, err)
			}
			_, data, err := openBytes(db.OpenIssueAttachment(ctx, reporter, x.ID, docs[0].ID))
			if err != nil || string(data) != "png bytes" {
				t.Errorf("open: %q, %v", data, err)
			}
		})
		t.Run("a refused report leaves nothing behind", func(t *testing.T) {
			issues, docs, blobs := count("issues"), count("documents"), count("file_blobs")
			err := db.ReportIssue(ctx, reporter, &fieldportal.Issue{SiteID: w.SiteB.ID, Priority: fieldportal.PriorityLow}, photo)
			wantWorkCode(t, err, fieldportal.EINVALID)
			// Files the contact may not upload: the Documents page hidden.
			noUpload, _ := mustIssueContact(t, db, w.Staff, w.Child.ID, "Nils", false,
				fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleIssues})
			err = db.ReportIssue(ctx, noUpload, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "x", Priority: fieldportal.PriorityLow}, photo)
			wantWorkCode(t, err, fieldportal.EFORBIDDEN)
			if i, d, b := count("issues"), count("documents"), count("file_blobs"); i != issues || d != docs || b != blobs {
				t.Errorf("left %d issues, %d documents, %d blobs behind", i-issues, d-docs, b-blobs)
			}
		})
		t.Run("a close under a stale version changes nothing", func(t *testing.T) {
			x := mustWorkIssue(t, db, reporter, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Door sticks", Priority: fieldportal.PriorityNormal})
			read := x.UpdatedAt
			x.Title, x.IfUpdatedAt = "Door sticks badly", read
			if err := db.UpdateIssue(ctx, staff, x); err != nil {
				t.Fatal(err)
			}
			_, err := db.SetIssueStatus(ctx, staff, x.ID, fieldportal.IssueClosed, read)
			wantWorkCode(t, err, fieldportal.ECONFLICT)
			got, err := db.FindIssueByID(ctx, staff, x.ID)
			if err != nil || got.Status != fieldportal.IssueOpen {
				t.Fatalf("after a stale close: %+v, %v", got, err)
			}
			if _, err := db.SetIssueStatus(ctx, staff, x.ID, fieldportal.IssueClosed, got.UpdatedAt); err != nil {
				t.Errorf("a close of the version read: %v", err)
			}
		})
		t.Run("close, reopen and a service order make the history", func(t *testing.T) {
			x := mustWorkIssue(t, db, reporter, &fieldportal.Issue{SiteID: w.SiteB.ID, AssetID: w.AssetB, Title: "Pump noisy", Description: "Loud at night.", Priority: fieldportal.PriorityNormal})
			for _, st := range []string{fieldportal.IssueClosed, fieldportal.IssueClosed, fieldportal.IssueOpen} {
				if _, err := db.SetIssueStatus(ctx, staff, x.ID, st, time.Time{}); err != nil {
					t.Fatal(err)
				}
			}
			_, err := db.SetIssueStatus(ctx, staff, x.ID, "pending", time.Time{})
			wantWorkCode(t, err, fieldportal.EINVALID, "status")
			j, err := db.TurnIssueIntoJob(ctx, staff, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := fieldportal.Job{Kind: fieldportal.JobService, Stage: fieldportal.StagePending, SiteID: w.SiteB.ID, CustomerID: w.Child.ID,
				AssetIDs: []string{w.AssetB}, RequestedBy: reporter.ContactID, Description: "Issue " + x.Number + ": Pump noisy\n\nLoud at night."}
			got := fieldportal.Job{Kind: j.Kind, Stage: j.Stage, SiteID: j.SiteID, CustomerID: j.CustomerID, AssetIDs: j.AssetIDs,
				RequestedBy: j.RequestedBy, Description: j.Description}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("service order (-want +got):\n%s", diff)
			}
			_, err = db.TurnIssueIntoJob(ctx, staff, x.ID)
			wantWorkCode(t, err, fieldportal.ECONFLICT)
			h, err := db.FindIssueHistory(ctx, reporter, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			var steps []string
			for _, e := range h {
				steps = append(steps, fmt.Sprintf("%s by %q %s", e.Kind, e.ActorName, e.JobNumber))
			}
			wantSteps := []string{`reported by "Rita" `, `closed by "Sam Desk" `, `reopened by "Sam Desk" `, `service_order by "Sam Desk" ` + j.Number}
			if diff := cmp.Diff(wantSteps, steps); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
			got2, _ := db.FindIssueByID(ctx, staff, x.ID)
			if got2.JobID != j.ID {
				t.Errorf("issue's job = %q, want %q", got2.JobID, j.ID)
			}
		})
		t.Run("an issue loaded closed shows its closing", func(t *testing.T) {
			x := mustWorkIssue(t, db, w.Staff, &fieldportal.Issue{SiteID: w.SiteA.ID, Title: "Old", Priority: fieldportal.PriorityLow, Status: fieldportal.IssueClosed})
			h, err := db.FindIssueHistory(ctx, staff, x.ID)
			if err != nil || len(h) != 2 || h[1].Kind != fieldportal.IssueEventClosed || !h[1].At.Equal(x.ClosedAt) {
				t.Fatalf("history %+v, %v", h, err)
			}
		})
		t.Run("the operator's answer mails the reporter, with its files shown", func(t *testing.T) {
			x := mustWorkIssue(t, db, reporter, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Gate", Priority: fieldportal.PriorityNormal})
			before, _ := issueMails(t, db, w.Org.ID)
			// The reporter's own comment mails nobody.
			if err := db.CommentOnIssue(ctx, reporter, &fieldportal.IssueComment{IssueID: x.ID, Body: "Any news?"}, nil); err != nil {
				t.Fatal(err)
			}
			if err := db.CommentOnIssue(ctx, staff, &fieldportal.IssueComment{IssueID: x.ID, Body: "Booked."}, photo); err != nil {
				t.Fatal(err)
			}
			to, texts := issueMails(t, db, w.Org.ID)
			if diff := cmp.Diff(append(before, "rita@example.test"), to); diff != "" {
				t.Fatalf("recipients (-want +got):\n%s", diff)
			}
			if last := texts[len(texts)-1]; !strings.Contains(last, "https://portal.example.test/issues/"+x.ID+"\n") || !strings.Contains(last, x.Number) {
				t.Errorf("mail:\n%s", last)
			}
			docs, err := db.FindIssueAttachments(ctx, reporter, x.ID)
			if err != nil || len(docs) != 1 {
				t.Errorf("the reporter sees %d of the operator's files, %v", len(docs), err)
			}
			// A synced comment (the API's AddIssueComment) mails nobody.
			if err := db.AddIssueComment(ctx, staff, &fieldportal.IssueComment{IssueID: x.ID, Body: "Synced."}); err != nil {
				t.Fatal(err)
			}
			if to2, _ := issueMails(t, db, w.Org.ID); len(to2) != len(to) {
				t.Errorf("a synced comment queued a mail")
			}
		})
		t.Run("with no reporter to mail, the job contacts who can read it are", func(t *testing.T) {
			// Job contacts of the child and of its parent, one without the
			// Issues page, and a contact without the job role.
			mustIssueContact(t, db, w.Staff, w.Child.ID, "Jack", true, fieldportal.AllModules)
			mustIssueContact(t, db, w.Staff, w.Parent.ID, "Paula", true, fieldportal.AllModules)
			mustIssueContact(t, db, w.Staff, w.Parent.ID, "Nora", true, fieldportal.Modules{fieldportal.ModuleDashboard})
			mustIssueContact(t, db, w.Staff, w.Child.ID, "Otto", false, fieldportal.AllModules)
			x := mustWorkIssue(t, db, staff, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Found on a visit", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen})
			before, _ := issueMails(t, db, w.Org.ID)
			if err := db.CommentOnIssue(ctx, staff, &fieldportal.IssueComment{IssueID: x.ID, Body: "Found a fault."}, nil); err != nil {
				t.Fatal(err)
			}
			to, _ := issueMails(t, db, w.Org.ID)
			got := to[len(before):]
			if diff := cmp.Diff([]string{"jack@example.test", "paula@example.test"}, slices.Sorted(slices.Values(got))); diff != "" {
				t.Errorf("recipients (-want +got):\n%s", diff)
			}
		})
	})
}

func TestIssueListOrders(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		at := time.Date(2026, 5, 1, 8, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { at = at.Add(time.Minute); return at }
		var made []*fieldportal.Issue
		for i, pr := range []fieldportal.IssuePriority{"low", "urgent", "normal", "high", "urgent", "low", "normal", "high"} {
			made = append(made, mustWorkIssue(t, db, w.Staff, &fieldportal.Issue{SiteID: []string{w.SiteA.ID, w.SiteB.ID}[i%2],
				Title: fmt.Sprintf("Order %d", i), Priority: pr, Status: fieldportal.IssueOpen}))
		}
		// Touch the first: the most recently updated now.
		if err := db.AddIssueComment(ctx, w.Staff, &fieldportal.IssueComment{IssueID: made[0].ID, Body: "bump"}); err != nil {
			t.Fatal(err)
		}
		idx := func(is ...int) []string {
			var out []string
			for _, i := range is {
				out = append(out, made[i].ID)
			}
			return out
		}
		parent := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil)
		for _, tc := range []struct {
			name string
			sort fieldportal.IssueSort
			want []string
		}{
			{"updated", fieldportal.IssueSortUpdated, idx(0, 7, 6, 5, 4, 3, 2, 1)},
			{"oldest", fieldportal.IssueSortOldest, idx(1, 2, 3, 4, 5, 6, 7, 0)},
			{"newest", fieldportal.IssueSortNewest, idx(7, 6, 5, 4, 3, 2, 1, 0)},
			{"priority", fieldportal.IssueSortPriority, idx(4, 1, 7, 3, 6, 2, 0, 5)},
		} {
			for name, v := range map[string]fieldportal.Viewer{"staff": w.Staff, "contact": parent} {
				for _, many := range []bool{false, true} {
					t.Run(fmt.Sprintf("%s/%s/many sites %v", tc.name, name, many), func(t *testing.T) {
						c := ctx
						if many {
							c = sqlstore.AsManySites(ctx)
						}
						got := workPages(t, func(after string) ([]*fieldportal.Issue, string, error) {
							return db.FindIssues(c, v, fieldportal.IssueFilter{Page: fieldportal.Page{After: after, Limit: 3}, Sort: tc.sort, Search: "order"})
						}, func(x *fieldportal.Issue) string { return x.ID })
						if diff := cmp.Diff(tc.want, got); diff != "" {
							t.Errorf("pages (-want +got):\n%s", diff)
						}
						sqlstore.SetStreamChunk(db, 3)
						defer sqlstore.SetStreamChunk(db, 0)
						var each []string
						err := db.EachIssue(c, v, fieldportal.IssueFilter{Sort: tc.sort, Search: "order", Page: fieldportal.Page{After: "ignored"}}, func(x *fieldportal.Issue) error {
							each = append(each, x.ID)
							return nil
						})
						if err != nil {
							t.Fatal(err)
						}
						if diff := cmp.Diff(tc.want, each); diff != "" {
							t.Errorf("EachIssue (-want +got):\n%s", diff)
						}
					})
				}
			}
		}
		t.Run("a forged cursor is refused on its field", func(t *testing.T) {
			_, _, err := db.FindIssues(ctx, w.Staff, fieldportal.IssueFilter{Page: fieldportal.Page{After: "bm90IGpzb24"}, Sort: fieldportal.IssueSortPriority})
			wantWorkCode(t, err, fieldportal.EINVALID, "after")
		})
	})
}
