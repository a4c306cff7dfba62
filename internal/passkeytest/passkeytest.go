// Package passkeytest is a software authenticator for tests: it answers
// the options our server sends for navigator.credentials.create and .get
// with what a platform authenticator would, an ES256 key with "none"
// attestation, user presence and verification, so that go-webauthn on
// the server checks real ceremonies. It signs; it never verifies.
package passkeytest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
)

// Authenticator flags (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagAT = 0x40
)

var b64 = base64.RawURLEncoding

// Authenticator holds one credential, made by Create.
type Authenticator struct {
	key        *ecdsa.PrivateKey
	ID         []byte // the credential id
	UserHandle []byte
	RPID       string
	// Counter is the sign count the next assertion reports (after
	// adding one); a test sets it back to show a regression.
	Counter uint32
	// NoUV leaves the user-verified flag out (an authenticator that
	// only tested presence).
	NoUV bool
}

// New returns an authenticator with a fresh key.
func New() *Authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 32)
	rand.Read(id)
	return &Authenticator{key: key, ID: id}
}

// creationOptions is what Create reads of the options.
type creationOptions struct {
	Challenge string `json:"challenge"`
	RP        struct {
		ID string `json:"id"`
	} `json:"rp"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
}

// Create answers registration options (the publicKey member, as JSON)
// at origin with the JSON the browser would post.
func (a *Authenticator) Create(options []byte, origin string) ([]byte, error) {
	var o creationOptions
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, err
	}
	uh, err := b64.DecodeString(o.User.ID)
	if err != nil {
		return nil, fmt.Errorf("user id: %w", err)
	}
	a.UserHandle, a.RPID = uh, o.RP.ID
	cose, err := webauthncbor.Marshal(webauthncose.EC2PublicKeyData{
		PublicKeyData: webauthncose.PublicKeyData{KeyType: int64(webauthncose.EllipticKey), Algorithm: int64(webauthncose.AlgES256)},
		Curve:         1, XCoord: pad32(a.key.X.Bytes()), YCoord: pad32(a.key.Y.Bytes()),
	})
	if err != nil {
		return nil, err
	}
	auth := a.authData(o.RP.ID, flagAT)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(a.ID)))
	auth = append(auth, a.ID...)
	auth = append(auth, cose...)
	att, err := webauthncbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	cd := clientData("webauthn.create", o.Challenge, origin)
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.ID), "rawId": b64.EncodeToString(a.ID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "attestationObject": b64.EncodeToString(att),
			"transports": []string{"internal"}},
		"clientExtensionResults": map[string]any{}, "authenticatorAttachment": "platform",
	})
}

// Get answers sign-in options at origin with the JSON the browser would
// post, signed by the credential for rpID (normally the options' rpId).
func (a *Authenticator) Get(options []byte, origin, rpID string) ([]byte, error) {
	var o struct {
		Challenge string `json:"challenge"`
		RPID      string `json:"rpId"`
	}
	if err := json.Unmarshal(options, &o); err != nil {
		return nil, err
	}
	if rpID == "" {
		rpID = o.RPID
	}
	a.Counter++
	auth := a.authData(rpID, 0)
	cd := clientData("webauthn.get", o.Challenge, origin)
	cdHash := sha256.Sum256(cd)
	digest := sha256.Sum256(append(append([]byte{}, auth...), cdHash[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, digest[:])
	if err != nil {
		return nil, err
	}
	return json.Marshal(map[string]any{
		"id": b64.EncodeToString(a.ID), "rawId": b64.EncodeToString(a.ID), "type": "public-key",
		"response": map[string]any{"clientDataJSON": b64.EncodeToString(cd), "authenticatorData": b64.EncodeToString(auth),
			"signature": b64.EncodeToString(sig), "userHandle": b64.EncodeToString(a.UserHandle)},
		"clientExtensionResults": map[string]any{}, "authenticatorAttachment": "platform",
	})
}

// authData is the authenticator data's fixed part: the RP id's hash, the
// flags (presence, verification unless NoUV, and extra) and the counter.
func (a *Authenticator) authData(rpID string, extra byte) []byte {
	h := sha256.Sum256([]byte(rpID))
	flags := byte(flagUP) | extra
	if !a.NoUV {
		flags |= flagUV
	}
	out := append(h[:], flags)
	return binary.BigEndian.AppendUint32(out, a.Counter)
}

func clientData(typ, challenge, origin string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": origin, "crossOrigin": false})
	return b
}

func pad32(b []byte) []byte {
	out := make([]byte, 32)
	copy(out[32-len(b):], b)
	return out
}
