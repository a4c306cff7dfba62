package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// Feedback tallies (migration 00305): the count and the sum of the
// ratings of each technician and each site of an organisation, which the
// console's averages read instead of every rating. A rating is never
// changed or deleted, so LeaveFeedback adds it to both rows in its
// transaction; the upsert is one statement, which PostgreSQL runs on the
// row's lock, so concurrent ratings all count. The technician's row is
// taken before the site's by every writer, so two never wait on each
// other in a circle.

// feedbackTechnicianKey is the technician columns of a tally row for a
// rating's staff user id and technician text: the staff user's id alone
// when it has one, else the text alone.
func feedbackTechnicianKey(staffID, technician string) (string, string) {
	if staffID != "" {
		return staffID, ""
	}
	return "", technician
}

// addFeedbackTallies counts a new rating in its technician's and its
// site's tallies.
func (tx *Tx) addFeedbackTallies(ctx context.Context, f *fieldportal.VisitFeedback) error {
	staffID, technician := feedbackTechnicianKey(f.TechnicianID, f.Technician)
	if _, err := tx.ExecContext(ctx, `INSERT INTO feedback_technician_tallies (org_id, technician_staff_id, technician, ratings, total)
		VALUES ($1, $2, $3, 1, $4) ON CONFLICT (org_id, technician_staff_id, technician) DO UPDATE
		SET ratings = feedback_technician_tallies.ratings + 1, total = feedback_technician_tallies.total + EXCLUDED.total`,
		f.OrgID, staffID, technician, f.Rating); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO feedback_site_tallies (org_id, site_id, ratings, total) VALUES ($1, $2, 1, $3)
		ON CONFLICT (org_id, site_id) DO UPDATE
		SET ratings = feedback_site_tallies.ratings + 1, total = feedback_site_tallies.total + EXCLUDED.total`,
		f.OrgID, f.SiteID, f.Rating)
	return err
}

// rebuildFeedbackTallies counts the ratings of an organisation (of every
// organisation when orgID is "") again, for ratings written around
// LeaveFeedback: the generator's bulk load, a repair. Migration 00305
// fills the tables with the same statements.
func rebuildFeedbackTallies(ctx context.Context, tx execer, orgID string) error {
	org := "org_id = $1"
	if orgID == "" {
		org = "CAST($1 AS TEXT) = ''"
	}
	for _, stmt := range []string{
		`DELETE FROM feedback_technician_tallies WHERE ` + org,
		`DELETE FROM feedback_site_tallies WHERE ` + org,
		`INSERT INTO feedback_technician_tallies (org_id, technician_staff_id, technician, ratings, total)
			SELECT org_id, COALESCE(technician_staff_id, ''), CASE WHEN technician_staff_id IS NULL THEN technician ELSE '' END,
				COUNT(*), SUM(rating)
			FROM visit_feedback WHERE ` + org + `
			GROUP BY org_id, COALESCE(technician_staff_id, ''), CASE WHEN technician_staff_id IS NULL THEN technician ELSE '' END`,
		`INSERT INTO feedback_site_tallies (org_id, site_id, ratings, total)
			SELECT org_id, site_id, COUNT(*), SUM(rating) FROM visit_feedback WHERE ` + org + ` GROUP BY org_id, site_id`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, orgID); err != nil {
			return err
		}
	}
	return nil
}

// average is the mean of count ratings summing to total, 0 for none.
func average(count int, total int64) float64 {
	if count == 0 {
		return 0
	}
	return float64(total) / float64(count)
}
