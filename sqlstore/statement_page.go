package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// A page of a statement (StatementRequest.Limit) is read without reading
// the range: the totals are sums grouped by due date (statementTotals),
// the entries a keyset walk in the statement's order that stops after the
// page (statementPage). A parent contact with 20,000 sites has some
// 40,000 entries in three months; reading them all took seconds.

// statementCursor is where a page of a statement ends: its last entry's
// place in the statement's order and the running balance after it. The
// balance travels in the cursor rather than being summed again: it is
// only shown, as the balance brought forward, to the viewer who holds the
// cursor, and a viewer who edits it sees a wrong figure of its own.
type statementCursor struct {
	Date    fieldportal.Date               `json:"d"`
	Kind    fieldportal.StatementEntryKind `json:"k"`
	Number  string                         `json:"n"`
	ID      string                         `json:"i"`
	Balance fieldportal.Money              `json:"b"`
}

func (c statementCursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseStatementCursor reads a cursor; one that does not read is the first
// page.
func parseStatementCursor(s string) (statementCursor, bool) {
	var c statementCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if s == "" || err != nil || json.Unmarshal(b, &c) != nil || c.Date.IsZero() ||
		(c.Kind != fieldportal.StatementInvoice && c.Kind != fieldportal.StatementPayment) {
		return statementCursor{}, false
	}
	return c, true
}

// statementPageOf answers a request with a Limit: the whole range's
// totals and the page's entries with their running balance.
func (tx *Tx) statementPageOf(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest, zone *time.Location) (*fieldportal.Statement, error) {
	start, end := r.From.In(zone).UTC(), r.To.AddDays(1).In(zone).UTC()
	st, sums, err := tx.statementTotalsFromSums(ctx, v, r, zone)
	if err != nil {
		return nil, err
	}
	if !sums {
		if st, err = tx.statementTotals(ctx, v, r, start, end); err != nil {
			return nil, err
		}
	}
	cur, ok := parseStatementCursor(r.After)
	st.Brought = st.Opening
	if ok {
		st.Brought = cur.Balance
	}
	n := r.Limit + 1
	walk, err := tx.statementWalks(ctx, v)
	if err != nil {
		return nil, err
	}
	entries, err := tx.statementPageInvoices(ctx, v, r, start, end, cur, ok, n, walk)
	if err != nil {
		return nil, err
	}
	pays, err := tx.statementPagePayments(ctx, v, start, paymentsUntil(entries, n, end, zone), zone, cur, ok, n, walk)
	if err != nil {
		return nil, err
	}
	entries = append(entries, pays...)
	slices.SortStableFunc(entries, fieldportal.StatementOrder)
	more := len(entries) > r.Limit
	entries = entries[:min(len(entries), r.Limit)]
	bal := st.Brought
	for n := range entries {
		e := &entries[n]
		bal += e.Debit() - e.Credit()
		e.Balance = bal
	}
	st.Entries = entries
	if more {
		last := entries[len(entries)-1]
		st.Next = statementCursor{Date: last.Date, Kind: last.Kind, Number: last.Number, ID: last.ID, Balance: last.Balance}.String()
	}
	return st, nil
}

// statementTotals are the range's opening and closing balances and its
// ageing at the end date, summed by due date in the database with the
// meaning BuildStatement gives them: what was owed at the start on the
// invoices issued before it is what is owed on them now plus what
// payments made since the start settled on them (see Statement).
func (tx *Tx) statementTotals(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest, start, end time.Time) (*fieldportal.Statement, error) {
	brought, err := tx.statementOpenBefore(ctx, v, r.From)
	if err != nil {
		return nil, err
	}
	since, paid, err := tx.statementSettled(ctx, v, r.From, start, end)
	if err != nil {
		return nil, err
	}
	raised, err := tx.statementRaised(ctx, v, r)
	if err != nil {
		return nil, err
	}
	in := fieldportal.StatementInput{From: r.From, To: r.To}
	for due, m := range since {
		brought[due] += m
	}
	for due, m := range brought {
		if m != 0 {
			in.Brought = append(in.Brought, fieldportal.OwedByDueDate{DueDate: due, Amount: m})
			in.Opening += m
		}
	}
	st := fieldportal.StatementTotals(in, raised, paid)
	return &st, nil
}

// statementRaised is the total of the viewer's invoices issued in the
// range, void ones left out, by due date.
func (tx *Tx) statementRaised(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest) (map[fieldportal.Date]fieldportal.Money, error) {
	var q query
	from, to := q.arg(r.From), q.arg(r.To)
	src := statementInvoiceFrom(&q, v, "i.due_date, i.total",
		"i.issue_date >= "+from+" AND i.issue_date <= "+to+" AND i.status <> 'void'")
	return tx.sumsByDue(ctx, q.sql(`SELECT i.due_date, CAST(sum(i.total) AS BIGINT) FROM `+src, "GROUP BY i.due_date"), q.args)
}

// statementSettled is what succeeded payments paid from start allocated
// to the viewer's invoices that are not void, by the invoice's due date,
// in one walk: since, on the invoices issued before from (whenever paid);
// paid, what was paid before end (on any invoice).
func (tx *Tx) statementSettled(ctx context.Context, v fieldportal.Viewer, from fieldportal.Date, start, end time.Time) (since, paid map[fieldportal.Date]fieldportal.Money, err error) {
	var q query
	statementPaymentScope(&q, v, start)
	before, until := q.arg(from), q.arg(end)
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT i.due_date,
			CAST(sum(CASE WHEN i.issue_date < `+before+` THEN pa.amount ELSE 0 END) AS BIGINT),
			CAST(sum(CASE WHEN p.paid_at < `+until+` THEN pa.amount ELSE 0 END) AS BIGINT)
		FROM payments p JOIN payment_allocations pa ON pa.payment_id = p.id JOIN invoices i ON i.id = pa.invoice_id`,
		"GROUP BY i.due_date"), q.args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	since, paid = map[fieldportal.Date]fieldportal.Money{}, map[fieldportal.Date]fieldportal.Money{}
	for rows.Next() {
		var due fieldportal.Date
		var s, p fieldportal.Money
		if err := rows.Scan(&due, money(&s), money(&p)); err != nil {
			return nil, nil, err
		}
		since[due] += s
		paid[due] += p
	}
	return since, paid, rows.Err()
}

// sumsByDue runs a query of (due date, amount) rows into a map.
func (tx *Tx) sumsByDue(ctx context.Context, sqlText string, args []any) (map[fieldportal.Date]fieldportal.Money, error) {
	rows, err := tx.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[fieldportal.Date]fieldportal.Money{}
	for rows.Next() {
		var due fieldportal.Date
		var m fieldportal.Money
		if err := rows.Scan(&due, money(&m)); err != nil {
			return nil, err
		}
		out[due] += m
	}
	return out, rows.Err()
}

// statementPaymentScope restricts q (payments p, allocations pa, invoices
// i) to succeeded payments paid from start and their allocations to the
// viewer's invoices that are not void (see statementPayments).
func statementPaymentScope(q *query, v fieldportal.Viewer, start time.Time) {
	st := q.arg(start)
	if q.contactScope(v, "p") {
		// One IN of one set, not an OR of two: PostgreSQL then probes
		// payments_customer per payer instead of reading every payment of
		// the organisation.
		q.cte("statement_payers", `SELECT customer_id FROM reach_customers
			UNION SELECT ct_up.ancestor_id FROM customer_tree ct_up WHERE ct_up.customer_id = (SELECT customer_id FROM reach_login)`)
		q.and("p.customer_id IN (SELECT customer_id FROM statement_payers)")
		q.and(q.siteOrCustomerVisible("i"))
	}
	q.and("p.status = 'succeeded' AND p.paid_at >= " + st + " AND i.status <> 'void'")
}

// statementPageInvoices are the first n of the viewer's invoices of the
// range after the cursor, in the statement's order, with what is owed on
// each at the end of the range.
//
// With walk (a contact of many sites, see statementWalks) they are read
// by walking the organisation's invoices in the statement's order
// (invoices_statement), each checked for reach, and the walk stops after
// n; else from the reachable sites' own invoices, then sorted.
func (tx *Tx) statementPageInvoices(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest, start, end time.Time, cur statementCursor, after bool, n int, walk bool) ([]fieldportal.StatementEntry, error) {
	text, args := tx.statementInvoicesSQL(v, r, start, end, cur, after, n, walk)
	rows, err := tx.QueryContext(ctx, text, args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanStatementInvoice)
}

// statementInvoicesSQL is the query of statementPageInvoices; without a
// limit (n 0) it reads the whole range after the cursor.
func (tx *Tx) statementInvoicesSQL(v fieldportal.Viewer, r fieldportal.StatementRequest, start, end time.Time, cur statementCursor, after bool, n int, walk bool) (string, []any) {
	var q query
	from, to := q.arg(r.From), q.arg(r.To)
	cond := "i.issue_date >= " + from + " AND i.issue_date <= " + to + " AND i.status <> 'void'"
	if after {
		d := q.arg(cur.Date)
		// The plain bound first: the walk starts at the cursor's day.
		cond += " AND i.issue_date >= " + d
		if cur.Kind == fieldportal.StatementInvoice {
			// A row comparison, which both planners read as one range of
			// invoices_statement (an OR of three made PostgreSQL sort).
			cond += " AND (i.issue_date, i.number, i.id) > (" + d + ", " + q.arg(cur.Number) + ", " + q.arg(cur.ID) + ")"
		} else {
			cond += " AND i.issue_date > " + d
		}
	}
	cols := "i.id, i.number, i.description, i.issue_date, i.due_date, i.total, i.amount_paid"
	var src string
	if walk && q.contactScope(v, "i") {
		q.and(cond)
		q.and(q.siteOrCustomerVisible("i"))
		src = "(SELECT " + cols + ", s.name AS site_name FROM invoices i" + tx.db.dialect.walkIndex("invoices_statement") +
			" LEFT JOIN sites s ON s.id = i.site_id WHERE " + strings.Join(q.where, " AND ") + ") i"
		q.where = nil
	} else {
		q.where = nil
		src = statementInvoiceFrom(&q, v, cols, cond)
	}
	settled := `COALESCE((SELECT sum(spa.amount) FROM payment_allocations spa JOIN payments sp ON sp.id = spa.payment_id
		WHERE spa.invoice_id = i.id AND sp.status = 'succeeded' AND sp.paid_at >= ` + q.arg(start) + ` AND sp.paid_at < ` + q.arg(end) + `), 0)`
	lim := ""
	if n > 0 {
		lim = " LIMIT " + strconv.Itoa(n)
	}
	return q.sql(`SELECT i.id, i.number, i.site_name, i.description, i.issue_date, i.due_date, i.total, i.total - i.amount_paid, CAST(i.total - `+settled+` AS BIGINT) FROM `+src,
		"ORDER BY i.issue_date, i.number, i.id"+lim), q.args
}

// scanStatementInvoice reads a row of statementInvoicesSQL.
func scanStatementInvoice(row interface{ Scan(...any) error }) (fieldportal.StatementEntry, error) {
	e := fieldportal.StatementEntry{Kind: fieldportal.StatementInvoice}
	err := row.Scan(&e.ID, &e.Number, str(&e.SiteName), &e.Description, &e.Date, &e.DueDate, money(&e.Amount), money(&e.Unpaid), money(&e.Owed))
	return e, err
}

// statementPagePayments are the viewer's payments of the range after the
// cursor: the first n in the order paid and the rest of the last one's
// day, as a day's payments are in receipt order on a statement. Each
// settled what it allocated to the viewer's invoices that are not void.
//
// With walk they are read by walking the organisation's succeeded
// payments in the order paid (payments_paid), each checked, as
// statementPageInvoices does.
func (tx *Tx) statementPagePayments(ctx context.Context, v fieldportal.Viewer, start, end time.Time, zone *time.Location, cur statementCursor, after bool, n int, walk bool) ([]fieldportal.StatementEntry, error) {
	read := func(until time.Time, limit int) ([]fieldportal.StatementEntry, error) {
		text, args := statementPaymentsSQL(v, start, until, zone, cur, after, limit, walk, false, tx.db.dialect)
		rows, err := tx.QueryContext(ctx, text, args...)
		if err != nil {
			return nil, err
		}
		return collect(rows, func(row interface{ Scan(...any) error }) (fieldportal.StatementEntry, error) {
			e, _, err := scanStatementPayment(row, zone)
			return e, err
		})
	}
	out, err := read(end, n)
	if err != nil || len(out) < n {
		return out, err
	}
	// The last one's day may hold more, of smaller receipt numbers.
	last := out[len(out)-1].Date.AddDays(1).In(zone).UTC()
	if last.After(end) {
		last = end
	}
	return read(last, 0)
}

// statementPaymentsSQL is the query of statementPagePayments: the
// viewer's payments paid from start until until, after the cursor, the
// first limit (0: all) in the order paid. With all, a walk's payments
// that settled nothing of the viewer's come too, with a NULL amount, for
// the reader to skip: the filter in SQL evaluated each payment's part
// twice (SQLite copies the sub-query into the WHERE it is flattened to).
func statementPaymentsSQL(v fieldportal.Viewer, start, until time.Time, zone *time.Location, cur statementCursor, after bool, limit int, walk, all bool, d Dialect) (string, []any) {
	var q query
	var alloc []string
	if walk {
		alloc = statementWalkScope(&q, v, start)
	} else {
		statementPaymentScope(&q, v, start)
	}
	q.and("p.paid_at < " + q.arg(until))
	if after {
		day := q.arg(cur.Date.In(zone).UTC())
		// The plain bound first: the walk starts at the cursor's day.
		q.and("p.paid_at >= " + day)
		if cur.Kind == fieldportal.StatementInvoice {
			q.and("p.paid_at >= " + day)
		} else {
			next := q.arg(cur.Date.AddDays(1).In(zone).UTC())
			q.and("(p.paid_at >= " + next + " OR p.paid_at >= " + day + " AND (p.receipt_number > " + q.arg(cur.Number) +
				" OR p.receipt_number = " + q.arg(cur.Number) + " AND p.id > " + q.arg(cur.ID) + "))")
		}
	}
	lim := ""
	if limit > 0 {
		lim = " LIMIT " + strconv.Itoa(limit)
	}
	if walk {
		return statementWalkPayments(&q, alloc, d, all) + lim, q.args
	}
	return q.sql(`SELECT p.id, p.receipt_number, p.method, p.paid_at, CAST(sum(pa.amount) AS BIGINT)
			FROM payments p JOIN payment_allocations pa ON pa.payment_id = p.id JOIN invoices i ON i.id = pa.invoice_id`,
		"GROUP BY p.paid_at, p.id, p.receipt_number, p.method ORDER BY p.paid_at, p.id"+lim), q.args
}

// scanStatementPayment reads a row of statementPaymentsSQL; ok is false
// for a payment that settled nothing of the viewer's (a NULL amount).
func scanStatementPayment(row interface{ Scan(...any) error }, zone *time.Location) (e fieldportal.StatementEntry, ok bool, err error) {
	e.Kind = fieldportal.StatementPayment
	var method string
	var paid time.Time
	var amount sql.NullInt64
	err = row.Scan(&e.ID, &e.Number, &method, tm(&paid), &amount)
	e.Amount = fieldportal.Money(amount.Int64)
	e.Date = fieldportal.DateOf(paid.In(zone))
	e.Description = fieldportal.StatementPaymentDescription(method)
	return e, amount.Valid, err
}

// paymentsUntil is where the payments a page (or a step of
// EachStatementEntry) needs end, given its invoices read with a limit of
// n: the range's end, or, when the invoices filled the limit, the start
// of the day of the last one. A day's invoices come before its payments
// (fieldportal.StatementOrder), so no payment of that day or later can
// come before the last invoice, and the page ends there at the latest.
// A big parent raises some 400 invoices a day: its first page of
// invoices ends on the range's first day, and its payments were read up
// to the end of the day of the 51st payment, then all of that day again
// (SQLite: 22 of the page's 30 ms).
func paymentsUntil(invoices []fieldportal.StatementEntry, n int, end time.Time, zone *time.Location) time.Time {
	if len(invoices) < n {
		return end
	}
	if day := invoices[n-1].Date.In(zone).UTC(); day.Before(end) {
		return day
	}
	return end
}

// statementWalkScope restricts q (payments p) as statementPaymentScope
// does, and returns the conditions on allocations pa and invoices i
// apart, for statementWalkPayments.
func statementWalkScope(q *query, v fieldportal.Viewer, start time.Time) (alloc []string) {
	alloc = []string{"i.status <> 'void'"}
	if q.contactScope(v, "p") {
		q.cte("statement_payers", `SELECT customer_id FROM reach_customers
			UNION SELECT ct_up.ancestor_id FROM customer_tree ct_up WHERE ct_up.customer_id = (SELECT customer_id FROM reach_login)`)
		// NOT (x NOT IN ...), as siteIDReachable writes it: a filter of
		// the walk, not 1,091 probes of payments_customer and a sort
		// (PostgreSQL: 800 to 30 ms for the big parent's page).
		q.and("NOT (p.customer_id NOT IN (SELECT customer_id FROM statement_payers))")
		alloc = append(alloc, q.siteOrCustomerVisible("i"))
	}
	q.and("p.status = 'succeeded' AND p.paid_at >= " + q.arg(start))
	return alloc
}

// statementWalkPayments is the text of q (conditions on payments p) and
// alloc (on allocations pa and invoices i) as a walk of the
// organisation's succeeded payments in the order paid: each payment's
// part on the viewer's invoices is a sub-query of its own, so nothing is
// grouped or sorted and the walk stops after the page.
func statementWalkPayments(q *query, alloc []string, d Dialect, all bool) string {
	if all {
		return q.prefix() + `SELECT p.id, p.receipt_number, p.method, p.paid_at,
		(SELECT CAST(sum(pa.amount) AS BIGINT) FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id
			WHERE pa.payment_id = p.id AND ` + strings.Join(alloc, " AND ") + `) AS amount
		FROM payments p` + d.walkIndex("payments_paid") + q.whereSQL() + ` ORDER BY p.paid_at, p.id`
	}
	return q.prefix() + `SELECT x.id, x.receipt_number, x.method, x.paid_at, x.amount FROM (SELECT p.id, p.receipt_number, p.method, p.paid_at,
		(SELECT CAST(sum(pa.amount) AS BIGINT) FROM payment_allocations pa JOIN invoices i ON i.id = pa.invoice_id
			WHERE pa.payment_id = p.id AND ` + strings.Join(alloc, " AND ") + `) AS amount
		FROM payments p` + d.walkIndex("payments_paid") + q.whereSQL() + `) x
		WHERE x.amount IS NOT NULL ORDER BY x.paid_at, x.id`
}

// statementWalks reports whether v's statement pages are read by walking
// the organisation's records in order (a contact who reaches many sites:
// a parent of 20,000 sites sees a fifth of them) rather than from the
// reachable sites' own records.
func (tx *Tx) statementWalks(ctx context.Context, v fieldportal.Viewer) (bool, error) {
	if !v.IsContact() || v.SeesWholeOrg() {
		return false, nil
	}
	few, err := tx.db.reachesFewSites(ctx, v)
	return !few, err
}

// statementWalkBatch is how many invoices and payments each step of
// EachStatementEntry reads.
var statementWalkBatch = 1000

// EachStatementEntry reads v's statement over r (its Limit and After are
// not used) in one walk of the range, in constant memory: head is called
// first with the totals (no entries), then fn with every entry in order,
// with its running balance. It stops at the first error either returns.
// The whole walk reads one snapshot (PostgreSQL: REPEATABLE READ), so the
// balances agree with the totals however long the walk takes.
func (d *DB) EachStatementEntry(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest, head func(*fieldportal.Statement) error, fn func(fieldportal.StatementEntry) error) error {
	if err := needModule(v, fieldportal.ModuleStatement, "statement"); err != nil {
		return err
	}
	if err := fieldportal.ValidateStatementRange(r.From, r.To, fieldportal.MaxStatementDays); err != nil {
		return err
	}
	zone := r.Zone
	if zone == nil {
		zone = time.UTC
	}
	var opts *sql.TxOptions
	if d.dialect == Postgres {
		opts = &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead}
	}
	stx, err := d.read.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	tx := &Tx{Tx: stx, db: d, p: d.read, ctx: ctx, now: d.Now().UTC().Truncate(time.Microsecond)}
	defer tx.Rollback()
	start, end := r.From.In(zone).UTC(), r.To.AddDays(1).In(zone).UTC()
	st, sums, err := tx.statementTotalsFromSums(ctx, v, r, zone)
	if err != nil {
		return err
	}
	if !sums {
		if st, err = tx.statementTotals(ctx, v, r, start, end); err != nil {
			return err
		}
	}
	st.Brought = st.Opening
	if err := head(st); err != nil {
		return err
	}
	walk, err := tx.statementWalks(ctx, v)
	if err != nil {
		return err
	}
	if d.dialect == SQLite {
		return tx.streamStatement(ctx, v, r, start, end, zone, walk, st.Opening, fn)
	}
	var cur statementCursor
	after, bal, n := false, st.Opening, statementWalkBatch
	for {
		invoices, err := tx.statementPageInvoices(ctx, v, r, start, end, cur, after, n, walk)
		if err != nil {
			return err
		}
		pays, err := tx.statementPagePayments(ctx, v, start, paymentsUntil(invoices, n, end, zone), zone, cur, after, n, walk)
		if err != nil {
			return err
		}
		// What both batches hold in full: every entry up to the last of a
		// batch that stopped at its limit (the payments' batch holds the
		// rest of its last day too).
		var last fieldportal.StatementEntry
		full := len(invoices) == n
		if full {
			last = invoices[n-1]
		}
		if len(pays) >= n {
			if p := pays[len(pays)-1]; !full || fieldportal.StatementOrder(p, last) < 0 {
				last = p
			}
			full = true
		}
		entries := append(invoices, pays...)
		slices.SortStableFunc(entries, fieldportal.StatementOrder)
		for _, e := range entries {
			if full && fieldportal.StatementOrder(e, last) > 0 {
				break
			}
			bal += e.Debit() - e.Credit()
			e.Balance = bal
			if err := fn(e); err != nil {
				return err
			}
		}
		if !full {
			return nil
		}
		cur, after = statementCursor{Date: last.Date, Kind: last.Kind, Number: last.Number, ID: last.ID}, true
	}
}

// streamStatement is EachStatementEntry's walk on SQLite: one read of the
// range's invoices and one of its payments, each in order and open side
// by side on the transaction's connection, merged. The steps of
// statementWalkBatch each walked from their cursor again with queries of
// their own (the big parent's year: 265 queries, 23 s). PostgreSQL keeps
// the steps: pgx reads one result at a time on a connection.
func (tx *Tx) streamStatement(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest, start, end time.Time, zone *time.Location, walk bool, bal fieldportal.Money, fn func(fieldportal.StatementEntry) error) error {
	text, args := tx.statementInvoicesSQL(v, r, start, end, statementCursor{}, false, 0, walk)
	invRows, err := tx.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer invRows.Close()
	text, args = statementPaymentsSQL(v, start, end, zone, statementCursor{}, false, 0, walk, true, tx.db.dialect)
	payRows, err := tx.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer payRows.Close()
	// The next invoice, and the next day's payments: read in the order
	// paid, shown in the statement's order (by receipt number).
	var inv fieldportal.StatementEntry
	hasInv := false
	nextInv := func() error {
		if hasInv = invRows.Next(); !hasInv {
			return invRows.Err()
		}
		var err error
		inv, err = scanStatementInvoice(invRows)
		return err
	}
	var day []fieldportal.StatementEntry
	var ahead fieldportal.StatementEntry
	hasAhead := false
	nextPay := func() (fieldportal.StatementEntry, bool, error) {
		for payRows.Next() {
			e, ok, err := scanStatementPayment(payRows, zone)
			if err != nil || ok {
				return e, ok, err
			}
		}
		return fieldportal.StatementEntry{}, false, payRows.Err()
	}
	nextDay := func() error {
		day = day[:0]
		if !hasAhead {
			var err error
			if ahead, hasAhead, err = nextPay(); err != nil || !hasAhead {
				return err
			}
		}
		day = append(day, ahead)
		for {
			var err error
			if ahead, hasAhead, err = nextPay(); err != nil {
				return err
			}
			if !hasAhead || ahead.Date != day[0].Date {
				break
			}
			day = append(day, ahead)
		}
		slices.SortStableFunc(day, fieldportal.StatementOrder)
		return nil
	}
	if err := nextInv(); err != nil {
		return err
	}
	if err := nextDay(); err != nil {
		return err
	}
	for hasInv || len(day) > 0 {
		var e fieldportal.StatementEntry
		if hasInv && (len(day) == 0 || fieldportal.StatementOrder(inv, day[0]) <= 0) {
			e = inv
			if err := nextInv(); err != nil {
				return err
			}
		} else {
			e, day = day[0], day[1:]
			if len(day) == 0 {
				if err := nextDay(); err != nil {
					return err
				}
			}
		}
		bal += e.Debit() - e.Credit()
		e.Balance = bal
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}
