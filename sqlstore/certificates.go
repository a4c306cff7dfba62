package sqlstore

import (
	"context"
	"io"
	"strconv"

	"github.com/fieldportal/fieldportal"
)

const certificateColumns = `c.id, c.org_id, c.external_id, c.number, c.cert_type, c.customer_id, c.site_id,
	c.contractor_id, c.job_id, c.issued_on, c.expires_on, c.document_id, c.created_at, c.updated_at, s.name, k.name,
	(SELECT dd.name FROM documents dd WHERE dd.id = c.document_id AND dd.site_id = c.site_id AND dd.visible_to_customer = TRUE)`

const certificateFrom = ` FROM certificates c JOIN sites s ON s.id = c.site_id LEFT JOIN contractors k ON k.id = c.contractor_id`

func scanCertificate(row interface{ Scan(...any) error }) (*fieldportal.Certificate, error) {
	var c fieldportal.Certificate
	err := row.Scan(&c.ID, &c.OrgID, str(&c.ExternalID), &c.Number, &c.Type, &c.CustomerID, &c.SiteID,
		str(&c.ContractorID), str(&c.JobID), &c.IssuedOn, &c.ExpiresOn, str(&c.DocumentID), tm(&c.CreatedAt),
		tm(&c.UpdatedAt), &c.SiteName, str(&c.ContractorName), str(&c.DocumentName))
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

// IssueCertificate creates a certificate with its file (when files holds
// one) in one transaction: the certificate, the file's document (shown to
// customers when visible) and the certificate's link to it are saved
// together or not at all. The bytes go to the file store first, outside
// the transaction, like every attachment's (attachments.go): a refused
// certificate leaves them behind under their hash, named by nothing.
func (d *DB) IssueCertificate(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Certificate, files []fieldportal.Upload, visible bool) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if len(files) > 1 {
		return fieldportal.FieldErrorf("file", "Choose one file for the certificate.")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	stored, err := d.storeUploads(ctx, v, "certificate", files)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if err := tx.createCertificate(ctx, v, c); err != nil {
			return err
		}
		docs, err := tx.attachUploads(ctx, v, "certificate", c.ID, stored)
		if err != nil || len(docs) == 0 {
			return err
		}
		doc := docs[0]
		doc.VisibleToCustomer = visible
		if _, err := tx.ExecContext(ctx, `UPDATE documents SET visible_to_customer = $2 WHERE id = $1`, doc.ID, visible); err != nil {
			return sqlErr(err, "document")
		}
		c.DocumentID, c.DocumentName = doc.ID, ""
		if visible {
			c.DocumentName = doc.Name
		}
		if _, err := tx.ExecContext(ctx, `UPDATE certificates SET document_id = $2 WHERE id = $1`, c.ID, doc.ID); err != nil {
			return sqlErr(err, "certificate")
		}
		return nil
	})
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
	c.DocumentName = ""
	if c.DocumentID != "" {
		// The file is held until the save commits: a delete of it
		// (DeleteDocument) waits and then unlinks it, or ran first and
		// the file is not found, never a link to a file that is gone.
		if _, err := tx.ExecContext(ctx, `SELECT 1 FROM documents WHERE id = $1 AND org_id = $2`+tx.db.dialect.forShare(),
			c.DocumentID, v.OrgID); err != nil {
			return err
		}
		doc, err := tx.findDocument(ctx, v, c.DocumentID)
		if err != nil {
			return notFoundField(err, "document_id", "Document not found.")
		}
		// The file is the certificate's site's: a contact of that site
		// gets it through the certificate, whatever else it reaches.
		if doc.SiteID != c.SiteID {
			return fieldportal.FieldErrorf("document_id", "The document is not one of the certificate's site.")
		}
		if doc.VisibleToCustomer {
			c.DocumentName = doc.Name
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
	args := []any{c.ID, nullStr(c.ExternalID), c.Number, c.Type, c.CustomerID, c.SiteID, nullStr(c.ContractorID),
		nullStr(c.JobID), c.IssuedOn, c.ExpiresOn, nullStr(c.DocumentID), tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE certificates SET external_id = $2, number = $3, cert_type = $4, customer_id = $5,
		site_id = $6, contractor_id = $7, job_id = $8, issued_on = $9, expires_on = $10, document_id = $11, updated_at = $12
		WHERE id = $1`+ifUnchanged(&args, c.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, c.IfUpdatedAt)
	}
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
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "c", "c.site_id")
	q.and("c.id = " + q.arg(id))
	c, err := scanCertificate(tx.QueryRowContext(ctx, q.sql(`SELECT `+certificateColumns+certificateFrom, ""), q.args...))
	return c, sqlErr(err, "certificate")
}

// FindCertificates lists the certificates at the sites the viewer reaches,
// newest first: ordered by (issued_on DESC, id DESC). With a status the
// expiring ones come soonest expiry first and the expired ones latest
// first, each read by its expiry (certificates_expiry). With
// UpdatedSince the order is (updated_at, id) for API sync.
func (d *DB) FindCertificates(ctx context.Context, v fieldportal.Viewer, f fieldportal.CertificateFilter) ([]*fieldportal.Certificate, string, error) {
	if err := needModule(v, fieldportal.ModuleCertificates, "certificate"); err != nil {
		return nil, "", err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	text, args, key, err := certificateQuery(v, f, few)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanCertificate)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, key)
	return list, next, nil
}

// certificateQuery is the text of a FindCertificates list without its
// LIMIT, its arguments and the cursor of a row.
func certificateQuery(v fieldportal.Viewer, f fieldportal.CertificateFilter, few bool) (string, []any, func(*fieldportal.Certificate) string, error) {
	var q query
	q.scopeSite(v, "c", "c.site_id")
	if few {
		q.onlyReachableSites("c.site_id")
	}
	if f.SiteID != "" {
		q.and("c.site_id = " + q.arg(f.SiteID))
	}
	if f.ContractorID != "" {
		q.and("c.contractor_id = " + q.arg(f.ContractorID))
	}
	if f.Type != "" {
		q.and("c.cert_type = " + q.arg(f.Type))
	}
	if f.ExternalID != "" {
		q.and("c.external_id = " + q.arg(f.ExternalID))
	}
	if !f.IssuedFrom.IsZero() {
		q.and("c.issued_on >= " + q.arg(f.IssuedFrom))
	}
	if !f.IssuedTo.IsZero() {
		q.and("c.issued_on <= " + q.arg(f.IssuedTo))
	}
	first, last := fieldportal.ExpiringSpan(f.Today)
	order, cols, desc := "c.issued_on DESC, c.id DESC", []string{"c.issued_on", "c.id"}, true
	key := func(c *fieldportal.Certificate) string { return cursor(c.IssuedOn, c.ID) }
	byExpiry := func(c *fieldportal.Certificate) string { return cursor(c.ExpiresOn, c.ID) }
	switch f.Status {
	case fieldportal.CertificateExpiring:
		q.and("c.expires_on >= " + q.arg(first) + " AND c.expires_on <= " + q.arg(last))
		order, cols, desc, key = "c.expires_on, c.id", []string{"c.expires_on", "c.id"}, false, byExpiry
	case fieldportal.CertificateExpired:
		q.and("c.expires_on < " + q.arg(first))
		order, cols, desc, key = "c.expires_on DESC, c.id DESC", []string{"c.expires_on", "c.id"}, true, byExpiry
	case fieldportal.CertificateValid:
		q.and("(c.expires_on IS NULL OR c.expires_on > " + q.arg(last) + ")")
	}
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("c.updated_at", f.UpdatedSince, f.Page.After)
		order, cols, desc = "c.updated_at, c.id", []string{"c.updated_at", "c.id"}, false
		key = func(c *fieldportal.Certificate) string { return cursor(c.UpdatedAt, c.ID) }
	}
	if err := q.keyset(f.After, desc, cols...); err != nil {
		return "", nil, nil, err
	}
	return q.sql(`SELECT `+certificateColumns+certificateFrom, "ORDER BY "+order), q.args, key, nil
}

// EachCertificate calls fn with every certificate FindCertificates would
// list for f, across all its pages (a CSV); f.Page is ignored. It reads a
// chunk at a time and holds no connection while fn runs.
func (d *DB) EachCertificate(ctx context.Context, v fieldportal.Viewer, f fieldportal.CertificateFilter, fn func(*fieldportal.Certificate) error) error {
	return eachPage(ctx, func(after string) ([]*fieldportal.Certificate, string, error) {
		f.Page = fieldportal.Page{After: after, Limit: fieldportal.MaxLimit}
		return d.FindCertificates(ctx, v, f)
	}, fn)
}

// eachPage walks a keyset-paged list page by page, calling fn with each
// row; each page is one query, closed before fn sees its rows.
func eachPage[T any](ctx context.Context, page func(after string) ([]T, string, error), fn func(T) error) error {
	after := ""
	for {
		list, next, err := page(after)
		if err != nil {
			return err
		}
		for _, x := range list {
			if err := fn(x); err != nil {
				return err
			}
		}
		if next == "" {
			return ctx.Err()
		}
		after = next
	}
}

// CountExpiringCertificates counts the certificates the viewer reaches
// that expire within fieldportal.CertificateSoonDays of today and have
// not expired, up to fieldportal.ExpiringCountCap (the dashboard's tile).
// It reads only that range of expiry dates: the organisation's
// (certificates_expiry) for staff and contacts of many sites, each
// reachable site's (certificates_site_expiry) for a contact of few.
func (d *DB) CountExpiringCertificates(ctx context.Context, v fieldportal.Viewer, today fieldportal.Date) (int, error) {
	if err := needModule(v, fieldportal.ModuleCertificates, "certificate"); err != nil {
		return 0, err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return 0, err
	}
	var q query
	sub, err := expiringCount(&q, v, few, today)
	return countOne(ctx, d.db, &q, sub, err)
}

// expiringCount is the sub-query of CountExpiringCertificates, for the
// dashboard's one statement of counts: a count of at most
// ExpiringCountCap rows of one range of expiry dates.
func expiringCount(q *query, v fieldportal.Viewer, few bool, today fieldportal.Date) (string, error) {
	first, last := fieldportal.ExpiringSpan(today)
	inner, err := q.sub("SELECT 1 AS one FROM certificates c", func() error {
		q.scopeSite(v, "c", "c.site_id")
		if few {
			q.onlyReachableSites("c.site_id")
		}
		q.and("c.expires_on >= " + q.arg(first) + " AND c.expires_on <= " + q.arg(last))
		return nil
	})
	if err != nil {
		return "", err
	}
	return "(SELECT count(*) FROM " + inner[:len(inner)-1] + " LIMIT " + strconv.Itoa(fieldportal.ExpiringCountCap) + ") capped)", nil
}

// OpenCertificateFile returns the file of a certificate the viewer
// reaches, with its bytes: the certificate's scope decides first, then
// the file must be one shown to customers (staff see every file). A
// certificate out of reach, without a file, or whose file is kept from
// customers is "not found". The file is read through OpenDocument, as
// the system: the certificate's module, not the documents', grants it.
func (d *DB) OpenCertificateFile(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Document, io.ReadCloser, error) {
	c, err := d.FindCertificateByID(ctx, v, id)
	if err != nil {
		return nil, nil, err
	}
	noFile := fieldportal.Errorf(fieldportal.ENOTFOUND, "This certificate has no file to download.")
	if c.DocumentID == "" {
		return nil, nil, noFile
	}
	doc, err := d.FindDocumentByID(ctx, fieldportal.SystemViewer(v.OrgID, "certificate file"), c.DocumentID)
	if err != nil {
		return nil, nil, err
	}
	// Only a file of the certificate's own site, whatever the link says
	// (a row linked before the store refused others): the certificate's
	// reach is the file's only when they share the site.
	if doc.SiteID != c.SiteID || (!doc.VisibleToCustomer && !v.SeesWholeOrg()) {
		return nil, nil, noFile
	}
	data, err := d.openFile(ctx, doc)
	if err != nil {
		return nil, nil, err
	}
	return doc, data, nil
}

// FindCertificateTypes lists the distinct types of the certificates the
// viewer reaches (the type filter). It never reads every reachable
// certificate (migration 00196): a contact of few sites reads its sites'
// types (certificates_site_type); anyone else reads the organisation's
// few types (certificates_type) and keeps each one that a certificate in
// reach has, which for a contact of many sites is found after a few
// probes of the same index.
func (d *DB) FindCertificateTypes(ctx context.Context, v fieldportal.Viewer) ([]string, error) {
	if err := needModule(v, fieldportal.ModuleCertificates, "certificate"); err != nil {
		return nil, err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, err
	}
	var q query
	var text string
	if few {
		q.scopeSite(v, "c", "c.site_id")
		q.onlyReachableSites("c.site_id")
		text = q.sql(`SELECT DISTINCT c.cert_type FROM certificates c`, "ORDER BY c.cert_type")
	} else {
		org := q.arg(v.OrgID)
		inner, err := q.sub("SELECT 1 FROM certificates c", func() error {
			q.scopeSite(v, "c", "c.site_id")
			q.and("c.cert_type = t.cert_type")
			return nil
		})
		if err != nil {
			return nil, err
		}
		// The organisation's types, one index probe each (a loose scan of
		// certificates_type): a DISTINCT read all 20,000 of its
		// certificates' index entries on PostgreSQL, which does no skip
		// scans (6.8 ms of the page's SQL for a big parent at large).
		q.cte("org_cert_types", `SELECT (SELECT min(tc.cert_type) FROM certificates tc WHERE tc.org_id = `+org+`) AS cert_type
			UNION ALL SELECT (SELECT min(tc.cert_type) FROM certificates tc WHERE tc.org_id = `+org+` AND tc.cert_type > ot.cert_type)
			FROM org_cert_types ot WHERE ot.cert_type IS NOT NULL`)
		text = q.prefix() + `SELECT t.cert_type FROM org_cert_types t WHERE t.cert_type IS NOT NULL AND EXISTS ` + inner + ` ORDER BY t.cert_type`
	}
	rows, err := d.db.QueryContext(ctx, text, q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanText)
}
