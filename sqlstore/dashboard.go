package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
)

// openStages are the stages of a job that still counts as open work.
var openStages = []fieldportal.JobStage{fieldportal.StagePending, fieldportal.StageScheduled, fieldportal.StageInProgress}

// openStagesSQL is the condition "the job is at an open stage", the same
// text as the predicate of the partial index jobs_open_site.
const openStagesSQL = "j.stage IN ('pending', 'scheduled', 'in_progress')"

// Dashboard counts the portal's start page: only the modules the viewer
// may use are counted at all (SPEC §2.4), the others stay nil. Now is the
// store's clock in the organisation's time zone, whose date decides what
// is overdue.
func (d *DB) Dashboard(ctx context.Context, v fieldportal.Viewer) (*fieldportal.Dashboard, error) {
	now, err := d.orgNow(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	// Every count below asks whether the viewer reaches few sites: once.
	if ctx, err = d.withFewSites(ctx, v); err != nil {
		return nil, err
	}
	out := &fieldportal.Dashboard{Now: now}
	tallied, err := d.usesTallies(ctx, v)
	if err != nil {
		return nil, err
	}
	var tally []int // the tallies' sums, in the order of tallyColumns
	if tallied {
		if tally, err = d.readTallies(ctx, v); err != nil {
			return nil, fmt.Errorf("tallies: %w", err)
		}
	}
	// column i of the tallies, or fn: what each count reads.
	from := func(i int, fn func() (int, error)) func() (int, error) {
		if tallied {
			return func() (int, error) { return tally[i], nil }
		}
		return fn
	}
	count := func(m fieldportal.Module, dst **int, what string, fn func() (int, error)) error {
		if !v.CanUse(m) {
			return nil
		}
		n, err := fn()
		if err != nil {
			return fmt.Errorf("count %s: %w", what, err)
		}
		*dst = &n
		return nil
	}
	for _, err := range []error{
		count(fieldportal.ModuleSites, &out.Sites, "sites", from(0, func() (int, error) { return d.CountSites(ctx, v) })),
		count(fieldportal.ModuleIssues, &out.OpenIssues, "issues", from(1, func() (int, error) {
			return d.CountIssues(ctx, v, fieldportal.IssueOpen)
		})),
		count(fieldportal.ModuleService, &out.OpenService, "service orders", from(2, func() (int, error) {
			return d.CountJobs(ctx, v, fieldportal.JobService, openStages)
		})),
		count(fieldportal.ModuleInstall, &out.OpenInstall, "install orders", from(3, func() (int, error) {
			return d.CountJobs(ctx, v, fieldportal.JobInstall, openStages)
		})),
		count(fieldportal.ModuleQuotes, &out.OutstandingQuotes, "quotes", from(4, func() (int, error) {
			return d.CountQuotes(ctx, v, []fieldportal.QuoteStage{fieldportal.QuoteOutstanding})
		})),
	} {
		if err != nil {
			return nil, err
		}
	}
	if v.CanUse(fieldportal.ModuleInvoices) {
		sum, err := d.InvoiceSummary(ctx, v, fieldportal.DateOf(now))
		if err != nil {
			return nil, fmt.Errorf("invoice summary: %w", err)
		}
		out.UnpaidInvoices, out.Balance = &sum.Unpaid, &sum.Balance
	}
	if v.CanUse(fieldportal.ModuleDiary) {
		next, _, err := d.FindAppointments(ctx, v, fieldportal.AppointmentFilter{Page: fieldportal.Page{Limit: 5}, From: now})
		if err != nil {
			return nil, fmt.Errorf("next appointments: %w", err)
		}
		out.NextAppointments = append([]*fieldportal.Appointment{}, next...)
	}
	// Recent activity: the latest changes to the viewer's orders, of the
	// kinds it may use (FindJobs leaves out the others).
	if v.CanUse(fieldportal.ModuleService) || v.CanUse(fieldportal.ModuleInstall) {
		jobs, _, err := d.FindJobs(ctx, v, fieldportal.JobFilter{Page: fieldportal.Page{Limit: 5}, RecentlyChanged: true})
		if err != nil {
			return nil, fmt.Errorf("recent jobs: %w", err)
		}
		out.RecentJobs = append([]*fieldportal.Job{}, jobs...)
	}
	return out, nil
}

// orgNow is the store's clock in the organisation's time zone (UTC when
// the zone is unknown to this machine).
func (d *DB) orgNow(ctx context.Context, orgID string) (time.Time, error) {
	var zone string
	if err := d.db.QueryRowContext(ctx, `SELECT time_zone FROM organisations WHERE id = $1`, orgID).Scan(&zone); err != nil {
		return time.Time{}, sqlErr(err, "organisation")
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		d.logger.WarnContext(ctx, "unknown time zone", "org", orgID, "zone", zone, "err", err)
		loc = time.UTC
	}
	return d.Now().In(loc), nil
}
