package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// MustManager lets a fixture contact manage contacts and returns its
// viewer, read afresh as a session would.
func (f *accounts) MustManager(tb testing.TB, contact string) fieldportal.Viewer {
	tb.Helper()
	ctx := context.Background()
	l := f.MustLogin(tb, contact)
	l.MayManageContacts = true
	if err := f.db.UpdateLoginAccess(ctx, f.sys, l); err != nil {
		tb.Fatal(err)
	}
	v, err := f.db.ViewerForLogin(ctx, f.orgA, l.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// MustContact adds a contact to a fixture customer.
func (f *accounts) MustContact(tb testing.TB, customer, first, email string) *fieldportal.Contact {
	tb.Helper()
	c := &fieldportal.Contact{CustomerID: f.cust[customer].ID, FirstName: first, Email: email}
	if err := f.db.CreateContact(context.Background(), f.sys, c); err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestAccessFindContacts(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		gina := f.MustContact(t, "Grandchild", "Gina", "gina@example.test")
		manager := f.MustManager(t, "child")

		t.Run("staff page through every contact with customer and status", func(t *testing.T) {
			var got []string
			filter := fieldportal.ContactFilter{Page: fieldportal.Page{Limit: 3}}
			for page := 0; ; page++ {
				list, next, err := f.a.FindContacts(ctx, f.staff, filter)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range list {
					got = append(got, r.Contact.FirstName+"/"+r.CustomerName+"/"+string(r.LoginStatus))
				}
				if next == "" {
					break
				}
				filter.After = next
				if page > 5 {
					t.Fatal("no end of pages")
				}
			}
			// By last name (all empty), then first name as bytes: upper case first.
			want := []string{"Gina/Grandchild/", "assigned/Parent/active", "child/Child1/active", "disabled/Parent/disabled",
				"nopage/Parent/active", "parent/Parent/active", "solo/Solo/active"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("the list's order and cursor are the contact list's", func(t *testing.T) {
			plain, next, err := db.FindContacts(ctx, f.staff, fieldportal.ContactFilter{Page: fieldportal.Page{Limit: 4}})
			if err != nil {
				t.Fatal(err)
			}
			rows, next2, err := f.a.FindContacts(ctx, f.staff, fieldportal.ContactFilter{Page: fieldportal.Page{Limit: 4}})
			if err != nil {
				t.Fatal(err)
			}
			ids := idsOf(rows, func(r *fieldportal.ContactListing) string { return r.Contact.ID })
			if diff := cmp.Diff(idsOf(plain, func(c *fieldportal.Contact) string { return c.ID }), ids); diff != "" || next != next2 {
				t.Errorf("ids (-plain +listing):\n%s; cursors %q %q", diff, next, next2)
			}
		})
		t.Run("search narrows the list", func(t *testing.T) {
			list, _, err := f.a.FindContacts(ctx, f.staff, fieldportal.ContactFilter{Search: "GINA"})
			if err != nil || len(list) != 1 || list[0].Contact.ID != gina.ID {
				t.Errorf("%v, %v", list, err)
			}
		})
		t.Run("a managing contact lists only the contacts it reaches", func(t *testing.T) {
			list, _, err := f.a.FindContacts(ctx, manager, fieldportal.ContactFilter{})
			got := idsOf(list, func(r *fieldportal.ContactListing) string { return r.Contact.FirstName })
			if diff := cmp.Diff([]string{"Gina", "child"}, got); err != nil || diff != "" {
				t.Errorf("err %v; (-want +got):\n%s", err, diff)
			}
		})
		t.Run("nobody else may list them", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"contact": f.viewers["parent"], "anonymous": {OrgID: f.orgA}} {
				if _, _, err := f.a.FindContacts(ctx, v, fieldportal.ContactFilter{}); code(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s: err = %v", name, err)
				}
			}
			otherStaff := fieldportal.NewStaffViewer(f.orgB, "", "B", fieldportal.RoleStaff)
			if list, _, err := f.a.FindContacts(ctx, otherStaff, fieldportal.ContactFilter{}); err != nil || len(list) != 1 {
				t.Errorf("another organisation's staff: %d rows, %v", len(list), err)
			}
		})
	})
}

func TestAccessFindContact(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		manager := f.MustManager(t, "child")
		nologin := f.MustContact(t, "Child1", "Nell", "nell@example.test")

		t.Run("a contact with its login, customer and what it may be given", func(t *testing.T) {
			got, err := f.a.FindContactAccess(ctx, f.staff, f.contact["parent"].ID, "")
			if err != nil {
				t.Fatal(err)
			}
			sites := idsOf(got.Sites, func(s *fieldportal.Site) string { return s.Name })
			if diff := cmp.Diff([]string{"G1", "P0", "S1a", "S1b", "S2"}, sites); diff != "" {
				t.Errorf("sites (-want +got):\n%s", diff)
			}
			if got.CustomerName != "Parent" || got.Login == nil || got.Login.Status != fieldportal.LoginActive ||
				!cmp.Equal(got.DefaultPages, fieldportal.Modules(fieldportal.AllModules)) || got.PolicyHint != auth.DefaultPasswordPolicy().Describe() {
				t.Errorf("%+v", got)
			}
		})
		t.Run("a contact without a login has none", func(t *testing.T) {
			got, err := f.a.FindContactAccess(ctx, manager, nologin.ID, "")
			if err != nil || got.Login != nil || got.Contact.ID != nologin.ID {
				t.Errorf("%+v, %v", got, err)
			}
		})
		t.Run("a contact out of reach is not found", func(t *testing.T) {
			if _, err := f.a.FindContactAccess(ctx, manager, f.contact["parent"].ID, ""); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("FindContactAccess: %v", err)
			}
			if _, err := f.a.FindContactByID(ctx, f.viewers["child"], f.contact["solo"].ID); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("FindContactByID: %v", err)
			}
			if _, err := f.a.FindContactAccess(ctx, f.staff, f.contact["otherorg"].ID, ""); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's: %v", err)
			}
		})
		t.Run("a contact who does not manage contacts may not look", func(t *testing.T) {
			if _, err := f.a.FindContactAccess(ctx, f.viewers["parent"], f.contact["child"].ID, ""); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("my login is the viewer's own", func(t *testing.T) {
			l, err := f.a.FindMyLogin(ctx, f.viewers["parent"])
			if err != nil || l.ContactID != f.contact["parent"].ID {
				t.Errorf("%+v, %v", l, err)
			}
			if _, err := f.a.FindMyLogin(ctx, f.staff); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("staff: %v", err)
			}
		})
	})
}

func TestAccessUpdateContact(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		v := f.viewers["child"]
		load := func(id string) *fieldportal.Contact {
			c, err := db.FindContactByID(ctx, f.sys, id)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}

		t.Run("a contact saves its own details but not its email or roles", func(t *testing.T) {
			c := load(f.contact["child"].ID)
			c.Phone, c.Position, c.Email, c.InvoiceContact = " +44 (0)20 7946-0000 ", "Manager", "parent@example.test", true
			if err := f.a.UpdateContact(ctx, v, c); err != nil {
				t.Fatal(err)
			}
			got := load(c.ID)
			if got.Phone != "+44 (0)20 7946-0000" || got.Position != "Manager" || got.Email != "child@example.test" || got.InvoiceContact {
				t.Errorf("saved %+v", got)
			}
		})
		t.Run("every bad field is named", func(t *testing.T) {
			c := load(f.contact["child"].ID)
			c.FirstName, c.LastName, c.Position = "", strings.Repeat("x", 101), strings.Repeat("y", 101)
			c.Phone, c.Mobile = "call me", strings.Repeat("1", 41)
			err := f.a.UpdateContact(ctx, v, c)
			want := []string{"first_name", "last_name", "position", "phone", "mobile"}
			if diff := cmp.Diff(want, fieldsOf(err)); diff != "" {
				t.Errorf("err %v; fields (-want +got):\n%s", err, diff)
			}
			if m := messageOf(err, "phone"); m != "Enter a phone number using digits, spaces, brackets, + and - only." {
				t.Errorf("phone: %q", m)
			}
			if got := load(c.ID); got.LastName != "" {
				t.Errorf("a failed form saved %+v", got)
			}
		})
		t.Run("another contact needs the right to manage, and reach", func(t *testing.T) {
			other := load(f.contact["parent"].ID)
			other.Position = "Owner"
			if err := f.a.UpdateContact(ctx, v, other); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("without the right: %v", err)
			}
			if err := f.a.UpdateContact(ctx, f.MustManager(t, "child"), other); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("out of reach: %v", err)
			}
			other.Email = "owner@example.test"
			if err := f.a.UpdateContact(ctx, f.staff, other); err != nil {
				t.Errorf("staff: %v", err)
			}
			if got := load(other.ID); got.Email != "owner@example.test" || got.Position != "Owner" {
				t.Errorf("staff saved %+v", got)
			}
		})
		// Security review: a manager who could move another login's email
		// could send its reset link to itself and take over a login with
		// more access than its own (SPEC §2.6).
		t.Run("a manager keeps the email of a contact with a login", func(t *testing.T) {
			manager := f.MustManager(t, "parent")
			child := load(f.contact["child"].ID)
			was := child.Email
			child.Email, child.Position = "mine@example.test", "Caretaker"
			if err := f.a.UpdateContact(ctx, manager, child); code(err) != fieldportal.EINVALID || fieldOf(err) != "email" {
				t.Errorf("moving a login's email: %v", err)
			}
			if got := load(child.ID); got.Email != was || got.Position == "Caretaker" {
				t.Errorf("saved %+v", got)
			}
			child.Email = was
			if err := f.a.UpdateContact(ctx, manager, child); err != nil {
				t.Errorf("the same email, other details: %v", err)
			}
			plain := f.MustContact(t, "Child1", "Nolan", "nolan@example.test")
			plain.Email = "nolan.new@example.test"
			if err := f.a.UpdateContact(ctx, manager, plain); err != nil {
				t.Errorf("a contact without a login: %v", err)
			}
		})
	})
}

// TestAccessOffersSitesInPages keeps the access form small for a customer
// with thousands of sites (issue 15: the page must stay under 60 KB) and
// safe: a login's assigned sites are always offered, so saving the form
// never drops one it did not show.
func TestAccessOffersSitesInPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		big := f.cust["Solo"]
		var last *fieldportal.Site
		for i := range fieldportal.SitesOffered + 5 {
			last = &fieldportal.Site{Name: fmt.Sprintf("Unit %03d", i), CustomerID: big.ID,
				Address: fieldportal.Address{Line1: fmt.Sprintf("%d Dock Road", i), City: "Bristol", Postcode: fmt.Sprintf("BS%d 1AA", i)}}
			if err := db.CreateSite(ctx, f.sys, last); err != nil {
				t.Fatal(err)
			}
		}
		c := f.MustContact(t, "Solo", "Ann", "ann@example.test")
		g := allSites("ann@example.test")
		g.SiteAccess, g.SiteIDs = fieldportal.SiteAccessAssigned, []string{last.ID}
		if _, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, g); err != nil {
			t.Fatal(err)
		}
		t.Run("the assigned site first, then the first sites by name", func(t *testing.T) {
			got, err := f.a.FindContactAccess(ctx, f.staff, c.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if !got.MoreSites || len(got.Sites) != fieldportal.SitesOffered+1 || got.Sites[0].ID != last.ID {
				t.Errorf("more %v, %d sites, first %q", got.MoreSites, len(got.Sites), got.Sites[0].Name)
			}
		})
		t.Run("a search narrows the sites offered", func(t *testing.T) {
			got, err := f.a.FindContactAccess(ctx, f.staff, c.ID, "Unit 010")
			if err != nil {
				t.Fatal(err)
			}
			names := idsOf(got.Sites, func(s *fieldportal.Site) string { return s.Name })
			if diff := cmp.Diff([]string{last.Name, "Unit 010"}, names); diff != "" || got.MoreSites {
				t.Errorf("sites (-want +got):\n%s (more %v)", diff, got.MoreSites)
			}
		})
	})
}
