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

// The console's Archive and Restore (issue 19): POST buttons on a
// customer's page for the customer and each of its sites, the Archived
// badges in the lists, each change audited; another organisation's
// customer is not found.
func TestConsoleArchive(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("desk@example.test")
		_, _, otherCust := f.mustOtherOrg()
		solo, soloSite := f.cust["solo"], f.site["solo"]
		page := "/console/customers/" + solo.ID

		t.Run("the page offers Archive as a POST form", func(t *testing.T) {
			res, body := staff.get(page)
			wantStatus(t, "customer", res, body, http.StatusOK)
			for _, want := range []string{`<form method="post" action="` + page + `/archive">`, ">Archive customer<",
				`action="` + page + `/sites/` + soloSite.ID + `/archive"`, ">Archive site Solo Office<"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
		})
		t.Run("archive a site", func(t *testing.T) {
			res, _ := staff.post(page+"/sites/"+soloSite.ID+"/archive", url.Values{"archive": {"1"}})
			wantRedirect(t, "archive site", res, page+"?done=site_archived#sites")
			s, err := db.FindSiteByID(ctx, f.sys, soloSite.ID)
			if err != nil || s.ArchivedAt.IsZero() {
				t.Fatalf("site = %+v, %v; want archived", s, err)
			}
			_, body := staff.get(page)
			if !strings.Contains(body, ">Restore site Solo Office<") || !strings.Contains(body, "Archived") {
				t.Errorf("page after the archive:\n%s", body)
			}
		})
		t.Run("archive the customer", func(t *testing.T) {
			res, _ := staff.post(page+"/archive", url.Values{"archive": {"1"}})
			wantRedirect(t, "archive", res, page+"?done=archived")
			_, body := staff.get(page)
			if !strings.Contains(body, ">Restore customer<") || !strings.Contains(body, "Archived") {
				t.Errorf("page after the archive:\n%s", body)
			}
			_, body = staff.get("/console/customers")
			if !strings.Contains(body, "Solo Ltd") || !strings.Contains(body, "Archived") {
				t.Errorf("the list does not mark Solo Ltd archived:\n%s", body)
			}
			_, body = staff.get("/console/customers?archived=only")
			if !strings.Contains(body, "Solo Ltd") || strings.Contains(body, "Harbour Properties") {
				t.Errorf("archived only:\n%s", body)
			}
			_, body = staff.get("/console/customers?archived=none")
			if strings.Contains(body, "Solo Ltd") || !strings.Contains(body, "Harbour Properties") {
				t.Errorf("in use only:\n%s", body)
			}
		})
		t.Run("restore both", func(t *testing.T) {
			res, _ := staff.post(page+"/archive", url.Values{"archive": {"0"}})
			wantRedirect(t, "restore", res, page+"?done=restored")
			res, _ = staff.post(page+"/sites/"+soloSite.ID+"/archive", url.Values{"archive": {"0"}})
			wantRedirect(t, "restore site", res, page+"?done=site_restored#sites")
			s, _ := db.FindSiteByID(ctx, f.sys, soloSite.ID)
			if s.Archived() {
				t.Errorf("site still archived: %+v", s)
			}
		})
		t.Run("each change is audited", func(t *testing.T) {
			for id, want := range map[string][]string{solo.ID: {"customer.archived", "customer.restored"},
				soloSite.ID: {"site.archived", "site.restored"}} {
				n := 0
				for _, a := range want {
					var k int
					if err := db.SQL().QueryRow(`SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = $2`, id, a).Scan(&k); err != nil {
						t.Fatal(err)
					}
					n += k
				}
				if n != len(want) {
					t.Errorf("%s: %d of %v audited", id, n, want)
				}
			}
		})
		t.Run("another organisation's customer and a site of another customer are not found", func(t *testing.T) {
			res, body := staff.post("/console/customers/"+otherCust.ID+"/archive", url.Values{"archive": {"1"}})
			wantStatus(t, "other org", res, body, http.StatusNotFound)
			res, body = staff.post(page+"/sites/"+f.site["hq"].ID+"/archive", url.Values{"archive": {"1"}})
			wantStatus(t, "another customer's site", res, body, http.StatusNotFound)
		})
	})
}
