-- +goose Up
-- The whole schema of SPEC §1. One text for both engines: written for
-- PostgreSQL; sqlstore rewrites TIMESTAMPTZ to TIMESTAMP for SQLite (the
-- only declared type its driver parses back into time.Time). Every tenant
-- row carries org_id; every table the back office syncs has an external_id
-- unique per organisation. Ids are UUIDv7 text; money is integer minor units.

CREATE TABLE organisations (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    host        TEXT UNIQUE,
    currency    TEXT NOT NULL DEFAULT 'GBP',
    time_zone   TEXT NOT NULL DEFAULT 'Europe/London',
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

-- Settings are one JSON document per organisation (modules shown, buttons
-- hidden, branding, password policy, diary overlap, booking window,
-- payment provider): read whole on every request, written by admins.
CREATE TABLE organisation_settings (
    org_id      TEXT PRIMARY KEY REFERENCES organisations(id),
    data        TEXT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE staff_users (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    email          TEXT NOT NULL,
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
    password_hash  TEXT NOT NULL DEFAULT '',
    disabled       BOOLEAN NOT NULL DEFAULT FALSE,
    last_login_at  TIMESTAMPTZ,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX staff_users_email ON staff_users (org_id, lower(email));

CREATE TABLE customers (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    external_id    TEXT,
    parent_id      TEXT REFERENCES customers(id),
    name           TEXT NOT NULL,
    address_line1  TEXT NOT NULL DEFAULT '',
    address_line2  TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    region         TEXT NOT NULL DEFAULT '',
    postcode       TEXT NOT NULL DEFAULT '',
    country        TEXT NOT NULL DEFAULT '',
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    tax_number     TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX customers_external ON customers (org_id, external_id);
CREATE INDEX customers_parent ON customers (parent_id);
CREATE INDEX customers_name ON customers (org_id, name, id);
CREATE INDEX customers_updated ON customers (org_id, updated_at, id);

CREATE TABLE contractors (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    external_id TEXT,
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX contractors_external ON contractors (org_id, external_id);
CREATE INDEX contractors_name ON contractors (org_id, name, id);

CREATE TABLE sites (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    external_id        TEXT,
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    name               TEXT NOT NULL,
    address_line1      TEXT NOT NULL DEFAULT '',
    address_line2      TEXT NOT NULL DEFAULT '',
    city               TEXT NOT NULL DEFAULT '',
    region             TEXT NOT NULL DEFAULT '',
    postcode           TEXT NOT NULL DEFAULT '',
    country            TEXT NOT NULL DEFAULT '',
    uprn               TEXT NOT NULL DEFAULT '',
    company_site       BOOLEAN NOT NULL DEFAULT FALSE,
    contractor_id      TEXT REFERENCES contractors(id),
    created_in_portal  BOOLEAN NOT NULL DEFAULT FALSE,
    notes              TEXT NOT NULL DEFAULT '',
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX sites_external ON sites (org_id, external_id);
CREATE INDEX sites_customer ON sites (customer_id, name, id);
CREATE INDEX sites_name ON sites (org_id, name, id);
CREATE INDEX sites_updated ON sites (org_id, updated_at, id);

CREATE TABLE contacts (
    id                    TEXT PRIMARY KEY,
    org_id                TEXT NOT NULL REFERENCES organisations(id),
    external_id           TEXT,
    customer_id           TEXT NOT NULL REFERENCES customers(id),
    first_name            TEXT NOT NULL,
    last_name             TEXT NOT NULL DEFAULT '',
    email                 TEXT NOT NULL DEFAULT '',
    phone                 TEXT NOT NULL DEFAULT '',
    mobile                TEXT NOT NULL DEFAULT '',
    position              TEXT NOT NULL DEFAULT '',
    quote_contact         BOOLEAN NOT NULL DEFAULT FALSE,
    job_contact           BOOLEAN NOT NULL DEFAULT FALSE,
    invoice_contact       BOOLEAN NOT NULL DEFAULT FALSE,
    statement_contact     BOOLEAN NOT NULL DEFAULT FALSE,
    is_primary            BOOLEAN NOT NULL DEFAULT FALSE,
    created_in_portal     BOOLEAN NOT NULL DEFAULT FALSE,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX contacts_external ON contacts (org_id, external_id);
CREATE INDEX contacts_customer ON contacts (customer_id, last_name, first_name, id);
CREATE INDEX contacts_email ON contacts (org_id, lower(email));
CREATE INDEX contacts_updated ON contacts (org_id, updated_at, id);

-- A contact's credentials and what it may use (SPEC §2). page_access is a
-- comma-separated list of module names; site_access is 'all' or 'assigned'
-- (then login_sites lists the sites).
CREATE TABLE portal_logins (
    id                    TEXT PRIMARY KEY,
    org_id                TEXT NOT NULL REFERENCES organisations(id),
    contact_id            TEXT NOT NULL UNIQUE REFERENCES contacts(id),
    username              TEXT NOT NULL,
    password_hash         TEXT NOT NULL DEFAULT '',
    status                TEXT NOT NULL CHECK (status IN ('invited', 'active', 'disabled')),
    must_change_password  BOOLEAN NOT NULL DEFAULT FALSE,
    page_access           TEXT NOT NULL DEFAULT '',
    site_access           TEXT NOT NULL DEFAULT 'all' CHECK (site_access IN ('all', 'assigned')),
    may_manage_contacts   BOOLEAN NOT NULL DEFAULT FALSE,
    last_login_at         TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX portal_logins_username ON portal_logins (org_id, lower(username));

CREATE TABLE login_sites (
    login_id  TEXT NOT NULL REFERENCES portal_logins(id) ON DELETE CASCADE,
    site_id   TEXT NOT NULL REFERENCES sites(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (login_id, site_id)
);
CREATE INDEX login_sites_site ON login_sites (site_id);

CREATE TABLE assets (
    id                TEXT PRIMARY KEY,
    org_id            TEXT NOT NULL REFERENCES organisations(id),
    external_id       TEXT,
    number            TEXT NOT NULL,
    customer_id       TEXT NOT NULL REFERENCES customers(id),
    site_id           TEXT NOT NULL REFERENCES sites(id),
    asset_type        TEXT NOT NULL,
    name              TEXT NOT NULL,
    location          TEXT NOT NULL DEFAULT '',
    serial            TEXT NOT NULL DEFAULT '',
    make              TEXT NOT NULL DEFAULT '',
    model             TEXT NOT NULL DEFAULT '',
    service_level     TEXT NOT NULL DEFAULT '',
    service_interval  TEXT NOT NULL DEFAULT '',
    next_service_due  DATE,
    installed_on      DATE,
    status            TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive', 'removed')),
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX assets_external ON assets (org_id, external_id);
CREATE INDEX assets_site ON assets (site_id, asset_type, number, id);
CREATE INDEX assets_org ON assets (org_id, number, id);
CREATE INDEX assets_updated ON assets (org_id, updated_at, id);
CREATE INDEX assets_due ON assets (org_id, next_service_due);

CREATE TABLE issues (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    external_id        TEXT,
    number             TEXT NOT NULL,
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    site_id            TEXT NOT NULL REFERENCES sites(id),
    asset_id           TEXT REFERENCES assets(id),
    title              TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    priority           TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    reported_by        TEXT REFERENCES contacts(id),
    closed_at          TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX issues_external ON issues (org_id, external_id);
CREATE INDEX issues_site ON issues (site_id, status, id);
CREATE INDEX issues_org ON issues (org_id, status, id);
CREATE INDEX issues_updated ON issues (org_id, updated_at, id);

CREATE TABLE issue_comments (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    issue_id        TEXT NOT NULL REFERENCES issues(id),
    author_contact  TEXT REFERENCES contacts(id),
    author_staff    TEXT REFERENCES staff_users(id),
    author_name     TEXT NOT NULL DEFAULT '',
    body            TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX issue_comments_issue ON issue_comments (issue_id, id);

CREATE TABLE quotes (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    external_id        TEXT,
    number             TEXT NOT NULL,
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    site_id            TEXT NOT NULL REFERENCES sites(id),
    contractor_id      TEXT REFERENCES contractors(id),
    stage              TEXT NOT NULL CHECK (stage IN ('requested', 'outstanding', 'approved', 'declined', 'expired')),
    order_no           TEXT NOT NULL DEFAULT '',
    preferred_date     DATE,
    description        TEXT NOT NULL DEFAULT '',
    total_ex_tax       BIGINT NOT NULL DEFAULT 0,
    tax                BIGINT NOT NULL DEFAULT 0,
    total_inc_tax      BIGINT NOT NULL DEFAULT 0,
    valid_until        DATE,
    requested_by       TEXT REFERENCES contacts(id),
    signed_by_name     TEXT NOT NULL DEFAULT '',
    actioned_at        TIMESTAMPTZ,
    decline_reason     TEXT NOT NULL DEFAULT '',
    created_in_portal  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX quotes_external ON quotes (org_id, external_id);
CREATE INDEX quotes_site ON quotes (site_id, stage, id);
CREATE INDEX quotes_org ON quotes (org_id, stage, id);
CREATE INDEX quotes_number ON quotes (org_id, number);
CREATE INDEX quotes_updated ON quotes (org_id, updated_at, id);

CREATE TABLE quote_items (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    quote_id     TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    item_id      TEXT,
    code         TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL,
    quantity     BIGINT NOT NULL DEFAULT 1,
    unit_price   BIGINT NOT NULL DEFAULT 0,
    total        BIGINT NOT NULL DEFAULT 0,
    optional     BOOLEAN NOT NULL DEFAULT FALSE,
    position     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX quote_items_quote ON quote_items (quote_id, position);

CREATE TABLE jobs (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    external_id        TEXT,
    number             TEXT NOT NULL,
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    site_id            TEXT NOT NULL REFERENCES sites(id),
    contractor_id      TEXT REFERENCES contractors(id),
    quote_id           TEXT REFERENCES quotes(id),
    kind               TEXT NOT NULL CHECK (kind IN ('service', 'install')),
    stage              TEXT NOT NULL CHECK (stage IN ('pending', 'scheduled', 'in_progress', 'complete', 'invoiced', 'archived')),
    order_no           TEXT NOT NULL DEFAULT '',
    preferred_date     DATE,
    preferred_window   TEXT NOT NULL DEFAULT '',
    scheduled_start    TIMESTAMPTZ,
    scheduled_end      TIMESTAMPTZ,
    due_date           DATE,
    technician         TEXT NOT NULL DEFAULT '',
    description        TEXT NOT NULL DEFAULT '',
    requested_by       TEXT REFERENCES contacts(id),
    created_in_portal  BOOLEAN NOT NULL DEFAULT FALSE,
    completed_at       TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX jobs_external ON jobs (org_id, external_id);
CREATE INDEX jobs_site ON jobs (site_id, kind, stage, id);
CREATE INDEX jobs_org ON jobs (org_id, kind, stage, id);
CREATE INDEX jobs_number ON jobs (org_id, number);
CREATE INDEX jobs_updated ON jobs (org_id, updated_at, id);

CREATE TABLE job_items (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    job_id       TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    item_id      TEXT,
    code         TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL,
    quantity     BIGINT NOT NULL DEFAULT 1,
    unit_price   BIGINT NOT NULL DEFAULT 0,
    total        BIGINT NOT NULL DEFAULT 0,
    position     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX job_items_job ON job_items (job_id, position);

-- Assets named on a job or quote ("assets needing work").
CREATE TABLE job_assets (
    job_id    TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    asset_id  TEXT NOT NULL REFERENCES assets(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (job_id, asset_id)
);
CREATE INDEX job_assets_asset ON job_assets (asset_id);

CREATE TABLE quote_assets (
    quote_id  TEXT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    asset_id  TEXT NOT NULL REFERENCES assets(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (quote_id, asset_id)
);
CREATE INDEX quote_assets_asset ON quote_assets (asset_id);

CREATE TABLE asset_tests (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    external_id  TEXT,
    asset_id     TEXT NOT NULL REFERENCES assets(id),
    job_id       TEXT REFERENCES jobs(id),
    tested_on    DATE NOT NULL,
    result       TEXT NOT NULL CHECK (result IN ('pass', 'fail', 'not_tested')),
    technician   TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    rectified_at TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX asset_tests_external ON asset_tests (org_id, external_id);
CREATE INDEX asset_tests_asset ON asset_tests (asset_id, tested_on, id);
CREATE INDEX asset_tests_org ON asset_tests (org_id, tested_on, id);
CREATE INDEX asset_tests_updated ON asset_tests (org_id, updated_at, id);

CREATE TABLE asset_transfers (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    external_id     TEXT,
    asset_id        TEXT NOT NULL REFERENCES assets(id),
    from_site_id    TEXT NOT NULL REFERENCES sites(id),
    to_site_id      TEXT NOT NULL REFERENCES sites(id),
    transferred_on  DATE NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX asset_transfers_external ON asset_transfers (org_id, external_id);
CREATE INDEX asset_transfers_asset ON asset_transfers (asset_id, transferred_on, id);

CREATE TABLE invoices (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    external_id    TEXT,
    number         TEXT NOT NULL,
    customer_id    TEXT NOT NULL REFERENCES customers(id),
    site_id        TEXT REFERENCES sites(id),
    job_id         TEXT REFERENCES jobs(id),
    contractor_id  TEXT REFERENCES contractors(id),
    issue_date     DATE NOT NULL,
    due_date       DATE NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    subtotal       BIGINT NOT NULL DEFAULT 0,
    tax            BIGINT NOT NULL DEFAULT 0,
    total          BIGINT NOT NULL DEFAULT 0,
    amount_paid    BIGINT NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('unpaid', 'part_paid', 'paid', 'void')),
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX invoices_external ON invoices (org_id, external_id);
CREATE INDEX invoices_customer ON invoices (customer_id, issue_date, id);
CREATE INDEX invoices_site ON invoices (site_id, issue_date, id);
CREATE INDEX invoices_org ON invoices (org_id, issue_date, id);
CREATE INDEX invoices_status ON invoices (org_id, status, due_date);
CREATE INDEX invoices_number ON invoices (org_id, number);
CREATE INDEX invoices_job ON invoices (job_id);
CREATE INDEX invoices_updated ON invoices (org_id, updated_at, id);

CREATE TABLE invoice_lines (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    invoice_id   TEXT NOT NULL REFERENCES invoices(id) ON DELETE CASCADE,
    description  TEXT NOT NULL,
    quantity     BIGINT NOT NULL DEFAULT 1,
    unit_price   BIGINT NOT NULL DEFAULT 0,
    tax          BIGINT NOT NULL DEFAULT 0,
    total        BIGINT NOT NULL DEFAULT 0,
    position     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX invoice_lines_invoice ON invoice_lines (invoice_id, position);

-- provider_ref is unique per organisation so that a payment confirmation
-- arriving twice is applied once (SPEC §9).
CREATE TABLE payments (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organisations(id),
    external_id     TEXT,
    customer_id     TEXT NOT NULL REFERENCES customers(id),
    amount          BIGINT NOT NULL,
    currency        TEXT NOT NULL,
    method          TEXT NOT NULL,
    provider        TEXT NOT NULL DEFAULT '',
    provider_ref    TEXT,
    receipt_number  TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'refunded')),
    paid_at         TIMESTAMPTZ,
    paid_by         TEXT REFERENCES contacts(id),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX payments_external ON payments (org_id, external_id);
CREATE UNIQUE INDEX payments_provider_ref ON payments (org_id, provider, provider_ref);
CREATE INDEX payments_customer ON payments (customer_id, paid_at, id);
CREATE INDEX payments_updated ON payments (org_id, updated_at, id);

CREATE TABLE payment_allocations (
    payment_id  TEXT NOT NULL REFERENCES payments(id),
    invoice_id  TEXT NOT NULL REFERENCES invoices(id),
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    amount      BIGINT NOT NULL,
    PRIMARY KEY (payment_id, invoice_id)
);
CREATE INDEX payment_allocations_invoice ON payment_allocations (invoice_id);

CREATE TABLE recurring_invoices (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organisations(id),
    external_id        TEXT,
    customer_id        TEXT NOT NULL REFERENCES customers(id),
    site_id            TEXT REFERENCES sites(id),
    name               TEXT NOT NULL,
    total_inc_tax      BIGINT NOT NULL,
    frequency          TEXT NOT NULL CHECK (frequency IN ('weekly', 'monthly', 'quarterly', 'yearly')),
    last_payment_date  DATE,
    next_due_date      DATE,
    autopay            BOOLEAN NOT NULL DEFAULT FALSE,
    active             BOOLEAN NOT NULL DEFAULT TRUE,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX recurring_invoices_external ON recurring_invoices (org_id, external_id);
CREATE INDEX recurring_invoices_customer ON recurring_invoices (customer_id, id);

-- One saved card per customer, held by the payment provider; we keep only
-- its reference and what a person needs to recognise it.
CREATE TABLE saved_cards (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    customer_id   TEXT NOT NULL UNIQUE REFERENCES customers(id),
    provider      TEXT NOT NULL,
    provider_ref  TEXT NOT NULL,
    brand         TEXT NOT NULL DEFAULT '',
    last4         TEXT NOT NULL DEFAULT '',
    exp_month     INTEGER NOT NULL DEFAULT 0,
    exp_year      INTEGER NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE certificates (
    id             TEXT PRIMARY KEY,
    org_id         TEXT NOT NULL REFERENCES organisations(id),
    external_id    TEXT,
    number         TEXT NOT NULL DEFAULT '',
    cert_type      TEXT NOT NULL,
    customer_id    TEXT NOT NULL REFERENCES customers(id),
    site_id        TEXT NOT NULL REFERENCES sites(id),
    contractor_id  TEXT REFERENCES contractors(id),
    job_id         TEXT REFERENCES jobs(id),
    issued_on      DATE NOT NULL,
    expires_on     DATE,
    document_id    TEXT,
    created_at     TIMESTAMPTZ NOT NULL,
    updated_at     TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX certificates_external ON certificates (org_id, external_id);
CREATE INDEX certificates_site ON certificates (site_id, issued_on, id);
CREATE INDEX certificates_org ON certificates (org_id, issued_on, id);

-- A document is attached to exactly one record (attached_to names its kind)
-- and carries the customer and site it is scoped by, so that the access
-- rules apply to files with the same predicate as to everything else.
CREATE TABLE documents (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organisations(id),
    external_id          TEXT,
    name                 TEXT NOT NULL,
    content_type         TEXT NOT NULL,
    size                 BIGINT NOT NULL,
    sha256               TEXT NOT NULL,
    storage_key          TEXT NOT NULL,
    attached_to          TEXT NOT NULL CHECK (attached_to IN ('customer', 'site', 'job', 'quote', 'invoice', 'asset', 'certificate', 'issue')),
    customer_id          TEXT NOT NULL REFERENCES customers(id),
    site_id              TEXT REFERENCES sites(id),
    job_id               TEXT REFERENCES jobs(id),
    quote_id             TEXT REFERENCES quotes(id),
    invoice_id           TEXT REFERENCES invoices(id),
    asset_id             TEXT REFERENCES assets(id),
    certificate_id       TEXT REFERENCES certificates(id),
    issue_id             TEXT REFERENCES issues(id),
    uploaded_by_contact  TEXT REFERENCES contacts(id),
    uploaded_by_staff    TEXT REFERENCES staff_users(id),
    visible_to_customer  BOOLEAN NOT NULL DEFAULT TRUE,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX documents_external ON documents (org_id, external_id);
CREATE INDEX documents_customer ON documents (customer_id, id);
CREATE INDEX documents_site ON documents (site_id, id);
CREATE INDEX documents_org ON documents (org_id, name, id);
CREATE INDEX documents_job ON documents (job_id);
CREATE INDEX documents_quote ON documents (quote_id);
CREATE INDEX documents_invoice ON documents (invoice_id);
CREATE INDEX documents_asset ON documents (asset_id);
CREATE INDEX documents_certificate ON documents (certificate_id);
CREATE INDEX documents_issue ON documents (issue_id);

-- File bytes for the default on-disk/in-database store are kept outside
-- this table (storage_key); see the files package.

CREATE TABLE appointments (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    external_id  TEXT,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    site_id      TEXT NOT NULL REFERENCES sites(id),
    job_id       TEXT REFERENCES jobs(id),
    quote_id     TEXT REFERENCES quotes(id),
    starts_at    TIMESTAMPTZ NOT NULL,
    ends_at      TIMESTAMPTZ NOT NULL,
    technician   TEXT NOT NULL DEFAULT '',
    description  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX appointments_external ON appointments (org_id, external_id);
CREATE INDEX appointments_site ON appointments (site_id, starts_at, id);
CREATE INDEX appointments_org ON appointments (org_id, starts_at, id);
CREATE INDEX appointments_technician ON appointments (org_id, technician, starts_at);

CREATE TABLE tasks (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    external_id  TEXT,
    customer_id  TEXT NOT NULL REFERENCES customers(id),
    site_id      TEXT REFERENCES sites(id),
    job_id       TEXT REFERENCES jobs(id),
    subject      TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('open', 'in_progress', 'done')),
    due_date     DATE,
    assignee     TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX tasks_external ON tasks (org_id, external_id);
CREATE INDEX tasks_customer ON tasks (customer_id, due_date, id);
CREATE INDEX tasks_site ON tasks (site_id, due_date, id);

CREATE TABLE scripts (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    external_id  TEXT,
    title        TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX scripts_external ON scripts (org_id, external_id);
CREATE INDEX scripts_title ON scripts (org_id, title, id);

CREATE TABLE items (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    external_id  TEXT,
    code         TEXT NOT NULL,
    name         TEXT NOT NULL,
    unit_price   BIGINT NOT NULL,
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX items_external ON items (org_id, external_id);
CREATE INDEX items_code ON items (org_id, code, id);

-- Server-side sessions: only the hash of the cookie's token is stored.
CREATE TABLE sessions (
    token_hash    TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    login_id      TEXT REFERENCES portal_logins(id) ON DELETE CASCADE,
    staff_id      TEXT REFERENCES staff_users(id) ON DELETE CASCADE,
    csrf_token    TEXT NOT NULL DEFAULT '',
    ip            TEXT NOT NULL DEFAULT '',
    user_agent    TEXT NOT NULL DEFAULT '',
    created_at    TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_login ON sessions (login_id);
CREATE INDEX sessions_staff ON sessions (staff_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Single-use links (invitation, setup, reset): only the hash is stored.
CREATE TABLE one_time_tokens (
    token_hash  TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('invite', 'reset', 'staff_reset')),
    login_id    TEXT REFERENCES portal_logins(id) ON DELETE CASCADE,
    staff_id    TEXT REFERENCES staff_users(id) ON DELETE CASCADE,
    expires_at  TIMESTAMPTZ NOT NULL,
    used_at     TIMESTAMPTZ,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX one_time_tokens_login ON one_time_tokens (login_id, purpose);

-- Failed attempts for throttling log in, reset and invite (keys carry
-- their own namespace and organisation).
CREATE TABLE auth_attempts (
    attempt_key  TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL
);
CREATE INDEX auth_attempts_key ON auth_attempts (attempt_key, at);

-- The outbox: mail and webhook deliveries written in the same transaction
-- as the change that causes them, sent by workers that claim each row.
CREATE TABLE outbox (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    kind             TEXT NOT NULL CHECK (kind IN ('mail', 'webhook')),
    topic            TEXT NOT NULL,
    recipient        TEXT NOT NULL DEFAULT '',
    subject          TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'held')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    claimed_by       TEXT NOT NULL DEFAULT '',
    claimed_until    TIMESTAMPTZ,
    last_error       TEXT NOT NULL DEFAULT '',
    endpoint_id      TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    sent_at          TIMESTAMPTZ
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_org ON outbox (org_id, kind, id);

CREATE TABLE webhook_endpoints (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    events      TEXT NOT NULL,
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_org ON webhook_endpoints (org_id);

CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organisations(id),
    name          TEXT NOT NULL,
    prefix        TEXT NOT NULL,
    key_hash      TEXT NOT NULL UNIQUE,
    created_by    TEXT REFERENCES staff_users(id),
    last_used_at  TIMESTAMPTZ,
    revoked_at    TIMESTAMPTZ,
    created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX api_keys_org ON api_keys (org_id);

CREATE TABLE idempotency_keys (
    org_id           TEXT NOT NULL REFERENCES organisations(id),
    api_key_id       TEXT NOT NULL,
    idem_key         TEXT NOT NULL,
    request_hash     TEXT NOT NULL,
    response_status  INTEGER NOT NULL,
    response_body    TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, api_key_id, idem_key)
);

CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    at          TIMESTAMPTZ NOT NULL,
    actor_kind  TEXT NOT NULL,
    actor_id    TEXT NOT NULL DEFAULT '',
    actor_name  TEXT NOT NULL DEFAULT '',
    action      TEXT NOT NULL,
    entity      TEXT NOT NULL DEFAULT '',
    entity_id   TEXT NOT NULL DEFAULT '',
    detail      TEXT NOT NULL DEFAULT '',
    ip          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);
CREATE INDEX audit_log_entity ON audit_log (org_id, entity, entity_id);

-- Per-organisation counters for human numbers (jobs, quotes, issues...).
CREATE TABLE counters (
    org_id  TEXT NOT NULL REFERENCES organisations(id),
    name    TEXT NOT NULL,
    value   BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);

-- File bytes for the default store (SQLite or PostgreSQL): kept in the
-- database so several instances share them with no shared disk.
CREATE TABLE file_blobs (
    storage_key  TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    data         BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);
