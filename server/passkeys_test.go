package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/passkeytest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// testOrigin is the fixture's base URL: the relying party's origin.
const testOrigin = "http://portal.test"

// passkeyWrong is the one answer to a passkey that does not sign in.
const passkeyWrong = "That passkey did not sign you in. Try again, or sign in with your password."

// askOptions posts form (nil: an empty body) asking for JSON, as
// passkeys.js asks for a ceremony's options.
func (b *browser) askOptions(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, nil)
	if form != nil {
		req, _ = http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	return b.do(req)
}

// options returns a ceremony's options, failing the test on a refusal.
func (b *browser) options(path string, form url.Values) []byte {
	b.t.Helper()
	res, body := b.askOptions(path, form)
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
		b.t.Fatalf("POST %s = %d %s:\n%s", path, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	return []byte(body)
}

// withPassword is the add form's options request with the fixture's
// password.
var withPassword = url.Values{"passkey_password": {testPassword}}

// addPasskey registers auth through the page at base ("/preferences/passkeys").
func (b *browser) addPasskey(base, name string, auth *passkeytest.Authenticator) (*http.Response, string) {
	b.t.Helper()
	resp, err := auth.Create(b.options(base+"/options", withPassword), testOrigin)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.post(base, url.Values{"passkey_name": {name}, "credential": {string(resp)}})
}

// passkeySignIn signs in with auth at path ("/login/passkey"), as the
// browser at origin would.
func (b *browser) passkeySignIn(path, origin string, auth *passkeytest.Authenticator) (*http.Response, string) {
	b.t.Helper()
	resp, err := auth.Get(b.options(path+"/options", nil), origin, auth.RPID)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.post(path, url.Values{"credential": {string(resp)}})
}

var passkeyLink = regexp.MustCompile(`href="/preferences/passkeys/([0-9a-f-]+)"`)

// The passkey pages and sign-in over HTTP (issue 21), with a software
// authenticator whose ceremonies go-webauthn checks.
func TestPasskeyPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		auth := passkeytest.New()

		t.Run("the sign-in page offers a passkey only through its script", func(t *testing.T) {
			_, body := f.browser().get("/login")
			if !strings.Contains(body, `id="passkey-signin"`) || !regexp.MustCompile(`<form[^>]*id="passkey-signin"[^>]*hidden`).MatchString(body) ||
				!regexp.MustCompile(`src="/static/[0-9a-f]+/passkeys.js"`).MatchString(body) || strings.Contains(body, "<script>") {
				t.Errorf("sign-in page:\n%s", body)
			}
		})
		t.Run("a passkey without a name is refused naming the field", func(t *testing.T) {
			res, body := b.post("/preferences/passkeys", url.Values{"passkey_name": {""}, "credential": {""}})
			wantStatus(t, "no name", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Enter a name for the passkey") || !strings.Contains(body, `href="#passkey_name"`) {
				t.Errorf("page:\n%s", body)
			}
		})
		t.Run("an answer without a ceremony is refused, with the name kept", func(t *testing.T) {
			resp, _ := passkeytest.New().Create([]byte(`{"challenge":"AAAA","rp":{"id":"portal.test"},"user":{"id":"AAAA"}}`), testOrigin)
			res, body := b.post("/preferences/passkeys", url.Values{"passkey_name": {"Forged"}, "credential": {string(resp)}})
			wantStatus(t, "no ceremony", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Your device did not add a passkey") || !strings.Contains(body, `value="Forged"`) {
				t.Errorf("page:\n%s", body)
			}
		})
		t.Run("the add form asks for the current password, kept empty", func(t *testing.T) {
			_, body := b.get("/preferences")
			if !regexp.MustCompile(`<form[^>]*id="passkey-add"[\s\S]*<label for="passkey_password">Current password</label>[\s\S]*<input id="passkey_password" name="passkey_password" autocomplete="current-password" required type="password">[\s\S]*</form>`).MatchString(body) {
				t.Errorf("preferences:\n%s", body)
			}
		})
		for _, tc := range []struct{ name, password, message string }{
			{"a missing password", "", "Enter your current password."},
			{"a wrong password", "Wrong-pass-1", "Current password is not right."},
		} {
			t.Run(tc.name+" starts no ceremony and names the field", func(t *testing.T) {
				res, body := b.askOptions("/preferences/passkeys/options", url.Values{"passkey_password": {tc.password}})
				wantStatus(t, tc.name, res, body, http.StatusBadRequest)
				want := `{"errors":[{"field":"passkey_password","message":"` + tc.message + `"}]}`
				if strings.TrimSpace(body) != want || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
					t.Errorf("answer %s %q, want %q", res.Header.Get("Content-Type"), body, want)
				}
				if c := res.Header.Get("Set-Cookie"); c != "" {
					t.Errorf("a refused start sets %q", c)
				}
			})
		}
		var id string
		t.Run("added: listed in Preferences and mailed", func(t *testing.T) {
			res, _ := b.addPasskey("/preferences/passkeys", "Work laptop", auth)
			wantRedirect(t, "add", res, "/preferences?done=passkey_added#passkeys-heading")
			_, body := b.get("/preferences?done=passkey_added")
			m := passkeyLink.FindStringSubmatch(body)
			if m == nil || !strings.Contains(body, "Work laptop") || !strings.Contains(body, "Your passkey has been added.") {
				t.Fatalf("preferences:\n%s", body)
			}
			id = m[1]
			if to, _, n := f.outboxMail("passkey_added"); n != 1 || to != "parent@example.test" {
				t.Errorf("passkey_added mails: %d to %q", n, to)
			}
		})
		t.Run("renamed, and another's passkey is not found", func(t *testing.T) {
			res, body := b.post("/preferences/passkeys/"+id, url.Values{"name": {""}})
			wantStatus(t, "empty name", res, body, http.StatusBadRequest)
			res, _ = b.post("/preferences/passkeys/"+id, url.Values{"name": {"Old laptop"}})
			wantRedirect(t, "rename", res, "/preferences?done=passkey_renamed#passkeys-heading")
			other := f.browser()
			other.login("child@example.test", testPassword)
			for _, path := range []string{"/preferences/passkeys/" + id, "/preferences/passkeys/" + id + "/remove"} {
				res, body := other.get(path)
				wantStatus(t, "another's "+path, res, body, http.StatusNotFound)
				res, body = other.post(path, url.Values{"name": {"Mine"}})
				wantStatus(t, "another's POST "+path, res, body, http.StatusNotFound)
			}
		})
		t.Run("signs in without a password; the session ends with a password reset", func(t *testing.T) {
			nb := f.browser()
			res, body := nb.passkeySignIn("/login/passkey", testOrigin, auth)
			wantRedirect(t, "passkey sign-in", res, "/")
			if res, body = nb.get("/"); res.StatusCode != http.StatusOK {
				t.Fatalf("home after passkey sign-in = %d:\n%s", res.StatusCode, body)
			}
			res, _ = f.browser().post("/forgot", url.Values{"email": {"parent@example.test"}})
			_, mail, _ := f.outboxMail("reset")
			link := linkIn(t, mail, "reset")
			res, _ = f.browser().post(link, url.Values{"password": {"Sprinkler-Test-77"}, "confirm": {"Sprinkler-Test-77"}})
			wantRedirect(t, "reset", res, "/login?done=reset")
			res, _ = nb.get("/")
			wantRedirect(t, "passkey session after reset", res, "/login?next=%2F")
			// The reset leaves the passkey: it signs in again.
			res, _ = f.browser().passkeySignIn("/login/passkey", testOrigin, auth)
			wantRedirect(t, "passkey sign-in after reset", res, "/")
		})
		t.Run("a disabled login cannot sign in by passkey", func(t *testing.T) {
			if _, err := db.SQL().Exec(`UPDATE portal_logins SET status = 'disabled' WHERE id = $1`, f.logins["parent@example.test"].ID); err != nil {
				t.Fatal(err)
			}
			res, body := f.browser().passkeySignIn("/login/passkey", testOrigin, auth)
			wantStatus(t, "disabled", res, body, http.StatusUnauthorized)
			if !strings.Contains(body, passkeyWrong) {
				t.Errorf("page:\n%s", body)
			}
			db.SQL().Exec(`UPDATE portal_logins SET status = 'active' WHERE id = $1`, f.logins["parent@example.test"].ID)
		})
		t.Run("a cancelled ceremony posts nothing and is refused", func(t *testing.T) {
			nb := f.browser()
			nb.options("/login/passkey/options", nil)
			res, body := nb.post("/login/passkey", url.Values{"credential": {""}})
			wantStatus(t, "cancelled", res, body, http.StatusUnauthorized)
		})
		t.Run("a contact's passkey does not open the console", func(t *testing.T) {
			res, body := f.browser().passkeySignIn("/console/login/passkey", testOrigin, auth)
			wantStatus(t, "at the console", res, body, http.StatusUnauthorized)
		})
		t.Run("removed after confirming, and mailed", func(t *testing.T) {
			b.login("parent@example.test", "Sprinkler-Test-77") // the reset ended its session
			res, body := b.get("/preferences/passkeys/" + id + "/remove")
			wantStatus(t, "confirm page", res, body, http.StatusOK)
			if !strings.Contains(body, "Remove the passkey “Old laptop”?") {
				t.Errorf("confirm page:\n%s", body)
			}
			res, _ = b.post("/preferences/passkeys/"+id+"/remove", url.Values{"confirm": {"yes"}})
			wantRedirect(t, "remove", res, "/preferences?done=passkey_removed#passkeys-heading")
			if to, _, n := f.outboxMail("passkey_removed"); n != 1 || to != "parent@example.test" {
				t.Errorf("passkey_removed mails: %d to %q", n, to)
			}
			res, _ = f.browser().passkeySignIn("/login/passkey", testOrigin, auth)
			wantStatus(t, "removed passkey", res, "", http.StatusUnauthorized)
		})
	})
}

// A staff user's passkey, added in My account, signs in to the console.
func TestConsolePasskeys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		b := f.browser()
		b.consoleLogin("admin@example.test")
		auth := passkeytest.New()
		res, body := b.askOptions("/console/account/passkeys/options", url.Values{"passkey_password": {"Wrong-pass-1"}})
		wantStatus(t, "a wrong password", res, body, http.StatusBadRequest)
		if !strings.Contains(body, `"field":"passkey_password","message":"Current password is not right."`) {
			t.Errorf("a wrong password: %s", body)
		}
		if _, page := b.get("/console/account"); !strings.Contains(page, `<input id="passkey_password" name="passkey_password" autocomplete="current-password" required type="password">`) {
			t.Errorf("my account:\n%s", page)
		}
		res, body = b.addPasskey("/console/account/passkeys", "Desk key", auth)
		wantRedirect(t, "add", res, "/console/account?done=passkey_added#passkeys-heading")
		if _, body = b.get("/console/account"); !strings.Contains(body, "Desk key") || !strings.Contains(body, `href="/console/account/passkeys/`) {
			t.Fatalf("my account:\n%s", body)
		}
		nb := f.browser()
		res, _ = nb.passkeySignIn("/console/login/passkey", testOrigin, auth)
		wantRedirect(t, "console passkey sign-in", res, "/console")
		if res, body = nb.get("/console/account"); res.StatusCode != http.StatusOK {
			t.Errorf("my account after passkey sign-in = %d", res.StatusCode)
		}
		res, _ = f.browser().passkeySignIn("/login/passkey", testOrigin, auth)
		wantStatus(t, "a staff passkey at the portal", res, "", http.StatusUnauthorized)
	})
}

// A passkey made on one organisation's host never signs in to another.
func TestPasskeyOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.mustOtherOrg() // B answers b.portal.test
		f.org.Host = "a.portal.test"
		if err := f.db.UpdateOrganisation(context.Background(), f.sys, f.org); err != nil {
			t.Fatal(err)
		}
		b := f.browser()
		b.host = "a.portal.test"
		b.login("parent@example.test", testPassword)
		auth := passkeytest.New()
		resp, err := auth.Create(b.options("/preferences/passkeys/options", withPassword), "http://a.portal.test")
		if err != nil {
			t.Fatal(err)
		}
		res, body := b.post("/preferences/passkeys", url.Values{"passkey_name": {"A's key"}, "credential": {string(resp)}})
		wantRedirect(t, "add at A", res, "/preferences?done=passkey_added#passkeys-heading")
		_ = body
		for _, tc := range []struct{ name, origin, rpID string }{
			{"as made, for A", "http://a.portal.test", "a.portal.test"},
			{"re-aimed at B's relying party", "http://b.portal.test", "b.portal.test"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				other := f.browser()
				other.host = "b.portal.test"
				r, err := auth.Get(other.options("/login/passkey/options", nil), tc.origin, tc.rpID)
				if err != nil {
					t.Fatal(err)
				}
				res, body := other.post("/login/passkey", url.Values{"credential": {string(r)}})
				wantStatus(t, "at B", res, body, http.StatusUnauthorized)
			})
		}
		t.Run("at A it signs in", func(t *testing.T) {
			atA := f.browser()
			atA.host = "a.portal.test"
			res, _ := atA.passkeySignIn("/login/passkey", "http://a.portal.test", auth)
			wantRedirect(t, "at A", res, "/")
		})
	})
}
