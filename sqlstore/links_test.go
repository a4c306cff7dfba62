package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// liveTokens counts a login's unused links.
func liveTokens(tb testing.TB, db *sqlstore.DB, loginID string) int {
	tb.Helper()
	return countRows(tb, db, "one_time_tokens", "used_at IS NULL AND login_id = $1", loginID)
}

func TestRequestPasswordReset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		parent := f.MustPassword(t, "parent", goodPassword)
		f.MustPassword(t, "disabled", goodPassword)

		t.Run("mails a link to the address on file, with token and audit", func(t *testing.T) {
			if err := f.a.RequestPasswordReset(ctx, f.orgA, " Parent@Example.test ", "192.0.2.1"); err != nil {
				t.Fatal(err)
			}
			msgs := f.mails(t)
			if len(msgs) != 1 || msgs[0].Recipient != "parent@example.test" || msgs[0].Topic != "reset" ||
				!strings.Contains(msgs[0].Payload, "https://portal.example.test/reset/") {
				t.Fatalf("mails: %+v", msgs)
			}
			tok := linkIn(t, msgs[0], "reset")
			target, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenReset, tok)
			if err != nil || target.Username != parent.Username {
				t.Errorf("the mailed link: %+v, %v", target, err)
			}
			if got := f.audits(t, "token.reset"); len(got) != 1 || got[0].ActorKind != "system" || got[0].ActorID != "sign-in" {
				t.Errorf("audit: %+v", got)
			}
		})
		t.Run("an organisation with its own host gets links to it", func(t *testing.T) {
			f.org.Host = "portal.org-a.test"
			if err := db.UpdateOrganisation(ctx, f.sys, f.org); err != nil {
				t.Fatal(err)
			}
			defer func() {
				f.org.Host = ""
				db.UpdateOrganisation(ctx, f.sys, f.org)
			}()
			if err := f.a.RequestPasswordReset(ctx, f.orgA, "parent@example.test", "192.0.2.2"); err != nil {
				t.Fatal(err)
			}
			if m := f.mails(t)[0]; !strings.Contains(m.Payload, "https://portal.org-a.test/reset/") {
				t.Errorf("link in %q", m.Payload)
			}
		})
		t.Run("no mail, and the same answer, without an active login", func(t *testing.T) {
			before := len(f.mails(t))
			for _, email := range []string{"nobody@example.test", "disabled@example.test", "otherorg@example.test"} {
				if err := f.a.RequestPasswordReset(ctx, f.orgA, email, "192.0.2.3"); err != nil {
					t.Errorf("%s: %v", email, err)
				}
			}
			if after := len(f.mails(t)); after != before {
				t.Errorf("%d mails queued", after-before)
			}
		})
		t.Run("a bad address names the field", func(t *testing.T) {
			for in, want := range map[string]string{
				"":          "Enter your email address.",
				"not-email": "Email address must be a valid address, like name@example.com.",
			} {
				err := f.a.RequestPasswordReset(ctx, f.orgA, in, "192.0.2.4")
				if code(err) != fieldportal.EINVALID || messageOf(err, "email") != want {
					t.Errorf("%q: err = %v", in, err)
				}
			}
		})
		t.Run("every request counts, per address typed and per client", func(t *testing.T) {
			for range 3 {
				f.a.RequestPasswordReset(ctx, f.orgA, "child@example.test", "192.0.2.5")
			}
			got := []int{
				countRows(t, db, "auth_attempts", "attempt_key = $1", "reset:acct:"+f.orgA+":child@example.test"),
				countRows(t, db, "auth_attempts", "attempt_key = $1", "reset:ip:192.0.2.5"),
			}
			if diff := cmp.Diff([]int{3, 3}, got); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
			f.a.RequestPasswordReset(ctx, f.orgA, "child@example.test", "192.0.2.6")
			f.a.RequestPasswordReset(ctx, f.orgA, "child@example.test", "192.0.2.7")
			if err := f.a.RequestPasswordReset(ctx, f.orgA, "child@example.test", "192.0.2.8"); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("sixth request: %v", err)
			}
		})
		t.Run("a mail that cannot be queued leaves no link", func(t *testing.T) {
			f.clk.now = f.clk.now.Add(time.Hour) // past the earlier requests' throttle
			solo := f.MustPassword(t, "solo", goodPassword)
			restore := breakTable(t, db, "outbox")
			err := f.a.RequestPasswordReset(ctx, f.orgA, "solo@example.test", "192.0.2.9")
			restore()
			if err == nil {
				t.Fatal("no error with the outbox gone")
			}
			if n := liveTokens(t, db, solo.ID); n != 0 {
				t.Errorf("%d links stored without their mail", n)
			}
		})
	})
}

func TestFindLinkAndCompleteReset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		parent := f.MustPassword(t, "parent", goodPassword)
		f.MustPassword(t, "child", goodPassword)
		reset := func() string {
			t.Helper()
			if err := f.a.SendPasswordReset(ctx, f.staff, f.contact["parent"].ID); err != nil {
				t.Fatal(err)
			}
			return linkIn(t, f.mails(t)[0], "reset")
		}

		t.Run("a link shows who it is for and the policy", func(t *testing.T) {
			got, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenReset, reset())
			want := &fieldportal.LinkTarget{Username: parent.Username, Email: "parent@example.test", FirstName: "parent",
				PolicyHint: auth.DefaultPasswordPolicy().Describe()}
			if diff := cmp.Diff(want, got); err != nil || diff != "" {
				t.Errorf("err %v; (-want +got):\n%s", err, diff)
			}
		})
		t.Run("a link not usable for its purpose is not found", func(t *testing.T) {
			tok := reset()
			for name, tc := range map[string]struct {
				purpose fieldportal.TokenPurpose
				token   string
				org     string
			}{
				"unknown":              {fieldportal.TokenReset, "nope", f.orgA},
				"another purpose":      {fieldportal.TokenInvite, tok, f.orgA},
				"a staff purpose":      {fieldportal.TokenStaffReset, tok, f.orgA},
				"another organisation": {fieldportal.TokenReset, tok, f.orgB},
			} {
				if _, err := f.a.FindLink(ctx, tc.org, tc.purpose, tc.token); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s: %v", name, err)
				}
			}
			f.clk.now = f.clk.now.Add(61 * time.Minute)
			if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenReset, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("expired: %v", err)
			}
		})
		t.Run("a weak or unrepeated password names its fields", func(t *testing.T) {
			tok := reset()
			for _, tc := range []struct {
				name string
				p    fieldportal.PasswordChange
				want []string
			}{
				{"empty", fieldportal.PasswordChange{}, []string{"password", "confirm"}},
				{"weak", fieldportal.PasswordChange{Password: "short", Confirm: "short"}, []string{"password"}},
				{"the username", fieldportal.PasswordChange{Password: "parent@example.test", Confirm: "parent@example.test"}, []string{"password"}},
				{"not repeated", fieldportal.PasswordChange{Password: "New-pass-22", Confirm: "New-pass-23"}, []string{"confirm"}},
			} {
				err := f.a.CompleteReset(ctx, f.orgA, tok, tc.p)
				if diff := cmp.Diff(tc.want, fieldsOf(err)); code(err) != fieldportal.EINVALID || diff != "" {
					t.Errorf("%s: err %v; fields (-want +got):\n%s", tc.name, err, diff)
				}
			}
			if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenReset, tok); err != nil {
				t.Errorf("a failed form spent the link: %v", err)
			}
		})
		t.Run("a reset sets the password and ends every session", func(t *testing.T) {
			tok := reset()
			old := f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: goodPassword}).Token
			browser := f.MustSignIn(t, fieldportal.SignInRequest{Name: "child@example.test", Password: goodPassword}).Token
			p := fieldportal.PasswordChange{Password: "New-pass-22", Confirm: "New-pass-22", OldToken: browser}
			if err := f.a.CompleteReset(ctx, f.orgA, tok, p); err != nil {
				t.Fatal(err)
			}
			for name, s := range map[string]string{"the login's": old, "the browser's": browser} {
				if _, err := f.a.ContactSession(ctx, f.orgA, s); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s session: %v", name, err)
				}
			}
			if err := f.a.CompleteReset(ctx, f.orgA, tok, p); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("second use: %v", err)
			}
			f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: "New-pass-22"})
			if got := f.audits(t, "login.password_reset"); len(got) != 1 {
				t.Errorf("audit: %+v", got)
			}
		})
		t.Run("a revoked login's link is dead", func(t *testing.T) {
			tok := reset()
			if err := db.RevokeLogin(ctx, f.sys, f.contact["parent"].ID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenReset, tok); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v", err)
			}
		})
	})
}

func TestCompleteSetup(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		invite := func(first, email string) (*fieldportal.Contact, string) {
			t.Helper()
			c := &fieldportal.Contact{CustomerID: f.cust["Child2"].ID, FirstName: first, Email: email}
			if err := db.CreateContact(ctx, f.sys, c); err != nil {
				t.Fatal(err)
			}
			out, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, fieldportal.AccessGrant{Username: email, Pages: fieldportal.AllModules,
				SiteAccess: fieldportal.SiteAccessAll})
			if err != nil || out != fieldportal.GrantInvited {
				t.Fatalf("invite: %v %v", out, err)
			}
			return c, linkIn(t, f.mails(t)[0], "setup")
		}
		setup := func(tok string) fieldportal.SetupRequest {
			return fieldportal.SetupRequest{OrgID: f.orgA, Token: tok, FirstName: "Kim", LastName: "Park", Username: "kimp",
				Password: "Setup-pass-1", Confirm: "Setup-pass-1", ClientAddr: "192.0.2.1"}
		}

		t.Run("the invitation's form starts from the contact", func(t *testing.T) {
			_, tok := invite("Kim", "kim@example.test")
			got, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenInvite, tok)
			if err != nil || got.Username != "kim@example.test" || got.FirstName != "Kim" {
				t.Errorf("%+v, %v", got, err)
			}
		})
		t.Run("a bad form names every field that failed", func(t *testing.T) {
			_, tok := invite("Lee", "lee@example.test")
			r := setup(tok)
			r.FirstName, r.LastName, r.Username, r.Password, r.Confirm = " ", strings.Repeat("x", 101), "has space", "weak", "other"
			err := func() error { _, err := f.a.CompleteSetup(ctx, r); return err }()
			want := []string{"first_name", "last_name", "username", "password", "confirm"}
			if diff := cmp.Diff(want, fieldsOf(err)); diff != "" {
				t.Errorf("err %v; fields (-want +got):\n%s", err, diff)
			}
			if messageOf(err, "first_name") != "Enter your first name." {
				t.Errorf("first name: %q", messageOf(err, "first_name"))
			}
		})
		t.Run("a taken username is a field error and the link still works", func(t *testing.T) {
			_, tok := invite("Max", "max@example.test")
			r := setup(tok)
			r.Username = "PARENT@example.test"
			if _, err := f.a.CompleteSetup(ctx, r); code(err) != fieldportal.EINVALID || fieldsOf(err)[0] != "username" {
				t.Errorf("err = %v", err)
			}
			if _, err := f.a.FindLink(ctx, f.orgA, fieldportal.TokenInvite, tok); err != nil {
				t.Errorf("the link: %v", err)
			}
		})
		t.Run("setup activates the login and signs the contact in", func(t *testing.T) {
			c, tok := invite("Ann", "ann@example.test")
			staff, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: goodPassword})
			if err != nil {
				t.Fatal(err)
			}
			browser := staff.Token
			r := setup(tok)
			r.OldToken = browser
			s, err := f.a.CompleteSetup(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.a.ContactSession(ctx, f.orgA, s.Token)
			if err != nil || v.ContactID != c.ID || v.Name != "Kim Park" {
				t.Errorf("viewer %+v, %v", v, err)
			}
			if _, err := f.a.StaffSession(ctx, f.orgA, browser); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("the browser's old session: %v", err)
			}
			// The device token is this browser's for the new username: it
			// passes a lock of that name.
			for range 6 {
				f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "kimp", Password: "Wrong-pass-1", ClientAddr: "198.51.100.1"})
			}
			if _, err := f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "kimp", Password: "Setup-pass-1",
				ClientAddr: "192.0.2.1", DeviceToken: s.DeviceToken}); err != nil {
				t.Errorf("sign in from the setup's device: %v", err)
			}
			if _, err := f.a.CompleteSetup(ctx, r); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("second use: %v", err)
			}
		})
		t.Run("submissions of one link are throttled", func(t *testing.T) {
			_, tok := invite("Rae", "rae@example.test")
			r := setup(tok)
			r.Password = "weak"
			for range 5 {
				f.a.CompleteSetup(ctx, r)
			}
			if n := countRows(t, db, "auth_attempts", "attempt_key = $1", "setup:acct:"+f.orgA+":"+auth.HashToken(tok)); n != 5 {
				t.Errorf("%d attempts counted under the link", n)
			}
			if _, err := f.a.CompleteSetup(ctx, setup(tok)); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("sixth submission: %v", err)
			}
		})
	})
}
