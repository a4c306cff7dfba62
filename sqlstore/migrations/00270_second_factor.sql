-- +goose Up
-- Second factors (issue 21). A login (a contact's or a staff user's) has
-- at most one authenticator secret, sealed with the install's secret as
-- payment keys are; confirmed_at is NULL while it is being set up.
-- last_step is the last 30-second step whose code was accepted: a code
-- of that step or an earlier one is refused, so no code works twice.
CREATE TABLE totp_secrets (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    login_id      TEXT REFERENCES portal_logins(id) ON DELETE CASCADE,
    staff_id      TEXT REFERENCES staff_users(id) ON DELETE CASCADE,
    secret        TEXT NOT NULL,
    confirmed_at  TIMESTAMPTZ,
    last_step     BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    CHECK ((login_id IS NULL) <> (staff_id IS NULL))
);
CREATE UNIQUE INDEX totp_secrets_login ON totp_secrets (login_id);
CREATE UNIQUE INDEX totp_secrets_staff ON totp_secrets (staff_id);

-- Recovery codes: only their hashes; each works once.
CREATE TABLE recovery_codes (
    code_hash   TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    login_id    TEXT REFERENCES portal_logins(id) ON DELETE CASCADE,
    staff_id    TEXT REFERENCES staff_users(id) ON DELETE CASCADE,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK ((login_id IS NULL) <> (staff_id IS NULL))
);
CREATE INDEX recovery_codes_login ON recovery_codes (login_id);
CREATE INDEX recovery_codes_staff ON recovery_codes (staff_id);

-- A sign-in past its password and waiting for its second step: not a
-- session. Only the token's hash is kept; name is what was typed at the
-- password (the device cookie is bound to it); single use, ten minutes.
CREATE TABLE signin_challenges (
    token_hash  TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    login_id    TEXT REFERENCES portal_logins(id) ON DELETE CASCADE,
    staff_id    TEXT REFERENCES staff_users(id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('verify', 'setup')),
    name        TEXT NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL,
    CHECK ((login_id IS NULL) <> (staff_id IS NULL))
);
CREATE INDEX signin_challenges_login ON signin_challenges (login_id);
CREATE INDEX signin_challenges_staff ON signin_challenges (staff_id);
CREATE INDEX signin_challenges_expires ON signin_challenges (expires_at);

-- +goose Down
DROP TABLE IF EXISTS signin_challenges;
DROP TABLE IF EXISTS recovery_codes;
DROP TABLE IF EXISTS totp_secrets;
