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

func TestChangeContactPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		login := f.MustPassword(t, "child", goodPassword)
		v := f.viewers["child"]

		t.Run("a wrong form names every field that failed", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				p    fieldportal.PasswordChange
				want []string
			}{
				{"empty", fieldportal.PasswordChange{}, []string{"current", "password", "confirm"}},
				{"wrong current", fieldportal.PasswordChange{Current: "Wrong-pass-1", Password: "New-pass-22", Confirm: "New-pass-22"}, []string{"current"}},
				{"the same again", fieldportal.PasswordChange{Current: goodPassword, Password: goodPassword, Confirm: goodPassword}, []string{"password"}},
				{"weak and unrepeated", fieldportal.PasswordChange{Current: goodPassword, Password: "weak", Confirm: "x"}, []string{"password", "confirm"}},
			} {
				_, err := f.a.ChangePassword(ctx, v, tc.p)
				if diff := cmp.Diff(tc.want, fieldsOf(err)); code(err) != fieldportal.EINVALID || diff != "" {
					t.Errorf("%s: err %v; fields (-want +got):\n%s", tc.name, err, diff)
				}
			}
		})
		t.Run("the change ends every session and starts this browser's", func(t *testing.T) {
			other := f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: goodPassword}).Token
			mine := f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: goodPassword}).Token
			s, err := f.a.ChangePassword(ctx, v, fieldportal.PasswordChange{Current: goodPassword, Password: "New-pass-22",
				Confirm: "New-pass-22", OldToken: mine})
			if err != nil {
				t.Fatal(err)
			}
			for name, tok := range map[string]string{"other": other, "old": mine} {
				if _, err := f.a.ContactSession(ctx, f.orgA, tok); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s session: %v", name, err)
				}
			}
			if got, err := f.a.ContactSession(ctx, f.orgA, s.Token); err != nil || got.LoginID != login.ID {
				t.Errorf("new session: %+v, %v", got, err)
			}
			f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: "New-pass-22"})
			if got := f.audits(t, "login.password_changed"); len(got) != 1 || got[0].EntityID != f.contact["child"].ID {
				t.Errorf("audit entries: %+v", got)
			}
		})
		t.Run("a forced change clears the mark", func(t *testing.T) {
			if err := db.SetLoginPassword(ctx, f.orgA, login.ID, MustHash(t, goodPassword), true); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.ChangePassword(ctx, v, fieldportal.PasswordChange{Current: goodPassword, Password: "New-pass-33", Confirm: "New-pass-33"}); err != nil {
				t.Fatal(err)
			}
			if l := f.MustLogin(t, "child"); l.MustChangePassword {
				t.Error("still must change")
			}
		})
		t.Run("guesses of the current password are throttled per login and address", func(t *testing.T) {
			for i := range 5 {
				f.a.ChangePassword(ctx, v, fieldportal.PasswordChange{Current: "Wrong-pass-1", Password: "New-pass-44", Confirm: "New-pass-44",
					ClientAddr: fmt.Sprintf("192.0.2.%d", i)})
			}
			if n := countRows(t, db, "auth_attempts", "attempt_key = $1", "password:acct:"+login.ID); n != 5 {
				t.Errorf("%d failures under the login's key", n)
			}
			_, err := f.a.ChangePassword(ctx, v, fieldportal.PasswordChange{Current: "New-pass-33", Password: "New-pass-44", Confirm: "New-pass-44"})
			if code(err) != fieldportal.ERATELIMIT {
				t.Errorf("err = %v, want rate limited", err)
			}
		})
		t.Run("only people who sign in have a password to change", func(t *testing.T) {
			for name, tc := range map[string]struct {
				v    fieldportal.Viewer
				want string
			}{
				"anonymous": {fieldportal.Viewer{OrgID: f.orgA}, fieldportal.EUNAUTHORIZED},
				"system":    {f.sys, fieldportal.EFORBIDDEN},
				"API key":   {fieldportal.NewAPIKeyViewer(f.orgA, "k", "key", fieldportal.APIKeyWrite), fieldportal.EFORBIDDEN},
			} {
				if _, err := f.a.ChangePassword(ctx, tc.v, fieldportal.PasswordChange{Current: "a", Password: "b", Confirm: "b"}); code(err) != tc.want {
					t.Errorf("%s: err = %v, want %s", name, err, tc.want)
				}
			}
		})
		t.Run("the policy hint is the organisation's", func(t *testing.T) {
			hint, err := f.a.PasswordPolicyHint(ctx, f.orgA)
			if err != nil || hint != auth.DefaultPasswordPolicy().Describe() {
				t.Errorf("%q, %v", hint, err)
			}
		})
	})
}

// TestChangeStaffPassword covers the console's change, and review finding
// 1: guesses of the current password were not throttled for staff. On the
// old handler the sixth attempt, with the right current password, changed
// the password; now it is rate limited like the portal's.
func TestChangeStaffPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		change := func(v fieldportal.Viewer, current, password, addr string) (*fieldportal.SignedIn, error) {
			return f.a.ChangePassword(ctx, v, fieldportal.PasswordChange{Current: current, Password: password, Confirm: password, ClientAddr: addr})
		}

		t.Run("a wrong form names its fields", func(t *testing.T) {
			_, err := f.a.ChangePassword(ctx, f.admin, fieldportal.PasswordChange{Current: "Wrong-pass-1", Password: "boss@op.test", Confirm: "x"})
			if diff := cmp.Diff([]string{"current", "password", "confirm"}, fieldsOf(err)); diff != "" {
				t.Errorf("err %v; fields (-want +got):\n%s", err, diff)
			}
			if messageOf(err, "current") != "The current password is not right." {
				t.Errorf("current: %q", messageOf(err, "current"))
			}
		})
		t.Run("the change ends the user's sessions and starts a new one", func(t *testing.T) {
			old, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "boss@op.test", Password: goodPassword})
			if err != nil {
				t.Fatal(err)
			}
			s, err := change(f.admin, goodPassword, "Boss-pass-22", "")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.StaffSession(ctx, f.orgA, old.Token); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("old session: %v", err)
			}
			if v, err := f.a.StaffSession(ctx, f.orgA, s.Token); err != nil || v.StaffID != f.admin.StaffID {
				t.Errorf("new session: %+v, %v", v, err)
			}
		})
		t.Run("guesses are throttled like the portal's", func(t *testing.T) {
			for i := range 5 {
				if _, err := change(f.staff, "Wrong-pass-1", "Desk-pass-22", fmt.Sprintf("198.51.100.%d", i)); code(err) != fieldportal.EINVALID {
					t.Fatalf("guess %d: %v", i, err)
				}
			}
			if _, err := change(f.staff, goodPassword, "Desk-pass-22", "198.51.100.9"); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("after five wrong guesses: err = %v, want rate limited", err)
			}
			got := []int{
				countRows(t, db, "auth_attempts", "attempt_key = $1", "password:acct:staff:"+f.staff.StaffID),
				countRows(t, db, "auth_attempts", "attempt_key = $1", "password:ip:198.51.100.0"),
			}
			if diff := cmp.Diff([]int{5, 1}, got); diff != "" {
				t.Errorf("failures (-want +got):\n%s", diff)
			}
			if _, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: goodPassword}); err != nil {
				t.Errorf("the password changed: %v", err)
			}
		})
	})
}

// TestPasswordChangeCountsAGuessBeforeCheckingIt is security review
// finding S1: a guess of the current password was counted only after it
// had been checked, so guesses sent together all passed the throttle's
// check while the first of them waited for a hashing slot (hundreds per
// lock window instead of five). Like a sign-in, a guess now counts
// before it is checked. Here another check holds the only hashing slot;
// the guess must be counted while it waits.
func TestPasswordChangeCountsAGuessBeforeCheckingIt(t *testing.T) {
	// A hash whose check takes a good part of a second (its own cost
	// parameters decide that, not the hasher's).
	slow, err := auth.Hasher{Memory: 32 << 10, Time: 64, Threads: 1}.Hash("slow")
	if err != nil {
		t.Fatal(err)
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := mustAccounts(t, db)
		login := f.MustPassword(t, "child", goodPassword)
		passwords := auth.NewPasswords(auth.TestHasher(), 1)
		a := sqlstore.NewAccounts(db, sqlstore.AccountsConfig{BaseURL: "https://portal.example.test", Passwords: passwords})
		for _, tc := range []struct {
			name string
			v    fieldportal.Viewer
			key  string
		}{
			{"contact", f.viewers["child"], "password:acct:" + login.ID},
			{"staff", f.staff, "password:acct:staff:" + f.staff.StaffID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				held := make(chan struct{})
				go func() {
					defer close(held)
					passwords.Verify(context.Background(), slow, "x")
				}()
				// Wait until the slot is taken: a probe no longer gets it.
				for {
					probe, cancel := context.WithTimeout(context.Background(), time.Millisecond)
					err := passwords.DummyVerify(probe, "probe")
					cancel()
					if err != nil {
						break
					}
				}
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() {
					_, err := a.ChangePassword(ctx, tc.v, fieldportal.PasswordChange{Current: "Wrong-pass-1",
						Password: "New-pass-55", Confirm: "New-pass-55", ClientAddr: "192.0.2.77"})
					done <- err
				}()
				countedWhileWaiting := false
				for !countedWhileWaiting {
					n := countRows(t, db, "auth_attempts", "attempt_key = $1", tc.key)
					select {
					case <-held:
					default:
						// The slot is still held: the guess cannot have
						// been checked yet.
						countedWhileWaiting = n == 1
						time.Sleep(2 * time.Millisecond)
						continue
					}
					break
				}
				cancel()
				<-done
				<-held
				if !countedWhileWaiting {
					t.Error("the guess was not counted until it had been checked")
				}
			})
		}
	})
}
