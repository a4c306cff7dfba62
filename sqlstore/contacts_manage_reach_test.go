package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAssignedManagerReach: a manager with assigned sites only grants
// neither "all" nor a site of a reachable customer it is not assigned,
// sets no password on a login seeing more sites, and reaches nothing of
// customers or organisations outside its own tree (SPEC §2.1, §2.6); it
// cannot move the email of a contact with a login, whose reset links
// follow it.
func TestAssignedManagerReach(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		viewerOf := func(t *testing.T, name string) fieldportal.Viewer {
			t.Helper()
			l := f.MustLogin(t, name)
			l.MayManageContacts = true
			if err := db.UpdateLoginAccess(ctx, f.sys, l); err != nil {
				t.Fatal(err)
			}
			v, err := db.ViewerForLogin(ctx, f.orgA, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		manager := viewerOf(t, "assigned") // Parent, sites S1a and S2
		invited := func(t *testing.T, customer, name string, access fieldportal.SiteAccess, sites ...string) *fieldportal.Contact {
			t.Helper()
			c := f.MustContact(t, customer, name, name+"@example.test")
			g := fieldportal.AccessGrant{Username: c.Email, Pages: fieldportal.Modules{fieldportal.ModuleQuotes}, SiteAccess: access}
			for _, s := range sites {
				g.SiteIDs = append(g.SiteIDs, f.site[s].ID)
			}
			if _, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, g); err != nil {
				t.Fatal(err)
			}
			return c
		}
		jobs := fieldportal.Modules{fieldportal.ModuleQuotes}

		t.Run("all sites is refused", func(t *testing.T) {
			c := f.MustContact(t, "Grandchild", "Gus", "gus@example.test")
			_, err := f.a.GrantPortalAccess(ctx, manager, c.ID, fieldportal.AccessGrant{Pages: jobs, SiteAccess: fieldportal.SiteAccessAll})
			if code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("err = %v, want a refusal", err)
			}
		})
		t.Run("a reachable customer's site it is not assigned is refused", func(t *testing.T) {
			c := f.MustContact(t, "Child1", "Cato", "cato@example.test")
			_, err := f.a.GrantPortalAccess(ctx, manager, c.ID, fieldportal.AccessGrant{Pages: jobs,
				SiteAccess: fieldportal.SiteAccessAssigned, SiteIDs: []string{f.site["S1b"].ID}})
			if code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("err = %v, want a refusal", err)
			}
			if _, err := f.a.GrantPortalAccess(ctx, manager, c.ID, fieldportal.AccessGrant{Pages: jobs,
				SiteAccess: fieldportal.SiteAccessAssigned, SiteIDs: []string{f.site["S1a"].ID}}); err != nil {
				t.Errorf("its own site: %v", err)
			}
		})
		t.Run("no password on a login seeing more sites", func(t *testing.T) {
			for _, c := range []*fieldportal.Contact{
				invited(t, "Child1", "alba", fieldportal.SiteAccessAll),
				invited(t, "Child1", "bram", fieldportal.SiteAccessAssigned, "S1a", "S1b"),
			} {
				if err := f.a.SetInitialPassword(ctx, manager, c.ID, "Fresh-Start-42"); code(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s: err = %v, want a refusal", c.FirstName, err)
				}
			}
			within := invited(t, "Child1", "cleo", fieldportal.SiteAccessAssigned, "S1a")
			if err := f.a.SetInitialPassword(ctx, manager, within.ID, "Fresh-Start-42"); err != nil {
				t.Errorf("within: %v", err)
			}
		})
		t.Run("nothing outside its tree or organisation", func(t *testing.T) {
			child := viewerOf(t, "child")
			for _, tc := range []struct {
				name string
				v    fieldportal.Viewer
				c    *fieldportal.Contact
			}{{"another tree", manager, f.contact["solo"]}, {"another organisation", manager, f.contact["otherorg"]},
				{"the parent's contact, from the child", child, f.contact["parent"]}} {
				t.Run(tc.name, func(t *testing.T) {
					c := *tc.c
					c.Phone = "0117 000"
					if err := f.a.UpdateContact(ctx, tc.v, &c); code(err) != fieldportal.ENOTFOUND {
						t.Errorf("edit: %v", err)
					}
					if err := f.a.SetPortalAccessEnabled(ctx, tc.v, c.ID, false); code(err) != fieldportal.ENOTFOUND {
						t.Errorf("disable: %v", err)
					}
					if err := f.a.SendPasswordReset(ctx, tc.v, c.ID); code(err) != fieldportal.ENOTFOUND {
						t.Errorf("reset: %v", err)
					}
					if err := f.a.SetInitialPassword(ctx, tc.v, c.ID, "Fresh-Start-42"); code(err) != fieldportal.ENOTFOUND {
						t.Errorf("password: %v", err)
					}
					if _, err := f.a.GrantPortalAccess(ctx, tc.v, c.ID, fieldportal.AccessGrant{Pages: jobs,
						SiteAccess: fieldportal.SiteAccessAssigned, SiteIDs: []string{f.site["S1a"].ID}}); code(err) != fieldportal.ENOTFOUND {
						t.Errorf("grant: %v", err)
					}
				})
			}
		})
		t.Run("the email of a contact with a login stays", func(t *testing.T) {
			c := invited(t, "Child1", "dora", fieldportal.SiteAccessAll)
			c.Email = "mine@attacker.test"
			if err := f.a.UpdateContact(ctx, manager, c); code(err) != fieldportal.EINVALID {
				t.Errorf("err = %v, want the email refused", err)
			}
			if got, _ := db.FindContactByID(ctx, f.sys, c.ID); got.Email != "dora@example.test" {
				t.Errorf("email = %s", got.Email)
			}
		})
	})
}
