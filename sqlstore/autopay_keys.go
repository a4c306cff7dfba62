package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// PaymentAccount reads the payment provider an organisation chose and its
// keys, opened, for work done with nobody signed in (the recurring
// invoice worker's off-session charges).
func (d *DB) PaymentAccount(ctx context.Context, orgID string) (string, fieldportal.PaymentKeys, error) {
	st, err := d.FindSettings(ctx, orgID)
	if err != nil {
		return "", fieldportal.PaymentKeys{}, err
	}
	keys, err := d.GatewayKeys(ctx, orgID)
	if err != nil {
		return "", fieldportal.PaymentKeys{}, err
	}
	return st.PaymentProvider, keys, nil
}
