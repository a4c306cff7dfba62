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

// createdID is the customer id of a redirect to its page after a save.
func createdID(t *testing.T, res *http.Response) string {
	t.Helper()
	loc := res.Header.Get("Location")
	id, ok := strings.CutPrefix(loc, "/console/customers/")
	id, _, _ = strings.Cut(id, "?")
	if res.StatusCode != http.StatusSeeOther || !ok || id == "" {
		t.Fatalf("save = %d to %q, want a redirect to the customer's page", res.StatusCode, loc)
	}
	return id
}

// The console's customer tree (issue 20 point 6): the top level and a
// search, a child made under a parent, bad input kept, a move that
// changes at once what the old and new parents' contacts see, a move into
// the customer's own subtree refused by field, and another
// organisation's customer not found as a parent.
func TestConsoleCustomers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("desk@example.test")
		_, _, otherCust := f.mustOtherOrg()
		parent, child, solo := f.cust["parent"], f.cust["child"], f.cust["solo"]

		t.Run("the top level and a search", func(t *testing.T) {
			res, body := staff.get("/console/customers")
			wantStatus(t, "list", res, body, http.StatusOK)
			if !strings.Contains(body, "Harbour Properties") || !strings.Contains(body, "Solo Ltd") || strings.Contains(body, "Harbour Dock") {
				t.Errorf("the top level is not Harbour Properties and Solo Ltd alone:\n%s", body)
			}
			if !strings.Contains(body, `href="/console/customers"`) || !strings.Contains(body, ">Customers<") {
				t.Errorf("no Customers link in the navigation")
			}
			res, body = staff.get("/console/customers?q=dock")
			wantStatus(t, "search", res, body, http.StatusOK)
			if !strings.Contains(body, "Harbour Dock") || strings.Contains(body, "Solo Ltd") {
				t.Errorf("the search for dock does not find Harbour Dock alone:\n%s", body)
			}
		})
		var quay string
		t.Run("a child made under a parent", func(t *testing.T) {
			res, body := staff.get("/console/customers/new?parent=" + parent.ID)
			wantStatus(t, "new form", res, body, http.StatusOK)
			if !strings.Contains(body, `name="parent_id" value="`+parent.ID+`"`) {
				t.Errorf("the form does not carry the parent")
			}
			res, _ = staff.post("/console/customers/new", url.Values{"parent_id": {parent.ID}, "name": {"Harbour Quay"}, "external_id": {"HQ-77"}})
			quay = createdID(t, res)
			res, body = staff.get("/console/customers/" + parent.ID)
			wantStatus(t, "parent page", res, body, http.StatusOK)
			if !strings.Contains(body, "Harbour Quay") || !strings.Contains(body, "Harbour Dock") || !strings.Contains(body, "Harbour HQ") ||
				!strings.Contains(body, `href="/console/contacts/`) {
				t.Errorf("the parent's page lacks its children, site or contact:\n%s", body)
			}
			res, body = staff.get("/console/customers/" + quay)
			wantStatus(t, "child page", res, body, http.StatusOK)
			if !strings.Contains(body, `<a href="/console/customers/`+parent.ID+`">Harbour Properties</a>`) {
				t.Errorf("the child's page has no breadcrumb to its parent:\n%s", body)
			}
		})
		t.Run("bad input names the field and keeps what was typed", func(t *testing.T) {
			res, body := staff.post("/console/customers/new", url.Values{"name": {""}, "phone": {"01234 abc"}, "email": {"not-an-email"},
				"address.city": {"<b>Bristol</b>"}})
			wantStatus(t, "bad input", res, body, http.StatusUnprocessableEntity)
			for _, s := range []string{"Phone must be digits", `value="01234 abc"`, `value="&lt;b&gt;Bristol&lt;/b&gt;"`} {
				if !strings.Contains(body, s) {
					t.Errorf("the refused form lacks %q:\n%s", s, body)
				}
			}
			res, body = staff.post("/console/customers/new", url.Values{"name": {""}, "email": {"not-an-email"}})
			wantStatus(t, "no name", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Name is required") || !strings.Contains(body, "Email must be a valid address") ||
				!strings.Contains(body, `value="not-an-email"`) {
				t.Errorf("the store's refusal does not name the fields:\n%s", body)
			}
			res, body = staff.post("/console/customers/"+solo.ID+"/edit", url.Values{"name": {"Solo Ltd"}, "external_id": {"HQ-77"}})
			wantStatus(t, "duplicate account number", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Account number is already used") || !strings.Contains(body, `value="HQ-77"`) {
				t.Errorf("a duplicate account number is not the field's error:\n%s", body)
			}
		})
		t.Run("an edit keeps the parent", func(t *testing.T) {
			res, _ := staff.post("/console/customers/"+quay+"/edit", url.Values{"name": {"Harbour Quay Ltd"}, "external_id": {"HQ-77"}, "phone": {"+44 (0)117 496 0000"}})
			wantRedirect(t, "edit", res, "/console/customers/"+quay+"?done=saved")
			got, err := db.FindCustomerByID(context.Background(), f.sys, quay)
			if err != nil || got.Name != "Harbour Quay Ltd" || got.ParentID != parent.ID {
				t.Errorf("after the edit: %+v, %v", got, err)
			}
		})
		t.Run("a move changes who sees what at once", func(t *testing.T) {
			f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
			atParent, atSolo := f.browser(), f.browser()
			atParent.login("parent@example.test", testPassword)
			atSolo.login("solo@example.test", testPassword)
			dock := "/sites/" + f.site["dock"].ID
			if res, body := atParent.get(dock); res.StatusCode != http.StatusOK {
				t.Fatalf("before the move the parent's contact gets %d:\n%s", res.StatusCode, body)
			}
			if res, _ := atSolo.get(dock); res.StatusCode != http.StatusNotFound {
				t.Fatalf("before the move Solo's contact gets %d", res.StatusCode)
			}
			res, body := staff.get("/console/customers/" + child.ID + "/move?parent_q=solo")
			wantStatus(t, "move form", res, body, http.StatusOK)
			if !strings.Contains(body, `value="`+solo.ID+`"`) {
				t.Errorf("the search does not offer Solo Ltd:\n%s", body)
			}
			res, _ = staff.post("/console/customers/"+child.ID+"/move", url.Values{"parent_id": {solo.ID}})
			wantRedirect(t, "move", res, "/console/customers/"+child.ID+"?done=moved")
			if res, _ := atParent.get(dock); res.StatusCode != http.StatusNotFound {
				t.Errorf("after the move the old parent's contact gets %d, want 404", res.StatusCode)
			}
			if res, body := atSolo.get(dock); res.StatusCode != http.StatusOK {
				t.Errorf("after the move the new parent's contact gets %d:\n%s", res.StatusCode, body)
			}
			_, body = staff.get("/console/customers/" + solo.ID)
			if !strings.Contains(body, "Harbour Dock") {
				t.Errorf("Solo Ltd's page does not list the moved customer:\n%s", body)
			}
		})
		t.Run("a move into its own subtree is refused by field", func(t *testing.T) {
			res, body := staff.post("/console/customers/"+parent.ID+"/move", url.Values{"parent_id": {quay}})
			wantStatus(t, "cycle", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "cannot be placed under itself or its own sub-customer") || !strings.Contains(body, `href="#parent_id"`) {
				t.Errorf("the refusal does not name the field:\n%s", body)
			}
			if !strings.Contains(body, `value="`+quay+`" selected`) {
				t.Errorf("the chosen parent is not kept:\n%s", body)
			}
			res, body = staff.post("/console/customers/"+parent.ID+"/move", url.Values{"parent_id": {parent.ID}})
			wantStatus(t, "itself", res, body, http.StatusUnprocessableEntity)
			res, body = staff.post("/console/customers/"+parent.ID+"/move", url.Values{"parent_id": {""}})
			wantStatus(t, "no choice", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "New parent is required") {
				t.Errorf("an empty choice is not the field's error:\n%s", body)
			}
		})
		t.Run("to the top", func(t *testing.T) {
			res, _ := staff.post("/console/customers/"+quay+"/move", url.Values{"parent_id": {"top"}})
			wantRedirect(t, "to the top", res, "/console/customers/"+quay+"?done=moved")
			_, body := staff.get("/console/customers")
			if !strings.Contains(body, "Harbour Quay Ltd") {
				t.Errorf("the customer moved to the top is not at the top:\n%s", body)
			}
		})
		t.Run("another organisation's customer is not found", func(t *testing.T) {
			for _, path := range []string{"/console/customers/new?parent=" + otherCust.ID, "/console/customers/" + otherCust.ID,
				"/console/customers/" + otherCust.ID + "/edit", "/console/customers/" + otherCust.ID + "/move"} {
				if res, _ := staff.get(path); res.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
				}
			}
			if res, _ := staff.post("/console/customers/new", url.Values{"parent_id": {otherCust.ID}, "name": {"Stray"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("a new customer under another organisation's = %d, want 404", res.StatusCode)
			}
			res, body := staff.post("/console/customers/"+solo.ID+"/move", url.Values{"parent_id": {otherCust.ID}})
			wantStatus(t, "move under another organisation's", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Parent customer not found") {
				t.Errorf("the refusal does not name the parent:\n%s", body)
			}
		})
	})
}
