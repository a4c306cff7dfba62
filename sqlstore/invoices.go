package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldportal/fieldportal"
)

const invoiceColumns = `i.id, i.org_id, i.external_id, i.number, i.customer_id, i.site_id, i.job_id, i.contractor_id,
	i.issue_date, i.due_date, i.description, i.subtotal, i.tax, i.total, i.amount_paid, i.status, i.created_at,
	i.updated_at, s.name, j.number, s.address_line1, s.address_line2, s.city, s.region, s.postcode, s.country, s.uprn,
	c.name, j.kind`

// invoiceFrom joins the site's name, address and UPRN, the job's number
// and the contractor's name shown in lists; the job join also serves the
// search by job number.
const invoiceFrom = ` FROM invoices i LEFT JOIN sites s ON s.id = i.site_id LEFT JOIN jobs j ON j.id = i.job_id
	LEFT JOIN contractors c ON c.id = i.contractor_id`

func scanInvoice(row interface{ Scan(...any) error }) (*fieldportal.Invoice, error) {
	var i fieldportal.Invoice
	err := scanInvoiceInto(row, &i)
	return &i, err
}

// scanInvoiceInto scans invoiceColumns into i, then any columns after them
// into more.
func scanInvoiceInto(row interface{ Scan(...any) error }, i *fieldportal.Invoice, more ...any) error {
	return row.Scan(append([]any{&i.ID, &i.OrgID, str(&i.ExternalID), &i.Number, &i.CustomerID, str(&i.SiteID), str(&i.JobID),
		str(&i.ContractorID), &i.IssueDate, &i.DueDate, &i.Description, money(&i.Subtotal), money(&i.Tax),
		money(&i.Total), money(&i.AmountPaid), &i.Status, tm(&i.CreatedAt), tm(&i.UpdatedAt), str(&i.SiteName),
		str(&i.JobNumber), str(&i.SiteAddress.Line1), str(&i.SiteAddress.Line2), str(&i.SiteAddress.City),
		str(&i.SiteAddress.Region), str(&i.SiteAddress.Postcode), str(&i.SiteAddress.Country), str(&i.SiteUPRN),
		str(&i.ContractorName), str((*string)(&i.JobKind))}, more...)...)
}

// CreateInvoice adds an invoice with its lines (operator side only). An
// empty number gets the organisation's next INV-n; the customer and site
// are filled from the job or site when left empty. The status follows the
// amounts (Invoice.StatusFor), except that a void invoice stays void.
func (d *DB) CreateInvoice(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createInvoice(ctx, v, inv) })
}

func (tx *Tx) createInvoice(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	if strings.TrimSpace(inv.Number) == "" {
		n, err := tx.nextNumber(ctx, v.OrgID, "invoice", 1001)
		if err != nil {
			return err
		}
		inv.Number = fmt.Sprintf("INV-%d", n)
	}
	if err := tx.checkInvoiceRefs(ctx, v, inv); err != nil {
		return err
	}
	inv.Status = inv.StatusFor()
	if err := inv.Validate(); err != nil {
		return err
	}
	inv.ID, inv.OrgID, inv.CreatedAt, inv.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO invoices (id, org_id, external_id, number, customer_id, site_id, job_id,
		contractor_id, issue_date, due_date, description, subtotal, tax, total, amount_paid, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17)`,
		inv.ID, inv.OrgID, nullStr(inv.ExternalID), inv.Number, inv.CustomerID, nullStr(inv.SiteID), nullStr(inv.JobID),
		nullStr(inv.ContractorID), inv.IssueDate, inv.DueDate, inv.Description, inv.Subtotal, inv.Tax, inv.Total,
		inv.AmountPaid, inv.Status, tx.now)
	if err != nil {
		return sqlErr(err, "invoice")
	}
	if err := tx.putInvoiceLines(ctx, inv); err != nil {
		return err
	}
	// A deposit paid for the job's quote is deducted (issue 22).
	if err := tx.allocateDeposits(ctx, v, inv); err != nil {
		return err
	}
	if err := tx.tallyRecord(ctx, inv.SiteID, inv.CustomerID); err != nil {
		return err
	}
	return tx.audit(ctx, v, "invoice.created", "invoice", inv.ID, inv.Number)
}

// UpdateInvoice saves an invoice and replaces its lines (operator side
// only). The amount paid is not taken from inv: it is the sum of the
// payments allocated to the invoice (RecordPayment, RefundPayment), read
// from the stored row under its lock, so an edit can never overwrite a
// payment recorded meanwhile (issue 19: money has one source of truth);
// likewise a void invoice stays void, and an edit never voids one.
func (d *DB) UpdateInvoice(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateInvoice(ctx, v, inv) })
}

func (tx *Tx) updateInvoice(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	old, err := tx.findInvoice(ctx, v, inv.ID)
	if err != nil {
		return err
	}
	// Counted for its customer before the change; tallyRecord after. It
	// locks the row: the amount paid read next is the one that stays.
	if err := tx.tallyStored(ctx, "invoices", inv.ID); err != nil {
		return err
	}
	// Voided stays void: an edit made from a copy read before the void
	// (the API's PATCH, an upsert) must not bring the invoice back.
	var stored fieldportal.InvoiceStatus
	if err := tx.QueryRowContext(ctx, `SELECT amount_paid, status FROM invoices WHERE id = $1`, inv.ID).Scan(money(&inv.AmountPaid), &stored); err != nil {
		return sqlErr(err, "invoice")
	}
	// And only VoidInvoice voids (its reason, audit and event): a void
	// status brought by an edit is dropped for the payments' status.
	if stored == fieldportal.InvoiceVoid {
		inv.Status = fieldportal.InvoiceVoid
	} else if inv.Status == fieldportal.InvoiceVoid {
		inv.Status = stored
	}
	if strings.TrimSpace(inv.Number) == "" {
		inv.Number = old.Number
	}
	if err := tx.checkInvoiceRefs(ctx, v, inv); err != nil {
		return err
	}
	inv.Status = inv.StatusFor()
	if err := inv.Validate(); err != nil {
		return err
	}
	inv.OrgID, inv.CreatedAt, inv.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{inv.ID, nullStr(inv.ExternalID), inv.Number, inv.CustomerID, nullStr(inv.SiteID), nullStr(inv.JobID),
		nullStr(inv.ContractorID), inv.IssueDate, inv.DueDate, inv.Description, inv.Subtotal, inv.Tax, inv.Total,
		inv.Status, tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE invoices SET external_id = $2, number = $3, customer_id = $4, site_id = $5,
		job_id = $6, contractor_id = $7, issue_date = $8, due_date = $9, description = $10, subtotal = $11, tax = $12,
		total = $13, status = $14, updated_at = $15 WHERE id = $1`+ifUnchanged(&args, inv.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, inv.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "invoice")
	}
	// Its thread is scoped by a copy of where the record is (messages.go).
	if err := tx.refreshThread(ctx, inv.OrgID, fieldportal.ThreadOnInvoice, inv.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM invoice_lines WHERE invoice_id = $1`, inv.ID); err != nil {
		return err
	}
	if err := tx.putInvoiceLines(ctx, inv); err != nil {
		return err
	}
	// An invoice that names its job now (the back office's upsert)
	// takes what is left of the job's deposit too (issue 22).
	if err := tx.allocateDeposits(ctx, v, inv); err != nil {
		return err
	}
	if err := tx.tallyRecord(ctx, inv.SiteID, inv.CustomerID); err != nil {
		return err
	}
	return tx.audit(ctx, v, "invoice.updated", "invoice", inv.ID, inv.Number)
}

// UpsertInvoiceByExternalID creates or updates the invoice with the back
// office's id (PUT /by-external-id). Staff/API only.
func (d *DB) UpsertInvoiceByExternalID(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "invoices", inv.ExternalID, noValidate, func(id string) { inv.ID = id },
		func(tx *Tx) error { return tx.createInvoice(ctx, v, inv) },
		func(tx *Tx) error { return tx.updateInvoice(ctx, v, inv) })
}

// checkInvoiceRefs checks that the customer, site, job and contractor
// exist in the viewer's organisation, filling the site from the job and
// the customer from the site, and that they agree with each other.
func (tx *Tx) checkInvoiceRefs(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	if inv.JobID != "" {
		// The job finder belongs to the work branch; this check reads only
		// the job's site within the organisation.
		var siteID string
		err := tx.QueryRowContext(ctx, `SELECT site_id FROM jobs WHERE id = $1 AND org_id = $2`, inv.JobID, v.OrgID).Scan(&siteID)
		if errors.Is(err, sql.ErrNoRows) {
			return fieldportal.FieldErrorf("job_id", "Job not found.")
		} else if err != nil {
			return err
		}
		if inv.SiteID == "" {
			inv.SiteID = siteID
		} else if inv.SiteID != siteID {
			return fieldportal.FieldErrorf("job_id", "The job is at another site.")
		}
	}
	if inv.SiteID != "" {
		s, err := tx.findSite(ctx, v, inv.SiteID)
		if err != nil {
			return fieldportal.FieldErrorf("site_id", "Site not found.")
		}
		if inv.CustomerID == "" {
			inv.CustomerID = s.CustomerID
		} else if inv.CustomerID != s.CustomerID {
			return fieldportal.FieldErrorf("site_id", "The site belongs to another customer.")
		}
	}
	if inv.CustomerID != "" {
		if _, err := tx.findCustomer(ctx, v, inv.CustomerID); err != nil {
			return fieldportal.FieldErrorf("customer_id", "Customer not found.")
		}
	}
	return tx.checkContractor(ctx, v.OrgID, inv.ContractorID)
}

func (tx *Tx) putInvoiceLines(ctx context.Context, inv *fieldportal.Invoice) error {
	for n := range inv.Lines {
		l := &inv.Lines[n]
		l.ID = newID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO invoice_lines (id, org_id, invoice_id, description, quantity,
			unit_price, tax, total, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			l.ID, inv.OrgID, inv.ID, l.Description, l.Quantity, l.UnitPrice, l.Tax, l.Total, n); err != nil {
			return sqlErr(err, "invoice line")
		}
	}
	return nil
}

// FindInvoiceByID returns an invoice with its lines, if the viewer sees it.
func (d *DB) FindInvoiceByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Invoice, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	inv, err := tx.findInvoice(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if err := tx.loadInvoicePayments(ctx, v, inv); err != nil {
		return nil, err
	}
	return inv, nil
}

// loadInvoicePayments fills the payments received against an invoice the
// viewer sees: the succeeded payments with an allocation to it, each with
// the part allocated to this invoice only (scopePayment: a payment that
// settled an invoice the viewer sees is visible, its other allocations
// are not shown here at all).
func (tx *Tx) loadInvoicePayments(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	var q query
	q.scopePayment(v, "p")
	q.and("pa.invoice_id = " + q.arg(inv.ID))
	q.and("p.status = 'succeeded'")
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT p.id, p.paid_at, p.method, p.receipt_number, pa.amount, p.quote_id IS NOT NULL
		FROM payment_allocations pa JOIN payments p ON p.id = pa.payment_id`, "ORDER BY p.paid_at, p.id"), q.args...)
	if err != nil {
		return err
	}
	inv.Payments, err = collect(rows, func(row interface{ Scan(...any) error }) (fieldportal.InvoicePayment, error) {
		var x fieldportal.InvoicePayment
		err := row.Scan(&x.PaymentID, tm(&x.PaidAt), &x.Method, &x.ReceiptNumber, money(&x.Allocated), &x.Deposit)
		return x, err
	})
	return err
}

func (tx *Tx) findInvoice(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Invoice, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSiteOrCustomer(v, "i")
	q.and("i.id = " + q.arg(id))
	inv, err := scanInvoice(tx.QueryRowContext(ctx, q.sql(`SELECT `+invoiceColumns+invoiceFrom, ""), q.args...))
	if err != nil {
		return nil, sqlErr(err, "invoice")
	}
	if err := loadInvoiceLines(ctx, tx, []*fieldportal.Invoice{inv}); err != nil {
		return nil, err
	}
	return inv, nil
}

// loadInvoiceLines fills the lines of already scoped invoices with one query.
func loadInvoiceLines(ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, invs []*fieldportal.Invoice) error {
	if len(invs) == 0 {
		return nil
	}
	var q query
	byID := map[string]*fieldportal.Invoice{}
	ph := make([]string, len(invs))
	for n, inv := range invs {
		byID[inv.ID] = inv
		inv.Lines = []fieldportal.InvoiceLine{}
		ph[n] = q.arg(inv.ID)
	}
	rows, err := db.QueryContext(ctx, `SELECT invoice_id, id, description, quantity, unit_price, tax, total
		FROM invoice_lines WHERE invoice_id IN (`+strings.Join(ph, ", ")+`) ORDER BY invoice_id, position`, q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var invID string
		var l fieldportal.InvoiceLine
		if err := rows.Scan(&invID, &l.ID, &l.Description, &l.Quantity, money(&l.UnitPrice), money(&l.Tax), money(&l.Total)); err != nil {
			return err
		}
		byID[invID].Lines = append(byID[invID].Lines, l)
	}
	return rows.Err()
}

// invoiceFilter adds the scope and the filter's conditions (not paging).
func invoiceFilter(q *query, v fieldportal.Viewer, f fieldportal.InvoiceFilter) {
	q.scopeSiteOrCustomer(v, "i")
	numberSearch(q, v, f.Search)
	switch {
	case openStatuses(f.Statuses):
		// The Unpaid tab, written as the condition of the partial indexes
		// of open invoices (invoices_open_org, invoices_open_org_due):
		// with the statuses as arguments neither engine can tell that
		// they apply. A big parent's Unpaid tab by due date otherwise
		// walked every invoice of the organisation due before its first
		// page (360 ms on SQLite at the large size).
		q.and(openInvoice("i"))
	case len(f.Statuses) > 0:
		ph := make([]string, len(f.Statuses))
		for n, s := range f.Statuses {
			ph[n] = q.arg(string(s))
		}
		q.and("i.status IN (" + strings.Join(ph, ", ") + ")")
	}
	if f.SiteID != "" {
		q.and("i.site_id = " + q.arg(f.SiteID))
	}
	if f.CustomerID != "" {
		q.and("i.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ContractorID != "" {
		q.and("i.contractor_id = " + q.arg(f.ContractorID))
	}
	if f.JobID != "" {
		q.and("i.job_id = " + q.arg(f.JobID))
	}
	if f.ExternalID != "" {
		q.and("i.external_id = " + q.arg(f.ExternalID))
	}
	if !f.IssuedFrom.IsZero() {
		q.and("i.issue_date >= " + q.arg(f.IssuedFrom))
	}
	if !f.IssuedTo.IsZero() {
		q.and("i.issue_date <= " + q.arg(f.IssuedTo))
	}
}

// openStatuses reports whether statuses are exactly the open ones, unpaid
// and part paid (in any order, each once or more).
func openStatuses(statuses []fieldportal.InvoiceStatus) bool {
	var unpaid, part bool
	for _, s := range statuses {
		switch s {
		case fieldportal.InvoiceUnpaid:
			unpaid = true
		case fieldportal.InvoicePartPaid:
			part = true
		default:
			return false
		}
	}
	return unpaid && part
}

// openInvoice is the condition "the invoice of alias is open" as the
// partial indexes of open invoices write it.
func openInvoice(alias string) string {
	return alias + ".status IN ('unpaid', 'part_paid')"
}

// numberSearch adds the search by number of the portal's and the
// console's invoice lists: the invoice's own number or its job's number
// is term, whole, in any case; a term without a dash is also tried as
// INV-term and J-term, so "1000743" finds INV-1000743. Both are read
// through the indexes of lower(number) (migration 00171).
//
// It is not a substring or prefix match, on purpose: a customer searches
// for a number read off an invoice, its mail or a job, whole, and a
// number's part (INV-1) matches a large share of a big customer's
// invoices, which no index returns in list order: the substring match
// read every invoice the viewer reaches (4.1 s for a big parent at the
// large size).
//
// The two ways in are a union of ids rather than an OR, which PostgreSQL
// answered by walking every invoice of the organisation; each side's
// ids are few. The scope stays on the list's own rows.
func numberSearch(q *query, v fieldportal.Viewer, term string) {
	term = strings.TrimSpace(strings.ReplaceAll(term, "\x00", ""))
	if term == "" {
		return
	}
	ns := []string{term}
	if !strings.Contains(term, "-") {
		ns = append(ns, "INV-"+term, "J-"+term)
	}
	// Lowered by the engine on both sides, as the index holds it: SQLite's
	// lower() folds ASCII letters only, PostgreSQL's every letter.
	ph := make([]string, len(ns))
	for i, s := range ns {
		ph[i] = "lower(" + q.arg(s) + ")"
	}
	in, org := strings.Join(ph, ", "), q.arg(v.OrgID)
	q.and("i.id IN (SELECT ni.id FROM invoices ni WHERE ni.org_id = " + org + " AND lower(ni.number) IN (" + in + ")" +
		" UNION ALL SELECT ji.id FROM jobs jn JOIN invoices ji ON ji.job_id = jn.id WHERE jn.org_id = " + org +
		" AND lower(jn.number) IN (" + in + "))")
}

// FindInvoices lists the invoices the viewer sees, with their lines.
// Default order is newest first, (issue_date DESC, id DESC); Sort "due"
// is soonest due first, (due_date, id); with UpdatedSince it is
// (updated_at, id) ascending for API sync.
func (d *DB) FindInvoices(ctx context.Context, v fieldportal.Viewer, f fieldportal.InvoiceFilter) ([]*fieldportal.Invoice, string, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return nil, "", err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	text, args, err := invoiceListQuery(v, f, few, invoiceColumns)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanInvoice)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, invoiceCursor(f))
	if err := loadInvoiceLines(ctx, d.db, list); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// EachInvoice calls fn with every invoice FindInvoices lists for f, in
// its order, chunk by chunk (streamChunks): the CSV of the invoice list.
// Each invoice holds only what the CSV shows (invoiceStreamColumns): no
// lines, and of its ids only its own.
func (d *DB) EachInvoice(ctx context.Context, v fieldportal.Viewer, f fieldportal.InvoiceFilter, fn func(*fieldportal.Invoice) error) error {
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	cols, scan := invoiceStreamColumns, scanStreamedInvoice
	if !f.UpdatedSince.IsZero() {
		cols, scan = invoiceStreamColumns+", i.updated_at", scanStreamedInvoiceUpdated
	}
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		return invoiceListQuery(v, f, few, cols)
	}, scan, invoiceCursor(f), fn)
}

// invoiceStreamColumns are the columns of an invoice the CSV of the list
// shows (handleInvoicesCSV), and its id. A streamed row costs the driver
// about half a microsecond a column on SQLite, and a date or time one
// more to parse: the 28 columns of invoiceColumns took twice the time of
// these (issue 15, a million-row CSV at 100,000 rows a second). The
// dates are read as text ('2006-01-02' on both engines), which
// fieldportal.Date scans as it is: SQLite's driver turns a DATE column
// into a time.Time by trying its layouts in turn, a seventh of a row's
// time.
const invoiceStreamColumns = `i.id, i.number, CAST(i.issue_date AS TEXT), CAST(i.due_date AS TEXT), i.description, i.total, i.amount_paid, i.status,
	s.name, s.address_line1, s.address_line2, s.city, s.region, s.postcode, s.uprn, c.name`

// scanStreamedInvoice scans a row of invoiceStreamColumns.
func scanStreamedInvoice(row interface{ Scan(...any) error }) (*fieldportal.Invoice, error) {
	var i fieldportal.Invoice
	err := scanStreamedInvoiceInto(row, &i)
	return &i, err
}

// scanStreamedInvoiceInto scans invoiceStreamColumns into i, then any
// columns after them into more.
func scanStreamedInvoiceInto(row interface{ Scan(...any) error }, i *fieldportal.Invoice, more ...any) error {
	return row.Scan(append([]any{&i.ID, &i.Number, &i.IssueDate, &i.DueDate, &i.Description, money(&i.Total),
		money(&i.AmountPaid), &i.Status, str(&i.SiteName), str(&i.SiteAddress.Line1), str(&i.SiteAddress.Line2),
		str(&i.SiteAddress.City), str(&i.SiteAddress.Region), str(&i.SiteAddress.Postcode), str(&i.SiteUPRN),
		str(&i.ContractorName)}, more...)...)
}

// scanStreamedInvoiceUpdated scans invoiceStreamColumns and updated_at,
// the cursor of a walk by UpdatedSince.
func scanStreamedInvoiceUpdated(row interface{ Scan(...any) error }) (*fieldportal.Invoice, error) {
	var i fieldportal.Invoice
	err := scanStreamedInvoiceInto(row, &i, tm(&i.UpdatedAt))
	return &i, err
}

// invoiceCursor returns the cursor of an invoice in the order f lists them.
func invoiceCursor(f fieldportal.InvoiceFilter) func(*fieldportal.Invoice) string {
	return func(i *fieldportal.Invoice) string {
		switch {
		case !f.UpdatedSince.IsZero():
			return cursor(i.UpdatedAt, i.ID)
		case f.Sort == fieldportal.InvoiceSortDue:
			return cursor(i.DueDate, i.ID)
		}
		return cursor(i.IssueDate, i.ID)
	}
}

// invoiceListQuery is the invoice list's query without its LIMIT, shared
// by FindInvoices (a page) and EachInvoice (the CSV's every row), so that
// a CSV holds exactly the rows of the pages. few is reachesFewSites'
// answer for v; cols are the columns read (invoiceColumns for a page).
func invoiceListQuery(v fieldportal.Viewer, f fieldportal.InvoiceFilter, few bool, cols string) (string, []any, error) {
	var q query
	invoiceFilter(&q, v, f)
	var order string
	var err error
	switch {
	case !f.UpdatedSince.IsZero():
		q.updatedSince("i.updated_at", f.UpdatedSince, f.Page.After)
		order = "i.updated_at, i.id"
		err = q.keyset(f.After, false, "i.updated_at", "i.id")
	case f.Sort == fieldportal.InvoiceSortDue:
		order = "i.due_date, i.id"
		err = q.keyset(f.After, false, "i.due_date", "i.id")
	case f.Sort == fieldportal.InvoiceSortIssued:
		order = "i.issue_date DESC, i.id DESC"
		err = q.keyset(f.After, true, "i.issue_date", "i.id")
	default:
		err = fieldportal.FieldErrorf("sort", "Invoices cannot be sorted by “%s”.", f.Sort)
	}
	if err != nil {
		return "", nil, err
	}
	from := invoiceFrom
	if few {
		// A contact of a few sites reads its invoices from its sites'
		// rows (invoices_site) and its customers' (invoices_customer) and
		// sorts them, instead of walking the organisation's invoices in
		// list order until a page of reachable ones is found (every
		// invoice, when the contact has fewer than a page). The two
		// branches are scopeSiteOrCustomer's, which stays in the WHERE:
		// this changes the plan, not the rows. SQLite is told which index
		// reads the invoices without a site: it took invoices_site, every
		// site-less invoice of the organisation (migration 00331).
		org := q.arg(v.OrgID)
		from = strings.Replace(invoiceFrom, "invoices i ", "(SELECT * FROM invoices i1 WHERE i1.org_id = "+org+
			" AND i1.site_id IN (SELECT rs.id FROM sites rs WHERE "+q.siteReachable("rs.id", "rs.customer_id")+")"+
			" UNION ALL SELECT * FROM invoices i2"+sqliteOnly("INDEXED BY invoices_customer_only")+" WHERE i2.org_id = "+org+" AND i2.site_id IS NULL AND "+
			customerOnlyVisible("i2.customer_id")+") i ", 1)
	}
	return q.sql(`SELECT `+cols+from, "ORDER BY "+order), q.args, nil
}

// CountInvoices counts the invoices the filter selects (paging ignored).
func (d *DB) CountInvoices(ctx context.Context, v fieldportal.Viewer, f fieldportal.InvoiceFilter) (int, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return 0, err
	}
	var q query
	invoiceFilter(&q, v, f)
	var n int
	err := d.db.QueryRowContext(ctx, q.sql(`SELECT count(*)`+invoiceFrom, ""), q.args...).Scan(&n)
	return n, err
}

// InvoiceSummary sums the viewer's unpaid and part-paid invoices for the
// dashboard and the invoice list's balance summary. An invoice is overdue
// when its due date is before today, the viewer's calendar day, which the
// caller passes in the organisation's time zone.
func (d *DB) InvoiceSummary(ctx context.Context, v fieldportal.Viewer, today fieldportal.Date) (fieldportal.InvoiceSummary, error) {
	var s fieldportal.InvoiceSummary
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return s, err
	}
	if tallied, err := d.usesTallies(ctx, v); err != nil {
		return s, err
	} else if tallied {
		return d.tallyInvoiceSummary(ctx, v, today)
	}
	var q query
	const open = "i.status IN ('unpaid', 'part_paid')"
	from := "invoices i"
	if q.contactScope(v, "i") {
		// A contact's unpaid invoices are read from the sites and the
		// customers it can reach (the partial indexes of migration 00080),
		// not by checking the reach of every unpaid invoice of the
		// organisation: the rule of scopeSiteOrCustomer split into its
		// two disjoint branches, a site-bound invoice whose site is
		// reachable and a customer-only one. contactScope's only
		// condition (the organisation) goes into both. SQLite, given
		// "site_id IS NULL", read every customer-only unpaid invoice of
		// the organisation through invoices_open_site (a one-site
		// contact's summary: 2 ms); it is told to start from the
		// reachable customers.
		org := strings.Join(q.where, " AND ")
		q.where = nil
		from = "(SELECT i.total, i.amount_paid, i.due_date FROM sites rs JOIN invoices i ON i.site_id = rs.id WHERE " +
			org + " AND " + open + " AND " + q.siteReachable("rs.id", "rs.customer_id") +
			" UNION ALL SELECT i.total, i.amount_paid, i.due_date FROM invoices i" + d.dialect.walkIndex("invoices_open_customer") + " WHERE " +
			org + " AND " + open + " AND i.site_id IS NULL AND " + customerOnlyVisible("i.customer_id") + ") i"
	} else {
		q.and(open)
	}
	t := q.arg(today)
	err := d.db.QueryRowContext(ctx, q.sql(`SELECT count(*),
		CAST(COALESCE(sum(i.total - i.amount_paid), 0) AS BIGINT),
		count(CASE WHEN i.due_date < `+t+` THEN 1 END),
		CAST(COALESCE(sum(CASE WHEN i.due_date < `+t+` THEN i.total - i.amount_paid ELSE 0 END), 0) AS BIGINT)
		FROM `+from, ""), q.args...).Scan(&s.Unpaid, money(&s.Balance), &s.Overdue, money(&s.OverdueBalance))
	return s, err
}
