package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/pressly/goose/v3"
)

// Statement sums (migration 00175) keep what a statement's totals are
// made of, so that a contact who sees its whole customer (site access
// "all": it reaches exactly that customer's subtree, SPEC §2 rule 1)
// reads its opening and closing balances and its ageing from its
// subtree's rows instead of checking the reach of every invoice and
// payment of 20,000 sites (issue 17: 1 to 1.5 s of SQL a page).
//
// They ride on the tallies (tallies.go, subtree.go): a write notes the
// customer that counts its record, and Commit, holding that customer's
// tally row, recounts the customer's own sums from its records, writes
// the rows that changed and adds the same change to the subtree rows of
// the customer and each ancestor, in id order, under the organisation's
// tree lock held shared. So they are right under concurrent writers for
// the same reasons the tallies are. A customer's records are few (a
// hundred or so invoices): the recount reads them all.
//
// With the statement's meaning (statement.go), for a range From..To:
//
//	E         = early settled on days before From on invoices issued from From on
//	opening   = sum over days before From of (raised - settled) + E
//	closing   = sum over days up to To of (raised - settled) + E
//	owed[due] = sum over days up to To of dues[due] + E[due]
//
// and the ageing's oldest band is the closing less the others, so only the
// due dates of the last 90 days and later are read by due date.

// statementSumsMigration is the version of the Go migration that fills
// the sums of existing data.
const statementSumsMigration = 176

// statementSumsMigrations are this file's Go migrations.
func statementSumsMigrations() []*goose.Migration {
	return []*goose.Migration{goose.NewGoMigration(statementSumsMigration,
		&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildStatementSums(ctx, tx, "") }}, nil)}
}

// dueDay is a due date and a day.
type dueDay struct{ due, day fieldportal.Date }

// earlyKey is a payment's day, and the issue and due dates of the invoice
// it settled before it was issued.
type earlyKey struct{ day, issue, due fieldportal.Date }

// stmtSums are a customer's statement sums, own or subtree's, or a change
// to them.
type stmtSums struct {
	days  map[fieldportal.Date][2]int64 // raised, settled
	dues  map[dueDay]int64
	early map[earlyKey]int64
}

func newStmtSums() *stmtSums {
	return &stmtSums{days: map[fieldportal.Date][2]int64{}, dues: map[dueDay]int64{}, early: map[earlyKey]int64{}}
}

// addSums adds sign times b to a.
func (a *stmtSums) addSums(b *stmtSums, sign int64) {
	for k, v := range b.days {
		a.days[k] = [2]int64{a.days[k][0] + sign*v[0], a.days[k][1] + sign*v[1]}
	}
	for k, v := range b.dues {
		a.dues[k] += sign * v
	}
	for k, v := range b.early {
		a.early[k] += sign * v
	}
}

// prune drops the keys whose sums are zero.
func (a *stmtSums) prune() {
	for k, v := range a.days {
		if v == [2]int64{} {
			delete(a.days, k)
		}
	}
	for k, v := range a.dues {
		if v == 0 {
			delete(a.dues, k)
		}
	}
	for k, v := range a.early {
		if v == 0 {
			delete(a.early, k)
		}
	}
}

// zero reports whether a holds nothing.
func (a *stmtSums) zero() bool {
	a.prune()
	return len(a.days) == 0 && len(a.dues) == 0 && len(a.early) == 0
}

// invoice adds an invoice that is not void.
func (a *stmtSums) invoice(issue, due fieldportal.Date, total int64) {
	v := a.days[issue]
	a.days[issue] = [2]int64{v[0] + total, v[1]}
	a.dues[dueDay{due, issue}] += total
}

// allocation adds what a succeeded payment paid on day settled on an
// invoice that is not void.
func (a *stmtSums) allocation(day, issue, due fieldportal.Date, amount int64) {
	v := a.days[day]
	a.days[day] = [2]int64{v[0], v[1] + amount}
	a.dues[dueDay{due, day}] -= amount
	if day.Before(issue) {
		a.early[earlyKey{day, issue, due}] += amount
	}
}

// queryer is what reading and writing the sums needs: a transaction of
// ours or goose's.
type queryer interface {
	execer
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// countedInvoices selects the invoices (not void) that the customers kept
// by siteCond (on sites s) and customerCond (on invoices i) count, with
// the counting customer: as openInvoicesSQL, the customer of the site, or
// the invoice's own without one.
func countedInvoices(siteCond, customerCond string) string {
	return `SELECT s.customer_id AS customer_id, i.id, i.issue_date, i.due_date, i.total
		FROM sites s JOIN invoices i ON i.site_id = s.id WHERE ` + siteCond + ` AND i.status <> 'void'
		UNION ALL SELECT i.customer_id, i.id, i.issue_date, i.due_date, i.total FROM invoices i
		WHERE ` + customerCond + ` AND i.site_id IS NULL AND i.status <> 'void'`
}

// countStatementSums reads the own sums of the customers that siteCond
// and customerCond keep (arg their one argument), payments' days taken in
// zone.
func countStatementSums(ctx context.Context, tx queryer, siteCond, customerCond string, arg any, zone *time.Location) (map[string]*stmtSums, error) {
	out := map[string]*stmtSums{}
	of := func(id string) *stmtSums {
		if out[id] == nil {
			out[id] = newStmtSums()
		}
		return out[id]
	}
	src := countedInvoices(siteCond, customerCond)
	rows, err := tx.QueryContext(ctx, `SELECT x.customer_id, x.issue_date, x.due_date, CAST(sum(x.total) AS BIGINT)
		FROM (`+src+`) x GROUP BY x.customer_id, x.issue_date, x.due_date`, arg)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var issue, due fieldportal.Date
		var total int64
		if err := rows.Scan(&id, &issue, &due, &total); err != nil {
			rows.Close()
			return nil, err
		}
		of(id).invoice(issue, due, total)
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	rows, err = tx.QueryContext(ctx, `SELECT x.customer_id, p.paid_at, x.issue_date, x.due_date, pa.amount
		FROM (`+src+`) x JOIN payment_allocations pa ON pa.invoice_id = x.id JOIN payments p ON p.id = pa.payment_id
		WHERE p.status = 'succeeded' AND p.paid_at IS NOT NULL`, arg)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id string
		var paid time.Time
		var issue, due fieldportal.Date
		var amount int64
		if err := rows.Scan(&id, tm(&paid), &issue, &due, &amount); err != nil {
			rows.Close()
			return nil, err
		}
		of(id).allocation(fieldportal.DateOf(paid.In(zone)), issue, due, amount)
	}
	return out, closeRows(rows)
}

// closeRows closes rows and returns their error.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// readStatementSums reads a customer's own (sub 0) or subtree (sub 1)
// sums.
func readStatementSums(ctx context.Context, tx queryer, sub int, id string) (*stmtSums, error) {
	s := newStmtSums()
	rows, err := tx.QueryContext(ctx, `SELECT day, raised, settled FROM statement_days WHERE sub = $1 AND customer_id = $2`, sub, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var d fieldportal.Date
		var v [2]int64
		if err := rows.Scan(&d, &v[0], &v[1]); err != nil {
			rows.Close()
			return nil, err
		}
		s.days[d] = v
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if rows, err = tx.QueryContext(ctx, `SELECT due_date, day, amount FROM statement_dues WHERE sub = $1 AND customer_id = $2`, sub, id); err != nil {
		return nil, err
	}
	for rows.Next() {
		var k dueDay
		var v int64
		if err := rows.Scan(&k.due, &k.day, &v); err != nil {
			rows.Close()
			return nil, err
		}
		s.dues[k] = v
	}
	if err := closeRows(rows); err != nil {
		return nil, err
	}
	if rows, err = tx.QueryContext(ctx, `SELECT day, issue_date, due_date, amount FROM statement_early WHERE sub = $1 AND customer_id = $2`, sub, id); err != nil {
		return nil, err
	}
	for rows.Next() {
		var k earlyKey
		var v int64
		if err := rows.Scan(&k.day, &k.issue, &k.due, &v); err != nil {
			rows.Close()
			return nil, err
		}
		s.early[k] = v
	}
	return s, closeRows(rows)
}

// addStatementSums adds d to a customer's own (sub 0) or subtree (sub 1)
// rows, in key order, deleting the rows it empties.
func addStatementSums(ctx context.Context, tx execer, sub int, id string, d *stmtSums) error {
	less := func(a, b fieldportal.Date) int { return a.Time().Compare(b.Time()) }
	days := slices.SortedFunc(func(yield func(fieldportal.Date) bool) {
		for k := range d.days {
			if !yield(k) {
				return
			}
		}
	}, less)
	for _, day := range days {
		v := d.days[day]
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_days (sub, customer_id, day, raised, settled) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (sub, customer_id, day) DO UPDATE SET raised = statement_days.raised + excluded.raised,
			settled = statement_days.settled + excluded.settled`, sub, id, day, v[0], v[1]); err != nil {
			return err
		}
	}
	dues := slices.SortedFunc(func(yield func(dueDay) bool) {
		for k := range d.dues {
			if !yield(k) {
				return
			}
		}
	}, func(a, b dueDay) int { return cmpOr(less(a.due, b.due), less(a.day, b.day)) })
	for _, k := range dues {
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_dues (sub, customer_id, due_date, day, amount) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (sub, customer_id, due_date, day) DO UPDATE SET amount = statement_dues.amount + excluded.amount`,
			sub, id, k.due, k.day, d.dues[k]); err != nil {
			return err
		}
	}
	early := slices.SortedFunc(func(yield func(earlyKey) bool) {
		for k := range d.early {
			if !yield(k) {
				return
			}
		}
	}, func(a, b earlyKey) int { return cmpOr(less(a.day, b.day), less(a.issue, b.issue), less(a.due, b.due)) })
	for _, k := range early {
		if _, err := tx.ExecContext(ctx, `INSERT INTO statement_early (sub, customer_id, day, issue_date, due_date, amount) VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (sub, customer_id, day, issue_date, due_date) DO UPDATE SET amount = statement_early.amount + excluded.amount`,
			sub, id, k.day, k.issue, k.due, d.early[k]); err != nil {
			return err
		}
	}
	// Rows left at nothing go: a statement reads fewer.
	for _, stmt := range []string{
		`DELETE FROM statement_days WHERE sub = $1 AND customer_id = $2 AND raised = 0 AND settled = 0`,
		`DELETE FROM statement_dues WHERE sub = $1 AND customer_id = $2 AND amount = 0`,
		`DELETE FROM statement_early WHERE sub = $1 AND customer_id = $2 AND amount = 0`,
	} {
		if len(days) == 0 && strings.Contains(stmt, "days") || len(dues) == 0 && strings.Contains(stmt, "dues") ||
			len(early) == 0 && strings.Contains(stmt, "early") {
			continue
		}
		if _, err := tx.ExecContext(ctx, stmt, sub, id); err != nil {
			return err
		}
	}
	return nil
}

// cmpOr is the first of cs that is not zero.
func cmpOr(cs ...int) int {
	for _, c := range cs {
		if c != 0 {
			return c
		}
	}
	return 0
}

// orgZone is the time zone an organisation's sums take payments' days
// in: the one they were filled in (statement_zones), else the
// organisation's own. lock ends the query: Dialect.forShare, so that the
// organisation's row is held until the transaction ends.
func orgZone(ctx context.Context, tx queryer, orgID, lock string) (string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT COALESCE((SELECT z.time_zone FROM statement_zones z WHERE z.org_id = o.id), o.time_zone)
		FROM organisations o WHERE o.id = $1`+lock, orgID)
	if err != nil {
		return "", err
	}
	zone := ""
	if rows.Next() {
		if err := rows.Scan(&zone); err != nil {
			rows.Close()
			return "", err
		}
	}
	return zone, closeRows(rows)
}

// recountStatementSums recounts a customer's own sums from its records
// (Commit holds its tally row) and returns what changed, nil for nothing.
func (tx *Tx) recountStatementSums(ctx context.Context, id, orgID string) (*stmtSums, error) {
	// The organisation's row is held (PostgreSQL; SQLite has one writer)
	// until the commit: a change of its time zone (UpdateOrganisation)
	// updates that row before it takes the tree lock and rebuilds the
	// sums, so it waits for this recount, or this recount for it, and the
	// sums are never taken in a zone it has just replaced (found by
	// review: read unheld, a rebuild committed between this read and the
	// read of the customer's rows left the customer's sums in the old
	// zone under the new one's name).
	zone, err := orgZone(ctx, tx, orgID, tx.db.dialect.forShare())
	if err != nil {
		return nil, err
	}
	if tx.db.afterStatementZone != nil {
		tx.db.afterStatementZone()
	}
	counted, err := countStatementSums(ctx, tx, "s.customer_id = $1", "i.customer_id = $1", id, fieldportal.Zone(zone))
	if err != nil {
		return nil, err
	}
	after := counted[id]
	if after == nil {
		after = newStmtSums()
	}
	before, err := readStatementSums(ctx, tx, 0, id)
	if err != nil {
		return nil, err
	}
	d := newStmtSums()
	d.addSums(after, 1)
	d.addSums(before, -1)
	if d.zero() {
		return nil, nil
	}
	return d, addStatementSums(ctx, tx, 0, id, d)
}

// addStatementSubtrees adds each customer's change to the subtree rows of
// the customer and of every customer above it, taken in id order. The
// caller holds the organisations' trees shared; ancestorsOf lists a
// customer and every customer above it (applySubtreeDeltas' reads).
func (tx *Tx) addStatementSubtrees(ctx context.Context, deltas map[string]*stmtSums, ancestorsOf func(string) ([]string, error)) error {
	total := map[string]*stmtSums{}
	for id, d := range deltas {
		ancestors, err := ancestorsOf(id)
		if err != nil {
			return err
		}
		for _, a := range ancestors {
			if total[a] == nil {
				total[a] = newStmtSums()
			}
			total[a].addSums(d, 1)
		}
	}
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range total {
			if !yield(id) {
				return
			}
		}
	}) {
		if d := total[id]; !d.zero() {
			if err := addStatementSums(ctx, tx, 1, id, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveStatementSums takes a customer's subtree sums from its old
// ancestors (the customer itself excluded) and gives them to its new
// ones. The caller holds the organisation's tree lock.
func (tx *Tx) moveStatementSums(ctx context.Context, id string, oldAncestors, newAncestors []string) error {
	sub, err := readStatementSums(ctx, tx, 1, id)
	if err != nil || sub.zero() {
		return err
	}
	totals := map[string]*stmtSums{}
	for _, a := range oldAncestors {
		totals[a] = newStmtSums()
		totals[a].addSums(sub, -1)
	}
	for _, a := range newAncestors {
		if totals[a] == nil {
			totals[a] = newStmtSums()
		}
		totals[a].addSums(sub, 1)
	}
	for _, a := range slices.Sorted(func(yield func(string) bool) {
		for id := range totals {
			if !yield(id) {
				return
			}
		}
	}) {
		if d := totals[a]; !d.zero() {
			if err := addStatementSums(ctx, tx, 1, a, d); err != nil {
				return err
			}
		}
	}
	return nil
}

// rebuildStatementSums fills the statement sums of an organisation (of
// every organisation when orgID is "") from its records, with nothing
// else writing them (the migration, the generator, a change of the
// organisation's time zone, which takes the tree lock). Payments' days are
// taken in each organisation's time zone, which it records.
func rebuildStatementSums(ctx context.Context, tx queryer, orgID string) error {
	orgs := []string{orgID}
	if orgID == "" {
		rows, err := tx.QueryContext(ctx, `SELECT id FROM organisations ORDER BY id`)
		if err != nil {
			return err
		}
		orgs = nil
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return err
			}
			orgs = append(orgs, id)
		}
		if err := closeRows(rows); err != nil {
			return err
		}
	}
	for _, org := range orgs {
		if err := rebuildOrgStatementSums(ctx, tx, org); err != nil {
			return err
		}
	}
	return nil
}

// rebuildOrgStatementSums is rebuildStatementSums of one organisation.
func rebuildOrgStatementSums(ctx context.Context, tx queryer, orgID string) error {
	var zone string
	rows, err := tx.QueryContext(ctx, `SELECT time_zone FROM organisations WHERE id = $1`, orgID)
	if err != nil {
		return err
	}
	if rows.Next() {
		err = rows.Scan(&zone)
	}
	if cerr := closeRows(rows); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	for _, t := range []string{"statement_days", "statement_dues", "statement_early"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE customer_id IN (SELECT c.id FROM customers c WHERE c.org_id = $1)`, orgID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM statement_zones WHERE org_id = $1`, orgID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO statement_zones (org_id, time_zone) VALUES ($1, $2)`, orgID, zone); err != nil {
		return err
	}
	own, err := countStatementSums(ctx, tx, "s.org_id = $1", "i.org_id = $1", orgID, fieldportal.Zone(zone))
	if err != nil {
		return err
	}
	var b bulkRows
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for id := range own {
			if !yield(id) {
				return
			}
		}
	}) {
		s := own[id]
		s.prune()
		for k, v := range s.days {
			if err := b.add(ctx, tx, "statement_days (sub, customer_id, day, raised, settled)", 0, id, k, v[0], v[1]); err != nil {
				return err
			}
		}
		for k, v := range s.dues {
			if err := b.add(ctx, tx, "statement_dues (sub, customer_id, due_date, day, amount)", 0, id, k.due, k.day, v); err != nil {
				return err
			}
		}
		for k, v := range s.early {
			if err := b.add(ctx, tx, "statement_early (sub, customer_id, day, issue_date, due_date, amount)", 0, id, k.day, k.issue, k.due, v); err != nil {
				return err
			}
		}
	}
	if err := b.flush(ctx, tx); err != nil {
		return err
	}
	// The subtrees: each customer's own sums added to every ancestor's.
	for _, stmt := range []string{
		`INSERT INTO statement_days (sub, customer_id, day, raised, settled)
			SELECT 1, ct.ancestor_id, o.day, sum(o.raised), sum(o.settled) FROM statement_days o
			JOIN customer_tree ct ON ct.customer_id = o.customer_id
			WHERE o.sub = 0 AND ct.org_id = $1 GROUP BY ct.ancestor_id, o.day`,
		`INSERT INTO statement_dues (sub, customer_id, due_date, day, amount)
			SELECT 1, ct.ancestor_id, o.due_date, o.day, sum(o.amount) FROM statement_dues o
			JOIN customer_tree ct ON ct.customer_id = o.customer_id
			WHERE o.sub = 0 AND ct.org_id = $1 GROUP BY ct.ancestor_id, o.due_date, o.day`,
		`INSERT INTO statement_early (sub, customer_id, day, issue_date, due_date, amount)
			SELECT 1, ct.ancestor_id, o.day, o.issue_date, o.due_date, sum(o.amount) FROM statement_early o
			JOIN customer_tree ct ON ct.customer_id = o.customer_id
			WHERE o.sub = 0 AND ct.org_id = $1 GROUP BY ct.ancestor_id, o.day, o.issue_date, o.due_date`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, orgID); err != nil {
			return err
		}
	}
	return nil
}

// bulkRows batches rows of one table into multi-row INSERTs.
type bulkRows struct {
	table string
	width int
	args  []any
}

// bulkBatch is how many rows one INSERT of bulkRows carries.
const bulkBatch = 400

func (b *bulkRows) add(ctx context.Context, tx execer, table string, vals ...any) error {
	if b.table != table {
		if err := b.flush(ctx, tx); err != nil {
			return err
		}
		b.table, b.width = table, len(vals)
	}
	b.args = append(b.args, vals...)
	if len(b.args) >= bulkBatch*b.width {
		return b.flush(ctx, tx)
	}
	return nil
}

func (b *bulkRows) flush(ctx context.Context, tx execer) error {
	if len(b.args) == 0 {
		return nil
	}
	var s strings.Builder
	s.WriteString("INSERT INTO " + b.table + " VALUES ")
	for r := 0; r < len(b.args)/b.width; r++ {
		if r > 0 {
			s.WriteString(", ")
		}
		s.WriteString("(")
		for c := 0; c < b.width; c++ {
			if c > 0 {
				s.WriteString(", ")
			}
			s.WriteString("$" + strconv.Itoa(r*b.width+c+1))
		}
		s.WriteString(")")
	}
	_, err := tx.ExecContext(ctx, s.String(), b.args...)
	b.args = b.args[:0]
	return err
}

// statementTotalsFromSums are statementTotals read from the subtree sums
// of the viewer's customer: for a contact whose site access is "all"
// (read from the database, as every query reads it) asking in the zone
// the sums were taken in. ok is false for anyone else, whose totals are
// summed from the records.
func (tx *Tx) statementTotalsFromSums(ctx context.Context, v fieldportal.Viewer, r fieldportal.StatementRequest, zone *time.Location) (st *fieldportal.Statement, ok bool, err error) {
	if !v.IsContact() || v.SeesWholeOrg() || v.OrgID == "" || v.LoginID == "" {
		return nil, false, nil
	}
	scope := func(q *query, alias string) string {
		outer := q.where
		q.where = nil
		tallyScope(q, v, alias)
		cond := strings.Join(q.where, " AND ")
		q.where = outer
		return cond + " AND " + alias + ".sub = 1"
	}
	var q query
	q.reach(v)
	days := scope(&q, "x")
	org, from, to := q.arg(v.OrgID), q.arg(r.From), q.arg(r.To)
	var access, sumsZone sql.NullString
	var before, during int64
	err = tx.QueryRowContext(ctx, q.prefix()+`SELECT (SELECT site_access FROM reach_login),
		COALESCE((SELECT z.time_zone FROM statement_zones z WHERE z.org_id = `+org+`), (SELECT o.time_zone FROM organisations o WHERE o.id = `+org+`)),
		(SELECT CAST(COALESCE(sum(x.raised - x.settled), 0) AS BIGINT) FROM statement_days x WHERE `+days+` AND x.day < `+from+`),
		(SELECT CAST(COALESCE(sum(x.raised - x.settled), 0) AS BIGINT) FROM statement_days x WHERE `+days+` AND x.day >= `+from+` AND x.day <= `+to+`)`,
		q.args...).Scan(&access, &sumsZone, &before, &during)
	if err != nil || access.String != string(fieldportal.SiteAccessAll) || sumsZone.String != zone.String() {
		return nil, false, err
	}
	var q2 query
	q2.reach(v)
	early, dues := scope(&q2, "x"), scope(&q2, "y")
	from, to = q2.arg(r.From), q2.arg(r.To)
	cut := q2.arg(r.To.AddDays(-90))
	rows, err := tx.QueryContext(ctx, q2.prefix()+`SELECT 'e', x.due_date, CAST(sum(x.amount) AS BIGINT) FROM statement_early x
		WHERE `+early+` AND x.day < `+from+` AND x.issue_date >= `+from+` GROUP BY x.due_date
		UNION ALL SELECT 'a', y.due_date, CAST(sum(y.amount) AS BIGINT) FROM statement_dues y
		WHERE `+dues+` AND y.due_date >= `+cut+` AND y.day <= `+to+` GROUP BY y.due_date`, q2.args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var earlySum int64
	owed := map[fieldportal.Date]fieldportal.Money{}
	for rows.Next() {
		var kind string
		var due fieldportal.Date
		var m int64
		if err := rows.Scan(&kind, &due, &m); err != nil {
			return nil, false, err
		}
		if kind == "e" {
			earlySum += m
		}
		if !due.Before(r.To.AddDays(-90)) {
			owed[due] += fieldportal.Money(m)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	opening, closing := fieldportal.Money(before+earlySum), fieldportal.Money(before+during+earlySum)
	// The due dates before the cut are all over 90 days overdue: what is
	// owed on them is the closing balance less what is owed on the others.
	in := fieldportal.StatementInput{From: r.From, To: r.To, Opening: closing}
	rest := closing
	for due, m := range owed {
		in.Brought = append(in.Brought, fieldportal.OwedByDueDate{DueDate: due, Amount: m})
		rest -= m
	}
	in.Brought = append(in.Brought, fieldportal.OwedByDueDate{DueDate: r.To.AddDays(-91), Amount: rest})
	// StatementTotals with nothing raised or settled: its closing is the
	// opening given, and its ageing that of in.Brought at To.
	s := fieldportal.StatementTotals(in, nil, nil)
	s.Opening = opening
	return &s, true, nil
}
