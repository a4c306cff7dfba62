package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestCatalogue(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		site := mustAssetsSite(t, db, staff, cust.ID, "North")
		// A contact limited to one site, with no tabs at all: reference
		// data is still readable by every signed-in contact.
		contact := assetsContactViewer(t, db, org.ID, cust.ID, nil, site.ID)
		o2 := fieldportal.SystemViewer(MustOrg(t, db, "Other Org").ID, "test")

		t.Run("scripts", func(t *testing.T) {
			var first *fieldportal.Script
			for _, title := range []string{"Leak", "Boiler fault", "Annual service", "No heating"} {
				s := &fieldportal.Script{Title: title, Body: "Please attend: " + title}
				if err := db.CreateScript(ctx, staff, s); err != nil {
					t.Fatal(err)
				}
				if first == nil {
					first = s
				}
			}
			got, err := db.FindScriptByID(ctx, contact, first.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(first, got); diff != "" {
				t.Errorf("script differs (-want +got):\n%s", diff)
			}
			titles := pageAll(t, func(after string) ([]*fieldportal.Script, string, error) {
				return db.FindScripts(ctx, contact, fieldportal.CatalogueFilter{Page: fieldportal.Page{After: after, Limit: 3}})
			}, func(s *fieldportal.Script) string { return s.Title })
			if diff := cmp.Diff([]string{"Annual service", "Boiler fault", "Leak", "No heating"}, titles); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			list, _, err := db.FindScripts(ctx, staff, fieldportal.CatalogueFilter{Search: "attend: no"})
			if err != nil || len(list) != 1 || list[0].Title != "No heating" {
				t.Errorf("search: %v %v", list, err)
			}
			if f := fieldOf(db.CreateScript(ctx, staff, &fieldportal.Script{Title: "x"})); f != "body" {
				t.Errorf("field = %s, want body", f)
			}
			since := time.Now().UTC()
			time.Sleep(2 * time.Millisecond)
			first.Body = "Changed"
			if err := db.UpdateScript(ctx, staff, first); err != nil {
				t.Fatal(err)
			}
			list, _, err = db.FindScripts(ctx, staff, fieldportal.CatalogueFilter{UpdatedSince: since})
			if err != nil || len(list) != 1 || list[0].ID != first.ID {
				t.Errorf("updated since: %v %v", list, err)
			}
			a := &fieldportal.Script{ExternalID: "s-1", Title: "Synced", Body: "a"}
			if created, err := db.UpsertScriptByExternalID(ctx, staff, a); err != nil || !created {
				t.Fatalf("first upsert: %v %v", created, err)
			}
			b := &fieldportal.Script{ExternalID: "s-1", Title: "Synced", Body: "b"}
			if created, err := db.UpsertScriptByExternalID(ctx, staff, b); err != nil || created || b.ID != a.ID {
				t.Fatalf("second upsert: %v %v", created, err)
			}
			if err := db.CreateScript(ctx, contact, &fieldportal.Script{Title: "x", Body: "y"}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact creates a script: %v", err)
			}
			if list, _, _ := db.FindScripts(ctx, o2, fieldportal.CatalogueFilter{}); len(list) != 0 {
				t.Errorf("other org sees %d scripts", len(list))
			}
			if list, _, _ := db.FindScripts(ctx, fieldportal.Viewer{}, fieldportal.CatalogueFilter{}); len(list) != 0 {
				t.Errorf("anonymous sees %d scripts", len(list))
			}
		})
		t.Run("items", func(t *testing.T) {
			var items []*fieldportal.Item
			for i, code := range []string{"FILTER-2", "FILTER-1", "BELT-9"} {
				it := &fieldportal.Item{Code: code, Name: "Part " + code, UnitPrice: fieldportal.Money(1000 * (i + 1)), Active: code != "BELT-9"}
				if err := db.CreateItem(ctx, staff, it); err != nil {
					t.Fatal(err)
				}
				items = append(items, it)
			}
			got, err := db.FindItemByID(ctx, contact, items[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(items[0], got); diff != "" {
				t.Errorf("item differs (-want +got):\n%s", diff)
			}
			codes := pageAll(t, func(after string) ([]*fieldportal.Item, string, error) {
				return db.FindItems(ctx, staff, fieldportal.CatalogueFilter{Page: fieldportal.Page{After: after, Limit: 1}})
			}, func(i *fieldportal.Item) string { return i.Code })
			if diff := cmp.Diff([]string{"BELT-9", "FILTER-1", "FILTER-2"}, codes); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			list, _, err := db.FindItems(ctx, contact, fieldportal.CatalogueFilter{ActiveOnly: true, Search: "part"})
			if err != nil || len(list) != 2 {
				t.Errorf("active items: %d %v", len(list), err)
			}
			if f := fieldOf(db.CreateItem(ctx, staff, &fieldportal.Item{Code: "X", Name: "Y", UnitPrice: -1})); f != "unit_price" {
				t.Errorf("field = %s, want unit_price", f)
			}
			items[2].Active = true
			if err := db.UpdateItem(ctx, staff, items[2]); err != nil {
				t.Fatal(err)
			}
			a := &fieldportal.Item{ExternalID: "i-1", Code: "S", Name: "Synced", UnitPrice: 5}
			if created, err := db.UpsertItemByExternalID(ctx, staff, a); err != nil || !created {
				t.Fatalf("first upsert: %v %v", created, err)
			}
			b := &fieldportal.Item{ExternalID: "i-1", Code: "S", Name: "Synced", UnitPrice: 7}
			if created, err := db.UpsertItemByExternalID(ctx, staff, b); err != nil || created || b.ID != a.ID {
				t.Fatalf("second upsert: %v %v", created, err)
			}
			if got, _ := db.FindItemByID(ctx, staff, a.ID); got.UnitPrice != 7 {
				t.Errorf("price %v", got.UnitPrice)
			}
			if _, err := db.FindItemByID(ctx, o2, a.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("other org reads an item: %v", err)
			}
		})
		t.Run("contractors", func(t *testing.T) {
			k := MustContractor(t, db, staff, "Zeta Electrical")
			MustContractor(t, db, staff, "Alpha Gas")
			got, err := db.FindContractorByID(ctx, contact, k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(k, got); diff != "" {
				t.Errorf("contractor differs (-want +got):\n%s", diff)
			}
			names := pageAll(t, func(after string) ([]*fieldportal.Contractor, string, error) {
				return db.FindContractors(ctx, contact, fieldportal.ContractorFilter{Page: fieldportal.Page{After: after, Limit: 1}})
			}, func(c *fieldportal.Contractor) string { return c.Name })
			if diff := cmp.Diff([]string{"Alpha Gas", "Zeta Electrical"}, names); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if f := fieldOf(db.CreateContractor(ctx, staff, &fieldportal.Contractor{})); f != "name" {
				t.Errorf("field = %s, want name", f)
			}
			a := &fieldportal.Contractor{ExternalID: "k-1", Name: "Synced"}
			if created, err := db.UpsertContractorByExternalID(ctx, staff, a); err != nil || !created {
				t.Fatalf("first upsert: %v %v", created, err)
			}
			b := &fieldportal.Contractor{ExternalID: "k-1", Name: "Synced 2"}
			if created, err := db.UpsertContractorByExternalID(ctx, staff, b); err != nil || created || b.ID != a.ID {
				t.Fatalf("second upsert: %v %v", created, err)
			}
			if err := db.UpdateContractor(ctx, contact, b); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact updates a contractor: %v", err)
			}
			if list, _, _ := db.FindContractors(ctx, o2, fieldportal.ContractorFilter{}); len(list) != 0 {
				t.Errorf("other org sees %d contractors", len(list))
			}
			disabled := assetsContactViewer(t, db, org.ID, cust.ID, fieldportal.AllModules)
			if _, err := db.SQL().ExecContext(ctx, `UPDATE portal_logins SET status = 'disabled' WHERE id = $1`, disabled.LoginID); err != nil {
				t.Fatal(err)
			}
			if list, _, _ := db.FindContractors(ctx, disabled, fieldportal.ContractorFilter{}); len(list) != 0 {
				t.Errorf("a disabled login sees %d contractors", len(list))
			}
		})
	})
}
