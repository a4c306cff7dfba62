package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestPortalAssetsAccessMatrix checks SPEC §2 over HTTP for the equipment
// pages, for every kind of viewer: the list (grouped, with its counts) and
// its CSV hold exactly the assets the rules allow; each asset's page, its
// label and its site's label sheet answer for those and 404 for the rest;
// an asset's history never names a site out of the viewer's reach.
func TestPortalAssetsAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, sysB, custB := f.mustOtherOrg()
		siteB := &fieldportal.Site{Name: "Other Site", CustomerID: custB.ID, Address: fieldportal.Address{Line1: "9 Far Road"}}
		if err := db.CreateSite(ctx, sysB, siteB); err != nil {
			t.Fatal(err)
		}
		mustLoginB(t, db, sysB, custB.ID, "other@example.test")
		_, assigned := f.addLogin("parent", "Ann", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		assigned.SiteAccess, assigned.SiteIDs = fieldportal.SiteAccessAssigned, []string{f.site["dock"].ID}
		if err := db.UpdateLoginAccess(ctx, f.sys, assigned); err != nil {
			t.Fatal(err)
		}
		f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites, fieldportal.ModuleDocuments})
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)

		// An asset at each site with a failed and rectified test; the
		// dock's came from HQ, so its history holds a site the assigned
		// contact (of the dock alone) must not see named.
		sites := map[string]*fieldportal.Site{"hq": f.site["hq"], "dock": f.site["dock"], "solo": f.site["solo"], "orgB": siteB}
		assets := map[string]string{}
		for key, s := range sites {
			sys := fieldportal.SystemViewer(s.OrgID, "test")
			at := s.ID
			if key == "dock" {
				at = f.site["hq"].ID
			}
			a := &fieldportal.Asset{SiteID: at, Number: "MX-" + key, Name: "Matrix extinguisher " + key, Type: "Extinguisher"}
			if err := db.CreateAsset(ctx, sys, a); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateAssetTest(ctx, sys, &fieldportal.AssetTest{AssetID: a.ID, TestedOn: fieldportal.Date{Year: 2025, Month: 3, Day: 1},
				Result: fieldportal.TestFail, Notes: "Matrix note " + key, RectifiedAt: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)}); err != nil {
				t.Fatal(err)
			}
			if key == "dock" {
				if _, err := db.TransferAsset(ctx, sys, a.ID, s.ID, fieldportal.Date{Year: 2025, Month: 4, Day: 1}, ""); err != nil {
					t.Fatal(err)
				}
			}
			assets[key] = a.ID
		}

		viewers := []struct {
			name, user, host string
			sees             []string
		}{
			{"parent", "parent@example.test", "", []string{"dock", "hq"}},
			{"child", "child@example.test", "", []string{"dock"}},
			{"assigned", "assigned@example.test", "", []string{"dock"}},
			{"no Equipment page", "nopage@example.test", "", nil},
			{"solo", "solo@example.test", "", []string{"solo"}},
			{"other organisation", "other@example.test", "b.portal.test", []string{"orgB"}},
		}
		for _, vw := range viewers {
			t.Run(vw.name, func(t *testing.T) {
				b := f.browser()
				b.host = vw.host
				b.login(vw.user, testPassword)
				module := vw.sees != nil
				check := func(what string, res *http.Response, body string, visible bool) {
					t.Helper()
					switch {
					case visible && res.StatusCode != http.StatusOK:
						t.Errorf("%s = %d, want 200", what, res.StatusCode)
					case !visible && res.StatusCode != http.StatusNotFound:
						t.Errorf("%s = %d, want 404", what, res.StatusCode)
					}
					for key, s := range sites {
						if !slices.Contains(vw.sees, key) && (strings.Contains(body, assets[key]) || strings.Contains(body, s.Name)) {
							t.Errorf("%s reveals the asset or site %s", what, key)
						}
					}
				}
				res, body := b.get("/assets")
				check("list", res, body, module)
				res, csvBody := b.get("/assets.csv")
				check("CSV", res, csvBody, module)
				if module {
					var listed []string
					for key, id := range assets {
						if strings.Contains(body, "/assets/"+id) {
							listed = append(listed, key)
						}
					}
					rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\uFEFF"))).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					var inCSV []string
					for _, r := range rows[1:] {
						inCSV = append(inCSV, strings.TrimPrefix(r[0], "MX-"))
					}
					slices.Sort(listed)
					slices.Sort(inCSV)
					if diff := cmp.Diff(vw.sees, listed); diff != "" {
						t.Errorf("list (-want +got):\n%s", diff)
					}
					if diff := cmp.Diff(vw.sees, inCSV); diff != "" {
						t.Errorf("CSV (-want +got):\n%s", diff)
					}
					// Each group's count is of its own site's assets.
					if !strings.Contains(body, "· 1 asset</span>") {
						t.Errorf("the list has no group count of 1 asset")
					}
				}
				for key, id := range assets {
					visible := slices.Contains(vw.sees, key)
					res, body := b.get("/assets/" + id)
					check("asset "+key, res, body, visible)
					if visible && (!strings.Contains(body, "Matrix note "+key) || !strings.Contains(body, "Rectified 4 Mar 2025")) {
						t.Errorf("asset %s: the service history is missing its rectified failure", key)
					}
					res, body = b.get("/assets/" + id + "/label.pdf")
					check("label "+key, res, "", visible)
					if visible && !strings.HasPrefix(body, "%PDF-") {
						t.Errorf("label %s is not a PDF", key)
					}
					res, _ = b.get("/assets/labels.pdf?site=" + url.QueryEscape(sites[key].ID))
					check("label sheet "+key, res, "", visible)
				}
			})
		}
		t.Run("anonymous", func(t *testing.T) {
			b := f.browser()
			for _, path := range []string{"/assets", "/assets.csv", "/assets/" + assets["hq"], "/assets/" + assets["hq"] + "/label.pdf",
				"/assets/labels.pdf?site=" + f.site["hq"].ID} {
				res, _ := b.get(path)
				wantRedirect(t, path, res, "/login?next="+url.QueryEscape(path))
			}
		})
	})
}

// TestAssetLabelSignInReturns follows a scanned label: the asset's address
// asks for sign-in and, once signed in, opens the asset; a return address
// off the portal is refused.
func TestAssetLabelSignInReturns(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		a := &fieldportal.Asset{SiteID: f.site["hq"].ID, Number: "QR-1", Name: "Panel", Type: "Alarm panel"}
		if err := db.CreateAsset(ctx, f.sys, a); err != nil {
			t.Fatal(err)
		}
		path := "/assets/" + a.ID
		t.Run("the asset's address returns after sign-in", func(t *testing.T) {
			b := f.browser()
			res, _ := b.get(path)
			wantRedirect(t, "scanned label", res, "/login?next="+url.QueryEscape(path))
			res, body := b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}, "next": {path}})
			wantRedirect(t, "sign-in", res, path)
			res, body = b.get(path)
			wantStatus(t, "asset", res, body, http.StatusOK)
		})
		for name, next := range map[string]string{"another host": "//evil.test/assets/x", "a scheme": "https://evil.test/",
			"a backslash": `/\evil.test`} {
			t.Run("a return to "+name+" is refused", func(t *testing.T) {
				b := f.browser()
				res, _ := b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}, "next": {next}})
				if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, `/\`) {
					t.Errorf("sign-in with next %q redirects to %q", next, loc)
				}
			})
		}
	})
}

// TestAssetsBadInput checks that filters the list does not know get a
// message naming the filter, never a 500.
func TestAssetsBadInput(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		for _, c := range []struct {
			path, want string
			status     int
		}{
			{"/assets?due=soonish", "Service due must be overdue, this month or later.", http.StatusBadRequest},
			{"/assets?status=broken", "Status must be active, inactive or removed.", http.StatusBadRequest},
			{"/assets?site=" + f.site["solo"].ID, "we found no site of yours", http.StatusBadRequest},
			{"/assets?site=no-such-site", "we found no site of yours", http.StatusBadRequest},
			{"/assets?after=garbage", "The page cursor is not valid", http.StatusBadRequest},
			{"/assets.csv?due=soonish", "Service due must be overdue, this month or later.", http.StatusBadRequest},
			{"/assets/labels.pdf", "choose the site whose labels to print", http.StatusBadRequest},
			{"/assets/labels.pdf?site=" + f.site["solo"].ID, "", http.StatusNotFound},
			{"/assets/no-such-asset", "", http.StatusNotFound},
		} {
			t.Run(c.path, func(t *testing.T) {
				res, body := b.get(c.path)
				if res.StatusCode != c.status {
					t.Errorf("status = %d, want %d:\n%s", res.StatusCode, c.status, body)
				}
				if !strings.Contains(body, c.want) {
					t.Errorf("the page lacks %q:\n%s", c.want, body)
				}
			})
		}
	})
}
