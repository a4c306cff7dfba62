package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Both engines must fold case the same way beyond ASCII: sign-in and
// search compare lower-cased text.
func TestUnicodeCaseFolding(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Café Fire")
		sys := fieldportal.SystemViewer(org.ID, "test")
		c := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "ÉCOLE"})
		MustSite(t, db, sys, &fieldportal.Site{CustomerID: c.ID, Name: "ÉCOLE PRIMAIRE", Address: fieldportal.Address{Line1: "1 Rue"}})
		sites, _, err := db.FindSites(ctx, sys, fieldportal.SiteFilter{Search: "école"})
		if err != nil || len(sites) != 1 {
			t.Errorf("search école found %d sites (%v)", len(sites), err)
		}
		ct := &fieldportal.Contact{FirstName: "Olaf", CustomerID: c.ID}
		if err := db.CreateContact(ctx, sys, ct); err != nil {
			t.Fatal(err)
		}
		if err := db.CreatePortalLogin(ctx, sys, &fieldportal.PortalLogin{ContactID: ct.ID, Username: "ÖLAF", Pages: fieldportal.AllModules}); err != nil {
			t.Fatal(err)
		}
		for _, typed := range []string{"ÖLAF", "ölaf", "Ölaf"} {
			if _, err := db.FindLoginForSignIn(ctx, org.ID, typed); err != nil {
				t.Errorf("sign-in as %q: %v", typed, err)
			}
		}
	})
}
