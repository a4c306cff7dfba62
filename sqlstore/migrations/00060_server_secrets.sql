-- +goose Up
-- Secrets of the install, made at random on first use by the program (a
-- migration cannot make random bytes the same way on both engines) and
-- shared by every instance: 'device_cookie' signs the device tokens that
-- let a browser that signed in before pass an account lock caused by
-- others (auth/device.go).
CREATE TABLE server_secrets (
    name        TEXT PRIMARY KEY,
    secret      TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
