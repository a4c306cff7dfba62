-- +goose Up
-- What a deleted record leaves (issue 19): a back office syncing by
-- updated_since reads the tombstones of a kind beside its records, in the
-- same (time, id) order, so the walk's index leads with the kind and the
-- time. Written in the delete's own transaction; pruned after 30 days.
CREATE TABLE tombstones (
    org_id       TEXT NOT NULL REFERENCES organisations(id),
    kind         TEXT NOT NULL,
    id           TEXT NOT NULL,
    external_id  TEXT,
    deleted_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (org_id, kind, id)
);
CREATE INDEX tombstones_walk ON tombstones (org_id, kind, deleted_at, id);
-- The prune, across organisations.
CREATE INDEX tombstones_age ON tombstones (deleted_at);

-- +goose Down
DROP TABLE IF EXISTS tombstones;
