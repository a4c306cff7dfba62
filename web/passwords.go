package web

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Each argon2id hash or check takes about 19 MiB and tens of
// milliseconds of a core. These wrappers let only a few run at once, so a
// burst of sign-in attempts queues (and, past a short wait, is told to
// come back) instead of exhausting the server's memory.

// hashWait is how long a request waits for a free hashing slot.
const hashWait = 10 * time.Second

var errBusy = fieldportal.Errorf(fieldportal.EUNAVAILABLE, "The server is busy. Please try again in a moment.")

func (s *Server) hashSlot(ctx context.Context) (release func(), err error) {
	t := time.NewTimer(hashWait)
	defer t.Stop()
	select {
	case s.hashSlots <- struct{}{}:
		return func() { <-s.hashSlots }, nil
	case <-t.C:
		return nil, errBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hashPassword hashes a new password.
func (s *Server) hashPassword(ctx context.Context, password string) (string, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	return s.cfg.Hasher.Hash(password)
}

// verifyPassword checks a password against a stored hash.
func (s *Server) verifyPassword(ctx context.Context, encoded, password string) (bool, error) {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	ok, _, err := s.cfg.Hasher.Verify(encoded, password)
	return ok, err
}

// dummyVerify spends the time of a check for a name that matched no
// account, so timing does not tell which names exist.
func (s *Server) dummyVerify(ctx context.Context, password string) error {
	release, err := s.hashSlot(ctx)
	if err != nil {
		return err
	}
	defer release()
	s.cfg.Hasher.DummyVerify(password)
	return nil
}
