-- +goose Up
-- Deposits (issue 22): a quote may ask for a deposit, a percentage of its
-- total including tax or a fixed amount in minor units. Accepting such a
-- quote online starts a checkout for the deposit that keeps the pending
-- acceptance (typed name, address, comment, time); the provider's
-- confirmation records the payment, linked to the quote, and only then
-- accepts the quote.
ALTER TABLE quotes ADD COLUMN deposit_kind TEXT NOT NULL DEFAULT '' CHECK (deposit_kind IN ('', 'percent', 'amount'));
ALTER TABLE quotes ADD COLUMN deposit_value BIGINT NOT NULL DEFAULT 0;
ALTER TABLE checkouts ADD COLUMN quote_id TEXT REFERENCES quotes(id);
ALTER TABLE checkouts ADD COLUMN signer_name TEXT NOT NULL DEFAULT '';
ALTER TABLE checkouts ADD COLUMN signed_from TEXT NOT NULL DEFAULT '';
ALTER TABLE checkouts ADD COLUMN accept_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE checkouts ADD COLUMN portal_url TEXT NOT NULL DEFAULT '';
-- The quote's version the signer accepted: the confirmation completes the
-- acceptance only if the quote is still that version.
ALTER TABLE checkouts ADD COLUMN quote_version TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN quote_id TEXT REFERENCES quotes(id);
CREATE INDEX checkouts_quote ON checkouts (quote_id, created_at) WHERE quote_id IS NOT NULL;
CREATE INDEX payments_quote ON payments (quote_id) WHERE quote_id IS NOT NULL;
