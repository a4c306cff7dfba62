package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The list of documents (/documents, its CSV, a record's attachments, and
// the API's sync): every file the viewer may see, filtered by what it is
// attached to, its type and its name, a keyset page at a time. A contact
// of a few sites reads its files through the site and customer indexes;
// anyone else walks the organisation's files in list order
// (documents_org, documents_kind_name, documents_newest) until a page of
// its own is found.

const documentListColumns = documentColumns + `, COALESCE(ds.name, '')`

func scanDocumentRow(row interface{ Scan(...any) error }) (*fieldportal.Document, error) {
	var d fieldportal.Document
	err := row.Scan(&d.ID, &d.OrgID, str(&d.ExternalID), &d.Name, &d.ContentType, &d.Size, &d.SHA256, &d.StorageKey,
		&d.AttachedTo, &d.CustomerID, str(&d.SiteID), str(&d.JobID), str(&d.QuoteID), str(&d.InvoiceID), str(&d.AssetID),
		str(&d.CertificateID), str(&d.IssueID), str(&d.UploadedByContact), str(&d.UploadedByStaff), &d.VisibleToCustomer,
		tm(&d.CreatedAt), tm(&d.UpdatedAt), &d.SiteName)
	return &d, err
}

// documentTypeSQL is a file's DocumentTypes value as SQL over its content
// type column: the expression migration 182 indexes (documents_type_name),
// built the same way, so the planners use the index.
func documentTypeSQL(col string) string {
	var b strings.Builder
	b.WriteString("(CASE")
	for _, t := range fieldportal.DocumentTypes {
		if len(t.ContentTypes) == 0 {
			continue
		}
		b.WriteString(" WHEN " + col + " IN (")
		for i, c := range t.ContentTypes {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("'" + c + "'")
		}
		b.WriteString(") THEN '" + t.Value + "'")
	}
	b.WriteString(" ELSE 'other' END)")
	return b.String()
}

type documentOrder struct {
	by  string
	key func(*fieldportal.Document) string
}

// documentListQuery is the query of f's documents in f's order, after
// f.After; the caller adds the limit.
func documentListQuery(d Dialect, v fieldportal.Viewer, f fieldportal.DocumentFilter, few bool) (string, []any, documentOrder, error) {
	var q query
	q.scopeDocument(v)
	// By name, through its text index (search_later.go).
	q.searchIndexed(d, f.Search, "d", documentText)
	for _, c := range [][2]string{{"d.attached_to", f.AttachedTo}, {"d.site_id", f.SiteID}, {"d.job_id", f.JobID},
		{"d.quote_id", f.QuoteID}, {"d.invoice_id", f.InvoiceID}, {"d.asset_id", f.AssetID},
		{"d.certificate_id", f.CertificateID}, {"d.issue_id", f.IssueID}, {"d.customer_id", f.CustomerID},
		{"d.external_id", f.ExternalID}} {
		if c[1] != "" {
			q.and(c[0] + " = " + q.arg(c[1]))
		}
	}
	if f.CustomerOnly {
		q.and("d.attached_to = 'customer'")
	}
	if f.Type != "" {
		known := f.Type == "other"
		for _, t := range fieldportal.DocumentTypes {
			known = known || t.Value == f.Type
		}
		if !known {
			return "", nil, documentOrder{}, fieldportal.FieldErrorf("type", "Choose a type from the list.")
		}
		q.and(documentTypeSQL("d.content_type") + " = " + q.arg(f.Type))
	}
	var o documentOrder
	var err error
	switch {
	case !f.UpdatedSince.IsZero():
		q.updatedSince("d.updated_at", f.UpdatedSince, f.Page.After)
		o = documentOrder{"d.updated_at, d.id", func(x *fieldportal.Document) string { return cursor(x.UpdatedAt, x.ID) }}
		err = q.keyset(f.After, false, "d.updated_at", "d.id")
	case f.Sort == fieldportal.DocumentSortNewest:
		o = documentOrder{"d.created_at DESC, d.id DESC", func(x *fieldportal.Document) string { return cursor(x.CreatedAt, x.ID) }}
		err = q.keyset(f.After, true, "d.created_at", "d.id")
	default:
		o = documentOrder{"d.name, d.id", func(x *fieldportal.Document) string { return cursor(x.Name, x.ID) }}
		err = q.keyset(f.After, false, "d.name", "d.id")
	}
	if err != nil {
		return "", nil, o, err
	}
	if few {
		// A contact of a few sites reads its files through their sites'
		// and customers' indexes (documents_site, documents_customer)
		// and sorts them, rather than walking the organisation's. The two
		// kinds are two branches of a UNION ALL (a file has a site or
		// none): as one OR, PostgreSQL could drive neither index and
		// walked all 500,000 files of the organisation in name order for
		// a one-site contact's nine (1.0 s). Each branch repeats the scope
		// with the rest of the conditions: the plan changes, not the rows.
		where := q.whereSQL()
		and := " AND "
		if where == "" {
			and = " WHERE "
		}
		// SQLite is told the customers' index: for "site_id IS NULL" it
		// would take the sites' one, every customer's files of the
		// organisation (65 ms).
		inner := "SELECT d.* FROM documents d" + sqliteOnly("INDEXED BY documents_site") + where + and +
			"d.site_id IN (SELECT rs.id FROM sites rs WHERE " + q.siteReachable("rs.id", "rs.customer_id") + ")" +
			" UNION ALL SELECT d.* FROM documents d" + sqliteOnly("INDEXED BY documents_customer") + where + and +
			"d.site_id IS NULL AND d.customer_id IN (SELECT customer_id FROM reach_customers)"
		return q.prefix() + `SELECT ` + documentListColumns + ` FROM (` + inner + `) d LEFT JOIN sites ds ON ds.id = d.site_id ORDER BY ` + o.by,
			q.args, o, nil
	}
	return q.sql(`SELECT `+documentListColumns+` FROM documents d LEFT JOIN sites ds ON ds.id = d.site_id`, "ORDER BY "+o.by), q.args, o, nil
}

// FindDocuments lists the documents the viewer may see, by name (then id)
// or newest first. With UpdatedSince the order is (updated_at, id) for
// API sync.
func (d *DB) FindDocuments(ctx context.Context, v fieldportal.Viewer, f fieldportal.DocumentFilter) ([]*fieldportal.Document, string, error) {
	if err := needModule(v, fieldportal.ModuleDocuments, "document"); err != nil {
		return nil, "", err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	text, args, o, err := documentListQuery(d.dialect, v, f, few)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.read.QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanDocumentRow)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, o.key)
	return list, next, nil
}

// EachDocument calls fn with every document f selects, in its order,
// across all pages (the cursor is ignored): the Documents page's CSV.
func (d *DB) EachDocument(ctx context.Context, v fieldportal.Viewer, f fieldportal.DocumentFilter, fn func(*fieldportal.Document) error) error {
	if err := needModule(v, fieldportal.ModuleDocuments, "document"); err != nil {
		return err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	var key func(*fieldportal.Document) string
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		text, args, o, err := documentListQuery(d.dialect, v, f, few)
		key = o.key
		return text, args, err
	}, scanDocumentRow, func(x *fieldportal.Document) string { return key(x) }, fn)
}
