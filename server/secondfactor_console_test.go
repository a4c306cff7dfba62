package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The console's second factor (issue 21): a staff user's own, the code
// page, the policy in the settings, and staff removing a factor.

const consoleChallengeCookie = "fp_console_challenge"

func TestSecondFactorConsolePages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		desk := f.addStaff("desk@example.test", fieldportal.RoleStaff)
		b := f.browser()
		b.consoleLogin("desk@example.test")
		b.mustTOTPOn(t, "/console/account/security")
		b.post("/console/logout", url.Values{})

		other := f.browser()
		t.Run("the password alone gives a challenge and no session", func(t *testing.T) {
			res, _ := other.post("/console/login", url.Values{"email": {"desk@example.test"}, "password": {testPassword}})
			wantRedirect(t, "login", res, "/console/login/code?next=%2Fconsole")
			u, _ := url.Parse(f.srv.URL + "/console")
			var challenge, session string
			for _, c := range other.jar.Cookies(u) {
				switch c.Name {
				case consoleChallengeCookie:
					challenge = c.Value
				case "fp_console":
					session = c.Value
				}
			}
			if challenge == "" || session != "" {
				t.Errorf("challenge %q, session %q", challenge, session)
			}
		})
		t.Run("no console page opens with the challenge alone", func(t *testing.T) {
			walkWithChallenge(t, f, other, "/console/login", func(p string) bool { return strings.HasPrefix(p, "/console") })
		})
		t.Run("the code form names its field", func(t *testing.T) {
			other.wantRefused(t, "/console/login/code", "code",
				refusal{"", "Enter the code from your authenticator app"},
				refusal{"000000", "That code is not right"})
		})
		t.Run("an admin removes the staff user's factor after confirming", func(t *testing.T) {
			admin := f.browser()
			admin.consoleLogin("admin@example.test")
			res, body := admin.get("/console/staff/" + desk.ID + "/second-factor")
			wantStatus(t, "confirm", res, body, http.StatusOK)
			if !strings.Contains(body, "Remove the second factor of") {
				t.Errorf("confirm page:\n%s", body)
			}
			res, _ = admin.post("/console/staff/"+desk.ID+"/second-factor", url.Values{"confirm": {"yes"}})
			wantRedirect(t, "remove", res, "/console/staff?done=factor")
			// The pending sign-in ended with it.
			res, _ = other.post("/console/login/code", url.Values{"code": {"123456"}})
			wantRedirect(t, "the ended challenge", res, "/console/login?done=expired")
			if _, _, n := f.outboxMail("second_factor_removed"); n != 1 {
				t.Errorf("%d removal mails", n)
			}
		})
		t.Run("a plain staff user may not remove a staff user's factor", func(t *testing.T) {
			b.consoleLogin("desk@example.test")
			res, _ := b.post("/console/staff/"+desk.ID+"/second-factor", url.Values{"confirm": {"yes"}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("staff removal = %d", res.StatusCode)
			}
		})
	})
}

func TestSecondFactorPolicyPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")

		t.Run("the settings save the policy and refuse a bad one by name", func(t *testing.T) {
			form := brandingForm("Acme", "#0B5CAD", "", "")
			form.Set("second_factor", "everyone")
			res, body := admin.post("/console/settings", form)
			wantStatus(t, "bad policy", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `id="second_factor-error"`) {
				t.Errorf("the policy's field is not named")
			}
			form.Set("second_factor", "contacts")
			res, _ = admin.post("/console/settings", form)
			wantRedirect(t, "policy", res, "/console/settings?done=saved")
		})
		b := f.browser()
		var secret string
		t.Run("a contact without a factor is led to set one up, and nothing else opens", func(t *testing.T) {
			res, _ := b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}})
			wantRedirect(t, "login", res, "/login/factor-setup")
			res, _ = b.get("/")
			wantRedirect(t, "dashboard", res, "/login?next=%2F")
			res, _ = b.get("/login/code")
			wantRedirect(t, "the code page", res, "/login/factor-setup")
			res, body := b.get("/login/factor-setup")
			wantStatus(t, "set-up", res, body, http.StatusOK)
			m := secretRe.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no secret:\n%s", body)
			}
			secret = strings.ReplaceAll(m[1], " ", "")
			res, body = b.post("/login/factor-setup", url.Values{"code": {"000000"}})
			wantStatus(t, "wrong first code", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `id="code-error"`) {
				t.Errorf("the code's field is not named")
			}
		})
		t.Run("the first code starts the session and shows the recovery codes", func(t *testing.T) {
			code, _ := totp.GenerateCode(secret, time.Now())
			res, body := b.post("/login/factor-setup", url.Values{"code": {code}})
			wantStatus(t, "confirm", res, body, http.StatusOK)
			if n := len(recoveryRe.FindAllString(body, -1)); n != 10 || !strings.Contains(body, `href="/"`) {
				t.Errorf("%d codes shown:\n%s", n, body)
			}
			res, body = b.get("/")
			wantStatus(t, "dashboard", res, body, http.StatusOK)
		})
		t.Run("staff remove the contact's factor from its page", func(t *testing.T) {
			l := f.logins["parent@example.test"]
			res, body := admin.get("/console/contacts/" + l.ContactID)
			if !strings.Contains(body, "/second-factor") {
				t.Errorf("no removal link on the contact page")
			}
			res, _ = admin.post("/console/contacts/"+l.ContactID+"/second-factor", url.Values{"confirm": {"yes"}})
			wantRedirect(t, "remove", res, "/console/contacts/"+l.ContactID+"?done=factor")
			if _, body = admin.get("/console/contacts/" + l.ContactID); strings.Contains(body, `id="remove-factor"`) {
				t.Errorf("the contact page offers to remove a second factor the contact no longer has")
			}
			res, _ = b.get("/")
			wantRedirect(t, "the contact's session", res, "/login?next=%2F")
			res, _ = b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}})
			wantRedirect(t, "login again", res, "/login/factor-setup")
		})
	})
}
