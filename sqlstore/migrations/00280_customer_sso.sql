-- +goose Up
-- Single sign-on per customer (issue 21): a customer's OpenID Connect
-- provider and client (the secret sealed as the payment keys are), the
-- email domains it owns (each domain one customer's in an organisation),
-- and the sign-ins under way at a provider, kept under the hash of their
-- state, single use, for a few minutes.
CREATE TABLE customer_sso (
    customer_id    TEXT PRIMARY KEY REFERENCES customers(id) ON DELETE CASCADE,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    issuer         TEXT NOT NULL,
    client_id      TEXT NOT NULL,
    client_secret  TEXT NOT NULL DEFAULT '',
    enabled        BOOLEAN NOT NULL DEFAULT FALSE,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE TABLE customer_sso_domains (
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    domain       TEXT NOT NULL,
    customer_id  TEXT NOT NULL REFERENCES customer_sso(customer_id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, domain)
);
CREATE INDEX customer_sso_domains_customer ON customer_sso_domains (customer_id);
CREATE TABLE sso_flows (
    state_hash   TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    customer_id  TEXT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    verifier     TEXT NOT NULL,
    nonce        TEXT NOT NULL,
    next         TEXT NOT NULL DEFAULT '',
    expires_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sso_flows_expires ON sso_flows (expires_at);

-- +goose Down
DROP TABLE IF EXISTS sso_flows;
DROP TABLE IF EXISTS customer_sso_domains;
DROP TABLE IF EXISTS customer_sso;
