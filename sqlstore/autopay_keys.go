package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// PaymentAccount reads the payment provider an organisation chose and its
// keys, for work done with nobody signed in (the recurring invoice
// worker). The keys are stored by the pay-online part of issue 17; until
// its store lands this answers none, which is all test mode needs. It is
// the one place the worker reads them, to be replaced by that store's
// reader when the parts are merged.
func (d *DB) PaymentAccount(ctx context.Context, orgID string) (string, fieldportal.PaymentKeys, error) {
	st, err := d.FindSettings(ctx, orgID)
	if err != nil {
		return "", fieldportal.PaymentKeys{}, err
	}
	return st.PaymentProvider, fieldportal.PaymentKeys{}, nil
}
