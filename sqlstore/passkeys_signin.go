package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/fieldportal/fieldportal"
)

// Signing in with a passkey (issue 21). Verifying an assertion and
// starting a session are apart: VerifyPasskey says whose passkey
// answered, PasskeySignIn also starts the session, as a password and a
// second factor together would (a passkey is both).

// passkeyWrong is the one answer to a passkey that does not sign in:
// unknown, another organisation's or door's, refused by go-webauthn, or
// a login that may not sign in.
const passkeyWrong = "That passkey did not sign you in. Try again, or sign in with your password."

// errPasskeyWrong is passkeyWrong as an error.
func errPasskeyWrong() error { return fieldportal.Errorf(fieldportal.EUNAUTHORIZED, passkeyWrong) }

// BeginPasskeySignIn starts a sign-in ceremony at a door. Without an
// owner it is usernameless: the browser offers the organisation's
// discoverable passkeys. With one, only that login's or staff user's
// passkeys are allowed and the ceremony is bound to it.
func (a *Accounts) BeginPasskeySignIn(ctx context.Context, orgID string, door fieldportal.Door, o fieldportal.PasskeyOwner) (*fieldportal.PasskeyCeremony, error) {
	if door != fieldportal.DoorPortal && door != fieldportal.DoorConsole {
		return nil, fieldportal.NotFound("door")
	}
	rp, err := a.relyingParty(ctx, orgID)
	if err != nil {
		return nil, err
	}
	var opts []webauthn.LoginOption
	if o.LoginID != "" || o.StaffID != "" {
		u, err := a.passkeyOwner(ctx, orgID, o)
		if err != nil {
			return nil, err
		}
		opts = append(opts, webauthn.WithAllowedCredentials(webauthn.Credentials(u.creds).CredentialDescriptors()))
	}
	opts = append(opts, webauthn.WithUserVerification(protocol.VerificationRequired))
	assertion, session, err := rp.BeginDiscoverableLogin(opts...)
	if err != nil {
		return nil, fmt.Errorf("begin passkey sign-in: %w", err)
	}
	return a.storeCeremony(ctx, orgID, door, "signin", o, session, assertion.Response)
}

// VerifyPasskey spends the ceremony and has go-webauthn check the
// assertion against the passkey it names, found only among the
// organisation's passkeys of the door (a contact's at the portal, a
// staff user's at the console). The sign count and flags are saved. A
// sign count that did not go up (go-webauthn's clone warning) means two
// copies of the key may exist: the assertion is refused and logged, and
// the stored count kept, as the library's advice leaves to us. A login
// that may not sign in is refused with the same answer.
func (a *Accounts) VerifyPasskey(ctx context.Context, r fieldportal.PasskeyAssertion) (fieldportal.PasskeyOwner, error) {
	var none fieldportal.PasskeyOwner
	// The relying party first: on a host that cannot have one (an IP)
	// the browser began no ceremony, and the answer says why (EFORBIDDEN,
	// not a failure the throttle counts).
	rp, err := a.relyingParty(ctx, r.OrgID)
	if err != nil {
		return none, err
	}
	session, bound, err := a.spendCeremony(ctx, r.OrgID, r.Door, "signin", r.Ceremony)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return none, errPasskeyWrong()
	} else if err != nil {
		return none, err
	}
	if bound != r.For {
		return none, errPasskeyWrong()
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(r.Response)
	if err != nil {
		return none, errPasskeyWrong()
	}
	var found *passkeyUser
	var lookupErr error
	handler := func(rawID, userHandle []byte) (webauthn.User, error) {
		found, lookupErr = a.passkeyByCredential(ctx, r.OrgID, r.Door, rawID)
		if lookupErr != nil {
			return nil, lookupErr
		}
		if !bytes.Equal(found.WebAuthnID(), userHandle) || bound != (fieldportal.PasskeyOwner{}) && found.owner != bound {
			return nil, fieldportal.NotFound("passkey")
		}
		return found, nil
	}
	_, cred, err := rp.ValidatePasskeyLogin(handler, *session, parsed)
	if lookupErr != nil && fieldportal.ErrorCode(lookupErr) != fieldportal.ENOTFOUND {
		return none, lookupErr
	}
	if err != nil {
		a.db.logger.InfoContext(ctx, "passkey assertion refused", "err", err)
		return none, errPasskeyWrong()
	}
	rowID := ""
	for i, c := range found.creds {
		if bytes.Equal(c.ID, cred.ID) {
			rowID = found.ids[i]
		}
	}
	if cred.Authenticator.CloneWarning {
		a.db.logger.WarnContext(ctx, "passkey sign count did not increase: possibly cloned, refused", "passkey", rowID)
		a.auditPasskeyFailure(ctx, r.OrgID, r.Door, found.owner, "passkey: sign count went back")
		return none, errPasskeyWrong()
	}
	if !found.active {
		a.auditPasskeyFailure(ctx, r.OrgID, r.Door, found.owner, "passkey")
		return none, errPasskeyWrong()
	}
	if _, err := a.db.db.ExecContext(ctx, `UPDATE passkeys SET sign_count = $1, flags = $2, last_used_at = $3 WHERE id = $4`,
		int64(cred.Authenticator.SignCount), int(cred.Flags.ProtocolValue()), a.db.now(), rowID); err != nil {
		return none, fmt.Errorf("record passkey use: %w", err)
	}
	owner := found.owner
	owner.PasskeyID = rowID
	return owner, nil
}

// auditPasskeyFailure records a refused passkey sign-in as a failed
// password one is recorded (auditFailure), with how. Only an assertion
// its passkey signed is recorded (a disabled login, a sign count gone
// back): anyone can send a made-up one, and as there is no account to
// throttle those by, they would fill the log.
func (a *Accounts) auditPasskeyFailure(ctx context.Context, orgID string, door fieldportal.Door, o fieldportal.PasskeyOwner, detail string) {
	entity, id := "login", o.LoginID
	if o.StaffID != "" {
		entity, id = "staff", o.StaffID
	}
	err := a.db.inTx(ctx, func(tx *Tx) error {
		return tx.auditAs(ctx, orgID, auditActor{kind: fieldportal.ActorAnonymous}, door, "signin.failed", entity, id, detail)
	})
	if err != nil {
		a.db.logger.WarnContext(ctx, "record failed passkey sign-in in the audit log", "err", err)
	}
}

// passkeyByCredential finds the owner of a credential id among the
// organisation's passkeys of a door, with all its passkeys; ENOTFOUND
// when there is none.
func (a *Accounts) passkeyByCredential(ctx context.Context, orgID string, door fieldportal.Door, rawID []byte) (*passkeyUser, error) {
	column := "login_id"
	if door == fieldportal.DoorConsole {
		column = "staff_id"
	}
	var owner string
	err := a.db.db.QueryRowContext(ctx, `SELECT `+column+` FROM passkeys WHERE org_id = $1 AND credential_id = $2 AND `+column+` IS NOT NULL`,
		orgID, base64.RawURLEncoding.EncodeToString(rawID)).Scan(&owner)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fieldportal.NotFound("passkey")
		}
		return nil, fmt.Errorf("find passkey: %w", err)
	}
	o := fieldportal.PasskeyOwner{LoginID: owner}
	if door == fieldportal.DoorConsole {
		o = fieldportal.PasskeyOwner{StaffID: owner}
	}
	return a.passkeyOwner(ctx, orgID, o)
}

// PasskeySignIn signs a contact (at the portal) or a staff user (at the
// console) in with a passkey. Failures are counted against the client's
// address (there is no typed name to count them by); the session starts
// as a password sign-in's does, and its audit entry says "passkey".
func (a *Accounts) PasskeySignIn(ctx context.Context, r fieldportal.PasskeySignInRequest) (*fieldportal.SignedIn, error) {
	th := a.throttle("passkey")
	if err := th.Check(ctx, "", r.ClientAddr); err != nil {
		return nil, err
	}
	o, err := a.VerifyPasskey(ctx, r.PasskeyAssertion)
	if fieldportal.ErrorCode(err) == fieldportal.EUNAUTHORIZED {
		if ferr := th.Fail(ctx, "", r.ClientAddr); ferr != nil {
			return nil, ferr
		}
		return nil, err
	} else if err != nil {
		return nil, err
	}
	var s *fieldportal.SignedIn
	err = a.db.inTx(ctx, func(tx *Tx) error {
		sess := &fieldportal.Session{OrgID: r.OrgID, LoginID: o.LoginID, StaffID: o.StaffID}
		if s, err = a.startSession(ctx, tx, sess, r.OldToken, r.ClientAddr, r.UserAgent); err != nil {
			return err
		}
		if o.StaffID != "" {
			var name string
			if err := tx.QueryRowContext(ctx, `SELECT name FROM staff_users WHERE id = $1`, o.StaffID).Scan(&name); err != nil {
				return err
			}
			return tx.auditAs(ctx, r.OrgID, auditActor{kind: fieldportal.ActorStaff, id: o.StaffID, name: name},
				fieldportal.DoorConsole, "signin.succeeded", "staff", o.StaffID, "passkey")
		}
		var contactID, first, last string
		if err := tx.QueryRowContext(ctx, `SELECT c.id, c.first_name, c.last_name FROM portal_logins pl JOIN contacts c ON c.id = pl.contact_id
			WHERE pl.id = $1`, o.LoginID).Scan(&contactID, &first, str(&last)); err != nil {
			return err
		}
		return tx.auditAs(ctx, r.OrgID, auditActor{kind: fieldportal.ActorContact, id: contactID, name: strings.TrimSpace(first + " " + last)},
			fieldportal.DoorPortal, "signin.succeeded", "login", o.LoginID, "passkey")
	})
	if err != nil {
		return nil, err
	}
	if o.StaffID != "" {
		err = a.db.RecordStaffLogin(ctx, o.StaffID)
	} else {
		err = a.db.RecordLogin(ctx, o.LoginID)
		if l, lerr := a.db.FindLoginByID(ctx, r.OrgID, o.LoginID); lerr == nil && l.MustChangePassword {
			s.Next = "/password"
		}
	}
	if err != nil {
		a.db.logger.WarnContext(ctx, "record passkey sign-in", "err", err)
	}
	return s, nil
}
