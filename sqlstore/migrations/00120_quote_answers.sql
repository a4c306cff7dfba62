-- +goose Up
-- Issue 16: a quote is priced and sent by the staff, then accepted or
-- declined online. The answer's record is the signer's typed name
-- (signed_by_name), its time (actioned_at), the client address it came
-- from and, for an acceptance, the comment typed with it; the price
-- keeps its tax rate (basis points) so the form shows it again, and when
-- it was sent.
ALTER TABLE quotes ADD COLUMN signed_from TEXT NOT NULL DEFAULT '';
ALTER TABLE quotes ADD COLUMN accept_comment TEXT NOT NULL DEFAULT '';
ALTER TABLE quotes ADD COLUMN tax_rate INTEGER NOT NULL DEFAULT 0;
ALTER TABLE quotes ADD COLUMN sent_at TIMESTAMPTZ;
