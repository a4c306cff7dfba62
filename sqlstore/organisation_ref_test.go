package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestFindOrganisationByRef checks how the command line names an
// organisation: by id, host or name, or not at all when there is one.
func TestFindOrganisationByRef(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := t.Context()
		if _, err := db.FindOrganisationByRef(ctx, ""); code(err) != fieldportal.ENOTFOUND {
			t.Errorf("no organisation: %v", err)
		}
		acme := &fieldportal.Organisation{Name: "Acme Fire", Host: "acme.example.test"}
		if err := db.CreateOrganisation(ctx, acme); err != nil {
			t.Fatal(err)
		}
		if o, err := db.FindOrganisationByRef(ctx, ""); err != nil || o.ID != acme.ID {
			t.Errorf("the only one: %+v, %v", o, err)
		}
		other := &fieldportal.Organisation{Name: "Other Ltd", Host: "other.example.test"}
		if err := db.CreateOrganisation(ctx, other); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{acme.ID, "ACME.example.test", " acme fire "} {
			if o, err := db.FindOrganisationByRef(ctx, ref); err != nil || o.ID != acme.ID {
				t.Errorf("%q: %+v, %v", ref, o, err)
			}
		}
		if _, err := db.FindOrganisationByRef(ctx, ""); code(err) != fieldportal.EINVALID {
			t.Errorf("no name among two: %v", err)
		}
		if _, err := db.FindOrganisationByRef(ctx, "nobody"); code(err) != fieldportal.ENOTFOUND {
			t.Errorf("unknown: %v", err)
		}
	})
}
