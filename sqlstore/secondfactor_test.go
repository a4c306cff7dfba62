package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Second factors (issue 21): authenticator codes on a fixed clock,
// recovery codes, the sign-in challenge, the policy, and staff removal.

// codeAt is an authenticator's code of secret at t, as an app computes it.
func codeAt(tb testing.TB, secret string, t time.Time) string {
	tb.Helper()
	c, err := totp.GenerateCodeCustom(secret, t, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// MustContactViewer signs a fixture contact (without a second factor) in
// and returns its viewer.
func (f *accounts) MustContactViewer(tb testing.TB, contact string) fieldportal.Viewer {
	tb.Helper()
	f.MustPassword(tb, contact, goodPassword)
	s := f.MustSignIn(tb, fieldportal.SignInRequest{Name: contact + "@example.test", Password: goodPassword})
	v, err := f.a.ContactSession(context.Background(), f.orgA, s.Token)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// MustTOTP turns authenticator codes on for v and returns the secret and
// the recovery codes; the clock then moves a step on, so that the next
// code is a fresh one.
func (f *accounts) MustTOTP(tb testing.TB, v fieldportal.Viewer) (string, []string) {
	tb.Helper()
	ctx := context.Background()
	k, err := f.a.BeginTOTP(ctx, v, goodPassword)
	if err != nil {
		tb.Fatal(err)
	}
	codes, err := f.a.ConfirmTOTP(ctx, v, codeAt(tb, k.Secret, f.clk.now))
	if err != nil {
		tb.Fatal(err)
	}
	f.clk.now = f.clk.now.Add(30 * time.Second)
	return k.Secret, codes
}

// MustChallenge signs in with the password and returns the challenge.
func (f *accounts) MustChallenge(tb testing.TB, name string) *fieldportal.SignedIn {
	tb.Helper()
	s := f.MustSignIn(tb, fieldportal.SignInRequest{Name: name, Password: goodPassword, ClientAddr: "192.0.2.1"})
	if s.Challenge == "" || s.Token != "" {
		tb.Fatalf("signed in %+v, want a challenge and no session", s)
	}
	return s
}

// answer answers a portal challenge.
func (f *accounts) answer(s *fieldportal.SignedIn, code string) (*fieldportal.SignedIn, error) {
	return f.a.AnswerChallenge(context.Background(), fieldportal.ChallengeAnswer{OrgID: f.orgA, Door: fieldportal.DoorPortal,
		Token: s.Challenge, Code: code, ClientAddr: "192.0.2.1"})
}

// mustPolicy sets organisation A's second-factor policy.
func (f *accounts) mustPolicy(tb testing.TB, p fieldportal.SecondFactorPolicy) {
	tb.Helper()
	ctx := context.Background()
	st, err := f.db.FindSettings(ctx, f.orgA)
	if err != nil {
		tb.Fatal(err)
	}
	st.SecondFactor = p
	if err := f.db.UpdateSettings(ctx, f.admin, st); err != nil {
		tb.Fatal(err)
	}
}

func TestSecondFactorSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		v := f.MustContactViewer(t, "parent")
		secret, recovery := f.MustTOTP(t, v)

		t.Run("the password alone makes a challenge, not a session", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			if s.Next != "/login/code" || s.DeviceToken != "" {
				t.Errorf("signed in %+v", s)
			}
			if _, err := f.a.ContactSession(ctx, f.orgA, s.Challenge); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("the challenge as a session: %v", err)
			}
		})
		t.Run("a right code starts the session, once", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			c := codeAt(t, secret, f.clk.now)
			in, err := f.answer(s, c)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := f.a.ContactSession(ctx, f.orgA, in.Token); err != nil || got.LoginID != v.LoginID || in.DeviceToken == "" {
				t.Errorf("session %+v, %v; signed in %+v", got, err, in)
			}
			if got := f.audits(t, "signin.succeeded"); len(got) < 2 {
				t.Errorf("sign-in entries: %d", len(got))
			}
			t.Run("the same code is refused again", func(t *testing.T) {
				again := f.MustChallenge(t, "parent@example.test")
				_, err := f.answer(again, c)
				if diff := cmp.Diff([]string{"code"}, fieldsOf(err)); diff != "" {
					t.Errorf("err = %v (-want +got):\n%s", err, diff)
				}
			})
			t.Run("the used challenge is gone", func(t *testing.T) {
				f.clk.now = f.clk.now.Add(30 * time.Second)
				if _, err := f.answer(s, codeAt(t, secret, f.clk.now)); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("err = %v", err)
				}
			})
		})
		t.Run("one step of skew either way, no more", func(t *testing.T) {
			f.clk.now = f.clk.now.Add(5 * time.Minute)
			for _, tc := range []struct {
				name string
				at   time.Duration
				ok   bool
			}{
				{"two steps behind", -60 * time.Second, false},
				{"one step behind", -30 * time.Second, true},
				{"one step ahead", 30 * time.Second, true},
				{"two steps ahead", 90 * time.Second, false},
			} {
				t.Run(tc.name, func(t *testing.T) {
					f.clk.now = f.clk.now.Add(2 * time.Minute) // past every code used before
					s := f.MustChallenge(t, "parent@example.test")
					_, err := f.answer(s, codeAt(t, secret, f.clk.now.Add(tc.at)))
					if (err == nil) != tc.ok {
						t.Errorf("err = %v, want ok %v", err, tc.ok)
					}
				})
			}
		})
		t.Run("a code older than the last accepted is refused", func(t *testing.T) {
			f.clk.now = f.clk.now.Add(2 * time.Minute)
			s := f.MustChallenge(t, "parent@example.test")
			if _, err := f.answer(s, codeAt(t, secret, f.clk.now.Add(30*time.Second))); err != nil {
				t.Fatal(err)
			}
			s = f.MustChallenge(t, "parent@example.test")
			if _, err := f.answer(s, codeAt(t, secret, f.clk.now)); code(err) != fieldportal.EINVALID {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("a recovery code works once, in any case and spacing", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			if _, err := f.answer(s, " "+strings.ToUpper(strings.ReplaceAll(recovery[0], "-", " "))+" "); err != nil {
				t.Fatal(err)
			}
			s = f.MustChallenge(t, "parent@example.test")
			if _, err := f.answer(s, recovery[0]); code(err) != fieldportal.EINVALID {
				t.Errorf("err = %v", err)
			}
			st, err := f.a.MySecondFactor(ctx, v)
			if err != nil || !st.TOTP || st.RecoveryCodesLeft != 9 {
				t.Errorf("status %+v, %v", st, err)
			}
		})
		t.Run("another login's recovery code is refused", func(t *testing.T) {
			other := f.MustContactViewer(t, "child")
			_, theirs := f.MustTOTP(t, other)
			s := f.MustChallenge(t, "parent@example.test")
			if _, err := f.answer(s, theirs[0]); code(err) != fieldportal.EINVALID {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("the challenge expires after ten minutes", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			f.clk.now = f.clk.now.Add(fieldportal.ChallengeLifetime + time.Second)
			if _, err := f.answer(s, codeAt(t, secret, f.clk.now)); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("the challenge is not found at another organisation or door", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			for _, tc := range []struct {
				org  string
				door fieldportal.Door
			}{{f.orgB, fieldportal.DoorPortal}, {f.orgA, fieldportal.DoorConsole}} {
				if _, err := f.a.FindChallenge(ctx, tc.org, tc.door, s.Challenge); code(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s at %s: %v", tc.org, tc.door, err)
				}
			}
			if c, err := f.a.FindChallenge(ctx, f.orgA, fieldportal.DoorPortal, s.Challenge); err != nil || c.Purpose != fieldportal.ChallengeVerify {
				t.Errorf("own door: %+v, %v", c, err)
			}
		})
	})
}

// TestSecondFactorSetUpNeedsPassword: setting up an authenticator app
// from one's own security page asks for the current password (review
// finding: a stolen session alone could add a factor the owner does not
// have and lock the owner out), its guesses counted with the email
// change's and the password change's.
func TestSecondFactorSetUpNeedsPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := mustAccounts(t, db)
		ctx := context.Background()
		child := f.MustContactViewer(t, "child")
		from := func(i int) context.Context {
			return fieldportal.WithRequestInfo(ctx, fieldportal.RequestInfo{Addr: fmt.Sprintf("198.51.100.%d", i), Door: fieldportal.DoorPortal})
		}
		nothingStarted := func(t *testing.T) {
			t.Helper()
			if _, err := f.a.PendingTOTP(ctx, child); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("a set-up was started: %v", err)
			}
		}

		for i, tc := range []struct{ name, current, message string }{
			{"without the password", "", "Enter your current password."},
			{"with a wrong password", "Wrong-pass-1", "Current password is not right."},
		} {
			t.Run(tc.name+" is refused naming the field", func(t *testing.T) {
				k, err := f.a.BeginTOTP(from(i), child, tc.current)
				if diff := cmp.Diff([]string{"current_password"}, fieldsOf(err)); code(err) != fieldportal.EINVALID || diff != "" || k != nil {
					t.Errorf("%+v, %v; fields (-want +got):\n%s", k, err, diff)
				}
				if got := messageOf(err, "current_password"); got != tc.message {
					t.Errorf("message %q, want %q", got, tc.message)
				}
				nothingStarted(t)
			})
		}
		t.Run("wrong guesses are throttled with the email change's", func(t *testing.T) {
			// One wrong guess above (a missing password is none); four
			// more reach the five free ones.
			for i := range 4 {
				if _, err := f.a.BeginTOTP(from(10+i), child, "Wrong-pass-1"); code(err) != fieldportal.EINVALID {
					t.Fatalf("guess %d: %v", i, err)
				}
			}
			if _, err := f.a.BeginTOTP(from(20), child, goodPassword); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("the right password after five wrong guesses: %v, want rate limited", err)
			}
			err := f.a.RequestEmailChange(ctx, child, fieldportal.EmailChangeRequest{Email: "child.new@example.test",
				CurrentPassword: goodPassword, ClientAddr: "198.51.100.21"})
			if code(err) != fieldportal.ERATELIMIT {
				t.Errorf("the email change after them: %v, want rate limited", err)
			}
			if n := countRows(t, db, "auth_attempts", "attempt_key = $1", "password:acct:"+child.LoginID); n != 5 {
				t.Errorf("%d failures counted against the login", n)
			}
			nothingStarted(t)
		})
		t.Run("the right password starts the set-up", func(t *testing.T) {
			parent := f.MustContactViewer(t, "parent")
			k, err := f.a.BeginTOTP(from(30), parent, goodPassword)
			if err != nil {
				t.Fatal(err)
			}
			pending, err := f.a.PendingTOTP(ctx, parent)
			if err != nil || pending.Secret != k.Secret {
				t.Errorf("pending %+v, %v; want the secret begun", pending, err)
			}
		})
	})
}

func TestSecondFactorThrottle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := mustAccounts(t, db)
		v := f.MustContactViewer(t, "parent")
		secret, _ := f.MustTOTP(t, v)
		s := f.MustChallenge(t, "parent@example.test")

		t.Run("a challenge takes five wrong codes, then ends", func(t *testing.T) {
			for i := range 5 {
				if _, err := f.answer(s, "000000"); code(err) != fieldportal.EINVALID {
					t.Fatalf("try %d: %v", i, err)
				}
			}
			if _, err := f.answer(s, codeAt(t, secret, f.clk.now)); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("after five: %v", err)
			}
		})
		t.Run("the account's guesses are throttled across challenges", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			if _, err := f.answer(s, codeAt(t, secret, f.clk.now)); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("the sixth guess: %v", err)
			}
		})
		t.Run("a right code on the fifth try still signs in", func(t *testing.T) {
			// Another account: the clock moves on with its set-up.
			cv := f.MustContactViewer(t, "child")
			cs, _ := f.MustTOTP(t, cv)
			s := f.MustChallenge(t, "child@example.test")
			for i := range 4 {
				if _, err := f.answer(s, "000000"); code(err) != fieldportal.EINVALID {
					t.Fatalf("try %d: %v", i, err)
				}
			}
			if in, err := f.answer(s, codeAt(t, cs, f.clk.now)); err != nil || in.Token == "" {
				t.Errorf("the fifth try: %+v, %v", in, err)
			}
		})
	})
}

func TestSecondFactorPolicy(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.mustPolicy(t, fieldportal.SecondFactorContacts)

		t.Run("a contact without one is led to set it up, then signed in", func(t *testing.T) {
			l := f.MustLogin(t, "solo")
			if err := db.SetLoginPassword(ctx, f.orgA, l.ID, MustHash(t, goodPassword), true); err != nil {
				t.Fatal(err)
			}
			s := f.MustChallenge(t, "solo@example.test")
			if s.Next != "/login/factor-setup" {
				t.Fatalf("Next = %q", s.Next)
			}
			if _, err := f.answer(s, "123456"); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("a setup challenge answered as a code: %v", err)
			}
			k, err := f.a.ChallengeTOTPKey(ctx, f.orgA, fieldportal.DoorPortal, s.Challenge)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := f.a.ChallengeTOTPKey(ctx, f.orgA, fieldportal.DoorPortal, s.Challenge); err != nil || again.Secret != k.Secret {
				t.Errorf("the key again: %+v, %v", again, err)
			}
			if !strings.HasPrefix(k.URL, "otpauth://totp/") || !strings.Contains(k.URL, "issuer=") {
				t.Errorf("URL %q", k.URL)
			}
			r := fieldportal.ChallengeAnswer{OrgID: f.orgA, Door: fieldportal.DoorPortal, Token: s.Challenge, Code: "000000"}
			if _, _, err := f.a.ConfirmChallengeSetup(ctx, r); code(err) != fieldportal.EINVALID || fieldOf(err) != "code" {
				t.Errorf("a wrong first code: %v", err)
			}
			r.Code = codeAt(t, k.Secret, f.clk.now)
			in, codes, err := f.a.ConfirmChallengeSetup(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			// The factor first, then the forced password change: the
			// change needs a session, and a session needs the factor.
			if len(codes) != fieldportal.RecoveryCodeCount || in.Token == "" || in.Next != "/password" {
				t.Errorf("signed in %+v with %d codes", in, len(codes))
			}
			if _, _, err := f.a.ConfirmChallengeSetup(ctx, r); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("the setup again: %v", err)
			}
		})
		t.Run("staff are not led under a contacts-only policy", func(t *testing.T) {
			s, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: goodPassword})
			if err != nil || s.Token == "" || s.Challenge != "" {
				t.Errorf("signed in %+v, %v", s, err)
			}
		})
		t.Run("staff are led under both", func(t *testing.T) {
			f.mustPolicy(t, fieldportal.SecondFactorBoth)
			s, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: goodPassword})
			if err != nil || s.Token != "" || s.Next != "/console/login/factor-setup" {
				t.Errorf("signed in %+v, %v", s, err)
			}
		})
		t.Run("a required factor cannot be turned off", func(t *testing.T) {
			f.mustPolicy(t, fieldportal.SecondFactorNone)
			v := f.MustContactViewer(t, "child")
			f.MustTOTP(t, v)
			f.mustPolicy(t, fieldportal.SecondFactorContacts)
			if err := f.a.DisableTOTP(ctx, v, goodPassword); code(err) != fieldportal.EINVALID || fieldOf(err) != "proof" {
				t.Errorf("err = %v", err)
			}
			if st, err := f.a.MySecondFactor(ctx, v); err != nil || !st.Required || !st.TOTP {
				t.Errorf("status %+v, %v", st, err)
			}
		})
	})
}

func TestSecondFactorKeptAndEnded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		v := f.MustContactViewer(t, "parent")
		secret, _ := f.MustTOTP(t, v)

		t.Run("turning on is audited and mailed", func(t *testing.T) {
			if got := f.audits(t, "second_factor.added"); len(got) != 1 || got[0].EntityID != v.LoginID {
				t.Errorf("entries %+v", got)
			}
			if m := f.mails(t)[0]; m.Topic != "second_factor_on" || m.Recipient != "parent@example.test" {
				t.Errorf("mail %s to %s", m.Topic, m.Recipient)
			}
		})
		t.Run("a reset keeps the factor and voids the challenge", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			if err := f.a.RequestPasswordReset(ctx, f.orgA, "parent@example.test", "192.0.2.8"); err != nil {
				t.Fatal(err)
			}
			tok := linkIn(t, f.mails(t)[0], "reset")
			if err := f.a.CompleteReset(ctx, f.orgA, tok, fieldportal.PasswordChange{Password: "Other-pass-2", Confirm: "Other-pass-2"}); err != nil {
				t.Fatal(err)
			}
			if _, err := f.answer(s, codeAt(t, secret, f.clk.now)); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("the old challenge: %v", err)
			}
			in, err := f.a.SignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "parent@example.test", Password: "Other-pass-2"})
			if err != nil || in.Challenge == "" || in.Token != "" {
				t.Errorf("after the reset: %+v, %v", in, err)
			}
			f.MustPassword(t, "parent", goodPassword)
		})
		t.Run("regenerating needs a code or the password", func(t *testing.T) {
			if _, err := f.a.RegenerateRecoveryCodes(ctx, v, "Wrong-pass-9"); code(err) != fieldportal.EINVALID || fieldOf(err) != "proof" {
				t.Errorf("wrong proof: %v", err)
			}
			codes, err := f.a.RegenerateRecoveryCodes(ctx, v, codeAt(t, secret, f.clk.now))
			if err != nil || len(codes) != fieldportal.RecoveryCodeCount {
				t.Fatalf("%d codes, %v", len(codes), err)
			}
			if got := f.audits(t, "second_factor.recovery_codes"); len(got) != 1 {
				t.Errorf("entries: %d", len(got))
			}
		})
		t.Run("turning off voids challenges, is audited and mailed", func(t *testing.T) {
			s := f.MustChallenge(t, "parent@example.test")
			if err := f.a.DisableTOTP(ctx, v, ""); fieldOf(err) != "proof" {
				t.Errorf("no proof: %v", err)
			}
			if err := f.a.DisableTOTP(ctx, v, goodPassword); err != nil {
				t.Fatal(err)
			}
			f.clk.now = f.clk.now.Add(time.Minute)
			if _, err := f.answer(s, codeAt(t, secret, f.clk.now)); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("the challenge: %v", err)
			}
			if got := f.audits(t, "second_factor.removed"); len(got) != 1 {
				t.Errorf("entries: %d", len(got))
			}
			if m := f.mails(t)[0]; m.Topic != "second_factor_off" {
				t.Errorf("mail %s", m.Topic)
			}
			if in := f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: goodPassword}); in.Token == "" {
				t.Errorf("the password alone: %+v", in)
			}
		})
		t.Run("staff remove a contact's factor: audited, mailed, sessions and challenges ended", func(t *testing.T) {
			v := f.MustContactViewer(t, "child")
			f.MustTOTP(t, v)
			s := f.MustChallenge(t, "child@example.test")
			if on, err := f.a.ContactHasSecondFactor(ctx, f.staff, v.ContactID); err != nil || !on {
				t.Errorf("has: %v, %v", on, err)
			}
			if err := f.a.RemoveContactSecondFactor(ctx, f.staff, v.ContactID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.ContactSession(ctx, f.orgA, s.Challenge); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("session: %v", err)
			}
			if _, err := f.a.FindChallenge(ctx, f.orgA, fieldportal.DoorPortal, s.Challenge); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("challenge: %v", err)
			}
			if n := countRows(t, db, "sessions", "login_id = $1", v.LoginID); n != 0 {
				t.Errorf("%d sessions left", n)
			}
			if got := f.audits(t, "second_factor.removed_by_staff"); len(got) != 1 || got[0].ActorID != f.staff.StaffID {
				t.Errorf("entries %+v", got)
			}
			if m := f.mails(t)[0]; m.Topic != "second_factor_removed" || m.Recipient != "child@example.test" {
				t.Errorf("mail %s to %s", m.Topic, m.Recipient)
			}
			if err := f.a.RemoveContactSecondFactor(ctx, f.staff, v.ContactID); code(err) != fieldportal.EINVALID {
				t.Errorf("again: %v", err)
			}
		})
		t.Run("an admin removes a staff user's factor; a staff user may not", func(t *testing.T) {
			f.MustTOTP(t, f.staff)
			s, err := f.a.StaffSignIn(ctx, fieldportal.SignInRequest{OrgID: f.orgA, Name: "desk@op.test", Password: goodPassword})
			if err != nil || s.Next != "/console/login/code" {
				t.Fatalf("staff sign-in %+v, %v", s, err)
			}
			if err := f.a.RemoveStaffSecondFactor(ctx, f.staff, f.staff.StaffID); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("staff: %v", err)
			}
			if err := f.a.RemoveStaffSecondFactor(ctx, f.admin, f.staff.StaffID); err != nil {
				t.Fatal(err)
			}
			if _, err := f.a.FindChallenge(ctx, f.orgA, fieldportal.DoorConsole, s.Challenge); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("challenge: %v", err)
			}
			if m := f.mails(t)[0]; m.Topic != "second_factor_removed" || m.Recipient != "desk@op.test" {
				t.Errorf("mail %s to %s", m.Topic, m.Recipient)
			}
		})
	})
}

func TestSecondFactorInvitation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		f.mustPolicy(t, fieldportal.SecondFactorContacts)
		c := &fieldportal.Contact{CustomerID: f.cust["Child2"].ID, FirstName: "Kim", Email: "kim@example.test"}
		if err := db.CreateContact(ctx, f.sys, c); err != nil {
			t.Fatal(err)
		}
		if _, err := f.a.GrantPortalAccess(ctx, f.staff, c.ID, fieldportal.AccessGrant{Username: "kim@example.test",
			Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
			t.Fatal(err)
		}
		tok := linkIn(t, f.mails(t)[0], "setup")

		t.Run("a completed invitation leads to the set-up, not a session", func(t *testing.T) {
			s, err := f.a.CompleteSetup(ctx, fieldportal.SetupRequest{OrgID: f.orgA, Token: tok, FirstName: "Kim", Username: "kimp",
				Password: "Setup-pass-1", Confirm: "Setup-pass-1", ClientAddr: "192.0.2.1"})
			if err != nil || s.Token != "" || s.Challenge == "" || s.Next != "/login/factor-setup" {
				t.Errorf("signed in %+v, %v", s, err)
			}
		})
	})
}
