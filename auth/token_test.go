package auth_test

import (
	"encoding/base64"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal/auth"
)

// MustNewToken returns a fresh token and its hash or fails the test.
func MustNewToken(tb testing.TB) (plain, hash string) {
	tb.Helper()
	plain, hash, err := auth.NewToken()
	if err != nil {
		tb.Fatalf("NewToken: %v", err)
	}
	return plain, hash
}

func TestNewTokenFormat(t *testing.T) {
	plain, hash := MustNewToken(t)
	raw, err := base64.RawURLEncoding.DecodeString(plain)
	if err != nil {
		t.Fatalf("plain %q is not unpadded URL base64: %v", plain, err)
	}
	if len(raw) != 32 {
		t.Errorf("plain decodes to %d bytes, want 32", len(raw))
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(hash) {
		t.Errorf("hash %q is not lower-case hex SHA-256", hash)
	}
	if diff := cmp.Diff(auth.HashToken(plain), hash); diff != "" {
		t.Errorf("hash differs from HashToken(plain) (-want +got):\n%s", diff)
	}
}

func TestNewTokenUnique(t *testing.T) {
	const n = 1000
	plains, hashes := make(map[string]bool, n), make(map[string]bool, n)
	for range n {
		plain, hash := MustNewToken(t)
		if plains[plain] || hashes[hash] {
			t.Fatalf("token repeated after %d: %q", len(plains), plain)
		}
		plains[plain], hashes[hash] = true, true
	}
}

func TestHashToken(t *testing.T) {
	tests := []struct {
		name  string
		plain string
		want  string
	}{
		{"empty", "", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"abc", "abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 { // deterministic: the same on every call
				if diff := cmp.Diff(tt.want, auth.HashToken(tt.plain)); diff != "" {
					t.Errorf("HashToken(%q) (-want +got):\n%s", tt.plain, diff)
				}
			}
		})
	}
}
