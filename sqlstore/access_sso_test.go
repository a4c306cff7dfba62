package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of a customer's single sign-on settings (issue
// 21): admins of the customer's organisation only; another organisation's
// customer is not found, and no contact or plain staff user reads them.
func (w *writeWorld) ssoRows() []writeRow {
	ctx, db := w.ctx, w.db
	return []writeRow{
		{
			name: "FindCustomerSSO", covers: []string{"SSOService.FindCustomerSSO"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.FindCustomerSSO(ctx, v, w.customerID(target)))
			},
			want: adminOnly(ofCustomer, notFound),
		},
		{
			// A fresh domain each attempt, so none is another's.
			name: "SaveCustomerSSO", covers: []string{"SSOService.SaveCustomerSSO"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.SaveCustomerSSO(ctx, v, &fieldportal.CustomerSSO{CustomerID: w.customerID(target),
					Issuer: "https://login.example.test", ClientID: "portal", ClientSecret: "secret",
					Domains: []string{"d" + w.next() + ".example.test"}, Enabled: true}))
			},
			want: adminOnly(ofCustomer, notFound),
		},
	}
}
