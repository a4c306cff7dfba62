-- +goose Up
-- At most one unused link per login and purpose: re-sending voids the old
-- link by deleting it first, and this index makes two re-sends racing each
-- other unable to leave two live links (one of them fails instead).
CREATE UNIQUE INDEX one_time_tokens_live ON one_time_tokens (login_id, purpose) WHERE used_at IS NULL;
