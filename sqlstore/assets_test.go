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

func TestAssets(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		group := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		school := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "School", ParentID: group.ID})
		other := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Elsewhere Ltd"})
		hq := mustAssetsSite(t, db, staff, group.ID, "HQ")
		campus := mustAssetsSite(t, db, staff, school.ID, "Campus")
		depot := mustAssetsSite(t, db, staff, other.ID, "Depot")

		mk := func(site *fieldportal.Site, typ, number, name string) *fieldportal.Asset {
			return MustAsset(t, db, staff, &fieldportal.Asset{SiteID: site.ID, Type: typ, Number: number, Name: name,
				Location: "Floor " + number, Serial: "SN-" + number})
		}
		ext := mk(hq, "Extinguisher", "A-002", "CO2 5kg")
		mk(hq, "Extinguisher", "A-001", "Water 9l")
		mk(hq, "Alarm panel", "P-001", "Main panel")
		mk(campus, "Extinguisher", "C-001", "Foam 6l")
		mk(campus, "Sprinkler", "S-001", "Riser valve")
		mk(depot, "Sprinkler", "D-001", "Pump")
		numbers := func(list []*fieldportal.Asset) []string {
			var out []string
			for _, a := range list {
				out = append(out, a.Number)
			}
			return out
		}

		t.Run("create and find", func(t *testing.T) {
			a := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: campus.ID, Type: "Emergency light", Number: "E-001",
				Name: "Exit sign", Make: "Acme", Model: "X1", ServiceInterval: "yearly", NextServiceDue: day(6, 30),
				InstalledOn: day(1, 2), ExternalID: "ext-e1"})
			if a.CustomerID != school.ID || a.Status != "active" {
				t.Errorf("customer %q status %q, want the site's customer and active", a.CustomerID, a.Status)
			}
			got, err := db.FindAssetByID(ctx, staff, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(a, got); diff != "" {
				t.Errorf("asset differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid asset names the field", func(t *testing.T) {
			err := db.CreateAsset(ctx, staff, &fieldportal.Asset{SiteID: hq.ID, Type: "X", Name: "No number"})
			if f := fieldOf(err); f != "number" {
				t.Errorf("field = %s, want number", f)
			}
			err = db.CreateAsset(ctx, staff, &fieldportal.Asset{SiteID: "nope", Type: "X", Name: "N", Number: "1"})
			if f := fieldOf(err); f != "site_id" {
				t.Errorf("field = %s, want site_id", f)
			}
		})
		t.Run("keyset pages cover every asset once in type and number order", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.Asset, string, error) {
				return db.FindAssets(ctx, staff, fieldportal.AssetFilter{Page: fieldportal.Page{After: after, Limit: 2}, Search: "-0"})
			}, func(a *fieldportal.Asset) string { return a.Number })
			want := []string{"P-001", "E-001", "A-001", "A-002", "C-001", "D-001", "S-001"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages differ (-want +got):\n%s", diff)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for name, c := range map[string]struct {
				f    fieldportal.AssetFilter
				want []string
			}{
				"site":          {fieldportal.AssetFilter{SiteID: hq.ID}, []string{"P-001", "A-001", "A-002"}},
				"type":          {fieldportal.AssetFilter{Type: "Sprinkler"}, []string{"D-001", "S-001"}},
				"search name":   {fieldportal.AssetFilter{Search: "riser"}, []string{"S-001"}},
				"search serial": {fieldportal.AssetFilter{Search: "sn-c-001"}, []string{"C-001"}},
				"search loc":    {fieldportal.AssetFilter{Search: "FLOOR P"}, []string{"P-001"}},
				"site and type": {fieldportal.AssetFilter{SiteID: campus.ID, Type: "Extinguisher"}, []string{"C-001"}},
				"literal %":     {fieldportal.AssetFilter{Search: "%"}, nil},
			} {
				t.Run(name, func(t *testing.T) {
					list, _, err := db.FindAssets(ctx, staff, c.f)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, numbers(list)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("asset types", func(t *testing.T) {
			got, err := db.FindAssetTypes(ctx, staff)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{"Alarm panel", "Emergency light", "Extinguisher", "Sprinkler"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("updated since", func(t *testing.T) {
			since := time.Now().UTC()
			time.Sleep(2 * time.Millisecond)
			a, _ := db.FindAssetByID(ctx, staff, ext.ID)
			a.Location = "Kitchen"
			if err := db.UpdateAsset(ctx, staff, a); err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindAssets(ctx, staff, fieldportal.AssetFilter{UpdatedSince: since})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"A-002"}, numbers(list)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("upsert by external id", func(t *testing.T) {
			a := &fieldportal.Asset{ExternalID: "bo-77", SiteID: depot.ID, Type: "Sprinkler", Number: "D-002", Name: "Valve"}
			created, err := db.UpsertAssetByExternalID(ctx, staff, a)
			if err != nil || !created {
				t.Fatalf("first upsert: created=%v err=%v", created, err)
			}
			b := &fieldportal.Asset{ExternalID: "bo-77", SiteID: depot.ID, Type: "Sprinkler", Number: "D-002", Name: "Check valve"}
			created, err = db.UpsertAssetByExternalID(ctx, staff, b)
			if err != nil || created || b.ID != a.ID {
				t.Fatalf("second upsert: created=%v err=%v id %s want %s", created, err, b.ID, a.ID)
			}
			got, _ := db.FindAssetByID(ctx, staff, a.ID)
			if got.Name != "Check valve" {
				t.Errorf("name = %q", got.Name)
			}
			if _, err := db.UpsertAssetByExternalID(ctx, staff, &fieldportal.Asset{SiteID: depot.ID, Type: "X", Number: "1", Name: "N"}); fieldOf(err) != "external_id" {
				t.Errorf("upsert without external id: %v", err)
			}
		})
		t.Run("transfer moves the asset and records it", func(t *testing.T) {
			a := mk(hq, "Hose reel", "H-001", "Reel")
			tr, err := db.TransferAsset(ctx, staff, a.ID, depot.ID, day(3, 4), "moved to depot")
			if err != nil {
				t.Fatal(err)
			}
			got, _ := db.FindAssetByID(ctx, staff, a.ID)
			if got.SiteID != depot.ID || got.CustomerID != other.ID || got.SiteName != "Depot" {
				t.Errorf("after transfer: site %s customer %s", got.SiteID, got.CustomerID)
			}
			if _, err := db.TransferAsset(ctx, staff, a.ID, depot.ID, day(3, 5), ""); fieldOf(err) != "to_site_id" {
				t.Errorf("transfer to the same site: %v", err)
			}
			if _, err := db.TransferAsset(ctx, staff, a.ID, "nope", day(3, 5), ""); fieldOf(err) != "to_site_id" {
				t.Errorf("transfer to no site: %v", err)
			}
			// Moving it by an update records a transfer too.
			got.SiteID = campus.ID
			if err := db.UpdateAsset(ctx, staff, got); err != nil {
				t.Fatal(err)
			}
			if got.CustomerID != school.ID {
				t.Errorf("update move: customer %s, want %s", got.CustomerID, school.ID)
			}
			list, err := db.FindAssetTransfers(ctx, staff, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 2 || list[1].ID != tr.ID || list[1].FromSiteID != hq.ID || list[1].ToSiteID != depot.ID ||
				list[1].Note != "moved to depot" || list[1].TransferredOn != day(3, 4) || list[0].ToSiteID != campus.ID {
				t.Errorf("transfers = %+v", list)
			}
			if diff := cmp.Diff(tr, list[1]); diff != "" {
				t.Errorf("transfer differs (-want +got):\n%s", diff)
			}
		})
		t.Run("only the operator writes", func(t *testing.T) {
			c := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules)
			err := db.CreateAsset(ctx, c, &fieldportal.Asset{SiteID: hq.ID, Type: "X", Number: "1", Name: "N"})
			if fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact create: %v", err)
			}
			if _, err := db.TransferAsset(ctx, c, ext.ID, campus.ID, day(1, 1), ""); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact transfer: %v", err)
			}
		})
		t.Run("contact scope", func(t *testing.T) {
			all := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules)
			child := assetsContactViewer(t, db, org.ID, school.ID, fieldportal.AllModules)
			assigned := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules, hq.ID)
			noTab := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.Modules{fieldportal.ModuleSites})
			for name, c := range map[string]struct {
				v    fieldportal.Viewer
				want []string
			}{
				"parent sees its children's sites": {all, []string{"P-001", "E-001", "A-001", "A-002", "C-001", "H-001", "S-001"}},
				"child sees its own":               {child, []string{"E-001", "C-001", "H-001", "S-001"}},
				"assigned sites only":              {assigned, []string{"P-001", "A-001", "A-002"}},
			} {
				t.Run(name, func(t *testing.T) {
					list, _, err := db.FindAssets(ctx, c.v, fieldportal.AssetFilter{})
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, numbers(list)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
			if _, err := db.FindAssetByID(ctx, child, ext.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("child reads a parent's asset: %v", err)
			}
			if _, err := db.FindAssetByID(ctx, all, ext.ID); err != nil {
				t.Errorf("parent reads its asset: %v", err)
			}
			if _, _, err := db.FindAssets(ctx, noTab, fieldportal.AssetFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("contact without the Equipment tab: %v", err)
			}
			types, err := db.FindAssetTypes(ctx, assigned)
			if err != nil || !cmp.Equal(types, []string{"Alarm panel", "Extinguisher"}) {
				t.Errorf("assigned contact's types = %v, %v", types, err)
			}
		})
		t.Run("another organisation and anonymous see nothing", func(t *testing.T) {
			o2 := fieldportal.SystemViewer(MustOrg(t, db, "Other Org").ID, "test")
			list, _, err := db.FindAssets(ctx, o2, fieldportal.AssetFilter{})
			if err != nil || len(list) != 0 {
				t.Errorf("other org sees %d assets (%v)", len(list), err)
			}
			if _, err := db.FindAssetByID(ctx, o2, ext.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("other org reads an asset: %v", err)
			}
			if _, err := db.TransferAsset(ctx, o2, ext.ID, depot.ID, day(1, 1), ""); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("other org transfers an asset: %v", err)
			}
			if tr, err := db.FindAssetTransfers(ctx, o2, ext.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND || len(tr) != 0 {
				t.Errorf("other org sees transfers: %v %v", tr, err)
			}
			if _, _, err := db.FindAssets(ctx, fieldportal.Viewer{}, fieldportal.AssetFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("anonymous lists assets: %v", err)
			}
		})
	})
}
