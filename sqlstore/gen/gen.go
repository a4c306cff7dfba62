// Package gen fills a database with one large, realistic organisation for
// the benchmark (issue 15): a contractor with a parent customer of tens of
// thousands of sites, a million invoices and the rest of the schema in
// proportion, plus the demo personas. The data is a pure function of the
// seed and the day it is made for (db.Now), and is written through each
// engine's bulk path: COPY on PostgreSQL, batched multi-row INSERTs in
// large transactions on SQLite. Nothing the migrations define is dropped
// or deferred, so the database ends exactly as the store would leave it.
package gen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/demo"
)

// PersonaSet names the logins the benchmark signs in with.
type PersonaSet struct {
	Admin    string // operator admin (console)
	Staff    string // plain operator staff (console)
	Parent   string // contact at the parent customer, every page and site
	Site     string // contact at a child customer with exactly one site
	Password string // the password of all four
}

// Personas are the demo's logins (SPEC §8), present in every generated
// database with the demo's password.
var Personas = PersonaSet{
	Admin: "admin@demo.test", Staff: "staff@demo.test",
	Parent: "parent@demo.test", Site: "site@demo.test",
	Password: demo.Password,
}

// ErrNotEmpty is returned for a database that already holds an
// organisation: the generator makes one from nothing, never adds to data.
var ErrNotEmpty = errors.New("the database already holds an organisation; generate needs an empty one")

// Generate migrates db, fills it with one organisation of the given size
// made from seed, runs ANALYZE, and returns what it wrote and how fast.
// While it runs it prints a line per table to out (nil: nothing), then
// the totals. Dates are counted back from db.Now, so the same seed on the
// same day gives the same rows (password hashes aside: their salt is
// random). db must hold no organisation (ErrNotEmpty). A run that fails
// or is cancelled leaves nothing on PostgreSQL (one transaction); on
// SQLite, which commits every few hundred thousand rows to keep its
// write-ahead log small, it leaves a partial database to delete.
func Generate(ctx context.Context, db *sqlstore.DB, size Size, seed uint64, out io.Writer) (Stats, error) {
	if out == nil {
		out = io.Discard
	}
	if err := size.check(); err != nil {
		return Stats{}, err
	}
	if err := db.Migrate(ctx); err != nil {
		return Stats{}, err
	}
	if n, err := db.CountOrganisations(ctx); err != nil {
		return Stats{}, err
	} else if n > 0 {
		return Stats{}, ErrNotEmpty
	}
	g, err := newGen(db, size, seed)
	if err != nil {
		return Stats{}, err
	}
	st := Stats{Engine: db.Dialect().String(), Size: size.Name, Seed: seed}
	fmt.Fprintf(out, "Generating size %s (seed %d) into %s\n", size.Name, seed, st.Engine)
	fmt.Fprint(out, statsHeader)
	start := time.Now()
	var s sink
	if db.Dialect() == sqlstore.Postgres {
		s, err = openPostgresSink(ctx, db)
	} else {
		s, err = openSQLiteSink(ctx, db)
	}
	if err != nil {
		return st, err
	}
	for _, t := range g.tables() {
		t0 := time.Now()
		n, err := s.write(ctx, t)
		if err != nil {
			s.abort()
			return st, fmt.Errorf("gen: %s: %w", t.name, err)
		}
		ts := TableStats{Table: t.name, Rows: n, Duration: time.Since(t0)}
		st.Tables = append(st.Tables, ts)
		st.Rows += n
		fmt.Fprint(out, ts.line())
	}
	if err := s.finish(ctx); err != nil {
		return st, fmt.Errorf("gen: %w", err)
	}
	// The customer tree and the dashboard's tallies hold what the bulk
	// load wrote around the store's methods.
	if err := db.RebuildCustomerTree(ctx, g.org); err != nil {
		return st, fmt.Errorf("gen: customer tree: %w", err)
	}
	if err := db.RebuildTallies(ctx, g.org); err != nil {
		return st, fmt.Errorf("gen: tallies: %w", err)
	}
	st.Load = time.Since(start)
	t0 := time.Now()
	// On PostgreSQL VACUUM as well: it marks the freshly loaded pages all
	// visible, so the scope's index-only lookups (a record's site's
	// customer, a contact's reach) read no table rows, as on a database
	// that autovacuum has been through.
	analyze := "ANALYZE"
	if db.Dialect() == sqlstore.Postgres {
		analyze = "VACUUM ANALYZE"
	}
	if _, err := db.SQL().ExecContext(ctx, analyze); err != nil {
		return st, fmt.Errorf("gen: analyze: %w", err)
	}
	var stat4 bool
	if db.Dialect() == sqlstore.SQLite {
		if err := db.SQL().QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat4')`).Scan(&stat4); err != nil {
			return st, fmt.Errorf("gen: analyze: %w", err)
		}
	}
	if stat4 {
		// sqlite_stat4's samples make SQLite prepare a statement again
		// whenever a bound value changes, as it may change the plan:
		// every scoped query on every call, 23% of the CPU under load.
		// The table statistics (sqlite_stat1) stay.
		if _, err := db.SQL().ExecContext(ctx, "DELETE FROM sqlite_stat4"); err != nil {
			return st, fmt.Errorf("gen: analyze: %w", err)
		}
	}
	st.Analyze = time.Since(t0)
	st.Duration = time.Since(start)
	fmt.Fprint(out, st.footer())
	return st, nil
}

// gen holds what every table's rows are computed from.
type gen struct {
	size  Size
	seed  uint64
	now   time.Time
	today fieldportal.Date
	loc   *time.Location
	org   string
	// hash is the one argon2id hash of the personas' password: every
	// active login shares it (hashing is deliberately slow).
	hash string
	l    *layout
	// receipts counts the payments written (their R-n numbers).
	receipts int
}

func newGen(db *sqlstore.DB, size Size, seed uint64) (*gen, error) {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	now := db.Now().UTC().Truncate(time.Second)
	g := &gen{size: size, seed: seed, now: now, today: fieldportal.DateOf(now.In(loc)), loc: loc}
	g.org = g.id(kOrg, 0, g.at(-5*365-30, 9, 0))
	if g.hash, err = auth.DefaultHasher().Hash(Personas.Password); err != nil {
		return nil, err
	}
	g.l = g.newLayout()
	return g, nil
}

// tables lists every table in an order that keeps foreign keys satisfied
// (PostgreSQL checks them during COPY).
func (g *gen) tables() []*table {
	return []*table{
		g.organisations(), g.settings(), g.staff(), g.contractors(), g.scripts(), g.items(),
		g.customers(), g.sites(), g.contacts(), g.logins(), g.loginSites(),
		g.assets(), g.transfers(),
		g.quotes(), g.quoteItems(), g.quoteAssets(),
		g.jobs(), g.jobItems(), g.jobAssets(),
		g.tests(), g.issues(), g.comments(),
		g.invoices(), g.invoiceLines(), g.payments(), g.allocations(),
		g.recurring(), g.cards(), g.certificates(), g.documents(), g.appointments(), g.feedback(), g.tasks(),
		g.webhooks(), g.outbox(), g.auditLog(), g.counters(),
		g.threads(), g.messages(),
		g.visitReports(), g.visitPhotos(), g.photoBlobs(),
	}
}
