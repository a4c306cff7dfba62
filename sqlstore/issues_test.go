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

func TestIssues(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		open := func(site, title string) *fieldportal.Issue {
			return mustWorkIssue(t, db, staff, &fieldportal.Issue{SiteID: site, Title: title, Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen})
		}

		t.Run("create and find round trip", func(t *testing.T) {
			x := mustWorkIssue(t, db, staff, &fieldportal.Issue{SiteID: w.SiteA.ID, AssetID: w.AssetA, Title: "Alarm sounding",
				Description: "Zone 3", Priority: fieldportal.PriorityHigh, Status: fieldportal.IssueOpen, ExternalID: "E-1"})
			if !strings.HasPrefix(x.Number, "I-") || x.CustomerID != w.Parent.ID {
				t.Fatalf("number %q customer %q", x.Number, x.CustomerID)
			}
			got, err := db.FindIssueByID(ctx, staff, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			x.SiteName = w.SiteA.Name
			if diff := cmp.Diff(x, got); diff != "" {
				t.Errorf("issue differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid issue names the field", func(t *testing.T) {
			err := db.CreateIssue(ctx, staff, &fieldportal.Issue{SiteID: w.SiteA.ID, Priority: fieldportal.PriorityLow, Status: fieldportal.IssueOpen})
			wantWorkCode(t, err, fieldportal.EINVALID, "title")
			err = db.CreateIssue(ctx, staff, &fieldportal.Issue{SiteID: w.SiteA.ID, Title: "x", AssetID: w.AssetB, Priority: fieldportal.PriorityLow, Status: fieldportal.IssueOpen})
			wantWorkCode(t, err, fieldportal.EINVALID, "asset_id")
		})
		t.Run("closing stamps closed_at and reopening clears it", func(t *testing.T) {
			x := open(w.SiteA.ID, "Leak")
			x.Status = fieldportal.IssueClosed
			if err := db.UpdateIssue(ctx, staff, x); err != nil {
				t.Fatal(err)
			}
			got, _ := db.FindIssueByID(ctx, staff, x.ID)
			if got.ClosedAt.IsZero() {
				t.Error("closed issue has no closed_at")
			}
			got.Status = fieldportal.IssueOpen
			if err := db.UpdateIssue(ctx, staff, got); err != nil {
				t.Fatal(err)
			}
			got, _ = db.FindIssueByID(ctx, staff, x.ID)
			if !got.ClosedAt.IsZero() {
				t.Error("reopened issue keeps closed_at")
			}
		})

		t.Run("keyset pages, filters and counts", func(t *testing.T) {
			org := MustOrg(t, db, "Issues Ltd")
			lv := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
			s1 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
			s2 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "Two", Address: fieldportal.Address{Line1: "2 B St"}})
			var made []string
			for _, c := range []struct{ site, title, status string }{
				{s1.ID, "Broken door", "open"}, {s2.ID, "Door sticks", "closed"}, {s1.ID, "Light out", "open"},
				{s2.ID, "Smoke detector chirps", "open"}, {s1.ID, "Tap drips", "closed"},
			} {
				x := mustWorkIssue(t, db, lv, &fieldportal.Issue{SiteID: c.site, Title: c.title, Status: c.status, Priority: fieldportal.PriorityLow})
				made = append(made, x.ID)
			}
			ids := func(f fieldportal.IssueFilter) []string {
				t.Helper()
				return workPages(t, func(after string) ([]*fieldportal.Issue, string, error) {
					f.Page = fieldportal.Page{After: after, Limit: 2}
					return db.FindIssues(ctx, lv, f)
				}, func(x *fieldportal.Issue) string { return x.ID })
			}
			newest := slices.Clone(made)
			slices.Reverse(newest)
			for name, c := range map[string]struct {
				f    fieldportal.IssueFilter
				want []string
			}{
				"all":    {fieldportal.IssueFilter{}, newest},
				"status": {fieldportal.IssueFilter{Status: "closed"}, []string{made[4], made[1]}},
				"site":   {fieldportal.IssueFilter{SiteID: s2.ID}, []string{made[3], made[1]}},
				"search": {fieldportal.IssueFilter{Search: "door"}, []string{made[1], made[0]}},
				"number": {fieldportal.IssueFilter{Search: "i-1003"}, []string{made[2]}},
			} {
				t.Run(name, func(t *testing.T) {
					if diff := cmp.Diff(c.want, ids(c.f)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
			n, err := db.CountIssues(ctx, lv, fieldportal.IssueOpen)
			if err != nil || n != 3 {
				t.Errorf("open count %d, %v", n, err)
			}
			page, _, err := db.FindIssues(ctx, w.OtherStaff, fieldportal.IssueFilter{})
			if err != nil || len(page) != 0 {
				t.Errorf("other organisation sees %d, %v", len(page), err)
			}
			db.Now = func() time.Time { return time.Now().Add(time.Hour) }
			defer func() { db.Now = time.Now }()
			if err := db.AddIssueComment(ctx, lv, &fieldportal.IssueComment{IssueID: made[0], Body: "on our way"}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{made[0]}, ids(fieldportal.IssueFilter{UpdatedSince: time.Now().Add(time.Minute)})); diff != "" {
				t.Errorf("a comment must show in sync (-want +got):\n%s", diff)
			}
		})

		t.Run("upsert by external id", func(t *testing.T) {
			x := &fieldportal.Issue{ExternalID: "BI-1", SiteID: w.SiteA.ID, Title: "One", Priority: fieldportal.PriorityLow, Status: fieldportal.IssueOpen}
			if created, err := db.UpsertIssueByExternalID(ctx, staff, x); err != nil || !created {
				t.Fatalf("created %v, %v", created, err)
			}
			y := &fieldportal.Issue{ExternalID: "BI-1", SiteID: w.SiteA.ID, Title: "Two", Priority: fieldportal.PriorityLow, Status: fieldportal.IssueClosed}
			if created, err := db.UpsertIssueByExternalID(ctx, staff, y); err != nil || created {
				t.Fatalf("created %v, %v", created, err)
			}
			got, err := db.FindIssueByID(ctx, staff, x.ID)
			if err != nil || got.Title != "Two" || got.Number != x.Number || got.ClosedAt.IsZero() {
				t.Errorf("after upsert %+v, %v", got, err)
			}
		})

		t.Run("contact", func(t *testing.T) {
			branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			assigned := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil, w.SiteB.ID)
			noIssues := mustWorkContact(t, db, w.Org.ID, w.Child.ID, fieldportal.Modules{fieldportal.ModuleService})
			atA := open(w.SiteA.ID, "Parent's issue")

			var mine *fieldportal.Issue
			t.Run("reports an issue, open and by itself", func(t *testing.T) {
				mine = mustWorkIssue(t, db, branch, &fieldportal.Issue{SiteID: w.SiteB.ID, AssetID: w.AssetB, Title: "Door",
					Status: fieldportal.IssueClosed, Number: "MINE", ExternalID: "X"})
				got, err := db.FindIssueByID(ctx, branch, mine.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Status != fieldportal.IssueOpen || got.ReportedBy != branch.ContactID || got.Number == "MINE" ||
					got.ExternalID != "" || got.Priority != fieldportal.PriorityNormal || got.AssetID != w.AssetB {
					t.Errorf("portal issue: %+v", got)
				}
			})
			t.Run("cannot report at an unreachable site", func(t *testing.T) {
				err := db.CreateIssue(ctx, branch, &fieldportal.Issue{SiteID: w.SiteA.ID, Title: "x"})
				wantWorkCode(t, err, fieldportal.EINVALID, "site_id")
				err = db.CreateIssue(ctx, assigned, &fieldportal.Issue{SiteID: w.SiteA.ID, Title: "x"})
				wantWorkCode(t, err, fieldportal.EINVALID, "site_id")
				wantWorkCode(t, db.CreateIssue(ctx, noIssues, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "x"}), fieldportal.EFORBIDDEN)
			})
			t.Run("assigned sites narrow what a parent contact sees", func(t *testing.T) {
				if _, err := db.FindIssueByID(ctx, assigned, atA.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("assigned contact reads another site's issue: %v", err)
				}
				if _, err := db.FindIssueByID(ctx, assigned, mine.ID); err != nil {
					t.Errorf("assigned contact cannot read its site's issue: %v", err)
				}
			})
			t.Run("comments", func(t *testing.T) {
				if err := db.AddIssueComment(ctx, branch, &fieldportal.IssueComment{IssueID: mine.ID, Body: "Still broken", AuthorName: "Spoof"}); err != nil {
					t.Fatal(err)
				}
				if err := db.AddIssueComment(ctx, staff, &fieldportal.IssueComment{IssueID: mine.ID, Body: "Booked for Monday", AuthorName: "Office"}); err != nil {
					t.Fatal(err)
				}
				wantWorkCode(t, db.AddIssueComment(ctx, branch, &fieldportal.IssueComment{IssueID: mine.ID}), fieldportal.EINVALID, "body")
				wantWorkCode(t, db.AddIssueComment(ctx, branch, &fieldportal.IssueComment{IssueID: atA.ID, Body: "hi"}), fieldportal.ENOTFOUND)
				wantWorkCode(t, db.AddIssueComment(ctx, noIssues, &fieldportal.IssueComment{IssueID: mine.ID, Body: "hi"}), fieldportal.ENOTFOUND)
				list, err := db.FindIssueComments(ctx, branch, mine.ID)
				if err != nil {
					t.Fatal(err)
				}
				if len(list) != 2 || list[0].AuthorName != "Pat" || list[0].AuthorContact != branch.ContactID || list[1].Body != "Booked for Monday" {
					t.Errorf("comments: %+v %+v", list[0], list[1])
				}
				if _, err := db.FindIssueComments(ctx, branch, atA.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("comments of an unreachable issue: %v", err)
				}
				empty, err := db.FindIssueComments(ctx, staff, atA.ID)
				if err != nil || len(empty) != 0 {
					t.Errorf("empty thread %v, %v", empty, err)
				}
			})
			t.Run("counts and cannot update", func(t *testing.T) {
				n, err := db.CountIssues(ctx, branch, fieldportal.IssueOpen)
				if err != nil || n != 1 {
					t.Errorf("branch open issues %d, %v; want 1", n, err)
				}
				_, err = db.CountIssues(ctx, noIssues, "")
				wantWorkCode(t, err, fieldportal.ENOTFOUND)
				wantWorkCode(t, db.UpdateIssue(ctx, branch, mine), fieldportal.EFORBIDDEN)
			})
		})
	})
}
