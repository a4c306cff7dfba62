// Package auth holds the building blocks of signing in: password hashing
// and policy, single-use tokens and login throttling (SPEC §3). It knows
// nothing of users, sessions or HTTP; the callers wire it to those.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Sizes of what Hash produces. Verify accepts other sizes in stored hashes,
// within sane bounds, and asks for a rehash when they differ.
const (
	saltLen = 16
	keyLen  = 32
)

// Bounds on the parameters read from a stored hash, so that a corrupt or
// hostile value can neither panic argon2 nor make one login allocate
// gigabytes or spin for minutes.
const (
	maxMemory  = 1 << 22 // KiB, 4 GiB
	maxTime    = 64
	minSaltLen = 8
	minKeyLen  = 16
	maxKeyLen  = 128
)

// ErrMalformedHash is returned by Verify when the stored hash cannot be
// parsed. It means a corrupt database row, not a wrong password, so the
// caller should log it and answer with an internal error.
var ErrMalformedHash = errors.New("auth: malformed password hash")

// Hasher hashes passwords with argon2id. Its fields are the cost
// parameters; they live in a value rather than constants so that they can
// be raised over time (Verify reports hashes made with older parameters)
// and lowered in tests.
type Hasher struct {
	Memory  uint32 // memory in KiB
	Time    uint32 // number of passes over the memory
	Threads uint8  // degree of parallelism
}

// DefaultHasher returns the parameters recommended by OWASP for argon2id
// (19 MiB, 2 passes, 1 thread): costly enough for an attacker with a
// stolen database, cheap enough for a login on a small server.
func DefaultHasher() Hasher {
	return Hasher{Memory: 19456, Time: 2, Threads: 1}
}

// TestHasher returns the cheapest valid parameters, so that tests that
// create many users stay fast. Never use it in production.
func TestHasher() Hasher {
	return Hasher{Memory: 8, Time: 1, Threads: 1}
}

// Hash returns password hashed with a fresh random salt, as a PHC string
// ("$argon2id$v=19$m=19456,t=2,p=1$salt$key") that carries its own
// parameters, so that stored hashes stay verifiable when h changes.
func (h Hasher) Hash(password string) (string, error) {
	if err := h.validate(); err != nil {
		return "", err
	}
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.Time, h.Memory, h.Threads, keyLen)
	return encodeHash(h, salt, key), nil
}

// Verify reports whether password matches the encoded hash made by Hash.
// The parameters are read from encoded, not taken from h; needsRehash is
// true when the password matched but the hash was made with parameters
// other than h's, so the caller should store a fresh Hash while it has the
// plain password at hand. A malformed hash gives an error wrapping
// ErrMalformedHash, never a panic.
func (h Hasher) Verify(encoded, password string) (ok bool, needsRehash bool, err error) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != h || len(salt) != saltLen || len(key) != keyLen, nil
}

// DummyVerify spends the time of a Verify against a hash made by h and
// throws the result away. Login calls it when the username is unknown, so
// that the response time does not tell which usernames exist.
func (h Hasher) DummyVerify(password string) {
	if h.validate() != nil {
		return
	}
	// The key derivation is the whole cost of Verify; the comparison is
	// negligible, so the result can simply be dropped.
	_ = argon2.IDKey([]byte(password), make([]byte, saltLen), h.Time, h.Memory, h.Threads, keyLen)
}

// validate rejects parameters that argon2 would panic on or that are
// absurdly expensive.
func (h Hasher) validate() error {
	switch {
	case h.Time < 1 || h.Time > maxTime:
		return fmt.Errorf("auth: argon2 time %d out of range 1..%d", h.Time, maxTime)
	case h.Threads < 1:
		return errors.New("auth: argon2 threads must be at least 1")
	case h.Memory < 8*uint32(h.Threads) || h.Memory > maxMemory:
		return fmt.Errorf("auth: argon2 memory %d KiB out of range %d..%d", h.Memory, 8*uint32(h.Threads), maxMemory)
	}
	return nil
}

// encodeHash formats the PHC string of an argon2id hash.
func encodeHash(h Hasher, salt, key []byte) string {
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, h.Memory, h.Time, h.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodeHash parses a PHC string made by encodeHash. It is strict: the
// fields must be in encodeHash's order and form, since nothing else ever
// writes them.
func decodeHash(encoded string) (h Hasher, salt, key []byte, err error) {
	malformed := func(what string) (Hasher, []byte, []byte, error) {
		return Hasher{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return malformed("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return malformed("algorithm is not argon2id")
	}
	if parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return malformed("unsupported argon2 version")
	}
	if n, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &h.Memory, &h.Time, &h.Threads); err != nil || n != 3 ||
		parts[3] != fmt.Sprintf("m=%d,t=%d,p=%d", h.Memory, h.Time, h.Threads) {
		return malformed("bad parameter field")
	}
	if err := h.validate(); err != nil {
		return malformed(err.Error())
	}
	b64 := base64.RawStdEncoding.Strict()
	if salt, err = b64.DecodeString(parts[4]); err != nil || len(salt) < minSaltLen {
		return malformed("bad salt")
	}
	if key, err = b64.DecodeString(parts[5]); err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return malformed("bad key")
	}
	return h, salt, key, nil
}
