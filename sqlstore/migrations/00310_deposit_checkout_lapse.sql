-- +goose Up
-- A deposit's checkout lapses (issue 22's deposits, the earlier of 24
-- hours and the end of the quote's last valid day): the provider's page
-- refuses payment after it, and a lapsed checkout is no longer a pending
-- acceptance nor reused by the payer's next start. NULL: no lapse of ours
-- (invoices' checkouts, and those started before this).
ALTER TABLE checkouts ADD COLUMN expires_at TIMESTAMPTZ;
