package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// MustOrg creates an organisation.
func MustOrg(tb testing.TB, db *sqlstore.DB, name string) *fieldportal.Organisation {
	tb.Helper()
	o := &fieldportal.Organisation{Name: name}
	if err := db.CreateOrganisation(context.Background(), o); err != nil {
		tb.Fatalf("create organisation: %v", err)
	}
	return o
}

// MustCustomer creates a customer.
func MustCustomer(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, c *fieldportal.Customer) *fieldportal.Customer {
	tb.Helper()
	if err := db.CreateCustomer(context.Background(), v, c); err != nil {
		tb.Fatalf("create customer: %v", err)
	}
	return c
}

// MustSite creates a site.
func MustSite(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, s *fieldportal.Site) *fieldportal.Site {
	tb.Helper()
	if err := db.CreateSite(context.Background(), v, s); err != nil {
		tb.Fatalf("create site: %v", err)
	}
	return s
}
