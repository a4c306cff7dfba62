package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// The reports in the access matrix (issue 18 point 7): the defects, the
// test history, every cell and count of the PPM grid, the job numbers of
// a cell, and the sites and choices of the filters. The records are the
// asset tests row's (one failed, unrectified test of one asset, of a type
// named after its site, at every site), so every report of a viewer must
// name exactly the tests of the sites it reaches.
func (w *world) reportSiteBound(t *testing.T) []siteBound {
	ctx := context.Background()
	db := w.db
	sys := func(orgID string) fieldportal.Viewer { return fieldportal.SystemViewer(orgID, "test") }
	testAt, siteOfTest, testOfType := map[string]string{}, map[string]string{}, map[string]string{}
	// The asset tests row made the tests before this row's create runs.
	find := func(s *fieldportal.Site) string {
		if id, ok := testAt[s.ID]; ok {
			return id
		}
		l, _, err := db.FindAssetTests(ctx, sys(s.OrgID), fieldportal.AssetTestFilter{SiteID: s.ID})
		if err != nil || len(l) != 1 {
			t.Fatalf("tests at %s: %d, %v; want 1", s.Name, len(l), err)
		}
		testAt[s.ID], siteOfTest[l[0].ID], testOfType[l[0].AssetType] = l[0].ID, s.ID, l[0].ID
		return l[0].ID
	}
	// eachSite calls fn for every site of the fixture the viewer may ask
	// about; a site out of reach must be refused on the site filter.
	eachSite := func(v fieldportal.Viewer, fn func(s *fieldportal.Site) ([]string, error)) ([]string, error) {
		var out []string
		for _, s := range w.site {
			ids, err := fn(s)
			switch {
			case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
				return nil, err
			case fieldOf(err) == "site":
				continue
			case err != nil:
				return nil, err
			}
			out = append(out, ids...)
		}
		return out, nil
	}
	today := fieldportal.Date{Year: 2026, Month: time.June, Day: 1}
	testIDs := func(l []*fieldportal.AssetTest) []string {
		return idsOf(l, func(x *fieldportal.AssetTest) string { return x.ID })
	}
	defectIDs := func(l []*fieldportal.AssetDefect) []string {
		return idsOf(l, func(x *fieldportal.AssetDefect) string { return x.Test.ID })
	}
	return []siteBound{{
		name: "reports",
		covers: []string{"ReportService.FindDefects", "ReportService.FindTestHistory", "ReportService.FindPPM",
			"ReportService.FindPPMJobs", "ReportService.FindReportSites", "ReportService.FindReportSite",
			"ReportService.FindReportChoices"},
		create: find,
		list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
			l, next, err := db.FindDefects(ctx, v, fieldportal.DefectFilter{Page: page2(after)})
			return defectIDs(l), next, err
		},
		get: func(v fieldportal.Viewer, id string) error {
			_, err := db.FindReportSite(ctx, v, siteOfTest[id])
			return err
		},
		moreLists: map[string]listFn{
			"FindTestHistory": func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindTestHistory(ctx, v, fieldportal.AssetTestFilter{Page: page2(after), Result: fieldportal.TestFail})
					return testIDs(l), next, err
				})
			},
			"FindTestHistory, many sites": func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindTestHistory(sqlstore.AsManySites(ctx), v, fieldportal.AssetTestFilter{Page: page2(after), Result: fieldportal.TestFail})
					return testIDs(l), next, err
				})
			},
			"FindDefects, many sites": func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindDefects(sqlstore.AsManySites(ctx), v, fieldportal.DefectFilter{Page: page2(after)})
					return defectIDs(l), next, err
				})
			},
			"FindDefects of each site": func(v fieldportal.Viewer) ([]string, error) {
				return eachSite(v, func(s *fieldportal.Site) ([]string, error) {
					l, _, err := db.FindDefects(ctx, v, fieldportal.DefectFilter{SiteID: s.ID})
					return defectIDs(l), err
				})
			},
			"FindTestHistory of each site": func(v fieldportal.Viewer) ([]string, error) {
				return eachSite(v, func(s *fieldportal.Site) ([]string, error) {
					l, _, err := db.FindTestHistory(ctx, v, fieldportal.AssetTestFilter{SiteID: s.ID})
					return testIDs(l), err
				})
			},
			// Each failed cell of each grid names its type's test; its
			// count is that one test, and its job numbers answer.
			"FindPPM and FindPPMJobs of each site": func(v fieldportal.Viewer) ([]string, error) {
				return eachSite(v, func(s *fieldportal.Site) ([]string, error) {
					f := fieldportal.PPMFilter{Year: 2025, SiteID: s.ID}
					g, err := db.FindPPM(ctx, v, f, today)
					if err != nil {
						return nil, err
					}
					var out []string
					for _, r := range g.Rows {
						for _, c := range r.Cells {
							if c.Kind == fieldportal.PPMEmpty {
								continue
							}
							if c.Fail != 1 || c.Pass+c.Untested+c.Due != 0 {
								t.Errorf("%s %s week %d: %+v, want one failure", s.Name, r.AssetType, c.Week.N, c)
							}
							if _, err := db.FindPPMJobs(ctx, v, f, r.AssetType, c.Week, false); err != nil {
								return nil, err
							}
							out = append(out, testOfType[r.AssetType])
						}
					}
					return out, nil
				})
			},
			"FindReportChoices of each site": func(v fieldportal.Viewer) ([]string, error) {
				return eachSite(v, func(s *fieldportal.Site) ([]string, error) {
					if _, err := db.FindReportSite(ctx, v, s.ID); fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND && v.CanUse(fieldportal.ModuleReports) {
						// Out of reach: its choices must be empty.
						types, _, err := db.FindReportChoices(ctx, v, s.ID)
						if len(types) > 0 {
							t.Errorf("choices of %s out of reach: %v", s.Name, types)
						}
						return nil, err
					}
					types, _, err := db.FindReportChoices(ctx, v, s.ID)
					var out []string
					for _, x := range types {
						out = append(out, testOfType[x])
					}
					return out, err
				})
			},
			"FindReportSites": func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindReportSites(ctx, v, fieldportal.SiteFilter{Page: page2(after)})
					return idsOf(l, func(s *fieldportal.Site) string { return testAt[s.ID] }), next, err
				})
			},
		},
	}}
}
