package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// nodeLine is a node of the tree as "name children/sites/subtree sites".
func nodeLine(n *fieldportal.CustomerNode) string {
	return n.Name + " " + itoa(n.Children) + "/" + itoa(n.Sites) + "/" + itoa(n.SubtreeSites)
}

func itoa(n int) string {
	if n < 0 {
		return "-" + itoa(-n)
	}
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + itoa(n%10)
}

// auditCount counts the audit log's entries of an action on an entity.
func auditCount(tb testing.TB, db *sqlstore.DB, action, entityID string) int {
	tb.Helper()
	var n int
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM audit_log WHERE action = $1 AND entity_id = $2`,
		action, entityID).Scan(&n); err != nil {
		tb.Fatal(err)
	}
	return n
}

// The console's customer tree (issue 20): the top level and a level's
// children by name with their counts, a search at any depth, a customer's
// path and own sites; moves refused into the customer's own subtree, and
// a move changing at once what the contacts of the old and new parent
// see.
func TestCustomerNodes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Tree")
		staff := fieldportal.NewStaffViewer(org.ID, "", "Office", fieldportal.RoleStaff)
		cust := map[string]*fieldportal.Customer{}
		site := map[string]*fieldportal.Site{}
		add := func(name, parent string, sites int) {
			c := &fieldportal.Customer{Name: name, ExternalID: "ACC-" + name}
			if parent != "" {
				c.ParentID = cust[parent].ID
			}
			if err := db.CreateCustomer(ctx, staff, c); err != nil {
				t.Fatalf("create %s: %v", name, err)
			}
			cust[name] = c
			for i := range sites {
				s := MustSite(t, db, staff, &fieldportal.Site{CustomerID: c.ID, Name: name + " site " + itoa(i+1), Address: fieldportal.Address{Line1: "1 Road"}})
				site[s.Name] = s
			}
		}
		add("Top", "", 2)
		add("A", "Top", 1)
		add("A1", "A", 3)
		add("A11", "A1", 1)
		add("B", "Top", 0)
		add("Solo", "", 1)
		orgB := MustOrg(t, db, "Other")
		otherB := MustCustomer(t, db, fieldportal.SystemViewer(orgB.ID, "test"), &fieldportal.Customer{Name: "Other B"})

		nodes := func(t *testing.T, f fieldportal.CustomerNodeFilter) ([]string, string) {
			t.Helper()
			list, next, err := db.FindCustomerNodes(ctx, staff, f)
			if err != nil {
				t.Fatalf("nodes %+v: %v", f, err)
			}
			var out []string
			for _, n := range list {
				out = append(out, nodeLine(n))
			}
			return out, next
		}
		want := func(t *testing.T, what string, want, got []string) {
			t.Helper()
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", what, diff)
			}
		}
		t.Run("top level", func(t *testing.T) {
			got, _ := nodes(t, fieldportal.CustomerNodeFilter{})
			want(t, "top level", []string{"Solo 0/1/1", "Top 2/2/7"}, got)
		})
		t.Run("children paged", func(t *testing.T) {
			got, next := nodes(t, fieldportal.CustomerNodeFilter{ParentID: cust["Top"].ID, Page: fieldportal.Page{Limit: 1}})
			want(t, "first page", []string{"A 1/1/5"}, got)
			got, next = nodes(t, fieldportal.CustomerNodeFilter{ParentID: cust["Top"].ID, Page: fieldportal.Page{Limit: 1, After: next}})
			want(t, "second page", []string{"B 0/0/0"}, got)
			if next != "" {
				t.Errorf("a next page after the last: %q", next)
			}
		})
		t.Run("search at any depth", func(t *testing.T) {
			got, _ := nodes(t, fieldportal.CustomerNodeFilter{Search: "a1"})
			want(t, "name", []string{"A1 1/3/4", "A11 0/1/1"}, got)
			got, _ = nodes(t, fieldportal.CustomerNodeFilter{Search: "acc-sol"})
			want(t, "account number", []string{"Solo 0/1/1"}, got)
			list, _, err := db.FindCustomerNodes(ctx, staff, fieldportal.CustomerNodeFilter{Search: "A11"})
			if err != nil || len(list) != 1 || list[0].ParentName != "A1" {
				t.Errorf("search A11 = %v, %v; want A11 under A1", list, err)
			}
		})
		t.Run("path", func(t *testing.T) {
			path, err := db.FindCustomerPath(ctx, staff, cust["A11"].ID)
			if err != nil {
				t.Fatal(err)
			}
			want(t, "path", []string{"Top", "A", "A1", "A11"}, idsOf(path, func(c *fieldportal.Customer) string { return c.Name }))
		})
		t.Run("own sites paged", func(t *testing.T) {
			list, next, err := db.FindCustomerSites(ctx, staff, cust["A1"].ID, fieldportal.Page{Limit: 2})
			if err != nil {
				t.Fatal(err)
			}
			rest, last, err := db.FindCustomerSites(ctx, staff, cust["A1"].ID, fieldportal.Page{Limit: 2, After: next})
			if err != nil {
				t.Fatal(err)
			}
			name := func(s *fieldportal.Site) string { return s.Name }
			want(t, "sites", []string{"A1 site 1", "A1 site 2", "A1 site 3"}, append(idsOf(list, name), idsOf(rest, name)...))
			if last != "" {
				t.Errorf("a next page after the last: %q", last)
			}
		})
		t.Run("create child, audited", func(t *testing.T) {
			add("B1", "B", 1)
			got, _ := nodes(t, fieldportal.CustomerNodeFilter{ParentID: cust["Top"].ID})
			want(t, "after the child", []string{"A 1/1/5", "B 1/0/1"}, got)
			if n := auditCount(t, db, "customer.created", cust["B1"].ID); n != 1 {
				t.Errorf("customer.created entries = %d, want 1", n)
			}
			MustTreeRight(t, db, org.ID)
		})
		t.Run("a move into its own subtree is refused by field", func(t *testing.T) {
			for _, under := range []string{"A11", "A"} {
				c := *cust["A"]
				c.ParentID = cust[under].ID
				err := db.UpdateCustomer(ctx, staff, &c)
				if fieldOf(err) != "parent_id" {
					t.Errorf("move A under %s: %v, want an error on parent_id", under, err)
				}
			}
			if n := auditCount(t, db, "customer.moved", cust["A"].ID); n != 0 {
				t.Errorf("a refused move was audited %d times", n)
			}
		})
		t.Run("another organisation's customer", func(t *testing.T) {
			c := &fieldportal.Customer{Name: "Stray", ParentID: otherB.ID}
			if err := db.CreateCustomer(ctx, staff, c); fieldOf(err) != "parent_id" {
				t.Errorf("create under another organisation's: %v, want an error on parent_id", err)
			}
			m := *cust["B"]
			m.ParentID = otherB.ID
			if err := db.UpdateCustomer(ctx, staff, &m); fieldOf(err) != "parent_id" {
				t.Errorf("move under another organisation's: %v, want an error on parent_id", err)
			}
			if _, _, err := db.FindCustomerNodes(ctx, staff, fieldportal.CustomerNodeFilter{ParentID: otherB.ID}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("children of another organisation's: %v, want not found", err)
			}
			if _, err := db.FindCustomerPath(ctx, staff, otherB.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("path of another organisation's: %v, want not found", err)
			}
			if _, _, err := db.FindCustomerSites(ctx, staff, otherB.ID, fieldportal.Page{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("sites of another organisation's: %v, want not found", err)
			}
		})
		t.Run("a move changes who sees what at once", func(t *testing.T) {
			atA := MustMoneyContact(t, db, org.ID, cust["A"].ID, fieldportal.SiteAccessAll, nil)
			atB := MustMoneyContact(t, db, org.ID, cust["B"].ID, fieldportal.SiteAccessAll, nil)
			moved := site["A11 site 1"]
			if _, err := db.FindSiteByID(ctx, atA, moved.ID); err != nil {
				t.Fatalf("before the move A's contact does not see A11's site: %v", err)
			}
			if _, err := db.FindSiteByID(ctx, atB, moved.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Fatalf("before the move B's contact sees A11's site: %v", err)
			}
			c := *cust["A1"]
			c.ParentID = cust["B"].ID
			if err := db.UpdateCustomer(ctx, staff, &c); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindSiteByID(ctx, atA, moved.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("after the move A's contact still sees A11's site: %v", err)
			}
			if _, err := db.FindSiteByID(ctx, atB, moved.ID); err != nil {
				t.Errorf("after the move B's contact does not see A11's site: %v", err)
			}
			got, _ := nodes(t, fieldportal.CustomerNodeFilter{ParentID: cust["Top"].ID})
			want(t, "after the move", []string{"A 0/1/1", "B 2/0/5"}, got)
			if n := auditCount(t, db, "customer.moved", c.ID); n != 1 {
				t.Errorf("customer.moved entries = %d, want 1", n)
			}
			if n := auditCount(t, db, "customer.updated", c.ID); n != 0 {
				t.Errorf("a move alone made %d customer.updated entries", n)
			}
			MustTreeRight(t, db, org.ID)
		})
		t.Run("to the top, and an edit audited", func(t *testing.T) {
			c := *cust["A1"]
			c.ParentID = ""
			c.Name = "A1 Holdings"
			if err := db.UpdateCustomer(ctx, staff, &c); err != nil {
				t.Fatal(err)
			}
			got, _ := nodes(t, fieldportal.CustomerNodeFilter{})
			want(t, "top level", []string{"A1 Holdings 1/3/4", "Solo 0/1/1", "Top 2/2/4"}, got)
			if a, b := auditCount(t, db, "customer.moved", c.ID), auditCount(t, db, "customer.updated", c.ID); a != 2 || b != 1 {
				t.Errorf("entries: moved %d (want 2), updated %d (want 1)", a, b)
			}
		})
		t.Run("the text index follows edits", func(t *testing.T) {
			MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Plain Holdings"}) // no account number
			got, _ := nodes(t, fieldportal.CustomerNodeFilter{Search: "holdings"})
			want(t, "renamed and new", []string{"A1 Holdings 1/3/4", "Plain Holdings 0/0/0"}, got)
			if got, _ := nodes(t, fieldportal.CustomerNodeFilter{Search: "A1 site"}); len(got) != 0 {
				t.Errorf("a search matches sites' names: %v", got)
			}
			if db.Dialect() == sqlstore.SQLite {
				if _, err := db.SQL().ExecContext(ctx, `INSERT INTO customer_search(customer_search, rank) VALUES ('integrity-check', 1)`); err != nil {
					t.Errorf("customer_search does not match its table: %v", err)
				}
			}
		})
		t.Run("contacts are refused", func(t *testing.T) {
			contact := MustMoneyContact(t, db, org.ID, cust["Top"].ID, fieldportal.SiteAccessAll, nil)
			if _, _, err := db.FindCustomerNodes(ctx, contact, fieldportal.CustomerNodeFilter{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact lists the tree: %v", err)
			}
		})
	})
}
