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

// The console's online payment settings: the provider and Stripe's keys,
// the secret ones never shown again nor logged, admins only; pay buttons
// (the checkout) only with the keys saved.
func TestConsolePaymentSettings(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, invs := newPayFixture(t, db, "")
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		f.addStaff("staff@example.test", fieldportal.RoleStaff)
		const secret, hook = "sk_test_51Secret9876", "whsec_Signing4321"
		admin := f.payBrowser()
		admin.consoleLogin("admin@example.test")
		contact := f.payBrowser()
		contact.login("parent@example.test", testPassword)
		checkout := func() int {
			res, _ := contact.post("/payments/checkout", url.Values{"invoice": {invs[0].ID}, "back": {"/invoices"}})
			return res.StatusCode
		}

		t.Run("off: no checkout", func(t *testing.T) {
			if got := checkout(); got != http.StatusNotFound {
				t.Errorf("checkout with payments off = %d, want 404", got)
			}
		})
		t.Run("stripe without keys: no checkout", func(t *testing.T) {
			res, body := admin.post("/console/settings/payments", url.Values{"payment_provider": {"stripe"}})
			wantStatus(t, "save provider", res, body, http.StatusSeeOther)
			if got := checkout(); got != http.StatusNotFound {
				t.Errorf("checkout with Stripe's keys missing = %d, want 404", got)
			}
		})
		t.Run("keys saved, never shown again", func(t *testing.T) {
			res, body := admin.post("/console/settings/payments", url.Values{"payment_provider": {"stripe"},
				"publishable_key": {"pk_test_visible"}, "secret_key": {secret}, "webhook_secret": {hook}})
			wantStatus(t, "save keys", res, body, http.StatusSeeOther)
			res, body = admin.get("/console/settings")
			wantStatus(t, "settings", res, body, http.StatusOK)
			if strings.Contains(body, secret) || strings.Contains(body, hook) {
				t.Error("the settings page shows a secret key")
			}
			if !strings.Contains(body, "ending …9876") || !strings.Contains(body, "ending …4321") || !strings.Contains(body, "pk_test_visible") {
				t.Errorf("the settings page does not say how the keys end:\n%s", body)
			}
			for _, table := range []string{"audit_log"} {
				var n int
				db.SQL().QueryRow(`SELECT COUNT(*) FROM ` + table + ` WHERE detail LIKE '%Secret9876%' OR detail LIKE '%Signing4321%'`).Scan(&n)
				if n != 0 {
					t.Errorf("%s holds a secret key", table)
				}
			}
		})
		t.Run("a Stripe test key is called one", func(t *testing.T) {
			// With sk_test_ keys a payer pays with 4242 4242 4242 4242 and the
			// invoices show Paid: the admin must be told no money moves.
			_, body := admin.get("/console/settings")
			if !strings.Contains(body, "a Stripe test key: payments through it are not real") {
				t.Errorf("the settings page does not warn of a test key:\n%s", body)
			}
			res, body := admin.post("/console/settings/payments", url.Values{"payment_provider": {"stripe"},
				"secret_key": {"sk_live_51Secret1234"}})
			wantStatus(t, "save a live key", res, body, http.StatusSeeOther)
			if _, body = admin.get("/console/settings"); strings.Contains(body, "payments through it are not real") {
				t.Error("a live key is called a test key")
			}
			res, body = admin.post("/console/settings/payments", url.Values{"payment_provider": {"stripe"}, "secret_key": {secret}})
			wantStatus(t, "save the test key again", res, body, http.StatusSeeOther)
		})
		t.Run("a bad key keeps the form, not the secret", func(t *testing.T) {
			res, body := admin.post("/console/settings/payments", url.Values{"payment_provider": {"stripe"}, "secret_key": {"oops-" + secret}})
			wantStatus(t, "bad key", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Secret key must start with sk_") || strings.Contains(body, secret) {
				t.Errorf("bad key page:\n%s", body)
			}
		})
		t.Run("staff may not", func(t *testing.T) {
			b := f.payBrowser()
			b.consoleLogin("staff@example.test")
			res, _ := b.post("/console/settings/payments", url.Values{"payment_provider": {"testmode"}})
			if res.StatusCode == http.StatusSeeOther {
				t.Error("a staff member (not admin) changed the payment settings")
			}
		})
		t.Run("test mode: checkout", func(t *testing.T) {
			res, body := admin.post("/console/settings/payments", url.Values{"payment_provider": {"testmode"}})
			wantStatus(t, "test mode", res, body, http.StatusSeeOther)
			if got := checkout(); got != http.StatusSeeOther {
				t.Errorf("checkout on test mode = %d, want 303", got)
			}
		})
	})
}
