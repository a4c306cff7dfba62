package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Adding a passkey asks for the current password before the ceremony
// starts (review): a stolen session alone must not add a way in that a
// password reset leaves in place. Wrong guesses start no ceremony and
// are counted with the password change's and the email change's.
func TestPasskeyRegistrationNeedsPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		mustPasskeyHosts(t, f)
		child := f.MustLoginViewer(t, "child")
		ceremonies := func(t *testing.T) int {
			t.Helper()
			return countRows(t, db, "passkey_ceremonies", "org_id = $1", f.orgA)
		}
		begin := func(v fieldportal.Viewer, pw, addr string) error {
			_, err := f.a.BeginPasskeyRegistration(ctx, v, fieldportal.PasskeyRegistrationStart{CurrentPassword: pw, ClientAddr: addr})
			return err
		}

		for _, tc := range []struct{ name, password, message string }{
			{"a missing password", "", "Enter your current password."},
			{"a wrong password", "Wrong-pass-1", "Current password is not right."},
		} {
			t.Run(tc.name+" starts no ceremony and names the field", func(t *testing.T) {
				before := ceremonies(t)
				err := begin(child, tc.password, "198.51.100.20")
				if code(err) != fieldportal.EINVALID || messageOf(err, "passkey_password") != tc.message {
					t.Errorf("err = %v, want %q on passkey_password", err, tc.message)
				}
				if n := ceremonies(t); n != before {
					t.Errorf("%d ceremonies, want %d", n, before)
				}
			})
		}
		t.Run("the right password starts one", func(t *testing.T) {
			before := ceremonies(t)
			if err := begin(child, goodPassword, "198.51.100.20"); err != nil {
				t.Fatal(err)
			}
			if n := ceremonies(t); n != before+1 {
				t.Errorf("%d ceremonies, want %d", n, before+1)
			}
		})
		t.Run("wrong guesses are throttled with the password change's", func(t *testing.T) {
			before := ceremonies(t)
			for i := range 5 {
				if err := begin(child, "Wrong-pass-1", fmt.Sprintf("198.51.100.%d", i)); code(err) != fieldportal.EINVALID {
					t.Fatalf("guess %d: %v", i, err)
				}
			}
			err := begin(child, goodPassword, "198.51.100.9")
			if code(err) != fieldportal.ERATELIMIT || messageOf(err, "passkey_password") == "" {
				t.Errorf("after five wrong guesses: %v, want rate limited on passkey_password", err)
			}
			_, err = f.a.ChangePassword(ctx, child, fieldportal.PasswordChange{Current: goodPassword, Password: "New-pass-66", Confirm: "New-pass-66"})
			if code(err) != fieldportal.ERATELIMIT {
				t.Errorf("the password change after them: %v, want rate limited", err)
			}
			if n := countRows(t, db, "auth_attempts", "attempt_key = $1", "password:acct:"+child.LoginID); n != 5 {
				t.Errorf("%d failures counted against the login", n)
			}
			if n := ceremonies(t); n != before {
				t.Errorf("%d ceremonies, want %d", n, before)
			}
		})
		t.Run("staff: a wrong password is refused, counted under the staff key, the right one starts", func(t *testing.T) {
			before := ceremonies(t)
			if err := begin(f.staff, "Wrong-pass-1", "198.51.100.30"); code(err) != fieldportal.EINVALID || messageOf(err, "passkey_password") == "" {
				t.Errorf("wrong: %v", err)
			}
			got := []int{
				ceremonies(t) - before,
				countRows(t, db, "auth_attempts", "attempt_key = $1", "password:acct:staff:"+f.staff.StaffID),
				countRows(t, db, "auth_attempts", "attempt_key = $1", "password:ip:198.51.100.30"),
			}
			if diff := cmp.Diff([]int{0, 1, 1}, got); diff != "" {
				t.Errorf("ceremonies, account and address failures (-want +got):\n%s", diff)
			}
			if err := begin(f.staff, goodPassword, "198.51.100.30"); err != nil {
				t.Fatal(err)
			}
			if n := ceremonies(t); n != before+1 {
				t.Errorf("%d ceremonies, want %d", n, before+1)
			}
		})
	})
}
