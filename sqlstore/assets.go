package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

const assetColumns = `a.id, a.org_id, a.external_id, a.number, a.customer_id, a.site_id, a.asset_type, a.name,
	a.location, a.serial, a.make, a.model, a.service_level, a.service_interval, a.next_service_due, a.installed_on,
	a.status, a.created_at, a.updated_at, s.name`

const assetFrom = ` FROM assets a JOIN sites s ON s.id = a.site_id`

// assetDest lists the scan destinations of assetColumns.
func assetDest(a *fieldportal.Asset) []any {
	return []any{&a.ID, &a.OrgID, str(&a.ExternalID), &a.Number, &a.CustomerID, &a.SiteID, &a.Type, &a.Name,
		&a.Location, &a.Serial, &a.Make, &a.Model, &a.ServiceLevel, &a.ServiceInterval, &a.NextServiceDue, &a.InstalledOn,
		&a.Status, tm(&a.CreatedAt), tm(&a.UpdatedAt), &a.SiteName}
}

func scanAsset(row interface{ Scan(...any) error }) (*fieldportal.Asset, error) {
	var a fieldportal.Asset
	return &a, row.Scan(assetDest(&a)...)
}

// prepareAsset defaults the status (a synced or console-made asset is
// active unless told otherwise) and validates.
func prepareAsset(a *fieldportal.Asset) error {
	if a.Status == "" {
		a.Status = "active"
	}
	return a.Validate()
}

// CreateAsset adds an asset at a site (operator side only). The asset's
// customer is always its site's customer.
func (d *DB) CreateAsset(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Asset) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := prepareAsset(a); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createAsset(ctx, v, a) })
}

func (tx *Tx) createAsset(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Asset) error {
	site, err := tx.findSite(ctx, v, a.SiteID)
	if err != nil {
		return notFoundField(err, "site_id", "Site not found.")
	}
	a.ID, a.OrgID, a.CreatedAt, a.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	a.CustomerID, a.SiteName = site.CustomerID, site.Name
	_, err = tx.ExecContext(ctx, `INSERT INTO assets (id, org_id, external_id, number, customer_id, site_id, asset_type,
		name, location, serial, make, model, service_level, service_interval, next_service_due, installed_on, status,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)`,
		a.ID, a.OrgID, nullStr(a.ExternalID), a.Number, a.CustomerID, a.SiteID, a.Type, a.Name, a.Location, a.Serial,
		a.Make, a.Model, a.ServiceLevel, a.ServiceInterval, a.NextServiceDue, a.InstalledOn, a.Status, tx.now)
	if err != nil {
		return sqlErr(err, "asset")
	}
	return tx.audit(ctx, v, "asset.created", "asset", a.ID, a.Number)
}

// UpdateAsset saves an asset's fields (operator side only). A new site
// moves the asset: the move is recorded as a transfer dated today, so the
// transfer history stays complete whichever way the asset was moved.
func (d *DB) UpdateAsset(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Asset) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := prepareAsset(a); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateAsset(ctx, v, a) })
}

func (tx *Tx) updateAsset(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Asset) error {
	old, err := tx.findAssetToMove(ctx, v, a.ID)
	if err != nil {
		return err
	}
	a.CustomerID, a.SiteName = old.CustomerID, old.SiteName
	// The version is checked before a move records its transfer, and
	// again by the UPDATE: a save that landed meanwhile (PostgreSQL runs
	// writers side by side) refuses this one, the transfer with it.
	ifAt := a.IfUpdatedAt
	if !ifAt.IsZero() && !old.UpdatedAt.Equal(ifAt.UTC()) {
		return fieldportal.ErrChanged
	}
	if a.SiteID != old.SiteID {
		_, site, err := tx.moveAsset(ctx, v, old, a.SiteID, fieldportal.DateOf(tx.now), "")
		if err != nil {
			return err
		}
		a.CustomerID, a.SiteName = site.CustomerID, site.Name
	}
	a.OrgID, a.CreatedAt, a.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{a.ID, nullStr(a.ExternalID), a.Number, a.CustomerID, a.SiteID, a.Type, a.Name, a.Location, a.Serial, a.Make,
		a.Model, a.ServiceLevel, a.ServiceInterval, a.NextServiceDue, a.InstalledOn, a.Status, tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE assets SET external_id = $2, number = $3, customer_id = $4, site_id = $5,
		asset_type = $6, name = $7, location = $8, serial = $9, make = $10, model = $11, service_level = $12,
		service_interval = $13, next_service_due = $14, installed_on = $15, status = $16, updated_at = $17 WHERE id = $1`+
		ifUnchanged(&args, ifAt), args...)
	if err == nil {
		err = checkUnchanged(res, ifAt)
	}
	if err != nil {
		return sqlErr(err, "asset")
	}
	return tx.audit(ctx, v, "asset.updated", "asset", a.ID, a.Number)
}

// UpsertAssetByExternalID creates or updates the asset the back office
// knows by a.ExternalID (the API's PUT /by-external-id).
func (d *DB) UpsertAssetByExternalID(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Asset) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "assets", a.ExternalID, func() error { return prepareAsset(a) }, func(id string) { a.ID = id },
		func(tx *Tx) error { return tx.createAsset(ctx, v, a) }, func(tx *Tx) error { return tx.updateAsset(ctx, v, a) })
}

// FindAssetByID returns an asset at a site the viewer reaches.
func (d *DB) FindAssetByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Asset, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findAsset(ctx, v, id)
}

func (tx *Tx) findAsset(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Asset, error) {
	q := query{probe: true}
	q.scopeSite(v, "a", "a.site_id")
	q.and("a.id = " + q.arg(id))
	a, err := scanAsset(tx.QueryRowContext(ctx, q.sql(`SELECT `+assetColumns+assetFrom, ""), q.args...))
	return a, sqlErr(err, "asset")
}

// findAssetToMove finds an asset the transaction is about to change,
// locked first: its site, read after, is the one the transfer it may
// record leaves, not one a concurrent move or transfer delete
// (DeleteAssetTransfer) is changing (PostgreSQL runs writers side by
// side), so the transfers stay a chain.
func (tx *Tx) findAssetToMove(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Asset, error) {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM assets WHERE id = $1 AND org_id = $2`+tx.db.dialect.forNoKeyUpdate(), id, v.OrgID); err != nil {
		return nil, err
	}
	return tx.findAsset(ctx, v, id)
}

// FindAssetTypes lists the distinct types of the assets the viewer
// reaches, in order (the type filter and the reports' rows).
func (d *DB) FindAssetTypes(ctx context.Context, v fieldportal.Viewer) ([]string, error) {
	if err := needModule(v, fieldportal.ModuleAssets, "asset"); err != nil {
		return nil, err
	}
	var q query
	q.scopeSite(v, "a", "a.site_id")
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT DISTINCT a.asset_type FROM assets a`, "ORDER BY a.asset_type"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanText)
}

const transferColumns = `t.id, t.org_id, t.external_id, t.asset_id, t.from_site_id, t.to_site_id, t.transferred_on,
	t.note, t.created_at, t.updated_at`

// TransferAsset moves an asset to another site and records the transfer,
// in one transaction (operator side only). The asset takes the new site's
// customer.
func (d *DB) TransferAsset(ctx context.Context, v fieldportal.Viewer, assetID, toSiteID string, date fieldportal.Date, note string) (*fieldportal.AssetTransfer, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	var t *fieldportal.AssetTransfer
	err := d.inTx(ctx, func(tx *Tx) error {
		a, err := tx.findAssetToMove(ctx, v, assetID)
		if err != nil {
			return err
		}
		var site *fieldportal.Site
		if t, site, err = tx.moveAsset(ctx, v, a, toSiteID, date, note); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE assets SET site_id = $2, customer_id = $3, updated_at = $4 WHERE id = $1`,
			a.ID, site.ID, site.CustomerID, tx.now)
		return sqlErr(err, "asset")
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// moveAsset checks the new site and records the transfer of a from its
// current site; the caller updates the asset row itself.
func (tx *Tx) moveAsset(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Asset, toSiteID string, date fieldportal.Date, note string) (*fieldportal.AssetTransfer, *fieldportal.Site, error) {
	t := &fieldportal.AssetTransfer{AssetID: a.ID, FromSiteID: a.SiteID, ToSiteID: toSiteID, TransferredOn: date, Note: note}
	if err := t.Validate(); err != nil {
		return nil, nil, err
	}
	site, err := tx.findSite(ctx, v, toSiteID)
	if err != nil {
		return nil, nil, notFoundField(err, "to_site_id", "Site not found.")
	}
	t.ID, t.OrgID, t.CreatedAt, t.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err = tx.ExecContext(ctx, `INSERT INTO asset_transfers (id, org_id, asset_id, from_site_id, to_site_id,
		transferred_on, note, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		t.ID, t.OrgID, t.AssetID, t.FromSiteID, t.ToSiteID, t.TransferredOn, t.Note, tx.now)
	if err != nil {
		return nil, nil, sqlErr(err, "asset transfer")
	}
	return t, site, tx.audit(ctx, v, "asset.transferred", "asset", a.ID, a.SiteID+" -> "+toSiteID)
}

// FindAssetTransfers lists an asset's transfers, newest first (the API;
// the portal pages them with FindAssetTransferPage). Transfers are scoped
// by their asset's current site: whoever sees the asset sees its whole
// history. An asset out of reach is not found, before any transfer is
// read: it answered an empty list, as an asset never moved does.
func (d *DB) FindAssetTransfers(ctx context.Context, v fieldportal.Viewer, assetID string) ([]*fieldportal.AssetTransfer, error) {
	tx, err := d.assetReadTx(ctx, v, assetID, "asset")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	q := query{probe: true} // one asset's rows: the reach probed (reachProbe)
	q.scopeSite(v, "a", "a.site_id")
	q.and("t.asset_id = " + q.arg(assetID))
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+transferColumns+` FROM asset_transfers t JOIN assets a ON a.id = t.asset_id`,
		"ORDER BY t.transferred_on DESC, t.id DESC"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.AssetTransfer, error) {
		var t fieldportal.AssetTransfer
		err := r.Scan(&t.ID, &t.OrgID, str(&t.ExternalID), &t.AssetID, &t.FromSiteID, &t.ToSiteID, &t.TransferredOn,
			&t.Note, tm(&t.CreatedAt), tm(&t.UpdatedAt))
		return &t, err
	})
}

// notFoundField turns "not found" of a referenced record into a field
// error of the form that names it; other errors pass unchanged.
func notFoundField(err error, field, msg string) error {
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return fieldportal.FieldErrorf(field, "%s", msg)
	}
	return err
}
