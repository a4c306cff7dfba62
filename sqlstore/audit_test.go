package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The audit log of issue 20: what an entry keeps, the sign-ins it
// records, that nothing changes or deletes an entry, its filters, and
// the activity page's reach.

func TestAuditLog(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		from := fieldportal.WithRequestInfo(ctx, fieldportal.RequestInfo{Addr: "203.0.113.7", UserAgent: "Agent/1.0\x00\n", Door: fieldportal.DoorConsole})

		t.Run("an entry keeps who, from where and through which door", func(t *testing.T) {
			st, err := db.FindSettings(ctx, f.orgA)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.UpdateSettings(from, f.admin, st); err != nil {
				t.Fatal(err)
			}
			got := f.audits(t, "settings.updated")
			if len(got) != 1 {
				t.Fatalf("%d entries", len(got))
			}
			e := got[0]
			want := fieldportal.AuditEntry{ID: e.ID, OrgID: f.orgA, At: e.At, ActorKind: "staff", ActorID: f.admin.StaffID, ActorName: "Boss",
				Action: "settings.updated", Entity: "organisation", EntityID: f.orgA, IP: "203.0.113.7", UserAgent: "Agent/1.0",
				Door: fieldportal.DoorConsole}
			if diff := cmp.Diff(want, *e); diff != "" {
				t.Errorf("entry (-want +got):\n%s", diff)
			}
		})
		t.Run("without a request the viewer's kind names the door", func(t *testing.T) {
			c := &fieldportal.Contact{FirstName: "Nat", CustomerID: f.cust["Child1"].ID}
			if err := db.CreateContact(ctx, f.sys, c); err != nil {
				t.Fatal(err)
			}
			l, _, err := db.FindAuditLog(ctx, f.staff, fieldportal.AuditFilter{Entity: "contact", EntityID: c.ID})
			if err != nil || len(l) != 1 {
				t.Fatalf("%+v %v", l, err)
			}
			if e := l[0]; e.Door != fieldportal.DoorSystem || e.ActorKind != "system" || e.IP != "" || e.CustomerID != f.cust["Child1"].ID {
				t.Errorf("entry %+v", e)
			}
		})
		t.Run("a record's entry keeps its customer", func(t *testing.T) {
			l, _, err := db.FindAuditLog(ctx, f.staff, fieldportal.AuditFilter{Entity: "site", EntityID: f.site["G1"].ID})
			if err != nil || len(l) != 1 || l[0].CustomerID != f.cust["Grandchild"].ID || l[0].Action != "site.created" {
				t.Fatalf("%+v %v", l, err)
			}
		})
		t.Run("sign-ins and failures of known accounts, never the password", func(t *testing.T) {
			parent := f.MustPassword(t, "parent", goodPassword)
			portal := fieldportal.WithRequestInfo(ctx, fieldportal.RequestInfo{Addr: "198.51.100.9", UserAgent: "Phone", Door: fieldportal.DoorPortal})
			for _, r := range []fieldportal.SignInRequest{
				{OrgID: f.orgA, Name: "parent@example.test", Password: "Wrong-secret-77", ClientAddr: "198.51.100.9"},
				{OrgID: f.orgA, Name: "nobody@example.test", Password: "Wrong-secret-77", ClientAddr: "198.51.100.9"},
			} {
				if _, err := f.a.SignIn(portal, r); code(err) != fieldportal.EUNAUTHORIZED {
					t.Fatalf("%s: %v", r.Name, err)
				}
			}
			if _, err := f.a.SignIn(portal, fieldportal.SignInRequest{OrgID: f.orgA, Name: "parent@example.test", Password: goodPassword}); err != nil {
				t.Fatal(err)
			}
			failed := f.audits(t, "signin.failed")
			if len(failed) != 1 || failed[0].ActorKind != "anonymous" || failed[0].ActorID != "" || failed[0].Entity != "login" ||
				failed[0].EntityID != parent.ID || failed[0].IP != "198.51.100.9" || failed[0].Door != fieldportal.DoorPortal ||
				failed[0].CustomerID != f.cust["Parent"].ID {
				t.Errorf("failures %+v", failed)
			}
			ok := f.audits(t, "signin.succeeded")
			if len(ok) != 1 || ok[0].ActorKind != "contact" || ok[0].ActorID != parent.ContactID || ok[0].Door != fieldportal.DoorPortal {
				t.Errorf("sign-ins %+v", ok)
			}
			if _, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: "Wrong-secret-77"}); code(err) != fieldportal.EUNAUTHORIZED {
				t.Fatal(err)
			}
			failed = f.audits(t, "signin.failed")
			if len(failed) != 2 || failed[0].Entity != "staff" || failed[0].EntityID != f.staff.StaffID || failed[0].Door != fieldportal.DoorConsole {
				t.Errorf("staff failure %+v", failed[0])
			}
			if n := MustCount(t, db, `SELECT count(*) FROM audit_log WHERE detail LIKE '%Wrong-secret%' OR user_agent LIKE '%Wrong-secret%' OR actor_name LIKE '%nobody%'`); n != 0 {
				t.Errorf("%d entries keep the password or an unknown name", n)
			}
		})
		t.Run("nothing changes or deletes an entry", func(t *testing.T) {
			before := MustCount(t, db, `SELECT count(*) FROM audit_log`)
			stmts := []string{`UPDATE audit_log SET detail = 'forged'`, `DELETE FROM audit_log`, `DELETE FROM audit_log WHERE action = 'settings.updated'`}
			if db.Dialect() == sqlstore.Postgres {
				stmts = append(stmts, `TRUNCATE audit_log`)
			}
			for _, s := range stmts {
				if _, err := db.SQL().ExecContext(ctx, s); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v", s, err)
				}
			}
			if n := MustCount(t, db, `SELECT count(*) FROM audit_log WHERE detail = 'forged'`); n != 0 {
				t.Errorf("%d entries changed", n)
			}
			if after := MustCount(t, db, `SELECT count(*) FROM audit_log`); after != before {
				t.Errorf("%d entries, %d before", after, before)
			}
		})
		t.Run("filters", func(t *testing.T) {
			l, _, err := db.FindAuditLog(ctx, f.staff, fieldportal.AuditFilter{Door: fieldportal.DoorPortal, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
			if err != nil || len(l) != 2 {
				t.Errorf("portal door: %d, %v", len(l), err)
			}
			l, _, err = db.FindAuditLog(ctx, f.staff, fieldportal.AuditFilter{Action: "signin", ActorKind: "anonymous"})
			if err != nil || len(l) != 2 {
				t.Errorf("signin prefix, anonymous: %d, %v", len(l), err)
			}
			loc, err := time.LoadLocation(f.org.TimeZone)
			if err != nil {
				t.Fatal(err)
			}
			day := fieldportal.DateOf(f.clk.now.In(loc))
			for _, c := range []struct {
				from, to fieldportal.Date
				some     bool
			}{{day, day, true}, {day.AddDays(1), fieldportal.Date{}, false}, {fieldportal.Date{}, day.AddDays(-1), false}} {
				ff := fieldportal.AuditFilter{From: c.from, To: c.to}
				ff.Window(loc)
				l, _, err := db.FindAuditLog(ctx, f.staff, ff)
				if err != nil || (len(l) > 0) != c.some {
					t.Errorf("%v to %v: %d, %v", c.from, c.to, len(l), err)
				}
			}
		})
		t.Run("pages walk every entry once, newest first", func(t *testing.T) {
			all, _, err := db.FindAuditLog(ctx, f.staff, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
			if err != nil {
				t.Fatal(err)
			}
			var walked []string
			after := ""
			for {
				l, next, err := db.FindAuditLog(ctx, f.staff, fieldportal.AuditFilter{Page: fieldportal.Page{After: after, Limit: 7}})
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range l {
					walked = append(walked, e.ID)
				}
				if next == "" {
					break
				}
				after = next
			}
			var want, streamed []string
			for _, e := range all {
				want = append(want, e.ID)
			}
			if err := db.EachAuditEntry(ctx, f.staff, fieldportal.AuditFilter{}, func(e *fieldportal.AuditEntry) error {
				streamed = append(streamed, e.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(want, walked) || !slices.Equal(want, streamed) || len(want) < 10 {
				t.Errorf("%d entries, %d walked, %d streamed", len(want), len(walked), len(streamed))
			}
			if !slices.IsSortedFunc(all, func(a, b *fieldportal.AuditEntry) int { return b.At.Compare(a.At) }) {
				t.Error("not newest first")
			}
		})
		t.Run("bad filters name their field", func(t *testing.T) {
			for _, c := range []struct {
				f     fieldportal.AuditFilter
				field string
			}{
				{fieldportal.AuditFilter{Door: "window"}, "door"},
				{fieldportal.AuditFilter{ActorKind: "root"}, "actor"},
				{fieldportal.AuditFilter{Action: "x' OR 1=1"}, "action"},
				{fieldportal.AuditFilter{Entity: "Site;"}, "entity"},
				{fieldportal.AuditFilter{From: fieldportal.Date{Year: 2026, Month: 3, Day: 2}, To: fieldportal.Date{Year: 2026, Month: 3, Day: 1}}, "to"},
				{fieldportal.AuditFilter{Page: fieldportal.Page{After: "bm90IGEgY3Vyc29y"}}, "after"},
			} {
				_, _, err := db.FindAuditLog(ctx, f.staff, c.f)
				if code(err) != fieldportal.EINVALID || fieldOf(err) != c.field {
					t.Errorf("%+v: %v, want the field %s", c.f, err, c.field)
				}
			}
		})
	})
}

func TestActivityScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorld(t, db)
		sys := fieldportal.SystemViewer(w.orgA, "test")
		manager := func(name, customer string, pages fieldportal.Modules, access fieldportal.SiteAccess, sites ...string) fieldportal.Viewer {
			c := &fieldportal.Contact{FirstName: name, CustomerID: w.cust[customer].ID, Email: name + "@example.test"}
			if err := db.CreateContact(ctx, sys, c); err != nil {
				t.Fatal(err)
			}
			l := &fieldportal.PortalLogin{ContactID: c.ID, Username: name + "@example.test", Status: fieldportal.LoginActive,
				Pages: pages, SiteAccess: access, MayManageContacts: true, PasswordHash: "x"}
			for _, s := range sites {
				l.SiteIDs = append(l.SiteIDs, w.site[s].ID)
			}
			if err := db.CreatePortalLogin(ctx, sys, l); err != nil {
				t.Fatal(err)
			}
			v, err := db.ViewerForLogin(ctx, w.orgA, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		all := fieldportal.Modules(fieldportal.AllModules)
		parentMgr := manager("pm", "Parent", all, fieldportal.SiteAccessAll)
		childMgr := manager("cm", "Child1", all, fieldportal.SiteAccessAll)
		contactsOnly := manager("co", "Parent", fieldportal.Modules{fieldportal.ModuleDashboard}, fieldportal.SiteAccessAll)
		assignedMgr := manager("am", "Parent", all, fieldportal.SiteAccessAssigned, "S2")
		// A child's contact changes its own details: the parent's manager
		// reads it, the child's too.
		me := w.contact["child"]
		me.Phone = "01234 567890"
		if err := db.UpdateContact(ctx, w.viewers["child"], me); err != nil {
			t.Fatal(err)
		}
		// The operator's own business is nobody's activity.
		st, _ := db.FindSettings(ctx, w.orgA)
		if err := db.UpdateSettings(ctx, sys, st); err != nil {
			t.Fatal(err)
		}
		custName := map[string]string{}
		for n, c := range w.cust {
			custName[c.ID] = n
		}
		siteName := map[string]string{}
		for n, s := range w.site {
			siteName[s.ID] = n
		}
		read := func(t *testing.T, v fieldportal.Viewer) (customers, entities []string, entries []*fieldportal.AuditEntry) {
			t.Helper()
			l, _, err := db.FindActivity(ctx, v, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range l {
				customers = append(customers, custName[e.CustomerID])
				entities = append(entities, e.Entity)
			}
			slices.Sort(customers)
			slices.Sort(entities)
			return slices.Compact(customers), slices.Compact(entities), l
		}
		t.Run("a manager reads its customers' entries, never another's", func(t *testing.T) {
			for _, c := range []struct {
				name      string
				v         fieldportal.Viewer
				customers []string
			}{
				{"parent", parentMgr, []string{"Child1", "Child2", "Grandchild", "Parent"}},
				{"child", childMgr, []string{"Child1", "Grandchild"}},
			} {
				got, _, entries := read(t, c.v)
				if diff := cmp.Diff(c.customers, got); diff != "" {
					t.Errorf("%s: customers (-want +got):\n%s", c.name, diff)
				}
				if !slices.ContainsFunc(entries, func(e *fieldportal.AuditEntry) bool {
					return e.Action == "contact.updated" && e.ActorID == me.ID && e.Door == fieldportal.DoorPortal
				}) {
					t.Errorf("%s: the child's change of its details is missing", c.name)
				}
			}
		})
		t.Run("only the kinds of record its pages show", func(t *testing.T) {
			_, entities, _ := read(t, contactsOnly)
			if diff := cmp.Diff([]string{"contact"}, entities); diff != "" {
				t.Errorf("entities (-want +got):\n%s", diff)
			}
		})
		t.Run("assigned sites: only their sites' entries and contacts", func(t *testing.T) {
			_, _, entries := read(t, assignedMgr)
			for _, e := range entries {
				if e.Entity == "site" && siteName[e.EntityID] != "S2" || e.Entity != "site" && e.Entity != "contact" && e.Entity != "login" {
					t.Errorf("entry out of reach: %+v", e)
				}
			}
			if !slices.ContainsFunc(entries, func(e *fieldportal.AuditEntry) bool { return e.Entity == "site" }) {
				t.Error("its own site's entry is missing")
			}
		})
		t.Run("the address of a contact out of its reach is not shown", func(t *testing.T) {
			// The parent's manager edits the child's contact from its own
			// address: the child's manager reads the change, but the
			// parent's people are not its own (found by review).
			from := fieldportal.WithRequestInfo(ctx, fieldportal.RequestInfo{Addr: "192.0.2.50", UserAgent: "ParentBrowser", Door: fieldportal.DoorPortal})
			c, err := db.FindContactByID(ctx, parentMgr, me.ID)
			if err != nil {
				t.Fatal(err)
			}
			c.Position = "Caretaker"
			if err := db.UpdateContact(from, parentMgr, c); err != nil {
				t.Fatal(err)
			}
			for _, r := range []struct {
				name       string
				v          fieldportal.Viewer
				addr, user string
			}{{"parent", parentMgr, "192.0.2.50", "ParentBrowser"}, {"child", childMgr, "", ""}} {
				_, _, entries := read(t, r.v)
				i := slices.IndexFunc(entries, func(e *fieldportal.AuditEntry) bool {
					return e.Action == "contact.updated" && e.ActorID == parentMgr.ContactID
				})
				if i < 0 {
					t.Fatalf("%s: the parent's change is missing", r.name)
				}
				if e := entries[i]; e.IP != r.addr || e.UserAgent != r.user {
					t.Errorf("%s reads the address %q and agent %q, want %q and %q", r.name, e.IP, e.UserAgent, r.addr, r.user)
				}
			}
		})
		t.Run("nobody else reads activity", func(t *testing.T) {
			for _, kind := range []string{"parent", "child", "solo", "otherorg", "forged", "disabled", "anonymous", "staff"} {
				if _, _, err := db.FindActivity(ctx, w.viewers[kind], fieldportal.AuditFilter{}); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s: %v", kind, err)
				}
			}
		})
		t.Run("a manager whose login can no longer manage reads nothing", func(t *testing.T) {
			l, err := db.FindLoginByContact(ctx, sys, childMgr.ContactID)
			if err != nil {
				t.Fatal(err)
			}
			l.MayManageContacts = false
			if err := db.UpdateLoginAccess(ctx, sys, l); err != nil {
				t.Fatal(err)
			}
			// The stale viewer still says it manages: the database decides.
			if got, _, _ := read(t, childMgr); len(got) != 0 {
				t.Errorf("read %v", got)
			}
		})
	})
}

// A deletion's entry keeps the customer of the record it deleted: the row
// is gone when the entry is written, so its customer is read before
// (found by review: a contact deleted by staff was nobody's entry, and
// its customer's managers never read it on their activity page).
func TestAuditDeletionKeepsCustomer(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		c := &fieldportal.Contact{FirstName: "Gone", CustomerID: f.cust["Child1"].ID}
		if err := db.CreateContact(ctx, f.sys, c); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteContact(ctx, f.staff, c.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		l, _, err := db.FindAuditLog(ctx, f.staff, fieldportal.AuditFilter{Entity: "contact", EntityID: c.ID, Action: "contact.deleted"})
		if err != nil || len(l) != 1 {
			t.Fatalf("%+v %v", l, err)
		}
		if l[0].CustomerID != f.cust["Child1"].ID {
			t.Errorf("contact.deleted belongs to customer %q, want Child1's %q", l[0].CustomerID, f.cust["Child1"].ID)
		}
	})
}
