-- +goose Up
-- An API key's scope (SPEC §6): read (GET and HEAD only) or write. Keys
-- made before scopes existed could write, and the back offices holding
-- them may be writing: they stay write, so that no running integration
-- starts failing on upgrade. An admin who wants less makes a read key
-- and revokes the old one. New keys always name their scope.
ALTER TABLE api_keys ADD COLUMN scope TEXT NOT NULL DEFAULT 'write' CHECK (scope IN ('read', 'write'));

