package auth

import (
	"context"
	"runtime"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Each argon2id hash or check takes about 19 MiB and tens of milliseconds
// of a core. Passwords lets only a few run at once, so a burst of sign-in
// attempts queues (and, past a short wait, is told to come back) instead
// of exhausting the server's memory.

// DefaultHashWait is how long a caller waits for a free hashing slot.
const DefaultHashWait = 10 * time.Second

// ErrBusy is the answer when no hashing slot came free in time: an
// EUNAVAILABLE error, so the user is asked to try again rather than told
// the password was wrong.
var ErrBusy = fieldportal.Errorf(fieldportal.EUNAVAILABLE, "The server is busy. Please try again in a moment.")

// Passwords hashes and checks passwords with a Hasher, at most a fixed
// number at a time. It is safe for concurrent use; share one per process.
type Passwords struct {
	hasher Hasher
	slots  chan struct{}
	// wait is DefaultHashWait; tests shorten it (export_test.go).
	wait time.Duration
}

// NewPasswords returns a Passwords hashing with h, slots at a time. The
// zero Hasher means DefaultHasher; slots of 0 or less means the number of
// CPUs, at least 2.
func NewPasswords(h Hasher, slots int) *Passwords {
	if h == (Hasher{}) {
		h = DefaultHasher()
	}
	if slots <= 0 {
		slots = max(2, runtime.NumCPU())
	}
	return &Passwords{hasher: h, slots: make(chan struct{}, slots), wait: DefaultHashWait}
}

// acquire takes a hashing slot, waiting at most p.wait: ErrBusy after
// that, or the context's error when it ends first.
func (p *Passwords) acquire(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(p.wait)
	defer t.Stop()
	select {
	case p.slots <- struct{}{}:
		return func() { <-p.slots }, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Hash hashes a new password.
func (p *Passwords) Hash(ctx context.Context, password string) (string, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return p.hasher.Hash(password)
}

// Verify reports whether password matches the stored hash. An unreadable
// hash gives an error wrapping ErrMalformedHash; a full server ErrBusy.
// A needed rehash is not reported: the store's only way to set a hash
// ends the login's other sessions, so it waits for a password change.
func (p *Passwords) Verify(ctx context.Context, encoded, password string) (bool, error) {
	release, err := p.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	ok, _, err := p.hasher.Verify(encoded, password)
	return ok, err
}

// DummyVerify spends the time of a Verify for a name that matched no
// account, so timing does not tell which names exist. Its only errors are
// ErrBusy and the context's.
func (p *Passwords) DummyVerify(ctx context.Context, password string) error {
	release, err := p.acquire(ctx)
	if err != nil {
		return err
	}
	defer release()
	p.hasher.DummyVerify(password)
	return nil
}
