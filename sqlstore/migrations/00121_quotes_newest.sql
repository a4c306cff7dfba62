-- +goose Up
-- The portal's quote tabs list two or three stages newest first. With
-- quotes_org (org, stage, id) that is one index range per stage, merged
-- by a sort of every quote of those stages before the first page; this
-- index walks the organisation's quotes newest first instead, checking
-- stage and scope as it goes and stopping after a page (issue 16).
CREATE INDEX quotes_newest ON quotes (org_id, id);
