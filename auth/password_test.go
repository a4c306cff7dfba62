package auth_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal/auth"
)

// MustHash hashes password with h or fails the test.
func MustHash(tb testing.TB, h auth.Hasher, password string) string {
	tb.Helper()
	encoded, err := h.Hash(password)
	if err != nil {
		tb.Fatalf("Hash(%q): %v", password, err)
	}
	return encoded
}

// verifyResult gathers Verify's booleans for cmp.
type verifyResult struct {
	OK, NeedsRehash bool
}

// MustVerify verifies password against encoded or fails the test.
func MustVerify(tb testing.TB, h auth.Hasher, encoded, password string) verifyResult {
	tb.Helper()
	ok, rehash, err := h.Verify(encoded, password)
	if err != nil {
		tb.Fatalf("Verify(%q, %q): %v", encoded, password, err)
	}
	return verifyResult{OK: ok, NeedsRehash: rehash}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		password string
	}{
		{"ascii", "Correct horse 1"},
		{"empty", ""},
		{"unicode", "Pässwörd-日本-🔑"},
		{"long", strings.Repeat("x", 1000)},
	}
	h := auth.TestHasher()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			encoded := MustHash(t, h, tt.password)
			got := MustVerify(t, h, encoded, tt.password)
			if diff := cmp.Diff(verifyResult{OK: true}, got); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestHashFormat(t *testing.T) {
	h := auth.DefaultHasher()
	encoded := MustHash(t, h, "Plumbing-Van-42")
	// 16-byte salt and 32-byte key in unpadded standard base64.
	format := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)
	if !format.MatchString(encoded) {
		t.Errorf("Hash = %q, want match of %s", encoded, format)
	}
	if diff := cmp.Diff(verifyResult{OK: true}, MustVerify(t, h, encoded, "Plumbing-Van-42")); diff != "" {
		t.Errorf("Verify (-want +got):\n%s", diff)
	}
}

func TestHashIsSalted(t *testing.T) {
	h := auth.TestHasher()
	a, b := MustHash(t, h, "same password"), MustHash(t, h, "same password")
	if a == b {
		t.Errorf("two hashes of one password are equal: %q", a)
	}
}

func TestHashInvalidHasher(t *testing.T) {
	tests := []struct {
		name string
		h    auth.Hasher
	}{
		{"zero", auth.Hasher{}},
		{"no time", auth.Hasher{Memory: 64, Time: 0, Threads: 1}},
		{"no threads", auth.Hasher{Memory: 64, Time: 1, Threads: 0}},
		{"memory below 8 per thread", auth.Hasher{Memory: 15, Time: 1, Threads: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.h.Hash("pw"); err == nil {
				t.Errorf("Hash with %+v: no error", tt.h)
			}
			tt.h.DummyVerify("pw") // must not panic
		})
	}
}

func TestVerifyWrongPassword(t *testing.T) {
	h := auth.TestHasher()
	encoded := MustHash(t, h, "Plumbing-Van-42")
	// The same string with its key's first character changed: well formed,
	// but made from no password.
	i := strings.LastIndex(encoded, "$") + 1
	flipped := "A"
	if encoded[i] == 'A' {
		flipped = "B"
	}
	tampered := encoded[:i] + flipped + encoded[i+1:]

	tests := []struct {
		name     string
		encoded  string
		password string
	}{
		{"other password", encoded, "Plumbing-Van-43"},
		{"other case", encoded, "plumbing-van-42"},
		{"empty", encoded, ""},
		{"prefix", encoded, "Plumbing-Van-4"},
		{"trailing space", encoded, "Plumbing-Van-42 "},
		{"tampered key", tampered, "Plumbing-Van-42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MustVerify(t, h, tt.encoded, tt.password)
			if diff := cmp.Diff(verifyResult{}, got); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyMalformedHash(t *testing.T) {
	const (
		salt = "c29tZXNhbHRzb21lc2FsdA"                      // "somesaltsomesalt"
		key  = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U" // "keykey...", 32 bytes
	)
	valid := "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$" + key
	if _, _, err := auth.TestHasher().Verify(valid, "x"); err != nil {
		t.Fatalf("the test's base hash is already malformed: %v", err)
	}

	tests := []struct {
		name    string
		encoded string
	}{
		{"empty", ""},
		{"garbage", "not a hash"},
		{"only dollars", "$$$$$"},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=8,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=8,t=1,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=8,t=1,p=1$" + salt + "$" + key},
		{"missing parameter", "$argon2id$v=19$m=8,t=1$" + salt + "$" + key},
		{"parameters out of order", "$argon2id$v=19$t=1,m=8,p=1$" + salt + "$" + key},
		{"leading zero", "$argon2id$v=19$m=08,t=1,p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-8,t=1,p=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=8,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=8,t=1,p=0$" + salt + "$" + key},
		{"threads overflow", "$argon2id$v=19$m=8,t=1,p=256$" + salt + "$" + key},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"huge time", "$argon2id$v=19$m=8,t=1000000,p=1$" + salt + "$" + key},
		{"salt not base64", "$argon2id$v=19$m=8,t=1,p=1$!!!!$" + key},
		{"salt padded", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "==$" + key},
		{"salt too short", "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$" + key},
		{"key not base64", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$k*y"},
		{"key too short", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$a2V5"},
		{"empty key", "$argon2id$v=19$m=8,t=1,p=1$" + salt + "$"},
		{"extra field", valid + "$extra"},
		{"truncated", valid[:len(valid)-len(key)-1]},
	}
	h := auth.TestHasher()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := h.Verify(tt.encoded, "x")
			if !errors.Is(err, auth.ErrMalformedHash) {
				t.Errorf("Verify(%q) error = %v, want ErrMalformedHash", tt.encoded, err)
			}
			if ok || rehash {
				t.Errorf("Verify(%q) = %v, %v, want false, false", tt.encoded, ok, rehash)
			}
		})
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	old := auth.Hasher{Memory: 16, Time: 1, Threads: 1}
	encoded := MustHash(t, old, "Plumbing-Van-42")

	tests := []struct {
		name     string
		current  auth.Hasher
		password string
		want     verifyResult
	}{
		{"same parameters", old, "Plumbing-Van-42", verifyResult{OK: true}},
		{"more memory", auth.Hasher{Memory: 32, Time: 1, Threads: 1}, "Plumbing-Van-42", verifyResult{OK: true, NeedsRehash: true}},
		{"more time", auth.Hasher{Memory: 16, Time: 2, Threads: 1}, "Plumbing-Van-42", verifyResult{OK: true, NeedsRehash: true}},
		{"more threads", auth.Hasher{Memory: 16, Time: 1, Threads: 2}, "Plumbing-Van-42", verifyResult{OK: true, NeedsRehash: true}},
		{"less memory", auth.Hasher{Memory: 8, Time: 1, Threads: 1}, "Plumbing-Van-42", verifyResult{OK: true, NeedsRehash: true}},
		{"wrong password is never a rehash", auth.Hasher{Memory: 32, Time: 1, Threads: 1}, "wrong", verifyResult{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MustVerify(t, tt.current, encoded, tt.password)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verify (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDummyVerify(t *testing.T) {
	// Timing is not asserted (it would be flaky); this only shows that it
	// runs for valid parameters without panicking.
	auth.TestHasher().DummyVerify("whatever")
	auth.DefaultHasher().DummyVerify("")
}
