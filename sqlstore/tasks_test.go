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

func TestTasks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		task := func(x *fieldportal.Task) *fieldportal.Task {
			t.Helper()
			if x.Status == "" {
				x.Status = "open"
			}
			if err := db.CreateTask(ctx, staff, x); err != nil {
				t.Fatalf("create task: %v", err)
			}
			return x
		}
		job := mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})

		t.Run("create and find round trip", func(t *testing.T) {
			x := task(&fieldportal.Task{SiteID: w.SiteB.ID, JobID: job.ID, Subject: "Send key holder list", Description: "before Monday",
				DueDate: fieldportal.Date{Year: 2025, Month: 7, Day: 1}, Assignee: "Office", ExternalID: "T-1"})
			if x.CustomerID != w.Child.ID {
				t.Fatalf("customer %q not filled from the site", x.CustomerID)
			}
			got, err := db.FindTaskByID(ctx, staff, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(x, got); diff != "" {
				t.Errorf("task differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid task names the field", func(t *testing.T) {
			wantWorkCode(t, db.CreateTask(ctx, staff, &fieldportal.Task{CustomerID: w.Parent.ID, Status: "open"}), fieldportal.EINVALID, "subject")
			wantWorkCode(t, db.CreateTask(ctx, staff, &fieldportal.Task{Subject: "x", Status: "open"}), fieldportal.EINVALID, "customer_id")
			wantWorkCode(t, db.CreateTask(ctx, staff, &fieldportal.Task{Subject: "x", Status: "open", CustomerID: w.Parent.ID, JobID: job.ID}), fieldportal.EINVALID, "job_id")
			wantWorkCode(t, db.CreateTask(ctx, w.OtherStaff, &fieldportal.Task{Subject: "x", Status: "open", CustomerID: w.Parent.ID}), fieldportal.EINVALID, "customer_id")
		})

		t.Run("lists, filters, paging and counts", func(t *testing.T) {
			org := MustOrg(t, db, "Tasks Ltd")
			lv := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
			s1 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
			var made []string
			for i, st := range []string{"open", "done", "open", "in_progress", "open"} {
				x := &fieldportal.Task{CustomerID: cust.ID, Subject: "Task", Status: st}
				if i%2 == 1 {
					x.SiteID = s1.ID
				}
				if err := db.CreateTask(ctx, lv, x); err != nil {
					t.Fatal(err)
				}
				made = append(made, x.ID)
			}
			ids := func(f fieldportal.TaskFilter) []string {
				t.Helper()
				return workPages(t, func(after string) ([]*fieldportal.Task, string, error) {
					f.Page = fieldportal.Page{After: after, Limit: 2}
					return db.FindTasks(ctx, lv, f)
				}, func(x *fieldportal.Task) string { return x.ID })
			}
			newest := slices.Clone(made)
			slices.Reverse(newest)
			if diff := cmp.Diff(newest, ids(fieldportal.TaskFilter{})); diff != "" {
				t.Errorf("all (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{made[4], made[2], made[0]}, ids(fieldportal.TaskFilter{Status: "open"})); diff != "" {
				t.Errorf("status (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{made[3], made[1]}, ids(fieldportal.TaskFilter{SiteID: s1.ID})); diff != "" {
				t.Errorf("site (-want +got):\n%s", diff)
			}
			if n, err := db.CountTasks(ctx, lv, "open"); err != nil || n != 3 {
				t.Errorf("count open %d, %v", n, err)
			}
			if page, _, err := db.FindTasks(ctx, w.OtherStaff, fieldportal.TaskFilter{}); err != nil || len(page) != 0 {
				t.Errorf("other organisation sees %d, %v", len(page), err)
			}
			db.Now = func() time.Time { return time.Now().Add(time.Hour) }
			defer func() { db.Now = time.Now }()
			x, err := db.FindTaskByID(ctx, lv, made[1])
			if err != nil {
				t.Fatal(err)
			}
			x.Status = "open"
			if err := db.UpdateTask(ctx, lv, x); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{made[1]}, ids(fieldportal.TaskFilter{UpdatedSince: time.Now().Add(time.Minute)})); diff != "" {
				t.Errorf("updated since (-want +got):\n%s", diff)
			}
		})

		t.Run("upsert by external id", func(t *testing.T) {
			x := &fieldportal.Task{ExternalID: "BT-1", CustomerID: w.Parent.ID, Subject: "One", Status: "open"}
			if created, err := db.UpsertTaskByExternalID(ctx, staff, x); err != nil || !created {
				t.Fatalf("created %v, %v", created, err)
			}
			y := &fieldportal.Task{ExternalID: "BT-1", CustomerID: w.Parent.ID, Subject: "Two", Status: "done"}
			if created, err := db.UpsertTaskByExternalID(ctx, staff, y); err != nil || created || y.ID != x.ID {
				t.Fatalf("created %v, %v", created, err)
			}
		})

		t.Run("contact", func(t *testing.T) {
			parentAll := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil)
			parentAssigned := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil, w.SiteB.ID)
			branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			noTasks := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, fieldportal.Modules{fieldportal.ModuleService})
			custOnly := task(&fieldportal.Task{CustomerID: w.Parent.ID, Subject: "Customer-level"})
			atB := task(&fieldportal.Task{SiteID: w.SiteB.ID, Subject: "Site-level"})
			for _, c := range []struct {
				name string
				v    fieldportal.Viewer
				id   string
				ok   bool
			}{
				{"parent with all sites reads a customer task", parentAll, custOnly.ID, true},
				{"parent with assigned sites does not", parentAssigned, custOnly.ID, false},
				{"parent with assigned sites reads its site's task", parentAssigned, atB.ID, true},
				{"child does not read the parent's task", branch, custOnly.ID, false},
				{"child reads its site's task", branch, atB.ID, true},
				{"no module, no task", noTasks, atB.ID, false},
			} {
				t.Run(c.name, func(t *testing.T) {
					_, err := db.FindTaskByID(ctx, c.v, c.id)
					if c.ok && err != nil || !c.ok && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
						t.Errorf("err = %v", err)
					}
				})
			}
			wantWorkCode(t, db.CreateTask(ctx, parentAll, &fieldportal.Task{CustomerID: w.Parent.ID, Subject: "x", Status: "open"}), fieldportal.EFORBIDDEN)
		})
	})
}
