-- +goose Up
-- The console's feedback averages kept as running tallies (issue 22):
-- the averages read every rating of the organisation on each load (three
-- scans of some 50,000 ratings, 60 ms), so LeaveFeedback adds each rating
-- to its technician's and its site's row in its transaction, and the page
-- reads the 50 rows with most ratings from an index. Ratings are never
-- changed or deleted, so adding is enough (no recount).
--
-- A technician is the staff user of the rated visit when it had one,
-- whatever name the visit showed then (two staff users called "Sam" stay
-- apart, a renamed one keeps its ratings together), else the visit's
-- technician text: technician_staff_id is '' for those, technician is ''
-- for the staff users'.
CREATE TABLE feedback_technician_tallies (
    org_id              TEXT NOT NULL REFERENCES organisations(id),
    technician_staff_id TEXT NOT NULL DEFAULT '',
    technician          TEXT NOT NULL DEFAULT '',
    ratings             BIGINT NOT NULL,
    total               BIGINT NOT NULL,
    PRIMARY KEY (org_id, technician_staff_id, technician)
);
CREATE INDEX feedback_technician_tallies_most ON feedback_technician_tallies (org_id, ratings DESC, technician, technician_staff_id);

CREATE TABLE feedback_site_tallies (
    org_id  TEXT NOT NULL REFERENCES organisations(id),
    site_id TEXT NOT NULL REFERENCES sites(id),
    ratings BIGINT NOT NULL,
    total   BIGINT NOT NULL,
    PRIMARY KEY (org_id, site_id)
);
CREATE INDEX feedback_site_tallies_most ON feedback_site_tallies (org_id, ratings DESC, site_id);

INSERT INTO feedback_technician_tallies (org_id, technician_staff_id, technician, ratings, total)
    SELECT org_id, COALESCE(technician_staff_id, ''), CASE WHEN technician_staff_id IS NULL THEN technician ELSE '' END,
        COUNT(*), SUM(rating)
    FROM visit_feedback GROUP BY org_id, COALESCE(technician_staff_id, ''), CASE WHEN technician_staff_id IS NULL THEN technician ELSE '' END;
INSERT INTO feedback_site_tallies (org_id, site_id, ratings, total)
    SELECT org_id, site_id, COUNT(*), SUM(rating) FROM visit_feedback GROUP BY org_id, site_id;

-- The ratings list by technician, newest first: a staff user's ratings
-- by its id, the others' by their text (so a text filter does not walk a
-- staff user's ratings that showed the same name).
DROP INDEX visit_feedback_technician;
CREATE INDEX visit_feedback_technician ON visit_feedback (org_id, technician, created_at, id) WHERE technician_staff_id IS NULL;
CREATE INDEX visit_feedback_staff ON visit_feedback (org_id, technician_staff_id, created_at, id) WHERE technician_staff_id IS NOT NULL;
