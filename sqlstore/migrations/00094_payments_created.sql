-- +goose Up
-- The payments list is newest first, (created_at DESC, id DESC): with an
-- index in that order both planners walk the organisation's payments from
-- the newest and stop after a page, checking each one's reach, instead of
-- reading every payment and every invoice they settled to sort them all
-- (issue 15's plans test found the whole invoices table read).
CREATE INDEX payments_created ON payments (org_id, created_at, id);
