-- +goose Up
-- Paying online (issue 17): a checkout is a contact's attempt to pay
-- invoices, with the amounts the server fixed when it started; the
-- provider's confirmation applies it once (payments_provider_ref).
CREATE TABLE checkouts (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    login_id        TEXT NOT NULL REFERENCES portal_logins(id),
    contact_id      TEXT NOT NULL REFERENCES contacts(id),
    provider        TEXT NOT NULL,
    provider_id     TEXT NOT NULL DEFAULT '',
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'paid', 'refused')),
    back            TEXT NOT NULL DEFAULT '',
    payment_id      TEXT REFERENCES payments(id),
    receipt_number  TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX checkouts_login ON checkouts (login_id, created_at);
CREATE INDEX checkouts_org ON checkouts (org_id, created_at);

CREATE TABLE checkout_invoices (
    checkout_id  TEXT NOT NULL REFERENCES checkouts(id),
    invoice_id   TEXT NOT NULL REFERENCES invoices(id),
    amount       BIGINT NOT NULL,
    PRIMARY KEY (checkout_id, invoice_id)
);
CREATE INDEX checkout_invoices_invoice ON checkout_invoices (invoice_id);

-- An organisation's keys with its payment provider. The secret ones are
-- sealed with the install's secret (server_secrets 'payment_keys') and
-- never shown again after saving.
CREATE TABLE payment_keys (
    org_id           TEXT PRIMARY KEY REFERENCES organisations(id),
    publishable_key  TEXT NOT NULL DEFAULT '',
    secret_key       TEXT NOT NULL DEFAULT '',
    webhook_secret   TEXT NOT NULL DEFAULT '',
    updated_at       TIMESTAMPTZ NOT NULL
);

