package auth_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// MustPasswordsHash hashes password through p or fails the test.
func MustPasswordsHash(tb testing.TB, p *auth.Passwords, password string) string {
	tb.Helper()
	encoded, err := p.Hash(context.Background(), password)
	if err != nil {
		tb.Fatalf("Hash(%q): %v", password, err)
	}
	return encoded
}

func TestPasswords(t *testing.T) {
	ctx := context.Background()
	p := auth.NewPasswords(auth.TestHasher(), 1)
	encoded := MustPasswordsHash(t, p, "Right-pass-1")

	t.Run("verify accepts the password and refuses another", func(t *testing.T) {
		for _, tc := range []struct {
			password string
			want     bool
		}{{"Right-pass-1", true}, {"wrong-pass-1", false}, {"", false}} {
			got, err := p.Verify(ctx, encoded, tc.password)
			if err != nil || got != tc.want {
				t.Errorf("Verify(%q) = %v, %v; want %v", tc.password, got, err, tc.want)
			}
		}
	})
	t.Run("a malformed hash is an error, not a wrong password", func(t *testing.T) {
		ok, err := p.Verify(ctx, "$argon2id$garbage", "x")
		if ok || !errors.Is(err, auth.ErrMalformedHash) {
			t.Errorf("Verify = %v, %v; want ErrMalformedHash", ok, err)
		}
	})
	t.Run("dummy verify succeeds", func(t *testing.T) {
		if err := p.DummyVerify(ctx, "anything"); err != nil {
			t.Errorf("DummyVerify: %v", err)
		}
	})
	t.Run("the zero hasher means the default one", func(t *testing.T) {
		d := auth.NewPasswords(auth.Hasher{}, 0)
		want := auth.DefaultHasher()
		got := MustPasswordsHash(t, d, "x")
		if _, rehash, err := want.Verify(got, "x"); err != nil || rehash {
			t.Errorf("hash %q is not the default hasher's (rehash %v, err %v)", got, rehash, err)
		}
	})
}

func TestPasswordsBusy(t *testing.T) {
	ctx := context.Background()
	p := auth.NewPasswords(auth.TestHasher(), 1)
	auth.SetHashWait(p, 20*time.Millisecond)
	encoded := MustPasswordsHash(t, p, "pw")

	t.Run("a full server answers busy after the wait", func(t *testing.T) {
		release := auth.HoldSlot(p)
		defer release()
		start := time.Now()
		_, herr := p.Hash(ctx, "x")
		_, verr := p.Verify(ctx, encoded, "pw")
		derr := p.DummyVerify(ctx, "x")
		for name, err := range map[string]error{"Hash": herr, "Verify": verr, "DummyVerify": derr} {
			if err != auth.ErrBusy || fieldportal.ErrorCode(err) != fieldportal.EUNAVAILABLE {
				t.Errorf("%s: err = %v, want ErrBusy (unavailable)", name, err)
			}
		}
		if waited := time.Since(start); waited < 3*20*time.Millisecond {
			t.Errorf("gave up after %v, before the wait", waited)
		}
	})
	t.Run("a released slot serves the next caller", func(t *testing.T) {
		release := auth.HoldSlot(p)
		done := make(chan error, 1)
		go func() {
			ok, err := p.Verify(ctx, encoded, "pw")
			if err == nil && !ok {
				err = errors.New("the right password did not verify")
			}
			done <- err
		}()
		release()
		if err := <-done; err != nil {
			t.Errorf("Verify after the slot came free: %v", err)
		}
	})
	t.Run("a cancelled wait returns the context's error", func(t *testing.T) {
		q := auth.NewPasswords(auth.TestHasher(), 1)
		auth.SetHashWait(q, time.Hour)
		release := auth.HoldSlot(q)
		defer release()
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if err := q.DummyVerify(cctx, "x"); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want context.Canceled", err)
		}
	})
}
