package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// The second step of a sign-in (issue 21). A right password of a login
// that has a second factor, or that the organisation requires to have
// one, makes no session: it makes a sign-in challenge, kept server-side
// by its token's hash, single use, for ten minutes, and tied to its door.
// Passing it (a code, a recovery code, or the set-up confirmed) starts
// the session exactly as the password alone did before.

var _ fieldportal.ChallengeService = (*Accounts)(nil)

// maxChallengeAttempts is how many wrong codes one challenge takes; then
// it ends and the password is asked for again (the throttles still count
// across challenges).
const maxChallengeAttempts = 5

// challengePaths are where a browser with a challenge goes, by door and
// purpose.
var challengePaths = map[fieldportal.Door]map[fieldportal.ChallengePurpose]string{
	fieldportal.DoorPortal:  {fieldportal.ChallengeVerify: "/login/code", fieldportal.ChallengeSetup: "/login/factor-setup"},
	fieldportal.DoorConsole: {fieldportal.ChallengeVerify: "/console/login/code", fieldportal.ChallengeSetup: "/console/login/factor-setup"},
}

// secondStep decides what a right password of o leads to: nil when the
// session may start now, else a new challenge (name is what was typed,
// which the device cookie is bound to).
func (a *Accounts) secondStep(ctx context.Context, o *factorOwner, name string) (*fieldportal.SignedIn, error) {
	var has bool
	if err := a.db.inTx(ctx, func(tx *Tx) (err error) { has, err = tx.hasSecondFactor(ctx, o); return err }); err != nil {
		return nil, err
	}
	purpose := fieldportal.ChallengeVerify
	if !has {
		req, err := a.secondFactorRequired(ctx, o)
		if err != nil || !req {
			return nil, err
		}
		purpose = fieldportal.ChallengeSetup
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	err = a.db.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO signin_challenges (token_hash, org_id, `+o.col()+`, purpose, name, expires_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, hash, o.orgID, o.id(), string(purpose), name, tx.now.Add(fieldportal.ChallengeLifetime), tx.now)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store sign-in challenge: %w", err)
	}
	return &fieldportal.SignedIn{Challenge: plain, Next: challengePaths[o.door()][purpose]}, nil
}

// challenge is a live challenge row.
type challenge struct {
	hash, name string
	purpose    fieldportal.ChallengePurpose
	attempts   int
	owner      *factorOwner
	fieldportal.Challenge
}

// findChallenge reads the live challenge of a token at a door, with its
// owner (still active); ENOTFOUND for anything else.
func (a *Accounts) findChallenge(ctx context.Context, orgID string, door fieldportal.Door, token string) (*challenge, error) {
	if token == "" || orgID == "" {
		return nil, fieldportal.NotFound("sign-in")
	}
	col := "login_id"
	if door == fieldportal.DoorConsole {
		col = "staff_id"
	} else if door != fieldportal.DoorPortal {
		return nil, fieldportal.NotFound("sign-in")
	}
	c := &challenge{hash: auth.HashToken(token)}
	err := a.db.inTx(ctx, func(tx *Tx) error {
		var id, purpose string
		err := tx.QueryRowContext(ctx, `SELECT `+col+`, purpose, name, attempts, expires_at FROM signin_challenges
			WHERE token_hash = $1 AND org_id = $2 AND `+col+` IS NOT NULL AND used_at IS NULL AND expires_at > $3`,
			c.hash, orgID, tx.now).Scan(&id, &purpose, &c.name, &c.attempts, tm(&c.ExpiresAt))
		if err != nil {
			return sqlErr(err, "sign-in")
		}
		c.purpose, c.Purpose = fieldportal.ChallengePurpose(purpose), fieldportal.ChallengePurpose(purpose)
		if door == fieldportal.DoorConsole {
			c.owner, err = tx.staffOwner(ctx, orgID, id)
		} else {
			c.owner, err = tx.loginOwner(ctx, orgID, id)
		}
		if err != nil {
			return fieldportal.NotFound("sign-in")
		}
		return nil
	})
	return c, err
}

// FindChallenge returns the live challenge of a token at a door.
func (a *Accounts) FindChallenge(ctx context.Context, orgID string, door fieldportal.Door, token string) (*fieldportal.Challenge, error) {
	c, err := a.findChallenge(ctx, orgID, door, token)
	if err != nil {
		return nil, err
	}
	return &c.Challenge, nil
}

// countAttempt counts an answer to a challenge; one past the limit ends
// it unanswered (ENOTFOUND), so the password is asked for again. The
// count is taken in the update itself, not from the row read before:
// answers sent at once would each see the count before any of them, and
// all be checked.
func (a *Accounts) countAttempt(ctx context.Context, c *challenge) error {
	ended := false
	err := a.db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE signin_challenges SET attempts = attempts + 1
			WHERE token_hash = $1 AND used_at IS NULL AND attempts < $2`, c.hash, maxChallengeAttempts)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
		ended = true
		_, err = tx.ExecContext(ctx, `DELETE FROM signin_challenges WHERE token_hash = $1 AND used_at IS NULL`, c.hash)
		return err
	})
	if err == nil && ended {
		return fieldportal.NotFound("sign-in")
	}
	return err
}

// spendChallenge uses a challenge up within the transaction that starts
// its session: of two answers at once, only one signs in.
func (tx *Tx) spendChallenge(ctx context.Context, hash string) error {
	res, err := tx.ExecContext(ctx, `UPDATE signin_challenges SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`,
		hash, tx.now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fieldportal.NotFound("sign-in")
	}
	return nil
}

// AnswerChallenge checks a code or a recovery code for a verify challenge
// and starts the session. Wrong codes are throttled as passwords are, per
// typed name and per address, and a browser known to the account passes
// the account's lock (signInGate); each challenge takes a few tries only.
func (a *Accounts) AnswerChallenge(ctx context.Context, r fieldportal.ChallengeAnswer) (*fieldportal.SignedIn, error) {
	c, err := a.findChallenge(ctx, r.OrgID, r.Door, r.Token)
	if err != nil {
		return nil, err
	}
	if c.purpose != fieldportal.ChallengeVerify {
		return nil, fieldportal.NotFound("sign-in")
	}
	code := normalCode(r.Code)
	if code == "" {
		return nil, fieldportal.FieldErrorf("code", "Enter the code from your authenticator app, or a recovery code.")
	}
	o := c.owner
	scope, realm := "login.code", "portal"
	if o.staffID != "" {
		scope, realm = "console.code", "console"
	}
	if err := a.countAttempt(ctx, c); err != nil {
		return nil, err
	}
	g, err := a.openGate(ctx, scope, realm, r.OrgID, c.name, o.passwordHash, r.ClientAddr, r.DeviceToken)
	if err != nil {
		return nil, err
	}
	aead, err := a.db.totpCipher(ctx)
	if err != nil {
		return nil, err
	}
	// The challenge is spent and the code used in the transaction that
	// starts the session, and a wrong code rolls both back: of two
	// answers to one challenge at once, one signs in and only its code is
	// used up (a recovery code is not lost to the other).
	recovery := false
	s, err := a.completeSignIn(ctx, o, r, g, func(tx *Tx) error {
		if err := tx.spendChallenge(ctx, c.hash); err != nil {
			return err
		}
		ok := false
		if isTOTPCode(code) {
			s, err := tx.findTOTP(ctx, aead, o)
			if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				return err
			} else if err == nil {
				if ok, err = tx.useTOTP(ctx, s, code); err != nil {
					return err
				}
			}
		} else {
			if ok, err = tx.useRecoveryCode(ctx, o, code); err != nil {
				return err
			}
			recovery = ok
		}
		if !ok {
			return errCodeRefused
		}
		if recovery {
			entity, id := o.entity()
			return tx.auditAs(ctx, o.orgID, o.actor(), o.door(), "second_factor.recovery_code_used", entity, id, "")
		}
		return nil
	})
	if errors.Is(err, errCodeRefused) {
		if err := g.failed(ctx); err != nil {
			return nil, err
		}
		entity, id := o.entity()
		a.auditFailure(ctx, r.OrgID, o.door(), entity, id)
		return nil, errWrongCode("code")
	} else if err != nil {
		return nil, err
	}
	g.succeeded(ctx)
	return s, nil
}

// errCodeRefused rolls back an answer whose code is wrong (see
// AnswerChallenge); it never leaves the package.
var errCodeRefused = errors.New("sqlstore: code refused")

// ChallengeTOTPKey returns the secret a setup challenge sets up, made on
// first use.
func (a *Accounts) ChallengeTOTPKey(ctx context.Context, orgID string, door fieldportal.Door, token string) (*fieldportal.TOTPKey, error) {
	c, err := a.findChallenge(ctx, orgID, door, token)
	if err != nil {
		return nil, err
	}
	if c.purpose != fieldportal.ChallengeSetup {
		return nil, fieldportal.NotFound("sign-in")
	}
	aead, err := a.db.totpCipher(ctx)
	if err != nil {
		return nil, err
	}
	var secret string
	err = a.db.inTx(ctx, func(tx *Tx) error {
		s, err := tx.findTOTP(ctx, aead, c.owner)
		switch {
		case err == nil && s.confirmed:
			return fieldportal.NotFound("sign-in")
		case err == nil:
			secret = s.secret
			return nil
		case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
			secret, err = tx.newTOTP(ctx, aead, c.owner)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return a.totpKey(ctx, c.owner, secret)
}

// ConfirmChallengeSetup confirms a setup challenge's secret with its first
// code, starts the session and returns the recovery codes.
func (a *Accounts) ConfirmChallengeSetup(ctx context.Context, r fieldportal.ChallengeAnswer) (*fieldportal.SignedIn, []string, error) {
	c, err := a.findChallenge(ctx, r.OrgID, r.Door, r.Token)
	if err != nil {
		return nil, nil, err
	}
	if c.purpose != fieldportal.ChallengeSetup {
		return nil, nil, fieldportal.NotFound("sign-in")
	}
	if normalCode(r.Code) != "" {
		if err := a.countAttempt(ctx, c); err != nil {
			return nil, nil, err
		}
	}
	aead, err := a.db.totpCipher(ctx)
	if err != nil {
		return nil, nil, err
	}
	codes, err := a.confirmTOTP(ctx, aead, c.owner, r.Code, func(tx *Tx) error { return tx.spendChallenge(ctx, c.hash) })
	if err != nil {
		return nil, nil, err
	}
	realm := "portal"
	if c.owner.staffID != "" {
		realm = "console"
	}
	g := &signInGate{a: a, realm: realm, orgID: r.OrgID, name: c.name, credential: c.owner.passwordHash}
	if secret, err := a.devicesSecret(ctx); err != nil {
		return nil, nil, err
	} else if _, ok := auth.CheckDeviceToken(secret, realm, r.OrgID, c.name, c.owner.passwordHash, r.DeviceToken); ok {
		g.token = r.DeviceToken
	}
	s, err := a.completeSignIn(ctx, c.owner, r, g, nil)
	return s, codes, err
}

// completeSignIn starts the session of a sign-in that passed every step:
// the browser's old session ends, the sign-in is audited and recorded,
// the device cookie given, and a password set by someone else is changed
// first (SPEC §3). also runs in the same transaction (nil for none).
func (a *Accounts) completeSignIn(ctx context.Context, o *factorOwner, r fieldportal.ChallengeAnswer, g *signInGate, also func(tx *Tx) error) (*fieldportal.SignedIn, error) {
	var s *fieldportal.SignedIn
	err := a.db.inTx(ctx, func(tx *Tx) error {
		var err error
		if also != nil {
			if err := also(tx); err != nil {
				return err
			}
		}
		s, err = a.startSession(ctx, tx, &fieldportal.Session{OrgID: o.orgID, LoginID: o.loginID, StaffID: o.staffID},
			r.OldToken, r.ClientAddr, r.UserAgent)
		if err != nil {
			return err
		}
		entity, id := o.entity()
		return tx.auditSignIn(ctx, o.orgID, o.door(), o.actor(), entity, id)
	})
	if err != nil {
		return nil, err
	}
	if o.staffID != "" {
		err = a.db.RecordStaffLogin(ctx, o.staffID)
	} else {
		err = a.db.RecordLogin(ctx, o.loginID)
	}
	if err != nil {
		a.db.logger.WarnContext(ctx, "record login", "err", err)
	}
	if s.DeviceToken, err = g.deviceToken(ctx); err != nil {
		return nil, err
	}
	if o.mustChange {
		s.Next = "/password"
	}
	return s, nil
}
