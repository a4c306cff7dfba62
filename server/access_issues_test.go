package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestPortalIssuesAccessMatrix checks SPEC §2 over HTTP for the issue
// pages, for every kind of viewer: the list and its CSV hold exactly the
// issues the rules allow, each issue's page, its comments (read and
// added) and its files answer for those and 404 for the rest; a file kept
// from customers is 404 to every contact; the console's issue pages are
// staff's alone.
func TestPortalIssuesAccessMatrix(t *testing.T) {
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
		f.addStaff("desk@example.test", fieldportal.RoleStaff)

		// An issue at each site with a comment, a file shown to customers
		// and one kept from them.
		type issueAt struct{ issue, shown, office string }
		issues := map[string]issueAt{}
		sites := map[string]*fieldportal.Site{"hq": f.site["hq"], "dock": f.site["dock"], "solo": f.site["solo"], "orgB": siteB}
		for key, s := range sites {
			sys := fieldportal.SystemViewer(s.OrgID, "test")
			x := &fieldportal.Issue{SiteID: s.ID, Title: "Matrix issue " + key, Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
			if err := db.CreateIssue(ctx, sys, x); err != nil {
				t.Fatal(err)
			}
			if err := db.AddIssueComment(ctx, sys, &fieldportal.IssueComment{IssueID: x.ID, Body: "Comment on " + key}); err != nil {
				t.Fatal(err)
			}
			at := issueAt{issue: x.ID}
			for _, name := range []string{"shown", "office"} {
				docs, err := db.AttachFiles(ctx, sys, "issue", x.ID, []fieldportal.Upload{{Name: name + ".txt", ContentType: "text/plain", Data: []byte(name)}})
				if err != nil {
					t.Fatal(err)
				}
				docs[0].VisibleToCustomer = name == "shown"
				if err := db.UpdateDocument(ctx, sys, docs[0]); err != nil {
					t.Fatal(err)
				}
				if name == "shown" {
					at.shown = docs[0].ID
				} else {
					at.office = docs[0].ID
				}
			}
			issues[key] = at
		}

		viewers := []struct {
			name, user, host string
			signedIn         bool
			sees             []string
		}{
			{"parent", "parent@example.test", "", true, []string{"hq", "dock"}},
			{"child", "child@example.test", "", true, []string{"dock"}},
			{"assigned", "assigned@example.test", "", true, []string{"dock"}},
			{"no Issues page", "nopage@example.test", "", true, nil},
			{"solo", "solo@example.test", "", true, []string{"solo"}},
			{"other organisation", "other@example.test", "b.portal.test", true, []string{"orgB"}},
			{"anonymous", "", "", false, nil},
		}
		for _, vw := range viewers {
			t.Run(vw.name, func(t *testing.T) {
				b := f.browser()
				b.host = vw.host
				if vw.user != "" {
					b.login(vw.user, testPassword)
				}
				module := vw.sees != nil
				check := func(what string, res *http.Response, body string, visible bool, ok int) {
					t.Helper()
					switch {
					case !vw.signedIn:
						// The sign-in redirect echoes the address asked for,
						// which says nothing of the record.
						if (res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther) || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
							t.Errorf("%s = %d, want the sign-in page", what, res.StatusCode)
						}
						return
					case visible && res.StatusCode != ok:
						t.Errorf("%s = %d, want %d", what, res.StatusCode, ok)
					case !visible && res.StatusCode != http.StatusNotFound:
						t.Errorf("%s = %d, want 404", what, res.StatusCode)
					}
					if !visible {
						for key, at := range issues {
							if !slices.Contains(vw.sees, key) && strings.Contains(body, at.issue) {
								t.Errorf("%s reveals the issue at %s", what, key)
							}
						}
					}
				}
				res, body := b.get("/issues?status=all")
				check("list", res, body, module, http.StatusOK)
				res, csvBody := b.get("/issues.csv?status=all")
				check("CSV", res, csvBody, module, http.StatusOK)
				if module {
					var listed, want []string
					for key, at := range issues {
						if strings.Contains(body, "/issues/"+at.issue) {
							listed = append(listed, key)
						}
					}
					rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvBody, "\uFEFF"))).ReadAll()
					if err != nil {
						t.Fatal(err)
					}
					var inCSV []string
					for _, r := range rows[1:] {
						inCSV = append(inCSV, strings.TrimPrefix(r[1], "Matrix issue "))
					}
					want = slices.Sorted(slices.Values(vw.sees))
					slices.Sort(listed)
					slices.Sort(inCSV)
					if diff := cmp.Diff(want, listed); diff != "" {
						t.Errorf("list (-want +got):\n%s", diff)
					}
					if diff := cmp.Diff(want, inCSV); diff != "" {
						t.Errorf("CSV (-want +got):\n%s", diff)
					}
				}
				for key, at := range issues {
					visible := slices.Contains(vw.sees, key)
					res, body := b.get("/issues/" + at.issue)
					check("issue "+key, res, body, visible, http.StatusOK)
					if visible && (!strings.Contains(body, "Comment on "+key) || strings.Contains(body, "office.txt")) {
						t.Errorf("issue %s: the comment is missing or the office's file shown", key)
					}
					res, body = b.get("/issues/" + at.issue + "/attachments/" + at.shown)
					check("shown file "+key, res, body, visible, http.StatusOK)
					res, body = b.get("/issues/" + at.issue + "/attachments/" + at.office)
					check("office file "+key, res, body, false, http.StatusOK)
					res, body = b.postForm("/issues/"+at.issue+"/comments", url.Values{"body": {"Matrix comment"}})
					check("comment on "+key, res, body, visible, http.StatusSeeOther)
					// The console is not a contact's.
					res, _ = b.get("/console/issues/" + at.issue)
					if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/console/login") {
						t.Errorf("console issue %s = %d, want the console's sign-in", key, res.StatusCode)
					}
				}
			})
		}
		t.Run("staff", func(t *testing.T) {
			b := f.browser()
			b.host = "127.0.0.1"
			b.consoleLogin("desk@example.test")
			_, body := b.get("/console/issues?status=all")
			for key, at := range issues {
				if got, want := strings.Contains(body, at.issue), key != "orgB"; got != want {
					t.Errorf("console queue shows %s: %v, want %v", key, got, want)
				}
				status := http.StatusOK
				if key == "orgB" {
					status = http.StatusNotFound
				}
				for _, path := range []string{"/console/issues/" + at.issue, "/console/issues/" + at.issue + "/attachments/" + at.office} {
					if res, _ := b.get(path); res.StatusCode != status {
						t.Errorf("GET %s (%s) = %d, want %d", path, key, res.StatusCode, status)
					}
				}
			}
		})
	})
}
