package bench

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The reports' entries (issue 18): the PPM grid of the parent's busiest
// site for the current report year, a cell's details, the current defects
// and the test history of every site, with their CSVs and PDFs.

// reportIDs are the reports' records, found by discoverReports.
type reportIDs struct {
	// Site is the parent's site with the most assets of the first sites
	// of its list; Type its most common asset type.
	Site, Type string
}

// reportsOf returns the store's reports (the store answers them with its
// equipment).
func reportsOf(s server.Services) (fieldportal.ReportService, error) {
	r, ok := s.Equipment.(fieldportal.ReportService)
	if !ok {
		return nil, fmt.Errorf("the equipment service does not answer the reports")
	}
	return r, nil
}

// discoverReports finds the busiest of the parent's first fifty sites.
func discoverReports(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	sites, _, err := svc.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 50}})
	if err != nil {
		return fmt.Errorf("the parent's sites: %w", err)
	}
	most := -1
	for _, s := range sites {
		list, _, err := svc.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{SiteID: s.ID, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
		if err != nil {
			return fmt.Errorf("the assets of a site: %w", err)
		}
		if len(list) > most {
			most, ids.Reports.Site = len(list), s.ID
			count := map[string]int{}
			ids.Reports.Type = ""
			for _, a := range list {
				count[a.Type]++
				if ids.Reports.Type == "" || count[a.Type] > count[ids.Reports.Type] {
					ids.Reports.Type = a.Type
				}
			}
		}
	}
	return nil
}

// reportYear is the current report year in the organisation's zone, and
// the week before the current one (or week 1).
func reportYear(ids *IDs) (fieldportal.Date, int, int) {
	today := fieldportal.DateOf(time.Now().In(ids.OrgZone))
	w := fieldportal.WeekOf(today)
	return today, w.Year, max(w.N-1, 1)
}

// ppmPath is the PPM report of the busiest site, with extra query values.
func ppmPath(path string, cell bool) func(ids *IDs) string {
	return func(ids *IDs) string {
		_, year, week := reportYear(ids)
		v := url.Values{"year": {strconv.Itoa(year)}, "site": {ids.Reports.Site}}
		if cell {
			v.Set("week", strconv.Itoa(week))
			v.Set("type", ids.Reports.Type)
		}
		return path + "?" + v.Encode()
	}
}

// ppmSQL runs the PPM page's store calls: the grid, the site filter, the
// contracts and, for a cell, its jobs.
func ppmSQL(cell bool) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		r, err := reportsOf(s)
		if err != nil {
			return err
		}
		today, year, week := reportYear(ids)
		f := fieldportal.PPMFilter{Year: year, SiteID: ids.Reports.Site}
		if _, err := r.FindPPM(ctx, v, f, today); err != nil {
			return err
		}
		if _, _, err := r.FindReportSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 30}}); err != nil {
			return err
		}
		if _, _, err := r.FindReportChoices(ctx, v, ids.Reports.Site); err != nil {
			return err
		}
		if cell {
			_, err = r.FindPPMJobs(ctx, v, f, ids.Reports.Type, fieldportal.WeeksIn(year)[week-1], false)
		}
		return err
	}
}

// reportListSQL runs a list report's first page and its site filter.
func reportListSQL(tests bool) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		r, err := reportsOf(s)
		if err != nil {
			return err
		}
		if tests {
			_, _, err = r.FindTestHistory(ctx, v, fieldportal.AssetTestFilter{})
		} else {
			_, _, err = r.FindDefects(ctx, v, fieldportal.DefectFilter{})
		}
		if err != nil {
			return err
		}
		_, _, err = r.FindReportSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 30}})
		return err
	}
}

// testsYearPath is the test history of the busiest site this year.
func testsYearPath(path string) func(ids *IDs) string {
	return func(ids *IDs) string {
		_, year, _ := reportYear(ids)
		return path + "?" + url.Values{"site": {ids.Reports.Site}, "from": {fmt.Sprintf("%d-01-01", year)}}.Encode()
	}
}

// reportWalk reads every page of a list report, as its CSV does.
func reportWalk(tests bool, yearOfSite bool) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		r, err := reportsOf(s)
		if err != nil {
			return err
		}
		after := ""
		for {
			page := fieldportal.Page{After: after, Limit: fieldportal.MaxLimit}
			if tests {
				f := fieldportal.AssetTestFilter{Page: page}
				if yearOfSite {
					_, year, _ := reportYear(ids)
					f.SiteID, f.From = ids.Reports.Site, fieldportal.Date{Year: year, Month: time.January, Day: 1}
				}
				_, after, err = r.FindTestHistory(ctx, v, f)
			} else {
				_, after, err = r.FindDefects(ctx, v, fieldportal.DefectFilter{Page: page})
			}
			if err != nil || after == "" {
				return err
			}
		}
	}
}
