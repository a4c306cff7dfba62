package sqlstore

import (
	"context"
	"fmt"
	"strings"
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
	out := &fieldportal.Dashboard{Now: now}
	// Every count below asks whether the viewer reaches few sites: once.
	// A contact who sees every site of its customers reads its subtree's
	// tallies, whose site count answers that too (usesTallies), with its
	// invoice summary in the same statement.
	var tally []int // the tallies' sums, in the order of tallyColumns
	var summary fieldportal.InvoiceSummary
	invoices := v.CanUse(fieldportal.ModuleInvoices)
	tallied := false
	if v.IsContact() && !v.SeesWholeOrg() && v.SiteAccess == fieldportal.SiteAccessAll {
		few, known := ctx.Value(fewSitesKey{}).(bool) // tests set it (AsManySites)
		if !known || !few {
			if tally, summary, err = d.readTallies(ctx, v, invoices, fieldportal.DateOf(now)); err != nil {
				return nil, fmt.Errorf("tallies: %w", err)
			}
		}
		tallied = !few
		if !known {
			tallied = tally[0] > fewSites
			ctx = context.WithValue(ctx, fewSitesKey{}, !tallied)
		}
	} else if ctx, err = d.withFewSites(ctx, v); err != nil {
		return nil, err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, err
	}
	// Untallied, the counts are sub-queries of one statement, the
	// viewer's reach written once: a one-site contact's dashboard was ten
	// statements, each a round trip to PostgreSQL (issue 15).
	var q query
	var subs []string
	var dests []**int
	count := func(m fieldportal.Module, dst **int, i int, what string, build func() (string, error)) error {
		if !v.CanUse(m) {
			return nil
		}
		if tallied {
			n := tally[i]
			*dst = &n
			return nil
		}
		sub, err := build()
		if err != nil {
			return fmt.Errorf("count %s: %w", what, err)
		}
		subs, dests = append(subs, sub), append(dests, dst)
		return nil
	}
	for _, err := range []error{
		count(fieldportal.ModuleSites, &out.Sites, 0, "sites", func() (string, error) { return siteCount(&q, v) }),
		count(fieldportal.ModuleIssues, &out.OpenIssues, 1, "issues", func() (string, error) {
			return issueCount(&q, v, few, fieldportal.IssueOpen)
		}),
		count(fieldportal.ModuleService, &out.OpenService, 2, "service orders", func() (string, error) {
			return jobCount(&q, v, few, fieldportal.JobService, openStages)
		}),
		count(fieldportal.ModuleInstall, &out.OpenInstall, 3, "install orders", func() (string, error) {
			return jobCount(&q, v, few, fieldportal.JobInstall, openStages)
		}),
		count(fieldportal.ModuleQuotes, &out.OutstandingQuotes, 4, "quotes", func() (string, error) {
			return quoteCount(&q, v, few, []fieldportal.QuoteStage{fieldportal.QuoteOutstanding})
		}),
	} {
		if err != nil {
			return nil, err
		}
	}
	if v.CanUse(fieldportal.ModuleCertificates) {
		// Certificates expiring soon depend on the day, so no tally keeps
		// them: a capped count of one range of expiry dates (issue 18).
		sub, err := expiringCount(&q, v, few, fieldportal.DateOf(now))
		if err != nil {
			return nil, fmt.Errorf("count certificates: %w", err)
		}
		subs, dests = append(subs, sub), append(dests, &out.ExpiringCertificates)
	}
	if len(subs) > 0 {
		n := make([]int, len(subs))
		scan := make([]any, len(n))
		for i := range n {
			scan[i] = &n[i]
		}
		if err := d.db.QueryRowContext(ctx, q.prefix()+"SELECT "+strings.Join(subs, ", "), q.args...).Scan(scan...); err != nil {
			return nil, fmt.Errorf("counts: %w", err)
		}
		for i, dst := range dests {
			*dst = &n[i]
		}
	}
	if invoices {
		sum := summary // read with the tallies
		if !tallied {
			if sum, err = d.InvoiceSummary(ctx, v, fieldportal.DateOf(now)); err != nil {
				return nil, fmt.Errorf("invoice summary: %w", err)
			}
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
		jobs, _, err := d.findJobs(ctx, v, fieldportal.JobFilter{Page: fieldportal.Page{Limit: 5}, RecentlyChanged: true}, false)
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
	// Through the organisation cache, as the host and the settings are.
	zone, ok := d.orgs.zone(orgID)
	if !ok {
		gen := d.orgs.generation()
		if err := d.db.QueryRowContext(ctx, `SELECT time_zone FROM organisations WHERE id = $1`, orgID).Scan(&zone); err != nil {
			return time.Time{}, sqlErr(err, "organisation")
		}
		d.orgs.putZone(gen, orgID, zone)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		d.logger.WarnContext(ctx, "unknown time zone", "org", orgID, "zone", zone, "err", err)
		loc = time.UTC
	}
	return d.Now().In(loc), nil
}
