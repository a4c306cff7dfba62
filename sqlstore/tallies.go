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

// Tallies are the dashboard's counts kept per customer (migration 00090):
// the customer's sites, the open issues, open service and install orders
// and outstanding quotes at its sites, and its unpaid invoices (at its
// sites, or its own without a site) by due date. A record counts for the
// customer of its site, as the access rules decide its visibility
// (scope.go), so a contact who sees every site of its customers sums one
// row per reachable customer instead of checking the reach of every open
// record (issue 15: 20,000 sites under one parent).
//
// The tallies are kept right by recounting, never by adding deltas: a
// transaction that writes a record notes the record's customer (old and
// new), and Commit recounts each noted customer from its records after
// taking that customer's tally row lock. On PostgreSQL (READ COMMITTED)
// the recount is a statement that starts after the lock is held, so it
// sees every transaction that held the lock before; a transaction that
// has not reached its recount yet will recount after. The record's site
// is read FOR SHARE, so a site that moves to another customer waits for,
// or is seen by, the transactions writing its records. SQLite runs one
// writer at a time. Locks are taken in one order: records, sites, then
// tally rows by customer id.

// tallyMigration is the version of the Go migration that fills the
// tallies of existing data (00090 made the tables).
const tallyMigration = 91

// tallyMigrations are the migrations written in Go for the engine d: the
// fills of the tallies and of the customer tree (customertree.go), and
// the text indexes of the searches (search.go), whose DDL is the engine's.
func tallyMigrations(d Dialect) []*goose.Migration {
	return append(append([]*goose.Migration{
		goose.NewGoMigration(tallyMigration,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildTallies(ctx, tx, "", time.Now(), false) }}, nil),
		goose.NewGoMigration(customerTreeMigration,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildCustomerTree(ctx, tx, "") }}, nil),
		goose.NewGoMigration(subtreeMigration,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return rebuildSubtreeTallies(ctx, tx, "") }}, nil),
		goose.NewGoMigration(searchMigration,
			&goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error { return migrateSearch(ctx, tx, d) }}, nil),
	}, append(append(laterTextMigrationsFor(d), statementSumsMigrations()...), numberStatisticsMigrations(d)...)...), auditMigrations(d)...)
}

// tallySQL is every statement text of the tallies, for MigrationsHash:
// a change to the Go migration's SQL must make a new test template.
func tallySQL() string {
	return customerTreeSQL("$1") + subtreeSQL() + searchSQL() + laterTextSQL() + tallyCounts("$1") + openInvoicesSQL("s.customer_id = $1", "i.customer_id = $1", "$2", "$3") +
		countedInvoices("s.customer_id = $1", "i.customer_id = $1") + numberStatisticsSQL + auditSQL()
}

// tallyColumns are the counted columns of customer_tallies, in the order
// of tallyCounts.
var tallyColumns = []string{"sites", "open_issues", "open_service", "open_install", "outstanding_quotes"}

// tallyCounts counts the open records of the customer whose id is the SQL
// expression cust, one sub-query per column of tallyColumns. The
// conditions are those of the dashboard's counts (CountIssues, CountJobs,
// CountQuotes), written out so that the partial indexes serve them.
func tallyCounts(cust string) string { return strings.Join(tallyCountList(cust), ", ") }

// tallyCountList is tallyCounts as a list, one item per column.
func tallyCountList(cust string) []string { return tallyCountListOf(cust, true) }

// tallyCountListOf is tallyCountList, or with archived false the counts of
// the schema before archiving (migration 00320), for the Go migration that
// first fills the tallies, which runs before that column exists.
func tallyCountListOf(cust string, archived bool) []string {
	inUse := "" // the sites in use: the dashboard counts no archived site
	if archived {
		inUse = ` AND NOT ` + siteArchived("s")
	}
	return []string{
		`(SELECT count(*) FROM sites s WHERE s.customer_id = ` + cust + inUse + `)`,
		`(SELECT count(*) FROM sites s JOIN issues i ON i.site_id = s.id WHERE s.customer_id = ` + cust + ` AND i.status = 'open')`,
		`(SELECT count(*) FROM sites s JOIN jobs j ON j.site_id = s.id WHERE s.customer_id = ` + cust + ` AND j.kind = 'service' AND ` + openStagesSQL + `)`,
		`(SELECT count(*) FROM sites s JOIN jobs j ON j.site_id = s.id WHERE s.customer_id = ` + cust + ` AND j.kind = 'install' AND ` + openStagesSQL + `)`,
		`(SELECT count(*) FROM sites s JOIN quotes q ON q.site_id = s.id WHERE s.customer_id = ` + cust + ` AND q.stage = 'outstanding')`,
	}
}

// openInvoicesSQL selects the unpaid and part-paid invoices with the
// customer that counts them (customer_id), their due date and balance:
// those at the sites that siteCond keeps (alias s) and the customer-only
// ones that customerCond keeps (alias i). Due dates before the SQL value
// cut read as longAgo: an invoice overdue on the day of the count stays
// overdue, so all such invoices of a customer share one row of
// customer_open_invoices, and only those not yet due need one row per
// date (a parent of 20,000 sites had 28,098 rows, now about 7,000).
func openInvoicesSQL(siteCond, customerCond, cut, longAgo string) string {
	due := "CASE WHEN i.due_date < " + cut + " THEN " + longAgo + " ELSE i.due_date END"
	return `SELECT s.customer_id AS customer_id, ` + due + ` AS due_date, i.total - i.amount_paid AS balance
		FROM sites s JOIN invoices i ON i.site_id = s.id WHERE ` + siteCond + ` AND i.status IN ('unpaid', 'part_paid')
		UNION ALL SELECT i.customer_id, ` + due + `, i.total - i.amount_paid FROM invoices i
		WHERE ` + customerCond + ` AND i.site_id IS NULL AND i.status IN ('unpaid', 'part_paid')`
}

// longAgo stands for every due date before the cut of openInvoicesSQL.
var longAgo = fieldportal.Date{Year: 1970, Month: time.January, Day: 1}

// overdueCut is the cut of openInvoicesSQL for a count made at now: the
// day before now's date in UTC, before which a due date is past in every
// time zone.
func overdueCut(now time.Time) fieldportal.Date { return fieldportal.DateOf(now.UTC()).AddDays(-1) }

// execer is what writing the tallies needs: a transaction of ours or
// goose's.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// rebuildTallies recounts the tallies of every customer of an
// organisation (of every organisation when orgID is ""), for data written
// around the store's methods: the migration, the generator's bulk load.
// now is the store's clock: due dates before the day before it are merged.
// archived false counts as the schema before archiving did (the first
// fill, migration 91, runs before 00320 adds archived_at).
func rebuildTallies(ctx context.Context, tx execer, orgID string, now time.Time, archived bool) error {
	customers, sites, invoices := "c.org_id = $1", "s.org_id = $1", "i.org_id = $1"
	if orgID == "" {
		customers, sites, invoices = "CAST($1 AS TEXT) = ''", "CAST($1 AS TEXT) = ''", "CAST($1 AS TEXT) = ''"
	}
	for _, stmt := range []string{
		`DELETE FROM customer_open_invoices WHERE customer_id IN (SELECT c.id FROM customers c WHERE ` + customers + `)`,
		`DELETE FROM customer_tallies WHERE customer_id IN (SELECT c.id FROM customers c WHERE ` + customers + `)`,
		`INSERT INTO customer_tallies (customer_id, org_id, ` + strings.Join(tallyColumns, ", ") + `)
			SELECT c.id, c.org_id, ` + strings.Join(tallyCountListOf("c.id", archived), ", ") + ` FROM customers c WHERE ` + customers,
		`INSERT INTO customer_open_invoices (customer_id, due_date, invoices, balance)
			SELECT x.customer_id, x.due_date, count(*), sum(x.balance) FROM (` + openInvoicesSQL(sites, invoices, "$2", "$3") + `) x
			GROUP BY x.customer_id, x.due_date`,
	} {
		args := []any{orgID}
		if strings.Contains(stmt, "$2") {
			args = append(args, overdueCut(now), longAgo)
		}
		if _, err := tx.ExecContext(ctx, stmt, args...); err != nil {
			return err
		}
	}
	return nil
}

// RebuildTallies recounts the dashboard's tallies of an organisation from
// its records, in one transaction that takes no tally row locks. The
// store's own writes keep the tallies; this is for data loaded in bulk
// around them (the generator), with nothing else writing: while the store
// serves, use RecountTallies.
func (d *DB) RebuildTallies(ctx context.Context, orgID string) error {
	return d.inTx(ctx, func(tx *Tx) error {
		if err := rebuildTallies(ctx, tx, orgID, d.Now(), true); err != nil {
			return err
		}
		if err := rebuildSubtreeTallies(ctx, tx, orgID); err != nil {
			return err
		}
		if err := rebuildFeedbackTallies(ctx, tx, orgID); err != nil {
			return err
		}
		return rebuildStatementSums(ctx, tx, orgID)
	})
}

// recountBatch is how many customers one transaction of RecountTallies
// recounts.
const recountBatch = 100

// RecountTallies repairs what the store derives from an organisation's
// records (of every organisation's when orgID is "") while the store
// serves: the customer tree, then the tallies. It repairs what writes
// made around the store left wrong (an instance of an older version
// writing during an upgrade, a manual fix in SQL). The tree and the
// subtree tallies are rebuilt in one transaction holding the
// organisation's tree lock alone; then every customer's own tallies are
// recounted in transactions of recountBatch customers, taking their locks
// in id order as the store's writes do, each adding its change to the
// subtree tallies. The feedback tallies (feedbacktally.go) are counted
// again with the tree; on PostgreSQL a rating left at that moment may make
// the recount fail on the tally's key (run it again), never miscount. For
// every organisation it first rebuilds SQLite's
// text indexes of the searches (search.go). It returns how many customers
// it recounted.
func (d *DB) RecountTallies(ctx context.Context, orgID string) (int, error) {
	orgs := []string{orgID}
	if orgID == "" {
		rows, err := d.db.QueryContext(ctx, `SELECT id FROM organisations ORDER BY id`)
		if err != nil {
			return 0, err
		}
		if orgs, err = collect(rows, scanText); err != nil {
			return 0, err
		}
	}
	// Every organisation's: SQLite's text indexes of the searches, which
	// a VACUUM may have left pointing at renumbered rows (search.go).
	if orgID == "" {
		if err := d.inTx(ctx, func(tx *Tx) error { return rebuildTextIndexes(ctx, tx, d.dialect) }); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, org := range orgs {
		if err := d.inTx(ctx, func(tx *Tx) error {
			if err := tx.lockCustomerTree(ctx, org); err != nil {
				return err
			}
			if err := rebuildCustomerTree(ctx, tx, org); err != nil {
				return err
			}
			if err := rebuildSubtreeTallies(ctx, tx, org); err != nil {
				return err
			}
			if err := rebuildFeedbackTallies(ctx, tx, org); err != nil {
				return err
			}
			return rebuildStatementSums(ctx, tx, org)
		}); err != nil {
			return n, err
		}
		m, err := d.recountOwnTallies(ctx, org)
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// recountOwnTallies recounts the own tallies of every customer of an
// organisation, recountBatch customers a transaction.
func (d *DB) recountOwnTallies(ctx context.Context, orgID string) (int, error) {
	after, n := "", 0
	for {
		rows, err := d.db.QueryContext(ctx, `SELECT id FROM customers WHERE org_id = $1 AND id > $2 ORDER BY id LIMIT `+
			strconv.Itoa(recountBatch), orgID, after)
		if err != nil {
			return n, err
		}
		ids, err := collect(rows, scanText)
		if err != nil {
			return n, err
		}
		if len(ids) == 0 {
			return n, nil
		}
		if err := d.inTx(ctx, func(tx *Tx) error { tx.noteTally(ids...); return nil }); err != nil {
			return n, err
		}
		n += len(ids)
		after = ids[len(ids)-1]
	}
}

// tallyRecord notes that the transaction wrote a record of the site (or,
// with no site, of the customer), so that Commit recounts the customer
// that counts it. The site is held until the transaction ends.
func (tx *Tx) tallyRecord(ctx context.Context, siteID, customerID string) error {
	if siteID != "" {
		var err error
		if customerID, err = tx.siteCustomer(ctx, siteID); err != nil {
			return err
		}
	}
	tx.noteTally(customerID)
	return nil
}

// tallyStored notes the customer that counts a record as stored now (its
// site's, or its own): call it before a change that may move the record
// to another site or customer, and again (tallyRecord) after. The record
// is locked until the transaction ends, so no other transaction changes
// it between this read and the change.
func (tx *Tx) tallyStored(ctx context.Context, table, id string) error {
	var siteID sql.NullString
	var customerID string
	err := tx.QueryRowContext(ctx, `SELECT site_id, customer_id FROM `+table+` WHERE id = $1`+tx.db.dialect.forUpdate(), id).
		Scan(&siteID, &customerID)
	if err != nil {
		return sqlErr(err, strings.TrimSuffix(table, "s"))
	}
	return tx.tallyRecord(ctx, siteID.String, customerID)
}

// siteCustomer returns the customer of a site, holding the site (FOR
// SHARE) so that it cannot move to another customer before this
// transaction recounts.
func (tx *Tx) siteCustomer(ctx context.Context, siteID string) (string, error) {
	var customerID string
	err := tx.QueryRowContext(ctx, `SELECT customer_id FROM sites WHERE id = $1`+tx.db.dialect.forShare(), siteID).Scan(&customerID)
	return customerID, sqlErr(err, "site")
}

// noteTally adds customers to those Commit recounts.
func (tx *Tx) noteTally(customerIDs ...string) {
	for _, id := range customerIDs {
		if id == "" {
			continue
		}
		if tx.tallies == nil {
			tx.tallies = map[string]bool{}
		}
		tx.tallies[id] = true
	}
}

// recountTallies recounts the customers the transaction noted, in the
// order of their ids (so two transactions cannot deadlock on them).
func (tx *Tx) recountTallies(ctx context.Context) error {
	ids := make([]string, 0, len(tx.tallies))
	for id := range tx.tallies {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	deltas, orgOf := map[string]*tallyDelta{}, map[string]string{}
	sums := map[string]*stmtSums{}
	for _, id := range ids {
		// The lock first, in a statement of its own: the recount after it
		// then reads what every transaction before it committed.
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_tallies (customer_id, org_id)
			SELECT c.id, c.org_id FROM customers c WHERE c.id = $1
			ON CONFLICT (customer_id) DO UPDATE SET org_id = excluded.org_id`, id); err != nil {
			return err
		}
		before, err := tx.readTally(ctx, "customer", id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customer_tallies SET `+recountSet+` WHERE customer_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_open_invoices WHERE customer_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_open_invoices (customer_id, due_date, invoices, balance)
			SELECT x.customer_id, x.due_date, count(*), sum(x.balance)
			FROM (`+openInvoicesSQL("s.customer_id = $1", "i.customer_id = $1", "$2", "$3")+`) x GROUP BY x.customer_id, x.due_date`,
			id, overdueCut(tx.now), longAgo); err != nil {
			return err
		}
		after, err := tx.readTally(ctx, "customer", id)
		if err != nil {
			return err
		}
		d := newTallyDelta()
		d.add(before, after, 1)
		if !d.zero() {
			deltas[id], orgOf[id] = d, after.orgID
		}
		// The statement's sums of the customer (statement_sums.go), under
		// the same row lock.
		s, err := tx.recountStatementSums(ctx, id, after.orgID)
		if err != nil {
			return err
		}
		if s != nil {
			sums[id], orgOf[id] = s, after.orgID
		}
	}
	tx.tallies = nil
	if len(deltas) == 0 && len(sums) == 0 {
		return nil
	}
	// The subtree rows after every own row: one order for all writers.
	return tx.applySubtreeDeltas(ctx, orgOf, deltas, sums)
}

// tallyScope restricts subtree_tallies or subtree_open_invoices (alias)
// to the subtree of a contact's customer when its site access is "all":
// exactly the customers it reaches (scope.go: its customer and every
// customer below; a site is reachable when its customer is, and so is a
// customer-only invoice with site access "all"). The login is read from
// the database, as for every query (reach_login: active, of the
// organisation). Only contacts have tallies read: anyone else gets
// nothing.
func tallyScope(q *query, v fieldportal.Viewer, alias string) {
	if !v.IsContact() || v.SeesWholeOrg() || v.OrgID == "" || v.LoginID == "" {
		q.and("1 = 0")
		return
	}
	q.reach(v)
	q.and(alias + ".customer_id = (SELECT customer_id FROM reach_login)")
	q.and("(SELECT site_access FROM reach_login) = 'all'")
}

// readTallies reads the counts of tallyColumns of the subtree v reaches
// (tallyScope) and, with invoices, its invoice summary on today, in one
// statement (the dashboard's).
func (d *DB) readTallies(ctx context.Context, v fieldportal.Viewer, invoices bool, today fieldportal.Date) ([]int, fieldportal.InvoiceSummary, error) {
	var q query
	sums := make([]string, len(tallyColumns))
	for i, c := range tallyColumns {
		sums[i] = "CAST(COALESCE(sum(t." + c + "), 0) AS BIGINT)"
	}
	text, _ := q.sub(`SELECT `+strings.Join(sums, ", ")+` FROM subtree_tallies t`, func() error {
		tallyScope(&q, v, "t")
		return nil
	})
	text = "SELECT * FROM " + text + " t"
	if invoices {
		summary, _ := tallySummary(&q, v, today)
		text += " CROSS JOIN " + summary + " o"
	}
	n := make([]int, len(tallyColumns))
	dest := make([]any, len(n))
	for i := range n {
		dest[i] = &n[i]
	}
	var s fieldportal.InvoiceSummary
	if invoices {
		dest = append(dest, &s.Unpaid, money(&s.Balance), &s.Overdue, money(&s.OverdueBalance))
	}
	err := d.db.QueryRowContext(ctx, q.prefix()+text, q.args...).Scan(dest...)
	return n, s, err
}

// tallyInvoiceSummary is InvoiceSummary from the tallies of the subtree v
// reaches (tallyScope).
func (d *DB) tallyInvoiceSummary(ctx context.Context, v fieldportal.Viewer, today fieldportal.Date) (fieldportal.InvoiceSummary, error) {
	var s fieldportal.InvoiceSummary
	var q query
	summary, _ := tallySummary(&q, v, today)
	err := d.db.QueryRowContext(ctx, q.prefix()+"SELECT * FROM "+summary+" o", q.args...).Scan(&s.Unpaid, money(&s.Balance), &s.Overdue, money(&s.OverdueBalance))
	return s, err
}

// tallySummary is the invoice summary of the subtree v reaches on today,
// from the open invoices' tallies, as a sub-query of q.
func tallySummary(q *query, v fieldportal.Viewer, today fieldportal.Date) (string, error) {
	t := q.arg(today)
	return q.sub(`SELECT CAST(COALESCE(sum(o.invoices), 0) AS BIGINT),
		CAST(COALESCE(sum(o.balance), 0) AS BIGINT),
		CAST(COALESCE(sum(CASE WHEN o.due_date < `+t+` THEN o.invoices ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(sum(CASE WHEN o.due_date < `+t+` THEN o.balance ELSE 0 END), 0) AS BIGINT)
		FROM subtree_open_invoices o`, func() error {
		tallyScope(q, v, "o")
		return nil
	})
}

// usesTallies reports whether v's dashboard counts come from the tallies:
// a contact who sees every site of its customers and reaches more than a
// few sites (a contact of few sites reads them from its sites' rows, see
// reachesFewSites, which is as cheap and needs no tally).
func (d *DB) usesTallies(ctx context.Context, v fieldportal.Viewer) (bool, error) {
	if !v.IsContact() || v.SeesWholeOrg() || v.SiteAccess != fieldportal.SiteAccessAll {
		return false, nil
	}
	few, err := d.reachesFewSites(ctx, v)
	return !few, err
}

// recountSet is the SET list of the recount of one customer ($1).
var recountSet = func() string {
	parts := make([]string, len(tallyColumns))
	counts := tallyCountList("$1")
	for i, c := range tallyColumns {
		parts[i] = c + " = " + counts[i]
	}
	return strings.Join(parts, ", ")
}()
