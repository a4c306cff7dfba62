package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestAppointments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		day := time.Date(2025, 5, 12, 0, 0, 0, 0, time.UTC)
		at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
		appt := func(site string, from, to int, tech string) *fieldportal.Appointment {
			t.Helper()
			a := &fieldportal.Appointment{SiteID: site, StartsAt: at(from), EndsAt: at(to), Technician: tech}
			if err := db.CreateAppointment(ctx, staff, a); err != nil {
				t.Fatalf("create appointment: %v", err)
			}
			return a
		}
		job := mustWorkJob(t, db, staff, &fieldportal.Job{SiteID: w.SiteB.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled})

		t.Run("create and find round trip", func(t *testing.T) {
			a := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: job.ID, StartsAt: at(9).In(time.FixedZone("X", 3600)),
				EndsAt: at(10), Technician: "Sam", Description: "Annual service", ExternalID: "A-1"}
			if err := db.CreateAppointment(ctx, staff, a); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindAppointmentByID(ctx, staff, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			a.SiteName = w.SiteB.Name
			if diff := cmp.Diff(a, got); diff != "" {
				t.Errorf("appointment differs (-want +got):\n%s", diff)
			}
		})
		t.Run("update and find round trip", func(t *testing.T) {
			a := &fieldportal.Appointment{SiteID: w.SiteB.ID, JobID: job.ID, StartsAt: at(60), EndsAt: at(61),
				Technician: "Sam", Description: "First visit", ExternalID: "A-2"}
			if err := db.CreateAppointment(ctx, staff, a); err != nil {
				t.Fatal(err)
			}
			// Every written column changes; moving to site A takes its customer.
			a.SiteID, a.JobID, a.CustomerID = w.SiteA.ID, "", ""
			a.StartsAt, a.EndsAt = at(62), at(64)
			a.Technician, a.Description, a.ExternalID = "Jo", "Second visit", "A-2b"
			if err := db.UpdateAppointment(ctx, staff, a); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindAppointmentByID(ctx, staff, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.CustomerID != w.Parent.ID {
				t.Errorf("customer = %q, want site A's %q", a.CustomerID, w.Parent.ID)
			}
			a.SiteName = w.SiteA.Name
			if diff := cmp.Diff(a, got); diff != "" {
				t.Errorf("appointment differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid appointment names the field", func(t *testing.T) {
			err := db.CreateAppointment(ctx, staff, &fieldportal.Appointment{SiteID: w.SiteA.ID, StartsAt: at(10), EndsAt: at(9)})
			wantWorkCode(t, err, fieldportal.EINVALID, "ends_at")
			err = db.CreateAppointment(ctx, staff, &fieldportal.Appointment{SiteID: w.SiteA.ID, JobID: job.ID, StartsAt: at(9), EndsAt: at(10)})
			wantWorkCode(t, err, fieldportal.EINVALID, "job_id")
		})
		t.Run("overlap", func(t *testing.T) {
			first := appt(w.SiteA.ID, 13, 15, "Alex")
			t.Run("clash is refused by default", func(t *testing.T) {
				err := db.CreateAppointment(ctx, staff, &fieldportal.Appointment{SiteID: w.SiteB.ID, StartsAt: at(14), EndsAt: at(16), Technician: "Alex"})
				wantWorkCode(t, err, fieldportal.ECONFLICT)
			})
			t.Run("touching and other technicians are fine", func(t *testing.T) {
				appt(w.SiteB.ID, 15, 16, "Alex")
				appt(w.SiteB.ID, 14, 15, "Jo")
				appt(w.SiteB.ID, 14, 15, "")
			})
			t.Run("moving an appointment does not clash with itself", func(t *testing.T) {
				first.EndsAt = at(15).Add(-30 * time.Minute)
				if err := db.UpdateAppointment(ctx, staff, first); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("finds the overlapping ones", func(t *testing.T) {
				got, err := db.FindOverlappingAppointments(ctx, staff, "Alex", at(14), at(16), "")
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 2 || got[0].ID != first.ID {
					t.Errorf("overlapping: %d", len(got))
				}
				got, err = db.FindOverlappingAppointments(ctx, staff, "Alex", at(14), at(16), first.ID)
				if err != nil || len(got) != 1 {
					t.Errorf("excluding the moved one: %d, %v", len(got), err)
				}
				got, err = db.FindOverlappingAppointments(ctx, w.OtherStaff, "Alex", at(14), at(16), "")
				if err != nil || len(got) != 0 {
					t.Errorf("other organisation sees %d, %v", len(got), err)
				}
			})
			t.Run("allowed by the setting", func(t *testing.T) {
				s, err := db.FindSettings(ctx, w.Org.ID)
				if err != nil {
					t.Fatal(err)
				}
				s.DiaryOverlap = true
				if err := db.UpdateSettings(ctx, staff, s); err != nil {
					t.Fatal(err)
				}
				appt(w.SiteB.ID, 13, 14, "Alex")
			})
		})

		t.Run("lists, ranges and paging", func(t *testing.T) {
			org := MustOrg(t, db, "Diary Ltd")
			lv := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
			s1 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
			var made []string
			for _, h := range []int{30, 8, 8, 50, 20} {
				a := &fieldportal.Appointment{SiteID: s1.ID, StartsAt: at(h), EndsAt: at(h + 2)}
				if h == 50 {
					a.Technician = "U"
				}
				if err := db.CreateAppointment(ctx, lv, a); err != nil {
					t.Fatal(err)
				}
				made = append(made, a.ID)
			}
			ids := func(f fieldportal.AppointmentFilter) []string {
				t.Helper()
				return workPages(t, func(after string) ([]*fieldportal.Appointment, string, error) {
					f.Page = fieldportal.Page{After: after, Limit: 2}
					return db.FindAppointments(ctx, lv, f)
				}, func(a *fieldportal.Appointment) string { return a.ID })
			}
			byStart := []string{made[1], made[2], made[4], made[0], made[3]}
			if made[2] < made[1] {
				byStart[0], byStart[1] = made[2], made[1]
			}
			if diff := cmp.Diff(byStart, ids(fieldportal.AppointmentFilter{})); diff != "" {
				t.Errorf("start order (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{made[4], made[0]}, ids(fieldportal.AppointmentFilter{From: at(21), To: at(31)})); diff != "" {
				t.Errorf("range keeps the one running across From (-want +got):\n%s", diff)
			}
			// A contact of many sites reads the running ones and the later
			// ones apart (nextAppointments), one of few its sites' own
			// appointments; the pages are the same, and staff's.
			contact := mustWorkContact(t, db, org.ID, cust.ID, nil)
			for _, c := range []struct {
				name string
				ctx  context.Context
				v    fieldportal.Viewer
			}{{"staff", ctx, lv}, {"contact of few sites", ctx, contact}, {"contact of many sites", sqlstore.AsManySites(ctx), contact}} {
				from := func(f fieldportal.AppointmentFilter) []string {
					t.Helper()
					return workPages(t, func(after string) ([]*fieldportal.Appointment, string, error) {
						f.Page = fieldportal.Page{After: after, Limit: 2}
						return db.FindAppointments(c.ctx, c.v, f)
					}, func(a *fieldportal.Appointment) string { return a.ID })
				}
				if diff := cmp.Diff([]string{made[4], made[0], made[3]}, from(fieldportal.AppointmentFilter{From: at(21)})); diff != "" {
					t.Errorf("%s: from a time, the running one first (-want +got):\n%s", c.name, diff)
				}
				if diff := cmp.Diff([]string{made[4], made[0]}, from(fieldportal.AppointmentFilter{From: at(21), To: at(31)})); diff != "" {
					t.Errorf("%s: a range (-want +got):\n%s", c.name, diff)
				}
				if diff := cmp.Diff(byStart, from(fieldportal.AppointmentFilter{From: at(7)})); diff != "" {
					t.Errorf("%s: from before the first (-want +got):\n%s", c.name, diff)
				}
				if diff := cmp.Diff([]string(nil), from(fieldportal.AppointmentFilter{From: at(60)})); diff != "" {
					t.Errorf("%s: from after the last (-want +got):\n%s", c.name, diff)
				}
			}
			if diff := cmp.Diff([]string{made[3]}, ids(fieldportal.AppointmentFilter{Technician: "U"})); diff != "" {
				t.Errorf("technician (-want +got):\n%s", diff)
			}
		})

		t.Run("upsert by external id", func(t *testing.T) {
			a := &fieldportal.Appointment{ExternalID: "BA-1", SiteID: w.SiteA.ID, StartsAt: at(100), EndsAt: at(101), Technician: "Alex"}
			if created, err := db.UpsertAppointmentByExternalID(ctx, staff, a); err != nil || !created {
				t.Fatalf("created %v, %v", created, err)
			}
			b := &fieldportal.Appointment{ExternalID: "BA-1", SiteID: w.SiteA.ID, StartsAt: at(102), EndsAt: at(103), Technician: "Alex"}
			if created, err := db.UpsertAppointmentByExternalID(ctx, staff, b); err != nil || created || b.ID != a.ID {
				t.Fatalf("created %v, %v", created, err)
			}
			db.Now = func() time.Time { return time.Now().Add(time.Hour) }
			defer func() { db.Now = time.Now }()
			b.Description = "moved"
			if _, err := db.UpsertAppointmentByExternalID(ctx, staff, b); err != nil {
				t.Fatal(err)
			}
			page, _, err := db.FindAppointments(ctx, staff, fieldportal.AppointmentFilter{UpdatedSince: time.Now().Add(time.Minute)})
			if err != nil || len(page) != 1 || page[0].Description != "moved" {
				t.Errorf("updated since: %d, %v", len(page), err)
			}
		})

		t.Run("contact", func(t *testing.T) {
			branch := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil)
			noDiary := mustWorkContact(t, db, w.Org.ID, w.Child.ID, fieldportal.Modules{fieldportal.ModuleService})
			atA := appt(w.SiteA.ID, 200, 201, "")
			atB := appt(w.SiteB.ID, 200, 201, "")
			if _, err := db.FindAppointmentByID(ctx, branch, atA.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("unreachable appointment: %v", err)
			}
			if _, err := db.FindAppointmentByID(ctx, branch, atB.ID); err != nil {
				t.Errorf("reachable appointment: %v", err)
			}
			if _, err := db.FindAppointmentByID(ctx, noDiary, atB.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("without the diary module: %v", err)
			}
			page, _, err := db.FindAppointments(ctx, branch, fieldportal.AppointmentFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page {
				if a.SiteID != w.SiteB.ID {
					t.Errorf("contact lists an appointment at %s", a.SiteName)
				}
			}
			page, _, err = db.FindAppointments(ctx, fieldportal.Viewer{}, fieldportal.AppointmentFilter{})
			if err == nil && len(page) != 0 {
				t.Errorf("anonymous sees %d", len(page))
			}
			wantWorkCode(t, db.CreateAppointment(ctx, branch, &fieldportal.Appointment{SiteID: w.SiteB.ID, StartsAt: at(1), EndsAt: at(2)}), fieldportal.EFORBIDDEN)
		})
	})
}
