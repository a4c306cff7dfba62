-- +goose Up
-- The audit log of issue 20: from where (user agent beside the address
-- already kept), through which door, and the customer an entry is about,
-- which a contact who manages contacts reads at /preferences/activity
-- (scopeAudit in scope.go). Every list of /console/audit walks newest
-- first by (at, id): one index per filter, so each filter reads one
-- index range in order and stops after a page.
ALTER TABLE audit_log ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN door TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_log ADD COLUMN customer_id TEXT;
ALTER TABLE audit_log ADD COLUMN site_id TEXT;
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (org_id, at, id);
CREATE INDEX IF NOT EXISTS audit_log_door ON audit_log (org_id, door, at, id);
CREATE INDEX IF NOT EXISTS audit_log_actor ON audit_log (org_id, actor_kind, at, id);
CREATE INDEX IF NOT EXISTS audit_log_action ON audit_log (org_id, action, at, id);
CREATE INDEX IF NOT EXISTS audit_log_entity_at ON audit_log (org_id, entity, at, id);
CREATE INDEX IF NOT EXISTS audit_log_customer ON audit_log (org_id, customer_id, at, id);

-- +goose Down
DROP INDEX IF EXISTS audit_log_customer;
DROP INDEX IF EXISTS audit_log_entity_at;
DROP INDEX IF EXISTS audit_log_action;
DROP INDEX IF EXISTS audit_log_actor;
DROP INDEX IF EXISTS audit_log_door;
DROP INDEX IF EXISTS audit_log_at;
ALTER TABLE audit_log DROP COLUMN site_id;
ALTER TABLE audit_log DROP COLUMN customer_id;
ALTER TABLE audit_log DROP COLUMN door;
ALTER TABLE audit_log DROP COLUMN user_agent;
