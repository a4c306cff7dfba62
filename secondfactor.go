package fieldportal

import (
	"context"
	"time"
)

// A second factor (issue 21): an authenticator app's codes (TOTP, RFC
// 6238) with single-use recovery codes for when the phone is lost. After
// a right password, a login that has one, or that the organisation
// requires to have one, gets a sign-in challenge instead of a session; the
// session is made only once the challenge is passed (SPEC §2.7, §3).

// SecondFactorPolicy says whose logins must have a second factor.
type SecondFactorPolicy string

// The choices of SecondFactorPolicy ("" is SecondFactorNone).
const (
	SecondFactorNone     SecondFactorPolicy = "none"
	SecondFactorStaff    SecondFactorPolicy = "staff"
	SecondFactorContacts SecondFactorPolicy = "contacts"
	SecondFactorBoth     SecondFactorPolicy = "both"
)

// Valid reports whether p is one of the choices ("" is none).
func (p SecondFactorPolicy) Valid() bool {
	switch p {
	case "", SecondFactorNone, SecondFactorStaff, SecondFactorContacts, SecondFactorBoth:
		return true
	}
	return false
}

// Requires reports whether a login at the door must have a second factor.
func (p SecondFactorPolicy) Requires(d Door) bool {
	switch d {
	case DoorPortal:
		return p == SecondFactorContacts || p == SecondFactorBoth
	case DoorConsole:
		return p == SecondFactorStaff || p == SecondFactorBoth
	}
	return false
}

// RecoveryCodeCount is how many recovery codes a login is given at once.
const RecoveryCodeCount = 10

// ChallengeLifetime is how long a sign-in challenge waits for its code.
const ChallengeLifetime = 10 * time.Minute

// ChallengePurpose is what a sign-in challenge waits for.
type ChallengePurpose string

// The purposes of a challenge.
const (
	// ChallengeVerify waits for a code (or a recovery code).
	ChallengeVerify ChallengePurpose = "verify"
	// ChallengeSetup waits for a second factor to be set up, which the
	// organisation requires and the login does not have yet.
	ChallengeSetup ChallengePurpose = "setup"
)

// Challenge is a pending sign-in, as its pages need it.
type Challenge struct {
	Purpose   ChallengePurpose
	ExpiresAt time.Time
}

// TOTPKey is an authenticator secret being set up: the text secret to
// type and the otpauth:// URL its QR code shows.
type TOTPKey struct {
	Secret, URL string
}

// SecondFactorStatus is what a login's own security page shows.
type SecondFactorStatus struct {
	// TOTP is on (set up and confirmed).
	TOTP bool
	// RecoveryCodesLeft counts the recovery codes not yet used.
	RecoveryCodesLeft int
	// Required: the organisation requires a second factor of this login,
	// so it cannot be turned off.
	Required bool
}

// ChallengeAnswer is the second step of a sign-in: the challenge cookie
// and the code typed, with what the browser brings (see SignInRequest).
type ChallengeAnswer struct {
	OrgID string
	Door  Door
	// Token is the challenge's random token, from its cookie.
	Token string
	// Code is an authenticator code or a recovery code.
	Code                  string
	ClientAddr, UserAgent string
	OldToken, DeviceToken string
}

// ChallengeService runs the second step of a sign-in. Its methods take no
// Viewer: there is no session yet, only the challenge's token.
type ChallengeService interface {
	// FindChallenge returns the live challenge of a token at a door, or
	// ENOTFOUND (unknown, expired, used, or of another door).
	FindChallenge(ctx context.Context, orgID string, door Door, token string) (*Challenge, error)
	// AnswerChallenge checks a code (or a recovery code) and starts the
	// session: EINVALID naming "code" for a wrong one, ERATELIMIT when
	// throttled, ENOTFOUND when the challenge is gone.
	AnswerChallenge(ctx context.Context, a ChallengeAnswer) (*SignedIn, error)
	// ChallengeTOTPKey returns the secret being set up by a setup
	// challenge, making it on first use.
	ChallengeTOTPKey(ctx context.Context, orgID string, door Door, token string) (*TOTPKey, error)
	// ConfirmChallengeSetup confirms the secret of a setup challenge with
	// its first code, starts the session and returns the recovery codes,
	// shown once.
	ConfirmChallengeSetup(ctx context.Context, a ChallengeAnswer) (*SignedIn, []string, error)
}

// SecondFactorService keeps a login's own second factor, and lets staff
// remove one from a login that lost it.
type SecondFactorService interface {
	// MySecondFactor returns the viewer's own second factor.
	MySecondFactor(ctx context.Context, v Viewer) (*SecondFactorStatus, error)
	// BeginTOTP makes a new secret for the viewer to set up (replacing
	// one not yet confirmed) once currentPassword is right: EINVALID
	// naming "current_password" for a wrong or missing one, ERATELIMIT
	// when throttled (as the email change's check); EINVALID naming
	// "code" when TOTP is already on.
	BeginTOTP(ctx context.Context, v Viewer, currentPassword string) (*TOTPKey, error)
	// PendingTOTP returns the secret being set up, or ENOTFOUND.
	PendingTOTP(ctx context.Context, v Viewer) (*TOTPKey, error)
	// ConfirmTOTP turns TOTP on with the first code of the secret being
	// set up and returns the recovery codes, shown once.
	ConfirmTOTP(ctx context.Context, v Viewer, code string) ([]string, error)
	// RegenerateRecoveryCodes replaces the recovery codes; proof is a
	// code or the current password.
	RegenerateRecoveryCodes(ctx context.Context, v Viewer, proof string) ([]string, error)
	// DisableTOTP turns TOTP off; proof is a code or the current password.
	DisableTOTP(ctx context.Context, v Viewer, proof string) error
	// ContactHasSecondFactor reports whether a contact's login has one
	// (staff, for the contact's page).
	ContactHasSecondFactor(ctx context.Context, v Viewer, contactID string) (bool, error)
	// RemoveContactSecondFactor removes a contact's second factor
	// (staff): audited, mailed, and its sessions and challenges ended.
	RemoveContactSecondFactor(ctx context.Context, v Viewer, contactID string) error
	// StaffHasSecondFactor reports whether a staff user has one (admins).
	StaffHasSecondFactor(ctx context.Context, v Viewer, staffID string) (bool, error)
	// RemoveStaffSecondFactor removes a staff user's second factor
	// (admins), as RemoveContactSecondFactor does a contact's.
	RemoveStaffSecondFactor(ctx context.Context, v Viewer, staffID string) error
}
