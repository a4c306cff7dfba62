package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
)

// tokenBytes is the entropy of a token: 256 bits, beyond guessing.
const tokenBytes = 32

// NewToken returns a fresh random token for a single-use link or a
// session: plain goes to the user (in a link or a cookie) and is never
// stored; hash, from HashToken, is what the database keeps, so that a
// leaked table gives no usable links or sessions.
func NewToken() (plain string, hash string, err error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: reading random token: %w", err)
	}
	plain = base64.RawURLEncoding.EncodeToString(b)
	return plain, HashToken(plain), nil
}

// HashToken returns the hex SHA-256 of a plain token, the form it is
// stored and looked up in. A fast unsalted hash is enough here, unlike
// for passwords, because the token is 256 random bits.
func HashToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}
