package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/passkeytest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The fixture's relying parties: organisation A answers at its own host,
// organisation B at another.
const (
	originA = "https://a.example.test"
	originB = "https://b.example.test"
)

// mustPasskeyHosts gives the fixture's organisations their own hosts.
func mustPasskeyHosts(tb testing.TB, f *accounts) {
	tb.Helper()
	for id, host := range map[string]string{f.orgA: "a.example.test", f.orgB: "b.example.test"} {
		if _, err := f.db.SQL().Exec(`UPDATE organisations SET host = $1 WHERE id = $2`, host, id); err != nil {
			tb.Fatal(err)
		}
	}
}

// rightPassword starts adding a passkey with the fixture's password.
var rightPassword = fieldportal.PasskeyRegistrationStart{CurrentPassword: goodPassword, ClientAddr: "192.0.2.50"}

// MustLoginViewer is the viewer of a fixture contact's login, whose
// password is goodPassword (adding a passkey asks for it).
func (f *accounts) MustLoginViewer(tb testing.TB, contact string) fieldportal.Viewer {
	tb.Helper()
	v, err := f.db.ViewerForLogin(context.Background(), f.orgA, f.MustPassword(tb, contact, goodPassword).ID)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// MustAddPasskey registers a software passkey for v at origin A.
func (f *accounts) MustAddPasskey(tb testing.TB, v fieldportal.Viewer, name string) (*passkeytest.Authenticator, *fieldportal.Passkey) {
	tb.Helper()
	auth := passkeytest.New()
	p, err := f.addPasskey(v, auth, name)
	if err != nil {
		tb.Fatalf("add passkey: %v", err)
	}
	return auth, p
}

func (f *accounts) addPasskey(v fieldportal.Viewer, auth *passkeytest.Authenticator, name string) (*fieldportal.Passkey, error) {
	ctx := context.Background()
	c, err := f.a.BeginPasskeyRegistration(ctx, v, rightPassword)
	if err != nil {
		return nil, err
	}
	resp, err := auth.Create(c.Options, originA)
	if err != nil {
		return nil, err
	}
	return f.a.FinishPasskeyRegistration(ctx, v, fieldportal.PasskeyRegistration{Ceremony: c.Token, Name: name, Response: resp})
}

// passkeySignIn answers a sign-in ceremony of org at door with auth, as
// the browser at origin would.
func (f *accounts) passkeySignIn(tb testing.TB, auth *passkeytest.Authenticator, org string, door fieldportal.Door, origin, addr string) (*fieldportal.SignedIn, error) {
	tb.Helper()
	ctx := context.Background()
	c, err := f.a.BeginPasskeySignIn(ctx, org, door, fieldportal.PasskeyOwner{})
	if err != nil {
		tb.Fatal(err)
	}
	resp, err := auth.Get(c.Options, origin, auth.RPID)
	if err != nil {
		tb.Fatal(err)
	}
	return f.a.PasskeySignIn(ctx, fieldportal.PasskeySignInRequest{ClientAddr: addr, UserAgent: "test",
		PasskeyAssertion: fieldportal.PasskeyAssertion{OrgID: org, Door: door, Ceremony: c.Token, Response: resp}})
}

func TestPasskeys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		mustPasskeyHosts(t, f)
		parent, child := f.MustLoginViewer(t, "parent"), f.MustLoginViewer(t, "child")
		auth, pk := f.MustAddPasskey(t, parent, " Work laptop ")

		t.Run("registered: listed, audited and mailed to its owner", func(t *testing.T) {
			got, err := f.a.FindMyPasskeys(ctx, parent)
			if err != nil || len(got) != 1 || got[0].ID != pk.ID || got[0].Name != "Work laptop" || !got[0].CreatedAt.Equal(f.clk.now) {
				t.Fatalf("passkeys = %+v, %v", got, err)
			}
			if auth.RPID != "a.example.test" {
				t.Errorf("relying party id = %q, want the organisation's host", auth.RPID)
			}
			if n := len(f.audits(t, "passkey.added")); n != 1 {
				t.Errorf("%d passkey.added entries", n)
			}
			if n := len(f.mailsTo(t, "passkey_added", "parent@example.test")); n != 1 {
				t.Errorf("%d passkey_added mails to the owner", n)
			}
			if mine, _ := f.a.FindMyPasskeys(ctx, child); len(mine) != 0 {
				t.Errorf("another login lists %d passkeys", len(mine))
			}
		})
		t.Run("a name is required and bounded", func(t *testing.T) {
			for _, name := range []string{"  ", string(make([]rune, 61)), "two\nlines"} {
				if _, err := f.addPasskey(parent, passkeytest.New(), name); code(err) != fieldportal.EINVALID || fieldsOf(err)[0] != "name" {
					t.Errorf("%q: err = %v", name, err)
				}
			}
		})
		t.Run("an authenticator that does not verify the user is refused", func(t *testing.T) {
			a := passkeytest.New()
			a.NoUV = true
			if _, err := f.addPasskey(parent, a, "No PIN"); code(err) != fieldportal.EINVALID {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("the same authenticator twice is refused", func(t *testing.T) {
			c, err := f.a.BeginPasskeyRegistration(ctx, parent, rightPassword)
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := auth.Create(c.Options, originA)
			_, err = f.a.FinishPasskeyRegistration(ctx, parent, fieldportal.PasskeyRegistration{Ceremony: c.Token, Name: "Again", Response: resp})
			if code(err) != fieldportal.EINVALID {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("a registration ceremony is single use, expires and is its login's", func(t *testing.T) {
			finish := func(v fieldportal.Viewer, c *fieldportal.PasskeyCeremony) error {
				resp, _ := passkeytest.New().Create(c.Options, originA)
				_, err := f.a.FinishPasskeyRegistration(ctx, v, fieldportal.PasskeyRegistration{Ceremony: c.Token, Name: "Phone", Response: resp})
				return err
			}
			before := countRows(t, db, "passkey_ceremonies", "org_id = $1", f.orgA)
			c, _ := f.a.BeginPasskeyRegistration(ctx, child, rightPassword)
			if err := finish(child, c); err != nil {
				t.Fatalf("first use: %v", err)
			}
			if err := finish(child, c); code(err) != fieldportal.EINVALID {
				t.Errorf("second use: %v", err)
			}
			c, _ = f.a.BeginPasskeyRegistration(ctx, child, rightPassword)
			f.clk.now = f.clk.now.Add(fieldportal.PasskeyCeremonyLifetime)
			if err := finish(child, c); code(err) != fieldportal.EINVALID {
				t.Errorf("expired: %v", err)
			}
			c, _ = f.a.BeginPasskeyRegistration(ctx, child, rightPassword)
			if err := finish(parent, c); code(err) != fieldportal.EINVALID {
				t.Errorf("another login's ceremony: %v", err)
			}
			if n := countRows(t, db, "passkey_ceremonies", "org_id = $1", f.orgA); n != before {
				t.Errorf("%d ceremonies left, want the %d from before", n, before)
			}
		})
		t.Run("rename and remove reach only the viewer's own", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"another login": child, "staff": f.admin,
				"another organisation": fieldportal.SystemViewer(f.orgB, "test")} {
				if err := f.a.RenamePasskey(ctx, v, pk.ID, "Mine now"); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s renames: %v", name, err)
				}
				if err := f.a.RemovePasskey(ctx, v, pk.ID); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s removes: %v", name, err)
				}
			}
			if err := f.a.RenamePasskey(ctx, parent, pk.ID, ""); code(err) != fieldportal.EINVALID {
				t.Errorf("empty name: %v", err)
			}
			if err := f.a.RenamePasskey(ctx, parent, pk.ID, "Old laptop"); err != nil {
				t.Fatal(err)
			}
			got, _ := f.a.FindMyPasskeys(ctx, parent)
			if diff := cmp.Diff("Old laptop", got[0].Name); diff != "" || len(f.audits(t, "passkey.renamed")) != 1 {
				t.Errorf("name (-want +got):\n%s", diff)
			}
		})
		t.Run("sign in: a session, the sign count and an audit entry saying passkey", func(t *testing.T) {
			s, err := f.passkeySignIn(t, auth, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.1")
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.a.ContactSession(ctx, f.orgA, s.Token)
			if err != nil || v.LoginID != parent.LoginID {
				t.Fatalf("session viewer %+v, %v", v, err)
			}
			var count int
			db.SQL().QueryRow(`SELECT sign_count FROM passkeys WHERE id = $1`, pk.ID).Scan(&count)
			if count != 1 {
				t.Errorf("sign count = %d, want 1", count)
			}
			got := f.audits(t, "signin.succeeded")
			if len(got) == 0 || got[0].Detail != "passkey" || got[0].EntityID != parent.LoginID {
				t.Errorf("audit = %+v", got)
			}
			if mine, _ := f.a.FindMyPasskeys(ctx, parent); !mine[0].LastUsedAt.Equal(f.clk.now) {
				t.Errorf("last used %v", mine[0].LastUsedAt)
			}
		})
		t.Run("a sign-in ceremony is single use", func(t *testing.T) {
			c, _ := f.a.BeginPasskeySignIn(ctx, f.orgA, fieldportal.DoorPortal, fieldportal.PasskeyOwner{})
			resp, _ := auth.Get(c.Options, originA, "")
			req := fieldportal.PasskeySignInRequest{ClientAddr: "198.51.100.2",
				PasskeyAssertion: fieldportal.PasskeyAssertion{OrgID: f.orgA, Door: fieldportal.DoorPortal, Ceremony: c.Token, Response: resp}}
			if _, err := f.a.PasskeySignIn(ctx, req); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.PasskeySignIn(ctx, req); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("replayed: %v", err)
			}
		})
		t.Run("an expired sign-in ceremony is refused", func(t *testing.T) {
			c, _ := f.a.BeginPasskeySignIn(ctx, f.orgA, fieldportal.DoorPortal, fieldportal.PasskeyOwner{})
			resp, _ := auth.Get(c.Options, originA, "")
			f.clk.now = f.clk.now.Add(fieldportal.PasskeyCeremonyLifetime + time.Second)
			_, err := f.a.PasskeySignIn(ctx, fieldportal.PasskeySignInRequest{ClientAddr: "198.51.100.3",
				PasskeyAssertion: fieldportal.PasskeyAssertion{OrgID: f.orgA, Door: fieldportal.DoorPortal, Ceremony: c.Token, Response: resp}})
			if code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("a sign count that goes back is refused", func(t *testing.T) {
			clone := *auth
			clone.Counter = 0
			if _, err := f.passkeySignIn(t, &clone, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.4"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
			// A possible clone is the owner's and the operator's business:
			// the audit log says so (the key signed: not anyone's guess).
			if !hasAudit(f.audits(t, "signin.failed"), parent.LoginID, "passkey: sign count went back") {
				t.Errorf("no signin.failed entry for the sign count: %+v", f.audits(t, "signin.failed"))
			}
		})
		t.Run("another organisation or door never accepts it", func(t *testing.T) {
			for name, tc := range map[string]struct {
				org    string
				door   fieldportal.Door
				origin string
			}{
				"organisation B at its origin": {f.orgB, fieldportal.DoorPortal, originB},
				"organisation B at A's origin": {f.orgB, fieldportal.DoorPortal, originA},
				"the console of the same org":  {f.orgA, fieldportal.DoorConsole, originA},
				"organisation A at B's origin": {f.orgA, fieldportal.DoorPortal, originB},
			} {
				if _, err := f.passkeySignIn(t, auth, tc.org, tc.door, tc.origin, "198.51.100.5"); code(err) != fieldportal.EUNAUTHORIZED ||
					fieldportal.ErrorMessage(err) != "That passkey did not sign you in. Try again, or sign in with your password." {
					t.Errorf("%s: err = %v", name, err)
				}
			}
		})
		t.Run("a ceremony for one login refuses another's passkey", func(t *testing.T) {
			childKey, _ := f.MustAddPasskey(t, child, "Child's phone")
			c, err := f.a.BeginPasskeySignIn(ctx, f.orgA, fieldportal.DoorPortal, fieldportal.PasskeyOwner{LoginID: parent.LoginID})
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := childKey.Get(c.Options, originA, "")
			_, err = f.a.VerifyPasskey(ctx, fieldportal.PasskeyAssertion{OrgID: f.orgA, Door: fieldportal.DoorPortal, Ceremony: c.Token,
				Response: resp, For: fieldportal.PasskeyOwner{LoginID: parent.LoginID}})
			if code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
			c, _ = f.a.BeginPasskeySignIn(ctx, f.orgA, fieldportal.DoorPortal, fieldportal.PasskeyOwner{LoginID: parent.LoginID})
			resp, _ = auth.Get(c.Options, originA, "")
			o, err := f.a.VerifyPasskey(ctx, fieldportal.PasskeyAssertion{OrgID: f.orgA, Door: fieldportal.DoorPortal, Ceremony: c.Token,
				Response: resp, For: fieldportal.PasskeyOwner{LoginID: parent.LoginID}})
			if err != nil || o.LoginID != parent.LoginID || o.PasskeyID != pk.ID {
				t.Errorf("own passkey: %+v, %v", o, err)
			}
		})
		t.Run("a disabled login is refused like a wrong passkey", func(t *testing.T) {
			if _, err := db.SQL().Exec(`UPDATE portal_logins SET status = 'disabled' WHERE id = $1`, parent.LoginID); err != nil {
				t.Fatal(err)
			}
			defer db.SQL().Exec(`UPDATE portal_logins SET status = 'active' WHERE id = $1`, parent.LoginID)
			if _, err := f.passkeySignIn(t, auth, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.6"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
			// As a right password of a disabled login is (SignIn).
			if !hasAudit(f.audits(t, "signin.failed"), parent.LoginID, "passkey") {
				t.Errorf("no signin.failed entry: %+v", f.audits(t, "signin.failed"))
			}
		})
		t.Run("a staff user's passkey signs in at the console only", func(t *testing.T) {
			staffKey, _ := f.MustAddPasskey(t, f.staff, "Desk key")
			s, err := f.passkeySignIn(t, staffKey, f.orgA, fieldportal.DoorConsole, originA, "198.51.100.7")
			if err != nil {
				t.Fatal(err)
			}
			if v, err := f.a.StaffSession(ctx, f.orgA, s.Token); err != nil || v.StaffID != f.staff.StaffID {
				t.Errorf("staff session %+v, %v", v, err)
			}
			if _, err := f.passkeySignIn(t, staffKey, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.7"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("at the portal: %v", err)
			}
		})
		t.Run("a passkey asserted with another login's user handle is refused", func(t *testing.T) {
			swapped := *auth
			swapped.UserHandle = []byte(child.LoginID)
			if _, err := f.passkeySignIn(t, &swapped, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.11"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("a sign-in without user verification is refused", func(t *testing.T) {
			presenceOnly := *auth
			presenceOnly.NoUV = true
			if _, err := f.passkeySignIn(t, &presenceOnly, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.12"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("another organisation's passkey of the same credential id does not shadow this one's", func(t *testing.T) {
			// Credential ids are chosen by the authenticator: a staff user
			// of B can register one with the id of A's passkey. It must not
			// stand in for A's when A's staff user signs in (the look-up by
			// credential id is the organisation's alone).
			u := &fieldportal.StaffUser{Email: "desk@b.test", Name: "B desk", Role: fieldportal.RoleStaff, PasswordHash: MustHash(t, goodPassword)}
			if err := f.db.CreateStaffUser(ctx, fieldportal.SystemViewer(f.orgB, "test"), u); err != nil {
				t.Fatal(err)
			}
			atB, err := f.db.ViewerForStaff(ctx, f.orgB, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			victim, copycat := passkeytest.New(), passkeytest.New()
			copycat.ID = victim.ID
			c, err := f.a.BeginPasskeyRegistration(ctx, atB, rightPassword)
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := copycat.Create(c.Options, originB)
			if _, err := f.a.FinishPasskeyRegistration(ctx, atB, fieldportal.PasskeyRegistration{Ceremony: c.Token, Name: "Copy", Response: resp}); err != nil {
				t.Fatalf("B's registration: %v", err)
			}
			if _, err := f.addPasskey(f.admin, victim, "Admin's key"); err != nil {
				t.Fatalf("A's registration: %v", err)
			}
			if _, err := f.passkeySignIn(t, victim, f.orgA, fieldportal.DoorConsole, originA, "198.51.100.13"); err != nil {
				t.Errorf("A's passkey at A: %v", err)
			}
		})
		t.Run("a sign-in ceremony begun at another organisation or door is refused", func(t *testing.T) {
			u := &fieldportal.StaffUser{Email: "office@b.test", Name: "B office", Role: fieldportal.RoleStaff, PasswordHash: MustHash(t, goodPassword)}
			if err := f.db.CreateStaffUser(ctx, fieldportal.SystemViewer(f.orgB, "test"), u); err != nil {
				t.Fatal(err)
			}
			atB, err := f.db.ViewerForStaff(ctx, f.orgB, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			keyB := passkeytest.New()
			c, err := f.a.BeginPasskeyRegistration(ctx, atB, rightPassword)
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := keyB.Create(c.Options, originB)
			if _, err := f.a.FinishPasskeyRegistration(ctx, atB, fieldportal.PasskeyRegistration{Ceremony: c.Token, Name: "B key", Response: resp}); err != nil {
				t.Fatal(err)
			}
			keyA, _ := f.MustAddPasskey(t, f.staff, "Spare key")
			for _, tc := range []struct {
				name        string
				key         *passkeytest.Authenticator
				beginOrg    string
				beginDoor   fieldportal.Door
				org, origin string
				door        fieldportal.Door
			}{
				// Signed at B's origin for A's relying party id, as A's
				// ceremony data expects (go-webauthn keeps the id in it):
				// only the ceremony's organisation refuses it at B.
				{"begun at A, answered at B", keyB, f.orgA, fieldportal.DoorConsole, f.orgB, originB, fieldportal.DoorConsole},
				{"begun at the portal, answered at the console", keyA, f.orgA, fieldportal.DoorPortal, f.orgA, originA, fieldportal.DoorConsole},
			} {
				c, err := f.a.BeginPasskeySignIn(ctx, tc.beginOrg, tc.beginDoor, fieldportal.PasskeyOwner{})
				if err != nil {
					t.Fatal(err)
				}
				resp, _ := tc.key.Get(c.Options, tc.origin, "")
				_, err = f.a.PasskeySignIn(ctx, fieldportal.PasskeySignInRequest{ClientAddr: "198.51.100.16",
					PasskeyAssertion: fieldportal.PasskeyAssertion{OrgID: tc.org, Door: tc.door, Ceremony: c.Token, Response: resp}})
				if code(err) != fieldportal.EUNAUTHORIZED {
					t.Errorf("%s: err = %v", tc.name, err)
				}
			}
		})
		t.Run("an IP address as the host is said plainly and not counted as a failure", func(t *testing.T) {
			if _, err := db.SQL().Exec(`UPDATE organisations SET host = '127.0.0.1' WHERE id = $1`, f.orgA); err != nil {
				t.Fatal(err)
			}
			defer mustPasskeyHosts(t, f)
			const plain = "Passkeys work only when this site is reached by its domain name, not an IP address."
			// The browser could not begin a ceremony, so it posts none.
			_, err := f.a.FinishPasskeyRegistration(ctx, parent, fieldportal.PasskeyRegistration{Name: "Laptop"})
			if code(err) != fieldportal.EFORBIDDEN || fieldportal.ErrorMessage(err) != plain {
				t.Errorf("registration: %v", err)
			}
			for range 30 {
				_, err = f.a.PasskeySignIn(ctx, fieldportal.PasskeySignInRequest{ClientAddr: "198.51.100.14",
					PasskeyAssertion: fieldportal.PasskeyAssertion{OrgID: f.orgA, Door: fieldportal.DoorPortal}})
				if code(err) != fieldportal.EFORBIDDEN || fieldportal.ErrorMessage(err) != plain {
					t.Fatalf("sign-in: %v", err)
				}
			}
		})
		t.Run("a passkey nobody has writes no audit entry", func(t *testing.T) {
			// Unbounded per account (there is no account to count by), so
			// not written: only a known passkey that signed is.
			before := len(f.audits(t, "signin.failed"))
			stranger := passkeytest.New()
			stranger.UserHandle, stranger.RPID = []byte(parent.LoginID), "a.example.test"
			f.passkeySignIn(t, stranger, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.15")
			if n := len(f.audits(t, "signin.failed")); n != before {
				t.Errorf("%d signin.failed entries, want %d", n, before)
			}
		})
		t.Run("failures are throttled per address", func(t *testing.T) {
			stranger := passkeytest.New()
			stranger.UserHandle = []byte(parent.LoginID)
			stranger.RPID = "a.example.test"
			var err error
			for range 30 {
				if _, err = f.passkeySignIn(t, stranger, f.orgA, fieldportal.DoorPortal, originA, "203.0.113.9"); code(err) == fieldportal.ERATELIMIT {
					break
				}
			}
			if code(err) != fieldportal.ERATELIMIT {
				t.Fatalf("after 30 failures: %v", err)
			}
			if _, err := f.passkeySignIn(t, auth, f.orgA, fieldportal.DoorPortal, originA, "203.0.113.10"); err != nil {
				t.Errorf("another address: %v", err)
			}
		})
		t.Run("removed: gone, audited, mailed, and no longer signs in", func(t *testing.T) {
			if err := f.a.RemovePasskey(ctx, parent, pk.ID); err != nil {
				t.Fatal(err)
			}
			if mine, _ := f.a.FindMyPasskeys(ctx, parent); len(mine) != 0 {
				t.Errorf("%d left", len(mine))
			}
			if len(f.audits(t, "passkey.removed")) != 1 || len(f.mailsTo(t, "passkey_removed", "parent@example.test")) != 1 {
				t.Error("no audit entry or mail")
			}
			if _, err := f.passkeySignIn(t, auth, f.orgA, fieldportal.DoorPortal, originA, "198.51.100.8"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
		})
	})
}

// hasAudit says whether entries hold one about entityID with detail.
func hasAudit(entries []*fieldportal.AuditEntry, entityID, detail string) bool {
	for _, e := range entries {
		if e.EntityID == entityID && e.Detail == detail {
			return true
		}
	}
	return false
}
