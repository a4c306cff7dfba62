package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// refundGateway is a provider that only refunds: it keeps each refund by
// its idempotency key, as a provider does, and may be told to fail.
type refundGateway struct {
	fieldportal.PaymentGateway // nil: any other call panics
	mu                         sync.Mutex
	calls                      []fieldportal.RefundRequest
	byKey                      map[string]bool
	fail                       error
}

func (g *refundGateway) Provider() string { return fieldportal.ProviderTestMode }

func (g *refundGateway) Refund(_ context.Context, r fieldportal.RefundRequest) (fieldportal.RefundOutcome, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.fail != nil {
		return fieldportal.RefundOutcome{}, g.fail
	}
	g.calls = append(g.calls, r)
	g.byKey[r.IdempotencyKey] = true
	return fieldportal.RefundOutcome{RefundRef: "re_" + r.IdempotencyKey[:6], Succeeded: true}, nil
}

func TestConsoleRefundThroughProvider(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		gw := &refundGateway{byKey: map[string]bool{}}
		s, _ := newTestServer(t, db, testConfig{BaseURL: "http://portal.test", Payments: func(provider string, _ fieldportal.PaymentKeys) (fieldportal.PaymentGateway, error) { return gw, nil }})
		f.srv = httptest.NewServer(s.Handler())
		t.Cleanup(f.srv.Close)
		f.addStaff("office@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("office@example.test")
		inv := f.mustOfficeInvoice("dock", fieldportal.Date{Year: 2026, Month: 2, Day: 1}, 6000)
		p := &fieldportal.Payment{CustomerID: f.cust["child"].ID, Amount: 6000, Method: "card", Provider: fieldportal.ProviderTestMode,
			ProviderRef: "pi_123", Status: fieldportal.PaymentSucceeded, PaidAt: time.Now(),
			Allocations: []fieldportal.PaymentAllocation{{InvoiceID: inv.ID, Amount: 6000}}}
		if _, err := db.RecordPayment(ctx, f.sys, p); err != nil {
			t.Fatal(err)
		}
		page := "/console/invoices/" + inv.ID
		formOf := func(amount string) url.Values {
			_, body := staff.get(page)
			m := regexp.MustCompile(`name="refund_key" value="([^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no refund form:\n%s", body)
			}
			return url.Values{"refund_key": {m[1]}, "refund_payment": {p.ID}, "refund_amount": {amount}, "refund_reason": {"Goodwill"}}
		}

		t.Run("a provider that fails changes nothing", func(t *testing.T) {
			gw.fail = errors.New("card_declined: secret detail")
			res, body := staff.post(page+"/refund", formOf("20.00"))
			gw.fail = nil
			wantStatus(t, "failed refund", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "The provider did not make the refund") || strings.Contains(body, "secret detail") {
				t.Errorf("failed refund page:\n%s", body)
			}
			if got, _ := db.FindInvoiceByID(ctx, f.sys, inv.ID); got.AmountPaid != 6000 {
				t.Errorf("paid %v", got.AmountPaid)
			}
		})
		t.Run("the provider refunds with the form's key, and the store once", func(t *testing.T) {
			form := formOf("20.00")
			for range 2 {
				res, _ := staff.post(page+"/refund", form)
				wantRedirect(t, "refund", res, page+"?done=refunded")
			}
			if len(gw.calls) == 0 || gw.calls[0].PaymentRef != "pi_123" || gw.calls[0].Amount != 2000 ||
				gw.calls[0].IdempotencyKey != form.Get("refund_key") || len(gw.byKey) != 1 {
				t.Errorf("provider calls %+v", gw.calls)
			}
			if got, _ := db.FindInvoiceByID(ctx, f.sys, inv.ID); got.AmountPaid != 4000 {
				t.Errorf("paid %v, want 40.00", got.AmountPaid)
			}
			refunds, err := db.FindPaymentRefunds(ctx, f.sys, p.ID)
			if err != nil || len(refunds) != 1 || !strings.HasPrefix(refunds[0].RefundRef, "re_") {
				t.Errorf("refunds %+v %v", refunds, err)
			}
		})
		t.Run("more than is left is refused before the provider is asked", func(t *testing.T) {
			n := len(gw.calls)
			res, body := staff.post(page+"/refund", formOf("40.01"))
			wantStatus(t, "too much", res, body, http.StatusBadRequest)
			if len(gw.calls) != n {
				t.Error("the provider was asked to refund more than is left")
			}
		})
	})
}
