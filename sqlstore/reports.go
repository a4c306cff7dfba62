package sqlstore

import (
	"context"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The reports of SPEC §4 (the Reports module): the PPM grid, the current
// defects and the test history. Each reads the assets of the viewer's
// scope (the asset's site, scope.go) and, for job numbers, the job's own
// site too, so a site contact learns nothing of another site from a cell.
//
// The PPM grid is one site's year: the store answers it with two
// aggregates (tests by asset type, day and result; assets due by asset
// type and day) over the site's assets (assets_site) and their tests
// (asset_tests_ppm, migration 195), a few hundred rows whatever the size
// of the organisation. A site is required: "every site" of a parent of
// 20,000 sites would aggregate a million tests a year.

// openJobStagesSQL are the stages of a job still to be done: an asset on
// one is due on the job's due date.
const openJobStagesSQL = `('pending', 'scheduled', 'in_progress')`

// FindReportSites lists the sites the viewer reaches, for the reports'
// site filter (f.Search narrows it by name).
func (d *DB) FindReportSites(ctx context.Context, v fieldportal.Viewer, f fieldportal.SiteFilter) ([]*fieldportal.Site, string, error) {
	if err := needModule(v, fieldportal.ModuleReports, "site"); err != nil {
		return nil, "", err
	}
	f.WithActivity = false
	return d.listSites(ctx, v, f)
}

// FindReportSite returns a site the viewer reaches, for the reports.
func (d *DB) FindReportSite(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Site, error) {
	if err := needModule(v, fieldportal.ModuleReports, "site"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findSite(ctx, v, id)
}

// FindReportChoices returns the asset types and the service levels
// (contracts) of a site's assets, for the reports' filters.
func (d *DB) FindReportChoices(ctx context.Context, v fieldportal.Viewer, siteID string) (types, contracts []string, err error) {
	if err := needModule(v, fieldportal.ModuleReports, "site"); err != nil {
		return nil, nil, err
	}
	for _, col := range []string{"a.asset_type", "a.service_level"} {
		var q query
		q.scopeSite(v, "a", "a.site_id")
		q.and("a.site_id = " + q.arg(siteID))
		q.and(col + " <> ''")
		rows, err := d.db.QueryContext(ctx, q.sql(`SELECT DISTINCT `+col+` FROM assets a`, "ORDER BY 1"), q.args...)
		if err != nil {
			return nil, nil, err
		}
		list, err := collect(rows, scanText)
		if err != nil {
			return nil, nil, err
		}
		if col == "a.asset_type" {
			types = list
		} else {
			contracts = list
		}
	}
	return types, contracts, nil
}

// ppmAssets adds the conditions on the assets of a PPM report: in scope,
// at the site, of the contract.
func ppmAssets(q *query, v fieldportal.Viewer, f fieldportal.PPMFilter) {
	q.scopeSite(v, "a", "a.site_id")
	q.and("a.site_id = " + q.arg(f.SiteID))
	if f.Contract != "" {
		q.and("a.service_level = " + q.arg(f.Contract))
	}
}

// reportSite checks that the report's site is one the viewer reaches: an
// unknown site is a message on the site filter, not an empty report.
func (d *DB) reportSite(ctx context.Context, v fieldportal.Viewer, siteID string) error {
	if _, err := d.FindReportSite(ctx, v, siteID); err != nil {
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			return fieldportal.FieldErrorf("site", "There is no such site among yours: choose one from the list.")
		}
		return err
	}
	return nil
}

// FindPPM returns the PPM grid of a year at a site as seen on today:
// the tests of the weeks before today's, and the assets due from today's
// week to the year's end.
func (d *DB) FindPPM(ctx context.Context, v fieldportal.Viewer, f fieldportal.PPMFilter, today fieldportal.Date) (*fieldportal.PPMGrid, error) {
	if err := needModule(v, fieldportal.ModuleReports, "report"); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	if err := d.reportSite(ctx, v, f.SiteID); err != nil {
		return nil, err
	}
	weeks := fieldportal.WeeksIn(f.Year)
	first, last := weeks[0].Start, weeks[len(weeks)-1].End
	cur := fieldportal.WeekOf(today).Start
	var days []fieldportal.PPMDay
	if pastEnd := minDate(cur, last.AddDays(1)); first.Before(pastEnd) {
		var q query
		ppmAssets(&q, v, f)
		q.and("t.tested_on >= " + q.arg(first))
		q.and("t.tested_on < " + q.arg(pastEnd))
		rows, err := d.db.QueryContext(ctx, q.sql(`SELECT a.asset_type, t.tested_on,
			SUM(CASE WHEN t.result = 'pass' THEN 1 ELSE 0 END), SUM(CASE WHEN t.result = 'fail' THEN 1 ELSE 0 END),
			SUM(CASE WHEN t.result = 'not_tested' THEN 1 ELSE 0 END)
			FROM assets a JOIN asset_tests t ON t.asset_id = a.id`, "GROUP BY a.asset_type, t.tested_on"), q.args...)
		if err != nil {
			return nil, err
		}
		past, err := collect(rows, func(r interface{ Scan(...any) error }) (fieldportal.PPMDay, error) {
			var x fieldportal.PPMDay
			return x, r.Scan(&x.AssetType, &x.Day, &x.Pass, &x.Fail, &x.Untested)
		})
		if err != nil {
			return nil, err
		}
		days = append(days, past...)
	}
	if futureFrom := maxDate(cur, first); !last.Before(futureFrom) {
		var q query
		ppmAssets(&q, v, f)
		q.and("a.status = 'active'")
		from, to := q.arg(futureFrom), q.arg(last)
		// An asset on an open job at its site is due on the job's due
		// date, else on its next service date. A job left at the site an
		// asset moved from does not count: it may be out of the viewer's
		// reach, and its date would show through the count.
		rows, err := d.db.QueryContext(ctx, q.prefix()+`SELECT x.asset_type, x.due, COUNT(*) FROM (SELECT a.asset_type,
			COALESCE((SELECT MIN(j.due_date) FROM job_assets ja JOIN jobs j ON j.id = ja.job_id
				WHERE ja.asset_id = a.id AND j.site_id = a.site_id AND j.stage IN `+openJobStagesSQL+` AND j.due_date IS NOT NULL), a.next_service_due) AS due
			FROM assets a`+q.whereSQL()+`) x WHERE x.due >= `+from+` AND x.due <= `+to+` GROUP BY x.asset_type, x.due`, q.args...)
		if err != nil {
			return nil, err
		}
		due, err := collect(rows, func(r interface{ Scan(...any) error }) (fieldportal.PPMDay, error) {
			var x fieldportal.PPMDay
			return x, r.Scan(&x.AssetType, &x.Day, &x.Due)
		})
		if err != nil {
			return nil, err
		}
		days = append(days, due...)
	}
	types, _, err := d.FindReportChoices(ctx, v, f.SiteID)
	if err != nil {
		return nil, err
	}
	if f.Contract != "" {
		types = nil // only the types the contract's assets have
	}
	return fieldportal.BuildPPM(f.Year, today, types, days), nil
}

// FindPPMJobs returns the numbers of the jobs behind one cell of the PPM
// grid: the jobs the week's tests of the type were done on (past), or the
// open jobs due that week its assets are on (future). Only jobs at sites
// the viewer reaches are named.
func (d *DB) FindPPMJobs(ctx context.Context, v fieldportal.Viewer, f fieldportal.PPMFilter, assetType string, w fieldportal.Week, future bool) (*fieldportal.PPMCellJobs, error) {
	if err := needModule(v, fieldportal.ModuleReports, "report"); err != nil {
		return nil, err
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	var q query
	ppmAssets(&q, v, f)
	if v.Kind() == fieldportal.ViewerContact && !v.SeesWholeOrg() {
		q.and(q.siteIDReachable("j.site_id"))
	}
	q.and("a.asset_type = " + q.arg(assetType))
	head := `SELECT DISTINCT j.number FROM assets a JOIN asset_tests t ON t.asset_id = a.id JOIN jobs j ON j.id = t.job_id`
	col := "t.tested_on"
	if future {
		head = `SELECT DISTINCT j.number FROM assets a JOIN job_assets ja ON ja.asset_id = a.id JOIN jobs j ON j.id = ja.job_id`
		col = "j.due_date"
		q.and("a.status = 'active' AND j.site_id = a.site_id AND j.stage IN " + openJobStagesSQL)
	}
	q.and(col + " >= " + q.arg(w.Start))
	q.and(col + " <= " + q.arg(w.End))
	rows, err := d.db.QueryContext(ctx, q.sql(head, "ORDER BY j.number LIMIT "+strconv.Itoa(fieldportal.PPMJobsMax+1)), q.args...)
	if err != nil {
		return nil, err
	}
	nums, err := collect(rows, scanText)
	if err != nil {
		return nil, err
	}
	out := &fieldportal.PPMCellJobs{Numbers: nums}
	if len(nums) > fieldportal.PPMJobsMax {
		out.Numbers, out.More = nums[:fieldportal.PPMJobsMax], true
	}
	return out, nil
}

// FindDefects lists the Current defects report a page at a time: each
// asset whose latest test (by tested_on, then id) failed and has not been
// rectified, with that test, the latest failures first. The failed,
// unrectified tests are few and have their own index (asset_tests_defects,
// migration 195), so every site of a parent costs a walk of those alone.
func (d *DB) FindDefects(ctx context.Context, v fieldportal.Viewer, f fieldportal.DefectFilter) ([]*fieldportal.AssetDefect, string, error) {
	if err := needModule(v, fieldportal.ModuleReports, "report"); err != nil {
		return nil, "", err
	}
	if f.SiteID != "" {
		if err := d.reportSite(ctx, v, f.SiteID); err != nil {
			return nil, "", err
		}
	}
	few := false
	if f.SiteID == "" {
		var err error
		if few, err = d.reachesFewSites(ctx, v); err != nil {
			return nil, "", err
		}
	}
	var q query
	q.scopeSite(v, "a", "a.site_id")
	if few {
		// A contact of a few sites: from their assets, not a walk of
		// the organisation's failures.
		q.onlyReachableSites("a.site_id")
	}
	q.and("t.org_id = " + q.arg(v.OrgID))
	if f.SiteID != "" {
		q.and("a.site_id = " + q.arg(f.SiteID))
	}
	if f.AssetType != "" {
		q.and("a.asset_type = " + q.arg(f.AssetType))
	}
	q.and("t.result = 'fail' AND t.rectified_at IS NULL")
	q.and(`NOT EXISTS (SELECT 1 FROM asset_tests l WHERE l.asset_id = t.asset_id
		AND (l.tested_on > t.tested_on OR (l.tested_on = t.tested_on AND l.id > t.id)))`)
	if err := q.keyset(f.After, true, "t.tested_on", "t.id"); err != nil {
		return nil, "", err
	}
	head := `SELECT ` + assetColumns + `, ` + assetTestColumns + ` FROM asset_tests t JOIN assets a ON a.id = t.asset_id
		JOIN sites s ON s.id = a.site_id`
	rows, err := d.db.QueryContext(ctx, q.sql(head, "ORDER BY t.tested_on DESC, t.id DESC"+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.AssetDefect, error) {
		x := &fieldportal.AssetDefect{Asset: &fieldportal.Asset{}, Test: &fieldportal.AssetTest{}}
		return x, r.Scan(append(assetDest(x.Asset), assetTestDest(x.Test)...)...)
	})
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(x *fieldportal.AssetDefect) string { return cursor(x.Test.TestedOn, x.Test.ID) })
	return list, next, nil
}

// FindTestHistory lists the Test history report: tests by site, asset
// type, date range and result, newest first, a page at a time (the list
// FindAssetTests makes, under the Reports module).
func (d *DB) FindTestHistory(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetTestFilter) ([]*fieldportal.AssetTest, string, error) {
	if err := needModule(v, fieldportal.ModuleReports, "report"); err != nil {
		return nil, "", err
	}
	if f.SiteID != "" {
		if err := d.reportSite(ctx, v, f.SiteID); err != nil {
			return nil, "", err
		}
	}
	f.AssetID, f.UpdatedSince = "", time.Time{}
	// A contact of a few sites has their tests read from their assets: a
	// walk of the organisation's 2,000,000 tests in date order would
	// pass every other site's first (204 ms for a site contact at small).
	few := false
	if f.SiteID == "" {
		var err error
		if few, err = d.reachesFewSites(ctx, v); err != nil {
			return nil, "", err
		}
	}
	return d.listAssetTests(ctx, v, f, few)
}

func minDate(a, b fieldportal.Date) fieldportal.Date {
	if a.Before(b) {
		return a
	}
	return b
}

func maxDate(a, b fieldportal.Date) fieldportal.Date {
	if a.After(b) {
		return a
	}
	return b
}
