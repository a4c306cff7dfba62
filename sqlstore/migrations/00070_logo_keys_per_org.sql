-- +goose Up
-- A logo's file was kept under "branding/logo/<sha>", one key for the whole
-- install, so a second organisation uploading the same image was refused.
-- Logos now live under "branding/<org>/logo/<sha>"; existing ones move.
UPDATE file_blobs SET storage_key = 'branding/' || org_id || '/logo/' || substr(storage_key, 15)
WHERE storage_key LIKE 'branding/logo/%';
