package sqlstore

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/mail"
)

// Passkeys (issue 21): go-webauthn does every check of a ceremony; this
// file keeps what it needs between the two halves (passkey_ceremonies)
// and the credentials (passkeys), each owned by one login or staff user
// (ownPasskeys in scope.go). The relying party is the organisation's
// host, so a passkey made for one organisation is never offered on, nor
// accepted by, another's.

var _ fieldportal.PasskeyService = (*Accounts)(nil)

// passkeyRefused is the one answer to a registration that did not give
// a usable passkey.
const passkeyRefused = "Your device did not add a passkey. Try again, and confirm with your PIN, fingerprint or face when asked."

// relyingParty is the organisation's WebAuthn relying party: its id is
// the host of the organisation's base URL (its own host when it has one),
// its only origin that base URL.
func (a *Accounts) relyingParty(ctx context.Context, orgID string) (*webauthn.WebAuthn, error) {
	org, err := a.db.FindOrganisationByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(a.linkBase(org))
	if err != nil || u.Hostname() == "" {
		return nil, fmt.Errorf("passkeys: base URL %q has no host", a.linkBase(org))
	}
	if _, err := netip.ParseAddr(u.Hostname()); err == nil {
		// WebAuthn's relying party is a domain: browsers refuse an IP.
		return nil, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Passkeys work only when this site is reached by its domain name, not an IP address.")
	}
	return webauthn.New(&webauthn.Config{
		RPID: u.Hostname(), RPDisplayName: org.Name, RPOrigins: []string{u.Scheme + "://" + u.Host},
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey: protocol.ResidentKeyRequirementRequired, RequireResidentKey: protocol.ResidentKeyRequired(),
			UserVerification: protocol.VerificationRequired,
		},
		AttestationPreference: protocol.PreferNoAttestation,
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Enforce: true, Timeout: fieldportal.PasskeyCeremonyLifetime},
			Registration: webauthn.TimeoutConfig{Enforce: true, Timeout: fieldportal.PasskeyCeremonyLifetime},
		},
	})
}

// passkeyUser is a login or staff user as go-webauthn sees it: its user
// handle is its id, so a discoverable assertion names its owner.
type passkeyUser struct {
	owner         fieldportal.PasskeyOwner
	name, display string
	email         string // where the security mails go ("" for none)
	greeting      string
	active        bool
	creds         []webauthn.Credential
	ids           []string // the passkeys' row ids, in creds' order
}

func (u *passkeyUser) WebAuthnID() []byte {
	if u.owner.StaffID != "" {
		return []byte(u.owner.StaffID)
	}
	return []byte(u.owner.LoginID)
}
func (u *passkeyUser) WebAuthnName() string                       { return u.name }
func (u *passkeyUser) WebAuthnDisplayName() string                { return u.display }
func (u *passkeyUser) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// passkeyOwner loads a login or staff user of orgID with its passkeys;
// ENOTFOUND when there is none.
func (a *Accounts) passkeyOwner(ctx context.Context, orgID string, o fieldportal.PasskeyOwner) (*passkeyUser, error) {
	u := &passkeyUser{owner: fieldportal.PasskeyOwner{LoginID: o.LoginID, StaffID: o.StaffID}}
	column, id := "login_id", o.LoginID
	switch {
	case o.StaffID != "":
		s, err := a.db.FindStaffByID(ctx, orgID, o.StaffID)
		if err != nil {
			return nil, err
		}
		u.name, u.display, u.email, u.greeting, u.active = s.Email, s.Name, s.Email, s.Name, !s.Disabled
		column, id = "staff_id", s.ID
	case o.LoginID != "":
		l, err := a.db.FindLoginByID(ctx, orgID, o.LoginID)
		if err != nil {
			return nil, err
		}
		var first, last, email string
		if err := a.db.db.QueryRowContext(ctx, `SELECT first_name, last_name, email FROM contacts WHERE id = $1`, l.ContactID).
			Scan(&first, str(&last), str(&email)); err != nil {
			return nil, fmt.Errorf("load contact: %w", err)
		}
		u.name, u.display, u.email, u.active = l.Username, strings.TrimSpace(first+" "+last), email, l.Status == fieldportal.LoginActive
		u.greeting = greetingName(&fieldportal.Contact{FirstName: first})
		if u.display == "" {
			u.display = l.Username
		}
	default:
		return nil, fieldportal.NotFound("passkey owner")
	}
	rows, err := a.db.db.QueryContext(ctx, `SELECT id, credential_id, public_key, sign_count, flags, aaguid, transports, attestation
		FROM passkeys WHERE org_id = $1 AND `+column+` = $2 ORDER BY created_at, id`, orgID, id)
	if err != nil {
		return nil, fmt.Errorf("load passkeys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowID, credID, pub, aaguid, transports, format string
		var count int64
		var flags int
		if err := rows.Scan(&rowID, &credID, &pub, &count, &flags, &aaguid, &transports, &format); err != nil {
			return nil, err
		}
		c := webauthn.Credential{AttestationFormat: format, Flags: webauthn.NewCredentialFlags(protocol.AuthenticatorFlags(flags))}
		if c.ID, err = base64.RawURLEncoding.DecodeString(credID); err != nil {
			return nil, fmt.Errorf("passkey %s: credential id: %w", rowID, err)
		}
		if c.PublicKey, err = base64.StdEncoding.DecodeString(pub); err != nil {
			return nil, fmt.Errorf("passkey %s: public key: %w", rowID, err)
		}
		c.Authenticator.SignCount = uint32(count)
		c.Authenticator.AAGUID, _ = hex.DecodeString(aaguid)
		for _, t := range strings.Split(transports, ",") {
			if t != "" {
				c.Transport = append(c.Transport, protocol.AuthenticatorTransport(t))
			}
		}
		u.creds, u.ids = append(u.creds, c), append(u.ids, rowID)
	}
	return u, rows.Err()
}

// myPasskeys is the viewer as the owner of its passkeys (ownPasskeys),
// read afresh: a login that may not sign in, or a viewer whose login or
// staff user is not of its organisation, has none (ENOTFOUND).
func (a *Accounts) myPasskeys(ctx context.Context, v fieldportal.Viewer) (u *passkeyUser, column, owner string, err error) {
	if column, owner, err = ownPasskeys(v); err != nil {
		return nil, "", "", err
	}
	u, err = a.passkeyOwner(ctx, v.OrgID, fieldportal.PasskeyOwner{LoginID: v.LoginID, StaffID: v.StaffID})
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND || err == nil && !u.active {
		return nil, "", "", fieldportal.NotFound("passkey")
	}
	return u, column, owner, err
}

// FindMyPasskeys lists the viewer's own passkeys, oldest first.
func (a *Accounts) FindMyPasskeys(ctx context.Context, v fieldportal.Viewer) ([]*fieldportal.Passkey, error) {
	_, column, owner, err := a.myPasskeys(ctx, v)
	if err != nil {
		return nil, err
	}
	rows, err := a.db.db.QueryContext(ctx, `SELECT id, name, created_at, last_used_at, aaguid, flags FROM passkeys
		WHERE org_id = $1 AND `+column+` = $2 ORDER BY created_at, id`, v.OrgID, owner)
	if err != nil {
		return nil, fmt.Errorf("find passkeys: %w", err)
	}
	defer rows.Close()
	var out []*fieldportal.Passkey
	for rows.Next() {
		var p fieldportal.Passkey
		var flags int
		if err := rows.Scan(&p.ID, &p.Name, tm(&p.CreatedAt), tm(&p.LastUsedAt), &p.AAGUID, &flags); err != nil {
			return nil, err
		}
		p.BackedUp = protocol.AuthenticatorFlags(flags).HasBackupState()
		out = append(out, &p)
	}
	return out, rows.Err()
}

// BeginPasskeyRegistration starts adding a discoverable passkey with user
// verification for the viewer; its own passkeys are excluded, so one
// authenticator is not registered twice. It asks for the current
// password first: a passkey is a complete way in that a password reset
// does not remove, so a stolen or unattended session alone must not add
// one (review). The check comes before the ceremony, so a refused
// password leaves no useless key on the device.
func (a *Accounts) BeginPasskeyRegistration(ctx context.Context, v fieldportal.Viewer, r fieldportal.PasskeyRegistrationStart) (*fieldportal.PasskeyCeremony, error) {
	u, _, _, err := a.myPasskeys(ctx, v)
	if err != nil {
		return nil, err
	}
	if err := a.checkPasskeyPassword(ctx, v, r); err != nil {
		return nil, err
	}
	rp, err := a.relyingParty(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	creation, session, err := rp.BeginRegistration(u,
		webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementRequired),
		webauthn.WithExclusions(webauthn.Credentials(u.creds).CredentialDescriptors()))
	if err != nil {
		return nil, fmt.Errorf("begin passkey registration: %w", err)
	}
	return a.storeCeremony(ctx, v.OrgID, fieldportal.DoorOf(v), "register", u.owner, session, creation.Response)
}

// FinishPasskeyRegistration checks the browser's answer with go-webauthn
// against the ceremony the viewer began, and stores the passkey, its
// audit entry and the mail telling its owner in one transaction.
func (a *Accounts) FinishPasskeyRegistration(ctx context.Context, v fieldportal.Viewer, r fieldportal.PasskeyRegistration) (*fieldportal.Passkey, error) {
	u, column, owner, err := a.myPasskeys(ctx, v)
	if err != nil {
		return nil, err
	}
	name, err := passkeyName(r.Name)
	if err != nil {
		return nil, err
	}
	// The relying party first: on a host that cannot have one (an IP)
	// the browser began no ceremony, and the answer says why.
	rp, err := a.relyingParty(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	refused := fieldportal.FieldErrorf("name", passkeyRefused)
	session, bound, err := a.spendCeremony(ctx, v.OrgID, fieldportal.DoorOf(v), "register", r.Ceremony)
	if err != nil || bound.LoginID != v.LoginID || bound.StaffID != v.StaffID {
		return nil, refused
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(r.Response)
	if err != nil {
		return nil, refused
	}
	cred, err := rp.CreateCredential(u, *session, parsed)
	if err != nil || !cred.Flags.UserVerified {
		a.db.logger.InfoContext(ctx, "passkey registration refused", "err", err)
		return nil, refused
	}
	var transports []string
	for _, t := range cred.Transport {
		transports = append(transports, string(t))
	}
	p := &fieldportal.Passkey{ID: newID(), Name: name, AAGUID: hex.EncodeToString(cred.Authenticator.AAGUID), BackedUp: cred.Flags.BackupState}
	err = a.db.inTx(ctx, func(tx *Tx) error {
		p.CreatedAt = tx.now
		var dup bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM passkeys WHERE org_id = $1 AND credential_id = $2)`,
			v.OrgID, base64.RawURLEncoding.EncodeToString(cred.ID)).Scan(&dup); err != nil {
			return err
		}
		if dup {
			return fieldportal.FieldErrorf("name", "That passkey is already added.")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO passkeys (id, org_id, `+column+`, name, credential_id, public_key,
			sign_count, flags, aaguid, transports, attestation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			p.ID, v.OrgID, owner, name, base64.RawURLEncoding.EncodeToString(cred.ID), base64.StdEncoding.EncodeToString(cred.PublicKey),
			int64(cred.Authenticator.SignCount), int(cred.Flags.ProtocolValue()), p.AAGUID, strings.Join(transports, ","),
			cred.AttestationFormat, tx.now); err != nil {
			return fmt.Errorf("add passkey: %w", err)
		}
		return a.passkeyNotice(ctx, tx, v, u, "passkey.added", name, mail.PasskeyAdded)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// RenamePasskey renames one of the viewer's own passkeys.
func (a *Accounts) RenamePasskey(ctx context.Context, v fieldportal.Viewer, id, name string) error {
	_, column, owner, err := a.myPasskeys(ctx, v)
	if err != nil {
		return err
	}
	name, err = passkeyName(name)
	if err != nil {
		return err
	}
	return a.db.inTx(ctx, func(tx *Tx) error {
		var old string
		err := tx.QueryRowContext(ctx, `SELECT name FROM passkeys WHERE id = $1 AND org_id = $2 AND `+column+` = $3`, id, v.OrgID, owner).Scan(&old)
		if err == sql.ErrNoRows {
			return fieldportal.NotFound("passkey")
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE passkeys SET name = $1 WHERE id = $2`, name, id); err != nil {
			return err
		}
		entity, entityID := passkeyEntity(v)
		return tx.audit(ctx, v, "passkey.renamed", entity, entityID, old+" → "+name)
	})
}

// RemovePasskey removes one of the viewer's own passkeys; the owner is
// told by mail, as when one is added.
func (a *Accounts) RemovePasskey(ctx context.Context, v fieldportal.Viewer, id string) error {
	u, column, owner, err := a.myPasskeys(ctx, v)
	if err != nil {
		return err
	}
	return a.db.inTx(ctx, func(tx *Tx) error {
		var name string
		err := tx.QueryRowContext(ctx, `SELECT name FROM passkeys WHERE id = $1 AND org_id = $2 AND `+column+` = $3`, id, v.OrgID, owner).Scan(&name)
		if err == sql.ErrNoRows {
			return fieldportal.NotFound("passkey")
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = $1`, id); err != nil {
			return err
		}
		return a.passkeyNotice(ctx, tx, v, u, "passkey.removed", name, mail.PasskeyRemoved)
	})
}

// passkeyNotice audits a passkey added or removed and mails its owner,
// whatever its mail choices: a security notice is not one to opt out of.
func (a *Accounts) passkeyNotice(ctx context.Context, tx *Tx, v fieldportal.Viewer, u *passkeyUser, action, name string,
	message func(org, greeting, name string) mail.Message) error {
	entity, entityID := passkeyEntity(v)
	if err := tx.audit(ctx, v, action, entity, entityID, name); err != nil {
		return err
	}
	if !fieldportal.ValidEmail(strings.TrimSpace(u.email)) {
		return nil
	}
	org, err := a.db.FindOrganisationByID(ctx, v.OrgID)
	if err != nil {
		return err
	}
	m := message(org.Name, u.greeting, name)
	m.To = strings.TrimSpace(u.email)
	return tx.enqueue(ctx, mail.Outbox(org.ID, strings.ReplaceAll(action, ".", "_"), m))
}

// passkeyEntity is what a passkey's audit entry is about: the login or
// the staff user (the passkey itself has no page).
func passkeyEntity(v fieldportal.Viewer) (entity, id string) {
	if v.StaffID != "" {
		return "staff", v.StaffID
	}
	return "login", v.LoginID
}

// passkeyName checks a passkey's name.
func passkeyName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", fieldportal.FieldErrorf("name", "Enter a name for the passkey, like the device it is on.")
	case utf8.RuneCountInString(name) > fieldportal.MaxPasskeyName:
		return "", fieldportal.FieldErrorf("name", "Passkey name must be at most %d characters.", fieldportal.MaxPasskeyName)
	case strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }):
		return "", fieldportal.FieldErrorf("name", "Passkey name must be one line of text.")
	}
	return name, nil
}

// storeCeremony keeps a started ceremony's data under a new token's hash
// and returns the token with the options for the browser.
func (a *Accounts) storeCeremony(ctx context.Context, orgID string, door fieldportal.Door, purpose string, o fieldportal.PasskeyOwner,
	session *webauthn.SessionData, options any) (*fieldportal.PasskeyCeremony, error) {
	data, err := json.Marshal(session)
	if err != nil {
		return nil, err
	}
	opts, err := json.Marshal(options)
	if err != nil {
		return nil, err
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	now := a.db.now()
	c := &fieldportal.PasskeyCeremony{Token: plain, Options: opts, ExpiresAt: now.Add(fieldportal.PasskeyCeremonyLifetime)}
	if _, err := a.db.db.ExecContext(ctx, `INSERT INTO passkey_ceremonies (token_hash, org_id, door, purpose, login_id, staff_id,
		data, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		hash, orgID, string(door), purpose, nullStr(o.LoginID), nullStr(o.StaffID), string(data), c.ExpiresAt, now); err != nil {
		return nil, fmt.Errorf("store passkey ceremony: %w", err)
	}
	return c, nil
}

// spendCeremony takes a ceremony's data for its one use: the row goes
// whatever the answer, so a ceremony cannot be tried twice. Another
// organisation's, door's or purpose's ceremony, an expired one or none
// is ENOTFOUND.
func (a *Accounts) spendCeremony(ctx context.Context, orgID string, door fieldportal.Door, purpose, token string) (*webauthn.SessionData, fieldportal.PasskeyOwner, error) {
	var o fieldportal.PasskeyOwner
	if token == "" {
		return nil, o, fieldportal.NotFound("passkey ceremony")
	}
	var data string
	var expires time.Time
	err := a.db.db.QueryRowContext(ctx, `DELETE FROM passkey_ceremonies WHERE token_hash = $1 AND org_id = $2 AND door = $3 AND purpose = $4
		RETURNING data, login_id, staff_id, expires_at`, auth.HashToken(token), orgID, string(door), purpose).
		Scan(&data, str(&o.LoginID), str(&o.StaffID), tm(&expires))
	if err == sql.ErrNoRows || err == nil && !a.db.now().Before(expires) {
		return nil, o, fieldportal.NotFound("passkey ceremony")
	} else if err != nil {
		return nil, o, fmt.Errorf("spend passkey ceremony: %w", err)
	}
	var s webauthn.SessionData
	if err := json.Unmarshal([]byte(data), &s); err != nil {
		return nil, o, fmt.Errorf("passkey ceremony data: %w", err)
	}
	return &s, o, nil
}

// checkPasskeyPassword checks the current password of the viewer (a
// contact's login or a staff user) before a passkey is added, counted
// exactly as the email change's and the password change's guesses are:
// scope "password", per account (the login's id, or "staff:" and the
// staff user's) and per client address. Every refusal, a throttle's
// too, names the add form's field "passkey_password".
func (a *Accounts) checkPasskeyPassword(ctx context.Context, v fieldportal.Viewer, r fieldportal.PasskeyRegistrationStart) error {
	const field = "passkey_password"
	var key, encoded, kind, id string
	switch v.Kind() {
	case fieldportal.ViewerContact:
		login, err := a.db.FindLoginByID(ctx, v.OrgID, v.LoginID)
		if err != nil {
			return err
		}
		key, encoded, kind, id = login.ID, login.PasswordHash, "login", login.ID
	case fieldportal.ViewerStaff:
		u, err := a.db.FindStaffByID(ctx, v.OrgID, v.StaffID)
		if err != nil {
			return err
		}
		key, encoded, kind, id = "staff:"+u.ID, u.PasswordHash, "staff", u.ID
	default:
		return fieldportal.NotFound("passkey")
	}
	th := a.throttle("password")
	if err := th.Check(ctx, key, r.ClientAddr); err != nil {
		return onField(err, field)
	}
	if r.CurrentPassword == "" {
		return fieldportal.FieldErrorf(field, "Enter your current password.")
	}
	ok, err := a.checkCurrent(ctx, th, key, r.ClientAddr, encoded, r.CurrentPassword, kind, id)
	if err != nil {
		return onField(err, field)
	}
	if !ok {
		return fieldportal.FieldErrorf(field, "Current password is not right.")
	}
	return nil
}

// onField puts a throttle's refusal on a form's field, keeping its code
// (and so its status and wait); any other error is returned as it is.
func onField(err error, field string) error {
	var e *fieldportal.Error
	if !errors.As(err, &e) || e.Code != fieldportal.ERATELIMIT {
		return err
	}
	c := *e
	c.Field, c.Fields = field, []fieldportal.FieldError{{Field: field, Message: e.Message}}
	return &c
}
