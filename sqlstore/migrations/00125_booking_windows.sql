-- +goose Up
-- The time windows customers book through the portal (booking.go): one
-- per booked job or requested quote that asked for a window. A window
-- holds its site's diary while its job is pending or its quote requested,
-- so two customers cannot book the same window when overlaps are off.
CREATE TABLE booking_windows (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organisations(id),
    site_id     TEXT NOT NULL REFERENCES sites(id),
    job_id      TEXT REFERENCES jobs(id),
    quote_id    TEXT REFERENCES quotes(id),
    starts_at   TIMESTAMPTZ NOT NULL,
    ends_at     TIMESTAMPTZ NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX booking_windows_site ON booking_windows (site_id, starts_at);
CREATE INDEX booking_windows_job ON booking_windows (job_id);
CREATE INDEX booking_windows_quote ON booking_windows (quote_id);
