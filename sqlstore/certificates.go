package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

const certificateColumns = `c.id, c.org_id, c.external_id, c.number, c.cert_type, c.customer_id, c.site_id,
	c.contractor_id, c.job_id, c.issued_on, c.expires_on, c.document_id, c.created_at, c.updated_at, s.name, k.name`

const certificateFrom = ` FROM certificates c JOIN sites s ON s.id = c.site_id LEFT JOIN contractors k ON k.id = c.contractor_id`

func scanCertificate(row interface{ Scan(...any) error }) (*fieldportal.Certificate, error) {
	var c fieldportal.Certificate
	err := row.Scan(&c.ID, &c.OrgID, str(&c.ExternalID), &c.Number, &c.Type, &c.CustomerID, &c.SiteID,
		str(&c.ContractorID), str(&c.JobID), &c.IssuedOn, &c.ExpiresOn, str(&c.DocumentID), tm(&c.CreatedAt),
		tm(&c.UpdatedAt), &c.SiteName, str(&c.ContractorName))
	return &c, err
}

// CreateCertificate adds a certificate at a site (operator side only); its
// customer is the site's.
func (d *DB) CreateCertificate(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Certificate) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createCertificate(ctx, v, c) })
}

// checkCertificateRefs checks the site, contractor, job and document the
// certificate names, and fills the customer and display names from them.
func (tx *Tx) checkCertificateRefs(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Certificate) error {
	site, err := tx.findSite(ctx, v, c.SiteID)
	if err != nil {
		return notFoundField(err, "site_id", "Site not found.")
	}
	c.CustomerID, c.SiteName, c.ContractorName = site.CustomerID, site.Name, ""
	if c.ContractorID != "" {
		k, err := tx.findContractor(ctx, v, c.ContractorID)
		if err != nil {
			return notFoundField(err, "contractor_id", "Contractor not found.")
		}
		c.ContractorName = k.Name
	}
	if c.JobID != "" {
		if _, _, err := tx.findRef(ctx, v, "job", c.JobID); err != nil {
			return notFoundField(err, "job_id", "Job not found.")
		}
	}
	if c.DocumentID != "" {
		if _, err := tx.findDocument(ctx, v, c.DocumentID); err != nil {
			return notFoundField(err, "document_id", "Document not found.")
		}
	}
	return nil
}

func (tx *Tx) createCertificate(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Certificate) error {
	if err := tx.checkCertificateRefs(ctx, v, c); err != nil {
		return err
	}
	c.ID, c.OrgID, c.CreatedAt, c.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO certificates (id, org_id, external_id, number, cert_type, customer_id,
		site_id, contractor_id, job_id, issued_on, expires_on, document_id, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
		c.ID, c.OrgID, nullStr(c.ExternalID), c.Number, c.Type, c.CustomerID, c.SiteID, nullStr(c.ContractorID),
		nullStr(c.JobID), c.IssuedOn, c.ExpiresOn, nullStr(c.DocumentID), tx.now)
	if err != nil {
		return sqlErr(err, "certificate")
	}
	return tx.audit(ctx, v, "certificate.created", "certificate", c.ID, c.Type)
}

// UpdateCertificate saves a certificate's fields (operator side only).
func (d *DB) UpdateCertificate(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Certificate) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateCertificate(ctx, v, c) })
}

func (tx *Tx) updateCertificate(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Certificate) error {
	old, err := tx.findCertificate(ctx, v, c.ID)
	if err != nil {
		return err
	}
	if err := tx.checkCertificateRefs(ctx, v, c); err != nil {
		return err
	}
	c.OrgID, c.CreatedAt, c.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	_, err = tx.ExecContext(ctx, `UPDATE certificates SET external_id = $2, number = $3, cert_type = $4, customer_id = $5,
		site_id = $6, contractor_id = $7, job_id = $8, issued_on = $9, expires_on = $10, document_id = $11, updated_at = $12
		WHERE id = $1`,
		c.ID, nullStr(c.ExternalID), c.Number, c.Type, c.CustomerID, c.SiteID, nullStr(c.ContractorID), nullStr(c.JobID),
		c.IssuedOn, c.ExpiresOn, nullStr(c.DocumentID), tx.now)
	if err != nil {
		return sqlErr(err, "certificate")
	}
	return tx.audit(ctx, v, "certificate.updated", "certificate", c.ID, c.Type)
}

// UpsertCertificateByExternalID creates or updates the certificate the
// back office knows by c.ExternalID.
func (d *DB) UpsertCertificateByExternalID(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Certificate) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "certificates", c.ExternalID, c.Validate, func(id string) { c.ID = id },
		func(tx *Tx) error { return tx.createCertificate(ctx, v, c) }, func(tx *Tx) error { return tx.updateCertificate(ctx, v, c) })
}

// FindCertificateByID returns a certificate at a site the viewer reaches.
func (d *DB) FindCertificateByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Certificate, error) {
	if err := needModule(v, fieldportal.ModuleCertificates, "certificate"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findCertificate(ctx, v, id)
}

func (tx *Tx) findCertificate(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Certificate, error) {
	var q query
	q.scopeSite(v, "c", "c.site_id")
	q.and("c.id = " + q.arg(id))
	c, err := scanCertificate(tx.QueryRowContext(ctx, q.sql(`SELECT `+certificateColumns+certificateFrom, ""), q.args...))
	return c, sqlErr(err, "certificate")
}

// FindCertificates lists the certificates at the sites the viewer reaches,
// newest first: ordered by (issued_on DESC, id DESC). With UpdatedSince
// the order is (updated_at, id) for API sync.
func (d *DB) FindCertificates(ctx context.Context, v fieldportal.Viewer, f fieldportal.CertificateFilter) ([]*fieldportal.Certificate, string, error) {
	if err := needModule(v, fieldportal.ModuleCertificates, "certificate"); err != nil {
		return nil, "", err
	}
	var q query
	q.scopeSite(v, "c", "c.site_id")
	if f.SiteID != "" {
		q.and("c.site_id = " + q.arg(f.SiteID))
	}
	if f.ContractorID != "" {
		q.and("c.contractor_id = " + q.arg(f.ContractorID))
	}
	if f.Type != "" {
		q.and("c.cert_type = " + q.arg(f.Type))
	}
	if !f.IssuedFrom.IsZero() {
		q.and("c.issued_on >= " + q.arg(f.IssuedFrom))
	}
	if !f.IssuedTo.IsZero() {
		q.and("c.issued_on <= " + q.arg(f.IssuedTo))
	}
	order, byUpdate := "c.issued_on DESC, c.id DESC", !f.UpdatedSince.IsZero()
	if byUpdate {
		q.and("c.updated_at > " + q.arg(f.UpdatedSince.UTC()))
		order = "c.updated_at, c.id"
		if err := q.keyset(f.After, false, "c.updated_at", "c.id"); err != nil {
			return nil, "", err
		}
	} else if err := q.keyset(f.After, true, "c.issued_on", "c.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+certificateColumns+certificateFrom, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanCertificate)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(c *fieldportal.Certificate) string {
		if byUpdate {
			return cursor(c.UpdatedAt, c.ID)
		}
		return cursor(c.IssuedOn, c.ID)
	})
	return list, next, nil
}

// FindCertificateTypes lists the distinct types of the certificates the
// viewer reaches (the type filter).
func (d *DB) FindCertificateTypes(ctx context.Context, v fieldportal.Viewer) ([]string, error) {
	if err := needModule(v, fieldportal.ModuleCertificates, "certificate"); err != nil {
		return nil, err
	}
	var q query
	q.scopeSite(v, "c", "c.site_id")
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT DISTINCT c.cert_type FROM certificates c`, "ORDER BY c.cert_type"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanText)
}
