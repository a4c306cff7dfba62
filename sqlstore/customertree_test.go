package sqlstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// treeRows reads the customer tree as "ancestor customer" lines.
func treeRows(tb testing.TB, db *sqlstore.DB) []string {
	tb.Helper()
	rows, err := db.SQL().QueryContext(context.Background(),
		`SELECT ancestor_id || ' ' || customer_id FROM customer_tree ORDER BY ancestor_id, customer_id`)
	if err != nil {
		tb.Fatalf("read tree: %v", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			tb.Fatalf("read tree: %v", err)
		}
		out = append(out, s)
	}
	return out
}

// MustTreeRight fails when the customer tree the store kept differs from
// one rebuilt from the customers' parents.
func MustTreeRight(tb testing.TB, db *sqlstore.DB, orgID string) {
	tb.Helper()
	mustKeptAsRebuilt(tb, "customer tree", func() []string { return treeRows(tb, db) },
		func() error { return db.RebuildCustomerTree(context.Background(), orgID) })
}

// mustKeptAsRebuilt fails when what read returns changes when rebuild
// derives it again from the records: the store kept it wrong.
func mustKeptAsRebuilt(tb testing.TB, what string, read func() []string, rebuild func() error) {
	tb.Helper()
	kept := read()
	if err := rebuild(); err != nil {
		tb.Fatalf("rebuild the %s: %v", what, err)
	}
	if diff := cmp.Diff(read(), kept); diff != "" {
		tb.Fatalf("the %s kept differs from a rebuild (-rebuilt +kept):\n%s", what, diff)
	}
}

// The customer tree follows customers made and moved, subtrees included,
// and a contact's reach follows it: a contact of the top customer sees the
// sites of a customer moved under it, and no longer those moved away.
func TestCustomerTreeFollowsMoves(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Tree")
		sys := fieldportal.SystemViewer(org.ID, "test")
		cust := map[string]*fieldportal.Customer{}
		add := func(name, parent string) {
			c := &fieldportal.Customer{Name: name}
			if parent != "" {
				c.ParentID = cust[parent].ID
			}
			cust[name] = MustCustomer(t, db, sys, c)
			MustSite(t, db, sys, &fieldportal.Site{CustomerID: cust[name].ID, Name: name + " site", Address: fieldportal.Address{Line1: "1 Road"}})
		}
		add("Top", "")
		add("A", "Top")
		add("A1", "A")
		add("A11", "A1")
		add("B", "Top")
		add("Other", "")
		top := MustMoneyContact(t, db, org.ID, cust["Top"].ID, fieldportal.SiteAccessAll, nil)
		sites := func(t *testing.T) []string {
			t.Helper()
			list, _, err := db.FindSites(ctx, top, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 50}})
			if err != nil {
				t.Fatalf("sites: %v", err)
			}
			return idsOf(list, func(s *fieldportal.Site) string { return s.Name })
		}
		move := func(name, parent string) func() error {
			return func() error {
				c := *cust[name]
				c.ParentID = ""
				if parent != "" {
					c.ParentID = cust[parent].ID
				}
				return db.UpdateCustomer(ctx, sys, &c)
			}
		}
		t.Run("made", func(t *testing.T) {
			MustTreeRight(t, db, org.ID)
			if diff := cmp.Diff([]string{"A site", "A1 site", "A11 site", "B site", "Top site"}, sites(t)); diff != "" {
				t.Errorf("sites (-want +got):\n%s", diff)
			}
		})
		for _, s := range []struct {
			name  string
			write func() error
			want  []string
		}{
			{"subtree moved under a sibling", move("A1", "B"), []string{"A site", "A1 site", "A11 site", "B site", "Top site"}},
			{"subtree moved to the top", move("A1", ""), []string{"A site", "B site", "Top site"}},
			{"other customer moved under", move("Other", "A"), []string{"A site", "B site", "Other site", "Top site"}},
			{"subtree moved back under", move("A1", "Other"), []string{"A site", "A1 site", "A11 site", "B site", "Other site", "Top site"}},
		} {
			t.Run(s.name, func(t *testing.T) {
				if err := s.write(); err != nil {
					t.Fatalf("%s: %v", s.name, err)
				}
				MustTreeRight(t, db, org.ID)
				if diff := cmp.Diff(s.want, sites(t)); diff != "" {
					t.Errorf("sites (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("cycle refused", func(t *testing.T) {
			if err := move("Top", "A11")(); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Fatalf("moving Top under its own A11: %v, want invalid", err)
			}
			MustTreeRight(t, db, org.ID)
		})
	})
}

// Moves of one organisation's customers at once leave a tree equal to
// its rebuild, and no cycle: each move waits for the others (on
// PostgreSQL through the organisation's tree lock).
func TestCustomerTreeUnderConcurrentMoves(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Tree")
		sys := fieldportal.SystemViewer(org.ID, "test")
		var all []*fieldportal.Customer
		for i := range 8 {
			c := &fieldportal.Customer{Name: fmt.Sprintf("C%d", i)}
			if i > 0 {
				c.ParentID = all[(i-1)/2].ID
			}
			all = append(all, MustCustomer(t, db, sys, c))
		}
		var wg sync.WaitGroup
		var moved atomic.Int32
		for n := range 6 {
			wg.Go(func() {
				rnd := rand.New(rand.NewPCG(uint64(n), 92))
				for range 15 {
					c := *all[rnd.IntN(len(all))]
					c.ParentID = all[rnd.IntN(len(all))].ID
					err := db.UpdateCustomer(ctx, sys, &c)
					if err == nil {
						moved.Add(1)
					} else if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
						t.Errorf("move: %v", err)
					}
				}
			})
		}
		wg.Wait()
		if moved.Load() == 0 {
			t.Fatal("no move succeeded: the test would prove nothing")
		}
		MustTreeRight(t, db, org.ID)
		// No customer is its own ancestor other than through itself.
		var loops int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM customer_tree a JOIN customer_tree b
			ON a.ancestor_id = b.customer_id AND a.customer_id = b.ancestor_id WHERE a.ancestor_id <> a.customer_id`).Scan(&loops); err != nil {
			t.Fatal(err)
		}
		if loops > 0 {
			t.Errorf("%d pairs of customers are each other's ancestors", loops)
		}
		t.Logf("%d moves", moved.Load())
	})
}

// A customer cannot be placed under another organisation's customer: the
// tree would join the two organisations' reaches (found by review: the
// other organisation's dashboard then counted this one's sites).
func TestCustomerParentOfAnotherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		today := fieldportal.DateOf(time.Now())
		MustInvoice(t, db, w.staff, w.invoice(w.child.ID, w.siteC.ID, today.AddDays(-40), 12000))
		staffB := fieldportal.SystemViewer(w.other.ID, "test")
		groupB := MustCustomer(t, db, staffB, &fieldportal.Customer{Name: "B Group"})
		contactB := MustMoneyContact(t, db, w.other.ID, groupB.ID, fieldportal.SiteAccessAll, nil)
		moved := *w.child
		moved.ParentID = groupB.ID
		if err := db.UpdateCustomer(ctx, w.staff, &moved); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			t.Errorf("UpdateCustomer under another organisation's customer: %v, want invalid", err)
		}
		d, err := db.Dashboard(sqlstore.AsManySites(ctx), contactB)
		if err != nil {
			t.Fatal(err)
		}
		if d.Sites == nil || *d.Sites != 0 || d.UnpaidInvoices == nil || *d.UnpaidInvoices != 0 {
			t.Errorf("the other organisation's dashboard counts this one's records: sites %v, unpaid %v", d.Sites, d.UnpaidInvoices)
		}
		MustTreeRight(t, db, w.org.ID)
	})
}

// A parent changed around the store (an older instance during an
// upgrade) leaves the tree behind until `fieldportal recount`, which
// rebuilds it: the old parent's contact no longer reaches the customer.
func TestRecountRebuildsTheTree(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		top := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Elsewhere"})
		parent := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
		mustMoneyExec(t, db, `UPDATE customers SET parent_id = $1 WHERE id = $2`, top.ID, w.child.ID)
		if _, err := db.RecountTallies(ctx, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindSiteByID(ctx, parent, w.siteC.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			t.Errorf("the old parent's contact finds the moved customer's site: %v", err)
		}
		MustTreeRight(t, db, w.org.ID)
		MustTalliesRight(t, db, w.org.ID)
	})
}

// On PostgreSQL an edit of a customer made while another transaction
// moves it waits for the move and keeps the tree in step with the
// parent (found by review: it wrote the old parent back behind the
// tree's back).
func TestCustomerEditRacingAMove(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	ctx := context.Background()
	w := newMoneyWorld(t, db)
	other := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Other group"})
	hold, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.ExecContext(ctx, `SELECT 1 FROM customers WHERE id = $1 FOR UPDATE`, w.child.ID); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	go func() { c := *w.child; c.ParentID = other.ID; errs <- db.UpdateCustomer(ctx, w.staff, &c) }()
	time.Sleep(300 * time.Millisecond)
	go func() { c := *w.child; c.Name = "Child Ltd"; errs <- db.UpdateCustomer(ctx, w.staff, &c) }()
	time.Sleep(300 * time.Millisecond)
	hold.Rollback()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	MustTreeRight(t, db, w.org.ID)
	MustTalliesRight(t, db, w.org.ID)
}

// A customer's new external id, while a record of it commits, does not
// deadlock on PostgreSQL (found by review): the edit writes the row
// before it would take the tree lock, which the record's commit takes
// shared, and an edit that moves nothing takes none.
func TestCustomerExternalIDChangeRacingAWrite(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	ctx := context.Background()
	w := newMoneyWorld(t, db)
	today := fieldportal.DateOf(time.Now())
	for _, c := range []struct{ name, externalID, parentID string }{
		{"edit", "CHILD-1", w.parent.ID},
		{"move to the top", "CHILD-2", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			held, release := make(chan struct{}), make(chan struct{})
			var once sync.Once
			sqlstore.SetBeforeRecount(db, func() { once.Do(func() { close(held); <-release }) })
			errs := make(chan error, 2)
			go func() { errs <- db.CreateInvoice(ctx, w.staff, w.invoice(w.child.ID, w.siteC.ID, today, 12000)) }()
			<-held // the invoice is written, its commit not yet done
			go func() {
				x := *w.child
				x.ExternalID, x.ParentID = c.externalID, c.parentID
				errs <- db.UpdateCustomer(ctx, w.staff, &x)
			}()
			time.Sleep(300 * time.Millisecond)
			close(release)
			for range 2 {
				if err := <-errs; err != nil {
					t.Errorf("write: %v", err)
				}
			}
			sqlstore.SetBeforeRecount(db, nil)
			MustTreeRight(t, db, w.org.ID)
			MustTalliesRight(t, db, w.org.ID)
		})
	}
}
