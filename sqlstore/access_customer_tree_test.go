package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of the console's customer tree (issue 20):
// staff read their organisation's tree; another organisation's customer
// is not found, and no contact, whatever it reaches, reads the tree.
func (w *writeWorld) customerTreeRows() []writeRow {
	ctx, db := w.ctx, w.db
	return []writeRow{
		{
			name: "FindCustomerNodes", covers: []string{"SiteService.FindCustomerNodes"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return pageErr(db.FindCustomerNodes(ctx, v, fieldportal.CustomerNodeFilter{ParentID: w.customerID(target)}))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "FindCustomerPath", covers: []string{"SiteService.FindCustomerPath"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.FindCustomerPath(ctx, v, w.customerID(target)))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "FindCustomerSites", covers: []string{"SiteService.FindCustomerSites"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return pageErr(db.FindCustomerSites(ctx, v, w.customerID(target), fieldportal.Page{}))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
	}
}

// pageErr is errOnly for a paged read: its rows are not checked (the
// store tests check what each level holds).
func pageErr[T any](_ T, _ string, err error) ([]string, error) { return nil, err }
