package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Regression tests, over HTTP, for the findings of the review of the
// spine (issue "The house before the modules", point 6). The store's
// side of each is tested in sqlstore too.

func TestFindingInvalidUTF8IsRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		for _, tc := range []struct {
			name, path string
			form       url.Values
			field      string
		}{
			{"preferences", "/preferences", url.Values{"first_name": {"Pat\xff\xfe"}, "last_name": {"Parent"}}, "first_name"},
			{"sign-in", "/login", url.Values{"username": {"pa\xc3"}, "password": {"x"}}, "username"},
			{"forgotten password", "/forgot", url.Values{"email": {"a\xffb@example.test"}}, "email"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := b.post(tc.path, tc.form)
				wantStatus(t, "POST "+tc.path, res, body, http.StatusBadRequest)
				if !strings.Contains(body, "&#34;"+tc.field+"&#34;") || !strings.Contains(body, "not valid text") {
					t.Errorf("the answer does not name the field %s:\n%s", tc.field, body)
				}
				if strings.Contains(body, "\xff") || strings.Contains(body, "\xfe") {
					t.Error("the invalid bytes are echoed back")
				}
			})
		}
		c, err := db.FindContactByID(t.Context(), f.sys, f.logins["parent@example.test"].ContactID)
		if err != nil || c.FirstName != "Pat" {
			t.Errorf("the contact's first name is %q (%v), want it unchanged", c.FirstName, err)
		}
		t.Run("console", func(t *testing.T) {
			admin := f.browser()
			admin.consoleLogin("admin@example.test")
			res, body := admin.post("/console/staff", url.Values{"email": {"new@example.test"}, "name": {"N\xffew"}, "role": {"staff"}, "password": {"Long-enough-pass-1"}})
			wantStatus(t, "add staff", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "&#34;name&#34;") {
				t.Errorf("the answer does not name the field:\n%s", body)
			}
		})
	})
}

func TestFindingOnlyAdminsSetInitialPasswords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		f.addStaff("clerk@example.test", fieldportal.RoleStaff)
		child := f.logins["child@example.test"]
		clerk := f.browser()
		clerk.consoleLogin("clerk@example.test")
		path := "/console/contacts/" + child.ContactID + "/access"
		res, body := clerk.post(path, url.Values{"action": {"password"}, "password": {"Clerk-Chosen-Pass-9"}})
		wantStatus(t, "a clerk sets an initial password", res, body, http.StatusForbidden)
		f.browser().login("child@example.test", testPassword) // the old password still works

		_, body = clerk.get("/console/contacts/" + child.ContactID)
		if strings.Contains(body, `id="password-form"`) {
			t.Error("the clerk is offered the initial-password form")
		}

		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		res, _ = admin.post(path, url.Values{"action": {"password"}, "password": {"Admin-Chosen-Pass-9"}})
		wantRedirect(t, "the admin sets an initial password", res, "/console/contacts/"+child.ContactID+"?done=password")
		entries, _, err := db.FindAuditLog(t.Context(), f.sys, fieldportal.AuditFilter{Entity: "contact", EntityID: child.ContactID})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			if e.Action == "login.initial_password" && e.ActorKind == "staff" {
				found = true
				if strings.Contains(e.Detail, "Admin-Chosen") {
					t.Error("the audit log holds the password")
				}
			}
		}
		if !found {
			t.Errorf("no audit entry for the initial password: %+v", entries)
		}
	})
}

func TestFindingConsolePasswordChangeIsThrottled(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	now := time.Now()
	db.Now = func() time.Time { return now }
	f.addStaff("clerk@example.test", fieldportal.RoleStaff)
	clerk := f.browser()
	clerk.consoleLogin("clerk@example.test")
	form := url.Values{"current": {"not-my-password"}, "password": {"Brand-New-Pass-77"}, "confirm": {"Brand-New-Pass-77"}}
	for i := range 5 {
		res, body := clerk.post("/console/account/password", form)
		wantStatus(t, "wrong current password "+string(rune('1'+i)), res, body, http.StatusBadRequest)
	}
	res, body := clerk.post("/console/account/password", form)
	wantStatus(t, "sixth guess", res, body, http.StatusTooManyRequests)
	// Even the right password waits now: the guesser learns nothing.
	form.Set("current", testPassword)
	res, body = clerk.post("/console/account/password", form)
	wantStatus(t, "right password while throttled", res, body, http.StatusTooManyRequests)
}

func TestFindingKnownDevicePassesAnAccountLock(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		now := time.Now()
		db.Now = func() time.Time { return now }
		known := f.browser()
		known.login("parent@example.test", testPassword)
		known.post("/logout", nil)

		// Someone elsewhere fails the account's password until it locks.
		attacker := f.browser()
		locked := false
		for range 12 {
			res, _ := attacker.post("/login", url.Values{"username": {"parent@example.test"}, "password": {"guess"}})
			if res.StatusCode == http.StatusTooManyRequests {
				locked = true
				break
			}
		}
		if !locked {
			t.Fatal("the account never locked against the attacker")
		}
		res, body := f.browser().post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}})
		wantStatus(t, "a new browser during the lock", res, body, http.StatusTooManyRequests)

		// The browser that signed in before still gets in.
		known.login("parent@example.test", testPassword)

		// A known device's own failures lock only that device.
		for range 12 {
			known.post("/login", url.Values{"username": {"parent@example.test"}, "password": {"typo"}})
		}
		res, body = known.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}})
		wantStatus(t, "the known device after its own failures", res, body, http.StatusTooManyRequests)
	})
}

func TestFindingOpenActivitiesFollowModules(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addLogin("parent", "Sid", "Sites", "sites-only@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites})
		b := f.browser()
		b.login("sites-only@example.test", testPassword)
		_, body := b.get("/sites")
		if strings.Contains(body, "Open activities") {
			t.Error("the list counts activities of modules the contact cannot use")
		}
		_, body = b.get("/sites.csv")
		if strings.Contains(body, "Open activities") {
			t.Error("the CSV counts activities of modules the contact cannot use")
		}
		full := f.browser()
		full.login("parent@example.test", testPassword)
		if _, body := full.get("/sites"); !strings.Contains(body, "Open activities") {
			t.Error("a contact with every module lost the column")
		}
	})
}

// A site's count of open activities leads to the site's tabs, where they
// are listed (issue 16, point 8); a count of none is not a link.
func TestOpenActivitiesLinkToTheTabs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.mustIssue("hq", "Door sticks", fieldportal.PriorityNormal, fieldportal.IssueOpen)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		_, body := b.get("/sites")
		if !strings.Contains(body, `class="num">0</td>`) {
			t.Errorf("a site with nothing open lost its plain count")
		}
		link := regexp.MustCompile(`<a href="(/sites/[^"#]+)#records">([0-9]+)</a>`).FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("no count links to a site's tabs:\n%s", body)
		}
		if link[2] == "0" {
			t.Errorf("a count of none links to the tabs: %s", link[0])
		}
		if _, page := b.get(link[1]); !strings.Contains(page, `<nav class="tabs" aria-label="This site&#39;s records" id="records">`) {
			t.Errorf("the site page has no tabs to land on:\n%s", page)
		}
	})
}
