package sqlstore

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// Authenticator codes and recovery codes (issue 21): the secret, sealed
// at rest as payment keys are, the codes checked with one step of skew,
// each step's code accepted once, and recovery codes kept only as hashes.

// totpPeriod is the length of a code's step, in seconds (RFC 6238's 30).
const totpPeriod = 30

// totpOpts are the code's parameters, those every authenticator app reads.
var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// factorOwner is the login or staff user a second factor belongs to.
type factorOwner struct {
	orgID string
	// loginID or staffID is set, never both.
	loginID, staffID string
	// account is the name an authenticator app shows (username or email).
	account string
	// passwordHash proves the current password where a code is not given.
	passwordHash string
	// mustChange: the password was set by someone else (SPEC §3).
	mustChange bool
	// contactID and name are for the audit log and mail; email gets mail.
	contactID, name, greeting, email string
}

// col is the column of the owner's id in the second-factor tables; a
// constant, never typed text.
func (o *factorOwner) col() string {
	if o.staffID != "" {
		return "staff_id"
	}
	return "login_id"
}

func (o *factorOwner) id() string { return o.loginID + o.staffID }

// door is where the owner signs in.
func (o *factorOwner) door() fieldportal.Door {
	if o.staffID != "" {
		return fieldportal.DoorConsole
	}
	return fieldportal.DoorPortal
}

// entity is the audit entry's entity of the owner.
func (o *factorOwner) entity() (string, string) {
	if o.staffID != "" {
		return "staff", o.staffID
	}
	return "login", o.loginID
}

// actor is the owner acting for itself, in the audit log.
func (o *factorOwner) actor() auditActor {
	if o.staffID != "" {
		return auditActor{kind: fieldportal.ActorStaff, id: o.staffID, name: o.name}
	}
	return auditActor{kind: fieldportal.ActorContact, id: o.contactID, name: o.name}
}

// throttleKey counts guesses of the owner's codes.
func (o *factorOwner) throttleKey() string { return o.orgID + ":" + o.col() + ":" + o.id() }

// loginOwner reads a portal login as a factor owner; ENOTFOUND when it
// is not in orgID or not active.
func (tx *Tx) loginOwner(ctx context.Context, orgID, loginID string) (*factorOwner, error) {
	o := &factorOwner{orgID: orgID, loginID: loginID}
	var status, first, last string
	err := tx.QueryRowContext(ctx, `SELECT pl.username, pl.password_hash, pl.must_change_password, pl.status, pl.contact_id,
		c.first_name, c.last_name, c.email
		FROM portal_logins pl JOIN contacts c ON c.id = pl.contact_id WHERE pl.id = $1 AND pl.org_id = $2`, loginID, orgID).
		Scan(&o.account, &o.passwordHash, &o.mustChange, &status, &o.contactID, &first, str(&last), str(&o.email))
	if err != nil {
		return nil, sqlErr(err, "login")
	}
	if fieldportal.LoginStatus(status) != fieldportal.LoginActive {
		return nil, fieldportal.NotFound("login")
	}
	o.name = strings.TrimSpace(first + " " + last)
	o.greeting = greetingName(&fieldportal.Contact{FirstName: first})
	return o, nil
}

// staffOwner reads a staff user as a factor owner; ENOTFOUND when it is
// not in orgID or disabled.
func (tx *Tx) staffOwner(ctx context.Context, orgID, staffID string) (*factorOwner, error) {
	o := &factorOwner{orgID: orgID, staffID: staffID}
	var disabled bool
	err := tx.QueryRowContext(ctx, `SELECT email, name, password_hash, disabled FROM staff_users WHERE id = $1 AND org_id = $2`,
		staffID, orgID).Scan(&o.account, &o.name, &o.passwordHash, &disabled)
	if err != nil {
		return nil, sqlErr(err, "staff user")
	}
	if disabled {
		return nil, fieldportal.NotFound("staff user")
	}
	o.email, o.greeting = o.account, staffGreeting(o.name)
	return o, nil
}

// viewerOwner is the viewer's own account: a live contact's login or an
// enabled staff user. Nobody else has a second factor.
func (tx *Tx) viewerOwner(ctx context.Context, v fieldportal.Viewer) (*factorOwner, error) {
	switch v.Kind() {
	case fieldportal.ViewerContact:
		return tx.loginOwner(ctx, v.OrgID, v.LoginID)
	case fieldportal.ViewerStaff:
		return tx.staffOwner(ctx, v.OrgID, v.StaffID)
	case fieldportal.ViewerAnonymous:
		return nil, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "Sign in to set up a second factor.")
	}
	return nil, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only a person who signs in has a second factor.")
}

// hasSecondFactor reports whether the owner has a second factor that a
// sign-in must pass. It is the one place that says so: the policy, the
// sign-in and the pages all ask here (a passkey joins here too).
func (tx *Tx) hasSecondFactor(ctx context.Context, o *factorOwner) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM totp_secrets WHERE `+o.col()+` = $1 AND confirmed_at IS NOT NULL`, o.id()).Scan(&n)
	return n > 0, err
}

// secondFactorRequired reports whether the organisation requires the
// owner to have a second factor.
func (a *Accounts) secondFactorRequired(ctx context.Context, o *factorOwner) (bool, error) {
	st, err := a.db.FindSettings(ctx, o.orgID)
	if err != nil {
		return false, err
	}
	return st.SecondFactor.Requires(o.door()), nil
}

// totpCipher seals and opens authenticator secrets. It reads the
// install's secret on a connection of its own, so it is fetched before a
// transaction starts.
func (d *DB) totpCipher(ctx context.Context) (cipher.AEAD, error) {
	return d.secretCipher(ctx, "totp")
}

// sealWith seals plain with aead ("v1:" and base64, as sealKey does).
func sealWith(aead cipher.AEAD, plain string) (string, error) {
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return "v1:" + base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, []byte(plain), nil)), nil
}

// openWith opens what sealWith made.
func openWith(aead cipher.AEAD, sealed string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(sealed, "v1:"))
	if err != nil || len(b) < aead.NonceSize() {
		return "", fmt.Errorf("a stored authenticator secret is unreadable")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], nil)
	if err != nil {
		return "", fmt.Errorf("a stored authenticator secret does not open with this install's secret")
	}
	return string(plain), nil
}

// totpSecret is an owner's stored secret, opened.
type totpSecret struct {
	id, secret string
	confirmed  bool
	lastStep   int64
}

// findTOTP reads the owner's secret; ENOTFOUND when it has none.
func (tx *Tx) findTOTP(ctx context.Context, aead cipher.AEAD, o *factorOwner) (*totpSecret, error) {
	var s totpSecret
	var sealed string
	var confirmed time.Time
	err := tx.QueryRowContext(ctx, `SELECT id, secret, confirmed_at, last_step FROM totp_secrets WHERE `+o.col()+` = $1`, o.id()).
		Scan(&s.id, &sealed, tm(&confirmed), &s.lastStep)
	if err != nil {
		return nil, sqlErr(err, "authenticator")
	}
	s.confirmed = !confirmed.IsZero()
	if s.secret, err = openWith(aead, sealed); err != nil {
		return nil, err
	}
	return &s, nil
}

// newTOTP stores a fresh secret, not yet confirmed, for the owner in
// place of any unconfirmed one. The caller has checked none is on.
func (tx *Tx) newTOTP(ctx context.Context, aead cipher.AEAD, o *factorOwner) (string, error) {
	raw := make([]byte, 20) // 160 bits, RFC 4226's recommendation
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw)
	sealed, err := sealWith(aead, secret)
	if err != nil {
		return "", err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM totp_secrets WHERE `+o.col()+` = $1 AND confirmed_at IS NULL`, o.id()); err != nil {
		return "", err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO totp_secrets (id, org_id, `+o.col()+`, secret, created_at) VALUES ($1, $2, $3, $4, $5)`,
		newID(), o.orgID, o.id(), sealed, tx.now)
	return secret, sqlErr(err, "authenticator")
}

// totpKey is the secret and its otpauth:// URL: the issuer is the name
// customers see the organisation by, the account the owner's sign-in name.
func (a *Accounts) totpKey(ctx context.Context, o *factorOwner, secret string) (*fieldportal.TOTPKey, error) {
	org, err := a.db.FindOrganisationByID(ctx, o.orgID)
	if err != nil {
		return nil, err
	}
	issuer := org.Name
	if st, err := a.db.FindSettings(ctx, o.orgID); err == nil && strings.TrimSpace(st.Branding.DisplayName) != "" {
		issuer = strings.TrimSpace(st.Branding.DisplayName)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return nil, fmt.Errorf("authenticator secret: %w", err)
	}
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: o.account, Period: totpPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, err
	}
	return &fieldportal.TOTPKey{Secret: k.Secret(), URL: k.URL()}, nil
}

// normalCode is a typed code without the spaces and dashes people add,
// in lower case.
func normalCode(code string) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code))
}

// isTOTPCode reports whether a normalised code has the shape of an
// authenticator's code (six digits); anything else may be a recovery code.
func isTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// matchTOTP returns the step whose code is code: the current step or one
// either side (clocks drift), but only steps after lastStep, so a code
// once accepted is never accepted again, nor an older one.
func matchTOTP(secret, code string, now time.Time, lastStep int64) (int64, bool) {
	cur := now.Unix() / totpPeriod
	for _, step := range []int64{cur - 1, cur, cur + 1} {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0).UTC(), totpOpts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return step, true
		}
	}
	return 0, false
}

// useTOTP checks a code against the owner's secret (confirmed or, when
// confirming, the one being set up) and, when it is right, records its
// step so it cannot be used again. Two requests with the same code race
// on the update: only one moves last_step.
func (tx *Tx) useTOTP(ctx context.Context, s *totpSecret, code string) (bool, error) {
	step, ok := matchTOTP(s.secret, code, tx.now, s.lastStep)
	if !ok {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE totp_secrets SET last_step = $2 WHERE id = $1 AND last_step < $2`, s.id, step)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// recoveryAlphabet has no letters read as others (0/o, 1/l/i).
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// newRecoveryCodes replaces the owner's recovery codes with fresh ones and
// returns them, shown once; only their hashes are kept.
func (tx *Tx) newRecoveryCodes(ctx context.Context, o *factorOwner) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE `+o.col()+` = $1`, o.id()); err != nil {
		return nil, err
	}
	codes := make([]string, fieldportal.RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10) // 10 of 31 characters: about 50 bits
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		for j := range b {
			b[j] = recoveryAlphabet[int(b[j])%len(recoveryAlphabet)]
		}
		codes[i] = string(b[:5]) + "-" + string(b[5:])
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (code_hash, org_id, `+o.col()+`, created_at) VALUES ($1, $2, $3, $4)`,
			auth.HashToken(normalCode(codes[i])), o.orgID, o.id(), tx.now); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// useRecoveryCode spends one of the owner's recovery codes, if code is one.
func (tx *Tx) useRecoveryCode(ctx context.Context, o *factorOwner, code string) (bool, error) {
	if code == "" {
		return false, nil
	}
	res, err := tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE code_hash = $1 AND `+o.col()+` = $2 AND used_at IS NULL`,
		auth.HashToken(code), o.id(), tx.now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// recoveryCodesLeft counts the owner's unused recovery codes.
func (tx *Tx) recoveryCodesLeft(ctx context.Context, o *factorOwner) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM recovery_codes WHERE `+o.col()+` = $1 AND used_at IS NULL`, o.id()).Scan(&n)
	return n, err
}

// removeSecondFactor deletes the owner's secret and recovery codes and
// ends its sessions and pending sign-ins.
func (tx *Tx) removeSecondFactor(ctx context.Context, o *factorOwner) error {
	for _, q := range []string{`DELETE FROM totp_secrets WHERE ` + o.col() + ` = $1`, `DELETE FROM recovery_codes WHERE ` + o.col() + ` = $1`} {
		if _, err := tx.ExecContext(ctx, q, o.id()); err != nil {
			return err
		}
	}
	if o.staffID != "" {
		return tx.endStaffSessions(ctx, o.staffID)
	}
	return tx.endLoginSessions(ctx, o.loginID)
}

// errWrongCode is the refusal of a wrong code, naming the form's field.
func errWrongCode(field string) error {
	return fieldportal.FieldErrorf(field, "That code is not right, or was already used. Enter the newest code from your authenticator app, or an unused recovery code.")
}
