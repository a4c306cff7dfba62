package server

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIAssets walks the assets resource end to end on both engines: the
// site by external id, a move by PATCH recorded as a transfer, upserts,
// filters, versions and bad input.
func TestAPIAssets(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		cu2, site2 := mustAPICustomerSite(t, c, "C-2", "S-2")

		var made api.Asset
		res := c.must(201, &made, "POST", "/api/v1/assets",
			`{"site_external_id":"S-1","number":"A-1","asset_type":"Extinguisher","name":"CO2 2kg","next_service_due":"2027-01-31"}`)
		t.Run("create answers the asset, active, with its site's customer", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/assets/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.SiteID != site.ID || made.CustomerID != cu.ID || made.Status != "active" || made.ExternalID != nil ||
				made.NextServiceDue == nil || made.NextServiceDue.String() != "2027-01-31" || made.InstalledOn != nil {
				t.Errorf("asset = %+v", made)
			}
			var got api.Asset
			c.must(200, &got, "GET", "/api/v1/assets/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
		})
		t.Run("patch changes only the fields sent", func(t *testing.T) {
			var got api.Asset
			c.must(200, &got, "PATCH", "/api/v1/assets/"+made.ID, `{"location":"Plant room","next_service_due":null}`)
			if got.Location != "Plant room" || got.Name != "CO2 2kg" || got.NextServiceDue != nil || got.Number != "A-1" {
				t.Errorf("asset = %+v", got)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/assets/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/assets/"+made.ID, `{"serial":"SN1"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/assets/"+made.ID, `{"serial":"SN2"}`, "If-Match", stale)
		})
		t.Run("a new site moves the asset to its customer, with a transfer", func(t *testing.T) {
			var got api.Asset
			c.must(200, &got, "PATCH", "/api/v1/assets/"+made.ID, `{"site_external_id":"S-2"}`)
			if got.SiteID != site2.ID || got.CustomerID != cu2.ID {
				t.Errorf("moved = %+v", got)
			}
			ts, err := db.FindAssetTransfers(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), made.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != 1 || ts[0].FromSiteID != site.ID || ts[0].ToSiteID != site2.ID {
				t.Errorf("transfers = %+v", ts)
			}
		})
		t.Run("upsert by external id twice leaves one asset", func(t *testing.T) {
			body := `{"site_id":"` + site.ID + `","number":"A-2","asset_type":"Alarm","name":"Panel","status":"inactive"}`
			var first, second api.Asset
			c.must(201, &first, "PUT", "/api/v1/assets/by-external-id/BO-A2", body)
			c.must(200, &second, "PUT", "/api/v1/assets/by-external-id/BO-A2", body)
			if first.ID != second.ID || second.ExternalID == nil || *second.ExternalID != "BO-A2" || second.Status != "inactive" {
				t.Errorf("first %+v second %+v", first, second)
			}
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/assets/by-external-id/BO-A2",
				`{"external_id":"OTHER","site_id":"`+site.ID+`","number":"A-2","asset_type":"Alarm","name":"Panel"}`)
		})
		t.Run("filters", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"external_id=BO-A2", []string{"A-2"}},
				{"site_id=" + site2.ID, []string{"A-1"}},
				{"customer_id=" + cu.ID, []string{"A-2"}},
				{"asset_type=Extinguisher", []string{"A-1"}},
				{"status=inactive", []string{"A-2"}},
				{"status=active&asset_type=Alarm", nil},
			} {
				var list api.List[api.Asset]
				c.must(200, &list, "GET", "/api/v1/assets?"+tc.query, "")
				var got []string
				for _, x := range list.Data {
					got = append(got, x.Number)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.query, diff)
				}
			}
			var list api.List[api.Asset]
			c.must(200, &list, "GET", "/api/v1/assets?updated_since=2000-01-01T00:00:00Z", "")
			if len(list.Data) != 0 {
				// Both were changed just now, within the sync lag.
				t.Errorf("updated_since handed out records inside the horizon: %+v", list.Data)
			}
		})
		t.Run("bad requests name what failed", func(t *testing.T) {
			c.problem(422, []string{"number", "site_id", "asset_type", "name"}, "POST", "/api/v1/assets", `{}`)
			c.problem(422, []string{"installed_on"}, "POST", "/api/v1/assets",
				`{"site_id":"`+site.ID+`","number":"A-9","asset_type":"X","name":"Y","installed_on":"31/01/2027"}`)
			c.problem(422, []string{"site_external_id"}, "POST", "/api/v1/assets",
				`{"site_external_id":"NOPE","number":"A-9","asset_type":"X","name":"Y"}`)
			c.problem(422, []string{"status"}, "PATCH", "/api/v1/assets/"+made.ID, `{"status":"lost"}`)
			c.problem(400, []string{"status"}, "GET", "/api/v1/assets?status=lost", "")
			c.problem(400, []string{"colour"}, "GET", "/api/v1/assets?colour=red", "")
		})
	})
}

// TestAPIAssetsOtherOrganisation checks that an organisation cannot reach
// or refer to another's assets or sites, by id or by external id, and that
// a read key may not write them.
func TestAPIAssetsOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		other := mustOrg(t, db, "Other Org", "other.example.test")
		theirs := mustAPIClient(t, f, other.ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "SHARED-SITE")
		var x api.Asset
		ours.must(201, &x, "PUT", "/api/v1/assets/by-external-id/SHARED",
			`{"site_id":"`+site.ID+`","number":"A-1","asset_type":"Extinguisher","name":"Ours"}`)

		theirs.problem(404, nil, "GET", "/api/v1/assets/"+x.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/assets/"+x.ID, `{"name":"Taken"}`)
		theirs.problem(422, []string{"site_id"}, "POST", "/api/v1/assets",
			`{"site_id":"`+site.ID+`","number":"A-1","asset_type":"X","name":"Theirs"}`)
		theirs.problem(422, []string{"site_external_id"}, "POST", "/api/v1/assets",
			`{"site_external_id":"SHARED-SITE","number":"A-1","asset_type":"X","name":"Theirs"}`)
		var list api.List[api.Asset]
		theirs.must(200, &list, "GET", "/api/v1/assets?external_id=SHARED", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "T-1")
		var mine api.Asset
		theirs.must(201, &mine, "PUT", "/api/v1/assets/by-external-id/SHARED",
			`{"site_id":"`+theirSite.ID+`","number":"A-1","asset_type":"X","name":"Theirs"}`)
		var again api.Asset
		ours.must(200, &again, "GET", "/api/v1/assets/"+x.ID, "")
		if mine.ID == x.ID || again.Name != "Ours" {
			t.Errorf("their upsert touched ours: %+v / %+v", mine, again)
		}
		// Our asset cannot be moved to their site.
		ours.problem(422, []string{"site_id"}, "PATCH", "/api/v1/assets/"+x.ID, `{"site_id":"`+theirSite.ID+`"}`)

		t.Run("a read key reads but may not write", func(t *testing.T) {
			rd := mustAPIReadClient(t, f, other.ID, "other.example.test")
			rd.must(200, nil, "GET", "/api/v1/assets/"+mine.ID, "")
			rd.problem(403, nil, "PATCH", "/api/v1/assets/"+mine.ID, `{"name":"Read"}`)
			rd.problem(403, nil, "POST", "/api/v1/assets", `{"site_id":"`+theirSite.ID+`","number":"A-3","asset_type":"X","name":"Y"}`)
		})
	})
}

// mustAPIReadClient makes a read key of the organisation and a client with it.
func mustAPIReadClient(t *testing.T, f *fixture, orgID, host string) *apiClient {
	t.Helper()
	key, _, err := f.db.CreateAPIKey(t.Context(), fieldportal.SystemViewer(orgID, "test"), "Reader", fieldportal.APIKeyRead)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, h: f.s.Handler(), host: host, key: key}
}
