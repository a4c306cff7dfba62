package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		parent := f.MustPassword(t, "parent", goodPassword)

		t.Run("by email or username in any case, with a session and a device token", func(t *testing.T) {
			for _, name := range []string{" PARENT@example.test ", "parent@example.test"} {
				s := f.MustSignIn(t, fieldportal.SignInRequest{Name: name, Password: goodPassword, UserAgent: "test"})
				if s.DeviceToken == "" || s.Next != "" || !s.ExpiresAt.Equal(f.clk.now.Add(12*time.Hour)) {
					t.Errorf("%q: signed in %+v", name, s)
				}
				v, err := f.a.ContactSession(ctx, f.orgA, s.Token)
				if err != nil || v.LoginID != parent.ID || !v.IsContact() {
					t.Errorf("%q: session viewer %+v, %v", name, v, err)
				}
			}
		})
		t.Run("an empty form names both fields", func(t *testing.T) {
			_, err := f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "  "})
			if diff := cmp.Diff([]string{"username", "password"}, fieldsOf(err)); code(err) != fieldportal.EINVALID || diff != "" {
				t.Errorf("err = %v; fields (-want +got):\n%s", err, diff)
			}
		})
		t.Run("every wrong account gets one answer", func(t *testing.T) {
			invited := &fieldportal.Contact{CustomerID: f.cust["Solo"].ID, FirstName: "Ivy", Email: "ivy@example.test"}
			if err := db.CreateContact(ctx, f.sys, invited); err != nil {
				t.Fatal(err)
			}
			if err := db.CreatePortalLogin(ctx, f.sys, &fieldportal.PortalLogin{ContactID: invited.ID, Username: "ivy",
				Status: fieldportal.LoginInvited, Pages: fieldportal.AllModules, PasswordHash: MustHash(t, goodPassword)}); err != nil {
				t.Fatal(err)
			}
			f.MustPassword(t, "disabled", goodPassword)
			for _, tc := range []struct{ name, org, user, password string }{
				{"wrong password", f.orgA, "parent@example.test", "Wrong-pass-1"},
				{"unknown name", f.orgA, "nobody@example.test", goodPassword},
				{"invited login", f.orgA, "ivy", goodPassword},
				{"disabled login", f.orgA, "disabled@example.test", goodPassword},
				{"malformed stored hash", f.orgA, "child@example.test", "x"},
				{"another organisation's name", f.orgB, "parent@example.test", goodPassword},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: tc.org, Name: tc.user, Password: tc.password,
						ClientAddr: "198.51.100." + tc.name})
					if code(err) != fieldportal.EUNAUTHORIZED || fieldportal.ErrorMessage(err) != "Wrong username or password." {
						t.Errorf("err = %v", err)
					}
				})
			}
		})
		t.Run("the browser's old session ends", func(t *testing.T) {
			first := f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: goodPassword})
			f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: goodPassword, OldToken: first.Token})
			if _, err := f.a.ContactSession(ctx, f.orgA, first.Token); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("old session: %v", err)
			}
		})
		t.Run("a password set by someone else sends the user to change it", func(t *testing.T) {
			l := f.MustLogin(t, "solo")
			if err := db.SetLoginPassword(ctx, f.orgA, l.ID, MustHash(t, goodPassword), true); err != nil {
				t.Fatal(err)
			}
			s := f.MustSignIn(t, fieldportal.SignInRequest{Name: "solo@example.test", Password: goodPassword})
			if s.Next != "/password" {
				t.Errorf("Next = %q", s.Next)
			}
		})
	})
}

func TestSignInThrottle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.MustPassword(t, "parent", goodPassword)
		f.MustPassword(t, "child", goodPassword)
		try := func(name, password, addr string) error {
			_, err := f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: name, Password: password, ClientAddr: addr})
			return err
		}

		t.Run("failures count under the handlers' keys", func(t *testing.T) {
			if err := try("Nobody@Example.test", "Wrong-pass-1", "192.0.2.9"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Fatal(err)
			}
			got := []int{
				countRows(t, db, "auth_attempts", "attempt_key = $1", "login:acct:"+f.orgA+":nobody@example.test"),
				countRows(t, db, "auth_attempts", "attempt_key = $1", "login:ip:192.0.2.9"),
			}
			if diff := cmp.Diff([]int{1, 1}, got); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
		})
		t.Run("a success clears the account's failures", func(t *testing.T) {
			for round := range 2 {
				for i := range 4 {
					if err := try("child@example.test", "Wrong-pass-1", fmt.Sprintf("192.0.2.%d", 10+i)); code(err) != fieldportal.EUNAUTHORIZED {
						t.Fatalf("round %d, failure %d: %v", round, i, err)
					}
				}
				if err := try("child@example.test", goodPassword, "192.0.2.20"); err != nil {
					t.Fatalf("round %d: the right password after 4 failures: %v", round, err)
				}
			}
		})
		t.Run("five failures from anywhere lock the account", func(t *testing.T) {
			for i := range 5 {
				try("parent@example.test", "Wrong-pass-1", fmt.Sprintf("198.51.100.%d", i))
			}
			err := try("parent@example.test", goodPassword, "198.51.100.99")
			if code(err) != fieldportal.ERATELIMIT {
				t.Errorf("err = %v, want rate limited", err)
			}
		})
		t.Run("twenty failures lock the address for every name", func(t *testing.T) {
			for i := range 20 {
				try(fmt.Sprintf("guess%d@example.test", i), "Wrong-pass-1", "203.0.113.1")
			}
			if err := try("child@example.test", goodPassword, "203.0.113.1"); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("err = %v, want rate limited", err)
			}
			if err := try("child@example.test", goodPassword, "203.0.113.2"); err != nil {
				t.Errorf("another address: %v", err)
			}
		})
	})
}

// TestSignInDevices is review finding 2: failures from elsewhere must not
// keep an account's owner out. On the old handlers every sign-in checked
// the account's lock, so "the device passes" failed with rate limited.
func TestSignInDevices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.MustPassword(t, "parent", goodPassword)
		f.MustPassword(t, "solo", goodPassword)
		f.MustPassword(t, "child", goodPassword)
		signIn := func(name, password, addr, device string) (*fieldportal.SignedIn, error) {
			return f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: name, Password: password, ClientAddr: addr, DeviceToken: device})
		}
		device := f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: goodPassword, ClientAddr: "203.0.113.7"}).DeviceToken
		childDevice := f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: goodPassword}).DeviceToken
		// Someone elsewhere fails parent's password until it is locked.
		for i := range 5 {
			signIn("parent@example.test", "Wrong-pass-1", fmt.Sprintf("198.51.100.%d", i), "")
		}
		if _, err := signIn("parent@example.test", goodPassword, "198.51.100.9", ""); code(err) != fieldportal.ERATELIMIT {
			t.Fatalf("the account is not locked: %v", err)
		}

		t.Run("the device that signed in before passes the lock", func(t *testing.T) {
			s, err := signIn("PARENT@example.test", goodPassword, "203.0.113.7", device)
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if s.DeviceToken != device {
				t.Errorf("the device token changed: %q, had %q", s.DeviceToken, device)
			}
		})
		t.Run("a fresh browser is still held", func(t *testing.T) {
			if _, err := signIn("parent@example.test", goodPassword, "192.0.2.50", ""); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("err = %v, want rate limited", err)
			}
		})
		t.Run("a token of another account, or forged, is ignored", func(t *testing.T) {
			forged := device[:len(device)-2] + "AA"
			for name, tok := range map[string]string{"another account's": childDevice, "forged": forged, "garbage": "x"} {
				if _, err := signIn("parent@example.test", goodPassword, "192.0.2.51", tok); code(err) != fieldportal.ERATELIMIT {
					t.Errorf("%s token: err = %v, want rate limited", name, err)
				}
			}
		})
		t.Run("a device's own failures lock only that device", func(t *testing.T) {
			soloDevice := f.MustSignIn(t, fieldportal.SignInRequest{Name: "solo@example.test", Password: goodPassword}).DeviceToken
			for i := range 5 {
				if _, err := signIn("solo@example.test", "Wrong-pass-1", fmt.Sprintf("192.0.2.%d", 60+i), soloDevice); code(err) != fieldportal.EUNAUTHORIZED {
					t.Fatalf("failure %d: %v", i, err)
				}
			}
			if _, err := signIn("solo@example.test", goodPassword, "192.0.2.70", soloDevice); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("the device after its failures: err = %v, want rate limited", err)
			}
			if _, err := signIn("solo@example.test", goodPassword, "192.0.2.71", ""); err != nil {
				t.Errorf("another browser: %v", err)
			}
		})
		t.Run("the console has device tokens of its own", func(t *testing.T) {
			staffIn := func(password, addr, device string) (*fieldportal.SignedIn, error) {
				return f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "boss@op.test", Password: password, ClientAddr: addr, DeviceToken: device})
			}
			s, err := staffIn(goodPassword, "203.0.113.8", "")
			if err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				staffIn("Wrong-pass-1", fmt.Sprintf("198.51.100.%d", 20+i), "")
			}
			if _, err := staffIn(goodPassword, "192.0.2.80", ""); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("fresh browser: err = %v, want rate limited", err)
			}
			if _, err := staffIn(goodPassword, "192.0.2.81", device); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("a portal device token: err = %v, want rate limited", err)
			}
			if _, err := staffIn(goodPassword, "203.0.113.8", s.DeviceToken); err != nil {
				t.Errorf("the console device: %v", err)
			}
		})
	})
}

// TestSignInDevicesEndWithThePassword is security review finding S3: a
// device token outlived a password change or reset. Whoever once knew
// an account's password (a former member of a team that shared it) could
// sign in as often as they liked to collect device tokens, each a lock of
// its own, and after the password was changed go on guessing the new one
// at five free guesses per token, the account's lock holding none of
// them. A token now dies with the password it was given under.
func TestSignInDevicesEndWithThePassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		login := f.MustPassword(t, "parent", goodPassword)
		const newPassword = "Changed-pass-9"

		t.Run("portal", func(t *testing.T) {
			signIn := func(password, addr, device string) (*fieldportal.SignedIn, error) {
				return f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "parent@example.test", Password: password,
					ClientAddr: addr, DeviceToken: device})
			}
			old := f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: goodPassword}).DeviceToken
			if err := db.SetLoginPassword(ctx, f.orgA, login.ID, MustHash(t, newPassword), false); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				signIn("Wrong-pass-1", fmt.Sprintf("198.51.100.%d", i), "")
			}
			if _, err := signIn(newPassword, "203.0.113.30", old); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("a device token from before the change: err = %v, want rate limited", err)
			}
		})
		t.Run("console", func(t *testing.T) {
			staffIn := func(password, addr, device string) (*fieldportal.SignedIn, error) {
				return f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: password,
					ClientAddr: addr, DeviceToken: device})
			}
			s, err := staffIn(goodPassword, "203.0.113.31", "")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SetStaffPassword(ctx, f.orgA, f.staff.StaffID, MustHash(t, newPassword)); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				staffIn("Wrong-pass-1", fmt.Sprintf("198.51.100.%d", 40+i), "")
			}
			if _, err := staffIn(newPassword, "203.0.113.32", s.DeviceToken); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("a device token from before the change: err = %v, want rate limited", err)
			}
		})
	})
}

func TestStaffSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		signIn := func(email, password string) (*fieldportal.SignedIn, error) {
			return f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: email, Password: password, ClientAddr: "192.0.2.1"})
		}

		t.Run("by email in any case, into a staff session", func(t *testing.T) {
			s, err := signIn("BOSS@op.test", goodPassword)
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.a.StaffSession(ctx, f.orgA, s.Token)
			if err != nil || v.StaffID != f.admin.StaffID || !v.IsAdmin() || s.DeviceToken == "" {
				t.Errorf("viewer %+v, %v; signed in %+v", v, err, s)
			}
			if _, err := f.a.ContactSession(ctx, f.orgA, s.Token); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("a staff session as a contact's: %v", err)
			}
			u, _ := db.FindStaffByID(ctx, f.orgA, f.admin.StaffID)
			if !u.LastLoginAt.Equal(f.clk.now) {
				t.Errorf("last login = %v", u.LastLoginAt)
			}
		})
		t.Run("an empty form names both fields", func(t *testing.T) {
			_, err := signIn("", "")
			if diff := cmp.Diff([]string{"email", "password"}, fieldsOf(err)); diff != "" {
				t.Errorf("err = %v; fields (-want +got):\n%s", err, diff)
			}
		})
		t.Run("every wrong account gets one answer", func(t *testing.T) {
			gone := f.MustStaff(t, "gone@op.test", "Gone", fieldportal.RoleStaff)
			u, _ := db.FindStaffByID(ctx, f.orgA, gone.StaffID)
			u.Disabled = true
			if err := db.UpdateStaffUser(ctx, f.sys, u); err != nil {
				t.Fatal(err)
			}
			for _, tc := range []struct{ name, email, password string }{
				{"wrong password", "desk@op.test", "Wrong-pass-1"},
				{"unknown email", "nobody@op.test", goodPassword},
				{"disabled user", "gone@op.test", goodPassword},
				{"a contact's name", "parent@example.test", goodPassword},
			} {
				t.Run(tc.name, func(t *testing.T) {
					_, err := signIn(tc.email, tc.password)
					if code(err) != fieldportal.EUNAUTHORIZED || fieldportal.ErrorMessage(err) != "Wrong email address or password." {
						t.Errorf("err = %v", err)
					}
				})
			}
		})
		t.Run("failures count under the console's keys", func(t *testing.T) {
			n := countRows(t, db, "auth_attempts", "attempt_key = $1", "console:acct:"+f.orgA+":desk@op.test")
			if n != 1 {
				t.Errorf("account failures = %d, want 1", n)
			}
			for range 4 {
				signIn("desk@op.test", "Wrong-pass-1")
			}
			if _, err := signIn("desk@op.test", goodPassword); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("after five failures: %v", err)
			}
		})
	})
}

func TestSessions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.MustPassword(t, "child", goodPassword)
		f.MustPassword(t, "solo", goodPassword)
		signInAs := func(name string) string {
			return f.MustSignIn(t, fieldportal.SignInRequest{Name: name + "@example.test", Password: goodPassword}).Token
		}
		signIn := func() string { return signInAs("child") }
		sessions := func(token string) int {
			return countRows(t, db, "sessions", "token_hash = $1", auth.HashToken(token))
		}

		t.Run("no token, an unknown one or another organisation's is not found", func(t *testing.T) {
			tok := signIn()
			for name, tc := range map[string]struct{ org, token string }{
				"empty": {f.orgA, ""}, "unknown": {f.orgA, "nope"}, "another organisation": {f.orgB, tok},
			} {
				if _, err := f.a.ContactSession(ctx, tc.org, tc.token); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s: %v", name, err)
				}
				if _, err := f.a.StaffSession(ctx, tc.org, tc.token); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s (staff): %v", name, err)
				}
			}
			if _, err := f.a.StaffSession(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("a contact's session as staff: %v", err)
			}
		})
		t.Run("use keeps a session alive until the idle time-out", func(t *testing.T) {
			tok := signIn()
			for range 3 { // 3 x 90 min of use: past the 2 h idle time-out only if not touched
				f.clk.now = f.clk.now.Add(90 * time.Minute)
				if _, err := f.a.ContactSession(ctx, f.orgA, tok); err != nil {
					t.Fatalf("used session: %v", err)
				}
			}
			f.clk.now = f.clk.now.Add(2*time.Hour + time.Minute)
			if _, err := f.a.ContactSession(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("idle session: %v", err)
			}
		})
		t.Run("a disabled login's session is not found and is ended", func(t *testing.T) {
			tok := signInAs("solo")
			if err := db.RevokeLogin(ctx, f.sys, f.contact["solo"].ID); err != nil {
				t.Fatal(err)
			}
			// Revoking ends sessions itself; put one back, as a session
			// made in a race with the revocation would be.
			l := f.MustLogin(t, "solo")
			if err := db.CreateSession(ctx, &fieldportal.Session{TokenHash: auth.HashToken(tok), OrgID: f.orgA, LoginID: l.ID,
				ExpiresAt: f.clk.now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.ContactSession(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v", err)
			}
			if n := sessions(tok); n != 0 {
				t.Errorf("the session was kept (%d rows)", n)
			}
		})
		t.Run("a disabled staff user's session is not found and is ended", func(t *testing.T) {
			v := f.MustStaff(t, "temp@op.test", "Temp", fieldportal.RoleStaff)
			s, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "temp@op.test", Password: goodPassword})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().Exec(`UPDATE staff_users SET disabled = TRUE WHERE id = $1`, v.StaffID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.StaffSession(ctx, f.orgA, s.Token); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v", err)
			}
			if n := sessions(s.Token); n != 0 {
				t.Errorf("the session was kept (%d rows)", n)
			}
		})
		t.Run("sign out ends the session", func(t *testing.T) {
			tok := signIn()
			if err := f.a.SignOut(ctx, tok); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.ContactSession(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("after sign out: %v", err)
			}
			if err := f.a.SignOut(ctx, ""); err != nil {
				t.Errorf("signing out without a session: %v", err)
			}
		})
	})
}
