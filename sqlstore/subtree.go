package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// Subtree tallies (migration 00097) are a customer's tallies summed with
// those of every customer below it. A contact who sees its whole customer
// reaches exactly that subtree (SPEC §2 rule 1), so its dashboard reads
// one row, and the unpaid invoices by due date of one customer, however
// many customers and sites are under it.
//
// They are kept by deltas, not recounts: when Commit recounts a
// customer's own tallies (tallies.go) it adds the difference to the
// customer's row and to each ancestor's. Additions commute, so concurrent
// writers under one parent need only take the rows in one order (sorted
// by customer id, after their own rows). A move of a customer changes the
// tree the deltas follow: it takes the organisation's tree lock alone,
// and writers take it shared before they read the tree, so a delta is
// never added along a tree that a move is changing.

// subtreeMigration is the version of the Go migration that fills the
// subtree tallies of existing data.
const subtreeMigration = 98

// ownTally is a customer's tallies as read (its own, or its subtree's):
// tallyColumns' counts and its unpaid invoices by due date (count,
// balance).
type ownTally struct {
	orgID  string
	counts []int64
	open   map[fieldportal.Date][2]int64
}

// tallyDelta is what a write changed in some customers' tallies, to be
// added to subtree rows.
type tallyDelta struct {
	counts []int64
	open   map[fieldportal.Date][2]int64
}

// newOwnTally is a tally of nothing.
func newOwnTally() ownTally {
	return ownTally{counts: make([]int64, len(tallyColumns)), open: map[fieldportal.Date][2]int64{}}
}

func newTallyDelta() *tallyDelta {
	return &tallyDelta{counts: make([]int64, len(tallyColumns)), open: map[fieldportal.Date][2]int64{}}
}

// add adds sign times (after - before) to d.
func (d *tallyDelta) add(before, after ownTally, sign int64) {
	for i := range d.counts {
		d.counts[i] += sign * (after.counts[i] - before.counts[i])
	}
	for day, v := range after.open {
		d.open[day] = [2]int64{d.open[day][0] + sign*v[0], d.open[day][1] + sign*v[1]}
	}
	for day, v := range before.open {
		d.open[day] = [2]int64{d.open[day][0] - sign*v[0], d.open[day][1] - sign*v[1]}
	}
}

// zero reports whether d changes nothing.
func (d *tallyDelta) zero() bool {
	for _, n := range d.counts {
		if n != 0 {
			return false
		}
	}
	for _, v := range d.open {
		if v != [2]int64{} {
			return false
		}
	}
	return true
}

// readTally reads a customer's row of <kind>_tallies and its rows of
// <kind>_open_invoices, kind "customer" (its own) or "subtree";
// sql.ErrNoRows when it has no row.
func (tx *Tx) readTally(ctx context.Context, kind, id string) (ownTally, error) {
	t := newOwnTally()
	dest := []any{&t.orgID}
	for i := range t.counts {
		dest = append(dest, &t.counts[i])
	}
	if err := tx.QueryRowContext(ctx, `SELECT org_id, `+strings.Join(tallyColumns, ", ")+
		` FROM `+kind+`_tallies WHERE customer_id = $1`, id).Scan(dest...); err != nil {
		return t, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT due_date, invoices, balance FROM `+kind+`_open_invoices WHERE customer_id = $1`, id)
	if err != nil {
		return t, err
	}
	defer rows.Close()
	for rows.Next() {
		var day fieldportal.Date
		var v [2]int64
		if err := rows.Scan(&day, &v[0], &v[1]); err != nil {
			return t, err
		}
		t.open[day] = v
	}
	return t, rows.Err()
}

// applySubtreeDeltas adds each customer's delta to its own subtree row and
// to every ancestor's. The organisations' trees are held shared, so none
// moves meanwhile; the rows are taken in id order.
func (tx *Tx) applySubtreeDeltas(ctx context.Context, orgOf map[string]string, deltas map[string]*tallyDelta, sums map[string]*stmtSums) error {
	orgs := map[string]bool{}
	for id := range deltas {
		orgs[orgOf[id]] = true
	}
	for id := range sums {
		orgs[orgOf[id]] = true
	}
	for _, org := range slices.Sorted(func(yield func(string) bool) {
		for o := range orgs {
			if !yield(o) {
				return
			}
		}
	}) {
		if lock := tx.db.dialect.keyLockShared(); lock != "" {
			if _, err := tx.ExecContext(ctx, lock, "customer-tree:"+org); err != nil {
				return err
			}
		}
	}
	// Each ancestor's total: the sum of its descendants' deltas.
	// A customer's ancestors are read once for both (tallies and sums).
	above := map[string][]string{}
	ancestorsOf := func(id string) ([]string, error) {
		if a, ok := above[id]; ok {
			return a, nil
		}
		a, err := tx.ancestors(ctx, id)
		above[id] = a
		return a, err
	}
	total := map[string]*tallyDelta{}
	for id, d := range deltas {
		ancestors, err := ancestorsOf(id)
		if err != nil {
			return err
		}
		for _, a := range ancestors {
			if total[a] == nil {
				total[a] = newTallyDelta()
			}
			t := total[a]
			for i := range t.counts {
				t.counts[i] += d.counts[i]
			}
			for day, v := range d.open {
				t.open[day] = [2]int64{t.open[day][0] + v[0], t.open[day][1] + v[1]}
			}
			orgOf[a] = orgOf[id]
		}
	}
	if err := tx.addToSubtrees(ctx, orgOf, total); err != nil {
		return err
	}
	// The statement's sums after the tallies: one order for all writers.
	return tx.addStatementSubtrees(ctx, sums, ancestorsOf)
}

// ancestors lists a customer and every customer above it.
func (tx *Tx) ancestors(ctx context.Context, id string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT ancestor_id FROM customer_tree WHERE customer_id = $1`, id)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanText)
}

// addToSubtrees adds totals to the subtree rows of their customers, taken
// in id order.
func (tx *Tx) addToSubtrees(ctx context.Context, orgOf map[string]string, totals map[string]*tallyDelta) error {
	ids := make([]string, 0, len(totals))
	for id, d := range totals {
		if !d.zero() {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	set := make([]string, len(tallyColumns))
	for i, c := range tallyColumns {
		set[i] = c + " = " + c + " + $" + strconv.Itoa(i+2)
	}
	for _, id := range ids {
		d := totals[id]
		if _, err := tx.ExecContext(ctx, `INSERT INTO subtree_tallies (customer_id, org_id) VALUES ($1, $2)
			ON CONFLICT (customer_id) DO NOTHING`, id, orgOf[id]); err != nil {
			return err
		}
		args := []any{id}
		for _, n := range d.counts {
			args = append(args, n)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE subtree_tallies SET `+strings.Join(set, ", ")+` WHERE customer_id = $1`, args...); err != nil {
			return err
		}
		days := make([]fieldportal.Date, 0, len(d.open))
		for day, v := range d.open {
			if v != [2]int64{} {
				days = append(days, day)
			}
		}
		slices.SortFunc(days, func(a, b fieldportal.Date) int { return a.Time().Compare(b.Time()) })
		for _, day := range days {
			v := d.open[day]
			if _, err := tx.ExecContext(ctx, `INSERT INTO subtree_open_invoices (customer_id, due_date, invoices, balance)
				VALUES ($1, $2, $3, $4) ON CONFLICT (customer_id, due_date) DO UPDATE
				SET invoices = subtree_open_invoices.invoices + excluded.invoices,
				balance = subtree_open_invoices.balance + excluded.balance`, id, day, v[0], v[1]); err != nil {
				return err
			}
		}
		if len(days) > 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM subtree_open_invoices WHERE customer_id = $1 AND invoices = 0`, id); err != nil {
				return err
			}
		}
	}
	return nil
}

// moveSubtreeTallies takes a customer's subtree tallies from its old
// ancestors (before a move; the customer itself excluded) and gives them
// to its new ones (after). The caller holds the organisation's tree lock.
func (tx *Tx) moveSubtreeTallies(ctx context.Context, orgID, id string, oldAncestors, newAncestors []string) error {
	if err := tx.moveStatementSums(ctx, id, oldAncestors, newAncestors); err != nil {
		return err
	}
	sub, err := tx.readTally(ctx, "subtree", id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // nothing counted under it
	} else if err != nil {
		return err
	}
	empty := newOwnTally()
	totals, orgOf := map[string]*tallyDelta{}, map[string]string{}
	for _, a := range oldAncestors {
		d := newTallyDelta()
		d.add(sub, empty, 1) // minus the subtree
		totals[a], orgOf[a] = d, orgID
	}
	for _, a := range newAncestors {
		d := totals[a]
		if d == nil {
			d = newTallyDelta()
		}
		d.add(empty, sub, 1)
		totals[a], orgOf[a] = d, orgID
	}
	return tx.addToSubtrees(ctx, orgOf, totals)
}

// rebuildSubtreeTallies sums the customers' own tallies into the subtree
// tallies of an organisation (every organisation's when orgID is ""),
// with nothing else writing (the migration, the generator).
func rebuildSubtreeTallies(ctx context.Context, tx execer, orgID string) error {
	cond := "t.org_id = $1"
	if orgID == "" {
		cond = "CAST($1 AS TEXT) = ''"
	}
	sums := make([]string, len(tallyColumns))
	for i, c := range tallyColumns {
		sums[i] = "sum(t." + c + ")"
	}
	for _, stmt := range []string{
		// Every customer of the organisation: a parent with no records of
		// its own has subtree rows but no own row (found by review).
		`DELETE FROM subtree_open_invoices WHERE customer_id IN (SELECT c.id FROM customers c WHERE ` + strings.ReplaceAll(cond, "t.", "c.") + `)`,
		`DELETE FROM subtree_tallies WHERE ` + strings.ReplaceAll(cond, "t.", ""),
		`INSERT INTO subtree_tallies (customer_id, org_id, ` + strings.Join(tallyColumns, ", ") + `)
			SELECT ct.ancestor_id, t.org_id, ` + strings.Join(sums, ", ") + `
			FROM customer_tallies t JOIN customer_tree ct ON ct.customer_id = t.customer_id
			WHERE ` + cond + ` GROUP BY ct.ancestor_id, t.org_id`,
		`INSERT INTO subtree_open_invoices (customer_id, due_date, invoices, balance)
			SELECT ct.ancestor_id, o.due_date, sum(o.invoices), sum(o.balance)
			FROM customer_open_invoices o JOIN customer_tree ct ON ct.customer_id = o.customer_id
			JOIN customer_tallies t ON t.customer_id = o.customer_id
			WHERE ` + cond + ` GROUP BY ct.ancestor_id, o.due_date`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, orgID); err != nil {
			return err
		}
	}
	return nil
}

// subtreeSQL is the text of the subtree rebuild, for MigrationsHash.
func subtreeSQL() string {
	var b strings.Builder
	_ = rebuildSubtreeTallies(context.Background(), recorder{&b}, "")
	return b.String()
}

// recorder is an execer that writes down the statements it is given.
type recorder struct{ b *strings.Builder }

func (r recorder) ExecContext(_ context.Context, query string, _ ...any) (sql.Result, error) {
	r.b.WriteString(query)
	return nil, nil
}
