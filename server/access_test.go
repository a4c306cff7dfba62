package server

import (
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestPortalAccessMatrix checks SPEC §2 over HTTP, for every kind of
// viewer: the sites list, its CSV, each site's page and each document's
// download show exactly what the rules allow; everything else answers 404
// (or, without a session, the sign-in page), never a hint of the record.
func TestPortalAccessMatrix(t *testing.T) {
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
		f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false, []fieldportal.Module{fieldportal.ModuleDashboard})
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		_, disabled := f.addLogin("parent", "Dee", "Disabled", "disabled@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)

		// Documents: one at each site, one for the parent customer alone,
		// one at HQ that staff keep from customers, one in organisation B.
		docs := map[string]*fieldportal.Document{}
		for _, key := range []string{"hq", "dock", "solo"} {
			docs[key] = mustDocument(t, db, f.sys, "Report "+key+".pdf", f.site[key].CustomerID, f.site[key].ID, true)
		}
		docs["customer"] = mustDocument(t, db, f.sys, "Contract.pdf", f.cust["parent"].ID, "", true)
		docs["hidden"] = mustDocument(t, db, f.sys, "Internal.pdf", f.site["hq"].CustomerID, f.site["hq"].ID, false)
		docs["orgB"] = mustDocument(t, db, sysB, "Other.pdf", custB.ID, siteB.ID, true)
		allSites := map[string]*fieldportal.Site{"hq": f.site["hq"], "dock": f.site["dock"], "solo": f.site["solo"], "orgB": siteB}

		type want struct {
			signedIn bool
			sites    []string // sites listed and openable; nil with sitesPage false: no Job sites page
			noSites  bool     // the Job sites module is closed: its pages answer 404
			docs     []string
		}
		viewers := []struct {
			name, user, host string
			want             want
		}{
			{"parent", "parent@example.test", "", want{signedIn: true, sites: []string{"hq", "dock"}, docs: []string{"hq", "dock", "customer"}}},
			{"child", "child@example.test", "", want{signedIn: true, sites: []string{"dock"}, docs: []string{"dock"}}},
			{"assigned", "assigned@example.test", "", want{signedIn: true, sites: []string{"dock"}, docs: []string{"dock"}}},
			{"nopage", "nopage@example.test", "", want{signedIn: true, noSites: true}},
			{"solo", "solo@example.test", "", want{signedIn: true, sites: []string{"solo"}, docs: []string{"solo"}}},
			{"otherorg", "other@example.test", "b.portal.test", want{signedIn: true, sites: []string{"orgB"}, docs: []string{"orgB"}}},
			{"disabled", "disabled@example.test", "", want{}},
			{"anonymous", "", "", want{}},
		}
		for _, vw := range viewers {
			t.Run(vw.name, func(t *testing.T) {
				b := f.browser()
				b.host = vw.host
				if vw.user != "" {
					b.login(vw.user, testPassword)
				}
				if vw.name == "disabled" {
					disabled.Status = fieldportal.LoginDisabled
					if err := db.UpdateLoginAccess(ctx, f.sys, disabled); err != nil {
						t.Fatal(err)
					}
				}
				w := vw.want
				check := func(path string, visible bool) (*http.Response, string) {
					t.Helper()
					res, body := b.get(path)
					switch {
					case !w.signedIn:
						if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
							t.Errorf("GET %s = %d %s, want the sign-in page", path, res.StatusCode, res.Header.Get("Location"))
						}
					case visible && res.StatusCode != http.StatusOK:
						t.Errorf("GET %s = %d, want 200", path, res.StatusCode)
					case !visible && res.StatusCode != http.StatusNotFound:
						t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
					}
					return res, body
				}
				// The list and its CSV.
				_, body := check("/sites", !w.noSites)
				_, csvBody := check("/sites.csv", !w.noSites)
				if w.signedIn && !w.noSites {
					var got []string
					rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\uFEFF"))).ReadAll()
					if err != nil || len(rows) == 0 {
						t.Fatalf("CSV: %v\n%s", err, csvBody)
					}
					for _, row := range rows[1:] {
						got = append(got, row[0])
					}
					var wantNames []string
					for _, k := range w.sites {
						wantNames = append(wantNames, allSites[k].Name)
					}
					slices.Sort(got)
					slices.Sort(wantNames)
					if !slices.Equal(got, wantNames) {
						t.Errorf("CSV sites = %v, want %v", got, wantNames)
					}
					for k, s := range allSites {
						if in := strings.Contains(body, s.Name); in != slices.Contains(w.sites, k) {
							t.Errorf("/sites shows %q: %v, want %v", s.Name, in, !in)
						}
					}
				}
				// Each site's page.
				for k, s := range allSites {
					_, body := check("/sites/"+s.ID, !w.noSites && slices.Contains(w.sites, k))
					if w.signedIn && !slices.Contains(w.sites, k) && strings.Contains(body, s.Name) {
						t.Errorf("the 404 for site %s names it", k)
					}
				}
				// Each document's download.
				for k, d := range docs {
					res, body := check("/documents/"+d.ID+"/download", slices.Contains(w.docs, k))
					if res.StatusCode == http.StatusOK && body != "%PDF-1.4 "+d.Name {
						t.Errorf("download of %s returned other bytes", k)
					}
				}
			})
		}
		t.Run("a session of organisation B means nothing on A", func(t *testing.T) {
			b := f.browser()
			b.host = "b.portal.test"
			b.login("other@example.test", testPassword)
			b.host = ""
			res, _ := b.get("/sites")
			if res.StatusCode != http.StatusFound {
				t.Errorf("B's session on A's host = %d, want the sign-in page", res.StatusCode)
			}
		})
	})
}

func mustLoginB(t *testing.T, db *sqlstore.DB, sys fieldportal.Viewer, customerID, email string) {
	t.Helper()
	ctx := context.Background()
	c := &fieldportal.Contact{FirstName: "Otto", Email: email, CustomerID: customerID}
	if err := db.CreateContact(ctx, sys, c); err != nil {
		t.Fatal(err)
	}
	h, _ := auth.TestHasher().Hash(testPassword)
	if err := db.CreatePortalLogin(ctx, sys, &fieldportal.PortalLogin{ContactID: c.ID, Username: email, Status: fieldportal.LoginActive,
		PasswordHash: h, Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
		t.Fatal(err)
	}
}

// mustDocument stores a tiny file and its document record, attached to a
// site or (siteID "") to the customer.
func mustDocument(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer, name, customerID, siteID string, visible bool) *fieldportal.Document {
	t.Helper()
	ctx := context.Background()
	data := []byte("%PDF-1.4 " + name)
	sum := sha256.Sum256(data)
	d := &fieldportal.Document{ID: sqlstore.NewID(), Name: name, ContentType: "application/pdf", Size: int64(len(data)),
		SHA256: hex.EncodeToString(sum[:]), CustomerID: customerID, SiteID: siteID, VisibleToCustomer: visible}
	d.StorageKey = "documents/" + d.ID
	d.AttachedTo = "site"
	if siteID == "" {
		d.AttachedTo = "customer"
	}
	if err := db.PutBlob(ctx, v.OrgID, d.StorageKey, data); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateDocument(ctx, v, d); err != nil {
		t.Fatalf("document %s: %v", name, err)
	}
	return d
}
