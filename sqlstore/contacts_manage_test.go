package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestManagerGrants: a contact who manages contacts grants no more than
// it has (SPEC §2.6); a grant beyond is refused and audited once, what a
// login already has beyond the manager is kept, an initial password is
// set only on a login within the manager's grants, and a manager cannot
// give a contact an email another login uses.
func TestManagerGrants(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		// The manager at Child1 has every page but the reports.
		ml := f.MustLogin(t, "child")
		ml.MayManageContacts = true
		ml.Pages = slices.DeleteFunc(slices.Clone(ml.Pages), func(m fieldportal.Module) bool { return m == fieldportal.ModuleReports })
		if err := db.UpdateLoginAccess(ctx, f.sys, ml); err != nil {
			t.Fatal(err)
		}
		manager, err := db.ViewerForLogin(ctx, f.orgA, ml.ID)
		if err != nil {
			t.Fatal(err)
		}
		// withLogin gives a contact at Grandchild a login of pages, from staff.
		withLogin := func(t *testing.T, name string, pages ...fieldportal.Module) *fieldportal.Contact {
			t.Helper()
			c := f.MustContact(t, "Grandchild", name, name+"@example.test")
			if _, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, fieldportal.AccessGrant{Username: c.Email, Pages: pages,
				SiteAccess: fieldportal.SiteAccessAll}); err != nil {
				t.Fatal(err)
			}
			return c
		}

		t.Run("a page beyond the manager's is refused, audited once, and changes nothing", func(t *testing.T) {
			c := withLogin(t, "ines", fieldportal.ModuleInvoices)
			before := len(f.audits(t, "access.refused"))
			err := f.a.UpdatePortalAccess(ctx, manager, c.ID, fieldportal.AccessGrant{
				Pages: fieldportal.Modules{fieldportal.ModuleInvoices, fieldportal.ModuleReports}, SiteAccess: fieldportal.SiteAccessAll})
			if fields := fieldsOf(err); code(err) != fieldportal.EFORBIDDEN || len(fields) == 0 || fields[0] != "pages" {
				t.Errorf("err = %v, want a refusal on pages", err)
			}
			refused := f.audits(t, "access.refused")
			mine := slices.IndexFunc(refused, func(e *fieldportal.AuditEntry) bool {
				return e.EntityID == c.ID && e.ActorKind == "contact" && e.ActorID == manager.ContactID
			})
			if len(refused) != before+1 || mine < 0 {
				t.Errorf("access.refused entries: %d then %+v", before, refused)
			}
			if l := f.loginOf(t, c.ID); l.Pages.String() != "invoices" {
				t.Errorf("pages = %s after the refusal", l.Pages)
			}
		})
		t.Run("what the login has beyond the manager is kept, not granted", func(t *testing.T) {
			c := withLogin(t, "rory", fieldportal.ModuleInvoices, fieldportal.ModuleReports)
			if err := f.a.UpdatePortalAccess(ctx, manager, c.ID, fieldportal.AccessGrant{
				Pages: fieldportal.Modules{fieldportal.ModuleQuotes}, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
				t.Fatal(err)
			}
			if l := f.loginOf(t, c.ID); l.Pages.String() != "quotes,reports" {
				t.Errorf("pages = %s, want quotes and the reports kept", l.Pages)
			}
			// Disabling it is not a grant either.
			if err := f.a.SetPortalAccessEnabled(ctx, manager, c.ID, false); err != nil {
				t.Errorf("disabling a login with more than the manager: %v", err)
			}
		})
		t.Run("an initial password only on a login within the manager's grants", func(t *testing.T) {
			more := withLogin(t, "milo", fieldportal.ModuleReports)
			if err := f.a.SetInitialPassword(ctx, manager, more.ID, "Fresh-Start-42"); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("on a login with the reports: %v, want a refusal", err)
			}
			within := withLogin(t, "wren", fieldportal.ModuleInvoices)
			before := len(f.audits(t, "login.initial_password"))
			if err := f.a.SetInitialPassword(ctx, manager, within.ID, "Fresh-Start-42"); err != nil {
				t.Fatal(err)
			}
			if l := f.loginOf(t, within.ID); !l.MustChangePassword {
				t.Error("the initial password need not be changed")
			}
			if n := len(f.audits(t, "login.initial_password")); n != before+1 {
				t.Errorf("%d initial-password entries, want %d", n, before+1)
			}
			if err := f.a.SetInitialPassword(ctx, manager, manager.ContactID, "Fresh-Start-42"); code(err) != fieldportal.EINVALID {
				t.Errorf("on its own login: %v, want it refused", err)
			}
		})
		t.Run("an email another login uses is refused to a manager", func(t *testing.T) {
			err := f.a.CreateContact(ctx, manager, &fieldportal.Contact{FirstName: "Dup", Email: "PARENT@example.test", CustomerID: f.cust["Grandchild"].ID})
			if fields := fieldsOf(err); code(err) != fieldportal.EINVALID || len(fields) == 0 || fields[0] != "email" {
				t.Errorf("err = %v, want an email field error", err)
			}
			c := f.MustContact(t, "Grandchild", "Nell", "nell@example.test")
			c.Email = "child@example.test"
			if err := f.a.UpdateContact(ctx, manager, c); code(err) != fieldportal.EINVALID {
				t.Errorf("an edit to another login's email: %v", err)
			}
			c.Email, c.Phone = "nell@example.test", "0117 four"
			if fields := fieldsOf(f.a.CreateContact(ctx, manager, c)); len(fields) == 0 || fields[0] != "phone" {
				t.Errorf("a phone with letters: %v", fields)
			}
		})
	})
}

// TestManagerCannotTakeOverSetUpLogin: an initial password is direct
// creation (SPEC §3): a manager may set one on a login nobody has set up
// yet (invited, or still on an initial password), never on a peer who
// chose its own password, whose account the manager would take over (sign
// in as it, act in its name) however little access it has. Such a peer
// is sent a reset link, which goes to the peer's own address.
func TestManagerCannotTakeOverSetUpLogin(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		ml := f.MustLogin(t, "child")
		ml.MayManageContacts = true
		if err := db.UpdateLoginAccess(ctx, f.sys, ml); err != nil {
			t.Fatal(err)
		}
		manager, err := db.ViewerForLogin(ctx, f.orgA, ml.ID)
		if err != nil {
			t.Fatal(err)
		}
		peer := f.MustContact(t, "Child1", "Petra", "petra@example.test")
		if _, err := f.a.GrantPortalAccess(ctx, f.staff, peer.ID, fieldportal.AccessGrant{Username: peer.Email,
			Pages: fieldportal.Modules{fieldportal.ModuleInvoices}, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
			t.Fatal(err)
		}
		own := MustHash(t, "Petras-Own-Pass-1")
		if err := db.SetLoginPassword(ctx, f.orgA, f.loginOf(t, peer.ID).ID, own, false); err != nil {
			t.Fatal(err)
		}

		t.Run("a login whose owner chose its password is refused", func(t *testing.T) {
			if err := f.a.SetInitialPassword(ctx, manager, peer.ID, "Taken-Over-Pass-9"); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("err = %v, want a refusal", err)
			}
			if l := f.loginOf(t, peer.ID); l.PasswordHash != own || l.MustChangePassword {
				t.Errorf("the peer's password changed: must change %v", l.MustChangePassword)
			}
		})
		t.Run("a login still on an initial password gets a new one", func(t *testing.T) {
			if err := db.SetLoginPassword(ctx, f.orgA, f.loginOf(t, peer.ID).ID, own, true); err != nil {
				t.Fatal(err)
			}
			if err := f.a.SetInitialPassword(ctx, manager, peer.ID, "Second-Start-Pass-8"); err != nil {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("staff admins still set one on any login", func(t *testing.T) {
			if err := db.SetLoginPassword(ctx, f.orgA, f.loginOf(t, peer.ID).ID, own, false); err != nil {
				t.Fatal(err)
			}
			if err := f.a.SetInitialPassword(ctx, f.admin, peer.ID, "Admin-Set-Pass-77"); err != nil {
				t.Errorf("err = %v", err)
			}
		})
	})
}
