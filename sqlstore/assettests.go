package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// Asset tests have no site of their own: they are scoped by their asset's
// site (joined as "a"), so a test follows its asset when it is transferred.

const assetTestColumns = `t.id, t.org_id, t.external_id, t.asset_id, t.job_id, t.tested_on, t.result, t.technician,
	t.notes, t.rectified_at, t.created_at, t.updated_at, a.number, a.name, a.asset_type`

const assetTestFrom = ` FROM asset_tests t JOIN assets a ON a.id = t.asset_id`

// assetTestDest lists the scan destinations of assetTestColumns.
func assetTestDest(t *fieldportal.AssetTest) []any {
	return []any{&t.ID, &t.OrgID, str(&t.ExternalID), &t.AssetID, str(&t.JobID), &t.TestedOn, &t.Result,
		&t.Technician, &t.Notes, tm(&t.RectifiedAt), tm(&t.CreatedAt), tm(&t.UpdatedAt),
		&t.AssetNumber, &t.AssetName, &t.AssetType}
}

func scanAssetTest(row interface{ Scan(...any) error }) (*fieldportal.AssetTest, error) {
	var t fieldportal.AssetTest
	return &t, row.Scan(assetTestDest(&t)...)
}

// CreateAssetTest records a service or test result (operator side only).
func (d *DB) CreateAssetTest(ctx context.Context, v fieldportal.Viewer, t *fieldportal.AssetTest) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createAssetTest(ctx, v, t) })
}

// checkAssetTestRefs checks the test's asset and job and copies the
// asset's number, name and type onto it.
func (tx *Tx) checkAssetTestRefs(ctx context.Context, v fieldportal.Viewer, t *fieldportal.AssetTest) error {
	a, err := tx.findAsset(ctx, v, t.AssetID)
	if err != nil {
		return notFoundField(err, "asset_id", "Asset not found.")
	}
	t.AssetNumber, t.AssetName, t.AssetType = a.Number, a.Name, a.Type
	if t.JobID != "" {
		if _, _, err := tx.findRef(ctx, v, "job", t.JobID); err != nil {
			return notFoundField(err, "job_id", "Job not found.")
		}
	}
	return nil
}

func (tx *Tx) createAssetTest(ctx context.Context, v fieldportal.Viewer, t *fieldportal.AssetTest) error {
	if err := tx.checkAssetTestRefs(ctx, v, t); err != nil {
		return err
	}
	t.ID, t.OrgID, t.CreatedAt, t.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO asset_tests (id, org_id, external_id, asset_id, job_id, tested_on, result,
		technician, notes, rectified_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
		t.ID, t.OrgID, nullStr(t.ExternalID), t.AssetID, nullStr(t.JobID), t.TestedOn, string(t.Result), t.Technician,
		t.Notes, nullTime(t.RectifiedAt), tx.now)
	if err != nil {
		return sqlErr(err, "asset test")
	}
	return tx.audit(ctx, v, "asset_test.created", "asset_test", t.ID, string(t.Result))
}

// UpdateAssetTest saves a test's fields (operator side only), e.g. its
// rectified_at when a failure has been put right.
func (d *DB) UpdateAssetTest(ctx context.Context, v fieldportal.Viewer, t *fieldportal.AssetTest) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateAssetTest(ctx, v, t) })
}

func (tx *Tx) updateAssetTest(ctx context.Context, v fieldportal.Viewer, t *fieldportal.AssetTest) error {
	old, err := tx.findAssetTest(ctx, v, t.ID)
	if err != nil {
		return err
	}
	if err := tx.checkAssetTestRefs(ctx, v, t); err != nil {
		return err
	}
	t.OrgID, t.CreatedAt, t.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{t.ID, nullStr(t.ExternalID), t.AssetID, nullStr(t.JobID), t.TestedOn, string(t.Result), t.Technician, t.Notes,
		nullTime(t.RectifiedAt), tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE asset_tests SET external_id = $2, asset_id = $3, job_id = $4, tested_on = $5,
		result = $6, technician = $7, notes = $8, rectified_at = $9, updated_at = $10 WHERE id = $1`+
		ifUnchanged(&args, t.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, t.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "asset test")
	}
	return tx.audit(ctx, v, "asset_test.updated", "asset_test", t.ID, string(t.Result))
}

// UpsertAssetTestByExternalID creates or updates the test the back office
// knows by t.ExternalID.
func (d *DB) UpsertAssetTestByExternalID(ctx context.Context, v fieldportal.Viewer, t *fieldportal.AssetTest) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "asset_tests", t.ExternalID, t.Validate, func(id string) { t.ID = id },
		func(tx *Tx) error { return tx.createAssetTest(ctx, v, t) }, func(tx *Tx) error { return tx.updateAssetTest(ctx, v, t) })
}

// FindAssetTestByID returns a test of an asset the viewer reaches.
func (d *DB) FindAssetTestByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.AssetTest, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset test"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findAssetTest(ctx, v, id)
}

func (tx *Tx) findAssetTest(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.AssetTest, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "a", "a.site_id")
	q.and("t.id = " + q.arg(id))
	t, err := scanAssetTest(tx.QueryRowContext(ctx, q.sql(`SELECT `+assetTestColumns+assetTestFrom, ""), q.args...))
	return t, sqlErr(err, "asset test")
}

// FindAssetTests lists tests of the assets the viewer reaches (an asset's
// service history; the Test history report), newest first: ordered by
// (tested_on DESC, id DESC). With UpdatedSince the order is (updated_at,
// id) for API sync.
func (d *DB) FindAssetTests(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetTestFilter) ([]*fieldportal.AssetTest, string, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset test"); err != nil {
		return nil, "", err
	}
	if f.AssetID != "" {
		// One asset's tests: an asset out of reach is not found, as its
		// page is, rather than an empty history (issue 18).
		if _, err := d.FindAssetByID(ctx, v, f.AssetID); err != nil {
			return nil, "", err
		}
	}
	return d.listAssetTests(ctx, v, f, false)
}

// listAssetTests is FindAssetTests's list, for it and the Test history
// report.
// With few, the tests are read from the viewer's sites' assets rather
// than by walking the organisation's tests in list order.
func (d *DB) listAssetTests(ctx context.Context, v fieldportal.Viewer, f fieldportal.AssetTestFilter, few bool) ([]*fieldportal.AssetTest, string, error) {
	var q query
	// Walking the organisation's tests in list order (no site, asset or
	// few sites to start from), SQLite reads the asset's conditions in a
	// scalar sub-query of its own: as terms of the joined "a" alone they
	// make it (with ANALYZE's statistics) build a Bloom filter on a
	// first, a read of all 300,000 assets and their scope before the
	// first test. An EXISTS would not do: SQLite turns it into a join,
	// Bloom filter included. A big parent's first page took 127 ms of SQL
	// on SQLite, this 3. PostgreSQL keeps the terms on the join: given
	// the sub-query, it sorted every failed test rather than walk them.
	wrap := d.dialect == SQLite && !few && f.SiteID == "" && f.AssetID == ""
	asset := "a"
	if wrap {
		asset = "x"
	}
	q.scopeSite(v, asset, asset+".site_id")
	if few {
		q.onlyReachableSites("a.site_id")
	}
	if f.AssetType != "" {
		q.and(asset + ".asset_type = " + q.arg(f.AssetType))
	}
	if wrap {
		q.where = []string{"1 = (SELECT 1 FROM assets x WHERE x.id = t.asset_id AND " + strings.Join(q.where, " AND ") + ")"}
	}
	// The test's own organisation, the asset's already: it lets both
	// planners walk asset_tests_org in list order and stop after a page,
	// rather than read every asset of the organisation and sort their
	// tests (issue 15's plans test).
	q.and("t.org_id = " + q.arg(v.OrgID))
	if f.AssetID != "" {
		q.and("t.asset_id = " + q.arg(f.AssetID))
	}
	if f.SiteID != "" {
		q.and("a.site_id = " + q.arg(f.SiteID))
	}
	if f.Result != "" {
		q.and("t.result = " + q.arg(string(f.Result)))
	}
	if f.ExternalID != "" {
		q.and("t.external_id = " + q.arg(f.ExternalID))
	}
	if !f.From.IsZero() {
		q.and("t.tested_on >= " + q.arg(f.From))
	}
	if !f.To.IsZero() {
		q.and("t.tested_on <= " + q.arg(f.To))
	}
	order, byUpdate := "t.tested_on DESC, t.id DESC", !f.UpdatedSince.IsZero()
	if byUpdate {
		q.updatedSince("t.updated_at", f.UpdatedSince, f.Page.After)
		order = "t.updated_at, t.id"
		if err := q.keyset(f.After, false, "t.updated_at", "t.id"); err != nil {
			return nil, "", err
		}
	} else if err := q.keyset(f.After, true, "t.tested_on", "t.id"); err != nil {
		return nil, "", err
	}
	// The asset's site is in reach (the scope is the asset's), so its name
	// needs no check of its own: one probe of sites' primary key a row.
	cols := assetTestColumns + `, COALESCE((SELECT ns.name FROM sites ns WHERE ns.id = a.site_id), '')`
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+cols+assetTestFrom, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.AssetTest, error) {
		var t fieldportal.AssetTest
		return &t, r.Scan(append(assetTestDest(&t), &t.SiteName)...)
	})
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(t *fieldportal.AssetTest) string {
		if byUpdate {
			return cursor(t.UpdatedAt, t.ID)
		}
		return cursor(t.TestedOn, t.ID)
	})
	return list, next, nil
}

// FindCurrentDefects returns the assets whose latest test (by tested_on,
// then id) failed and is not rectified, each with that test: the Current
// defects report. siteID and assetType narrow it when not empty. It is a
// report, read whole, ordered by site name, type and number.
func (d *DB) FindCurrentDefects(ctx context.Context, v fieldportal.Viewer, siteID, assetType string) ([]*fieldportal.AssetDefect, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return nil, err
	}
	var q query
	q.scopeSite(v, "a", "a.site_id")
	// The test's organisation too: the failed, unrectified tests then
	// come from their own index (asset_tests_defects, migration 195).
	q.and("t.org_id = " + q.arg(v.OrgID))
	if siteID != "" {
		q.and("a.site_id = " + q.arg(siteID))
	}
	if assetType != "" {
		q.and("a.asset_type = " + q.arg(assetType))
	}
	q.and("t.result = 'fail' AND t.rectified_at IS NULL")
	// The latest test: no later one of the same asset exists (served by
	// the asset_tests (asset_id, tested_on, id) index).
	q.and(`NOT EXISTS (SELECT 1 FROM asset_tests l WHERE l.asset_id = t.asset_id
		AND (l.tested_on > t.tested_on OR (l.tested_on = t.tested_on AND l.id > t.id)))`)
	head := `SELECT ` + assetColumns + `, ` + assetTestColumns + ` FROM assets a JOIN sites s ON s.id = a.site_id
		JOIN asset_tests t ON t.asset_id = a.id`
	rows, err := d.db.QueryContext(ctx, q.sql(head, "ORDER BY s.name, a.asset_type, a.number, a.id"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.AssetDefect, error) {
		x := &fieldportal.AssetDefect{Asset: &fieldportal.Asset{}, Test: &fieldportal.AssetTest{}}
		return x, r.Scan(append(assetDest(x.Asset), assetTestDest(x.Test)...)...)
	})
}
