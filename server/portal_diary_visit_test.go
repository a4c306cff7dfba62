package server

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestPortalDiaryTechnicianPhoto: the diary shows the technician's photo
// beside their name, as the dashboard and the job do (issue 22), served
// at the same address under the same rule: a contact who cannot see any
// of the technician's visits does not get the face.
func TestPortalDiaryTechnicianPhoto(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		tech := f.addStaff("sam@example.test", fieldportal.RoleStaff)
		if err := db.SetStaffProfile(ctx, f.sys, fieldportal.StaffProfile{StaffID: tech.ID, DisplayName: "Sam <Reed>",
			Photo: tinyPNG(40, 40), PhotoType: "image/png"}); err != nil {
			t.Fatal(err)
		}
		job := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled, Description: "Service"}
		if err := db.CreateJob(ctx, f.sys, job); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
		for _, a := range []*fieldportal.Appointment{
			{SiteID: f.site["dock"].ID, JobID: job.ID, StartsAt: at, EndsAt: at.Add(time.Hour), TechnicianStaffID: tech.ID, Description: "With a face"},
			{SiteID: f.site["dock"].ID, StartsAt: at.Add(2 * time.Hour), EndsAt: at.Add(3 * time.Hour), Technician: "Text Only", Description: "Without"},
		} {
			if err := db.CreateAppointment(ctx, f.sys, a); err != nil {
				t.Fatal(err)
			}
		}
		child := f.browser()
		child.login("child@example.test", testPassword)
		res, body := child.get("/diary")
		wantStatus(t, "diary", res, body, http.StatusOK)
		cell := regexp.MustCompile(`<td data-label="Technician"><img class="avatar" src="(/technicians/` + tech.ID +
			`/photo/[0-9a-f]{64})" alt="" width="40" height="40"> Sam &lt;Reed&gt;</td>`).FindStringSubmatch(body)
		t.Run("the technician's photo is beside the name", func(t *testing.T) {
			if cell == nil {
				t.Fatalf("no photo beside the technician's name in the diary:\n%s", body)
			}
			if n := strings.Count(body, `class="avatar"`); n != 1 {
				t.Errorf("%d photos, want 1 (the visit without a staff user has none)", n)
			}
			if !strings.Contains(body, `<td data-label="Technician">Text Only</td>`) {
				t.Error("the technician in text lost its cell")
			}
		})
		if cell == nil {
			return
		}
		t.Run("the photo is served to the contact", func(t *testing.T) {
			res, img := child.get(cell[1])
			wantStatus(t, "photo", res, img, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); ct != "image/png" {
				t.Errorf("Content-Type = %q", ct)
			}
		})
		t.Run("a contact who sees none of the technician's visits does not get it", func(t *testing.T) {
			solo := f.browser()
			solo.login("solo@example.test", testPassword)
			res, body := solo.get(cell[1])
			wantStatus(t, "photo", res, body, http.StatusNotFound)
		})
	})
}
