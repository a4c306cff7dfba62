package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestCatalogueAPIFilters checks the filters the API's lists of the
// catalogue take (external id, code, the active flag) and the save over
// the version read (If-Match).
func TestCatalogueAPIFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		o2 := fieldportal.SystemViewer(MustOrg(t, db, "Other Org").ID, "test")
		yes, no := true, false

		t.Run("items by external id, code and flag", func(t *testing.T) {
			for _, it := range []*fieldportal.Item{
				{ExternalID: "I-1", Code: "VALVE", Name: "Valve", Active: true},
				{ExternalID: "I-2", Code: "VALVE", Name: "Old valve"},
				{Code: "PUMP", Name: "Pump", Active: true},
			} {
				if err := db.CreateItem(ctx, staff, it); err != nil {
					t.Fatal(err)
				}
			}
			for name, tc := range map[string]struct {
				f    fieldportal.CatalogueFilter
				want []string
			}{
				"external id":       {fieldportal.CatalogueFilter{ExternalID: "I-2"}, []string{"Old valve"}},
				"code":              {fieldportal.CatalogueFilter{Code: "VALVE"}, []string{"Valve", "Old valve"}},
				"active":            {fieldportal.CatalogueFilter{Active: &yes}, []string{"Pump", "Valve"}},
				"archived":          {fieldportal.CatalogueFilter{Active: &no}, []string{"Old valve"}},
				"archived and code": {fieldportal.CatalogueFilter{Active: &no, Code: "PUMP"}, []string{}},
				"archived, synced":  {fieldportal.CatalogueFilter{Active: &no, UpdatedSince: time.Unix(0, 0)}, []string{"Old valve"}},
			} {
				t.Run(name, func(t *testing.T) {
					list, _, err := db.FindItems(ctx, staff, tc.f)
					if err != nil {
						t.Fatal(err)
					}
					got := idsOf(list, func(i *fieldportal.Item) string { return i.Name })
					if diff := cmp.Diff(tc.want, got, cmpEmpty); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
			if list, _, _ := db.FindItems(ctx, o2, fieldportal.CatalogueFilter{ExternalID: "I-1"}); len(list) != 0 {
				t.Errorf("another organisation finds %d", len(list))
			}
		})
		t.Run("scripts and contractors by external id", func(t *testing.T) {
			for _, s := range []*fieldportal.Script{{ExternalID: "S-1", Title: "Leak", Body: "a"}, {Title: "Boiler", Body: "b"}} {
				if err := db.CreateScript(ctx, staff, s); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range []*fieldportal.Contractor{{ExternalID: "K-1", Name: "Zeta"}, {Name: "Alpha"}} {
				if err := db.CreateContractor(ctx, staff, c); err != nil {
					t.Fatal(err)
				}
			}
			scripts, _, err := db.FindScripts(ctx, staff, fieldportal.CatalogueFilter{ExternalID: "S-1"})
			if err != nil || len(scripts) != 1 || scripts[0].Title != "Leak" {
				t.Errorf("scripts: %v %v", scripts, err)
			}
			ks, _, err := db.FindContractors(ctx, staff, fieldportal.ContractorFilter{ExternalID: "K-1"})
			if err != nil || len(ks) != 1 || ks[0].Name != "Zeta" {
				t.Errorf("contractors: %v %v", ks, err)
			}
			if ks, _, _ := db.FindContractors(ctx, o2, fieldportal.ContractorFilter{ExternalID: "K-1"}); len(ks) != 0 {
				t.Errorf("another organisation finds %d", len(ks))
			}
		})
		t.Run("a save over a stale version is refused", func(t *testing.T) {
			s := &fieldportal.Script{Title: "Versioned", Body: "1"}
			it := &fieldportal.Item{Code: "V", Name: "Versioned", Active: true}
			k := &fieldportal.Contractor{Name: "Versioned"}
			if err := db.CreateScript(ctx, staff, s); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateItem(ctx, staff, it); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateContractor(ctx, staff, k); err != nil {
				t.Fatal(err)
			}
			stale := s.UpdatedAt.Add(-time.Second)
			for name, save := range map[string]func(at time.Time) error{
				"script":     func(at time.Time) error { s.IfUpdatedAt = at; return db.UpdateScript(ctx, staff, s) },
				"item":       func(at time.Time) error { it.IfUpdatedAt = at; return db.UpdateItem(ctx, staff, it) },
				"contractor": func(at time.Time) error { k.IfUpdatedAt = at; return db.UpdateContractor(ctx, staff, k) },
			} {
				t.Run(name, func(t *testing.T) {
					if err := save(stale); !errors.Is(err, fieldportal.ErrChanged) {
						t.Errorf("stale save: %v", err)
					}
					if err := save(time.Time{}); err != nil {
						t.Errorf("save without a version: %v", err)
					}
				})
			}
			cur, err := db.FindScriptByID(ctx, staff, s.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.IfUpdatedAt, s.Body = cur.UpdatedAt, "2"
			if err := db.UpdateScript(ctx, staff, s); err != nil {
				t.Errorf("save over the current version: %v", err)
			}
		})
	})
}
