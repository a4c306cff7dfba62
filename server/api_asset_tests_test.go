package server

import (
	"testing"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// mustAPIAsset makes an asset with an external id at a site by the API.
func mustAPIAsset(t *testing.T, c *apiClient, siteID, ext string) api.Asset {
	t.Helper()
	var x api.Asset
	c.must(201, &x, "PUT", "/api/v1/assets/by-external-id/"+ext,
		`{"site_id":"`+siteID+`","number":"`+ext+`","asset_type":"Extinguisher","name":"CO2 `+ext+`"}`)
	return x
}

// TestAPIAssetTests walks the asset-tests resource end to end on both
// engines: the asset by external id, a failure rectified by PATCH,
// upserts, filters, versions and bad input.
func TestAPIAssetTests(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		_, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		x1, x2 := mustAPIAsset(t, c, site.ID, "A-1"), mustAPIAsset(t, c, site.ID, "A-2")

		var made api.AssetTest
		res := c.must(201, &made, "POST", "/api/v1/asset-tests",
			`{"asset_external_id":"A-1","tested_on":"2026-11-30","result":"fail","technician":"Sam","notes":"Low pressure"}`)
		t.Run("create answers the test of the asset, without a job", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/asset-tests/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.AssetID != x1.ID || made.JobID != nil || made.Result != "fail" || made.TestedOn.String() != "2026-11-30" ||
				made.RectifiedAt != nil || made.Technician != "Sam" {
				t.Errorf("test = %+v", made)
			}
			var got api.AssetTest
			c.must(200, &got, "GET", "/api/v1/asset-tests/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
		})
		t.Run("patch rectifies a failure and keeps the rest", func(t *testing.T) {
			var got api.AssetTest
			c.must(200, &got, "PATCH", "/api/v1/asset-tests/"+made.ID, `{"rectified_at":"2026-12-01T09:30:00Z"}`)
			if got.RectifiedAt == nil || got.RectifiedAt.Format("2006-01-02T15:04") != "2026-12-01T09:30" ||
				got.Notes != "Low pressure" || got.Result != "fail" {
				t.Errorf("test = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/asset-tests/"+made.ID, `{"rectified_at":null}`)
			if got.RectifiedAt != nil {
				t.Errorf("not cleared: %+v", got)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/asset-tests/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/asset-tests/"+made.ID, `{"notes":"Refilled"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/asset-tests/"+made.ID, `{"notes":"Again"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one test", func(t *testing.T) {
			body := `{"asset_id":"` + x2.ID + `","tested_on":"2026-11-29","result":"pass"}`
			var first, second api.AssetTest
			c.must(201, &first, "PUT", "/api/v1/asset-tests/by-external-id/T-1", body)
			c.must(200, &second, "PUT", "/api/v1/asset-tests/by-external-id/T-1", body)
			if first.ID != second.ID || second.ExternalID == nil || *second.ExternalID != "T-1" || second.AssetID != x2.ID {
				t.Errorf("first %+v second %+v", first, second)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"asset_id=" + x1.ID, []string{made.ID}},
				{"result=fail", []string{made.ID}},
				{"external_id=T-1&result=fail", nil},
			} {
				var list api.List[api.AssetTest]
				c.must(200, &list, "GET", "/api/v1/asset-tests?"+tc.query, "")
				var got []string
				for _, x := range list.Data {
					got = append(got, x.ID)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("%s (-want +got):\n%s", tc.query, diff)
				}
			}
			var list api.List[api.AssetTest]
			c.must(200, &list, "GET", "/api/v1/asset-tests?result=pass&asset_id="+x2.ID, "")
			if len(list.Data) != 1 || list.Data[0].ExternalID == nil || *list.Data[0].ExternalID != "T-1" {
				t.Errorf("pass of A-2 = %+v", list.Data)
			}
		})
		t.Run("bad requests name what failed", func(t *testing.T) {
			c.problem(422, []string{"asset_id", "tested_on", "result"}, "POST", "/api/v1/asset-tests", `{}`)
			c.problem(422, []string{"tested_on", "rectified_at"}, "POST", "/api/v1/asset-tests",
				`{"asset_id":"`+x1.ID+`","tested_on":"yesterday","result":"fail","rectified_at":"soon"}`)
			c.problem(422, []string{"asset_external_id"}, "POST", "/api/v1/asset-tests",
				`{"asset_external_id":"NOPE","tested_on":"2026-11-30","result":"pass"}`)
			c.problem(422, []string{"job_id"}, "POST", "/api/v1/asset-tests",
				`{"asset_id":"`+x1.ID+`","job_id":"no-such-job","tested_on":"2026-11-30","result":"pass"}`)
			c.problem(400, []string{"result"}, "GET", "/api/v1/asset-tests?result=maybe", "")
		})
	})
}

// TestAPIAssetTestsOtherOrganisation checks that an organisation cannot
// reach or refer to another's tests or assets, and that a read key may
// not write them.
func TestAPIAssetTestsOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		other := mustOrg(t, db, "Other Org", "other.example.test")
		theirs := mustAPIClient(t, f, other.ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		x := mustAPIAsset(t, ours, site.ID, "SHARED")
		var tst api.AssetTest
		ours.must(201, &tst, "PUT", "/api/v1/asset-tests/by-external-id/SHARED-T",
			`{"asset_id":"`+x.ID+`","tested_on":"2026-11-30","result":"pass"}`)

		theirs.problem(404, nil, "GET", "/api/v1/asset-tests/"+tst.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/asset-tests/"+tst.ID, `{"notes":"Taken"}`)
		theirs.problem(404, nil, "GET", "/api/v1/asset-tests?asset_id="+x.ID, "")
		theirs.problem(422, []string{"asset_id"}, "POST", "/api/v1/asset-tests",
			`{"asset_id":"`+x.ID+`","tested_on":"2026-11-30","result":"pass"}`)
		theirs.problem(422, []string{"asset_external_id"}, "POST", "/api/v1/asset-tests",
			`{"asset_external_id":"SHARED","tested_on":"2026-11-30","result":"pass"}`)
		var list api.List[api.AssetTest]
		theirs.must(200, &list, "GET", "/api/v1/asset-tests?external_id=SHARED-T", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "T-1")
		mine := mustAPIAsset(t, theirs, theirSite.ID, "SHARED")
		var theirsT api.AssetTest
		theirs.must(201, &theirsT, "PUT", "/api/v1/asset-tests/by-external-id/SHARED-T",
			`{"asset_id":"`+mine.ID+`","tested_on":"2026-11-30","result":"fail"}`)
		var again api.AssetTest
		ours.must(200, &again, "GET", "/api/v1/asset-tests/"+tst.ID, "")
		if theirsT.ID == tst.ID || again.Result != "pass" {
			t.Errorf("their upsert touched ours: %+v / %+v", theirsT, again)
		}
		// Our test cannot be moved to their asset.
		ours.problem(422, []string{"asset_id"}, "PATCH", "/api/v1/asset-tests/"+tst.ID, `{"asset_id":"`+mine.ID+`"}`)

		t.Run("a read key reads but may not write", func(t *testing.T) {
			rd := mustAPIReadClient(t, f, other.ID, "other.example.test")
			rd.must(200, nil, "GET", "/api/v1/asset-tests/"+theirsT.ID, "")
			rd.problem(403, nil, "PATCH", "/api/v1/asset-tests/"+theirsT.ID, `{"notes":"Read"}`)
			rd.problem(403, nil, "PUT", "/api/v1/asset-tests/by-external-id/X", `{"asset_id":"`+mine.ID+`","tested_on":"2026-11-30","result":"pass"}`)
		})
	})
}
