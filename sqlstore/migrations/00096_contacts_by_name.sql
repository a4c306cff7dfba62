-- +goose Up
-- The console's contacts list is read by name across the organisation:
-- an index in that order, so a page is a walk of 50 entries instead of a
-- sort of every contact (issue 15).
CREATE INDEX contacts_name ON contacts (org_id, last_name, first_name, id);
