package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strings"
)

// Device tokens are OWASP's "device cookies": a browser that signed in to
// an account is given a token signed by the server for that account, and
// may then sign in to it while the account is locked by failures from
// elsewhere, with a lock of its own. An attacker who guesses at an account
// can then slow only themselves, not keep its owner out.
//
// A token is "d2.<nonce>.<mac>": a random nonce (hex), and an HMAC-SHA256
// under the install's secret over the realm (portal or console), the
// organisation, the account name as typed (normalised like the
// throttle's), the account's credential, and the nonce. Neither the name
// nor the credential is in the token: they are checked against the name
// typed with it and the account's credential now. The nonce names the
// device, whose own failures the caller counts.
//
// The credential is a stamp of the account's current password (its
// stored hash), so that a token dies when the password is changed or
// reset: whoever knew a password before must not keep a lock of their own
// (or as many as they collected) to go on guessing the next one with.
// A "d1" token, signed without it, is no longer valid.

// deviceVersion starts every token, so the format can change later.
const deviceVersion = "d2"

// MinDeviceSecret is the shortest secret a device token may be signed with.
const MinDeviceSecret = 32

// NewDeviceToken returns a fresh device token binding realm, orgID,
// account and the account's credential under secret.
func NewDeviceToken(secret []byte, realm, orgID, account, credential string) (string, error) {
	if len(secret) < MinDeviceSecret {
		return "", fmt.Errorf("auth: device secret of %d bytes is too short", len(secret))
	}
	if credential == "" {
		return "", fmt.Errorf("auth: a device token needs the account's credential")
	}
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("auth: reading device nonce: %w", err)
	}
	nonce := hex.EncodeToString(b)
	return deviceVersion + "." + nonce + "." + deviceMAC(secret, realm, orgID, account, credential, nonce), nil
}

// CheckDeviceToken returns the device's id (its nonce) when token was made
// by NewDeviceToken under secret for the same realm, orgID, account and
// credential; else ok is false. A token of another account, organisation
// or realm, one given before the account's password changed, a forged one
// or garbage is simply not valid; so is any token for an account without
// a credential (unknown, or not set up).
func CheckDeviceToken(secret []byte, realm, orgID, account, credential, token string) (device string, ok bool) {
	if len(secret) < MinDeviceSecret || len(token) > 200 || credential == "" {
		return "", false
	}
	version, rest, _ := strings.Cut(token, ".")
	nonce, mac, _ := strings.Cut(rest, ".")
	if version != deviceVersion || len(nonce) != 32 || strings.Trim(nonce, "0123456789abcdef") != "" {
		return "", false
	}
	want := deviceMAC(secret, realm, orgID, account, credential, nonce)
	if !hmac.Equal([]byte(mac), []byte(want)) {
		return "", false
	}
	return nonce, true
}

// deviceMAC signs the binding. Each part is written after its length, so
// no two bindings sign the same bytes, whatever a typed name holds.
func deviceMAC(secret []byte, realm, orgID, account, credential, nonce string) string {
	m := hmac.New(sha256.New, secret)
	for _, part := range []string{deviceVersion, realm, orgID, normalizeAccount(account), credential, nonce} {
		m.Write(binary.BigEndian.AppendUint32(nil, uint32(len(part))))
		m.Write([]byte(part))
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
