-- +goose Up
-- Passkeys (issue 21): WebAuthn credentials of portal logins and staff
-- users. The credential id is kept base64url-encoded, the COSE public key
-- base64-encoded (both public: no secret is stored); the sign count,
-- flags, AAGUID and transports are what the authenticator reported.
CREATE TABLE passkeys (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    login_id       TEXT REFERENCES portal_logins(id) ON DELETE CASCADE,
    staff_id       TEXT REFERENCES staff_users(id) ON DELETE CASCADE,
    name           TEXT NOT NULL,
    credential_id  TEXT NOT NULL,
    public_key     TEXT NOT NULL,
    sign_count     BIGINT NOT NULL DEFAULT 0,
    flags          INTEGER NOT NULL,
    aaguid         TEXT NOT NULL,
    transports     TEXT NOT NULL,
    attestation    TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    last_used_at   TIMESTAMPTZ,
    CHECK ((login_id IS NULL) <> (staff_id IS NULL))
);
CREATE UNIQUE INDEX passkeys_credential ON passkeys (org_id, credential_id);
CREATE INDEX passkeys_login ON passkeys (login_id);
CREATE INDEX passkeys_staff ON passkeys (staff_id);

-- A started registration or sign-in ceremony: its data (the challenge)
-- is kept here, never in the browser, under the hash of the token the
-- browser holds; bound to the organisation and the door (and to the
-- login or staff user registering), spent on first use, short-lived.
CREATE TABLE passkey_ceremonies (
    token_hash  TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    door        TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    login_id    TEXT REFERENCES portal_logins(id) ON DELETE CASCADE,
    staff_id    TEXT REFERENCES staff_users(id) ON DELETE CASCADE,
    data        TEXT NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
-- The periodic clean-up (DeleteExpired).
CREATE INDEX passkey_ceremonies_expires ON passkey_ceremonies (expires_at);

-- +goose Down
DROP TABLE IF EXISTS passkey_ceremonies;
DROP TABLE IF EXISTS passkeys;
