-- +goose Up
-- The Documents page's type filter (PDF, image, office, text, other) as
-- an expression over the content type, indexed in list order, so a
-- contact of many sites who asks for a rare type walks only the files of
-- that type (sqlstore/documents_list.go builds the same expression; the
-- two must stay identical for the planners to use the index).
CREATE INDEX IF NOT EXISTS documents_type_name ON documents (org_id, (CASE WHEN content_type IN ('application/pdf') THEN 'pdf' WHEN content_type IN ('image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/heic', 'image/heif') THEN 'image' WHEN content_type IN ('application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/vnd.openxmlformats-officedocument.presentationml.presentation', 'application/vnd.oasis.opendocument.text', 'application/vnd.oasis.opendocument.spreadsheet', 'application/msword', 'application/vnd.ms-excel') THEN 'office' WHEN content_type IN ('text/plain', 'text/csv') THEN 'text' ELSE 'other' END), name, id);
