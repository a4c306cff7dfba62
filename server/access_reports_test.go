package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestReportsAccessMatrix checks SPEC §2 on the three reports, their CSVs
// and PDFs, over HTTP: each site of the fixture has an asset of a type
// named after it with a failed test on a job of its own, so a report
// names a site's type or job only to a viewer who reaches the site. A
// site out of reach is refused on the site filter (never a grid of it),
// a contact without the Reports page gets 404, and nobody signed in gets
// the sign-in page.
func TestReportsAccessMatrix(t *testing.T) {
	pdftest.NeedTools(t)
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleAssets})
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		_, assigned := f.addLogin("parent", "Ann", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		assigned.SiteAccess, assigned.SiteIDs = fieldportal.SiteAccessAssigned, []string{f.site["dock"].ID}
		if err := db.UpdateLoginAccess(ctx, f.sys, assigned); err != nil {
			t.Fatal(err)
		}
		marks := map[string][]string{} // site key: the words only its viewers may read
		for _, key := range []string{"hq", "dock", "solo"} {
			s := f.site[key]
			a := &fieldportal.Asset{SiteID: s.ID, Number: "A-" + strings.ToUpper(key), Type: "Type " + key, Name: "Asset " + key, Status: "active",
				NextServiceDue: fieldportal.Date{Year: 2025, Month: 12, Day: 3}}
			if err := db.CreateAsset(ctx, f.sys, a); err != nil {
				t.Fatal(err)
			}
			j := &fieldportal.Job{SiteID: s.ID, Number: "J-" + strings.ToUpper(key), Kind: fieldportal.JobService, Stage: fieldportal.StageComplete}
			if err := db.CreateJob(ctx, f.sys, j); err != nil {
				t.Fatal(err)
			}
			if err := db.CreateAssetTest(ctx, f.sys, &fieldportal.AssetTest{AssetID: a.ID, JobID: j.ID, Result: fieldportal.TestFail,
				TestedOn: fieldportal.Date{Year: 2025, Month: 2, Day: 4}, Notes: "Fault " + key}); err != nil {
				t.Fatal(err)
			}
			marks[key] = []string{"Type " + key, "Fault " + key, "J-" + strings.ToUpper(key)}
		}
		reach := map[string][]string{
			"parent@example.test":   {"hq", "dock"},
			"child@example.test":    {"dock"},
			"assigned@example.test": {"dock"},
			"solo@example.test":     {"solo"},
		}
		pages := func(site string) []string {
			q := url.Values{"year": {"2025"}, "site": {f.site[site].ID}}.Encode()
			cell := url.Values{"year": {"2025"}, "site": {f.site[site].ID}, "week": {"5"}, "type": {"Type " + site}}.Encode()
			return []string{"/reports/ppm?" + q, "/reports/ppm?" + cell, "/reports/ppm.csv?" + q, "/reports/ppm.pdf?" + q,
				"/reports/defects?site=" + url.QueryEscape(f.site[site].ID), "/reports/tests.csv?site=" + url.QueryEscape(f.site[site].ID)}
		}
		everySite := []string{"/reports/defects", "/reports/defects.csv", "/reports/defects.pdf", "/reports/tests", "/reports/tests.csv", "/reports/tests.pdf"}
		read := func(b *browser, path string) (int, string) {
			res, body := b.get(path)
			if strings.HasPrefix(res.Header.Get("Content-Type"), "application/pdf") {
				body = pdftest.MustText(t, []byte(body))
			}
			return res.StatusCode, body
		}
		for user, sites := range reach {
			t.Run(user, func(t *testing.T) {
				b := f.browser()
				b.login(user, testPassword)
				check := func(path, body string, visible []string) {
					for key, words := range marks {
						seen := false
						for _, v := range visible {
							seen = seen || v == key
						}
						for _, w := range words {
							if strings.Contains(body, w) && !seen {
								t.Errorf("%s names %q of a site out of reach", path, w)
							}
						}
					}
				}
				for _, path := range everySite {
					code, body := read(b, path)
					if code != http.StatusOK {
						t.Errorf("%s: status %d", path, code)
					}
					check(path, body, sites)
					for _, key := range sites {
						if !strings.Contains(body, "Type "+key) {
							t.Errorf("%s lacks its own site's %q", path, "Type "+key)
						}
					}
				}
				for key := range marks {
					own := false
					for _, s := range sites {
						own = own || s == key
					}
					for _, path := range pages(key) {
						code, body := read(b, path)
						switch {
						case own && code != http.StatusOK:
							t.Errorf("%s of its own site: status %d", path, code)
						case own && !strings.Contains(body, "Type "+key):
							t.Errorf("%s of its own site lacks its asset type", path)
						case !own && code != http.StatusBadRequest:
							t.Errorf("%s of a site out of reach: status %d, want 400", path, code)
						case !own && !strings.Contains(body, "There is no such site among yours"):
							t.Errorf("%s of a site out of reach does not say so", path)
						}
						check(path, body, sites)
					}
					if own {
						cell := pages(key)[1]
						if _, body := read(b, cell); !strings.Contains(body, "J-"+strings.ToUpper(key)) {
							t.Errorf("%s lacks its job number", cell)
						}
					}
				}
			})
		}
		t.Run("without the Reports page", func(t *testing.T) {
			b := f.browser()
			b.login("nopage@example.test", testPassword)
			for _, path := range append(everySite, pages("hq")...) {
				if code, _ := read(b, path); code != http.StatusNotFound {
					t.Errorf("%s: status %d, want 404", path, code)
				}
			}
		})
		t.Run("signed out", func(t *testing.T) {
			b := f.browser()
			for _, path := range append(everySite, pages("hq")...) {
				res, _ := b.get(path)
				if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
					t.Errorf("%s: status %d, want the sign-in page", path, res.StatusCode)
				}
			}
		})
	})
}
