-- +goose Up
-- The mails a contact turned off in its preferences (issue 20): one row a
-- contact and kind. Every mail is on by default, so contacts that chose
-- nothing keep getting what they got; the recipient queries ask NOT
-- EXISTS by the primary key.
CREATE TABLE contact_mail_off (
    contact_id  TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
    kind        TEXT NOT NULL,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    PRIMARY KEY (contact_id, kind)
);

-- +goose Down
DROP TABLE IF EXISTS contact_mail_off;
