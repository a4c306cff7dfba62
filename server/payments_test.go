package server

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/payment"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/stripe/stripe-go/v85/webhook"
)

// newPayFixture is the fixture with online payment wired in and the
// organisation on provider (test mode or Stripe with keys), and three
// unpaid invoices: two of the parent's HQ, one of the child's dock.
func newPayFixture(t *testing.T, db *sqlstore.DB, provider string) (*fixture, []*fieldportal.Invoice) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, db)
	s, _ := newTestServer(t, db, testConfig{BaseURL: "http://portal.test",
		Payments: payment.Gateways(payment.Config{StripeURL: os.Getenv("FIELDPORTAL_STRIPE_MOCK"), TestModeSecret: []byte("server test")})})
	f.s, f.srv = s, httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	// A host of its own, so another organisation may join the install.
	if _, err := db.SQL().ExecContext(ctx, `UPDATE organisations SET host = 'portal.test' WHERE id = $1`, f.org.ID); err != nil {
		t.Fatal(err)
	}
	admin := fieldportal.NewStaffViewer(f.org.ID, "admin", "Ann", fieldportal.RoleAdmin)
	var keys fieldportal.PaymentKeys
	if provider == fieldportal.ProviderStripe {
		keys = fieldportal.PaymentKeys{SecretKey: "sk_test_123", WebhookSecret: "whsec_server_test"}
	}
	if err := db.SavePaymentSettings(ctx, admin, provider, keys); err != nil {
		t.Fatal(err)
	}
	var invs []*fieldportal.Invoice
	for _, x := range []struct {
		site  string
		total fieldportal.Money
	}{{"hq", 12000}, {"hq", 3050}, {"dock", 999}} {
		day := fieldportal.DateOf(time.Now().AddDate(0, 0, -40))
		inv := &fieldportal.Invoice{CustomerID: f.site[x.site].CustomerID, SiteID: f.site[x.site].ID, IssueDate: day,
			DueDate: day.AddDays(30), Subtotal: x.total, Total: x.total}
		if err := db.CreateInvoice(ctx, f.sys, inv); err != nil {
			t.Fatal(err)
		}
		invs = append(invs, inv)
	}
	return f, invs
}

// payBrowser is a browser of the payment fixture's organisation's host.
func (f *fixture) payBrowser() *browser {
	b := f.browser()
	b.host = "portal.test"
	return b
}

func (f *fixture) invoicePaid(id string) (fieldportal.Money, fieldportal.InvoiceStatus) {
	f.t.Helper()
	inv, err := f.db.FindInvoiceByID(context.Background(), f.sys, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return inv.AmountPaid, inv.Status
}

// localPath is a redirect's address on the test server.
func localPath(t *testing.T, res *http.Response) string {
	t.Helper()
	u, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.Header.Get("Location") == "" {
		t.Fatalf("no redirect (status %d)", res.StatusCode)
	}
	return u.RequestURI()
}

func TestPayOnlineTestMode(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, invs := newPayFixture(t, db, fieldportal.ProviderTestMode)
		b := f.payBrowser()
		b.login("parent@example.test", testPassword)
		form := url.Values{"invoice": {invs[0].ID, invs[2].ID}, "back": {"/statement"}}

		res, body := b.post("/payments/checkout", form)
		wantStatus(t, "POST /payments/checkout", res, body, http.StatusSeeOther)
		page := localPath(t, res)
		if !strings.HasPrefix(page, "/payments/test/") {
			t.Fatalf("checkout went to %q, want the test payment page", page)
		}
		res, body = b.get(page)
		wantStatus(t, "GET test page", res, body, http.StatusOK)
		if !strings.Contains(body, "Test mode") || !strings.Contains(body, "£129.99") {
			t.Errorf("test page does not say test mode and £129.99:\n%s", body)
		}

		t.Run("declined card applies nothing", func(t *testing.T) {
			res, body := b.post(page, url.Values{"card": {"4000 0000 0000 0002"}})
			wantStatus(t, "declined", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "declined") || strings.Contains(body, "4000 0000 0000 0002\"") {
				t.Errorf("declined page:\n%s", body)
			}
			res, body = b.post(page, url.Values{"card": {"5555555555554444"}})
			wantStatus(t, "other card", res, body, http.StatusUnprocessableEntity)
			if paid, _ := f.invoicePaid(invs[0].ID); paid != 0 {
				t.Errorf("invoice paid %d after a declined card", paid)
			}
		})

		t.Run("4242 pays, the return page shows the receipt", func(t *testing.T) {
			res, body := b.post(page, url.Values{"card": {"4242 4242 4242 4242"}})
			wantStatus(t, "pay", res, body, http.StatusSeeOther)
			ret := localPath(t, res)
			res, body = b.get(ret)
			wantStatus(t, "return page", res, body, http.StatusOK)
			if !strings.Contains(body, "R-1001") || !strings.Contains(body, "/statement") {
				t.Errorf("return page without receipt R-1001 or the way back:\n%s", body)
			}
			for _, inv := range []*fieldportal.Invoice{invs[0], invs[2]} {
				if paid, st := f.invoicePaid(inv.ID); paid != inv.Total || st != fieldportal.InvoicePaid {
					t.Errorf("invoice %s: paid %d %s", inv.Number, paid, st)
				}
			}
			if paid, _ := f.invoicePaid(invs[1].ID); paid != 0 {
				t.Errorf("an invoice not chosen was paid %d", paid)
			}
			// Reloading shows the same receipt and applies nothing more.
			res, body = b.get(ret)
			wantStatus(t, "return page reloaded", res, body, http.StatusOK)
			if !strings.Contains(body, "R-1001") || f.count("payments") != 1 {
				t.Errorf("reload: %d payments:\n%s", f.count("payments"), body)
			}
			if to, _, n := f.outboxMail("receipt"); n != 1 || to != "parent@example.test" {
				t.Errorf("receipt mails = %d to %q, want 1 to the payer", n, to)
			}
			// The page cannot be paid again.
			res, body = b.post(page, url.Values{"card": {"4242424242424242"}})
			if f.count("payments") != 1 {
				t.Errorf("paying the page again made a payment (%d):\n%s", res.StatusCode, body)
			}
		})

		t.Run("cancel page", func(t *testing.T) {
			res, _ := b.post("/payments/checkout", url.Values{"invoice": {invs[1].ID}, "back": {"/invoices"}})
			page := localPath(t, res)
			_, body := b.get(page)
			i := strings.Index(body, "/payments/cancel?checkout=")
			if i < 0 {
				t.Fatalf("no cancel link on the test page:\n%s", body)
			}
			link := body[i:]
			link = strings.ReplaceAll(link[:strings.IndexByte(link, '"')], "&amp;", "&")
			res, body = b.get(link)
			wantStatus(t, "cancel page", res, body, http.StatusOK)
			if !strings.Contains(body, "Nothing was paid") {
				t.Errorf("cancel page:\n%s", body)
			}
		})
	})
}

func TestPayOnlineAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f, invs := newPayFixture(t, db, fieldportal.ProviderTestMode)
		f.addLogin("parent", "Nina", "NoInvoices", "noinv@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites})
		other := mustOrg(t, db, "Other Org", "other.test")
		osys := fieldportal.SystemViewer(other.ID, "test")
		ocust := &fieldportal.Customer{Name: "Elsewhere"}
		if err := db.CreateCustomer(ctx, osys, ocust); err != nil {
			t.Fatal(err)
		}
		day := fieldportal.DateOf(time.Now())
		foreign := &fieldportal.Invoice{CustomerID: ocust.ID, IssueDate: day, DueDate: day, Subtotal: 500, Total: 500}
		if err := db.CreateInvoice(ctx, osys, foreign); err != nil {
			t.Fatal(err)
		}
		checkouts := func() int { return f.count("checkouts") }
		for _, tc := range []struct {
			name, login string
			ids         []string
			status      int
		}{
			{"child contact, the parent's invoice", "child@example.test", []string{invs[0].ID}, http.StatusBadRequest},
			{"another organisation's invoice", "parent@example.test", []string{foreign.ID}, http.StatusBadRequest},
			{"no invoice chosen", "parent@example.test", nil, http.StatusBadRequest},
			{"no Invoices module", "noinv@example.test", []string{invs[0].ID}, http.StatusNotFound},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := f.payBrowser()
				b.login(tc.login, testPassword)
				before := checkouts()
				res, body := b.post("/payments/checkout", url.Values{"invoice": tc.ids, "back": {"/invoices"}})
				wantStatus(t, "checkout", res, body, tc.status)
				if checkouts() != before {
					t.Error("a checkout was made")
				}
			})
		}
		t.Run("pay_online hidden", func(t *testing.T) {
			st, _ := db.FindSettings(ctx, f.org.ID)
			st.HiddenActions = append(st.HiddenActions, fieldportal.ActionPayOnline)
			admin := fieldportal.NewStaffViewer(f.org.ID, "admin", "Ann", fieldportal.RoleAdmin)
			if err := db.UpdateSettings(ctx, admin, st); err != nil {
				t.Fatal(err)
			}
			b := f.payBrowser()
			b.login("parent@example.test", testPassword)
			res, body := b.post("/payments/checkout", url.Values{"invoice": {invs[0].ID}})
			wantStatus(t, "checkout with pay online hidden", res, body, http.StatusNotFound)
		})
		t.Run("signed out", func(t *testing.T) {
			res, _ := f.payBrowser().post("/payments/checkout", url.Values{"invoice": {invs[0].ID}})
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
				t.Errorf("signed out checkout = %d %s", res.StatusCode, res.Header.Get("Location"))
			}
		})
		t.Run("cross-site post refused", func(t *testing.T) {
			b := f.payBrowser()
			b.login("parent@example.test", testPassword)
			req, _ := http.NewRequest("POST", f.srv.URL+"/payments/checkout", strings.NewReader("invoice="+invs[0].ID))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			res, body := b.do(req)
			wantStatus(t, "cross-site checkout", res, body, http.StatusForbidden)
		})
	})
}

// stripeEvent is a signed delivery of a completed checkout session.
func stripeEvent(t *testing.T, eventID string, session map[string]any, secret string) (string, string) {
	t.Helper()
	raw, _ := json.Marshal(map[string]any{"id": eventID, "object": "event", "type": "checkout.session.completed",
		"api_version": "2025-01-01", "created": time.Now().Unix(), "data": map[string]any{"object": session}})
	sp := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: raw, Secret: secret})
	return string(sp.Payload), sp.Header
}

func TestStripeWebhook(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f, invs := newPayFixture(t, db, fieldportal.ProviderStripe)
		l := f.logins["parent@example.test"]
		st, _ := db.FindSettings(ctx, f.org.ID)
		payer := fieldportal.NewContactViewer(f.org.ID, fieldportal.ContactGrants{LoginID: l.ID, ContactID: l.ContactID,
			CustomerID: f.cust["parent"].ID, SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules}, st)
		start := func(ids ...string) *fieldportal.Checkout {
			c, err := db.StartCheckout(ctx, payer, fieldportal.StartCheckout{InvoiceIDs: ids, Provider: "stripe"})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		session := func(c *fieldportal.Checkout, pi string, amount fieldportal.Money) map[string]any {
			return map[string]any{"id": "cs_" + pi, "object": "checkout.session", "mode": "payment", "client_reference_id": c.ID,
				"payment_status": "paid", "status": "complete", "amount_total": int64(amount), "currency": "gbp", "payment_intent": pi}
		}
		deliver := func(body, sig string) (*http.Response, string) {
			req, _ := http.NewRequest("POST", f.srv.URL+"/payments/webhook/stripe", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Stripe-Signature", sig)
			// What Stripe's servers send: no cookie, no Origin, no Sec-Fetch-*.
			return f.payBrowser().do(req)
		}
		c := start(invs[0].ID, invs[1].ID)
		good, goodSig := stripeEvent(t, "evt_1", session(c, "pi_1", c.Amount), "whsec_server_test")

		t.Run("bad signature", func(t *testing.T) {
			body, sig := stripeEvent(t, "evt_1", session(c, "pi_1", c.Amount), "whsec_not_ours")
			res, text := deliver(body, sig)
			wantStatus(t, "bad signature", res, text, http.StatusBadRequest)
			if f.count("payments") != 0 {
				t.Error("a payment was applied on a bad signature")
			}
		})
		t.Run("good signature", func(t *testing.T) {
			res, text := deliver(good, goodSig)
			wantStatus(t, "webhook", res, text, http.StatusOK)
			if paid, st := f.invoicePaid(invs[0].ID); paid != invs[0].Total || st != fieldportal.InvoicePaid {
				t.Errorf("invoice paid %d %s", paid, st)
			}
		})
		t.Run("the provider's notification is no door of the portal", func(t *testing.T) {
			// Stripe, not a customer, came in: its entries are the
			// system's (found by review: they said "Portal").
			l, _, err := db.FindAuditLog(ctx, fieldportal.SystemViewer(f.org.ID, "test"), fieldportal.AuditFilter{Page: fieldportal.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, e := range l {
				if e.ActorKind == fieldportal.ActorSystem && !e.At.Before(c.CreatedAt) && e.Action != "checkout.started" {
					n++
					if e.Door != fieldportal.DoorSystem {
						t.Errorf("%s by %s through the door %q, want %q", e.Action, e.ActorName, e.Door, fieldportal.DoorSystem)
					}
				}
			}
			if n == 0 {
				t.Error("the webhook left no entry")
			}
		})
		t.Run("the same event twice", func(t *testing.T) {
			res, text := deliver(good, goodSig)
			wantStatus(t, "webhook again", res, text, http.StatusOK)
			if n := f.count("payments"); n != 1 {
				t.Errorf("%d payments after the same event twice, want 1", n)
			}
			if _, _, n := f.outboxMail("receipt"); n != 1 {
				t.Errorf("%d receipts, want 1", n)
			}
		})
		t.Run("amount mismatch refused", func(t *testing.T) {
			c2 := start(invs[2].ID)
			body, sig := stripeEvent(t, "evt_2", session(c2, "pi_2", c2.Amount-1), "whsec_server_test")
			res, text := deliver(body, sig)
			wantStatus(t, "mismatch", res, text, http.StatusOK) // refused for good: Stripe need not retry
			if paid, _ := f.invoicePaid(invs[2].ID); paid != 0 {
				t.Errorf("invoice paid %d on a mismatched amount", paid)
			}
		})
		t.Run("events out of order", func(t *testing.T) {
			// A later event of another checkout first, then the earlier one.
			x := &fieldportal.Invoice{CustomerID: f.cust["parent"].ID, SiteID: f.site["hq"].ID, IssueDate: fieldportal.DateOf(time.Now()),
				DueDate: fieldportal.DateOf(time.Now()), Subtotal: 700, Total: 700}
			y := &fieldportal.Invoice{CustomerID: f.cust["parent"].ID, SiteID: f.site["hq"].ID, IssueDate: fieldportal.DateOf(time.Now()),
				DueDate: fieldportal.DateOf(time.Now()), Subtotal: 800, Total: 800}
			for _, inv := range []*fieldportal.Invoice{x, y} {
				if err := db.CreateInvoice(ctx, f.sys, inv); err != nil {
					t.Fatal(err)
				}
			}
			first, second := start(x.ID), start(y.ID)
			b2, s2 := stripeEvent(t, "evt_4", session(second, "pi_4", second.Amount), "whsec_server_test")
			b1, s1 := stripeEvent(t, "evt_3", session(first, "pi_3", first.Amount), "whsec_server_test")
			for _, d := range [][2]string{{b2, s2}, {b1, s1}, {b2, s2}} {
				res, text := deliver(d[0], d[1])
				wantStatus(t, "delivery", res, text, http.StatusOK)
			}
			for _, inv := range []*fieldportal.Invoice{x, y} {
				if paid, _ := f.invoicePaid(inv.ID); paid != inv.Total {
					t.Errorf("invoice %s paid %d, want %d", inv.Number, paid, inv.Total)
				}
			}
		})
		t.Run("another organisation's host", func(t *testing.T) {
			mustOrg(t, db, "Other Org", "other.test")
			req, _ := http.NewRequest("POST", f.srv.URL+"/payments/webhook/stripe", strings.NewReader(good))
			req.Host = "other.test"
			req.Header.Set("Stripe-Signature", goodSig)
			res, text := f.browser().do(req)
			wantStatus(t, "webhook on another organisation's host", res, text, http.StatusBadRequest)
		})
	})
}
