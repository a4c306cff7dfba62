package portal

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Paying online (issue 17, point 3). The invoice list and the statement
// post the invoices chosen to POST /payments/checkout; the server fixes
// the amount, records a checkout and sends the payer to the provider's
// hosted page. The provider sends the payer back to GET /payments/return
// (or /payments/cancel) and its webhook to POST /payments/webhook/stripe;
// either confirmation applies the payment, once.

func (p *Portal) paymentRoutes() {
	k := p.kit
	k.Handle("POST /payments/checkout", p.signedIn(p.handleCheckout))
	k.Handle("GET /payments/return", p.signedIn(p.handlePaymentReturn))
	k.Handle("GET /payments/cancel", p.signedIn(p.handlePaymentCancel))
	k.Handle("GET /payments/test/{token}", p.signedIn(p.handleTestPage))
	k.Handle("POST /payments/test/{token}", p.signedIn(p.handleTestPay))
	k.Handle("GET /payments/test/card/{token}", p.signedIn(p.handleTestPage))
	k.Handle("POST /payments/test/card/{token}", p.signedIn(p.handleTestPay))
	// The provider's server calls this one: no session, no browser; the
	// organisation is the host's and the signature its webhook secret's.
	k.Handle("POST /payments/webhook/stripe", p.handleStripeWebhook)
	// What it changes came in through no door of the portal: the audit
	// log says the system's (found by review).
	k.DoorUnder("/payments/webhook/", fieldportal.DoorSystem)
}

// paymentView is the page of a checkout's outcome: paid with its receipt,
// not (yet) paid, cancelled, or refused with why.
type paymentView struct {
	web.Layout
	Heading  string
	Message  string
	Kind     string // notice-info, notice-warning, notice-error
	Checkout *fieldportal.Checkout
	Back     string
	BackText string
}

// gateway opens the organisation's payment provider with its keys.
func (p *Portal) gateway(r *http.Request, v fieldportal.Viewer) (fieldportal.PaymentGateway, error) {
	if p.svc.Payments == nil {
		return nil, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address.")
	}
	st, err := p.kit.Settings(r)
	if err != nil {
		return nil, err
	}
	var keys fieldportal.PaymentKeys
	if st.PaymentProvider == fieldportal.ProviderStripe {
		if keys, err = p.svc.Money.GatewayKeys(r.Context(), v.OrgID); err != nil {
			return nil, err
		}
	}
	return p.svc.Payments(st.PaymentProvider, keys)
}

// backPage is where a payer returns: the page it came from, one of two,
// or the quote whose deposit it paid.
func backPage(s string) string {
	if s == "/statement" {
		return s
	}
	if id, ok := strings.CutPrefix(s, "/quotes/"); ok && id != "" && !strings.ContainsAny(id, "/?#\\") {
		return s
	}
	return "/invoices"
}

// needPayer is the signed-in viewer of a checkout's return pages: one
// that may pay invoices, or accept a quote with its deposit.
func (p *Portal) needPayer(w http.ResponseWriter, r *http.Request) (fieldportal.Viewer, bool) {
	if v, ok := web.ViewerFromContext(r.Context()); ok && v.CanUse(fieldportal.ModuleQuotes) && !v.CanUse(fieldportal.ModuleInvoices) {
		return v, true
	}
	return p.needModule(w, r, fieldportal.ModuleInvoices)
}

func (p *Portal) handleCheckout(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, ok := p.needModule(w, r, fieldportal.ModuleInvoices)
	if !ok {
		return
	}
	if !p.payOnline(r, v) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return
	}
	back := backPage(r.PostForm.Get("back"))
	gw, err := p.gateway(r, v)
	if err != nil {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return
	}
	c, err := p.svc.Money.StartCheckout(r.Context(), v, fieldportal.StartCheckout{InvoiceIDs: r.PostForm["invoice"],
		Provider: gw.Provider(), Back: back})
	if code := fieldportal.ErrorCode(err); code == fieldportal.EINVALID || code == fieldportal.ENOTFOUND {
		// Ids out of reach are refused as unknown ones; the log keeps them.
		p.kit.Logger().WarnContext(r.Context(), "checkout refused", "login", v.LoginID, "invoices", r.PostForm["invoice"],
			"reason", fieldportal.ErrorMessage(err))
		p.renderPayment(w, r, http.StatusBadRequest, paymentView{Heading: "Payment not started", Kind: "notice-error",
			Message: fieldportal.ErrorMessage(err), Back: back})
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	base := p.kit.PortalURL(r)
	req := fieldportal.CheckoutRequest{CheckoutID: c.ID, Currency: c.Currency, Amount: c.Amount, CustomerEmail: c.Email,
		// The provider puts its own id where its placeholder is.
		SuccessURL: base + "/payments/return?checkout=" + url.QueryEscape(c.ID) + "&session={CHECKOUT_SESSION_ID}",
		CancelURL:  base + "/payments/cancel?checkout=" + url.QueryEscape(c.ID)}
	var numbers []string
	for _, ci := range c.Invoices {
		req.Lines = append(req.Lines, fieldportal.CheckoutLine{Name: "Invoice " + ci.Number, Amount: ci.Amount})
		numbers = append(numbers, ci.Number)
	}
	req.Description = "Invoices " + strings.Join(numbers, ", ")
	page, err := gw.StartCheckout(r.Context(), req)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if err := p.svc.Money.SetCheckoutPage(r.Context(), v, c.ID, page.ProviderID); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, page.URL, http.StatusSeeOther)
}

// handlePaymentReturn confirms the checkout the provider sent the payer
// back from, as the webhook does; reloading it shows the same receipt.
func (p *Portal) handlePaymentReturn(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needPayer(w, r)
	if !ok {
		return
	}
	gw, err := p.gateway(r, v)
	if err != nil {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return
	}
	id := r.URL.Query().Get("checkout")
	o, err := gw.CheckoutOutcome(r.Context(), r.URL.Query().Get("session"))
	if err == nil && o.CheckoutID != id {
		err = fieldportal.NotFound("Payment")
	}
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	c, err := p.svc.Money.ConfirmCheckout(r.Context(), v, gw.Provider(), o)
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		p.kit.Logger().WarnContext(r.Context(), "payment return refused", "checkout", id)
		p.renderPayment(w, r, http.StatusConflict, paymentView{Heading: "Payment not applied", Kind: "notice-error",
			Message: "This payment does not match what was asked for, so it was not applied. Please contact us; we can see the attempt.",
			Back:    "/invoices"})
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := paymentView{Checkout: c, Back: backPage(c.Back)}
	if c.QuoteID != "" {
		view.Heading, view.Kind = "Deposit received", "notice-info"
		view.Message = "Thank you. Your deposit is paid and the quote is accepted. Your receipt number is " + c.ReceiptNumber + "."
		if c.Status != fieldportal.CheckoutPaid {
			view.Heading, view.Kind = "Deposit not confirmed yet", "notice-warning"
			view.Message = "The payment provider has not confirmed your deposit yet, so the quote is not accepted yet. Reload this page in a minute; nothing is paid twice."
		} else if x, err := p.findQuote(r, v, c.QuoteID); err != nil {
			// The quote is out of the payer's sight now: say only what
			// is certain.
			view.Message = "Thank you. Your deposit is paid. Your receipt number is " + c.ReceiptNumber + "."
		} else if x.Stage == fieldportal.QuoteApproved && !p.isDepositOf(r, v, x.ID, c.PaymentID) {
			// A second payment for a quote accepted with another one
			// (applyDeposit): kept on account, apart, for the office.
			view.Heading, view.Kind = "Deposit already paid", "notice-warning"
			view.Message = "The quote's deposit had already been paid, so this payment (receipt " + c.ReceiptNumber + ") was not needed. We hold it on your account, have told our office, and will refund it or contact you."
		} else if x.Stage != fieldportal.QuoteApproved {
			// Paid, but the quote was changed or closed since it was
			// signed (applyDeposit): the money is on account.
			view.Heading, view.Kind = "Deposit received, quote not accepted", "notice-warning"
			view.Message = "Your deposit is paid (receipt " + c.ReceiptNumber + "), but the quote was changed or closed after you signed it, so it is not accepted. We hold the deposit on your account and will contact you."
		}
	} else if c.Status == fieldportal.CheckoutPaid {
		view.Heading, view.Kind = "Payment received", "notice-info"
		view.Message = "Thank you. Your receipt number is " + c.ReceiptNumber + "."
		if c.Email != "" {
			view.Message += " A copy is on its way by email."
		}
	} else {
		view.Heading, view.Kind = "Payment not confirmed yet", "notice-warning"
		view.Message = "The payment provider has not confirmed this payment yet. Reload this page in a minute; nothing is paid twice."
	}
	p.renderPayment(w, r, http.StatusOK, view)
}

// isDepositOf says whether payment paymentID is among the deposits of
// quote quoteID (a second payment of a deposit is not).
func (p *Portal) isDepositOf(r *http.Request, v fieldportal.Viewer, quoteID, paymentID string) bool {
	list, err := p.svc.Money.FindDeposits(r.Context(), v, fieldportal.DepositFilter{QuoteID: quoteID})
	if err != nil {
		return true // say only what the quote's page says
	}
	for _, d := range list {
		if d.PaymentID == paymentID {
			return true
		}
	}
	return false
}

func (p *Portal) handlePaymentCancel(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needPayer(w, r)
	if !ok {
		return
	}
	c, err := p.svc.Money.FindCheckout(r.Context(), v, r.URL.Query().Get("checkout"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if c.QuoteID != "" {
		// Nothing was paid: the quote stays outstanding, to accept again.
		http.Redirect(w, r, "/quotes/"+url.PathEscape(c.QuoteID)+"?done=deposit-cancelled", http.StatusSeeOther)
		return
	}
	p.renderPayment(w, r, http.StatusOK, paymentView{Heading: "Payment cancelled", Kind: "notice-info",
		Message: "Nothing was paid. You can choose the invoices to pay again.", Checkout: c, Back: backPage(c.Back)})
}

func (p *Portal) renderPayment(w http.ResponseWriter, r *http.Request, status int, view paymentView) {
	view.Layout = p.layout(r, view.Heading)
	view.BackText = "Back to invoices"
	if view.Back == "/statement" {
		view.BackText = "Back to the statement"
	} else if strings.HasPrefix(view.Back, "/quotes/") {
		view.BackText = "Back to the quote"
	}
	w.Header().Set("Cache-Control", "no-store")
	p.pages.Render(w, r, status, "payment", view)
}

// maxWebhookBytes bounds a webhook delivery (Stripe's are a few KB).
const maxWebhookBytes = 1 << 20

// handleStripeWebhook checks a Stripe delivery's signature with the
// host's organisation's webhook secret and applies a completed checkout
// or card set-up. A 2xx tells Stripe to stop: for what is applied, what
// was applied before, and what is refused (retrying would not change it);
// a fault of ours answers 500 so Stripe delivers again.
func (p *Portal) handleStripeWebhook(w http.ResponseWriter, r *http.Request) {
	ctx, log := r.Context(), p.kit.Logger()
	org := web.OrganisationFromContext(ctx)
	answer := func(status int, msg string) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, msg+"\n")
	}
	if org == nil || p.svc.Payments == nil {
		answer(http.StatusNotFound, "no payments here")
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhookBytes))
	if err != nil {
		answer(http.StatusBadRequest, "unreadable body")
		return
	}
	keys, err := p.svc.Money.GatewayKeys(ctx, org.ID)
	if err != nil {
		log.ErrorContext(ctx, "stripe webhook: payment keys", "err", err)
		answer(http.StatusInternalServerError, "try again")
		return
	}
	gw, err := p.svc.Payments(fieldportal.ProviderStripe, keys)
	if err != nil {
		log.WarnContext(ctx, "stripe webhook: Stripe is not set up", "org", org.ID)
		answer(http.StatusBadRequest, "stripe is not set up")
		return
	}
	ev, err := gw.ParseEvent(body, r.Header.Get("Stripe-Signature"))
	if err != nil {
		log.WarnContext(ctx, "stripe webhook: refused", "org", org.ID, "reason", fieldportal.ErrorMessage(err))
		answer(http.StatusBadRequest, "bad signature")
		return
	}
	switch {
	case ev.Checkout != nil:
	case ev.CardSetup != nil:
		// The event names the set-up; its card is read from Stripe.
		var o fieldportal.CardSetupOutcome
		if o, err = gw.CardSetupOutcome(ctx, ev.CardSetup.ProviderID); err != nil {
			log.ErrorContext(ctx, "stripe webhook: card set-up not read", "org", org.ID, "event", ev.ID, "err", err)
			answer(http.StatusInternalServerError, "try again")
			return
		}
		ev.CardSetup = &o
	default:
		answer(http.StatusOK, "ignored")
		return
	}
	err = p.svc.Money.ApplyPaymentEvent(ctx, org.ID, fieldportal.ProviderStripe, ev)
	switch code := fieldportal.ErrorCode(err); {
	case err == nil:
		answer(http.StatusOK, "ok")
	case code == fieldportal.EINVALID || code == fieldportal.ENOTFOUND || code == fieldportal.ECONFLICT:
		// Refused and logged by the store; another delivery would be too.
		log.WarnContext(ctx, "stripe webhook: event refused", "org", org.ID, "event", ev.ID, "type", ev.Type,
			"reason", fieldportal.ErrorMessage(err))
		answer(http.StatusOK, "refused")
	default:
		log.ErrorContext(ctx, "stripe webhook: event not applied", "org", org.ID, "event", ev.ID, "err", err)
		answer(http.StatusInternalServerError, "try again")
	}
}

// testPageView is test mode's hosted page.
type testPageView struct {
	web.Layout
	Page   fieldportal.TestPage
	Action string
	Card   web.FieldView
	Errors []fieldportal.FieldError
}

// testGateway is the organisation's gateway when it is test mode's.
func (p *Portal) testGateway(w http.ResponseWriter, r *http.Request) (fieldportal.TestPaymentPage, fieldportal.TestPage, bool) {
	v, _ := web.ViewerFromContext(r.Context())
	gw, err := p.gateway(r, v)
	tp, ok := gw.(fieldportal.TestPaymentPage)
	if err != nil || !ok {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return nil, fieldportal.TestPage{}, false
	}
	page, err := tp.TestPage(r.PathValue("token"))
	if err != nil {
		p.kit.Error(w, r, err)
		return nil, page, false
	}
	return tp, page, true
}

func (p *Portal) handleTestPage(w http.ResponseWriter, r *http.Request) {
	if _, page, ok := p.testGateway(w, r); ok {
		status := http.StatusOK
		if page.Expired {
			status = http.StatusGone // says so plainly, and takes no card
		}
		p.renderTestPage(w, r, status, page, web.FormErrors{})
	}
}

// handleTestPay takes a test card number. It is neither kept, logged
// nor shown again: a refused form comes back empty.
func (p *Portal) handleTestPay(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	tp, page, ok := p.testGateway(w, r)
	if !ok {
		return
	}
	if page.Expired {
		p.renderTestPage(w, r, http.StatusGone, page, web.FormErrors{})
		return
	}
	next, err := tp.PayTest(r.PathValue("token"), r.PostForm.Get("card"))
	var fe *fieldportal.Error
	if errors.As(err, &fe) && fe.Code == fieldportal.EINVALID {
		p.renderTestPage(w, r, http.StatusUnprocessableEntity, page, web.ErrorsOf(err))
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (p *Portal) renderTestPage(w http.ResponseWriter, r *http.Request, status int, page fieldportal.TestPage, errs web.FormErrors) {
	title := "Test payment"
	if page.CardSetup {
		title = "Test card set-up"
	}
	view := testPageView{Layout: p.layout(r, title), Page: page, Action: r.URL.Path, Errors: errs.List("card")}
	view.Card = web.Field("card", "Test card number", "text", "", "off", errs)
	view.Card.Inputmode = "numeric"
	view.Card.Hint = "4242 4242 4242 4242 succeeds; 4000 0000 0000 0002 is declined. No other number is accepted."
	w.Header().Set("Cache-Control", "no-store")
	p.pages.Render(w, r, status, "payment_test", view)
}
