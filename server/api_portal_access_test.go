package server

import (
	"net/http"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIPortalAccess checks POST /contacts/{id}/portal-access does what
// the console's buttons do, on both engines: an invitation mailed with
// its link (again on a second invite), a disabled login signed out
// everywhere, enabled again; bad access values named; a read key and
// another organisation's key refused.
func TestAPIPortalAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.org.Host = "portal.test"
		if err := db.UpdateOrganisation(t.Context(), f.sys, f.org); err != nil {
			t.Fatal(err)
		}
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		var ivy api.Contact
		c.must(201, &ivy, "POST", "/api/v1/contacts", `{"first_name":"Ivy","email":"ivy@example.test","customer_id":"`+f.cust["parent"].ID+`"}`)
		path := "/api/v1/contacts/" + ivy.ID + "/portal-access"

		var firstLink string
		t.Run("invite mails an invitation with its link", func(t *testing.T) {
			var got api.PortalAccess
			c.must(200, &got, "POST", path, `{"action":"invite","page_access":["sites","dashboard"],"site_access":"all"}`)
			want := api.PortalAccess{Contact: got.Contact, Outcome: "sent", Login: &api.PortalLogin{Status: "invited",
				Username: "ivy@example.test", PageAccess: []string{"dashboard", "sites"}, SiteAccess: "all", SiteIDs: []string{}}}
			if diff := cmp.Diff(want, got); diff != "" || got.Contact.ID != ivy.ID {
				t.Errorf("(-want +got):\n%s", diff)
			}
			to, mail, n := f.outboxMail("invite")
			if to != "ivy@example.test" || n != 1 {
				t.Fatalf("invite mails = %d, latest to %q", n, to)
			}
			firstLink = linkIn(t, mail, "setup")
		})
		t.Run("a second invite sends a new link and saves the access", func(t *testing.T) {
			var got api.PortalAccess
			c.must(200, &got, "POST", path, `{"action":"invite","site_access":"assigned","site_ids":["`+f.site["hq"].ID+`"]}`)
			if got.Outcome != "resent" || got.Login.SiteAccess != "assigned" || !cmp.Equal(got.Login.SiteIDs, []string{f.site["hq"].ID}) ||
				!cmp.Equal(got.Login.PageAccess, []string{"dashboard", "sites"}) {
				t.Errorf("= %+v %+v", got, got.Login)
			}
			_, mail, n := f.outboxMail("invite")
			if n != 2 || linkIn(t, mail, "setup") == firstLink {
				t.Errorf("invite mails = %d; the new link is the old one: %v", n, linkIn(t, mail, "setup") == firstLink)
			}
		})
		t.Run("bad values are named", func(t *testing.T) {
			c.problem(422, []string{"page_access"}, "POST", path, `{"action":"invite","page_access":["sites","bridge"]}`)
			c.problem(422, []string{"site_access"}, "POST", path, `{"action":"invite","site_access":"some"}`)
			c.problem(422, []string{"site_ids"}, "POST", path, `{"action":"invite","site_access":"assigned","site_ids":[]}`)
			c.problem(422, []string{"action"}, "POST", path, `{"action":"delete"}`)
			c.problem(422, []string{"action"}, "POST", path, `{}`)
			c.problem(422, []string{"page_access"}, "POST", path, `{"action":"disable","page_access":["sites"]}`)
			c.problem(400, []string{"password"}, "POST", path, `{"action":"invite","password":"hunter2hunter2"}`)
			c.problem(400, []string{"page_access"}, "POST", path, `{"action":"invite","page_access":"sites"}`)
			c.problem(404, nil, "POST", "/api/v1/contacts/no-such-contact/portal-access", `{"action":"invite"}`)
		})
		t.Run("sites of another customer are not granted", func(t *testing.T) {
			// The console offers only the sites under the contact's
			// customer; the API is no second way to write another
			// customer's site into a login (review: security).
			var solo api.Site
			c.must(201, &solo, "POST", "/api/v1/sites", `{"name":"Solo Yard","customer_id":"`+f.cust["solo"].ID+`",`+
				`"address":{"line1":"1 Yard Lane","city":"Bristol","postcode":"BS2 0AA","country":"GB"}}`)
			c.problem(422, []string{"site_ids"}, "POST", path,
				`{"action":"invite","site_access":"assigned","site_ids":["`+solo.ID+`"]}`)
			// A child's contact is not granted its parent's site either.
			kid := "/api/v1/contacts/" + f.logins["child@example.test"].ContactID + "/portal-access"
			c.problem(422, []string{"site_ids"}, "POST", kid,
				`{"action":"invite","site_access":"assigned","site_ids":["`+f.site["hq"].ID+`"]}`)
			ca, err := f.acc.FindContactAccess(t.Context(), f.sys, ivy.ID, "")
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(ca.Login.SiteIDs, []string{f.site["hq"].ID}) {
				t.Errorf("site ids = %v", ca.Login.SiteIDs)
			}
		})
		child := f.logins["child@example.test"]
		childPath := "/api/v1/contacts/" + child.ContactID + "/portal-access"
		t.Run("disable ends the contact's sessions; enable lets it in again", func(t *testing.T) {
			b := f.browser()
			b.host = "portal.test"
			b.login("child@example.test", testPassword)
			if res, _ := b.get("/"); res.StatusCode != http.StatusOK {
				t.Fatalf("signed in, / = %d", res.StatusCode)
			}
			var got api.PortalAccess
			c.must(200, &got, "POST", childPath, `{"action":"disable"}`)
			if got.Outcome != "disabled" || got.Login.Status != "disabled" || got.Contact.ID != child.ContactID {
				t.Errorf("= %+v %+v", got, got.Login)
			}
			if res, _ := b.get("/"); res.StatusCode != http.StatusFound {
				t.Errorf("after disabling, the session still opens pages (%d)", res.StatusCode)
			}
			c.must(200, &got, "POST", childPath, `{"action":"enable"}`)
			if got.Outcome != "enabled" || got.Login.Status != "active" {
				t.Errorf("= %+v %+v", got, got.Login)
			}
			b.login("child@example.test", testPassword)
		})
		t.Run("a contact without a login cannot be disabled", func(t *testing.T) {
			var nell api.Contact
			c.must(201, &nell, "POST", "/api/v1/contacts", `{"first_name":"Nell","customer_id":"`+f.cust["parent"].ID+`"}`)
			c.problem(404, nil, "POST", "/api/v1/contacts/"+nell.ID+"/portal-access", `{"action":"disable"}`)
		})
		t.Run("a read key changes no access", func(t *testing.T) {
			key, _, err := db.CreateAPIKey(t.Context(), f.sys, "Reader", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			reader := &apiClient{t: t, h: c.h, host: c.host, key: key, onResponse: c.onResponse}
			reader.problem(403, nil, "POST", childPath, `{"action":"disable"}`)
			reader.problem(403, nil, "POST", path, `{"action":"invite"}`)
			if _, _, n := f.outboxMail("invite"); n != 2 {
				t.Errorf("invite mails = %d", n)
			}
		})
		t.Run("another organisation's key finds no contact", func(t *testing.T) {
			other := mustOrg(t, db, "Other Org", "other.example.test")
			theirs := mustAPIClient(t, f, other.ID, "other.example.test")
			theirs.onResponse = c.onResponse
			for _, body := range []string{`{"action":"invite"}`, `{"action":"disable"}`, `{"action":"enable"}`} {
				theirs.problem(404, nil, "POST", path, body)
				theirs.problem(404, nil, "POST", childPath, body)
			}
			if _, _, n := f.outboxMail("invite"); n != 2 {
				t.Errorf("invite mails = %d", n)
			}
			ca, err := f.acc.FindContactAccess(t.Context(), f.sys, child.ContactID, "")
			if err != nil {
				t.Fatal(err)
			}
			if ca.Login.Status != fieldportal.LoginActive {
				t.Errorf("their disable reached our login: %+v", ca.Login)
			}
		})
	})
}
