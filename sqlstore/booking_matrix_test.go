package sqlstore_test

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// portalOnly is a workflow of the portal's own buttons: a contact that may
// use them acts within its reach and is told "not found" on the form's
// field elsewhere; staff (who have their own screens), a contact without
// the pages and the anonymous are refused.
func portalOnly(reaches func(actor, string) bool, hidden outcome) rule {
	return func(kind, target string) outcome {
		a := actors[kind]
		switch {
		case !a.contact || !a.pages:
			return forbidden
		case reaches(a, target):
			return succeeds
		}
		return hidden
	}
}

// bookingRows are the write matrix's rows of booking.go: Book a job,
// Request a quote, the windows offered, and staff scheduling.
func (w *writeWorld) bookingRows() []writeRow {
	ctx, db := w.ctx, w.db
	jobAt := once(func(t *testing.T, target string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Job " + w.next()}
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		return j
	})
	day := fieldportal.DateOf(time.Now().AddDate(0, 0, 3))
	return []writeRow{
		{
			name: "BookJob", covers: []string{"WorkService.BookJob"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.BookJob(ctx, v, &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService,
					Description: "Booked " + w.next()}, nil))
			},
			want: portalOnly(atSite, noSuch("site_id")),
		},
		{
			name: "RequestQuote", covers: []string{"WorkService.RequestQuote"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.RequestQuote(ctx, v, &fieldportal.Quote{SiteID: w.siteID(target), Description: "Requested " + w.next()}, nil))
			},
			want: portalOnly(atSite, noSuch("site_id")),
		},
		{
			// The windows of a site say only which are free; a site out of
			// reach is not found, as is any to a contact without the pages.
			name: "FindBookingWindows", covers: []string{"WorkService.FindBookingWindows"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.FindBookingWindows(ctx, v, w.siteID(target), day))
			},
			want: inModule(atSite),
		},
		{
			name: "ScheduleJob", covers: []string{"WorkService.ScheduleJob"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				start := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
				return scheduledOnly(db.ScheduleJob(ctx, v, fieldportal.JobSchedule{JobID: jobAt(t, target).ID, Technician: "Tech " + w.next(),
					Window: fieldportal.TimeWindow{Start: start, End: start.Add(time.Hour)}, PortalURL: "https://portal.test"}))
			},
			want: operatorOnly(atSite, notFound),
		},
	}
}

// scheduledOnly is errOnly for ScheduleJob, which also returns how many
// contacts it mailed.
func scheduledOnly(_ *fieldportal.Job, _ int, err error) ([]string, error) { return nil, err }
