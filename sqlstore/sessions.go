package sqlstore

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Sessions live in the database so that any number of instances share
// them, and ending them is one DELETE (SPEC §2.7, §8).

// CreateSession stores a new session.
func (d *DB) CreateSession(ctx context.Context, s *fieldportal.Session) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.createSession(ctx, s) })
}

// createSession stores a new session in tx, so that a sign-in can end the
// browser's old session, or a password change every other one, with it.
func (tx *Tx) createSession(ctx context.Context, s *fieldportal.Session) error {
	s.CreatedAt, s.LastSeenAt = tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, org_id, login_id, staff_id, csrf_token, ip, user_agent,
		created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)`,
		s.TokenHash, s.OrgID, nullStr(s.LoginID), nullStr(s.StaffID), s.CSRFToken, s.IP, s.UserAgent, tx.now, s.ExpiresAt.UTC())
	return err
}

// FindSession returns a live session: not past its absolute expiry and
// seen within idle. Expired sessions are deleted on sight.
func (d *DB) FindSession(ctx context.Context, orgID, tokenHash string, idle time.Duration) (*fieldportal.Session, error) {
	var s fieldportal.Session
	err := d.db.QueryRowContext(ctx, `SELECT token_hash, org_id, login_id, staff_id, csrf_token, ip, user_agent,
		created_at, last_seen_at, expires_at FROM sessions WHERE token_hash = $1 AND org_id = $2`, tokenHash, orgID).
		Scan(&s.TokenHash, &s.OrgID, str(&s.LoginID), str(&s.StaffID), &s.CSRFToken, &s.IP, &s.UserAgent,
			tm(&s.CreatedAt), tm(&s.LastSeenAt), tm(&s.ExpiresAt))
	if err != nil {
		return nil, sqlErr(err, "session")
	}
	now := d.now()
	if !now.Before(s.ExpiresAt) || now.Sub(s.LastSeenAt) > idle {
		d.DeleteSession(ctx, tokenHash)
		return nil, fieldportal.NotFound("session")
	}
	return &s, nil
}

// TouchSession records activity, at most once a minute per session to
// keep reads from turning into writes.
func (d *DB) TouchSession(ctx context.Context, s *fieldportal.Session) error {
	now := d.now()
	if now.Sub(s.LastSeenAt) < time.Minute {
		return nil
	}
	s.LastSeenAt = now
	_, err := d.db.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1`, s.TokenHash, now)
	return err
}

// DeleteSession ends one session (log out).
func (d *DB) DeleteSession(ctx context.Context, tokenHash string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// EndLoginSessions ends every session of a portal login.
func (d *DB) EndLoginSessions(ctx context.Context, loginID string) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.endLoginSessions(ctx, loginID) })
}

func (tx *Tx) endLoginSessions(ctx context.Context, loginID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE login_id = $1`, loginID); err != nil {
		return err
	}
	// A sign-in waiting for its second step ends with them (issue 21):
	// a reset, a disable or a removed factor must not let it finish.
	_, err := tx.ExecContext(ctx, `DELETE FROM signin_challenges WHERE login_id = $1`, loginID)
	return err
}

// voidLoginTokens spends every unused link of a login: after its access is
// taken away or its password set, an older invitation or reset link must
// not open it again.
func (tx *Tx) voidLoginTokens(ctx context.Context, loginID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE login_id = $1 AND used_at IS NULL`, loginID); err != nil {
		return err
	}
	// A pending email change too (issue 20): its link must not move
	// the address of an account that was taken back.
	_, err := tx.ExecContext(ctx, `DELETE FROM email_changes WHERE login_id = $1 AND used_at IS NULL`, loginID)
	return err
}

// EndStaffSessions ends every session of a staff user.
func (d *DB) EndStaffSessions(ctx context.Context, staffID string) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.endStaffSessions(ctx, staffID) })
}

// endStaffSessions ends every session of a staff user and its sign-ins
// waiting for a second step.
func (tx *Tx) endStaffSessions(ctx context.Context, staffID string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE staff_id = $1`, staffID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM signin_challenges WHERE staff_id = $1`, staffID)
	return err
}

// DeleteExpired removes expired sessions, used tokens, old attempts,
// idempotency records past their day and tombstones past
// fieldportal.TombstoneKeep (a periodic clean-up; correctness never
// depends on it).
func (d *DB) DeleteExpired(ctx context.Context, attemptsBefore time.Time) error {
	now := d.now()
	for _, stmt := range []struct {
		sql string
		arg any
	}{
		{`DELETE FROM sessions WHERE expires_at < $1`, now},
		{`DELETE FROM one_time_tokens WHERE expires_at < $1`, now},
		{`DELETE FROM email_changes WHERE expires_at < $1`, now},
		{`DELETE FROM sso_flows WHERE expires_at < $1`, now},
		{`DELETE FROM passkey_ceremonies WHERE expires_at < $1`, now},
		{`DELETE FROM signin_challenges WHERE expires_at < $1`, now},
		{`DELETE FROM auth_attempts WHERE at < $1`, attemptsBefore.UTC()},
		{`DELETE FROM idempotency_keys WHERE created_at < $1`, now.Add(-idempotencyKeep)},
		{`DELETE FROM tombstones WHERE deleted_at < $1`, now.Add(-fieldportal.TombstoneKeep)},
	} {
		if _, err := d.db.ExecContext(ctx, stmt.sql, stmt.arg); err != nil {
			return err
		}
	}
	return nil
}

// IssueToken stores a single-use link for a login or staff user, voiding
// earlier unused links of the same purpose (re-sending voids the old link),
// and queues the mail that carries it in the same transaction.
func (d *DB) IssueToken(ctx context.Context, v fieldportal.Viewer, t *fieldportal.OneTimeToken, mail *fieldportal.OutboxMessage) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.issueToken(ctx, v, t, mail) })
}

// issueToken is IssueToken in tx, for a workflow that writes the link with
// the record it is for (a new login and its invitation).
func (tx *Tx) issueToken(ctx context.Context, v fieldportal.Viewer, t *fieldportal.OneTimeToken, mail *fieldportal.OutboxMessage) error {
	t.CreatedAt = tx.now
	if t.ExpiresAt.IsZero() {
		t.ExpiresAt = tx.now.Add(t.Purpose.Lifetime())
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE purpose = $1 AND used_at IS NULL
		AND ((login_id IS NOT NULL AND login_id = $2) OR (staff_id IS NOT NULL AND staff_id = $3))`,
		t.Purpose, t.LoginID, t.StaffID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO one_time_tokens (token_hash, org_id, purpose, login_id, staff_id,
		expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		t.TokenHash, t.OrgID, t.Purpose, nullStr(t.LoginID), nullStr(t.StaffID), t.ExpiresAt.UTC(), tx.now); err != nil {
		if fieldportal.ErrorCode(sqlErr(err, "link")) == fieldportal.ECONFLICT {
			// Another send for the same login won the race.
			return fieldportal.Errorf(fieldportal.ECONFLICT, "A link was sent a moment ago; wait a little before sending another.")
		}
		return err
	}
	if mail != nil {
		if err := tx.enqueue(ctx, mail); err != nil {
			return err
		}
	}
	return tx.audit(ctx, v, "token."+string(t.Purpose), "login", t.LoginID+t.StaffID, "")
}

// FindToken returns a token that is still usable: unused and unexpired.
func (d *DB) FindToken(ctx context.Context, orgID string, purpose fieldportal.TokenPurpose, hash string) (*fieldportal.OneTimeToken, error) {
	var t fieldportal.OneTimeToken
	err := d.db.QueryRowContext(ctx, `SELECT token_hash, org_id, purpose, login_id, staff_id, expires_at, used_at, created_at
		FROM one_time_tokens WHERE token_hash = $1 AND org_id = $2 AND purpose = $3`, hash, orgID, purpose).
		Scan(&t.TokenHash, &t.OrgID, &t.Purpose, str(&t.LoginID), str(&t.StaffID), tm(&t.ExpiresAt), tm(&t.UsedAt), tm(&t.CreatedAt))
	if err != nil {
		return nil, sqlErr(err, "link")
	}
	if !t.UsedAt.IsZero() || !d.now().Before(t.ExpiresAt) {
		return nil, fieldportal.Errorf(fieldportal.ENOTFOUND, "This link has expired or has already been used.")
	}
	return &t, nil
}

// useToken marks a token used, exactly once: of two concurrent uses only
// one succeeds.
func (tx *Tx) useToken(ctx context.Context, orgID string, purpose fieldportal.TokenPurpose, hash string) (*fieldportal.OneTimeToken, error) {
	var t fieldportal.OneTimeToken
	err := tx.QueryRowContext(ctx, `UPDATE one_time_tokens SET used_at = $4
		WHERE token_hash = $1 AND org_id = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $4
		RETURNING token_hash, org_id, purpose, login_id, staff_id, expires_at`, hash, orgID, purpose, tx.now).
		Scan(&t.TokenHash, &t.OrgID, &t.Purpose, str(&t.LoginID), str(&t.StaffID), tm(&t.ExpiresAt))
	if err != nil {
		return nil, fieldportal.Errorf(fieldportal.ENOTFOUND, "This link has expired or has already been used.")
	}
	t.UsedAt = tx.now
	return &t, nil
}

// CompleteSetup uses an invitation: the contact confirms its name and
// chooses a username and password. The login becomes active and the link
// is spent, in one transaction.
func (d *DB) CompleteSetup(ctx context.Context, orgID, tokenHash, firstName, lastName, username, passwordHash string) (*fieldportal.PortalLogin, error) {
	var login *fieldportal.PortalLogin
	err := d.inTx(ctx, func(tx *Tx) error {
		t, err := tx.useToken(ctx, orgID, fieldportal.TokenInvite, tokenHash)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE contacts SET first_name = $2, last_name = $3, updated_at = $4
			WHERE id = (SELECT contact_id FROM portal_logins WHERE id = $1)`, t.LoginID, firstName, lastName, tx.now)
		if err != nil {
			return err
		}
		var contactID string
		if err := tx.QueryRowContext(ctx, `SELECT contact_id FROM portal_logins WHERE id = $1`, t.LoginID).Scan(&contactID); err != nil {
			return sqlErr(err, "login")
		}
		if err := tx.checkUsername(ctx, contactID, username); err != nil {
			return err
		}
		// The name is the contact's, changed in the portal: the back
		// office hears of it as of any change of a contact.
		c, err := tx.findContact(ctx, fieldportal.SystemViewer(orgID, "portal setup"), contactID)
		if err != nil {
			return err
		}
		if err := tx.emitEventFrom(ctx, fieldportal.SourcePortal, orgID, "contact.updated", c); err != nil {
			return err
		}
		// A revoked login stays revoked: its old invitation cannot bring
		// it back (SPEC §2.7).
		res, err := tx.ExecContext(ctx, `UPDATE portal_logins SET username = $2, status = 'active', updated_at = $3
			WHERE id = $1 AND status <> 'disabled'`, t.LoginID, username, tx.now)
		if err != nil {
			if fieldportal.ErrorCode(sqlErr(err, "login")) == fieldportal.ECONFLICT {
				return fieldportal.FieldErrorf("username", "That username is taken; choose another.")
			}
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fieldportal.Errorf(fieldportal.ENOTFOUND, "This link has expired or has already been used.")
		}
		if err := tx.setLoginPassword(ctx, orgID, t.LoginID, passwordHash, false); err != nil {
			return err
		}
		login, err = scanLogin(tx.QueryRowContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl WHERE pl.id = $1`, t.LoginID))
		if err != nil {
			return err
		}
		return tx.audit(ctx, fieldportal.NewContactViewer(orgID, fieldportal.ContactGrants{LoginID: login.ID, ContactID: login.ContactID, Name: username}, fieldportal.Settings{}),
			"login.setup", "contact", login.ContactID, username)
	})
	return login, err
}

// CompleteReset uses a reset link: the new password is stored and every
// session of the login ends.
func (d *DB) CompleteReset(ctx context.Context, orgID, tokenHash, passwordHash string) (*fieldportal.PortalLogin, error) {
	var login *fieldportal.PortalLogin
	err := d.inTx(ctx, func(tx *Tx) error {
		t, err := tx.useToken(ctx, orgID, fieldportal.TokenReset, tokenHash)
		if err != nil {
			return err
		}
		if err := tx.setLoginPassword(ctx, orgID, t.LoginID, passwordHash, false); err != nil {
			return err
		}
		login, err = scanLogin(tx.QueryRowContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl WHERE pl.id = $1`, t.LoginID))
		if err != nil {
			return err
		}
		return tx.audit(ctx, fieldportal.NewContactViewer(orgID, fieldportal.ContactGrants{LoginID: login.ID, ContactID: login.ContactID}, fieldportal.Settings{}),
			"login.password_reset", "contact", login.ContactID, "")
	})
	return login, err
}

// Attempts is the store of failed attempts for auth.Throttle, in the
// database so that every instance counts the same failures.
type Attempts struct{ db *DB }

// Attempts returns the failed-attempt store.
func (d *DB) Attempts() Attempts { return Attempts{d} }

// Failures counts a key's failures since a time and returns the latest.
func (a Attempts) Failures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	var last time.Time
	err := a.db.db.QueryRowContext(ctx, `SELECT count(*), max(at) FROM auth_attempts WHERE attempt_key = $1 AND at >= $2`,
		key, since.UTC()).Scan(&n, tm(&last))
	return n, last, err
}

// AddFailure records a failure.
func (a Attempts) AddFailure(ctx context.Context, key string, at time.Time) error {
	_, err := a.db.db.ExecContext(ctx, `INSERT INTO auth_attempts (attempt_key, at) VALUES ($1, $2)`, key, at.UTC())
	return err
}

// ClearFailures forgets a key's failures (after a successful sign-in).
func (a Attempts) ClearFailures(ctx context.Context, key string) error {
	_, err := a.db.db.ExecContext(ctx, `DELETE FROM auth_attempts WHERE attempt_key = $1`, key)
	return err
}
