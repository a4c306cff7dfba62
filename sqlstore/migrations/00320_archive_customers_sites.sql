-- +goose Up
-- Customers and sites are archived, not deleted (issue 19): archived_at
-- is when the office took one out of use, NULL while it is in use. Its
-- records stay, and so does the reach of its contacts: the portal keeps
-- showing the history and only stops new work there. No index: the
-- lists filter on it with the reach and the search, which select the rows;
-- archived records are few, and "not archived" keeps nearly all of them.
ALTER TABLE customers ADD COLUMN archived_at TIMESTAMPTZ;
ALTER TABLE sites ADD COLUMN archived_at TIMESTAMPTZ;
