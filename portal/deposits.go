package portal

import (
	"net/http"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Deposits (issue 22, point 5). Accepting a quote that asks for a deposit
// records the acceptance as pending and sends the contact to the payment
// provider for the deposit; the existing confirmation path (the return
// page or the provider's webhook, payments.go) applies it once and only
// then accepts the quote. Cancelling on the provider's page leaves the
// quote outstanding, to be accepted again.

// depositSection is the deposits received for a quote or its job, shown
// on both pages.
type depositSection struct {
	Rows []depositRow
}

// depositRow is one deposit received.
type depositRow struct {
	Amount, PaidOn, Receipt, Quote, QuoteURL string
	// Deducted is what invoices of the job took of it; OnAccount the rest.
	Deducted, OnAccount string
}

// deposits reads the deposits of a quote or job for its page; nil when
// there are none (the section is not shown).
func (p *Portal) deposits(r *http.Request, v fieldportal.Viewer, f fieldportal.DepositFilter) (*depositSection, error) {
	list, err := p.svc.Money.FindDeposits(r.Context(), v, f)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	loc := web.OrgLocation(r)
	s := &depositSection{}
	for _, d := range list {
		row := depositRow{Amount: web.MoneyText(d.Currency, d.Amount), PaidOn: web.FormatDate(d.PaidAt.In(loc)),
			Receipt: d.ReceiptNumber, Quote: d.QuoteNumber, Deducted: web.MoneyText(d.Currency, d.Allocated),
			OnAccount: web.MoneyText(d.Currency, d.OnAccount())}
		if v.CanUse(fieldportal.ModuleQuotes) {
			row.QuoteURL = "/quotes/" + url.PathEscape(d.QuoteID)
		}
		s.Rows = append(s.Rows, row)
	}
	return s, nil
}

// acceptWithDeposit handles the acceptance of a quote that asks for a
// deposit, and reports whether it did: a quote with none is answered as
// before (answerQuote).
func (p *Portal) acceptWithDeposit(w http.ResponseWriter, r *http.Request) bool {
	v, ok := web.ViewerFromContext(r.Context())
	if !ok || !v.IsContact() || !v.CanUse(fieldportal.ModuleQuotes) {
		return false
	}
	if !p.kit.ParseForm(w, r) {
		return true // refused, and answered, by the kit
	}
	id := r.PathValue("id")
	x, err := p.findQuote(r, v, id)
	if err != nil || x.Deposit() <= 0 {
		return false // answerQuote says what is wrong
	}
	gw, err := p.gateway(r, v)
	if err != nil {
		p.renderQuote(w, r, http.StatusConflict, x, web.Notice{Tone: "error",
			Text: "This quote asks for a deposit, and paying online is not available at the moment. Please contact us to accept it."},
			r.PostForm, web.FormErrors{})
		return true
	}
	c, err := p.svc.Money.StartDepositCheckout(r.Context(), v, fieldportal.StartDeposit{QuoteID: x.ID, Provider: gw.Provider(),
		Decision: fieldportal.QuoteDecision{SignerName: r.PostForm.Get("signed_by_name"), Comment: r.PostForm.Get("comment"),
			From: p.kit.ClientIP(r), Version: r.PostForm.Get("version"), PortalURL: p.kit.PortalURL(r)}})
	switch fieldportal.ErrorCode(err) {
	case "":
	case fieldportal.EINVALID:
		p.renderQuote(w, r, http.StatusBadRequest, x, web.Notice{}, r.PostForm, web.ErrorsOf(err))
		return true
	case fieldportal.ECONFLICT, fieldportal.EFORBIDDEN:
		p.renderQuote(w, r, http.StatusConflict, x, web.Notice{Text: fieldportal.ErrorMessage(err), Tone: "error"}, nil, web.FormErrors{})
		return true
	default:
		p.kit.Error(w, r, web.NotFoundAs(err, "quote"))
		return true
	}
	base := p.kit.PortalURL(r)
	req := fieldportal.CheckoutRequest{CheckoutID: c.ID, Currency: c.Currency, Amount: c.Amount, CustomerEmail: c.Email,
		SuccessURL:  base + "/payments/return?checkout=" + url.QueryEscape(c.ID) + "&session={CHECKOUT_SESSION_ID}",
		CancelURL:   base + "/payments/cancel?checkout=" + url.QueryEscape(c.ID),
		Description: "Deposit for quote " + x.Number,
		// The page lapses with the checkout (a day, or the quote's end).
		ExpiresAt: c.ExpiresAt,
		Lines:     []fieldportal.CheckoutLine{{Name: "Deposit for quote " + x.Number, Amount: c.Amount}}}
	page, err := gw.StartCheckout(r.Context(), req)
	if err != nil {
		p.kit.Error(w, r, err)
		return true
	}
	if err := p.svc.Money.SetCheckoutPage(r.Context(), v, c.ID, page.ProviderID); err != nil {
		p.kit.Error(w, r, err)
		return true
	}
	http.Redirect(w, r, page.URL, http.StatusSeeOther)
	return true
}

// depositLabel names a quote's deposit in its totals.
func depositLabel(x *fieldportal.Quote) string {
	if x.DepositKind == fieldportal.DepositPercent {
		return "Deposit on acceptance (" + fieldportal.TaxRateText(int(x.DepositValue)*100) + "%)"
	}
	return "Deposit on acceptance"
}
