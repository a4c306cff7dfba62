package sqlstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The assets list (issue 18): its filters, orders and group counts, the
// CSV's walk, and an asset's bounded histories (tests, transfers, open
// jobs and issues). Every history first finds the asset in the viewer's
// scope, so an asset out of reach is "not found" before any of its history
// is read.

// assetOrder is the ORDER BY columns of a sort (without the id, which ends
// every order) and the cursor of a row in it.
func assetOrder(s fieldportal.AssetSort) ([]string, func(a *fieldportal.Asset) string) {
	switch s {
	case fieldportal.AssetSortSite:
		return []string{"a.site_id", "a.asset_type", "a.number"}, func(a *fieldportal.Asset) string {
			return cursor(a.SiteID, a.Type, a.Number, a.ID)
		}
	case fieldportal.AssetSortNumber:
		return []string{"a.number"}, func(a *fieldportal.Asset) string { return cursor(a.Number, a.ID) }
	}
	return []string{"a.asset_type", "a.number"}, func(a *fieldportal.Asset) string { return cursor(a.Type, a.Number, a.ID) }
}

// assetCursor returns the cursor of an asset in the order f lists assets.
func assetCursor(f fieldportal.AssetFilter) func(a *fieldportal.Asset) string {
	if !f.UpdatedSince.IsZero() {
		return func(a *fieldportal.Asset) string { return cursor(a.UpdatedAt, a.ID) }
	}
	_, key := assetOrder(f.Sort)
	return key
}

// assetFilters adds f's filters (not its keyset nor order) to q, which
// already holds the scope: the list, the CSV and the group counts share
// them, so a count is of exactly the rows its group lists.
func assetFilters(d Dialect, q *query, f fieldportal.AssetFilter) error {
	q.searchIndexed(d, f.Search, "a", assetText)
	if f.SiteID != "" {
		q.and("a.site_id = " + q.arg(f.SiteID))
	}
	if f.Type != "" {
		q.and("a.asset_type = " + q.arg(f.Type))
	}
	if f.Status != "" {
		q.and("a.status = " + q.arg(f.Status))
	}
	if f.CustomerID != "" {
		q.and("a.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ExternalID != "" {
		q.and("a.external_id = " + q.arg(f.ExternalID))
	}
	if f.Due != "" {
		if _, err := fieldportal.ParseAssetDue(string(f.Due)); err != nil {
			return err
		}
		today := f.Today
		if today.IsZero() {
			today = fieldportal.DateOf(time.Now().UTC())
		}
		from, to := f.Due.Range(today)
		if !from.IsZero() {
			q.and("a.next_service_due >= " + q.arg(from))
		}
		if !to.IsZero() {
			q.and("a.next_service_due <= " + q.arg(to))
		}
	}
	return nil
}

// assetListQuery is the query of the assets list without its LIMIT, shared
// by FindAssets (a page) and EachAsset (the CSV), so that a CSV holds
// exactly the rows of the pages. few is reachesFewSites' answer: such a
// contact's assets are read site by site through assets_site and sorted;
// anyone else walks the organisation's index of the order (assets_grouped
// for the grouped list, migration 00185) and stops after a page. A search
// reads the text index's matches (migration 00186).
//
// fewDue is fewDueAssets' answer: the organisation has few assets in the
// service-due range of f, so they are read from that range
// (assets_due) and sorted rather than found by walking the list's order.
func assetListQuery(d Dialect, v fieldportal.Viewer, f fieldportal.AssetFilter, few, fewDue bool) (string, []any, error) {
	var q query
	q.scopeSite(v, "a", "a.site_id")
	if few {
		q.onlyReachableSites("a.site_id")
	}
	if err := assetFilters(d, &q, f); err != nil {
		return "", nil, err
	}
	var order string
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("a.updated_at", f.UpdatedSince, f.Page.After)
		order = "a.updated_at, a.id"
		if err := q.keyset(f.After, false, "a.updated_at", "a.id"); err != nil {
			return "", nil, err
		}
	} else {
		cols, _ := assetOrder(f.Sort)
		order = strings.Join(cols, ", ") + ", a.id"
		if err := q.keyset(f.After, false, append(cols, "a.id")...); err != nil {
			return "", nil, err
		}
	}
	from := assetFrom
	switch {
	case d == SQLite && textIndexed(f.Search):
		// A search reads its matches from the text index by rowid and
		// sorts them, rather than walk the organisation's assets in list
		// order and probe the matches for each (migration 00186).
		from = ` FROM assets a` + sqliteOnly("NOT INDEXED") + ` JOIN sites s ON s.id = a.site_id`
	case (few || f.SiteID != "") && f.UpdatedSince.IsZero():
		// One site's or a few sites' assets, read from their sites' rows:
		// SQLite would rather walk the organisation's index in list order.
		from = ` FROM assets a` + sqliteOnly("INDEXED BY assets_site") + ` JOIN sites s ON s.id = a.site_id`
	case fewDue && f.UpdatedSince.IsZero():
		// Few assets are due in the range: walking the organisation's
		// assets in list order would pass all the others first (no
		// asset overdue: 510 ms of SQL for a big parent at large).
		from = ` FROM assets a` + sqliteOnly("INDEXED BY assets_due") + ` JOIN sites s ON s.id = a.site_id`
	}
	return q.sql(`SELECT `+assetColumns+from, "ORDER BY "+order), q.args, nil
}

// FindAssets lists the assets at the sites the viewer reaches, a page at a
// time, in f.Sort's order: (type, number) by default (the API, the booking
// form), (site, type, number) for the portal's grouped list, or number.
// The grouped list orders sites by id, not name: a site's name is not in
// the asset's row, and only the asset's own columns page by keyset from
// an index. With UpdatedSince the order is (updated_at, id) for API sync.
func (d *DB) FindAssets(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetFilter) ([]*fieldportal.Asset, string, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return nil, "", err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	fewDue, err := d.fewDueAssets(ctx, v, f, few)
	if err != nil {
		return nil, "", err
	}
	text, args, err := assetListQuery(d.dialect, v, f, few, fewDue)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanAsset)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, assetCursor(f))
	return list, next, nil
}

// EachAsset calls fn with every asset FindAssets would list for f, in the
// same order, chunk by chunk (streamChunks): the assets CSV. f.Page is
// ignored.
func (d *DB) EachAsset(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetFilter, fn func(*fieldportal.Asset) error) error {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return err
	}
	fewDue, err := d.fewDueAssets(ctx, v, f, few)
	if err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	if f.Today.IsZero() {
		// One day for the whole walk: a CSV running past midnight keeps
		// the service-due range its first rows were chosen by.
		f.Today = fieldportal.DateOf(time.Now().UTC())
	}
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		return assetListQuery(d.dialect, v, f, few, fewDue)
	}, scanAsset, assetCursor(f), fn)
}

// fewDueMax is how many of the organisation's assets a service-due range
// may hold to be read whole and sorted: about a millisecond of index,
// and a sort of at most that many rows. Past it the matches are dense
// enough for the walk in list order to find a page soon.
const fewDueMax = 2000

// fewDueAssets tells whether f's service-due range holds at most
// fewDueMax of the organisation's assets (a capped count of
// assets_due's range). It is asked only where the list would otherwise
// walk the organisation's assets: a search, a site or a contact of few
// sites has a better start. Only SQLite is asked: the answer is an index
// hint, and PostgreSQL's planner weighs the range on its own.
func (d *DB) fewDueAssets(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetFilter, few bool) (bool, error) {
	if d.dialect != SQLite || f.Due == "" || few || f.SiteID != "" || textIndexed(f.Search) || !f.UpdatedSince.IsZero() {
		return false, nil
	}
	if _, err := fieldportal.ParseAssetDue(string(f.Due)); err != nil {
		return false, err
	}
	today := f.Today
	if today.IsZero() {
		today = fieldportal.DateOf(time.Now().UTC())
	}
	from, to := f.Due.Range(today)
	var q query
	q.and("a.org_id = " + q.arg(v.OrgID))
	if !from.IsZero() {
		q.and("a.next_service_due >= " + q.arg(from))
	}
	if !to.IsZero() {
		q.and("a.next_service_due <= " + q.arg(to))
	}
	var n int
	err := d.db.QueryRowContext(ctx, q.sql(`SELECT count(*) FROM (SELECT 1 FROM assets a`+sqliteOnly("INDEXED BY assets_due"),
		"LIMIT "+strconv.Itoa(fewDueMax+1)+") x"), q.args...).Scan(&n)
	return n <= fewDueMax, err
}

// assetGroupSitesMax bounds the sites one call of CountAssetGroups counts:
// a page's sites, never the viewer's every site.
const assetGroupSitesMax = fieldportal.MaxLimit

// CountAssetGroups counts the assets matching f (its filters, not its
// page) at each of siteIDs, by type: the counts beside the grouped list's
// headings, read only for the sites on the page. Each site's count is a
// range of assets_site, so a page costs its sites' assets, not the
// viewer's.
func (d *DB) CountAssetGroups(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetFilter, siteIDs []string) ([]fieldportal.AssetGroupCount, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return nil, err
	}
	if len(siteIDs) == 0 {
		return nil, nil
	}
	if len(siteIDs) > assetGroupSitesMax {
		return nil, fieldportal.Errorf(fieldportal.EINVALID, "Too many sites to count at once.")
	}
	q := query{probe: true} // one asset's rows: the reach probed (reachProbe)
	q.scopeSite(v, "a", "a.site_id")
	f.UpdatedSince, f.After = time.Time{}, ""
	if err := assetFilters(d.dialect, &q, f); err != nil {
		return nil, err
	}
	inList(&q, "a.site_id", siteIDs)
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT a.site_id, a.asset_type, count(*) FROM assets a`+sqliteOnly("INDEXED BY assets_site"),
		"GROUP BY a.site_id, a.asset_type ORDER BY a.site_id, a.asset_type"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (fieldportal.AssetGroupCount, error) {
		var c fieldportal.AssetGroupCount
		return c, r.Scan(&c.SiteID, &c.Type, &c.Count)
	})
}

// reachableName is the SQL of the name of the site in column siteCol when
// the viewer reaches it, else ”. q must hold the viewer's scope (the
// reach of a contact).
func reachableName(q *query, v fieldportal.Viewer, siteCol string) string {
	name := "(SELECT ns.name FROM sites ns WHERE ns.id = " + siteCol + ")"
	if v.SeesWholeOrg() {
		return "COALESCE(" + name + ", '')"
	}
	return "CASE WHEN " + q.siteIDReachable(siteCol) + " THEN COALESCE(" + name + ", '') ELSE '' END"
}

// FindAssetTransferPage lists one asset's transfers, newest first, a page
// at a time, with the names of the sites the viewer reaches (a site out of
// reach is never named). An asset out of reach is not found. Without an
// asset it lists the transfers of every asset the viewer reaches; with
// UpdatedSince, in the order of change (API sync).
func (d *DB) FindAssetTransferPage(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetTransferFilter) ([]*fieldportal.AssetTransfer, string, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return nil, "", err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	var q query
	if f.AssetID != "" {
		if _, err := tx.findAsset(ctx, v, f.AssetID); err != nil {
			return nil, "", err
		}
		q.probe = true // one asset's rows: the reach probed (reachProbe)
	}
	q.scopeSite(v, "a", "a.site_id")
	q.and("t.org_id = " + q.arg(v.OrgID))
	if f.AssetID != "" {
		q.and("t.asset_id = " + q.arg(f.AssetID))
	}
	order, key := "t.transferred_on DESC, t.id DESC", func(t *fieldportal.AssetTransfer) string { return cursor(t.TransferredOn, t.ID) }
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("t.updated_at", f.UpdatedSince, f.Page.After)
		order, key = "t.updated_at, t.id", func(t *fieldportal.AssetTransfer) string { return cursor(t.UpdatedAt, t.ID) }
		err = q.keyset(f.After, false, "t.updated_at", "t.id")
	} else {
		err = q.keyset(f.After, true, "t.transferred_on", "t.id")
	}
	if err != nil {
		return nil, "", err
	}
	cols := transferColumns + ", " + reachableName(&q, v, "t.from_site_id") + ", " + reachableName(&q, v, "t.to_site_id")
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+cols+` FROM asset_transfers t JOIN assets a ON a.id = t.asset_id`,
		"ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanTransferNamed)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, key)
	return list, next, nil
}

// scanTransferNamed scans a transfer with its sites' names.
func scanTransferNamed(r interface{ Scan(...any) error }) (*fieldportal.AssetTransfer, error) {
	var t fieldportal.AssetTransfer
	err := r.Scan(&t.ID, &t.OrgID, str(&t.ExternalID), &t.AssetID, &t.FromSiteID, &t.ToSiteID, &t.TransferredOn,
		&t.Note, tm(&t.CreatedAt), tm(&t.UpdatedAt), &t.FromSiteName, &t.ToSiteName)
	return &t, err
}

// FindAssetTransferByID returns a transfer of an asset the viewer reaches,
// scoped by the asset's current site as its history is.
func (d *DB) FindAssetTransferByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.AssetTransfer, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return nil, err
	}
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "a", "a.site_id")
	q.and("t.id = " + q.arg(id))
	cols := transferColumns + ", " + reachableName(&q, v, "t.from_site_id") + ", " + reachableName(&q, v, "t.to_site_id")
	t, err := scanTransferNamed(d.db.QueryRowContext(ctx, q.sql(`SELECT `+cols+` FROM asset_transfers t JOIN assets a ON a.id = t.asset_id`, ""), q.args...))
	return t, sqlErr(err, "asset transfer")
}

// FindAssetServiceHistory lists one asset's tests, newest first, a page at
// a time (asset_tests_asset), each with its job's number and kind when the
// job's site is within the viewer's reach. An asset out of reach is not
// found.
func (d *DB) FindAssetServiceHistory(ctx context.Context, v fieldportal.Viewer, assetID string, p fieldportal.Page) ([]*fieldportal.AssetTest, string, error) {
	tx, err := d.assetReadTx(ctx, v, assetID, "asset test")
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	q := query{probe: true} // one asset's rows: the reach probed (reachProbe)
	q.scopeSite(v, "a", "a.site_id")
	q.and("t.asset_id = " + q.arg(assetID))
	if err := q.keyset(p.After, true, "t.tested_on", "t.id"); err != nil {
		return nil, "", err
	}
	jobSite := "(SELECT js.site_id FROM jobs js WHERE js.id = t.job_id)"
	visible := "t.job_id IS NOT NULL"
	if !v.SeesWholeOrg() {
		visible += " AND " + q.siteIDReachable(jobSite)
	}
	cols := assetTestColumns + `, CASE WHEN ` + visible + ` THEN (SELECT jn.number FROM jobs jn WHERE jn.id = t.job_id) ELSE '' END,
		CASE WHEN ` + visible + ` THEN (SELECT jk.kind FROM jobs jk WHERE jk.id = t.job_id) ELSE '' END`
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+cols+` FROM asset_tests t`+sqliteOnly("INDEXED BY asset_tests_asset")+` JOIN assets a ON a.id = t.asset_id`,
		"ORDER BY t.tested_on DESC, t.id DESC"+limit(p)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.AssetTest, error) {
		var t fieldportal.AssetTest
		var kind string
		err := r.Scan(append(assetTestDest(&t), str(&t.JobNumber), str(&kind))...)
		t.JobKind = fieldportal.JobKind(kind)
		return &t, err
	})
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, p, func(t *fieldportal.AssetTest) string { return cursor(t.TestedOn, t.ID) })
	return list, next, nil
}

// openJobStages are the stages of a job still to be done.
var openJobStages = []fieldportal.JobStage{fieldportal.StagePending, fieldportal.StageScheduled, fieldportal.StageInProgress}

// FindAssetOpenJobs lists the open jobs (pending, scheduled, in progress)
// that include an asset, newest first, at most p's size: through
// job_assets_asset, so it costs the asset's jobs. Only the kinds of job the
// viewer may use are listed; none when it may use neither. An asset out of
// reach is not found.
func (d *DB) FindAssetOpenJobs(ctx context.Context, v fieldportal.Viewer, assetID string, p fieldportal.Page) ([]*fieldportal.Job, string, error) {
	tx, err := d.assetReadTx(ctx, v, assetID, "asset")
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	q := query{probe: true} // one asset's rows: the reach probed (reachProbe)
	q.scopeSite(v, "j", "j.site_id")
	if err := jobKinds(&q, v, ""); err != nil {
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			return nil, "", nil
		}
		return nil, "", err
	}
	q.and("j.id IN (SELECT ja.job_id FROM job_assets ja WHERE ja.asset_id = " + q.arg(assetID) + ")")
	inList(&q, "j.stage", openJobStages)
	if err := q.keyset(p.After, true, "j.id"); err != nil {
		return nil, "", err
	}
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+jobColumns+jobFrom, "ORDER BY j.id DESC"+limit(p)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanJob)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, p, func(j *fieldportal.Job) string { return cursor(j.ID) })
	return list, next, nil
}

// FindAssetOpenIssues lists the open issues reported about an asset,
// newest first, at most p's size (issues_asset, migration 00185); none
// when the viewer may not use Issues. An asset out of reach is not found.
func (d *DB) FindAssetOpenIssues(ctx context.Context, v fieldportal.Viewer, assetID string, p fieldportal.Page) ([]*fieldportal.Issue, string, error) {
	tx, err := d.assetReadTx(ctx, v, assetID, "asset")
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	if !v.CanUse(fieldportal.ModuleIssues) {
		return nil, "", nil
	}
	var q query
	q.scopeSite(v, "i", "i.site_id")
	q.and("i.asset_id = " + q.arg(assetID))
	q.and("i.status = " + q.arg(fieldportal.IssueOpen))
	if err := q.keyset(p.After, true, "i.id"); err != nil {
		return nil, "", err
	}
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+issueColumns+issueFrom, "ORDER BY i.id DESC"+limit(p)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanIssue)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, p, func(x *fieldportal.Issue) string { return cursor(x.ID) })
	return list, next, nil
}

// assetReadTx opens a read transaction in which the asset is within the
// viewer's reach, so an asset's histories are read only once the asset
// itself may be (else "not found", before any of them); what names the
// record in a refusal for want of the Assets module.
func (d *DB) assetReadTx(ctx context.Context, v fieldportal.Viewer, assetID, what string) (*Tx, error) {
	if err := needModule(v, fieldportal.ModuleAssets, what); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := tx.findAsset(ctx, v, assetID); err != nil {
		tx.Rollback()
		return nil, err
	}
	return tx, nil
}
