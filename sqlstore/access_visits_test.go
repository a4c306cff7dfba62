package sqlstore_test

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// visitRows are the write matrix's rows of issue 22's visit status and
// feedback: the technician's photo, the staff profile, the ratings.
func (w *writeWorld) visitRows() []writeRow {
	ctx, db := w.ctx, w.db
	staffID := func(target string) string {
		if id, ok := w.staffID[target]; ok {
			return id
		}
		return w.ghostID
	}
	// Each organisation's clerk has a photo: its hash by organisation.
	photoOf := once(func(t *testing.T, org string) string {
		clerk := map[string]string{"A": "clerk", "B": "otherclerk"}[org]
		orgID := map[string]string{"A": w.orgA, "B": w.orgB}[org]
		if err := db.SetStaffProfile(ctx, fieldportal.SystemViewer(orgID, "test"), fieldportal.StaffProfile{StaffID: staffID(clerk),
			DisplayName: "Clerk " + org, Photo: []byte("\x89PNG photo of " + org), PhotoType: "image/png"}); err != nil {
			t.Fatal(err)
		}
		u, err := db.FindStaffByID(ctx, orgID, staffID(clerk))
		if err != nil {
			t.Fatal(err)
		}
		return u.Photo
	})
	// A visit at each site whose technician is a staff user of its own,
	// with a photo: the staff user and the photo's hash.
	type face struct{ staffID, sha string }
	visitAt := once(func(t *testing.T, target string) face {
		if target == ghost {
			return face{w.ghostID, "0"}
		}
		sys := w.sysOf(target)
		u := &fieldportal.StaffUser{Email: "tech" + w.next() + "@op.test", Name: "Tech " + target, Role: fieldportal.RoleStaff}
		if err := db.CreateStaffUser(ctx, sys, u); err != nil {
			t.Fatal(err)
		}
		if err := db.SetStaffProfile(ctx, sys, fieldportal.StaffProfile{StaffID: u.ID, Photo: []byte("\x89PNG photo at " + target),
			PhotoType: "image/png"}); err != nil {
			t.Fatal(err)
		}
		a := &fieldportal.Appointment{SiteID: w.siteID(target), StartsAt: writeAppointmentAt, EndsAt: writeAppointmentAt.Add(time.Hour),
			TechnicianStaffID: u.ID, Description: "Visit " + w.next()}
		if err := db.CreateAppointment(ctx, sys, a); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindStaffByID(ctx, w.orgOf(target), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		return face{u.ID, got.Photo}
	})
	// A job at the site, with a done visit: fresh for each attempt, as a
	// visit is rated once. Every contact of the world has the job role.
	jobContacts := once(func(t *testing.T, _ string) bool {
		if _, err := db.SQL().Exec(`UPDATE contacts SET job_contact = TRUE`); err != nil {
			t.Fatal(err)
		}
		return true
	})
	doneVisit := func(t *testing.T, target string) (jobID, visitID string) {
		jobContacts(t, "")
		if target == ghost {
			return w.ghostID, w.ghostID
		}
		j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Job " + w.next()}
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		a := &fieldportal.Appointment{SiteID: j.SiteID, JobID: j.ID, StartsAt: writeAppointmentAt, EndsAt: writeAppointmentAt.Add(time.Hour),
			Technician: "Tech " + w.next(), Status: fieldportal.VisitDone}
		w.made(t, target, &a.ID, func(v fieldportal.Viewer) error { return db.CreateAppointment(ctx, v, a) })
		return j.ID, a.ID
	}
	jobAt := once(func(t *testing.T, target string) string {
		id, _ := doneVisit(t, target)
		return id
	})
	staffTarget := func(kind, target string) outcome {
		if a := actors[kind]; a.staff && inOrg(a, target) {
			return succeeds
		}
		return notFound
	}
	return []writeRow{
		{
			// The photo of a technician of a visit the viewer can see;
			// the photo's owner is no customer record, so out of reach is
			// not found.
			name: "FindTechnicianPhoto", covers: []string{"DiaryService.FindTechnicianPhoto"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				f := visitAt(t, target)
				_, _, err := db.FindTechnicianPhoto(ctx, v, f.staffID, f.sha)
				return nil, err
			},
			want: inModule(atSite),
		},
		{
			// Staff read the photos of their organisation's staff.
			name: "FindStaffPhoto", covers: []string{"StaffService.FindStaffPhoto"}, targets: []string{"clerk", "otherclerk", ghost},
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				sha := "0"
				if target != ghost {
					sha = photoOf(t, targetOrg[target])
				}
				_, _, err := db.FindStaffPhoto(ctx, v, staffID(target), sha)
				return nil, err
			},
			want: staffTarget,
		},
		{
			// A staff user changes its own profile, an admin anyone's of
			// the organisation.
			name: "SetStaffProfile", covers: []string{"StaffService.SetStaffProfile"}, targets: []string{"desk", "clerk", "otherclerk", ghost},
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.SetStaffProfile(ctx, v, fieldportal.StaffProfile{StaffID: staffID(target), DisplayName: "Shown " + w.next()}))
			},
			want: func(kind, target string) outcome {
				a := actors[kind]
				switch {
				case kind == "staff" && target == "desk":
					return succeeds
				case !a.admin:
					return forbidden
				case inOrg(a, target):
					return succeeds
				}
				return notFound
			},
		},
		{
			// A job contact who can see the job rates its done visit;
			// staff are refused (they have the ratings page).
			name: "LeaveFeedback", covers: []string{"DiaryService.LeaveFeedback"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				jobID, visitID := doneVisit(t, target)
				return justErr(db.LeaveFeedback(ctx, v, &fieldportal.VisitFeedback{JobID: jobID, AppointmentID: visitID, Rating: 4}))
			},
			want: func(kind, target string) outcome {
				if actors[kind].staff {
					return forbidden
				}
				return inModule(atSite)(kind, target)
			},
		},
		{
			name: "FindJobFeedback", covers: []string{"DiaryService.FindJobFeedback"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.FindJobFeedback(ctx, v, jobAt(t, target)))
			},
			want: inModule(atSite),
		},
		{
			name: "FindFeedback", covers: []string{"DiaryService.FindFeedback"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, _, err := db.FindFeedback(ctx, v, fieldportal.FeedbackFilter{})
				for _, f := range l {
					if f.OrgID != v.OrgID {
						t.Errorf("%s sees a rating of another organisation", v.Name)
					}
				}
				return nil, err
			},
			want: operatorOnly(own, notFound),
		},
		{
			name: "SummariseFeedback", covers: []string{"DiaryService.SummariseFeedback"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(db.SummariseFeedback(ctx, v))
			},
			want: operatorOnly(own, notFound),
		},
	}
}
