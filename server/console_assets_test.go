package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestConsoleAssets drives the staff's asset forms: record a test, mark
// the failure rectified, transfer the asset; each refused form keeps what
// was typed and names the field, each write leaves its audit row, and the
// pages are staff's alone.
func TestConsoleAssets(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		a := &fieldportal.Asset{SiteID: f.site["hq"].ID, Number: "CA-1", Name: "Console pump", Type: "Pump"}
		if err := db.CreateAsset(ctx, f.sys, a); err != nil {
			t.Fatal(err)
		}
		_, sysB, custB := f.mustOtherOrg()
		siteB := &fieldportal.Site{Name: "Far Site", CustomerID: custB.ID, Address: fieldportal.Address{Line1: "9 Far Road"}}
		if err := db.CreateSite(ctx, sysB, siteB); err != nil {
			t.Fatal(err)
		}
		base := "/console/assets/" + a.ID
		b := f.browser()
		b.host = "127.0.0.1"
		b.consoleLogin("desk@example.test")

		t.Run("the search finds the asset", func(t *testing.T) {
			res, body := b.get("/console/assets?q=pump")
			wantStatus(t, "search", res, body, http.StatusOK)
			if !strings.Contains(body, base) {
				t.Errorf("the search lacks the asset")
			}
		})
		t.Run("a bad test keeps what was typed and names the fields", func(t *testing.T) {
			res, body := b.post(base+"/tests", url.Values{"tested_on": {"2025-13-40"}, "result": {"fail"}, "technician": {"Sam Typed"},
				"notes": {"Typed notes"}})
			wantStatus(t, "bad date", res, body, http.StatusBadRequest)
			for _, want := range []string{"Test date must be a date", `value="Sam Typed"`, "Typed notes", `value="2025-13-40"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the form lacks %q", want)
				}
			}
			res, body = b.post(base+"/tests", url.Values{"tested_on": {"2025-03-01"}, "result": {"exploded"}})
			wantStatus(t, "bad result", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Result must be pass, fail or not_tested.") {
				t.Errorf("the form does not name the result")
			}
		})
		var testID string
		t.Run("a failed test is recorded and audited", func(t *testing.T) {
			res, body := b.post(base+"/tests", url.Values{"tested_on": {"2025-03-01"}, "result": {"fail"}, "technician": {"Sam"},
				"notes": {"Seal worn"}})
			wantRedirect(t, "record", res, base+"?done=tested")
			_, body = b.get(base + "?done=tested")
			if !strings.Contains(body, "Seal worn") || !strings.Contains(body, "The test was recorded.") {
				t.Errorf("the page lacks the test")
			}
			tests, _, err := db.FindAssetServiceHistory(ctx, f.sys, a.ID, fieldportal.Page{})
			if err != nil || len(tests) != 1 {
				t.Fatalf("tests: %v %v", tests, err)
			}
			testID = tests[0].ID
			if n := mustAuditCount(t, db, "asset_test.created", testID); n != 1 {
				t.Errorf("%d audit rows", n)
			}
		})
		t.Run("rectified before the test is refused, then rectified", func(t *testing.T) {
			path := base + "/tests/" + testID + "/rectify"
			res, body := b.get(path)
			wantStatus(t, "form", res, body, http.StatusOK)
			res, body = b.post(path, url.Values{"rectified_at": {"2025-02-01"}})
			wantStatus(t, "too early", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Rectified on cannot be before the test") || !strings.Contains(body, `value="2025-02-01"`) {
				t.Errorf("the form lacks its message or the typed date")
			}
			res, _ = b.post(path, url.Values{"rectified_at": {"2025-03-04"}})
			wantRedirect(t, "rectify", res, base+"?done=rectified")
			x, err := db.FindAssetTestByID(ctx, f.sys, testID)
			if err != nil || x.RectifiedAt.IsZero() {
				t.Fatalf("not rectified: %v %v", x, err)
			}
			if n := mustAuditCount(t, db, "asset_test.updated", testID); n != 1 {
				t.Errorf("%d audit rows", n)
			}
		})
		t.Run("a test of another asset is not found under this one", func(t *testing.T) {
			other := &fieldportal.Asset{SiteID: f.site["dock"].ID, Number: "CA-2", Name: "Other", Type: "Pump"}
			if err := db.CreateAsset(ctx, f.sys, other); err != nil {
				t.Fatal(err)
			}
			res, _ := b.get("/console/assets/" + other.ID + "/tests/" + testID + "/rectify")
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("status = %d, want 404", res.StatusCode)
			}
		})
		t.Run("a transfer to another organisation's site is refused", func(t *testing.T) {
			res, body := b.post(base+"/transfer", url.Values{"to_site_id": {siteB.ID}, "transferred_on": {"2025-04-01"}, "note": {"Typed note"}})
			wantStatus(t, "other org", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Site not found.") || !strings.Contains(body, "Typed note") {
				t.Errorf("the form lacks its message or the typed note")
			}
			res, body = b.post(base+"/transfer", url.Values{"transferred_on": {"2025-04-01"}})
			wantStatus(t, "no site", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "New site is required") {
				t.Errorf("the form does not name the site")
			}
		})
		t.Run("a transfer moves the asset and is audited", func(t *testing.T) {
			res, body := b.get(base + "/transfer?site_q=dock")
			wantStatus(t, "form", res, body, http.StatusOK)
			if !strings.Contains(body, f.site["dock"].ID) {
				t.Errorf("the search does not offer the dock")
			}
			res, _ = b.post(base+"/transfer", url.Values{"to_site_id": {f.site["dock"].ID}, "transferred_on": {"2025-04-01"}})
			wantRedirect(t, "transfer", res, base+"?done=transferred")
			got, err := db.FindAssetByID(ctx, f.sys, a.ID)
			if err != nil || got.SiteID != f.site["dock"].ID {
				t.Fatalf("asset not moved: %v %v", got, err)
			}
			if n := mustAuditCount(t, db, "asset.transferred", a.ID); n != 1 {
				t.Errorf("%d audit rows", n)
			}
		})
		t.Run("the console's asset pages are not a contact's", func(t *testing.T) {
			c := f.browser()
			c.login("parent@example.test", testPassword)
			res, _ := c.get(base)
			if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/console/login") {
				t.Errorf("contact on the console = %d, want the console's sign-in", res.StatusCode)
			}
		})
	})
}
