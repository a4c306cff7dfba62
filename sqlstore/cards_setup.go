package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// ConfirmCardSetup is built by the automatic payments part of issue 17;
// until then no card set-up can complete.
func (d *DB) ConfirmCardSetup(ctx context.Context, v fieldportal.Viewer, o fieldportal.CardSetupOutcome) (*fieldportal.SavedCard, error) {
	return nil, fieldportal.Errorf(fieldportal.EINVALID, "Saving a card is not available yet.")
}
