package server

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// cardGateway is a provider whose hosted card set-up the test completes
// by hand: StartCardSetup remembers the request, and CardSetupOutcome
// answers for the set-ups it started (and for forged ones the test adds).
type cardGateway struct {
	mu      sync.Mutex
	started []fieldportal.CardSetupRequest
	setups  map[string]fieldportal.CardSetupOutcome
}

func (g *cardGateway) Provider() string { return fieldportal.ProviderTestMode }
func (g *cardGateway) StartCheckout(context.Context, fieldportal.CheckoutRequest) (fieldportal.HostedPage, error) {
	return fieldportal.HostedPage{}, errors.New("not used")
}
func (g *cardGateway) CheckoutOutcome(context.Context, string) (fieldportal.CheckoutOutcome, error) {
	return fieldportal.CheckoutOutcome{}, errors.New("not used")
}
func (g *cardGateway) StartCardSetup(_ context.Context, r fieldportal.CardSetupRequest) (fieldportal.HostedPage, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.started = append(g.started, r)
	id := "seti_" + r.CustomerID
	g.setups[id] = fieldportal.CardSetupOutcome{ProviderID: id, CustomerID: r.CustomerID, Done: true,
		Card: fieldportal.SavedCard{Provider: fieldportal.ProviderTestMode, ProviderRef: "pm_new_" + r.CustomerID, Brand: "mastercard", Last4: "4444", ExpMonth: 3, ExpYear: 2031}}
	return fieldportal.HostedPage{ProviderID: id, URL: "https://pay.example.test/setup/" + id}, nil
}
func (g *cardGateway) CardSetupOutcome(_ context.Context, id string) (fieldportal.CardSetupOutcome, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	o, ok := g.setups[id]
	if !ok {
		return o, fieldportal.NotFound("card set-up")
	}
	return o, nil
}
func (g *cardGateway) ChargeSavedCard(context.Context, fieldportal.OffSessionCharge) (fieldportal.ChargeOutcome, error) {
	return fieldportal.ChargeOutcome{}, errors.New("not used")
}
func (g *cardGateway) Refund(context.Context, fieldportal.RefundRequest) (fieldportal.RefundOutcome, error) {
	return fieldportal.RefundOutcome{}, errors.New("not used")
}
func (g *cardGateway) ParseEvent([]byte, string) (fieldportal.PaymentEvent, error) {
	return fieldportal.PaymentEvent{}, errors.New("not used")
}

// autopayFixture is the fixture with a recurring invoice at each of the
// parent's and the child's sites, a card for the parent, payments in
// test mode through a cardGateway, and a statement contact of the parent.
type autopayFixture struct {
	*fixture
	g          *cardGateway
	hq, dock   *fieldportal.RecurringInvoice
	parentCard *fieldportal.SavedCard
}

func newAutopayFixture(t *testing.T, db *sqlstore.DB) *autopayFixture {
	t.Helper()
	ctx := context.Background()
	f := &autopayFixture{fixture: newFixture(t, db), g: &cardGateway{setups: map[string]fieldportal.CardSetupOutcome{}}}
	f.srv.Close()
	s, _ := newTestServer(t, db, testConfig{BaseURL: "http://portal.test", Hasher: auth.TestHasher(),
		Payments: func(provider string, _ fieldportal.PaymentKeys) (fieldportal.PaymentGateway, error) {
			if provider != fieldportal.ProviderTestMode {
				return nil, fieldportal.Errorf(fieldportal.EINVALID, "unknown provider")
			}
			return f.g, nil
		}})
	f.s, f.srv = s, httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	st, err := db.FindSettings(ctx, f.org.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.PaymentProvider = fieldportal.ProviderTestMode
	if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
		t.Fatal(err)
	}
	schedule := func(name, site string) *fieldportal.RecurringInvoice {
		r := &fieldportal.RecurringInvoice{Name: name, SiteID: f.site[site].ID, TotalIncTax: 12000, Frequency: fieldportal.Monthly,
			NextDueDate: fieldportal.Date{Year: 2099, Month: 1, Day: 31}, Autopay: true, Active: true}
		if err := db.CreateRecurringInvoice(ctx, f.sys, r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	f.hq, f.dock = schedule("HQ <b>maintenance</b>", "hq"), schedule("Dock alarm monitoring", "dock")
	f.parentCard = &fieldportal.SavedCard{CustomerID: f.cust["parent"].ID, Provider: fieldportal.ProviderTestMode, ProviderRef: "pm_old",
		Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030}
	if err := db.PutSavedCard(ctx, f.sys, f.parentCard); err != nil {
		t.Fatal(err)
	}
	c, _ := f.addLogin("parent", "Stella", "Statement", "accounts@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
	c.StatementContact = true
	if err := db.UpdateContact(ctx, f.sys, c); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestAutopayPage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newAutopayFixture(t, db)

		t.Run("the parent sees both schedules and its customers' cards", func(t *testing.T) {
			b := f.browser()
			b.login("parent@example.test", testPassword)
			res, body := b.get("/payments/automatic")
			wantStatus(t, "GET /payments/automatic", res, body, http.StatusOK)
			for _, s := range []string{"HQ &lt;b&gt;maintenance&lt;/b&gt;", "Dock alarm monitoring", "Harbour HQ", "Dock Warehouse",
				"120.00", "Monthly", "31 Jan 2099", "None yet", "Visa ending 4242", "12/2030", "Change card details",
				"Harbour Dock", "Save a card", `href="/payments/automatic/` + f.hq.ID + `/cancel"`} {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			if strings.Contains(body, "<b>maintenance") {
				t.Error("a schedule's name is not escaped")
			}
			if !strings.Contains(body, `<a href="/payments/automatic">Automatic payments</a>`) && !strings.Contains(body, `href="/payments/automatic" aria-current="page"`) {
				t.Error("the navigation has no link to the page")
			}
		})
		t.Run("the child sees its own schedule and card only", func(t *testing.T) {
			b := f.browser()
			b.login("child@example.test", testPassword)
			_, body := b.get("/payments/automatic")
			if strings.Contains(body, "HQ &lt;b&gt;") || strings.Contains(body, "4242") || !strings.Contains(body, "Dock alarm monitoring") {
				t.Errorf("child's page:\n%s", body)
			}
		})

		t.Run("cancel asks first, then cancels, mails and returns", func(t *testing.T) {
			b := f.browser()
			b.login("parent@example.test", testPassword)
			res, body := b.get("/payments/automatic/" + f.hq.ID + "/cancel")
			wantStatus(t, "confirmation", res, body, http.StatusOK)
			if !strings.Contains(body, "Cancel automatic payment of HQ &lt;b&gt;maintenance&lt;/b&gt;?") || !strings.Contains(body, `action="/payments/automatic/`+f.hq.ID+`/cancel"`) {
				t.Errorf("confirmation page:\n%s", body)
			}
			if got, _ := db.FindRecurringInvoiceByID(context.Background(), f.sys, f.hq.ID); !got.Autopay {
				t.Fatal("the confirmation page cancelled")
			}
			res, _ = b.post("/payments/automatic/"+f.hq.ID+"/cancel", url.Values{"confirm": {"yes"}})
			wantRedirect(t, "cancel", res, "/payments/automatic?done=cancelled")
			if got, _ := db.FindRecurringInvoiceByID(context.Background(), f.sys, f.hq.ID); got.Autopay {
				t.Error("auto-pay still on")
			}
			_, body = b.get("/payments/automatic?done=cancelled")
			if !strings.Contains(body, "Automatic payment is cancelled") {
				t.Error("no notice after cancelling")
			}
			if to, mail, n := f.outboxMail("autopay_cancelled"); n != 1 || to != "accounts@example.test" || !strings.Contains(mail, "maintenance") {
				t.Errorf("%d mails to %s:\n%s", n, to, mail)
			}
			// Cancelled: the confirmation page goes back to the list.
			res, _ = b.get("/payments/automatic/" + f.hq.ID + "/cancel")
			wantRedirect(t, "confirmation of a cancelled schedule", res, "/payments/automatic")
		})

		t.Run("change card goes to the provider and the return saves the new card", func(t *testing.T) {
			b := f.browser()
			b.login("parent@example.test", testPassword)
			res, body := b.post("/payments/automatic/card", url.Values{"customer": {f.cust["parent"].ID}})
			wantRedirect(t, "change card", res, "https://pay.example.test/setup/seti_"+f.cust["parent"].ID)
			_ = body
			req := f.g.started[len(f.g.started)-1]
			if req.CustomerID != f.cust["parent"].ID || req.ProviderCustomer != "pm_old" ||
				req.SuccessURL != "http://portal.test/payments/automatic/card/done?setup={CHECKOUT_SESSION_ID}" {
				t.Errorf("set-up request %+v", req)
			}
			res, _ = b.get("/payments/automatic/card/done?setup=seti_" + f.cust["parent"].ID)
			wantRedirect(t, "return", res, "/payments/automatic?done=card")
			card, err := db.FindSavedCard(context.Background(), f.sys, f.cust["parent"].ID)
			if err != nil || card.Last4 != "4444" || card.ProviderRef != "pm_new_"+f.cust["parent"].ID || card.ID != f.parentCard.ID {
				t.Errorf("card after change: %+v %v", card, err)
			}
			_, body = b.get("/payments/automatic?done=card")
			if !strings.Contains(body, "Mastercard ending 4444") || !strings.Contains(body, "Your card is saved") {
				t.Error("page does not show the new card")
			}
		})

		t.Run("a set-up of a customer out of reach is refused on return", func(t *testing.T) {
			b := f.browser()
			b.login("child@example.test", testPassword)
			f.g.mu.Lock()
			f.g.setups["seti_forged"] = fieldportal.CardSetupOutcome{ProviderID: "seti_forged", CustomerID: f.cust["parent"].ID, Done: true,
				Card: fieldportal.SavedCard{Provider: fieldportal.ProviderTestMode, ProviderRef: "pm_evil", Brand: "visa", Last4: "0000", ExpMonth: 1, ExpYear: 2032}}
			f.g.mu.Unlock()
			res, _ := b.get("/payments/automatic/card/done?setup=seti_forged")
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("forged return = %d, want 404", res.StatusCode)
			}
			if card, _ := db.FindSavedCard(context.Background(), f.sys, f.cust["parent"].ID); card.ProviderRef == "pm_evil" {
				t.Error("a card was saved for a customer out of reach")
			}
			res, _ = b.post("/payments/automatic/card", url.Values{"customer": {f.cust["parent"].ID}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("child starting the parent's card set-up = %d, want 404", res.StatusCode)
			}
		})

		t.Run("with the pay button hidden the card cannot be changed", func(t *testing.T) {
			ctx := context.Background()
			st, _ := db.FindSettings(ctx, f.org.ID)
			st.HiddenActions = []fieldportal.Action{fieldportal.ActionPayOnline}
			if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
				t.Fatal(err)
			}
			defer func() {
				st.HiddenActions = nil
				if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
					t.Fatal(err)
				}
			}()
			b := f.browser()
			b.login("parent@example.test", testPassword)
			_, body := b.get("/payments/automatic")
			if strings.Contains(body, "Change card details") || !strings.Contains(body, "ending 4444") {
				t.Errorf("hidden pay button still offers a change:\n%s", body)
			}
			res, _ := b.post("/payments/automatic/card", url.Values{"customer": {f.cust["parent"].ID}})
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("change card with the button hidden = %d, want 403", res.StatusCode)
			}
		})
	})
}

// TestAutopayAccessMatrix checks the page, the cancel and the card change
// for every kind of viewer.
func TestAutopayAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newAutopayFixture(t, db)
		_, assigned := f.addLogin("parent", "Ann", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		assigned.SiteAccess, assigned.SiteIDs = fieldportal.SiteAccessAssigned, []string{f.site["dock"].ID}
		if err := db.UpdateLoginAccess(ctx, f.sys, assigned); err != nil {
			t.Fatal(err)
		}
		f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleInvoices})
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		solo := &fieldportal.RecurringInvoice{Name: "Solo plan", SiteID: f.site["solo"].ID, TotalIncTax: 500, Frequency: fieldportal.Yearly,
			NextDueDate: fieldportal.Date{Year: 2099, Month: 2, Day: 1}, Autopay: true, Active: true}
		if err := db.CreateRecurringInvoice(ctx, f.sys, solo); err != nil {
			t.Fatal(err)
		}
		schedules := map[string]*fieldportal.RecurringInvoice{"hq": f.hq, "dock": f.dock, "solo": solo}

		for _, c := range []struct {
			name, user string
			page       bool
			sees       []string // schedules listed and cancellable
			cards      []string // customers whose card it may change
		}{
			{"parent", "parent@example.test", true, []string{"hq", "dock"}, []string{"parent", "child"}},
			{"child", "child@example.test", true, []string{"dock"}, []string{"child"}},
			{"assigned-sites contact", "assigned@example.test", true, []string{"dock"}, nil},
			{"contact without the page", "nopage@example.test", false, nil, nil},
			{"contact of another customer", "solo@example.test", true, []string{"solo"}, []string{"solo"}},
		} {
			t.Run(c.name, func(t *testing.T) {
				b := f.browser()
				b.login(c.user, testPassword)
				res, body := b.get("/payments/automatic")
				if !c.page {
					wantStatus(t, "page", res, body, http.StatusNotFound)
				} else {
					wantStatus(t, "page", res, body, http.StatusOK)
				}
				for key, s := range schedules {
					in := strings.Contains(body, s.Name) || strings.Contains(body, strings.ReplaceAll(strings.ReplaceAll(s.Name, "<", "&lt;"), ">", "&gt;"))
					want := contains(c.sees, key)
					if in != want {
						t.Errorf("page lists %s: %v, want %v", key, in, want)
					}
					res, _ := b.get("/payments/automatic/" + s.ID + "/cancel")
					if want && res.StatusCode != http.StatusOK || !want && res.StatusCode != http.StatusNotFound {
						t.Errorf("confirmation of %s = %d", key, res.StatusCode)
					}
				}
				if c.page && strings.Contains(body, "4242") != contains(c.cards, "parent") {
					t.Errorf("the parent's card shown: %v", !contains(c.cards, "parent"))
				}
				for _, key := range []string{"parent", "child", "solo"} {
					res, _ := b.post("/payments/automatic/card", url.Values{"customer": {f.cust[key].ID}})
					if contains(c.cards, key) && res.StatusCode != http.StatusSeeOther || !contains(c.cards, key) && res.StatusCode != http.StatusNotFound {
						t.Errorf("change card of %s = %d", key, res.StatusCode)
					}
				}
				// Cancelling out of reach changes nothing.
				for key, s := range schedules {
					if contains(c.sees, key) {
						continue
					}
					res, _ := b.post("/payments/automatic/"+s.ID+"/cancel", url.Values{"confirm": {"yes"}})
					if res.StatusCode != http.StatusNotFound {
						t.Errorf("cancel of %s = %d, want 404", key, res.StatusCode)
					}
					if got, _ := db.FindRecurringInvoiceByID(ctx, f.sys, s.ID); !got.Autopay {
						t.Errorf("%s cancelled out of reach", key)
					}
				}
			})
		}
		t.Run("another organisation", func(t *testing.T) {
			_, sysB, custB := f.mustOtherOrg()
			mustLoginB(t, db, sysB, custB.ID, "other@example.test")
			b := f.browser()
			b.host = "b.portal.test"
			b.login("other@example.test", testPassword)
			res, body := b.get("/payments/automatic")
			if res.StatusCode != http.StatusOK || strings.Contains(body, "HQ &lt;b&gt;") || strings.Contains(body, "Dock alarm") || strings.Contains(body, "4242") {
				t.Errorf("organisation B sees A's schedules: %d", res.StatusCode)
			}
			for _, s := range schedules {
				if res, _ := b.get("/payments/automatic/" + s.ID + "/cancel"); res.StatusCode != http.StatusNotFound {
					t.Errorf("B's confirmation of A's schedule = %d", res.StatusCode)
				}
			}
			if res, _ := b.post("/payments/automatic/card", url.Values{"customer": {f.cust["parent"].ID}}); res.StatusCode == http.StatusSeeOther {
				t.Error("B started a card set-up for A's customer")
			}
		})
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
