package auth_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/auth"
)

// cred stands for an account's stored password hash.
const cred = "$argon2id$v=19$m=8,t=1,p=1$c2FsdA$a2V5"

// MustDeviceToken makes a device token under cred or fails the test.
func MustDeviceToken(tb testing.TB, secret []byte, realm, org, account string) string {
	tb.Helper()
	tok, err := auth.NewDeviceToken(secret, realm, org, account, cred)
	if err != nil {
		tb.Fatalf("NewDeviceToken: %v", err)
	}
	return tok
}

func TestDeviceToken(t *testing.T) {
	secret := bytes.Repeat([]byte("k"), 32)
	tok := MustDeviceToken(t, secret, "portal", "org-1", "Ann@Example.test")
	device, ok := auth.CheckDeviceToken(secret, "portal", "org-1", "ann@example.test", cred, tok)
	if !ok || len(device) != 32 {
		t.Fatalf("own token: device %q, ok %v", device, ok)
	}

	t.Run("the account is matched as the throttle normalises it", func(t *testing.T) {
		if d, ok := auth.CheckDeviceToken(secret, "portal", "org-1", "  ANN@example.TEST ", cred, tok); !ok || d != device {
			t.Errorf("got %q, %v; want %q", d, ok, device)
		}
	})
	t.Run("two tokens name two devices", func(t *testing.T) {
		other := MustDeviceToken(t, secret, "portal", "org-1", "ann@example.test")
		d, ok := auth.CheckDeviceToken(secret, "portal", "org-1", "ann@example.test", cred, other)
		if !ok || d == device {
			t.Errorf("second token: device %q (first %q), ok %v", d, device, ok)
		}
	})
	t.Run("a token is valid only for what it binds", func(t *testing.T) {
		tampered := []byte(tok)
		tampered[len(tampered)-1] ^= 1
		forged := strings.Replace(tok, device, strings.Repeat("0", 32), 1)
		for _, tc := range []struct {
			name, realm, org, account, credential, token string
			secret                                       []byte
		}{
			{"another account", "portal", "org-1", "bob@example.test", cred, tok, secret},
			{"another organisation", "portal", "org-2", "ann@example.test", cred, tok, secret},
			{"another realm", "console", "org-1", "ann@example.test", cred, tok, secret},
			// Security review S3: the password changed since.
			{"another credential", "portal", "org-1", "ann@example.test", cred + "x", tok, secret},
			{"no credential", "portal", "org-1", "ann@example.test", "", tok, secret},
			{"another secret", "portal", "org-1", "ann@example.test", cred, tok, bytes.Repeat([]byte("j"), 32)},
			{"a changed signature", "portal", "org-1", "ann@example.test", cred, string(tampered), secret},
			{"another nonce under the same signature", "portal", "org-1", "ann@example.test", cred, forged, secret},
			{"empty", "portal", "org-1", "ann@example.test", cred, "", secret},
			{"garbage", "portal", "org-1", "ann@example.test", cred, "d2.zz.zz", secret},
			{"a short secret", "portal", "org-1", "ann@example.test", cred, tok, secret[:16]},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if d, ok := auth.CheckDeviceToken(tc.secret, tc.realm, tc.org, tc.account, tc.credential, tc.token); ok || d != "" {
					t.Errorf("accepted: device %q", d)
				}
			})
		}
	})
	t.Run("a short secret signs nothing", func(t *testing.T) {
		if _, err := auth.NewDeviceToken(secret[:31], "portal", "org-1", "ann", cred); err == nil {
			t.Error("no error")
		}
	})
	t.Run("an account without a credential gets no token", func(t *testing.T) {
		if _, err := auth.NewDeviceToken(secret, "portal", "org-1", "ann", ""); err == nil {
			t.Error("no error")
		}
	})
}
