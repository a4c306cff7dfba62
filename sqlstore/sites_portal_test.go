package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// asEditors is v as its organisation's settings of who may create and
// edit sites make it, managing contacts or not.
func asEditors(v fieldportal.Viewer, e fieldportal.SiteEditors, manages bool) fieldportal.Viewer {
	return fieldportal.NewContactViewer(v.OrgID, fieldportal.ContactGrants{LoginID: v.LoginID, ContactID: v.ContactID,
		CustomerID: v.CustomerID, Name: v.Name, SiteAccess: v.SiteAccess, Pages: v.Pages, MayManageContacts: manages},
		fieldportal.Settings{Modules: fieldportal.AllModules, SiteEditors: e})
}

// Sites made and edited in the portal (issue 20): flagged, queued for
// staff until reviewed, sent as events from the portal, audited, with
// their contacts; refused where the organisation does not allow it.
func TestPortalSites(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		mustListenAll(t, db, w.Org.ID)
		parent := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil)
		assigned := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil, w.SiteA.ID)
		office := fieldportal.NewStaffViewer(w.Org.ID, "", "Sam Desk", fieldportal.RoleStaff)
		count := func(t *testing.T, sql string, args ...any) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRowContext(ctx, sql, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		newSite := func(customer, name string) *fieldportal.Site {
			return &fieldportal.Site{CustomerID: customer, Name: name, UPRN: "10002", Address: fieldportal.Address{Line1: "9 New Rd", Postcode: "AB1 2CD"}}
		}
		queue := func(t *testing.T) []string {
			t.Helper()
			list, _, err := db.FindPortalSites(ctx, office, fieldportal.Page{})
			if err != nil {
				t.Fatal(err)
			}
			return idsOf(list, func(s *fieldportal.Site) string { return s.Name })
		}

		t.Run("created in the portal, queued, sent and audited", func(t *testing.T) {
			s := newSite(w.Child.ID, "Delta Depot")
			if err := db.CreateSite(ctx, parent, s); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindSiteByID(ctx, office, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.CreatedInPortal || got.CustomerName != "Branch" || got.UPRN != "10002" {
				t.Errorf("saved %+v", got)
			}
			if diff := cmp.Diff([]string{"Delta Depot"}, queue(t)); diff != "" {
				t.Errorf("queue (-want +got):\n%s", diff)
			}
			var body string
			if err := db.SQL().QueryRowContext(ctx, `SELECT payload FROM outbox WHERE org_id = $1 AND kind = 'webhook' AND topic = 'site.created'`,
				w.Org.ID).Scan(&body); err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Type, Source string
				Data         struct {
					ID              string `json:"id"`
					CreatedInPortal bool   `json:"created_in_portal"`
				}
			}
			if err := json.Unmarshal([]byte(body), &ev); err != nil || ev.Source != "portal" || ev.Data.ID != s.ID || !ev.Data.CreatedInPortal {
				t.Errorf("event %s (%v)", body, err)
			}
			if n := count(t, `SELECT count(*) FROM audit_log WHERE action = 'site.created' AND entity_id = $1`, s.ID); n != 1 {
				t.Errorf("%d audit entries, want 1", n)
			}
			t.Run("edited in the portal: sent from the portal and queued again once reviewed", func(t *testing.T) {
				if err := db.MarkSiteReviewed(ctx, office, s.ID); err != nil {
					t.Fatal(err)
				}
				if q := queue(t); len(q) != 0 {
					t.Fatalf("queue after review: %v", q)
				}
				s.Name = "Delta Depot (north)"
				if err := db.UpdateSite(ctx, parent, s); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff([]string{"Delta Depot (north)"}, queue(t)); diff != "" {
					t.Errorf("queue (-want +got):\n%s", diff)
				}
				if n := count(t, `SELECT count(*) FROM outbox WHERE org_id = $1 AND topic = 'site.updated' AND payload LIKE '%"source":"portal"%'`, w.Org.ID); n != 1 {
					t.Errorf("%d site.updated events from the portal, want 1", n)
				}
				if n := count(t, `SELECT count(*) FROM audit_log WHERE action IN ('site.updated', 'site.reviewed') AND entity_id = $1`, s.ID); n != 2 {
					t.Errorf("%d audit entries of the update and review, want 2", n)
				}
				if err := db.MarkSiteReviewed(ctx, office, s.ID); err != nil {
					t.Fatal(err)
				}
			})
		})

		t.Run("staff changes do not queue", func(t *testing.T) {
			s := MustSite(t, db, office, newSite(w.Parent.ID, "Echo Office"))
			s.Notes = "Key at reception"
			if err := db.UpdateSite(ctx, office, s); err != nil {
				t.Fatal(err)
			}
			if q := queue(t); len(q) != 0 {
				t.Errorf("queue: %v", q)
			}
		})

		t.Run("who may create and edit", func(t *testing.T) {
			for _, c := range []struct {
				name    string
				editors fieldportal.SiteEditors
				manages bool
				want    string
			}{
				{"off", fieldportal.SiteEditorsOff, true, fieldportal.EFORBIDDEN},
				{"managers, not one", fieldportal.SiteEditorsManagers, false, fieldportal.EFORBIDDEN},
				{"managers, one", fieldportal.SiteEditorsManagers, true, ""},
				{"all", fieldportal.SiteEditorsAll, false, ""},
				{"never chosen", "", false, ""},
			} {
				t.Run(c.name, func(t *testing.T) {
					v := asEditors(parent, c.editors, c.manages)
					err := db.CreateSite(ctx, v, newSite(w.Parent.ID, "Try "+c.name))
					if fieldportal.ErrorCode(err) != c.want {
						t.Errorf("create: %v, want %q", err, c.want)
					}
					s, err := db.FindSiteByID(ctx, v, w.SiteA.ID)
					if err != nil {
						t.Fatal(err)
					}
					if err := db.UpdateSite(ctx, v, s); fieldportal.ErrorCode(err) != c.want {
						t.Errorf("edit: %v, want %q", err, c.want)
					}
				})
			}
			t.Run("hidden buttons", func(t *testing.T) {
				v := parent
				v.HiddenActions = []fieldportal.Action{fieldportal.ActionCreateSite}
				if err := db.CreateSite(ctx, v, newSite(w.Parent.ID, "Hidden")); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
					t.Errorf("create: %v", err)
				}
			})
		})

		t.Run("bad input", func(t *testing.T) {
			for _, c := range []struct {
				name, field string
				change      func(s *fieldportal.Site)
			}{
				{"UPRN with letters", "uprn", func(s *fieldportal.Site) { s.UPRN = "12AB" }},
				{"UPRN of 13 digits", "uprn", func(s *fieldportal.Site) { s.UPRN = "1234567890123" }},
				{"no address", "address.line1", func(s *fieldportal.Site) { s.Address.Line1 = " " }},
				{"customer of another organisation", "customer_id", func(s *fieldportal.Site) { s.CustomerID = w.OtherSite.CustomerID }},
			} {
				t.Run(c.name, func(t *testing.T) {
					s := newSite(w.Parent.ID, "Bad "+c.name)
					c.change(s)
					if err := db.CreateSite(ctx, parent, s); fieldOf(err) != c.field {
						t.Errorf("err = %v, want one on %s", err, c.field)
					}
				})
			}
			t.Run("a site out of reach is not found", func(t *testing.T) {
				other := *w.OtherSite
				if err := db.UpdateSite(ctx, parent, &other); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("err = %v", err)
				}
				if err := db.UpdateSite(ctx, assigned, w.SiteB); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("assigned: err = %v", err)
				}
			})
		})

		t.Run("site contacts", func(t *testing.T) {
			dana := &fieldportal.Contact{CustomerID: w.Parent.ID, FirstName: "Dana", LastName: "Site"}
			eli := &fieldportal.Contact{CustomerID: w.Child.ID, FirstName: "Eli", LastName: "Branch"}
			for _, c := range []*fieldportal.Contact{dana, eli} {
				if err := db.CreateContact(ctx, w.Staff, c); err != nil {
					t.Fatal(err)
				}
			}
			s, err := db.FindSiteByID(ctx, parent, w.SiteA.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.ContactIDs = []string{eli.ID}
			if err := db.UpdateSite(ctx, parent, s); fieldOf(err) != "contact_ids" {
				t.Errorf("a contact of another customer: %v", err)
			}
			s.ContactIDs = []string{dana.ID, dana.ID}
			if err := db.UpdateSite(ctx, parent, s); err != nil {
				t.Fatal(err)
			}
			names := func(v fieldportal.Viewer) []string {
				list, err := db.FindSiteContacts(ctx, v, w.SiteA.ID)
				if err != nil {
					t.Fatal(err)
				}
				return idsOf(list, func(c *fieldportal.Contact) string { return c.FirstName })
			}
			if diff := cmp.Diff([]string{"Dana"}, names(parent)); diff != "" {
				t.Errorf("contacts (-want +got):\n%s", diff)
			}
			// A contact of assigned sites sees no other contact, and its
			// save keeps the contacts it does not see.
			if got := names(assigned); len(got) != 0 {
				t.Errorf("assigned sees %v", got)
			}
			s2, err := db.FindSiteByID(ctx, assigned, w.SiteA.ID)
			if err != nil {
				t.Fatal(err)
			}
			s2.ContactIDs = []string{}
			if err := db.UpdateSite(ctx, assigned, s2); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"Dana"}, names(parent)); diff != "" {
				t.Errorf("after an assigned contact's save (-want +got):\n%s", diff)
			}
			s.ContactIDs = []string{}
			if err := db.UpdateSite(ctx, parent, s); err != nil {
				t.Fatal(err)
			}
			if got := names(parent); len(got) != 0 {
				t.Errorf("cleared, still %v", got)
			}
		})
	})
}
