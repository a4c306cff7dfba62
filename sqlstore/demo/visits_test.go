package demo

import (
	"bytes"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// TestGenerateVisits checks issue 22's demo data: where each visit stands,
// the technician on the way to the site contact, the reports, ratings,
// threads and the deposit quote.
func TestGenerateVisits(t *testing.T) {
	for _, now := range []time.Time{testNow, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)} {
		t.Run(now.Format(time.RFC3339), func(t *testing.T) { checkVisits(t, Generate(now)) })
	}
}

func checkVisits(t *testing.T, ds *Dataset) {
	staff := map[string]fieldportal.StaffUser{}
	for _, s := range ds.Staff {
		staff[s.User.ID] = s.User
	}
	photos := map[string]StaffPhoto{}
	for _, p := range ds.StaffPhotos {
		photos[p.StaffID] = p
		if _, ok := staff[p.StaffID]; !ok {
			t.Errorf("profile of %s, who is not a staff user", p.StaffID)
		}
		cfg, format, err := image.DecodeConfig(bytes.NewReader(p.Photo))
		if err != nil || format != "png" || cfg.Width != 96 || len(p.Photo) > fieldportal.StaffPhotoMax || p.DisplayName == "" {
			t.Errorf("profile of %s: %s %dx%d, %d bytes (%v), display name %q", p.StaffID, format, cfg.Width, cfg.Height, len(p.Photo), err, p.DisplayName)
		}
	}
	count := map[fieldportal.VisitStatus]int{}
	appt := map[string]fieldportal.Appointment{}
	var onTheWay []fieldportal.Appointment
	for _, a := range ds.Appointments {
		appt[a.ID] = a
		count[a.Status]++
		if err := fieldportal.CheckVisitMove("", &a); err != nil {
			t.Errorf("%s: %v", a.ID, err)
		}
		if u, ok := staff[a.TechnicianStaffID]; !ok || u.Name != a.Technician || photos[u.ID].Photo == nil {
			t.Errorf("%s: technician %q is not linked to a staff user with a photo (%q)", a.ID, a.Technician, a.TechnicianStaffID)
		}
		past := !a.EndsAt.After(ds.Now)
		switch a.Status {
		case fieldportal.VisitDone, fieldportal.VisitCancelled:
			if !past {
				t.Errorf("%s ends %v, after now, and is %s", a.ID, a.EndsAt, a.Status)
			}
		case fieldportal.VisitOnTheWay:
			onTheWay = append(onTheWay, a)
		default:
			if past {
				t.Errorf("%s ended %v and is still %s", a.ID, a.EndsAt, a.Status)
			}
		}
	}
	if count[fieldportal.VisitDone] < 10 || count[fieldportal.VisitCancelled] < 2 || count[fieldportal.VisitScheduled] < 10 {
		t.Errorf("visits by status: %v", count)
	}
	if len(onTheWay) != 1 {
		t.Fatalf("%d visits on the way, want 1", len(onTheWay))
	}
	if a := onTheWay[0]; a.SiteID != onTheWaySite || a.JobID == "" || a.ETA.Before(ds.Now) || a.ETA.After(ds.Now.Add(time.Hour)) {
		t.Errorf("on the way: %s at %s, job %q, ETA %v (now %v)", a.ID, a.SiteID, a.JobID, a.ETA, ds.Now)
	}

	if n := len(ds.Reports); n < 2 || n > 3 {
		t.Errorf("%d reports, want 2 or 3", n)
	}
	reportAt := map[string]bool{}
	for _, r := range ds.Reports {
		j := jobOf(ds, r.Report.JobID)
		if j == nil || j.Stage != fieldportal.StageComplete {
			t.Errorf("report of %s, not a completed job", r.Report.JobID)
			continue
		}
		reportAt[j.SiteID] = true
		if err := r.Report.Validate(); err != nil || r.Report.SignedBy == "" || len(r.Report.Parts) == 0 || r.Report.Notes == "" {
			t.Errorf("report of %s: %+v (%v)", j.ID, r.Report, err)
		}
		if n := len(r.Photos); n < 2 || n > 3 {
			t.Errorf("report of %s has %d photos", j.ID, n)
		}
		for _, p := range r.Photos {
			if _, format, err := image.DecodeConfig(bytes.NewReader(p.Data)); err != nil || format != "jpeg" || p.Caption == "" {
				t.Errorf("photo %s of %s: %s (%v)", p.Name, j.ID, format, err)
			}
		}
	}
	if !reportAt[onTheWaySite] {
		t.Errorf("the site contact's site has no visit report")
	}

	rated := map[string]bool{}
	for _, r := range ds.Ratings {
		f := r.Feedback
		a, ok := appt[f.AppointmentID]
		if !ok || a.Status != fieldportal.VisitDone || a.JobID != f.JobID || rated[a.ID] || f.Validate() != nil || r.Login == "" {
			t.Errorf("rating %+v of visit %+v", r, a)
		}
		rated[a.ID] = true
	}
	if len(ds.Ratings) < 5 {
		t.Errorf("%d ratings, want some", len(ds.Ratings))
	}

	if len(ds.Threads) != 2 {
		t.Fatalf("%d threads, want 2", len(ds.Threads))
	}
	answered, waiting := ds.Threads[0], ds.Threads[1]
	if len(answered) != 2 || answered[0].Login == "" || answered[1].Staff == "" || !answered[1].At.After(answered[0].At) {
		t.Errorf("answered thread %+v", answered)
	}
	if len(waiting) != 1 || waiting[0].Login == "" {
		t.Errorf("waiting thread %+v", waiting)
	}
	for _, th := range ds.Threads {
		for _, m := range th {
			if err := (&fieldportal.NewMessage{RecordKind: m.RecordKind, RecordID: m.RecordID, Body: m.Body}).Validate(); err != nil || m.At.After(ds.Now) {
				t.Errorf("message %+v: %v", m, err)
			}
		}
	}

	deposits := 0
	for _, q := range ds.Quotes {
		if q.DepositKind == "" {
			continue
		}
		deposits++
		if q.DepositKind != fieldportal.DepositPercent || q.DepositValue != 20 || q.Stage != fieldportal.QuoteOutstanding ||
			q.SiteID == "site-dental" || q.Deposit() <= 0 || q.Validate() != nil {
			t.Errorf("deposit quote %s: %s %d at %s, %s", q.ID, q.DepositKind, q.DepositValue, q.SiteID, q.Stage)
		}
	}
	if deposits != 1 {
		t.Errorf("%d quotes ask for a deposit, want 1", deposits)
	}
}

func jobOf(ds *Dataset, key string) *fieldportal.Job {
	for i := range ds.Jobs {
		if ds.Jobs[i].ID == key {
			return &ds.Jobs[i]
		}
	}
	return nil
}
