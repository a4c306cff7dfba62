-- +goose Up
-- The reports (issue 18 point 7). The PPM grid aggregates a site's tests
-- of a year by asset type, day and result: read from the index alone, a
-- busy site's year is one range per asset. The Current defects report
-- walks an organisation's failed tests not yet rectified, few beside its
-- 2,000,000 tests, newest first (its keyset order), and checks each is
-- its asset's latest through asset_tests_asset.
CREATE INDEX IF NOT EXISTS asset_tests_ppm ON asset_tests (asset_id, tested_on, result, job_id);
CREATE INDEX IF NOT EXISTS asset_tests_defects ON asset_tests (org_id, tested_on, id) WHERE result = 'fail' AND rectified_at IS NULL;

-- +goose Down
DROP INDEX IF EXISTS asset_tests_defects;
DROP INDEX IF EXISTS asset_tests_ppm;
