package sqlstore

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// The back office's API keys (SPEC §6): made by an admin, shown once, and
// kept only as a hash; a key answers for its organisation alone.

// apiKeyPrefix starts every key, so a leaked one is recognisable (secret
// scanners look for such prefixes).
const apiKeyPrefix = "fpk_"

// apiKeyTouch is how stale last_used_at may get: a busy key is not
// written on every request.
const apiKeyTouch = time.Minute

// errAPIKeyAdmin refuses key management to anyone but an admin.
var errAPIKeyAdmin = fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can manage API keys.")

// badAPIKey is the one answer to a key that is unknown, revoked or of
// another organisation.
var badAPIKey = fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "The API key is not valid.")

const apiKeyColumns = `id, org_id, name, prefix, key_hash, scope, created_by, last_used_at, revoked_at, created_at`

func scanAPIKey(row interface{ Scan(...any) error }) (*fieldportal.APIKey, error) {
	var k fieldportal.APIKey
	err := row.Scan(&k.ID, &k.OrgID, &k.Name, &k.Prefix, &k.KeyHash, &k.Scope, str(&k.CreatedBy), tm(&k.LastUsedAt), tm(&k.RevokedAt), tm(&k.CreatedAt))
	return &k, err
}

// CreateAPIKey makes a key named name of a scope. The plain key is
// returned once; only its hash is stored, with its first 12 characters
// to recognise it.
func (d *DB) CreateAPIKey(ctx context.Context, v fieldportal.Viewer, name string, scope fieldportal.APIKeyScope) (string, *fieldportal.APIKey, error) {
	if !v.IsAdmin() {
		return "", nil, errAPIKeyAdmin
	}
	name = strings.TrimSpace(name)
	var bad fieldportal.Validation
	switch {
	case name == "":
		bad.Add("name", "Give the key a name, such as the system that will use it.")
	case utf8.RuneCountInString(name) > 100:
		bad.Add("name", "Name must be at most 100 characters.")
	}
	if !scope.Valid() {
		bad.Add("scope", "Scope must be read or write.")
	}
	if err := bad.Err(); err != nil {
		return "", nil, err
	}
	token, _, err := auth.NewToken()
	if err != nil {
		return "", nil, err
	}
	plain := apiKeyPrefix + token
	k := &fieldportal.APIKey{ID: newID(), OrgID: v.OrgID, Name: name, Prefix: plain[:12], KeyHash: auth.HashToken(plain), Scope: scope, CreatedBy: v.StaffID}
	err = d.inTx(ctx, func(tx *Tx) error {
		k.CreatedAt = tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_keys (id, org_id, name, prefix, key_hash, scope, created_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, k.ID, k.OrgID, k.Name, k.Prefix, k.KeyHash, string(k.Scope), nullStr(k.CreatedBy), tx.now); err != nil {
			return sqlErr(err, "API key")
		}
		return tx.audit(ctx, v, "api_key.created", "api_key", k.ID, k.Name+" ("+k.Prefix+"…, "+string(k.Scope)+")")
	})
	if err != nil {
		return "", nil, err
	}
	return plain, k, nil
}

// FindAPIKeys lists the organisation's keys, newest first, revoked ones
// included; admins only.
func (d *DB) FindAPIKeys(ctx context.Context, v fieldportal.Viewer) ([]*fieldportal.APIKey, error) {
	if !v.IsAdmin() {
		return nil, errAPIKeyAdmin
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE org_id = $1 ORDER BY created_at DESC, id DESC`, v.OrgID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanAPIKey)
}

// RevokeAPIKey stops a key working at once; revoking it again does
// nothing. Admins only.
func (d *DB) RevokeAPIKey(ctx context.Context, v fieldportal.Viewer, id string) error {
	if !v.IsAdmin() {
		return errAPIKeyAdmin
	}
	return d.inTx(ctx, func(tx *Tx) error {
		k, err := scanAPIKey(tx.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys WHERE org_id = $1 AND id = $2`, v.OrgID, id))
		if err != nil {
			return sqlErr(err, "API key")
		}
		if !k.RevokedAt.IsZero() {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_keys SET revoked_at = $2 WHERE id = $1`, id, tx.now); err != nil {
			return err
		}
		return tx.audit(ctx, v, "api_key.revoked", "api_key", k.ID, k.Name+" ("+k.Prefix+"…)")
	})
}

// apiKeyGuessLimit is how many bad keys one client address may present:
// 20 free in 15 minutes, then a wait that doubles from a second up to a
// minute. The wait is capped lower than a sign-in's so that a back office
// left running with a revoked key, once given its new one, is back
// within a minute.
var apiKeyGuessLimit = auth.Limit{Free: 20, Window: 15 * time.Minute, MaxDelay: time.Minute}

// apiKeyThrottle counts bad keys per client address in the database, so
// that every instance counts the same guesses. It counts no account: a
// guesser would only change the key, and counting by key would let
// anyone lock a real key out.
func (d *DB) apiKeyThrottle() auth.Throttle {
	t := auth.NewThrottle("apikey", d.Attempts())
	t.Now, t.PerAddress = d.now, apiKeyGuessLimit
	return t
}

// APIKeyViewer returns the viewer of a live, unrevoked key of the
// organisation, or EUNAUTHORIZED. A bad key counts against the client's
// address (clientAddr; "" counts nothing), and an address over the limit
// gets ERATELIMIT, with its wait, for any bad key it sends. A live key is
// admitted even then: an address may be shared (a NAT, or every client
// behind a reverse proxy not named as trusted), and refusing it would let
// anyone lock every key out with a few bad ones; a key is 256 random
// bits, so telling it apart teaches a guesser nothing it can use. It
// notes when the key was last used, at most once a minute.
func (d *DB) APIKeyViewer(ctx context.Context, orgID, plain, clientAddr string) (fieldportal.Viewer, error) {
	th := d.apiKeyThrottle()
	wait := th.Check(ctx, "", clientAddr)
	if wait != nil && fieldportal.ErrorCode(wait) != fieldportal.ERATELIMIT {
		return fieldportal.Viewer{}, wait
	}
	refuse := func() (fieldportal.Viewer, error) {
		if wait != nil {
			return fieldportal.Viewer{}, wait // not counted again while it waits
		}
		if err := th.Fail(ctx, "", clientAddr); err != nil {
			return fieldportal.Viewer{}, err
		}
		return fieldportal.Viewer{}, badAPIKey
	}
	if !strings.HasPrefix(plain, apiKeyPrefix) || orgID == "" {
		return refuse()
	}
	k, err := scanAPIKey(d.db.QueryRowContext(ctx, `SELECT `+apiKeyColumns+` FROM api_keys
		WHERE key_hash = $1 AND org_id = $2 AND revoked_at IS NULL`, auth.HashToken(plain), orgID))
	if err != nil {
		if fieldportal.ErrorCode(sqlErr(err, "API key")) == fieldportal.ENOTFOUND {
			return refuse()
		}
		return fieldportal.Viewer{}, err
	}
	if now := d.now(); now.Sub(k.LastUsedAt) >= apiKeyTouch {
		// Conditional, so requests arriving together write it once.
		if _, err := d.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = $2
			WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)`, k.ID, now, now.Add(-apiKeyTouch)); err != nil {
			d.logger.WarnContext(ctx, "note API key use", "err", err)
		}
	}
	return fieldportal.NewAPIKeyViewer(orgID, k.ID, k.Name, k.Scope), nil
}
