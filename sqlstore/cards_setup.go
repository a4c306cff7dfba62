package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// ConfirmCardSetup keeps the card of a provider's completed set-up as the
// customer's one card (PutSavedCard: replacing the old one for every
// schedule, audited). The outcome's customer comes back from the provider,
// so it is checked again here: it must be one the viewer reaches with
// site access "all" (a card is a customer-level record), else the set-up
// is "not found". A set-up not yet done saves nothing.
func (d *DB) ConfirmCardSetup(ctx context.Context, v fieldportal.Viewer, o fieldportal.CardSetupOutcome) (*fieldportal.SavedCard, error) {
	if err := needModule(v, fieldportal.ModuleAutopay, "saved card"); err != nil {
		return nil, err
	}
	if !o.Done {
		return nil, fieldportal.Errorf(fieldportal.EINVALID, "The card was not saved: the provider has not finished setting it up.")
	}
	c := o.Card
	c.CustomerID = o.CustomerID
	if c.CustomerID == "" {
		return nil, fieldportal.NotFound("customer")
	}
	if err := d.PutSavedCard(ctx, v, &c); err != nil {
		if e, ok := err.(*fieldportal.Error); ok && e.Field == "customer_id" {
			return nil, fieldportal.NotFound("customer")
		}
		return nil, err
	}
	return &c, nil
}
