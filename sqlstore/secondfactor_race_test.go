package sqlstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Answers to sign-in challenges at the same moment (issue 21, review): a
// code or a recovery code works once however many requests bring it, and
// a challenge takes its few tries however fast they come.

// answerAll answers the challenges with the codes, all at once, and
// returns the errors in order.
func (f *accounts) answerAll(challenges []*fieldportal.SignedIn, codes []string) []error {
	errs := make([]error, len(challenges))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range challenges {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.answer(challenges[i], codes[i])
		}()
	}
	close(start)
	wg.Wait()
	return errs
}

func TestChallengeConcurrentAnswers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := mustAccounts(t, db)
		v := f.MustContactViewer(t, "parent")
		secret, recovery := f.MustTOTP(t, v)

		t.Run("one code on two challenges at once signs in once", func(t *testing.T) {
			for round := range 2 {
				f.clk.now = f.clk.now.Add(30 * time.Second)
				a, b := f.MustChallenge(t, "parent@example.test"), f.MustChallenge(t, "parent@example.test")
				c := codeAt(t, secret, f.clk.now)
				errs := f.answerAll([]*fieldportal.SignedIn{a, b}, []string{c, c})
				if n := countNil(errs); n != 1 {
					t.Errorf("round %d: %d sign-ins with one code (%v)", round, n, errs)
				}
			}
		})
		t.Run("one recovery code on two challenges at once signs in once", func(t *testing.T) {
			a, b := f.MustChallenge(t, "parent@example.test"), f.MustChallenge(t, "parent@example.test")
			errs := f.answerAll([]*fieldportal.SignedIn{a, b}, []string{recovery[0], recovery[0]})
			if n := countNil(errs); n != 1 {
				t.Errorf("%d sign-ins with one recovery code (%v)", n, errs)
			}
		})
		t.Run("two recovery codes on one challenge at once: one signs in, one is spent", func(t *testing.T) {
			for round := range 3 {
				before, err := f.a.MySecondFactor(context.Background(), v)
				if err != nil {
					t.Fatal(err)
				}
				s := f.MustChallenge(t, "parent@example.test")
				errs := f.answerAll([]*fieldportal.SignedIn{s, s}, []string{recovery[1+2*round], recovery[2+2*round]})
				if n := countNil(errs); n != 1 {
					t.Errorf("round %d: %d sign-ins with one challenge (%v)", round, n, errs)
				}
				after, err := f.a.MySecondFactor(context.Background(), v)
				if err != nil {
					t.Fatal(err)
				}
				if spent := before.RecoveryCodesLeft - after.RecoveryCodesLeft; spent != 1 {
					t.Errorf("round %d: %d recovery codes spent for one sign-in", round, spent)
				}
			}
		})
		t.Run("a challenge takes five tries, however fast they come", func(t *testing.T) {
			cv := f.MustContactViewer(t, "child")
			f.MustTOTP(t, cv)
			s := f.MustChallenge(t, "child@example.test")
			const n = 16
			challenges, codes := make([]*fieldportal.SignedIn, n), make([]string, n)
			for i := range n {
				challenges[i], codes[i] = s, "000000"
			}
			past := 0
			for _, err := range f.answerAll(challenges, codes) {
				// ENOTFOUND: the challenge had ended; anything else was
				// a try of the challenge (a wrong code, or the throttle).
				if code(err) != fieldportal.ENOTFOUND {
					past++
				}
			}
			if past > 5 {
				t.Errorf("%d of %d tries at once were taken by one challenge, want at most 5", past, n)
			}
		})
	})
}

func countNil(errs []error) int {
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
		}
	}
	return n
}

// TestChallengeDevicePassesLock: someone who has the password can lock
// the account's code step with wrong codes, but not out of a browser
// that signed in to the account before (its device token).
func TestChallengeDevicePassesLock(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		v := f.MustContactViewer(t, "parent")
		secret, _ := f.MustTOTP(t, v)
		answer := func(s *fieldportal.SignedIn, code, addr, device string) (*fieldportal.SignedIn, error) {
			return f.a.AnswerChallenge(ctx, fieldportal.ChallengeAnswer{OrgID: f.orgA, Door: fieldportal.DoorPortal,
				Token: s.Challenge, Code: code, ClientAddr: addr, DeviceToken: device})
		}
		challenge := func(addr, device string) *fieldportal.SignedIn {
			t.Helper()
			s := f.MustSignIn(t, fieldportal.SignInRequest{Name: "parent@example.test", Password: goodPassword, ClientAddr: addr, DeviceToken: device})
			if s.Challenge == "" {
				t.Fatalf("signed in %+v, want a challenge", s)
			}
			return s
		}
		// The owner signs in once from its browser.
		in, err := answer(challenge("192.0.2.1", ""), codeAt(t, secret, f.clk.now), "192.0.2.1", "")
		if err != nil || in.DeviceToken == "" {
			t.Fatalf("signed in %+v, %v", in, err)
		}
		device := in.DeviceToken
		// Someone with the password guesses codes from elsewhere until
		// the account is locked.
		locked := false
		for i := 0; i < 6 && !locked; i++ {
			s := challenge("198.51.100.9", "")
			for range 5 {
				if _, err := answer(s, "000000", "198.51.100.9", ""); code(err) == fieldportal.ERATELIMIT {
					locked = true
					break
				}
			}
		}
		if !locked {
			t.Fatal("the account's code step never locked")
		}
		// The next step's code (one step of skew): the owner's last one
		// was used, and the clock stands still so the lock holds.
		next := codeAt(t, secret, f.clk.now.Add(30*time.Second))
		t.Run("a new browser is held by the lock", func(t *testing.T) {
			if _, err := answer(challenge("203.0.113.5", ""), next, "203.0.113.5", ""); code(err) != fieldportal.ERATELIMIT {
				t.Errorf("err = %v, want rate limited", err)
			}
		})
		t.Run("the owner's browser passes it", func(t *testing.T) {
			got, err := answer(challenge("192.0.2.1", device), next, "192.0.2.1", device)
			if err != nil || got.Token == "" {
				t.Errorf("signed in %+v, %v", got, err)
			}
		})
	})
}

// TestSecondFactorAtRest: the authenticator secret is stored sealed, and
// recovery codes and challenges only as hashes.
func TestSecondFactorAtRest(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		v := f.MustContactViewer(t, "parent")
		secret, recovery := f.MustTOTP(t, v)
		s := f.MustChallenge(t, "parent@example.test")
		var stored string
		if err := db.SQL().QueryRowContext(ctx, `SELECT secret FROM totp_secrets WHERE login_id = $1`, v.LoginID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(stored, "v1:") || strings.Contains(strings.ToUpper(stored), secret) {
			t.Errorf("stored secret %q is not sealed", stored)
		}
		rows, err := db.SQL().QueryContext(ctx, `SELECT code_hash FROM recovery_codes WHERE login_id = $1
			UNION ALL SELECT token_hash FROM signin_challenges WHERE login_id = $1`, v.LoginID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := 0
		for rows.Next() {
			var h string
			if err := rows.Scan(&h); err != nil {
				t.Fatal(err)
			}
			n++
			for _, plain := range append([]string{s.Challenge}, recovery...) {
				if strings.Contains(h, plain) || strings.Contains(h, strings.ReplaceAll(plain, "-", "")) {
					t.Errorf("stored %q holds %q", h, plain)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if n != len(recovery)+1 {
			t.Errorf("%d hashes stored, want %d", n, len(recovery)+1)
		}
	})
}
