package server

import (
	"testing"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIAssetTransfers walks the asset-transfers resource on both
// engines: a transfer moves the asset to the new site's customer, by ids
// or external ids; lists filter by asset; bad input names its fields.
func TestAPIAssetTransfers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		_, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		cu2, site2 := mustAPICustomerSite(t, c, "C-2", "S-2")
		x1, x2 := mustAPIAsset(t, c, site.ID, "A-1"), mustAPIAsset(t, c, site.ID, "A-2")

		var made api.AssetTransfer
		res := c.must(201, &made, "POST", "/api/v1/asset-transfers",
			`{"asset_external_id":"A-1","to_site_external_id":"S-2","transferred_on":"2026-11-30","note":"Refit"}`)
		t.Run("a transfer moves the asset to the new site's customer", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/asset-transfers/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.AssetID != x1.ID || made.FromSiteID != site.ID || made.ToSiteID != site2.ID ||
				made.TransferredOn.String() != "2026-11-30" || made.Note != "Refit" {
				t.Errorf("transfer = %+v", made)
			}
			var got api.AssetTransfer
			c.must(200, &got, "GET", "/api/v1/asset-transfers/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
			var moved api.Asset
			c.must(200, &moved, "GET", "/api/v1/assets/"+x1.ID, "")
			if moved.SiteID != site2.ID || moved.CustomerID != cu2.ID {
				t.Errorf("asset = %+v", moved)
			}
		})
		var second api.AssetTransfer
		c.must(201, &second, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+x2.ID+`","to_site_id":"`+site2.ID+`"}`)
		t.Run("lists all, or one asset's", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"", []string{made.ID, second.ID}},
				{"?asset_id=" + x2.ID, []string{second.ID}},
			} {
				var list api.List[api.AssetTransfer]
				c.must(200, &list, "GET", "/api/v1/asset-transfers"+tc.query, "")
				got := map[string]bool{}
				for _, x := range list.Data {
					got[x.ID] = true
				}
				want := map[string]bool{}
				for _, id := range tc.want {
					want[id] = true
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%q (-want +got):\n%s", tc.query, diff)
				}
			}
			var list api.List[api.AssetTransfer]
			c.must(200, &list, "GET", "/api/v1/asset-transfers?updated_since=2000-01-01T00:00:00Z", "")
			if len(list.Data) != 0 {
				t.Errorf("updated_since handed out records inside the horizon: %+v", list.Data)
			}
		})
		t.Run("bad requests name what failed", func(t *testing.T) {
			c.problem(422, []string{"asset_id", "to_site_id"}, "POST", "/api/v1/asset-transfers", `{}`)
			c.problem(422, []string{"transferred_on"}, "POST", "/api/v1/asset-transfers",
				`{"asset_id":"`+x2.ID+`","to_site_id":"`+site.ID+`","transferred_on":"soon"}`)
			c.problem(422, []string{"to_site_id"}, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+x2.ID+`","to_site_id":"`+site2.ID+`"}`)
			c.problem(422, []string{"to_site_external_id"}, "POST", "/api/v1/asset-transfers",
				`{"asset_id":"`+x2.ID+`","to_site_external_id":"NOPE"}`)
			c.problem(422, []string{"asset_external_id"}, "POST", "/api/v1/asset-transfers",
				`{"asset_external_id":"NOPE","to_site_id":"`+site.ID+`"}`)
			c.problem(404, nil, "GET", "/api/v1/asset-transfers?asset_id=no-such-asset", "")
		})
	})
}

// TestAPIAssetTransfersOtherOrganisation checks that an organisation can
// neither see another's transfers nor move its assets or to its sites, and
// that a read key may not transfer.
func TestAPIAssetTransfersOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		other := mustOrg(t, db, "Other Org", "other.example.test")
		theirs := mustAPIClient(t, f, other.ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		_, site2 := mustAPICustomerSite(t, ours, "C-2", "S-2")
		x := mustAPIAsset(t, ours, site.ID, "SHARED")
		var tr api.AssetTransfer
		ours.must(201, &tr, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+x.ID+`","to_site_id":"`+site2.ID+`"}`)
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		mine := mustAPIAsset(t, theirs, theirSite.ID, "MINE")

		theirs.problem(404, nil, "GET", "/api/v1/asset-transfers/"+tr.ID, "")
		theirs.problem(404, nil, "GET", "/api/v1/asset-transfers?asset_id="+x.ID, "")
		theirs.problem(422, []string{"asset_id"}, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+x.ID+`","to_site_id":"`+theirSite.ID+`"}`)
		theirs.problem(422, []string{"asset_external_id"}, "POST", "/api/v1/asset-transfers",
			`{"asset_external_id":"SHARED","to_site_id":"`+theirSite.ID+`"}`)
		theirs.problem(422, []string{"to_site_id"}, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+mine.ID+`","to_site_id":"`+site.ID+`"}`)
		var list api.List[api.AssetTransfer]
		theirs.must(200, &list, "GET", "/api/v1/asset-transfers", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		var still api.Asset
		ours.must(200, &still, "GET", "/api/v1/assets/"+x.ID, "")
		if still.SiteID != site2.ID {
			t.Errorf("our asset moved: %+v", still)
		}

		t.Run("a read key reads but may not transfer", func(t *testing.T) {
			rd := mustAPIReadClient(t, f, other.ID, "other.example.test")
			rd.must(200, nil, "GET", "/api/v1/asset-transfers", "")
			rd.problem(403, nil, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+mine.ID+`","to_site_id":"`+theirSite.ID+`"}`)
		})
	})
}
