package sqlstore_test

import (
	"time"

	"context"
	"slices"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// The access matrix's rows for the assets pages of issue 18: the grouped
// list in both of its plans, its CSV walk and group counts, an asset's
// paged histories, and its open jobs and issues. Each read is of the same
// records as its row in access_more_test.go, so it must agree with that
// row's expectations exactly: a site contact sees nothing of other sites.

// eachAssetOf calls read for every asset of the fixture and gathers the
// ids it returns; an asset out of the viewer's reach is "not found" (its
// history is never read), any other error fails the read.
func eachAssetOf(assetAt map[string]string, read func(assetID string) ([]string, error)) ([]string, error) {
	var ids []string
	for _, a := range sortedValues(assetAt) {
		got, err := read(a)
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			continue
		}
		if err != nil {
			return ids, err
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

// assetMoreLists are the other reads of the assets row.
func assetMoreLists(ctx context.Context, db *sqlstore.DB, more map[string]listFn) map[string]listFn {
	grouped := func(ctx context.Context, sort fieldportal.AssetSort) listFn {
		return func(v fieldportal.Viewer) ([]string, error) {
			return listAll(func(after string) ([]string, string, error) {
				l, next, err := db.FindAssets(ctx, v, fieldportal.AssetFilter{Page: page2(after), Sort: sort})
				return idsOf(l, func(x *fieldportal.Asset) string { return x.ID }), next, err
			})
		}
	}
	more["FindAssets grouped"] = grouped(ctx, fieldportal.AssetSortSite)
	more["FindAssets grouped, many sites"] = grouped(sqlstore.AsManySites(ctx), fieldportal.AssetSortSite)
	more["FindAssets by number, many sites"] = grouped(sqlstore.AsManySites(ctx), fieldportal.AssetSortNumber)
	more["EachAsset"] = func(v fieldportal.Viewer) ([]string, error) {
		var ids []string
		err := db.EachAsset(ctx, v, fieldportal.AssetFilter{Sort: fieldportal.AssetSortSite}, func(a *fieldportal.Asset) error {
			ids = append(ids, a.ID)
			return nil
		})
		return ids, err
	}
	return more
}

// assetGroupCount is the assets row's count as the grouped list's headings
// add it up: the groups of every site of the fixture, asked for at once.
func assetGroupCount(ctx context.Context, db *sqlstore.DB, w *world) map[string]countFn {
	return map[string]countFn{"CountAssetGroups": func(v fieldportal.Viewer) (int, error) {
		var sites []string
		for _, s := range w.site {
			sites = append(sites, s.ID)
		}
		slices.Sort(sites)
		groups, err := db.CountAssetGroups(ctx, v, fieldportal.AssetFilter{}, sites)
		n := 0
		for _, g := range groups {
			n += g.Count
		}
		return n, err
	}}
}

// assetTestMoreLists pages every asset's service history.
func assetTestMoreLists(ctx context.Context, db *sqlstore.DB, assetAt map[string]string, more map[string]listFn) map[string]listFn {
	more["FindAssetServiceHistory"] = func(v fieldportal.Viewer) ([]string, error) {
		return eachAssetOf(assetAt, func(a string) ([]string, error) {
			return listAll(func(after string) ([]string, string, error) {
				l, next, err := db.FindAssetServiceHistory(ctx, v, a, page2(after))
				return idsOf(l, func(x *fieldportal.AssetTest) string { return x.ID }), next, err
			})
		})
	}
	return more
}

// assetTransferMoreLists pages every asset's transfers.
func assetTransferMoreLists(ctx context.Context, db *sqlstore.DB, assetAt map[string]string) map[string]listFn {
	return map[string]listFn{"FindAssetTransferPage": func(v fieldportal.Viewer) ([]string, error) {
		return eachAssetOf(assetAt, func(a string) ([]string, error) {
			return listAll(func(after string) ([]string, string, error) {
				l, next, err := db.FindAssetTransferPage(ctx, v, fieldportal.AssetTransferFilter{AssetID: a, Page: page2(after)})
				return idsOf(l, func(x *fieldportal.AssetTransfer) string { return x.ID }), next, err
			})
		})
	}, "FindAssetTransferPage without an asset": func(v fieldportal.Viewer) ([]string, error) {
		return listAll(func(after string) ([]string, string, error) {
			l, next, err := db.FindAssetTransferPage(ctx, v, fieldportal.AssetTransferFilter{Page: page2(after)})
			return idsOf(l, func(x *fieldportal.AssetTransfer) string { return x.ID }), next, err
		})
	}, "FindAssetTransferPage by change": func(v fieldportal.Viewer) ([]string, error) {
		return listAll(func(after string) ([]string, string, error) {
			l, next, err := db.FindAssetTransferPage(ctx, v, fieldportal.AssetTransferFilter{Page: page2(after), UpdatedSince: time.Unix(1, 0)})
			return idsOf(l, func(x *fieldportal.AssetTransfer) string { return x.ID }), next, err
		})
	}}
}

// assetWorkRows are an open issue and an open job about each site's asset,
// read from the asset's page.
func assetWorkRows(t *testing.T, db *sqlstore.DB, assetAt map[string]string) []siteBound {
	ctx := context.Background()
	sys := func(orgID string) fieldportal.Viewer { return fieldportal.SystemViewer(orgID, "test") }
	inList := func(list func(fieldportal.Viewer) ([]string, error), what string) func(fieldportal.Viewer, string) error {
		return func(v fieldportal.Viewer, id string) error {
			ids, err := list(v)
			if err != nil {
				return err
			}
			if !slices.Contains(ids, id) {
				return fieldportal.NotFound(what)
			}
			return nil
		}
	}
	issues := func(v fieldportal.Viewer) ([]string, error) {
		return eachAssetOf(assetAt, func(a string) ([]string, error) {
			l, _, err := db.FindAssetOpenIssues(ctx, v, a, fieldportal.Page{Limit: 10})
			return idsOf(l, func(x *fieldportal.Issue) string { return x.ID }), err
		})
	}
	jobs := func(v fieldportal.Viewer) ([]string, error) {
		return eachAssetOf(assetAt, func(a string) ([]string, error) {
			l, _, err := db.FindAssetOpenJobs(ctx, v, a, fieldportal.Page{Limit: 10})
			return idsOf(l, func(x *fieldportal.Job) string { return x.ID }), err
		})
	}
	return []siteBound{
		{
			name:   "asset open issues",
			covers: []string{"EquipmentService.FindAssetOpenIssues"},
			// The site's open issue (the issues row's) is made about its
			// asset: a second issue would change the issue rows' counts.
			create: func(s *fieldportal.Site) string {
				l, _, err := db.FindIssues(ctx, sys(s.OrgID), fieldportal.IssueFilter{SiteID: s.ID, Status: fieldportal.IssueOpen})
				if err != nil || len(l) == 0 {
					t.Fatalf("the site's issue: %v %v", l, err)
				}
				mustAccessExec(t, db, `UPDATE issues SET asset_id = $1 WHERE id = $2`, assetAt[s.Name], l[0].ID)
				return l[0].ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				ids, err := issues(v)
				return ids, "", err
			},
			get: inList(issues, "issue"),
		},
		{
			name:   "asset open jobs",
			covers: []string{"EquipmentService.FindAssetOpenJobs"},
			// Likewise the site's pending service job.
			create: func(s *fieldportal.Site) string {
				l, _, err := db.FindJobs(ctx, sys(s.OrgID), fieldportal.JobFilter{SiteID: s.ID, Kind: fieldportal.JobService,
					Stages: []fieldportal.JobStage{fieldportal.StagePending}})
				if err != nil || len(l) == 0 {
					t.Fatalf("the site's job: %v %v", l, err)
				}
				mustAccessExec(t, db, `INSERT INTO job_assets (job_id, asset_id, org_id) VALUES ($1, $2, $3)`, l[0].ID, assetAt[s.Name], s.OrgID)
				return l[0].ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				ids, err := jobs(v)
				return ids, "", err
			},
			get: inList(jobs, "job"),
		},
	}
}

// mustAccessExec runs a statement on the fixture's database.
func mustAccessExec(tb testing.TB, db *sqlstore.DB, q string, args ...any) {
	tb.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), q, args...); err != nil {
		tb.Fatalf("%s: %v", q, err)
	}
}
