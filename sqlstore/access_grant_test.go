package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// allSites is a grant of every page and site.
func allSites(username string) fieldportal.AccessGrant {
	return fieldportal.AccessGrant{Username: username, Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}
}

// loginOf returns a contact's login, or nil when it has none.
func (f *accounts) loginOf(tb testing.TB, contactID string) *fieldportal.PortalLogin {
	tb.Helper()
	l, err := f.db.FindLoginByContact(context.Background(), f.sys, contactID)
	if code(err) == fieldportal.ENOTFOUND {
		return nil
	} else if err != nil {
		tb.Fatal(err)
	}
	return l
}

func TestGrantPortalAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)

		t.Run("an invitation is mailed with its link, and audited", func(t *testing.T) {
			c := f.MustContact(t, "Child2", "Ina", "ina@example.test")
			out, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, allSites("ina@example.test"))
			if err != nil || out != fieldportal.GrantInvited {
				t.Fatalf("%q, %v", out, err)
			}
			l := f.loginOf(t, c.ID)
			m := f.mails(t)[0]
			if l.Status != fieldportal.LoginInvited || m.Recipient != "ina@example.test" || m.Topic != "invite" {
				t.Errorf("login %+v, mail %+v", l, m)
			}
			if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenInvite, linkIn(t, m, "setup")); err != nil {
				t.Errorf("the mailed link: %v", err)
			}
			if len(f.audits(t, "login.created")) == 0 || len(f.audits(t, "token.invite")) != 1 {
				t.Error("not audited")
			}
		})
		t.Run("a bad grant names the form's fields and makes no login", func(t *testing.T) {
			noEmail := f.MustContact(t, "Child2", "Noel", "")
			manager := f.MustManager(t, "assigned")
			reach := f.MustContact(t, "Child2", "Rex", "rex@example.test")
			for _, tc := range []struct {
				name    string
				v       fieldportal.Viewer
				contact string
				g       fieldportal.AccessGrant
				field   string
			}{
				{"no email to invite", f.staff, noEmail.ID, allSites("noel"), "username"},
				{"assigned without sites", f.staff, reach.ID,
					fieldportal.AccessGrant{Username: "rex@example.test", SiteAccess: fieldportal.SiteAccessAssigned}, "sites"},
				{"a site out of the manager's reach", manager, reach.ID,
					fieldportal.AccessGrant{Username: "rex@example.test", Pages: manager.Pages, SiteAccess: fieldportal.SiteAccessAssigned,
						SiteIDs: []string{f.site["S1b"].ID}}, "sites"},
				{"a page the manager lacks", manager, reach.ID,
					fieldportal.AccessGrant{Username: "rex@example.test", Pages: fieldportal.Modules{"bogus"}, SiteAccess: fieldportal.SiteAccessAssigned,
						SiteIDs: []string{f.site["S2"].ID}}, "pages"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := f.a.GrantPortalAccess(ctx, tc.v, tc.contact, tc.g)
					// A grant beyond the manager's own is refused (403), not invalid.
					want := fieldportal.EINVALID
					if strings.Contains(tc.name, "manager's reach") {
						want = fieldportal.EFORBIDDEN
					}
					if fields := fieldsOf(err); code(err) != want || len(fields) == 0 || fields[0] != tc.field {
						t.Errorf("err = %v, want a %s field error (%s)", err, tc.field, want)
					}
					if l := f.loginOf(t, tc.contact); l != nil {
						t.Errorf("a login was made: %+v", l)
					}
				})
			}
		})
		// The login, its link and its mail are one transaction (the house
		// issue): a failed mail leaves no login behind, and a retry sends.
		t.Run("an invitation whose mail failed leaves nothing, and a retry sends it", func(t *testing.T) {
			c := f.MustContact(t, "Child2", "Hal", "hal@example.test")
			restore := breakTable(t, db, "outbox")
			_, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, allSites("hal@example.test"))
			restore()
			if err == nil {
				t.Fatal("no error with the outbox gone")
			}
			if l := f.loginOf(t, c.ID); l != nil {
				t.Fatalf("after the failure: login %+v", l)
			}
			g := allSites("hal@example.test")
			g.Pages = fieldportal.Modules{fieldportal.ModuleDashboard}
			out, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, g)
			if err != nil || out != fieldportal.GrantInvited {
				t.Fatalf("again: %q, %v", out, err)
			}
			l := f.loginOf(t, c.ID)
			if l == nil || liveTokens(t, db, l.ID) != 1 || !cmp.Equal(l.Pages, g.Pages) || f.mails(t)[0].Recipient != "hal@example.test" {
				t.Errorf("after the retry: login %+v", l)
			}
		})
		t.Run("an invited login without a live link is saved and sent again", func(t *testing.T) {
			c := f.MustContact(t, "Child2", "Ida", "ida@example.test")
			if err := db.CreatePortalLogin(ctx, f.staff, &fieldportal.PortalLogin{ContactID: c.ID, Username: "ida@example.test",
				Pages: fieldportal.Modules{fieldportal.ModuleSites}}); err != nil {
				t.Fatal(err)
			}
			out, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, allSites("ida@example.test"))
			if err != nil || out != fieldportal.GrantResent {
				t.Fatalf("grant: %q, %v", out, err)
			}
			if l := f.loginOf(t, c.ID); l == nil || liveTokens(t, db, l.ID) != 1 || f.mails(t)[0].Recipient != "ida@example.test" {
				t.Errorf("after the grant: login %+v", l)
			}
		})
		t.Run("a contact with an active login gets the grant saved", func(t *testing.T) {
			g := allSites("child@example.test")
			g.Pages = fieldportal.Modules{fieldportal.ModuleSites}
			out, err := f.a.GrantPortalAccess(ctx, f.staff, f.contact["child"].ID, g)
			if err != nil || out != fieldportal.GrantSaved {
				t.Fatalf("%q, %v", out, err)
			}
			if l := f.MustLogin(t, "child"); !cmp.Equal(l.Pages, g.Pages) {
				t.Errorf("pages %v", l.Pages)
			}
		})
		t.Run("an admin creates a login with an initial password, audited", func(t *testing.T) {
			c := f.MustContact(t, "Child2", "Pia", "")
			g := allSites("pia")
			g.Password = "Initial-pass-1"
			out, err := f.a.GrantPortalAccess(ctx, f.admin, c.ID, g)
			if err != nil || out != fieldportal.GrantCreated {
				t.Fatalf("%q, %v", out, err)
			}
			l := f.loginOf(t, c.ID)
			if l.Status != fieldportal.LoginActive || !l.MustChangePassword {
				t.Errorf("login %+v", l)
			}
			entries := f.audits(t, "login.initial_password")
			if len(entries) != 1 || entries[0].ActorID != f.admin.StaffID || entries[0].EntityID != c.ID || strings.Contains(entries[0].Detail, "Initial") {
				t.Errorf("audit %+v", entries)
			}
			if s := f.MustSignIn(t, fieldportal.SignInRequest{Name: "pia", Password: "Initial-pass-1"}); s.Next != "/password" {
				t.Errorf("Next = %q", s.Next)
			}
		})
		t.Run("an initial password must meet the policy", func(t *testing.T) {
			c := f.MustContact(t, "Child2", "Quin", "")
			g := allSites("quin")
			g.Password = "quin"
			if _, err := f.a.GrantPortalAccess(ctx, f.admin, c.ID, g); code(err) != fieldportal.EINVALID || fieldsOf(err)[0] != "password" {
				t.Errorf("err = %v", err)
			}
		})
		// Review finding 3: on the old handler any staff user could create a
		// login with a password of their choosing; this returned "created".
		// Among staff only an admin may; a managing contact may too, for
		// the contacts it reaches (SPEC §3 "direct creation").
		t.Run("only an admin among staff sets an initial password", func(t *testing.T) {
			c := f.MustContact(t, "Child2", "Uma", "uma@example.test")
			g := allSites("uma@example.test")
			g.Password = "Initial-pass-1"
			for name, v := range map[string]fieldportal.Viewer{"staff": f.staff} {
				if _, err := f.a.GrantPortalAccess(ctx, v, c.ID, g); code(err) != fieldportal.EFORBIDDEN ||
					!strings.Contains(fieldportal.ErrorMessage(err), "Only an admin") {
					t.Errorf("%s: err = %v", name, err)
				}
			}
			if l := f.loginOf(t, c.ID); l != nil {
				t.Errorf("a login was made: %+v", l)
			}
			out, err := f.a.GrantPortalAccess(ctx, f.MustManager(t, "parent"), c.ID, g)
			if err != nil || out != fieldportal.GrantCreated {
				t.Fatalf("a managing contact: %v, %v", out, err)
			}
			if l := f.loginOf(t, c.ID); l == nil || !l.MustChangePassword {
				t.Errorf("login after a managing contact's grant: %+v", l)
			}
		})
	})
}

func TestPortalAccessActions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.MustPassword(t, "parent", goodPassword)
		child := f.MustPassword(t, "child", goodPassword)
		manager := f.MustManager(t, "solo")
		nologin := f.MustContact(t, "Child1", "Nell", "nell@example.test")
		invited := f.MustContact(t, "Child1", "Ivo", "ivo@example.test")
		if _, err := f.a.GrantPortalAccess(ctx, f.staff, invited.ID, allSites("ivo@example.test")); err != nil {
			t.Fatal(err)
		}
		session := func(name string) string {
			return f.MustSignIn(t, fieldportal.SignInRequest{Name: name + "@example.test", Password: goodPassword}).Token
		}
		alive := func(tok string) bool {
			_, err := f.a.ContactSession(ctx, f.orgA, tok)
			return err == nil
		}

		t.Run("a contact without a login has nothing to act on", func(t *testing.T) {
			for name, err := range map[string]error{
				"update":  f.a.UpdatePortalAccess(ctx, f.staff, nologin.ID, allSites("nell")),
				"resend":  f.a.ResendInvitation(ctx, f.staff, nologin.ID),
				"disable": f.a.SetPortalAccessEnabled(ctx, f.staff, nologin.ID, false),
				"reset":   f.a.SendPasswordReset(ctx, f.staff, nologin.ID),
				"initial": f.a.SetInitialPassword(ctx, f.admin, nologin.ID, "Initial-pass-1"),
			} {
				if code(err) != fieldportal.ENOTFOUND || fieldportal.ErrorMessage(err) != "This contact has no portal login." {
					t.Errorf("%s: err = %v", name, err)
				}
			}
		})
		t.Run("out of a manager's reach is not found, without the right forbidden", func(t *testing.T) {
			id := f.contact["parent"].ID
			for name, fn := range map[string]func(fieldportal.Viewer) error{
				"update":  func(v fieldportal.Viewer) error { return f.a.UpdatePortalAccess(ctx, v, id, allSites("x")) },
				"resend":  func(v fieldportal.Viewer) error { return f.a.ResendInvitation(ctx, v, id) },
				"disable": func(v fieldportal.Viewer) error { return f.a.SetPortalAccessEnabled(ctx, v, id, false) },
				"reset":   func(v fieldportal.Viewer) error { return f.a.SendPasswordReset(ctx, v, id) },
				"grant": func(v fieldportal.Viewer) error {
					_, err := f.a.GrantPortalAccess(ctx, v, id, allSites("x"))
					return err
				},
			} {
				if err := fn(manager); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s by a manager: err = %v", name, err)
				}
				if err := fn(f.viewers["child"]); code(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s by a contact: err = %v", name, err)
				}
			}
			if l := f.MustLogin(t, "parent"); l.Status != fieldportal.LoginActive {
				t.Errorf("parent's login changed: %+v", l)
			}
		})
		t.Run("narrowing access ends the login's sessions", func(t *testing.T) {
			tok := session("child")
			g := allSites(child.Username)
			g.Pages = fieldportal.Modules{fieldportal.ModuleDashboard}
			if err := f.a.UpdatePortalAccess(ctx, f.staff, f.contact["child"].ID, g); err != nil {
				t.Fatal(err)
			}
			if alive(tok) {
				t.Error("the session survived")
			}
			g.SiteAccess, g.SiteIDs = fieldportal.SiteAccessAssigned, []string{"no-such-site"}
			if err := f.a.UpdatePortalAccess(ctx, f.staff, f.contact["child"].ID, g); code(err) != fieldportal.EINVALID || fieldsOf(err)[0] != "sites" {
				t.Errorf("an unknown site: %v", err)
			}
		})
		t.Run("disabling ends sessions and links; enabling restores", func(t *testing.T) {
			tok := session("child")
			if err := f.a.SendPasswordReset(ctx, f.staff, f.contact["child"].ID); err != nil {
				t.Fatal(err)
			}
			if err := f.a.SetPortalAccessEnabled(ctx, f.staff, f.contact["child"].ID, false); err != nil {
				t.Fatal(err)
			}
			if alive(tok) || liveTokens(t, db, child.ID) != 0 || f.MustLogin(t, "child").Status != fieldportal.LoginDisabled {
				t.Error("disabled login kept a session or a link")
			}
			if err := f.a.ResendInvitation(ctx, f.staff, f.contact["child"].ID); code(err) != fieldportal.ECONFLICT {
				t.Errorf("invite a disabled login: %v", err)
			}
			if err := f.a.SetPortalAccessEnabled(ctx, f.staff, f.contact["child"].ID, true); err != nil {
				t.Fatal(err)
			}
			if f.MustLogin(t, "child").Status != fieldportal.LoginActive {
				t.Error("not enabled")
			}
			if err := f.a.SetPortalAccessEnabled(ctx, f.staff, invited.ID, true); err != nil || f.loginOf(t, invited.ID).Status != fieldportal.LoginInvited {
				t.Errorf("enabling a login never set up: %v", err)
			}
		})
		t.Run("a resent invitation voids the old link", func(t *testing.T) {
			old := linkIn(t, f.mails(t)[len(f.mails(t))-1], "setup") // the first mail: Ivo's invitation
			if err := f.a.ResendInvitation(ctx, f.staff, invited.ID); err != nil {
				t.Fatal(err)
			}
			fresh := linkIn(t, f.mails(t)[0], "setup")
			if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenInvite, old); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("old link: %v", err)
			}
			if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenInvite, fresh); err != nil {
				t.Errorf("new link: %v", err)
			}
		})
		t.Run("invitations are throttled per login", func(t *testing.T) {
			// The grant and the resend above were two; three more are free.
			for i := range 3 {
				if err := f.a.ResendInvitation(ctx, f.staff, invited.ID); err != nil {
					t.Fatalf("resend %d: %v", i, err)
				}
			}
			l := f.loginOf(t, invited.ID)
			if n := countRows(t, db, "auth_attempts", "attempt_key = $1", "invite:acct:"+f.orgA+":"+l.ID); n != 5 {
				t.Errorf("%d invitations counted", n)
			}
			if err := f.a.ResendInvitation(ctx, f.staff, invited.ID); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("sixth: %v", err)
			}
		})
		t.Run("a reset link goes to active logins only", func(t *testing.T) {
			before := len(f.mails(t))
			if err := f.a.SendPasswordReset(ctx, f.staff, f.contact["parent"].ID); err != nil {
				t.Fatal(err)
			}
			if m := f.mails(t)[0]; len(f.mails(t)) != before+1 || m.Topic != "reset" || m.Recipient != "parent@example.test" {
				t.Errorf("mail %+v", m)
			}
			if err := f.a.SendPasswordReset(ctx, f.staff, invited.ID); code(err) != fieldportal.ECONFLICT {
				t.Errorf("an invited login: %v", err)
			}
		})
	})
}

// TestSetInitialPassword is review finding 3 for an existing login: on the
// old handler a non-admin staff user set a contact's password (and could
// then sign in as it); now only an admin may, and it is audited.
func TestSetInitialPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		l := f.MustPassword(t, "child", goodPassword)
		id := f.contact["child"].ID

		t.Run("staff who are not admins are refused and nothing changes", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"staff": f.staff} {
				err := f.a.SetInitialPassword(ctx, v, id, "Initial-pass-1")
				if code(err) != fieldportal.EFORBIDDEN || !strings.Contains(fieldportal.ErrorMessage(err), "Only an admin") {
					t.Errorf("%s: err = %v", name, err)
				}
			}
			if err := db.SetInitialPassword(ctx, f.staff, id, MustHash(t, "Initial-pass-1")); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("the store's own method: %v", err)
			}
			f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: goodPassword})
			if n := len(f.audits(t, "login.initial_password")); n != 0 {
				t.Errorf("%d audit entries", n)
			}
		})
		t.Run("the password must meet the policy", func(t *testing.T) {
			for pw, want := range map[string]string{"": "Enter an initial password.", "short": ""} {
				err := f.a.SetInitialPassword(ctx, f.admin, id, pw)
				if code(err) != fieldportal.EINVALID || fieldsOf(err)[0] != "password" || (want != "" && messageOf(err, "password") != want) {
					t.Errorf("%q: err = %v", pw, err)
				}
			}
		})
		t.Run("an admin sets it: sessions end, it must be changed, it is audited", func(t *testing.T) {
			tok := f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: goodPassword}).Token
			f.clk.now = f.clk.now.Add(time.Second)
			if err := f.a.SetInitialPassword(ctx, f.admin, id, "Initial-pass-1"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.ContactSession(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("old session: %v", err)
			}
			if s := f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: "Initial-pass-1"}); s.Next != "/password" {
				t.Errorf("Next = %q", s.Next)
			}
			entries := f.audits(t, "login.initial_password")
			want := []string{"staff", f.admin.StaffID, "contact", id, ""}
			if len(entries) != 1 {
				t.Fatalf("audit %+v", entries)
			}
			e := entries[0]
			if diff := cmp.Diff(want, []string{e.ActorKind, e.ActorID, e.Entity, e.EntityID, e.Detail}); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
			if l2 := f.MustLogin(t, "child"); l2.PasswordHash == l.PasswordHash || !l2.MustChangePassword {
				t.Errorf("login %+v", l2)
			}
		})
		t.Run("a managing contact sets it within its reach only", func(t *testing.T) {
			if err := f.a.SetInitialPassword(ctx, f.MustManager(t, "solo"), id, "Other-pass-22"); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("a manager of another customer: %v", err)
			}
			if err := f.a.SetInitialPassword(ctx, f.MustManager(t, "parent"), id, "Manager-pass-22"); err != nil {
				t.Fatal(err)
			}
			if s := f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: "Manager-pass-22"}); s.Next != "/password" {
				t.Errorf("after a manager's password, next = %q", s.Next)
			}
		})
	})
}
