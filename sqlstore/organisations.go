package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// CreateOrganisation adds an operator with default settings.
func (d *DB) CreateOrganisation(ctx context.Context, o *fieldportal.Organisation) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.createOrganisation(ctx, o) })
}

// CreateOrganisationWithAdmin adds an operator and its first admin in one
// transaction (`fieldportal init`): never an organisation nobody can run.
func (d *DB) CreateOrganisationWithAdmin(ctx context.Context, o *fieldportal.Organisation, admin *fieldportal.StaffUser) error {
	return d.inTx(ctx, func(tx *Tx) error {
		if err := tx.createOrganisation(ctx, o); err != nil {
			return err
		}
		return tx.createStaffUser(ctx, fieldportal.SystemViewer(o.ID, "init"), admin)
	})
}

func (tx *Tx) createOrganisation(ctx context.Context, o *fieldportal.Organisation) error {
	if o.Currency == "" {
		o.Currency = "GBP"
	}
	if o.TimeZone == "" {
		o.TimeZone = "Europe/London"
	}
	if err := o.Validate(); err != nil {
		return err
	}
	if o.ID == "" {
		o.ID = newID()
	}
	o.CreatedAt, o.UpdatedAt = tx.now, tx.now
	o.Host = strings.ToLower(strings.TrimSpace(o.Host))
	tx.orgChanged = true
	if _, err := tx.ExecContext(ctx, `INSERT INTO organisations (id, name, host, currency, time_zone, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $6)`, o.ID, o.Name, nullStr(o.Host), o.Currency, o.TimeZone, tx.now); err != nil {
		return sqlErr(err, "organisation")
	}
	return tx.putSettings(ctx, o.ID, fieldportal.DefaultSettings())
}

const orgColumns = `id, name, host, currency, time_zone, created_at, updated_at`

func scanOrg(row interface{ Scan(...any) error }) (*fieldportal.Organisation, error) {
	var o fieldportal.Organisation
	err := row.Scan(&o.ID, &o.Name, str(&o.Host), &o.Currency, &o.TimeZone, tm(&o.CreatedAt), tm(&o.UpdatedAt))
	return &o, err
}

// FindOrganisationByID returns one organisation.
func (d *DB) FindOrganisationByID(ctx context.Context, id string) (*fieldportal.Organisation, error) {
	o, err := scanOrg(d.db.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, id))
	return o, sqlErr(err, "organisation")
}

// CountOrganisations returns how many organisations the database holds;
// `fieldportal demo` refuses a database that already has one.
func (d *DB) CountOrganisations(ctx context.Context) (int, error) {
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n)
	return n, err
}

// FindOrganisationForHost returns the organisation that serves a host name:
// the one whose host matches, or, on an install with exactly one
// organisation, that one for every host. One query, as every request
// asks it.
func (d *DB) FindOrganisationForHost(ctx context.Context, host string) (*fieldportal.Organisation, error) {
	host = strings.ToLower(host)
	if h, _, ok := strings.Cut(host, ":"); ok && !strings.HasPrefix(host, "[") {
		host = h
	}
	return d.cachedOrgForHost(ctx, host, func() (*fieldportal.Organisation, error) {
		var k int
		var o fieldportal.Organisation
		err := d.db.QueryRowContext(ctx, `SELECT 0 AS k, `+orgColumns+` FROM organisations WHERE host = $1
		UNION ALL
		SELECT 1 AS k, `+orgColumns+` FROM organisations WHERE (SELECT count(*) FROM organisations) = 1
		ORDER BY k LIMIT 1`, host).
			Scan(&k, &o.ID, &o.Name, str(&o.Host), &o.Currency, &o.TimeZone, tm(&o.CreatedAt), tm(&o.UpdatedAt))
		if err != nil {
			return nil, sqlErr(err, "organisation")
		}
		return &o, nil
	})
}

// FindSettings returns an organisation's settings, kept decoded for a
// moment (orgCacheTTL) as every portal request reads them.
func (d *DB) FindSettings(ctx context.Context, orgID string) (fieldportal.Settings, error) {
	if s, ok := d.orgs.findSettings(orgID); ok {
		return s, nil
	}
	gen := d.orgs.generation()
	s, err := scanSettings(d.db.QueryRowContext(ctx, settingsQuery, orgID))
	if err == nil {
		d.orgs.putSettings(gen, orgID, s)
	}
	return s, err
}

// findSettings reads the settings in tx, to change part of them.
func (tx *Tx) findSettings(ctx context.Context, orgID string) (fieldportal.Settings, error) {
	return scanSettings(tx.QueryRowContext(ctx, settingsQuery, orgID))
}

const settingsQuery = `SELECT data FROM organisation_settings WHERE org_id = $1`

// scanSettings reads stored settings over the defaults, so a setting added
// since they were saved has its default.
func scanSettings(row interface{ Scan(...any) error }) (fieldportal.Settings, error) {
	var raw string
	if err := row.Scan(&raw); err != nil {
		return fieldportal.Settings{}, sqlErr(err, "settings")
	}
	s := fieldportal.DefaultSettings()
	if err := json.Unmarshal([]byte(raw), &s); err != nil {
		return fieldportal.Settings{}, err
	}
	return s, nil
}

// UpdateSettings replaces an organisation's settings (admins only).
func (d *DB) UpdateSettings(ctx context.Context, v fieldportal.Viewer, s fieldportal.Settings) error {
	if !v.IsAdmin() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change settings.")
	}
	if err := s.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if err := tx.putSettings(ctx, v.OrgID, s); err != nil {
			return err
		}
		return tx.audit(ctx, v, "settings.updated", "organisation", v.OrgID, "")
	})
}

func (tx *Tx) putSettings(ctx context.Context, orgID string, s fieldportal.Settings) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	tx.orgChanged = true
	_, err = tx.ExecContext(ctx, `INSERT INTO organisation_settings (org_id, data, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (org_id) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`, orgID, string(b), tx.now)
	return err
}

// nextNumber returns the next human number of a kind (J-1001, Q-1001...)
// for an organisation, in the caller's transaction.
func (tx *Tx) nextNumber(ctx context.Context, orgID, name string, start int64) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `INSERT INTO counters (org_id, name, value) VALUES ($1, $2, $3)
		ON CONFLICT (org_id, name) DO UPDATE SET value = counters.value + 1
		RETURNING value`, orgID, name, start).Scan(&n)
	return n, err
}

// UpdateOrganisation saves an organisation's name, host, currency and
// time zone (admins only).
func (d *DB) UpdateOrganisation(ctx context.Context, v fieldportal.Viewer, o *fieldportal.Organisation) error {
	if !v.IsAdmin() || o.ID != v.OrgID {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change the organisation.")
	}
	if err := o.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		o.Host = strings.ToLower(strings.TrimSpace(o.Host))
		tx.orgChanged = true
		var zone string
		if err := tx.QueryRowContext(ctx, `SELECT time_zone FROM organisations WHERE id = $1`, o.ID).Scan(&zone); err != nil {
			return sqlErr(err, "organisation")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE organisations SET name = $2, host = $3, currency = $4, time_zone = $5, updated_at = $6
			WHERE id = $1`, o.ID, o.Name, nullStr(o.Host), o.Currency, o.TimeZone, tx.now); err != nil {
			return sqlErr(err, "organisation")
		}
		if zone != o.TimeZone {
			// The statement's sums take payments' days in the zone: taken
			// again in the new one, with the tree held against writers
			// (statement_sums.go).
			if err := tx.lockCustomerTree(ctx, o.ID); err != nil {
				return err
			}
			if err := rebuildStatementSums(ctx, tx, o.ID); err != nil {
				return err
			}
		}
		o.UpdatedAt = tx.now
		return tx.audit(ctx, v, "organisation.updated", "organisation", o.ID, o.Name)
	})
}
