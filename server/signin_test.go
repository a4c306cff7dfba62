package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/web"
)

func TestLogin(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		res := b.login("parent@example.test", testPassword)
		wantRedirect(t, "login", res, "/")
		var c *http.Cookie
		for _, k := range res.Cookies() {
			if k.Name == sessionCookie {
				c = k
			}
		}
		if c == nil || c.Value == "" {
			t.Fatalf("login set no %s cookie", sessionCookie)
		}
		if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Secure {
			t.Errorf("cookie = %+v, want HttpOnly, SameSite=Lax, Path=/, not Secure over http", c)
		}
		res, body := b.get("/")
		wantStatus(t, "GET / signed in", res, body, http.StatusOK)
		for _, want := range []string{"Pat Parent", `href="/sites"`, "Job sites", `action="/logout"`, `id="main"`, `href="#main"`} {
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %q", want)
			}
		}

		// Signing in again, by email in another case, rotates the session:
		// a new token, and the old one no longer works.
		first := b.session()
		b.login("PARENT@Example.TEST", testPassword)
		second := b.session()
		if second == "" || second == first {
			t.Fatalf("second login kept session %q", first)
		}
		other := f.browser()
		other.setSession(first)
		res, _ = other.get("/")
		wantRedirect(t, "GET / with the pre-login session", res, "/login?next=%2F")
		// The session store keeps only the hash of the token.
		var n int
		db.SQL().QueryRow(`SELECT count(*) FROM sessions WHERE token_hash = $1`, second).Scan(&n)
		if n != 0 {
			t.Error("the session table holds the plain cookie token")
		}
	})
}

func TestLoginSecureCookieOverHTTPS(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	newFixture(t, db)
	s, _ := newTestServer(t, db, testConfig{BaseURL: "https://portal.example.com", Hasher: auth.TestHasher()})
	req := httptest.NewRequest("POST", "/login", strings.NewReader(url.Values{"username": {"parent@example.test"}, "password": {testPassword}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, body := do(t, s.Handler(), req)
	wantStatus(t, "login", res, body, http.StatusSeeOther)
	for _, c := range res.Cookies() {
		if c.Name == sessionCookie && !c.Secure {
			t.Errorf("cookie over https is not Secure: %+v", c)
		}
	}
}

func TestLoginFailuresLookAlike(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// An invited login without a password fails like the others.
		f.addLogin("solo", "Ivy", "Invited", "invited@example.test", fieldportal.LoginInvited, "", false, fieldportal.AllModules)
		b := f.browser()
		answer := func(username, password string) (int, string) {
			res, body := b.post("/login", url.Values{"username": {username}, "password": {password}})
			if b.session() != "" {
				t.Fatalf("failed login as %s set a session", username)
			}
			// The form keeps what was typed; apart from that the pages
			// must be the same byte for byte.
			return res.StatusCode, strings.ReplaceAll(body, username, "TYPED")
		}
		s1, wrong := answer("parent@example.test", "Not-the-password-1")
		s2, unknown := answer("nobody@example.test", "Not-the-password-1")
		s4, invited2 := answer("invited@example.test", "Anything-1")
		if s1 != http.StatusUnauthorized || s2 != s1 || s4 != s1 {
			t.Errorf("statuses: wrong password %d, unknown user %d, invited %d; want all 401", s1, s2, s4)
		}
		if wrong != unknown || wrong != invited2 {
			t.Errorf("wrong password and unknown user answer differently:\n--- wrong\n%s\n--- unknown\n%s", wrong, unknown)
		}
		if !strings.Contains(wrong, wrongCredentials) {
			t.Errorf("answer lacks %q", wrongCredentials)
		}
		if !strings.Contains(wrong, `value="TYPED"`) {
			t.Error("the failed form did not keep the typed username")
		}
		// Empty fields are named.
		res, body := b.post("/login", url.Values{"username": {""}, "password": {""}})
		wantStatus(t, "empty login", res, body, http.StatusBadRequest)
		for _, want := range []string{"Enter your username or email address.", "Enter your password."} {
			if !strings.Contains(body, want) {
				t.Errorf("empty login lacks %q", want)
			}
		}
	})
}

func TestLoginThrottle(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// A frozen clock: the throttle's delays never run out mid-test.
		now := time.Now()
		db.Now = func() time.Time { return now }
		b := f.browser()
		for i := range 5 {
			res, body := b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {"Wrong-password-1"}})
			wantStatus(t, "failure "+string(rune('1'+i)), res, body, http.StatusUnauthorized)
		}
		// The sixth try is refused even with the right password.
		res, body := b.post("/login", url.Values{"username": {"Parent@example.test "}, "password": {testPassword}})
		wantStatus(t, "sixth try", res, body, http.StatusTooManyRequests)
		if !strings.Contains(body, "Too many attempts. Try again in") {
			t.Errorf("429 page lacks the throttle's message:\n%s", body)
		}
		// An unknown name is throttled the same way.
		for range 5 {
			b.post("/login", url.Values{"username": {"ghost@example.test"}, "password": {"Wrong-password-1"}})
		}
		res, body = b.post("/login", url.Values{"username": {"ghost@example.test"}, "password": {"Wrong-password-1"}})
		wantStatus(t, "sixth try, unknown user", res, body, http.StatusTooManyRequests)
		// Once the delay has passed, the right password works.
		now = now.Add(2 * time.Second)
		b.login("parent@example.test", testPassword)
	})
}

func TestLogout(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		token := b.session()
		res, _ := b.post("/logout", nil)
		wantRedirect(t, "logout", res, "/login?done=logout")
		if b.session() != "" {
			t.Error("logout left the cookie")
		}
		res, body := b.get("/login?done=logout")
		if !strings.Contains(body, "You have logged out.") {
			t.Errorf("login page after logout lacks the notice:\n%s", body)
		}
		// The old token is dead on the server too.
		b.setSession(token)
		res, _ = b.get("/sites")
		wantRedirect(t, "GET /sites after logout", res, "/login?next=%2Fsites")
	})
}

func TestUnauthenticatedRedirect(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		res, _ := b.get("/sites?q=dock")
		wantRedirect(t, "GET /sites signed out", res, "/login?next=%2Fsites%3Fq%3Ddock")
		// The form carries next; signing in goes there.
		_, body := b.get("/login?next=%2Fsites%3Fq%3Ddock")
		if !strings.Contains(body, `name="next" value="/sites?q=dock"`) {
			t.Fatalf("login form lacks next:\n%s", body)
		}
		res, _ = b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}, "next": {"/sites?q=dock"}})
		wantRedirect(t, "login with next", res, "/sites?q=dock")

		// Anything not a local path is ignored.
		for _, next := range []string{"//evil.example/x", "https://evil.example/", `/\evil.example`, "evil", "/\r\nx"} {
			b := f.browser()
			res, _ := b.post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}, "next": {next}})
			wantRedirect(t, "login with next "+next, res, "/")
		}
		// A POST signed out starts over at the sign-in page.
		res, _ = f.browser().post("/password", url.Values{})
		wantRedirect(t, "POST /password signed out", res, "/login")
	})
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"": "/", "/": "/", "/sites?q=a": "/sites?q=a", "//evil": "/", `/\evil`: "/", "http://evil": "/",
		"javascript:alert(1)": "/", "sites": "/", "/x\ny": "/",
	} {
		if got := web.SafeNext(in); got != want {
			t.Errorf("web.SafeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDisabledLoginLosesSession(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("child@example.test", testPassword)
		l := f.logins["child@example.test"]
		if err := db.RevokeLogin(context.Background(), f.sys, l.ContactID); err != nil {
			t.Fatal(err)
		}
		res, _ := b.get("/")
		wantRedirect(t, "GET / after the login was disabled", res, "/login?next=%2F")
		res, _ = b.post("/login", url.Values{"username": {"child@example.test"}, "password": {testPassword}})
		wantStatus(t, "login of a disabled login", res, "", http.StatusUnauthorized)
	})
}

func TestForgotAndReset(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		old := f.browser()
		old.login("parent@example.test", testPassword)

		b := f.browser()
		res, body := b.get("/forgot")
		wantStatus(t, "GET /forgot", res, body, http.StatusOK)
		ask := func(email string) (int, string) {
			res, body := b.post("/forgot", url.Values{"email": {email}})
			return res.StatusCode, strings.ReplaceAll(body, email, "TYPED")
		}
		s1, known := ask("Parent@Example.test")
		s2, unknown := ask("nobody@example.test")
		if s1 != http.StatusOK || s2 != http.StatusOK || known != unknown {
			t.Errorf("forgot answers differ: %d vs %d\n--- known\n%s\n--- unknown\n%s", s1, s2, known, unknown)
		}
		if !strings.Contains(known, "If that address has a portal login, we&#39;ve sent a link to reset the password.") {
			t.Errorf("forgot page lacks the answer:\n%s", known)
		}
		res, body = b.post("/forgot", url.Values{"email": {"not an email"}})
		wantStatus(t, "forgot with a bad address", res, body, http.StatusBadRequest)
		if !strings.Contains(body, "Email address must be a valid address") || !strings.Contains(body, `value="not an email"`) {
			t.Errorf("bad address not named or not kept:\n%s", body)
		}

		to, mail, n := f.outboxMail("reset")
		if n != 1 || to != "parent@example.test" {
			t.Fatalf("reset mails: %d, latest to %q; want 1 to parent@example.test", n, to)
		}
		link := linkIn(t, mail, "reset")
		res, body = b.get(link)
		wantStatus(t, "GET reset link", res, body, http.StatusOK)

		// The policy's failed rules are each named; nothing is saved.
		res, body = b.post(link, url.Values{"password": {"short"}, "confirm": {"shorter"}})
		wantStatus(t, "weak password", res, body, http.StatusBadRequest)
		for _, want := range []string{"be at least 10 characters long", "contain a digit", "contain an upper-case letter",
			"The repeated password does not match the new password."} {
			if !strings.Contains(body, want) {
				t.Errorf("weak password page lacks %q", want)
			}
		}
		res, body = b.post(link, url.Values{"password": {"password1"}, "confirm": {"password1"}})
		if !strings.Contains(body, "not be one of the most common passwords") {
			t.Errorf("common password not named:\n%s", body)
		}

		const newPassword = "Sprinkler-Test-77"
		res, _ = b.post(link, url.Values{"password": {newPassword}, "confirm": {newPassword}})
		wantRedirect(t, "reset", res, "/login?done=reset")
		// The link works once.
		res, body = b.get(link)
		wantStatus(t, "reset link used twice", res, body, http.StatusNotFound)
		if !strings.Contains(body, "expired or has already been used") || !strings.Contains(body, `href="/forgot"`) {
			t.Errorf("used link page:\n%s", body)
		}
		res, _ = b.post(link, url.Values{"password": {"Another-Pass-88"}, "confirm": {"Another-Pass-88"}})
		wantStatus(t, "second reset", res, "", http.StatusNotFound)
		// The session from before the reset is gone.
		res, _ = old.get("/")
		wantRedirect(t, "old session after reset", res, "/login?next=%2F")
		// The new password works, the old one does not.
		res, _ = f.browser().post("/login", url.Values{"username": {"parent@example.test"}, "password": {testPassword}})
		wantStatus(t, "login with the old password", res, "", http.StatusUnauthorized)
		f.browser().login("parent@example.test", newPassword)
	})
}

func TestForgotThrottle(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	now := time.Now()
	db.Now = func() time.Time { return now }
	b := f.browser()
	for range 5 {
		res, body := b.post("/forgot", url.Values{"email": {"parent@example.test"}})
		wantStatus(t, "forgot", res, body, http.StatusOK)
	}
	res, body := b.post("/forgot", url.Values{"email": {"parent@example.test"}})
	wantStatus(t, "sixth forgot", res, body, http.StatusTooManyRequests)
}

func TestSetupFromInvitation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		contact, _ := f.addLogin("child", "Sam", "Newman", "sam@example.test", fieldportal.LoginInvited, "", false, fieldportal.AllModules)
		if err := f.acc.ResendInvitation(ctx, f.sys, contact.ID); err != nil {
			t.Fatalf("ResendInvitation: %v", err)
		}
		to, mail, n := f.outboxMail("invite")
		if n != 1 || to != "sam@example.test" {
			t.Fatalf("invite mails: %d, to %q", n, to)
		}
		link := linkIn(t, mail, "setup")
		b := f.browser()
		res, body := b.get(link)
		wantStatus(t, "GET setup link", res, body, http.StatusOK)
		for _, want := range []string{`value="Sam"`, `value="Newman"`, `value="sam@example.test"`} {
			if !strings.Contains(body, want) {
				t.Errorf("setup form lacks %s", want)
			}
		}
		// A failed form names each field and keeps what was typed.
		res, body = b.post(link, url.Values{"first_name": {""}, "last_name": {"New<b>man"}, "username": {"sam new"},
			"password": {"abc"}, "confirm": {"abc"}})
		wantStatus(t, "bad setup", res, body, http.StatusBadRequest)
		for _, want := range []string{"Enter your first name.", "Username must be at most 254 characters with no spaces.",
			"Password must be at least 10 characters long", `value="New&lt;b&gt;man"`, `value="sam new"`} {
			if !strings.Contains(body, want) {
				t.Errorf("bad setup page lacks %q", want)
			}
		}
		// Another person's email cannot be taken as a username (it would
		// block that person's sign-in by email and reset).
		res, body = b.post(link, url.Values{"first_name": {"Sam"}, "last_name": {"Newman"}, "username": {"PARENT@example.test"},
			"password": {"Fire-Door-Check-5"}, "confirm": {"Fire-Door-Check-5"}})
		wantStatus(t, "setup with another person's email", res, body, http.StatusBadRequest)
		if !strings.Contains(body, "must be the contact&#39;s own email address") {
			t.Errorf("email username not refused:\n%s", body)
		}
		// A failed setup spent nothing; a good one signs in.
		res, body = b.post(link, url.Values{"first_name": {"Samantha"}, "last_name": {"Newman"}, "username": {"sam"},
			"password": {"Fire-Door-Check-5"}, "confirm": {"Fire-Door-Check-5"}})
		wantRedirect(t, "setup", res, "/")
		res, body = b.get("/")
		wantStatus(t, "dashboard after setup", res, body, http.StatusOK)
		if !strings.Contains(body, "Samantha Newman") {
			t.Errorf("dashboard lacks the confirmed name")
		}
		res, _ = f.browser().get(link)
		wantStatus(t, "setup link used twice", res, "", http.StatusNotFound)
		f.browser().login("sam", "Fire-Door-Check-5")
		// A disabled login cannot be invited.
		l, _ := db.FindLoginByContact(ctx, f.sys, contact.ID)
		l.Status = fieldportal.LoginDisabled
		if err := db.UpdateLoginAccess(ctx, f.sys, l); err != nil {
			t.Fatal(err)
		}
		if err := f.acc.ResendInvitation(ctx, f.sys, contact.ID); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			t.Errorf("ResendInvitation to a disabled login: %v, want a conflict", err)
		}
	})
}

func TestMustChangePassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addLogin("parent", "Mo", "Change", "mo@example.test", fieldportal.LoginActive, "Initial-Pass-1", true, fieldportal.AllModules)
		b := f.browser()
		b.login("mo@example.test", "Initial-Pass-1")
		for _, p := range []string{"/", "/sites"} {
			res, _ := b.get(p)
			wantRedirect(t, "GET "+p+" before changing the password", res, "/password")
		}
		res, body := b.get("/password")
		wantStatus(t, "GET /password", res, body, http.StatusOK)
		if !strings.Contains(body, "Please choose your own") {
			t.Errorf("forced password page lacks its notice")
		}
		res, body = b.post("/password", url.Values{"current": {"Wrong-Pass-1"}, "password": {"Initial-Pass-1"}, "confirm": {"x"}})
		wantStatus(t, "bad change", res, body, http.StatusBadRequest)
		for _, want := range []string{"Current password is not right.", "The repeated password does not match"} {
			if !strings.Contains(body, want) {
				t.Errorf("bad change lacks %q", want)
			}
		}
		res, body = b.post("/password", url.Values{"current": {"Initial-Pass-1"}, "password": {"Initial-Pass-1"}, "confirm": {"Initial-Pass-1"}})
		if !strings.Contains(body, "New password must be different") {
			t.Errorf("reusing the password not refused:\n%s", body)
		}
		before := b.session()
		res, _ = b.post("/password", url.Values{"current": {"Initial-Pass-1"}, "password": {"Own-Choice-Pass-2"}, "confirm": {"Own-Choice-Pass-2"}})
		wantRedirect(t, "change password", res, "/")
		if b.session() == before {
			t.Error("changing the password kept the session id")
		}
		res, body = b.get("/")
		wantStatus(t, "GET / after changing", res, body, http.StatusOK)
	})
}
