package server

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The second factor's pages (issue 21): setting up an authenticator app
// in Preferences, the code page after a right password, and that a
// challenge cookie alone opens no page.

const challengeCookie = "fp_challenge"

var (
	secretRe   = regexp.MustCompile(`<code id="totp-secret">([A-Z2-7 ]+)</code>`)
	recoveryRe = regexp.MustCompile(`<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>`)
)

// cookie returns the browser's cookie of a name, or "".
func (b *browser) cookie(name string) string {
	u, _ := url.Parse(b.f.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// mustTOTPOn turns authenticator codes on for the signed-in browser's
// contact through the Preferences pages and returns the secret and the
// recovery codes shown.
func (b *browser) mustTOTPOn(t *testing.T, base string) (string, []string) {
	t.Helper()
	res, body := b.post(base+"/totp", url.Values{"current_password": {testPassword}})
	wantRedirect(t, "begin", res, base+"/totp")
	res, body = b.get(base + "/totp")
	wantStatus(t, "set-up page", res, body, http.StatusOK)
	m := secretRe.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no secret on the set-up page:\n%s", body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	res, body = b.post(base+"/totp/confirm", url.Values{"code": {code}})
	wantStatus(t, "confirm", res, body, http.StatusOK)
	var codes []string
	for _, m := range recoveryRe.FindAllStringSubmatch(body, -1) {
		codes = append(codes, m[1])
	}
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown:\n%s", len(codes), body)
	}
	return secret, codes
}

// refusal is a value typed in a form's field and the message the field
// must show for it.
type refusal struct{ value, want string }

// wantRefused posts each refusal's value as the form's one field and
// wants it refused (400) with the message on that field; it returns the
// pages, for more checks.
func (b *browser) wantRefused(t *testing.T, path, field string, refusals ...refusal) []string {
	t.Helper()
	var pages []string
	for _, r := range refusals {
		res, body := b.post(path, url.Values{field: {r.value}})
		wantStatus(t, path+" with "+r.value, res, body, http.StatusBadRequest)
		if !strings.Contains(body, r.want) || !strings.Contains(body, `id="`+field+`-error"`) {
			t.Errorf("%s with %s %q lacks %q on its field:\n%s", path, field, r.value, r.want, body)
		}
		pages = append(pages, body)
	}
	return pages
}

// nextCode waits for the authenticator's next step, so that its code was
// never used, and returns it.
func nextCode(t *testing.T, secret string) string {
	t.Helper()
	now := time.Now()
	time.Sleep(time.Duration(30-now.Unix()%30)*time.Second + 100*time.Millisecond)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestSecondFactorPortalPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)

		t.Run("setting up asks for the current password", func(t *testing.T) {
			for _, body := range b.wantRefused(t, "/preferences/security/totp", "current_password",
				refusal{"", "Enter your current password."},
				refusal{"Wrong-pass-1", "Current password is not right."}) {
				if !strings.Contains(body, `autocomplete="current-password"`) {
					t.Errorf("begin: the field is not a current password's")
				}
			}
			res, _ := b.get("/preferences/security/totp")
			wantRedirect(t, "nothing begun", res, "/preferences/security")
		})
		t.Run("the set-up form names its field", func(t *testing.T) {
			b.post("/preferences/security/totp", url.Values{"current_password": {testPassword}})
			b.wantRefused(t, "/preferences/security/totp/confirm", "code",
				refusal{"", "Enter the 6-digit code"},
				refusal{"000000", "That code is not right"})
		})
		t.Run("the QR code is an image that is not stored", func(t *testing.T) {
			res, body := b.get("/preferences/security/totp/qr.png")
			wantStatus(t, "QR", res, body, http.StatusOK)
			if res.Header.Get("Content-Type") != "image/png" || res.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(body, "\x89PNG") {
				t.Errorf("QR headers %v", res.Header)
			}
		})
		secret, recovery := b.mustTOTPOn(t, "/preferences/security")
		res, body := b.get("/preferences/security")
		if !strings.Contains(body, "You have 10 recovery codes left") {
			t.Errorf("security page:\n%s", body)
		}
		b.post("/logout", url.Values{})

		other := f.browser()
		t.Run("the password alone gives a challenge and no session", func(t *testing.T) {
			res, _ := other.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}, "next": {"/sites"}})
			wantRedirect(t, "login", res, "/login/code?next=%2Fsites")
			if other.session() != "" || other.cookie(challengeCookie) == "" {
				t.Errorf("session %q, challenge %q", other.session(), other.cookie(challengeCookie))
			}
		})
		t.Run("the code page offers a passkey instead", func(t *testing.T) {
			res, body := other.get("/login/code")
			wantStatus(t, "code page", res, body, http.StatusOK)
			if !strings.Contains(body, `action="/login/passkey"`) || !strings.Contains(body, `id="passkey-signin"`) {
				t.Errorf("the code page has no passkey sign-in:\n%s", body)
			}
		})
		t.Run("no page opens with the challenge alone", func(t *testing.T) {
			walkWithChallenge(t, f, other, "/login?next=", func(p string) bool { return !strings.HasPrefix(p, "/console") && !strings.HasPrefix(p, "/api") })
		})
		t.Run("the code form names its field", func(t *testing.T) {
			other.wantRefused(t, "/login/code", "code",
				refusal{"", "Enter the code from your authenticator app"},
				refusal{"123 456", "That code is not right"},
				refusal{"abcde-fghij", "That code is not right"})
		})
		t.Run("a cross-site post is refused", func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.srv.URL+"/login/code", strings.NewReader("code=123456"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			res, _ := other.do(req)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site = %d", res.StatusCode)
			}
		})
		code := nextCode(t, secret)
		t.Run("a right code signs in and goes where it was going", func(t *testing.T) {
			res, _ := other.post("/login/code", url.Values{"code": {code}, "next": {"/sites"}})
			wantRedirect(t, "code", res, "/sites")
			if other.session() == "" || other.cookie(challengeCookie) != "" {
				t.Errorf("session %q, challenge %q", other.session(), other.cookie(challengeCookie))
			}
			res, body := other.get("/sites")
			wantStatus(t, "sites", res, body, http.StatusOK)
		})
		t.Run("the same code again is refused", func(t *testing.T) {
			third := f.browser()
			third.login("parent@example.test", testPassword)
			res, body := third.post("/login/code", url.Values{"code": {code}})
			wantStatus(t, "reused code", res, body, http.StatusBadRequest)
			t.Run("a recovery code works once", func(t *testing.T) {
				res, _ := third.post("/login/code", url.Values{"code": {recovery[3]}})
				wantRedirect(t, "recovery code", res, "/")
				fourth := f.browser()
				fourth.login("parent@example.test", testPassword)
				res, body := fourth.post("/login/code", url.Values{"code": {recovery[3]}})
				wantStatus(t, "recovery code again", res, body, http.StatusBadRequest)
			})
		})
		t.Run("a used challenge sends back to sign in", func(t *testing.T) {
			stale := f.browser()
			stale.login("parent@example.test", testPassword)
			token := stale.cookie(challengeCookie)
			if res, _ := stale.post("/login/code", url.Values{"code": {recovery[4]}}); res.StatusCode != http.StatusSeeOther {
				t.Fatal(res.Status)
			}
			replay := f.browser()
			u, _ := url.Parse(f.srv.URL)
			replay.jar.SetCookies(u, []*http.Cookie{{Name: challengeCookie, Value: token, Path: "/"}})
			res, _ := replay.post("/login/code", url.Values{"code": {recovery[5]}})
			wantRedirect(t, "replayed challenge", res, "/login?done=expired")
		})
		t.Run("turning off needs a code or the password", func(t *testing.T) {
			res, body := other.post("/preferences/security/totp/off", url.Values{"off_proof": {"Wrong-pass-1"}})
			wantStatus(t, "off, wrong proof", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `id="off_proof-error"`) {
				t.Errorf("the proof field is not named:\n%s", body)
			}
			res, _ = other.post("/preferences/security/totp/off", url.Values{"off_proof": {testPassword}})
			wantRedirect(t, "off", res, "/preferences/security?done=off")
		})
		_ = res
	})
}

// walkWithChallenge requests every GET route the filter keeps, with only a
// challenge cookie, and wants each that is behind a session to send to
// sign-in (login is the redirect's start). Pages open to anyone are
// listed with why.
func walkWithChallenge(t *testing.T, f *fixture, b *browser, login string, keep func(path string) bool) {
	t.Helper()
	open := map[string]bool{
		// Signing in and its single-use links: for those without a session.
		"/login": true, "/forgot": true, "/reset/x": true, "/setup/x": true, "/email/x": true,
		"/console/login": true, "/console/forgot": true, "/console/reset/x": true,
		// The organisation's logo shows on the sign-in page; a calendar
		// feed opens by the secret token in its own address.
		"/branding/logo/x": true, "/calendar/x": true,
		// The second step itself: it reads the challenge, not a session.
		"/login/code": true, "/login/factor-setup": true, "/login/factor-setup/qr.png": true,
		"/console/login/code": true, "/console/login/factor-setup": true, "/console/login/factor-setup/qr.png": true,
		// Single sign-on is a way in of its own, for those without a
		// session: its start, the provider's return and the company of a
		// domain (a challenge there gives nothing a stranger lacks).
		"/sso/start": true, "/sso/callback": true, "/sso/company": true,
	}
	wild := regexp.MustCompile(`\{[^}]*\}`)
	n := 0
	for _, p := range f.s.Kit().Patterns() {
		method, path, ok := strings.Cut(p, " ")
		if !ok || method != "GET" {
			continue
		}
		path = wild.ReplaceAllStringFunc(path, func(w string) string {
			if w == "{$}" {
				return ""
			}
			return "x"
		})
		if !keep(path) || open[path] {
			continue
		}
		n++
		res, _ := b.get(path)
		if loc := res.Header.Get("Location"); res.StatusCode/100 != 3 || !strings.HasPrefix(loc, login) {
			t.Errorf("GET %s (%s) with a challenge only = %d to %q, want a redirect to %s", path, p, res.StatusCode, loc, login)
		}
	}
	if n < 20 {
		t.Errorf("walked %d routes only", n)
	}
}
