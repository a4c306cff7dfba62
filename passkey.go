package fieldportal

import (
	"context"
	"time"
)

// Passkeys (issue 21): WebAuthn credentials that sign a contact or a
// staff user in without a password. Registration asks for a discoverable
// credential with user verification, so a passkey is possession plus the
// device's PIN or biometric: it replaces the password and the second
// factor together, and a passkey sign-in starts the session directly.

// Passkey is one registered credential, as its owner sees it in
// Preferences or My account. The key material stays in the store.
type Passkey struct {
	ID string
	// Name is the owner's name for it ("Work laptop").
	Name       string
	CreatedAt  time.Time
	LastUsedAt time.Time // zero when never used to sign in
	// AAGUID names the authenticator's model when it says (all zeros
	// for most passkey providers); BackedUp says it is synced.
	AAGUID   string
	BackedUp bool
}

// MaxPasskeyName is the longest name a passkey may have, in characters.
const MaxPasskeyName = 60

// PasskeyCeremonyLifetime is how long a browser has to answer a
// registration or sign-in ceremony before its data is refused.
const PasskeyCeremonyLifetime = 5 * time.Minute

// PasskeyCeremony is a started WebAuthn ceremony: Options go to the
// browser's navigator.credentials call (the publicKey member, as JSON);
// Token is the random handle the browser keeps in an HttpOnly cookie and
// brings back. The ceremony's data is kept server-side under its hash.
type PasskeyCeremony struct {
	Token     string
	Options   []byte
	ExpiresAt time.Time
}

// PasskeyRegistration is the answer of a registration ceremony: the
// browser's credential (its JSON) and the name the owner gave it.
type PasskeyRegistration struct {
	Ceremony string
	Name     string
	Response []byte
}

// PasskeyOwner is who a verified assertion belongs to: a portal login or
// a staff user, and the passkey used.
type PasskeyOwner struct {
	LoginID, StaffID string
	PasskeyID        string
}

// PasskeyAssertion is the answer of a sign-in ceremony at a door of an
// organisation. For names a login or staff user the assertion must be
// theirs (the code page of a pending sign-in asks for a known login's
// passkey); empty, any passkey of the organisation at the door may answer
// (the usernameless sign-in).
type PasskeyAssertion struct {
	OrgID    string
	Door     Door
	Ceremony string
	Response []byte
	For      PasskeyOwner
}

// PasskeySignInRequest is a passkey sign-in: the assertion and what the
// browser brings, as for a password sign-in.
type PasskeySignInRequest struct {
	PasskeyAssertion
	ClientAddr, UserAgent string
	// OldToken is the browser's session token, ended on success.
	OldToken string
}

// PasskeyRegistrationStart is what starting to add a passkey needs: the
// current password (a stolen session alone must not add a way in that
// outlives a password reset) and the client's address, for the
// throttle of password guesses.
type PasskeyRegistrationStart struct {
	CurrentPassword, ClientAddr string
}

// PasskeyService registers, names and removes the viewer's own passkeys
// and signs in with them.
type PasskeyService interface {
	// FindMyPasskeys lists the viewer's own passkeys, oldest first.
	FindMyPasskeys(ctx context.Context, v Viewer) ([]*Passkey, error)
	// BeginPasskeyRegistration starts adding a passkey for the viewer,
	// once its current password is right (throttled as the password
	// change's guesses); any refusal is EINVALID or ERATELIMIT naming
	// the field "passkey_password", and starts no ceremony.
	BeginPasskeyRegistration(ctx context.Context, v Viewer, r PasskeyRegistrationStart) (*PasskeyCeremony, error)
	// FinishPasskeyRegistration checks the browser's answer and stores
	// the passkey, audited and mailed to the viewer; EINVALID names the
	// field "name" for any refusal.
	FinishPasskeyRegistration(ctx context.Context, v Viewer, r PasskeyRegistration) (*Passkey, error)
	// RenamePasskey renames one of the viewer's passkeys (ENOTFOUND for
	// anyone else's).
	RenamePasskey(ctx context.Context, v Viewer, id, name string) error
	// RemovePasskey removes one of the viewer's passkeys, audited and
	// mailed to the viewer.
	RemovePasskey(ctx context.Context, v Viewer, id string) error
	// BeginPasskeySignIn starts a sign-in ceremony at a door; for, when
	// not empty, binds it to that login or staff user.
	BeginPasskeySignIn(ctx context.Context, orgID string, door Door, forOwner PasskeyOwner) (*PasskeyCeremony, error)
	// VerifyPasskey checks an assertion (the ceremony is spent either
	// way) and says whose passkey answered; it starts no session.
	// EUNAUTHORIZED for any refusal, one answer, including a login that
	// may not sign in; EFORBIDDEN when the site is reached by an IP
	// address (no relying party: the browser could begin no ceremony).
	VerifyPasskey(ctx context.Context, a PasskeyAssertion) (PasskeyOwner, error)
	// PasskeySignIn verifies an assertion and starts the session:
	// EUNAUTHORIZED for any refusal, ERATELIMIT when the address failed
	// too often.
	PasskeySignIn(ctx context.Context, r PasskeySignInRequest) (*SignedIn, error)
}
