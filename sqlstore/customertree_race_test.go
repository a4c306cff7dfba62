package sqlstore_test

// Races of customer moves that change the external id against the
// writes under the tree lock (found by review: with foreign keys from the
// derived tables to customers, each of these deadlocked on PostgreSQL).

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// holdTree holds the organisation's tree lock (as a writer's commit or
// another move would) until release is called.
func holdTree(t *testing.T, db *sqlstore.DB, orgID string, shared bool) *sql.Tx {
	t.Helper()
	tx, err := db.SQL().BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	fn := "pg_advisory_xact_lock"
	if shared {
		fn = "pg_advisory_xact_lock_shared"
	}
	if _, err := tx.Exec(`SELECT `+fn+`(hashtextextended($1, 0))`, "customer-tree:"+orgID); err != nil {
		t.Fatal(err)
	}
	return tx
}

func collectErrs(t *testing.T, errs chan error, n int) {
	t.Helper()
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				t.Errorf("write: %v", err)
			}
		case <-time.After(60 * time.Second): // for a loaded machine
			t.Fatal("timed out")
		}
	}
}

// mustRaceUnderTreeLock starts first, then second, while a writer holds
// the organisation's tree lock shared (as a record's commit does), so
// both are under way when it lets go; both must succeed and leave the
// tree right.
func mustRaceUnderTreeLock(t *testing.T, db *sqlstore.DB, orgID string, first, second func() error) {
	t.Helper()
	h := holdTree(t, db, orgID, true)
	errs := make(chan error, 2)
	go func() { errs <- first() }()
	time.Sleep(300 * time.Millisecond)
	go func() { errs <- second() }()
	time.Sleep(300 * time.Millisecond)
	h.Rollback()
	collectErrs(t, errs, 2)
	MustTreeRight(t, db, orgID)
}

// moveCustomer returns a move of c under parent ("" to the top), with a
// new external id unless ext is "".
func moveCustomer(db *sqlstore.DB, v fieldportal.Viewer, c *fieldportal.Customer, parent, ext string) func() error {
	return func() error {
		x := *c
		x.ParentID = parent
		if ext != "" {
			x.ExternalID = ext
		}
		return db.UpdateCustomer(context.Background(), v, &x)
	}
}

// A: new customer under a child while the grandparent moves and changes
// its external id.
func TestCustomerTreeCreateVsGrandparentMove(t *testing.T) {
	for _, ext := range []string{"GROUP-2", ""} {
		t.Run(fmt.Sprint("ext=", ext != ""), func(t *testing.T) {
			db := sqltest.MustOpen(t, sqlstore.Postgres)
			w := newMoneyWorld(t, db)
			other := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Other group"})
			mustRaceUnderTreeLock(t, db, w.org.ID, func() error {
				return db.CreateCustomer(context.Background(), w.staff, &fieldportal.Customer{Name: "Grandchild", ParentID: w.child.ID})
			}, moveCustomer(db, w.staff, w.parent, other.ID, ext))
		})
	}
}

// B: a move of a customer under a descendant of another customer that is
// moving with a new external id.
func TestCustomerTreeMoveVsMove(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	w := newMoneyWorld(t, db)
	other := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Other group"})
	solo := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Solo"})
	mustRaceUnderTreeLock(t, db, w.org.ID, moveCustomer(db, w.staff, solo, w.child.ID, ""),
		moveCustomer(db, w.staff, w.parent, other.ID, "GROUP-2"))
}

// C: RecountTallies while a customer moves with a new external id.
func TestCustomerTreeRecountVsMove(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	w := newMoneyWorld(t, db)
	mustRaceUnderTreeLock(t, db, w.org.ID, func() error {
		_, err := db.RecountTallies(context.Background(), w.org.ID)
		return err
	}, moveCustomer(db, w.staff, w.child, "", "CHILD-2"))
}

// D: a writer's commit (emulated: the statements addToSubtrees runs after
// taking the tree lock shared) adding a new due date to an ancestor's
// subtree row while that ancestor moves with a new external id.
func TestCustomerTreeWriterVsMove(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	w := newMoneyWorld(t, db)
	wr := holdTree(t, db, w.org.ID, true)
	errs := make(chan error, 2)
	go func() { errs <- moveCustomer(db, w.staff, w.child, "", "CHILD-2")() }()
	time.Sleep(300 * time.Millisecond)
	go func() {
		_, err := wr.Exec(`INSERT INTO subtree_open_invoices (customer_id, due_date, invoices, balance)
			VALUES ($1, '2099-01-01', 1, 100) ON CONFLICT (customer_id, due_date) DO UPDATE
			SET invoices = subtree_open_invoices.invoices + excluded.invoices`, w.child.ID)
		if err != nil {
			wr.Rollback()
		} else {
			err = wr.Rollback()
		}
		errs <- err
	}()
	collectErrs(t, errs, 2)
}

// E: the walk and the recursive form give the same rows, whatever the
// tally says.
func TestSitesUnderCustomerWalkSameRows(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		grand := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Grand", ParentID: w.child.ID})
		for i := range 30 {
			cust := []string{w.parent.ID, w.child.ID, grand.ID}[i%3]
			MustSite(t, db, w.staff, &fieldportal.Site{CustomerID: cust, Name: fmt.Sprintf("S %02d", 29-i), Address: fieldportal.Address{Line1: "x"}})
		}
		// a site of the other organisation, and one of an unrelated customer
		ostaff := fieldportal.SystemViewer(w.other.ID, "test")
		oc := MustCustomer(t, db, ostaff, &fieldportal.Customer{Name: "O"})
		MustSite(t, db, ostaff, &fieldportal.Site{CustomerID: oc.ID, Name: "O site", Address: fieldportal.Address{Line1: "x"}})
		un := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Unrelated"})
		MustSite(t, db, w.staff, &fieldportal.Site{CustomerID: un.ID, Name: "A unrelated", Address: fieldportal.Address{Line1: "x"}})
		viewers := map[string]fieldportal.Viewer{
			"staff":          w.staff,
			"other staff":    ostaff,
			"all parent":     MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil),
			"all child":      MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil),
			"assigned child": MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAssigned, []string{w.siteC.ID}),
			"assigned A":     MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteA.ID}),
		}
		names := func(v fieldportal.Viewer, c string) string {
			l, err := db.FindSitesUnderCustomer(ctx, v, c)
			if err != nil {
				return "err " + err.Error()
			}
			var s []string
			for _, x := range l {
				s = append(s, x.Name)
			}
			return strings.Join(s, ",")
		}
		custs := map[string]string{"parent": w.parent.ID, "child": w.child.ID, "grand": grand.ID, "other": oc.ID, "missing": "nope"}
		before := map[string]string{}
		for vn, v := range viewers {
			for cn, c := range custs {
				before[vn+"/"+cn] = names(v, c)
			}
		}
		// force the walk: every subtree row says 5,000 sites
		if _, err := db.SQL().Exec(`UPDATE subtree_tallies SET sites = 5000`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(`INSERT INTO subtree_tallies (customer_id, org_id, sites) SELECT id, org_id, 5000 FROM customers WHERE id NOT IN (SELECT customer_id FROM subtree_tallies)`); err != nil {
			t.Fatal(err)
		}
		for vn, v := range viewers {
			for cn, c := range custs {
				if got := names(v, c); got != before[vn+"/"+cn] {
					t.Errorf("%s/%s: walk %q, recursive %q", vn, cn, got, before[vn+"/"+cn])
				}
			}
		}
		t.Logf("staff/parent: %s", before["staff/parent"])
		t.Logf("assigned child/parent: %s", before["assigned child/parent"])
	})
}
