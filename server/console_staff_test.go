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

func TestConsoleStaff(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		me := f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")

		t.Run("an admin adds staff; the form keeps what was typed", func(t *testing.T) {
			res, body := admin.post("/console/staff", url.Values{"email": {"new@example.test"}, "name": {"Nia <b>New</b>"}, "role": {"staff"}, "password": {"weak"}})
			wantStatus(t, "weak password", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `value="Nia &lt;b&gt;New&lt;/b&gt;"`) || !strings.Contains(body, "at least 10 characters") {
				t.Errorf("the form lost the name or the rule:\n%s", body)
			}
			res, _ = admin.post("/console/staff", url.Values{"email": {"new@example.test"}, "name": {"Nia New"}, "role": {"staff"}, "password": {testPassword}})
			wantRedirect(t, "add", res, "/console/staff?done=added")
			res, body = admin.post("/console/staff", url.Values{"email": {"NEW@example.test"}, "name": {"Again"}, "role": {"staff"}, "password": {testPassword}})
			wantStatus(t, "duplicate email", res, body, http.StatusBadRequest)
			nia := f.browser()
			nia.consoleLogin("new@example.test")
			if res, _ := nia.get("/console/staff"); res.StatusCode != http.StatusForbidden {
				t.Errorf("a staff role opens the staff page: %d", res.StatusCode)
			}
		})
		t.Run("disabling signs the user out; an admin cannot disable itself", func(t *testing.T) {
			u := f.addStaff("gone@example.test", fieldportal.RoleStaff)
			b := f.browser()
			b.consoleLogin("gone@example.test")
			res, _ := admin.post("/console/staff/"+u.ID, url.Values{"action": {"disable"}})
			wantRedirect(t, "disable", res, "/console/staff?done=disabled")
			if res, _ := b.get("/console"); res.StatusCode != http.StatusFound {
				t.Errorf("a disabled user's session still works: %d", res.StatusCode)
			}
			if res, _ := admin.post("/console/staff/"+me.ID, url.Values{"action": {"disable"}}); res.StatusCode != http.StatusBadRequest {
				t.Errorf("self-disable = %d", res.StatusCode)
			}
			if res, _ := admin.post("/console/staff/"+me.ID, url.Values{"action": {"role"}, "role": {"staff"}}); res.StatusCode != http.StatusBadRequest {
				t.Errorf("self-demotion = %d", res.StatusCode)
			}
		})
		t.Run("changing one's password ends the other sessions", func(t *testing.T) {
			other := f.browser()
			other.consoleLogin("admin@example.test")
			res, body := admin.post("/console/account/password", url.Values{"current": {"wrong"}, "password": {"New-console-pw-8"}, "confirm": {"New-console-pw-8"}})
			wantStatus(t, "wrong current", res, body, http.StatusBadRequest)
			res, _ = admin.post("/console/account/password", url.Values{"current": {testPassword}, "password": {"New-console-pw-8"}, "confirm": {"New-console-pw-8"}})
			wantRedirect(t, "change", res, "/console/account?done=password")
			if res, _ := admin.get("/console"); res.StatusCode != http.StatusOK {
				t.Errorf("this browser lost its session: %d", res.StatusCode)
			}
			if res, _ := other.get("/console"); res.StatusCode != http.StatusFound {
				t.Errorf("the other session survived: %d", res.StatusCode)
			}
		})
	})
}
