package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// refKind describes a kind of record that a document (or a test or a
// certificate) refers to: its table, the columns that give its customer
// and site, and the access rule of that table.
type refKind struct {
	table, customerCol, siteCol string
	scope                       func(q *query, v fieldportal.Viewer)
}

func siteBound(q *query, v fieldportal.Viewer) { q.scopeSite(v, "x", "x.site_id") }

var refKinds = map[string]refKind{
	"customer":    {"customers", "x.id", "NULL", func(q *query, v fieldportal.Viewer) { q.scopeCustomer(v, "x") }},
	"site":        {"sites", "x.customer_id", "x.id", func(q *query, v fieldportal.Viewer) { q.scopeSite(v, "x", "x.id") }},
	"job":         {"jobs", "x.customer_id", "x.site_id", siteBound},
	"quote":       {"quotes", "x.customer_id", "x.site_id", siteBound},
	"issue":       {"issues", "x.customer_id", "x.site_id", siteBound},
	"asset":       {"assets", "x.customer_id", "x.site_id", siteBound},
	"certificate": {"certificates", "x.customer_id", "x.site_id", siteBound},
	"invoice":     {"invoices", "x.customer_id", "x.site_id", func(q *query, v fieldportal.Viewer) { q.scopeSiteOrCustomer(v, "x") }},
}

// findRef returns the customer and site ("" when it has none) of a record
// of the kind that the viewer reaches, or "not found".
func (tx *Tx) findRef(ctx context.Context, v fieldportal.Viewer, kind, id string) (customerID, siteID string, err error) {
	k, ok := refKinds[kind]
	if !ok {
		return "", "", fieldportal.NotFound(kind)
	}
	q := query{probe: true} // one record: the reach probed (reachProbe)
	k.scope(&q, v)
	if err := refModules(&q, v, kind); err != nil {
		return "", "", err
	}
	q.and("x.id = " + q.arg(id))
	err = tx.QueryRowContext(ctx, q.sql(`SELECT `+k.customerCol+`, `+k.siteCol+` FROM `+k.table+` x`, ""), q.args...).
		Scan(&customerID, str(&siteID))
	return customerID, siteID, sqlErr(err, kind)
}

// refModules refuses, as "not found", a job, quote or issue of a module
// the viewer may not use, as their own finders do (SPEC §2.4): a contact
// of the Service page alone cannot attach files to an install job, nor
// anyone without Quotes to a quote, by guessing its id.
func refModules(q *query, v fieldportal.Viewer, kind string) error {
	switch kind {
	case "job":
		var kinds []fieldportal.JobKind
		for _, k := range []fieldportal.JobKind{fieldportal.JobService, fieldportal.JobInstall} {
			if v.CanUse(k.Module()) {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			return fieldportal.NotFound("job")
		}
		inList(q, "x.kind", kinds)
	case "quote":
		return needModule(v, fieldportal.ModuleQuotes, "quote")
	case "issue":
		return needModule(v, fieldportal.ModuleIssues, "issue")
	}
	return nil
}

// contactUploadKinds are the records a contact may attach files to: its
// requests and reports, its sites and its own customer (Preferences).
// Invoices, assets and certificates are the operator's documents.
var contactUploadKinds = map[string]bool{"job": true, "quote": true, "issue": true, "site": true, "customer": true}

const documentColumns = `d.id, d.org_id, d.external_id, d.name, d.content_type, d.size, d.sha256, d.storage_key,
	d.attached_to, d.customer_id, d.site_id, d.job_id, d.quote_id, d.invoice_id, d.asset_id, d.certificate_id,
	d.issue_id, d.uploaded_by_contact, d.uploaded_by_staff, d.visible_to_customer, d.created_at, d.updated_at`

func scanDocument(row interface{ Scan(...any) error }) (*fieldportal.Document, error) {
	var d fieldportal.Document
	err := row.Scan(&d.ID, &d.OrgID, str(&d.ExternalID), &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.StorageKey,
		&d.AttachedTo, &d.CustomerID, str(&d.SiteID), str(&d.JobID), str(&d.QuoteID), str(&d.InvoiceID), str(&d.AssetID),
		str(&d.CertificateID), str(&d.IssueID), str(&d.UploadedByContact), str(&d.UploadedByStaff), &d.VisibleToCustomer,
		tm(&d.CreatedAt), tm(&d.UpdatedAt))
	return &d, err
}

// attachedIDs points at the document's reference of each kind.
func attachedIDs(d *fieldportal.Document) map[string]*string {
	return map[string]*string{"customer": &d.CustomerID, "site": &d.SiteID, "job": &d.JobID, "quote": &d.QuoteID,
		"invoice": &d.InvoiceID, "asset": &d.AssetID, "certificate": &d.CertificateID, "issue": &d.IssueID}
}

// CreateDocument records a document whose bytes the caller has already
// stored under doc.StorageKey (an ID set beforehand with NewID is kept).
// The customer and site are taken from the record it is attached to, and
// the other references are cleared, so the file is scoped exactly like
// that record. A contact may upload (when allowed) to its jobs, quotes,
// issues, sites and customer; its files are always visible to customers.
func (d *DB) CreateDocument(ctx context.Context, v fieldportal.Viewer, doc *fieldportal.Document) error {
	if err := mayUpload(v, doc.AttachedTo); err != nil {
		return err
	}
	if doc.StorageKey == "" {
		return fieldportal.Errorf(fieldportal.EINTERNAL, "The document's file was not stored.")
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createDocument(ctx, v, doc) })
}

// mayUpload refuses a viewer who may not attach files to that kind of
// record: a contact needs the upload action and a kind of its own
// records; anyone else must be staff.
func mayUpload(v fieldportal.Viewer, attachedTo string) error {
	if v.IsContact() {
		if !v.CanDo(fieldportal.ActionUpload) || !contactUploadKinds[attachedTo] {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot upload files here.")
		}
		return nil
	}
	return needStaff(v)
}

// createDocument is CreateDocument in tx, once the viewer may upload.
func (tx *Tx) createDocument(ctx context.Context, v fieldportal.Viewer, doc *fieldportal.Document) error {
	refs := attachedIDs(doc)
	p, ok := refs[doc.AttachedTo]
	if ok && *p == "" {
		return fieldportal.FieldErrorf(doc.AttachedTo+"_id", "The record the document is attached to is required.")
	} else if ok {
		customerID, siteID, err := tx.findRef(ctx, v, doc.AttachedTo, *p)
		if err != nil {
			return notFoundField(err, doc.AttachedTo+"_id", "The record the document is attached to was not found.")
		}
		id := *p
		for _, q := range refs {
			*q = ""
		}
		*p, doc.CustomerID, doc.SiteID = id, customerID, siteID
	}
	if err := doc.Validate(); err != nil {
		return err
	}
	if doc.ID == "" {
		doc.ID = newID()
	}
	doc.OrgID, doc.CreatedAt, doc.UpdatedAt = v.OrgID, tx.now, tx.now
	doc.UploadedByContact, doc.UploadedByStaff = "", ""
	switch v.Kind() {
	case fieldportal.ViewerContact:
		doc.UploadedByContact, doc.VisibleToCustomer = v.ContactID, true
	case fieldportal.ViewerStaff:
		doc.UploadedByStaff = v.StaffID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO documents (id, org_id, external_id, name, content_type, size, sha256,
		storage_key, attached_to, customer_id, site_id, job_id, quote_id, invoice_id, asset_id, certificate_id, issue_id,
		uploaded_by_contact, uploaded_by_staff, visible_to_customer, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $21)`,
		doc.ID, doc.OrgID, nullStr(doc.ExternalID), doc.Name, doc.ContentType, doc.Size, doc.SHA256, doc.StorageKey,
		doc.AttachedTo, doc.CustomerID, nullStr(doc.SiteID), nullStr(doc.JobID), nullStr(doc.QuoteID),
		nullStr(doc.InvoiceID), nullStr(doc.AssetID), nullStr(doc.CertificateID), nullStr(doc.IssueID),
		nullStr(doc.UploadedByContact), nullStr(doc.UploadedByStaff), doc.VisibleToCustomer, tx.now)
	if err != nil {
		return sqlErr(err, "document")
	}
	// A contact may only add files it can then see: a customer-level
	// file is out of reach of a contact limited to assigned sites.
	if v.IsContact() {
		if _, err := tx.findDocument(ctx, v, doc.ID); err != nil {
			return notFoundField(err, doc.AttachedTo+"_id", "The record the document is attached to was not found.")
		}
	}
	if err := tx.emitEvent(ctx, v, v.OrgID, "document.uploaded", doc); err != nil {
		return err
	}
	return tx.audit(ctx, v, "document.created", "document", doc.ID, doc.Name)
}

// UpdateDocument saves what the operator may change of a document: its
// name, its visibility to customers and its external id. The file and
// what it is attached to stay. With IfUpdatedAt it saves only over that
// version (the API's If-Match).
func (d *DB) UpdateDocument(ctx context.Context, v fieldportal.Viewer, doc *fieldportal.Document) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		old, err := tx.findDocument(ctx, v, doc.ID)
		if err != nil {
			return err
		}
		name, visible, ext, ifAt := doc.Name, doc.VisibleToCustomer, doc.ExternalID, doc.IfUpdatedAt
		*doc = *old
		doc.Name, doc.VisibleToCustomer, doc.ExternalID, doc.UpdatedAt = name, visible, ext, tx.now
		if err := doc.Validate(); err != nil {
			return err
		}
		args := []any{doc.ID, doc.Name, doc.VisibleToCustomer, nullStr(doc.ExternalID), tx.now}
		res, err := tx.ExecContext(ctx, `UPDATE documents SET name = $2, visible_to_customer = $3, external_id = $4,
			updated_at = $5 WHERE id = $1`+ifUnchanged(&args, ifAt), args...)
		if err == nil {
			err = checkUnchanged(res, ifAt)
		}
		if err != nil {
			return sqlErr(err, "document")
		}
		return tx.audit(ctx, v, "document.updated", "document", doc.ID, doc.Name)
	})
}

// scopeDocument applies the access rule of documents: that of the record
// they are attached to (site, or customer only), and for contacts only the
// files the operator made visible to customers. A file of a job, quote,
// issue, invoice, asset or certificate is part of that record's module
// too (SPEC §2.4, as refModules says for uploads): a contact without the
// Quotes page lists and opens no quote's files, one of the Service page
// alone no install job's, one without Issues no issue's photos, whatever
// its Documents page says.
func (q *query) scopeDocument(v fieldportal.Viewer) {
	q.scopeSiteOrCustomer(v, "d")
	if !v.IsContact() {
		return
	}
	q.and("d.visible_to_customer = TRUE")
	for _, c := range []struct {
		m   fieldportal.Module
		col string
	}{{fieldportal.ModuleQuotes, "d.quote_id"}, {fieldportal.ModuleIssues, "d.issue_id"}, {fieldportal.ModuleInvoices, "d.invoice_id"},
		{fieldportal.ModuleAssets, "d.asset_id"}, {fieldportal.ModuleCertificates, "d.certificate_id"}} {
		if !v.CanUse(c.m) {
			q.and(c.col + " IS NULL")
		}
	}
	service, install := v.CanUse(fieldportal.ModuleService), v.CanUse(fieldportal.ModuleInstall)
	switch {
	case !service && !install:
		q.and("d.job_id IS NULL")
	case !service || !install:
		kind := fieldportal.JobService
		if install {
			kind = fieldportal.JobInstall
		}
		q.and("(d.job_id IS NULL OR EXISTS (SELECT 1 FROM jobs dj WHERE dj.id = d.job_id AND dj.kind = " + q.arg(kind) + "))")
	}
}

// FindDocumentByID returns a document the viewer may see (and so download).
func (d *DB) FindDocumentByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Document, error) {
	if err := needModule(v, fieldportal.ModuleDocuments, "document"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findDocument(ctx, v, id)
}

func (tx *Tx) findDocument(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Document, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeDocument(v)
	q.and("d.id = " + q.arg(id))
	doc, err := scanDocument(tx.QueryRowContext(ctx, q.sql(`SELECT `+documentColumns+` FROM documents d`, ""), q.args...))
	return doc, sqlErr(err, "document")
}
