package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Statement reads what the viewer's statement over r's dates is built
// from (fieldportal.BuildStatement), under SPEC §2: the invoices the
// viewer sees and the parts of succeeded payments allocated to them.
//
// Nothing before the range is read row by row. What was owed at its start
// is what is owed now on the invoices issued before it (their total less
// amount paid, which RecordPayment and UpdatePayment keep equal to their
// succeeded allocations: the open invoices' partial indexes answer it) plus
// what payments made since the start settled on them, and those payments
// are read anyway, for the range's rows. A payment recorded before the
// invoice it settles was issued is not counted (the store records a
// payment against an invoice that exists, paid when recorded).
func (d *DB) Statement(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest) (*fieldportal.Statement, error) {
	if err := needModule(v, fieldportal.ModuleStatement, "statement"); err != nil {
		return nil, err
	}
	if err := fieldportal.ValidateStatementRange(r.From, r.To, fieldportal.MaxStatementDays); err != nil {
		return nil, err
	}
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	if r.Limit == 0 {
		// The whole statement (the printout's) is one walk of the range,
		// in the order of its entries.
		var st *fieldportal.Statement
		err := d.EachStatementEntry(ctx, v, r, func(s *fieldportal.Statement) error {
			st = s
			return nil
		}, func(e fieldportal.StatementEntry) error {
			st.Entries = append(st.Entries, e)
			return nil
		})
		if err != nil {
			return nil, err
		}
		st.Brought = 0
		return st, nil
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.statementPageOf(ctx, v, r, zone)
}

// statementFromRows is Statement without a Limit read the slow way, every
// invoice and payment of the range and their sums before it, each checked
// for reach, then built by BuildStatement: the reference the tests hold
// the sums and the walks to.
func (d *DB) statementFromRows(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest) (*fieldportal.Statement, error) {
	if err := needModule(v, fieldportal.ModuleStatement, "statement"); err != nil {
		return nil, err
	}
	if err := fieldportal.ValidateStatementRange(r.From, r.To, fieldportal.MaxStatementDays); err != nil {
		return nil, err
	}
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	in := fieldportal.StatementInput{From: r.From, To: r.To}
	if in.Invoices, err = tx.statementInvoices(ctx, v, r); err != nil {
		return nil, err
	}
	brought, err := tx.statementOpenBefore(ctx, v, r.From)
	if err != nil {
		return nil, err
	}
	start, end := r.From.In(zone).UTC(), r.To.AddDays(1).In(zone).UTC()
	if err := tx.statementPayments(ctx, v, start, func(p statementPayment) {
		for _, a := range p.allocs {
			if a.issued.Before(r.From) {
				brought[a.DueDate] += a.Amount
			}
		}
		if p.paidAt.Before(end) {
			sp := fieldportal.StatementPaymentIn{ID: p.id, ReceiptNumber: p.receipt, Method: p.method,
				Date: fieldportal.DateOf(p.paidAt.In(zone))}
			for _, a := range p.allocs {
				sp.Allocations = append(sp.Allocations, a.StatementAllocation)
			}
			in.Payments = append(in.Payments, sp)
		}
	}); err != nil {
		return nil, err
	}
	for due, m := range brought {
		if m != 0 {
			in.Brought = append(in.Brought, fieldportal.OwedByDueDate{DueDate: due, Amount: m})
			in.Opening += m
		}
	}
	st := fieldportal.BuildStatement(in)
	return &st, nil
}

// statementInvoiceFrom is the FROM of the invoices the viewer sees that
// meet cond (conditions on "i"), as a derived table "i" with the site's
// name: for a contact, the invoices of the sites it reaches and those
// tied only to a customer, as two branches each driven by its own index
// (as InvoiceSummary does), not the organisation's invoices each checked.
// q must not have conditions of its own yet.
func statementInvoiceFrom(q *query, v fieldportal.Viewer, cols, cond string) string {
	if !q.contactScope(v, "i") {
		org := strings.Join(q.where, " AND ")
		q.where = nil
		return "(SELECT " + cols + ", s.name AS site_name FROM invoices i LEFT JOIN sites s ON s.id = i.site_id WHERE " +
			org + " AND " + cond + ") i"
	}
	org := strings.Join(q.where, " AND ")
	q.where = nil
	return "(SELECT " + cols + ", rs.name AS site_name FROM sites rs JOIN invoices i ON i.site_id = rs.id WHERE " +
		org + " AND " + cond + " AND " + q.siteReachable("rs.id", "rs.customer_id") +
		" UNION ALL SELECT " + cols + ", '' AS site_name FROM invoices i" + " WHERE " +
		org + " AND " + cond + " AND i.site_id IS NULL AND " + customerOnlyVisible("i.customer_id") + ") i"
}

// statementInvoices are the viewer's invoices issued in the range, void
// ones left out, in issue order.
func (tx *Tx) statementInvoices(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest) ([]fieldportal.StatementInvoiceIn, error) {
	var q query
	from, to := q.arg(r.From), q.arg(r.To)
	src := statementInvoiceFrom(&q, v, "i.id, i.number, i.description, i.issue_date, i.due_date, i.total, i.amount_paid",
		"i.issue_date >= "+from+" AND i.issue_date <= "+to+" AND i.status <> 'void'")
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT i.id, i.number, i.site_name, i.description, i.issue_date, i.due_date, i.total, i.total - i.amount_paid FROM `+src,
		"ORDER BY i.issue_date, i.number, i.id"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (fieldportal.StatementInvoiceIn, error) {
		var i fieldportal.StatementInvoiceIn
		err := row.Scan(&i.ID, &i.Number, str(&i.SiteName), &i.Description, &i.IssueDate, &i.DueDate, money(&i.Total), money(&i.Unpaid))
		return i, err
	})
}

// statementOpenBefore is what is owed now on the viewer's invoices issued
// before from, by due date.
func (tx *Tx) statementOpenBefore(ctx context.Context, v fieldportal.Viewer, from fieldportal.Date) (map[fieldportal.Date]fieldportal.Money, error) {
	var q query
	src := statementInvoiceFrom(&q, v, "i.due_date, i.total, i.amount_paid",
		"i.status IN ('unpaid', 'part_paid') AND i.issue_date < "+q.arg(from))
	return tx.sumsByDue(ctx, q.sql(`SELECT i.due_date, CAST(sum(i.total - i.amount_paid) AS BIGINT) FROM `+src,
		"GROUP BY i.due_date"), q.args)
}

// statementPayment is a succeeded payment with its allocations to the
// invoices the viewer sees, each with its invoice's issue date.
type statementPayment struct {
	id, receipt, method string
	paidAt              time.Time
	allocs              []statementAlloc
}

type statementAlloc struct {
	fieldportal.StatementAllocation
	issued fieldportal.Date
}

// statementPayments calls fn with every succeeded payment paid at or
// after start that settled invoices the viewer sees (not void), in the
// order paid, with those allocations only. A payment is made by the
// invoice's customer or one above it (putAllocations), so a contact's are
// found among the payments of its reachable customers and of the
// customers above its own, through payments_customer, not among all of
// the organisation's.
func (tx *Tx) statementPayments(ctx context.Context, v fieldportal.Viewer, start time.Time, fn func(statementPayment)) error {
	var q query
	statementPaymentScope(&q, v, start)
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT p.id, p.receipt_number, p.method, p.paid_at, pa.invoice_id, pa.amount, i.issue_date, i.due_date
		FROM payments p JOIN payment_allocations pa ON pa.payment_id = p.id JOIN invoices i ON i.id = pa.invoice_id`,
		"ORDER BY p.paid_at, p.id, i.issue_date, i.id"), q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	var cur *statementPayment
	for rows.Next() {
		var p statementPayment
		var a statementAlloc
		if err := rows.Scan(&p.id, &p.receipt, &p.method, tm(&p.paidAt), &a.InvoiceID, money(&a.Amount), &a.issued, &a.DueDate); err != nil {
			return err
		}
		if cur != nil && cur.id != p.id {
			fn(*cur)
			cur = nil
		}
		if cur == nil {
			cur = &p
		}
		cur.allocs = append(cur.allocs, a)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if cur != nil {
		fn(*cur)
	}
	return nil
}
