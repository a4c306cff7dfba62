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

func TestJobs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff

		t.Run("create and find round trip with items and assets", func(t *testing.T) {
			start := time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)
			j := mustWorkJob(t, db, staff, &fieldportal.Job{
				SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled, OrderNo: "PO-7",
				PreferredDate: fieldportal.Date{Year: 2025, Month: 3, Day: 4}, PreferredWindow: "am",
				ScheduledStart: start, ScheduledEnd: start.Add(2 * time.Hour), Technician: "Sam",
				Description: "Annual service", ContractorID: w.Contractor,
				AssetIDs: []string{w.AssetA, w.AssetA},
				Items:    []fieldportal.JobItem{{Code: "X", Description: "Labour", Quantity: 2, UnitPrice: 5000}},
			})
			if j.Number == "" || j.CustomerID != w.Parent.ID {
				t.Fatalf("number %q customer %q not filled", j.Number, j.CustomerID)
			}
			if j.Items[0].Total != 10000 || len(j.AssetIDs) != 1 {
				t.Errorf("total %v, assets %v", j.Items[0].Total, j.AssetIDs)
			}
			got, err := db.FindJobByID(ctx, staff, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			j.SiteName = w.SiteA.Name
			if diff := cmp.Diff(j, got); diff != "" {
				t.Errorf("job differs (-want +got):\n%s", diff)
			}
		})
		t.Run("numbers count up", func(t *testing.T) {
			a := mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
			b := mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
			if a.Number == b.Number || a.Number[:2] != "J-" {
				t.Errorf("numbers %s, %s", a.Number, b.Number)
			}
		})
		t.Run("invalid job names the field", func(t *testing.T) {
			err := db.CreateJob(ctx, staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: "repair", Stage: fieldportal.StagePending})
			wantWorkCode(t, err, fieldportal.EINVALID, "kind")
			err = db.CreateJob(ctx, staff, &fieldportal.Job{SiteID: w.OtherSite.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
			wantWorkCode(t, err, fieldportal.EINVALID, "site_id")
			err = db.CreateJob(ctx, staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending, AssetIDs: []string{w.AssetB}})
			wantWorkCode(t, err, fieldportal.EINVALID, "asset_ids")
		})

		// A fresh organisation's jobs for the list tests.
		org := MustOrg(t, db, "Lists Ltd")
		lv := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
		s1 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
		s2 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "Two", Address: fieldportal.Address{Line1: "2 B St"}})
		var made []string
		for i, spec := range []struct {
			site  string
			kind  fieldportal.JobKind
			stage fieldportal.JobStage
			desc  string
		}{
			{s1.ID, fieldportal.JobService, fieldportal.StagePending, "leaking valve"},
			{s1.ID, fieldportal.JobInstall, fieldportal.StageScheduled, "new panel"},
			{s2.ID, fieldportal.JobService, fieldportal.StageComplete, "annual test"},
			{s2.ID, fieldportal.JobService, fieldportal.StageInvoiced, "Valve swap"},
			{s1.ID, fieldportal.JobInstall, fieldportal.StagePending, "cabling"},
		} {
			j := mustWorkJob(t, db, lv, &fieldportal.Job{SiteID: spec.site, Kind: spec.kind, Stage: spec.stage, Description: spec.desc, OrderNo: "PO-" + string(rune('A'+i))})
			made = append(made, j.ID)
		}
		newestFirst := slices.Clone(made)
		slices.Reverse(newestFirst)
		jobIDs := func(f fieldportal.JobFilter) []string {
			t.Helper()
			return workPages(t, func(after string) ([]*fieldportal.Job, string, error) {
				f.Page = fieldportal.Page{After: after, Limit: 2}
				return db.FindJobs(ctx, lv, f)
			}, func(j *fieldportal.Job) string { return j.ID })
		}

		t.Run("keyset pages cover every job once newest first", func(t *testing.T) {
			if diff := cmp.Diff(newestFirst, jobIDs(fieldportal.JobFilter{})); diff != "" {
				t.Errorf("pages differ (-want +got):\n%s", diff)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for name, c := range map[string]struct {
				f    fieldportal.JobFilter
				want []string
			}{
				"kind":          {fieldportal.JobFilter{Kind: fieldportal.JobInstall}, []string{made[4], made[1]}},
				"stages":        {fieldportal.JobFilter{Stages: []fieldportal.JobStage{fieldportal.StagePending, fieldportal.StageScheduled}}, []string{made[4], made[1], made[0]}},
				"site":          {fieldportal.JobFilter{SiteID: s2.ID}, []string{made[3], made[2]}},
				"search":        {fieldportal.JobFilter{Search: "VALVE"}, []string{made[3], made[0]}},
				"search order":  {fieldportal.JobFilter{Search: "po-c"}, []string{made[2]}},
				"kind and site": {fieldportal.JobFilter{Kind: fieldportal.JobService, SiteID: s1.ID}, []string{made[0]}},
				"contractor":    {fieldportal.JobFilter{ContractorID: "nobody"}, nil},
			} {
				t.Run(name, func(t *testing.T) {
					if diff := cmp.Diff(c.want, jobIDs(c.f)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("counts", func(t *testing.T) {
			n, err := db.CountJobs(ctx, lv, fieldportal.JobService, []fieldportal.JobStage{fieldportal.StagePending, fieldportal.StageScheduled, fieldportal.StageInProgress})
			if err != nil || n != 1 {
				t.Errorf("open service = %d, %v; want 1", n, err)
			}
			n, err = db.CountJobs(ctx, lv, "", nil)
			if err != nil || n != 5 {
				t.Errorf("all = %d, %v; want 5", n, err)
			}
		})
		t.Run("updated since orders by update for sync", func(t *testing.T) {
			db.Now = func() time.Time { return time.Now().Add(time.Hour) }
			defer func() { db.Now = time.Now }()
			j, err := db.FindJobByID(ctx, lv, made[1])
			if err != nil {
				t.Fatal(err)
			}
			j.Stage = fieldportal.StageInProgress
			if err := db.UpdateJob(ctx, lv, j); err != nil {
				t.Fatal(err)
			}
			got := jobIDs(fieldportal.JobFilter{UpdatedSince: time.Now().Add(time.Minute)})
			if diff := cmp.Diff([]string{made[1]}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			all := jobIDs(fieldportal.JobFilter{UpdatedSince: time.Now().Add(-time.Hour)})
			if len(all) != 5 || all[4] != made[1] {
				t.Errorf("sync order %v: the updated job must come last", all)
			}
		})
		t.Run("another organisation and anonymous see nothing", func(t *testing.T) {
			for _, v := range []fieldportal.Viewer{w.OtherStaff, {}, fieldportal.NewContactViewer(org.ID, fieldportal.ContactGrants{}, fieldportal.Settings{})} {
				page, _, err := db.FindJobs(ctx, v, fieldportal.JobFilter{})
				if err == nil && len(page) != 0 {
					t.Errorf("viewer %v sees %d jobs", v.Kind(), len(page))
				}
				if _, err := db.FindJobByID(ctx, v, made[0]); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("viewer %v: find err = %v", v.Kind(), err)
				}
			}
		})
		t.Run("upsert by external id", func(t *testing.T) {
			j := &fieldportal.Job{ExternalID: "BO-1", SiteID: s1.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "first"}
			created, err := db.UpsertJobByExternalID(ctx, lv, j)
			if err != nil || !created {
				t.Fatalf("created %v, %v", created, err)
			}
			again := &fieldportal.Job{ExternalID: "BO-1", SiteID: s1.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete, Description: "second"}
			created, err = db.UpsertJobByExternalID(ctx, lv, again)
			if err != nil || created {
				t.Fatalf("created %v, %v", created, err)
			}
			got, err := db.FindJobByID(ctx, lv, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Description != "second" || got.Number != j.Number || got.CompletedAt.IsZero() {
				t.Errorf("after upsert: %+v", got)
			}
			_, err = db.UpsertJobByExternalID(ctx, lv, &fieldportal.Job{SiteID: s1.ID})
			wantWorkCode(t, err, fieldportal.EINVALID, "external_id")
		})

		t.Run("contact", func(t *testing.T) {
			branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			head := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil)
			serviceOnly := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, fieldportal.Modules{fieldportal.ModuleService})
			atA := mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobInstall, Stage: fieldportal.StageScheduled})

			t.Run("books a job as pending, ignoring operator fields", func(t *testing.T) {
				j := &fieldportal.Job{
					SiteID: w.SiteB.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete, Number: "MINE",
					Technician: "Me", ContractorID: w.Contractor, ExternalID: "X", Description: "Door closer broken",
					PreferredWindow: "pm", AssetIDs: []string{w.AssetB},
					Items: []fieldportal.JobItem{{ItemID: w.ItemID, Quantity: 3, UnitPrice: 1, Description: "cheap"}},
				}
				mustWorkJob(t, db, branch, j)
				got, err := db.FindJobByID(ctx, branch, j.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Stage != fieldportal.StagePending || !got.CreatedInPortal || got.RequestedBy != branch.ContactID ||
					got.Technician != "" || got.ContractorID != "" || got.ExternalID != "" || got.Number == "MINE" {
					t.Errorf("portal job kept operator fields: %+v", got)
				}
				it := got.Items[0]
				if it.Code != "EXT-6" || it.Description != "6kg extinguisher" || it.UnitPrice != 4500 || it.Total != 13500 {
					t.Errorf("item not priced from the catalogue: %+v", it)
				}
				if diff := cmp.Diff([]string{w.AssetB}, got.AssetIDs); diff != "" {
					t.Errorf("assets (-want +got):\n%s", diff)
				}
			})
			t.Run("cannot book at a site it does not reach", func(t *testing.T) {
				err := db.CreateJob(ctx, branch, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService})
				wantWorkCode(t, err, fieldportal.EINVALID, "site_id")
			})
			t.Run("cannot pick an item outside the catalogue", func(t *testing.T) {
				err := db.CreateJob(ctx, branch, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService, Items: []fieldportal.JobItem{{ItemID: "nope", Quantity: 1}}})
				wantWorkCode(t, err, fieldportal.EINVALID, "items")
			})
			t.Run("cannot book when the action is hidden", func(t *testing.T) {
				v := branch
				v.HiddenActions = []fieldportal.Action{fieldportal.ActionBookJob}
				wantWorkCode(t, db.CreateJob(ctx, v, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService}), fieldportal.EFORBIDDEN)
			})
			t.Run("sees only jobs of reachable sites", func(t *testing.T) {
				if _, err := db.FindJobByID(ctx, branch, atA.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("child contact reads parent's job: %v", err)
				}
				if _, err := db.FindJobByID(ctx, head, atA.ID); err != nil {
					t.Errorf("parent contact cannot read its job: %v", err)
				}
				n, err := db.CountJobs(ctx, branch, "", nil)
				if err != nil || n != 1 {
					t.Errorf("child contact counts %d, %v; want 1", n, err)
				}
				page, _, err := db.FindJobs(ctx, head, fieldportal.JobFilter{})
				if err != nil || len(page) < 2 {
					t.Errorf("parent contact lists %d, %v", len(page), err)
				}
			})
			t.Run("module decides which kinds are visible", func(t *testing.T) {
				if _, err := db.FindJobByID(ctx, serviceOnly, atA.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("install job visible without the install module: %v", err)
				}
				page, _, err := db.FindJobs(ctx, serviceOnly, fieldportal.JobFilter{})
				if err != nil {
					t.Fatal(err)
				}
				for _, j := range page {
					if j.Kind != fieldportal.JobService {
						t.Errorf("listed %s job", j.Kind)
					}
				}
				_, _, err = db.FindJobs(ctx, serviceOnly, fieldportal.JobFilter{Kind: fieldportal.JobInstall})
				wantWorkCode(t, err, fieldportal.ENOTFOUND)
			})
			t.Run("cannot update", func(t *testing.T) {
				atA.Description = "changed"
				wantWorkCode(t, db.UpdateJob(ctx, head, atA), fieldportal.EFORBIDDEN)
				_, err := db.UpsertJobByExternalID(ctx, head, &fieldportal.Job{ExternalID: "Z"})
				wantWorkCode(t, err, fieldportal.EFORBIDDEN)
			})
		})
	})
}
