package sqlstore

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// The office's side of invoices (issue 17, point 5): the console's list,
// raising an invoice from a job, and voiding one. Payments taken by hand
// and refunds are in payments_office.go.

// officeFilter adds the console's own conditions of an invoice filter.
func officeFilter(q *query, v fieldportal.Viewer, f fieldportal.InvoiceFilter) {
	// A whole number, read by index (numberSearch): a search inside every
	// number of a million invoices would read them all.
	numberSearch(q, v, f.Number)
	if !f.DueBefore.IsZero() {
		// Written as the partial index invoices_open_org's condition.
		q.and(openInvoice("i") + " AND i.due_date < " + q.arg(f.DueBefore))
	}
	if u := strings.TrimSpace(f.UPRN); u != "" {
		q.and("i.site_id IN (SELECT su.id FROM sites su WHERE su.org_id = " + q.arg(v.OrgID) + " AND su.uprn = " + q.arg(u) + ")")
	}
}

// invoiceRowColumns are an invoice's (with its site's UPRN and its
// contractor's name, as invoiceFrom joins them) and its customer's name.
const invoiceRowColumns = invoiceColumns + `, cu.name`

const invoiceRowFrom = invoiceFrom + ` JOIN customers cu ON cu.id = i.customer_id`

func scanInvoiceRow(row interface{ Scan(...any) error }) (*fieldportal.InvoiceRow, error) {
	var r fieldportal.InvoiceRow
	err := scanInvoiceInto(row, &r.Invoice, &r.CustomerName)
	r.ContractorName, r.UPRN = r.Invoice.ContractorName, r.Invoice.SiteUPRN
	return &r, err
}

// invoiceRowQuery is the console's list after a cursor, newest first,
// reading the columns cols (invoiceRowColumns for a page).
func invoiceRowQuery(v fieldportal.Viewer, f fieldportal.InvoiceFilter, cols string) (string, []any, error) {
	var q query
	invoiceFilter(&q, v, f)
	officeFilter(&q, v, f)
	if err := q.keyset(f.After, true, "i.issue_date", "i.id"); err != nil {
		return "", nil, err
	}
	return q.sql(`SELECT `+cols+invoiceRowFrom, "ORDER BY i.issue_date DESC, i.id DESC"), q.args, nil
}

func invoiceRowCursor(r *fieldportal.InvoiceRow) string { return cursor(r.IssueDate, r.ID) }

// FindInvoiceRows lists invoices for the console, newest first.
func (d *DB) FindInvoiceRows(ctx context.Context, v fieldportal.Viewer, f fieldportal.InvoiceFilter) ([]*fieldportal.InvoiceRow, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	text, args, err := invoiceRowQuery(v, f, invoiceRowColumns)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanInvoiceRow)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, invoiceRowCursor)
	return list, next, nil
}

// EachInvoiceRow walks every row FindInvoiceRows lists for f, chunk by
// chunk (streamChunks), for the console's CSV. Each row holds only what
// the CSV shows (invoiceRowStreamColumns).
func (d *DB) EachInvoiceRow(ctx context.Context, v fieldportal.Viewer, f fieldportal.InvoiceFilter, fn func(*fieldportal.InvoiceRow) error) error {
	if err := needStaff(v); err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		return invoiceRowQuery(v, f, invoiceRowStreamColumns)
	}, scanStreamedInvoiceRow, invoiceRowCursor, fn)
}

// invoiceRowStreamColumns are the columns of the console's CSV
// (console.handleInvoicesCSV) and the id: half of invoiceRowColumns,
// and half the time a row costs (invoiceStreamColumns).
const invoiceRowStreamColumns = `i.id, i.number, CAST(i.issue_date AS TEXT), CAST(i.due_date AS TEXT), i.subtotal, i.tax, i.total, i.amount_paid,
	i.status, s.name, s.uprn, c.name, j.number, cu.name`

// scanStreamedInvoiceRow scans a row of invoiceRowStreamColumns.
func scanStreamedInvoiceRow(row interface{ Scan(...any) error }) (*fieldportal.InvoiceRow, error) {
	var r fieldportal.InvoiceRow
	i := &r.Invoice
	err := row.Scan(&i.ID, &i.Number, &i.IssueDate, &i.DueDate, money(&i.Subtotal), money(&i.Tax), money(&i.Total),
		money(&i.AmountPaid), &i.Status, str(&i.SiteName), str(&i.SiteUPRN), str(&i.ContractorName), str(&i.JobNumber),
		&r.CustomerName)
	r.ContractorName, r.UPRN = i.ContractorName, i.SiteUPRN
	return &r, err
}

// IssueInvoice raises an invoice from its job, with what it causes, in
// one transaction: a complete job moves to Invoiced (its history says
// by which invoice), the customer's invoice contacts are mailed, and
// invoice.issued is emitted.
func (d *DB) IssueInvoice(ctx context.Context, v fieldportal.Viewer, inv *fieldportal.Invoice) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if err := fieldportal.PriceIssuedLines(inv); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		j, err := tx.findJob(ctx, v, inv.JobID)
		if err != nil {
			return err
		}
		inv.Number, inv.AmountPaid, inv.Status = "", 0, fieldportal.InvoiceUnpaid
		inv.CustomerID, inv.SiteID, inv.ContractorID = j.CustomerID, j.SiteID, j.ContractorID
		if strings.TrimSpace(inv.Description) == "" {
			inv.Description = "Job " + j.Number
		}
		if err := tx.createInvoice(ctx, v, inv); err != nil {
			return err
		}
		if j.Stage == fieldportal.StageComplete {
			if _, err := tx.moveJobStage(ctx, v, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageInvoiced,
				Note: "Invoice " + inv.Number + " issued."}); err != nil {
				return err
			}
		}
		if err := tx.mailInvoiceIssued(ctx, inv); err != nil {
			return err
		}
		if err := tx.emitEvent(ctx, v, inv.OrgID, "invoice.issued", inv); err != nil {
			return err
		}
		return tx.audit(ctx, v, "invoice.issued", "invoice", inv.ID, inv.Number+" from job "+j.Number)
	})
}

// mailInvoiceIssued queues the "invoice issued" mail to the invoice
// contacts of the invoice's customer and of those above it who can open
// the invoice in the portal (portalRecipients).
func (tx *Tx) mailInvoiceIssued(ctx context.Context, inv *fieldportal.Invoice) error {
	org, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, inv.OrgID))
	if err != nil {
		return sqlErr(err, "organisation")
	}
	if ok, err := tx.orgUses(ctx, inv.OrgID, fieldportal.ModuleInvoices); err != nil || !ok {
		return err
	}
	to, err := tx.portalRecipients(ctx, inv.OrgID, inv.SiteID, inv.CustomerID, fieldportal.ModuleInvoices,
		`c.invoice_contact = TRUE AND c.customer_id IN
			(SELECT ct.ancestor_id FROM customer_tree ct WHERE ct.customer_id = $3 AND ct.org_id = $1)`+wantsMail(fieldportal.MailInvoiceIssued), inv.CustomerID)
	if err != nil {
		return err
	}
	site := ""
	if inv.SiteID != "" {
		if err := tx.QueryRowContext(ctx, `SELECT name FROM sites WHERE id = $1`, inv.SiteID).Scan(&site); err != nil {
			return sqlErr(err, "site")
		}
	}
	link := tx.db.linkBase(org) + "/invoices/" + url.PathEscape(inv.ID)
	amount := org.Currency + " " + inv.Total.String()
	for _, r := range to {
		m := mail.InvoiceIssued(org.Name, r.name, inv.Number, site, amount, inv.DueDate.Time().Format("2 January 2006"), link)
		m.To = r.email
		if err := tx.enqueue(ctx, mail.Outbox(org.ID, "invoice_issued", m)); err != nil {
			return err
		}
	}
	return nil
}

// VoidInvoice voids an invoice that nothing is paid or allocated to but
// deposits: its balance leaves every total (Invoice.Balance, the
// summaries count only unpaid and part-paid invoices). A deposit deducted
// from it is released, back on account and linked to its quote, so the
// job's next invoice takes it (releaseDeposits); any other payment must
// be refunded or moved first.
func (d *DB) VoidInvoice(ctx context.Context, v fieldportal.Viewer, id, reason string, ifUpdatedAt time.Time) (*fieldportal.Invoice, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	reason = strings.TrimSpace(reason)
	if err := fieldportal.ValidateVoid(reason); err != nil {
		return nil, err
	}
	var out *fieldportal.Invoice
	err := d.inTx(ctx, func(tx *Tx) error {
		// Locks the invoice: a payment allocated to it meanwhile waits.
		if err := tx.tallyStored(ctx, "invoices", id); err != nil {
			return err
		}
		inv, err := tx.findInvoice(ctx, v, id)
		if err != nil {
			return err
		}
		if !ifUpdatedAt.IsZero() && !inv.UpdatedAt.Equal(ifUpdatedAt) {
			return fieldportal.ErrChanged
		}
		if inv.Status == fieldportal.InvoiceVoid {
			return fieldportal.FieldErrorf("reason", "The invoice is already void.")
		}
		// A deposit deducted from it goes back to the job (issue 22): the
		// refused void below rolls the release back with it.
		if err := tx.releaseDeposits(ctx, v, inv); err != nil {
			return err
		}
		var allocated bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM payment_allocations WHERE invoice_id = $1)`, id).Scan(&allocated); err != nil {
			return err
		}
		if allocated || inv.AmountPaid != 0 {
			return fieldportal.FieldErrorf("reason", "An invoice with payments allocated cannot be voided; refund or move the payments first.")
		}
		inv.Status, inv.UpdatedAt = fieldportal.InvoiceVoid, tx.now
		if _, err := tx.ExecContext(ctx, `UPDATE invoices SET status = $2, updated_at = $3 WHERE id = $1`, id, inv.Status, tx.now); err != nil {
			return err
		}
		if err := tx.tallyRecord(ctx, inv.SiteID, inv.CustomerID); err != nil {
			return err
		}
		if err := tx.emitEvent(ctx, v, inv.OrgID, "invoice.voided", inv); err != nil {
			return err
		}
		out = inv
		return tx.audit(ctx, v, "invoice.voided", "invoice", inv.ID, inv.Number+": "+reason)
	})
	return out, err
}

// FindInvoicePayments lists the payments allocated to an invoice, newest
// first, each with its allocations (a few per invoice).
func (d *DB) FindInvoicePayments(ctx context.Context, v fieldportal.Viewer, invoiceID string) ([]*fieldportal.Payment, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.findInvoice(ctx, v, invoiceID); err != nil {
		return nil, err
	}
	var q query
	q.scopePayment(v, "p")
	q.and("p.id IN (SELECT pa.payment_id FROM payment_allocations pa WHERE pa.invoice_id = " + q.arg(invoiceID) + ")")
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+paymentColumns+` FROM payments p`, "ORDER BY p.created_at DESC, p.id DESC"), q.args...)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, scanPayment)
	if err != nil {
		return nil, err
	}
	return list, loadAllocations(ctx, tx, v, list)
}
