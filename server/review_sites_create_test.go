package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// A contact limited to assigned sites was offered Create a site and made
// one it could then neither see nor edit: the redirect to it answered
// 404, and the booking form dropped it. Like a customer's file (SPEC
// §2.3), a new site at a customer is for a contact of site access "all".
func TestAssignedContactCreatesNoSite(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		_, l := f.addLogin("parent", "Ash", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		if _, err := db.SQL().Exec(`UPDATE portal_logins SET site_access = 'assigned' WHERE id = $1`, l.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().Exec(`INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, l.ID, f.site["hq"].ID, f.org.ID); err != nil {
			t.Fatal(err)
		}
		a := f.browser()
		a.login("assigned@example.test", testPassword)
		if _, body := a.get("/sites"); strings.Contains(body, `href="/sites/new"`) {
			t.Error("Create a site offered to a contact of assigned sites")
		}
		if _, body := a.get("/jobs/new"); strings.Contains(body, `value="new_site"`) {
			t.Error("the booking form offers Create a new site to a contact of assigned sites")
		}
		res, body := a.get("/sites/new")
		wantStatus(t, "GET /sites/new", res, body, http.StatusForbidden)
		res, body = a.post("/sites/new", url.Values{"name": {"Hidden Yard"}, "customer_id": {f.cust["parent"].ID},
			"address.line1": {"1 Hidden Lane"}})
		wantStatus(t, "POST /sites/new", res, body, http.StatusForbidden)
		var n int
		if err := db.SQL().QueryRow(`SELECT count(*) FROM sites WHERE name = 'Hidden Yard'`).Scan(&n); err != nil || n != 0 {
			t.Errorf("%d sites made, %v", n, err)
		}
		// It still edits the site it is assigned.
		res, body = a.get("/sites/" + f.site["hq"].ID + "/edit")
		wantStatus(t, "edit its assigned site", res, body, http.StatusOK)
	})
}
