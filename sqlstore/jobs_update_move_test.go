package sqlstore_test

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestUpdateJobAndMove checks the API's PATCH of fields with a stage: both
// in one transaction, the move by the console's rules with its history,
// and a refused move (here, one the stored stage no longer allows, as
// after a concurrent move) saving none of the fields.
func TestUpdateJobAndMove(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		t.Run("fields and move together", func(t *testing.T) {
			j := mustWorkJob(t, db, w.Staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
			j.Description, j.Technician = "Replace panel", "Sam"
			if err := db.UpdateJobAndMove(ctx, w.Staff, j, fieldportal.JobStageMove{To: fieldportal.StageScheduled, Note: "booked"}); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindJobByID(ctx, w.Staff, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != fieldportal.StageScheduled || got.Description != "Replace panel" || got.Technician != "Sam" {
				t.Errorf("job = %s %q %q, want scheduled, the new description and technician", got.Stage, got.Description, got.Technician)
			}
			if j.Stage != fieldportal.StageScheduled || !j.UpdatedAt.Equal(got.UpdatedAt) {
				t.Errorf("the job given back is at %s (%s), the stored one at %s (%s)", j.Stage, j.UpdatedAt, got.Stage, got.UpdatedAt)
			}
			h := stagesOf(t, db, w.Staff, j.ID)
			if len(h) != 2 || h[1][:len("pending>scheduled")] != "pending>scheduled" {
				t.Errorf("history %q, want the move recorded after the first stage", h)
			}
		})
		t.Run("a refused move saves no field", func(t *testing.T) {
			j := mustWorkJob(t, db, w.Staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService,
				Stage: fieldportal.StagePending, Description: "Before"})
			// Moved meanwhile to Archived, from which no move leads to
			// Complete; the PATCH still carries the stage it read.
			if _, err := db.MoveJobStage(ctx, w.Staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageArchived}); err != nil {
				t.Fatal(err)
			}
			j.Description = "After"
			err := db.UpdateJobAndMove(ctx, w.Staff, j, fieldportal.JobStageMove{To: fieldportal.StageComplete})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Fatalf("err = %v, want the move refused", err)
			}
			got, err := db.FindJobByID(ctx, w.Staff, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{string(fieldportal.StageArchived), "Before"}, []string{string(got.Stage), got.Description}); diff != "" {
				t.Errorf("stage and description (-want +got):\n%s", diff)
			}
		})
		t.Run("contacts may not", func(t *testing.T) {
			j := mustWorkJob(t, db, w.Staff, &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
			contact := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil)
			if err := db.UpdateJobAndMove(ctx, contact, j, fieldportal.JobStageMove{To: fieldportal.StageScheduled}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact's update and move = %v, want forbidden", err)
			}
		})
	})
}
