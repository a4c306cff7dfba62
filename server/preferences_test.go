package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The preferences' email change (issue 20): the form refuses a missing or
// wrong current password and a bad or taken address, naming the field
// and keeping the address typed (never the password); the link mailed to
// the new address, followed from another browser, changes it, the old
// address is told when it is asked for and when it is done, and the
// contact signs in with the new one.
func TestPreferencesEmailChange(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)

		t.Run("a missing or wrong current password is refused naming the field, with the address kept", func(t *testing.T) {
			for _, tc := range []struct{ name, current, message string }{
				{"missing", "", "Enter your current password."},
				{"wrong", "Wrong-Guess-42", "Current password is not right."},
			} {
				res, body := b.post("/preferences/email", url.Values{"email": {"pat.stolen@example.test"}, "current_password": {tc.current}})
				wantStatus(t, tc.name, res, body, http.StatusBadRequest)
				if !strings.Contains(body, tc.message) || !strings.Contains(body, `href="#current_password"`) {
					t.Errorf("%s: the message naming the field is missing:\n%s", tc.name, body)
				}
				if !strings.Contains(body, `value="pat.stolen@example.test"`) {
					t.Errorf("%s: the address typed is not kept", tc.name)
				}
				if tc.current != "" && strings.Contains(body, tc.current) {
					t.Errorf("%s: the password is written back into the page", tc.name)
				}
			}
			for _, topic := range []string{"email_change", "email_change_requested"} {
				if _, _, n := f.outboxMail(topic); n != 0 {
					t.Errorf("%d %s mails without the password", n, topic)
				}
			}
		})
		t.Run("a bad or taken address is refused naming the field, with what was typed kept", func(t *testing.T) {
			for _, tc := range []struct{ typed, message string }{
				{"child@example.test", "already used by another contact"},
				{"CHILD@example.test", "already used by another contact"},
				{"not an <address>", "Email address must be a valid address"},
				{"", "Enter your new email address."},
			} {
				res, body := b.post("/preferences/email", url.Values{"email": {tc.typed}, "current_password": {testPassword}})
				wantStatus(t, "email "+tc.typed, res, body, http.StatusBadRequest)
				if !strings.Contains(body, tc.message) || !strings.Contains(body, `href="#email"`) {
					t.Errorf("%q: the message naming the field is missing:\n%s", tc.typed, body)
				}
				if tc.typed != "" && !strings.Contains(body, `value="`+attrEscaped(tc.typed)+`"`) {
					t.Errorf("%q: what was typed is not kept", tc.typed)
				}
			}
			if _, _, n := f.outboxMail("email_change"); n != 0 {
				t.Errorf("%d mails for refused addresses", n)
			}
		})
		var link string
		t.Run("a link goes to the new address and nothing changes yet", func(t *testing.T) {
			res, _ := b.post("/preferences/email", url.Values{"email": {"pat.new@example.test"}, "current_password": {testPassword}})
			wantRedirect(t, "request", res, "/preferences?done=email")
			_, body := b.get("/preferences?done=email")
			if !strings.Contains(body, "A link was sent to pat.new@example.test") || !strings.Contains(body, "parent@example.test") {
				t.Errorf("the pending change is not shown:\n%s", body)
			}
			to, mail, n := f.outboxMail("email_change")
			if n != 1 || to != "pat.new@example.test" {
				t.Fatalf("%d mails, to %q", n, to)
			}
			link = linkIn(t, mail, "email")
			if to, mail, n := f.outboxMail("email_change_requested"); n != 1 || to != "parent@example.test" || !strings.Contains(mail, "pat.new@example.test") {
				t.Errorf("current address told of the request: %d mails to %q:\n%s", n, to, mail)
			}
		})
		t.Run("following the link from another browser changes the address", func(t *testing.T) {
			other := f.browser()
			res, body := other.get(link)
			wantStatus(t, "link page", res, body, http.StatusOK)
			if !strings.Contains(body, "pat.new@example.test") {
				t.Errorf("the page does not name the new address:\n%s", body)
			}
			res, _ = other.post(link, url.Values{})
			wantRedirect(t, "confirm", res, "/login?done=email")
			_, body = other.get("/login?done=email")
			if !strings.Contains(body, "Your email address has been changed.") {
				t.Error("the sign-in page does not say so")
			}
			if to, mail, n := f.outboxMail("email_changed"); n != 1 || to != "parent@example.test" || !strings.Contains(mail, "pat.new@example.test") {
				t.Errorf("old address told: %d mails to %q:\n%s", n, to, mail)
			}
			other.login("pat.new@example.test", testPassword)
			res, body = other.get("/preferences")
			wantStatus(t, "preferences after the change", res, body, http.StatusOK)
			if !strings.Contains(body, "pat.new@example.test") {
				t.Error("the new address is not shown")
			}
		})
		t.Run("the link works once, and a wrong one not at all", func(t *testing.T) {
			for _, path := range []string{link, "/email/not-a-token"} {
				res, body := f.browser().get(path)
				wantStatus(t, "GET "+path, res, body, http.StatusNotFound)
				res, body = f.browser().post(path, url.Values{})
				wantStatus(t, "POST "+path, res, body, http.StatusNotFound)
			}
		})
	})
}

// attrEscaped escapes a typed value as html/template writes it in an
// attribute, for the few characters the cases use.
func attrEscaped(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;").Replace(s)
}

// A phone with letters is refused naming the field, and every field keeps
// what was typed.
func TestPreferencesPhoneRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		b := f.browser()
		b.login("parent@example.test", testPassword)
		res, body := b.post("/preferences", url.Values{"first_name": {"Patricia"}, "last_name": {"Parent"},
			"phone": {"0117 CALL ME"}, "mobile": {"07700 900123"}, "position": {"Bursar"}})
		wantStatus(t, "phone with letters", res, body, http.StatusBadRequest)
		for _, want := range []string{`href="#phone"`, "Enter a phone number", `value="0117 CALL ME"`, `value="Patricia"`,
			`value="07700 900123"`, `value="Bursar"`} {
			if !strings.Contains(body, want) {
				t.Errorf("page lacks %s", want)
			}
		}
		c, err := db.FindContactByID(context.Background(), f.sys, f.logins["parent@example.test"].ContactID)
		if err != nil || c.FirstName != "Pat" {
			t.Errorf("a refused form was saved: %+v %v", c, err)
		}
	})
}

// The password form of the preferences: the current password and the
// policy are checked, naming the field; a change ends every other
// session of the login while this browser carries on.
func TestPreferencesPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		mine, other := f.browser(), f.browser()
		mine.login("parent@example.test", testPassword)
		other.login("parent@example.test", testPassword)
		child := f.browser()
		child.login("child@example.test", testPassword)

		for _, tc := range []struct {
			name    string
			form    url.Values
			field   string
			message string
		}{
			{"wrong current", url.Values{"current": {"Wrong-Pass-1"}, "password": {"New-Harbour-77"}, "confirm": {"New-Harbour-77"}}, "current", "Current password is not right."},
			{"too short", url.Values{"current": {testPassword}, "password": {"Ab1-x"}, "confirm": {"Ab1-x"}}, "password", "at least"},
			{"not repeated", url.Values{"current": {testPassword}, "password": {"New-Harbour-77"}, "confirm": {"New-Harbour-78"}}, "confirm", "does not match"},
		} {
			res, body := mine.post("/preferences/password", tc.form)
			wantStatus(t, tc.name, res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="#`+tc.field+`"`) || !strings.Contains(body, tc.message) {
				t.Errorf("%s: no message %q for %s:\n%s", tc.name, tc.message, tc.field, body)
			}
			if strings.Contains(body, tc.form.Get("password")) {
				t.Errorf("%s: a password is written back into the page", tc.name)
			}
		}
		res, _ := mine.post("/preferences/password", url.Values{"current": {testPassword}, "password": {"New-Harbour-77"}, "confirm": {"New-Harbour-77"}})
		wantRedirect(t, "change", res, "/preferences?done=password")
		res, body := mine.get("/preferences?done=password")
		wantStatus(t, "this browser after the change", res, body, http.StatusOK)
		if !strings.Contains(body, "signed out everywhere else") {
			t.Error("the page does not say the other sessions ended")
		}
		res, _ = other.get("/preferences")
		if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
			t.Errorf("the other session still opens the preferences: %d %s", res.StatusCode, res.Header.Get("Location"))
		}
		if res, body := child.get("/preferences"); res.StatusCode != http.StatusOK {
			t.Errorf("another login's session ended: %d\n%s", res.StatusCode, body)
		}
		f.browser().login("parent@example.test", "New-Harbour-77")
	})
}

// The mails a contact chooses: offered by its roles, saved, and shown as
// saved.
func TestPreferencesMailChoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		c, err := db.FindContactByID(ctx, f.sys, f.logins["parent@example.test"].ContactID)
		if err != nil {
			t.Fatal(err)
		}
		c.InvoiceContact = true
		if err := db.UpdateContact(ctx, f.sys, c); err != nil {
			t.Fatal(err)
		}
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)

		_, body := parent.get("/preferences")
		for _, want := range []string{`value="invoice_issued" checked`, `value="payment_receipt" checked`, `value="issue_answered" checked`, `value="office_message" checked`} {
			if !strings.Contains(body, want) {
				t.Errorf("the invoice contact's page lacks %s", want)
			}
		}
		if strings.Contains(body, `value="quote_sent"`) || strings.Contains(body, `value="job_scheduled"`) {
			t.Error("mails of roles the contact lacks are offered")
		}
		if _, body := child.get("/preferences"); strings.Contains(body, `value="invoice_issued"`) {
			t.Error("a contact without the invoice role is offered the invoice mail")
		}
		res, _ := parent.post("/preferences/mail", url.Values{"mail": {"issue_answered", "quote_sent"}})
		wantRedirect(t, "save", res, "/preferences?done=mail")
		_, body = parent.get("/preferences?done=mail")
		for _, want := range []string{"Your mail choices have been saved.", `value="invoice_issued">`, `value="payment_receipt">`, `value="issue_answered" checked`} {
			if !strings.Contains(body, want) {
				t.Errorf("the saved page lacks %s", want)
			}
		}
	})
}
