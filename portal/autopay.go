package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Automatic payments (SPEC §4, issue 17 point 4): the viewer's recurring
// invoices, the saved card of each customer whose schedules are shown,
// changing that card through the provider's hosted page, and cancelling
// auto-pay of one schedule after a confirmation.
//
// A card is a customer-level record: the store shows it, and confirms a
// new one, only for a customer the contact reaches with site access
// "all". Changing the card needs the payments on and the organisation not
// to have hidden the Pay online button (SPEC §2.4).

// autopayRoutes registers the routes of this file.
func (p *Portal) autopayRoutes() {
	k := p.kit
	k.Handle("GET /payments/automatic", p.signedIn(p.handleAutopay))
	k.Handle("GET /payments/automatic/{id}/cancel", p.signedIn(p.handleAutopayCancelForm))
	k.Handle("POST /payments/automatic/{id}/cancel", p.signedIn(p.handleAutopayCancel))
	k.Handle("POST /payments/automatic/card", p.signedIn(p.handleCardChange))
	k.Handle("GET /payments/automatic/card/done", p.signedIn(p.handleCardDone))
}

// autopayView is the page of automatic payments.
type autopayView struct {
	web.Layout
	Notice web.Notice
	Cards  []cardView
	Count  web.Count
	Table  web.Table
	Pager  web.Pager
	Empty  web.EmptyState
}

// cardView is one customer's saved card, or its absence.
type cardView struct {
	Customer string
	Details  []web.Detail
	// Change posts the customer to start the provider's card set-up; ""
	// when the viewer may not change the card.
	Change, ChangeLabel string
	CustomerID          string
}

// autopayNotices are the notices after a step, by the done parameter.
var autopayNotices = map[string]web.Notice{
	"cancelled": {Text: "Automatic payment is cancelled. Its invoices are still raised when due; pay them from your invoices."},
	"card":      {Text: "Your card is saved. It is used for every automatic payment of its customer."},
	"nocard":    {Text: "The card was not saved. Your saved card, if any, is unchanged.", Tone: "warning"},
}

// handleAutopay lists the viewer's recurring invoices a page at a time,
// with the saved cards of their customers.
func (p *Portal) handleAutopay(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAutopay)
	if !ok {
		return
	}
	after := r.URL.Query().Get("after")
	list, next, err := p.svc.Money.FindRecurringInvoices(r.Context(), v, fieldportal.RecurringInvoiceFilter{Page: fieldportal.Page{After: after}})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := autopayView{Layout: p.layout(r, "Automatic payments"), Notice: autopayNotices[r.URL.Query().Get("done")],
		Empty: web.EmptyState{Title: "No recurring invoices", Text: "Invoices raised on a schedule, such as a maintenance contract, are listed here with how they are paid."}}
	currency := quoteCurrency(r)
	view.Table = web.Table{Caption: "Recurring invoices", Columns: []web.Column{{Label: "Name"}, {Label: "Site"},
		{Label: "Total inc. tax", Numeric: true}, {Label: "Frequency"}, {Label: "Last payment"}, {Label: "Next due"},
		{Label: "Auto-pay"}, {Label: "Action"}}}
	// The customers of the schedules shown, with their names as the
	// scoped list read them: a schedule the viewer sees is of a customer
	// it reaches (its site's, or a customer-only schedule's own).
	var customers []string
	names := map[string]string{}
	for _, s := range list {
		site := s.SiteName
		if site == "" {
			site = "All sites"
		}
		autopay, action := web.BadgeCell("Off", "neutral"), web.TextCell("")
		if s.Autopay {
			autopay = web.BadgeCell("On", "success")
			action = web.Cell{Text: "Cancel auto-pay", URL: "/payments/automatic/" + url.PathEscape(s.ID) + "/cancel"}
		}
		last := quoteDateText(s.LastPaymentDate)
		if last == "" {
			last = "None yet"
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{{Text: s.Name, Header: true}, web.TextCell(site),
			web.MoneyCell(currency, s.TotalIncTax), web.TextCell(s.Frequency.Label()), web.TextCell(last),
			web.TextCell(quoteDateText(s.NextDueDate)), autopay, action})
		if _, ok := names[s.CustomerID]; !ok {
			customers, names[s.CustomerID] = append(customers, s.CustomerID), s.CustomerName
		}
	}
	if view.Cards, err = p.savedCards(r, v, customers, names); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if next != "" {
		view.Pager.NextURL = "/payments/automatic?after=" + url.QueryEscape(next)
	}
	if after != "" {
		view.Pager.FirstURL = "/payments/automatic"
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "recurring invoice", Many: "recurring invoices"}
	if next == "" && after == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, http.StatusOK, "autopay", view)
}

// savedCards lists the cards of the customers, in their order, with one
// query for all of them: the store leaves out the cards the viewer does
// not hold; a customer without one is offered a card only to a viewer
// that sees customers as a whole. names are the customers' names.
func (p *Portal) savedCards(r *http.Request, v fieldportal.Viewer, customers []string, names map[string]string) ([]cardView, error) {
	cards, err := p.svc.Money.FindSavedCards(r.Context(), v, customers)
	if err != nil {
		return nil, err
	}
	change := p.mayChangeCard(r, v)
	var out []cardView
	for _, id := range customers {
		i := slices.IndexFunc(cards, func(c *fieldportal.SavedCard) bool { return c.CustomerID == id })
		// No card yet, or a customer whose cards this viewer does not
		// hold: only a customer it sees as a whole is offered one.
		if i < 0 && v.SiteAccess != fieldportal.SiteAccessAll && !v.SeesWholeOrg() {
			continue
		}
		cv := cardView{Customer: names[id], CustomerID: id}
		if i >= 0 {
			card := cards[i]
			cv.Details = []web.Detail{{Label: "Card", Value: cardBrand(card.Brand) + " ending " + card.Last4},
				{Label: "Expires", Value: fmt.Sprintf("%02d/%d", card.ExpMonth, card.ExpYear)}}
			cv.ChangeLabel = "Change card details"
		} else {
			cv.Details = []web.Detail{{Label: "Card", Value: "No card saved: recurring invoices are not paid automatically."}}
			cv.ChangeLabel = "Save a card"
		}
		if change {
			cv.Change = "/payments/automatic/card"
		}
		out = append(out, cv)
	}
	return out, nil
}

// cardBrand names a card brand as people write it.
func cardBrand(b string) string {
	switch b {
	case "visa":
		return "Visa"
	case "mastercard":
		return "Mastercard"
	case "amex":
		return "American Express"
	case "":
		return "Card"
	}
	return b
}

// mayChangeCard reports whether the card change is offered: payments are
// on for the organisation and the Pay online button is not hidden.
func (p *Portal) mayChangeCard(r *http.Request, v fieldportal.Viewer) bool {
	return v.CanUse(fieldportal.ModuleAutopay) && !slices.Contains(v.HiddenActions, fieldportal.ActionPayOnline) &&
		p.providerReady(r, v)
}

// handleCardChange starts the provider's card set-up for a customer the
// viewer may hold the card of, and sends the browser to its page.
func (p *Portal) handleCardChange(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAutopay)
	if !ok || !p.kit.ParseForm(w, r) {
		return
	}
	if !p.mayChangeCard(r, v) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Cards cannot be changed online here."))
		return
	}
	id := r.PostForm.Get("customer")
	// The customer must be one the viewer sees; that it may hold its card
	// (site access "all") is checked when the set-up is confirmed.
	c, err := p.svc.Sites.FindCustomerByID(r.Context(), v, id)
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return
	}
	if v.SiteAccess != fieldportal.SiteAccessAll && !v.SeesWholeOrg() {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no customer at this address."))
		return
	}
	g, err := p.gateway(r, v)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	req := fieldportal.CardSetupRequest{CustomerID: c.ID,
		SuccessURL: p.kit.PortalURL(r) + "/payments/automatic/card/done?setup={CHECKOUT_SESSION_ID}",
		CancelURL:  p.kit.PortalURL(r) + "/payments/automatic"}
	if old, err := p.svc.Money.FindSavedCard(r.Context(), v, c.ID); err == nil && old.Provider == g.Provider() {
		// The earlier card's reference: the provider finds its customer.
		req.ProviderCustomer = old.ProviderRef
	}
	page, err := g.StartCardSetup(r.Context(), req)
	if err != nil {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EUNAVAILABLE, "The payment provider could not be reached. Please try again."))
		return
	}
	http.Redirect(w, r, page.URL, http.StatusSeeOther)
}

// handleCardDone is where the provider sends the browser back: the
// set-up is read from the provider (never from the query string) and
// saved as the customer's one card if the viewer may hold it.
func (p *Portal) handleCardDone(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAutopay)
	if !ok {
		return
	}
	if !p.mayChangeCard(r, v) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Cards cannot be changed online here."))
		return
	}
	g, err := p.gateway(r, v)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	o, err := g.CardSetupOutcome(r.Context(), r.URL.Query().Get("setup"))
	if err != nil {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no card set-up at this address."))
		return
	}
	if !o.Done {
		http.Redirect(w, r, "/payments/automatic?done=nocard", http.StatusSeeOther)
		return
	}
	if _, err := p.svc.Money.ConfirmCardSetup(r.Context(), v, o); err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "card set-up"))
		return
	}
	http.Redirect(w, r, "/payments/automatic?done=card", http.StatusSeeOther)
}

// autopayCancelView asks to confirm cancelling auto-pay of one schedule.
type autopayCancelView struct {
	web.Layout
	Schedule *fieldportal.RecurringInvoice
	Currency string
}

// handleAutopayCancelForm asks for confirmation before cancelling.
func (p *Portal) handleAutopayCancelForm(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAutopay)
	if !ok {
		return
	}
	s, err := p.svc.Money.FindRecurringInvoiceByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "recurring invoice"))
		return
	}
	if !s.Autopay {
		http.Redirect(w, r, "/payments/automatic", http.StatusSeeOther)
		return
	}
	p.pages.Render(w, r, http.StatusOK, "autopay_cancel", autopayCancelView{Layout: p.layout(r, "Cancel automatic payment"),
		Schedule: s, Currency: quoteCurrency(r)})
}

// handleAutopayCancel turns auto-pay off for the schedule (the store
// records it, mails the statement contacts and emits the event).
func (p *Portal) handleAutopayCancel(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAutopay)
	if !ok || !p.kit.ParseForm(w, r) {
		return
	}
	if _, err := p.svc.Money.CancelAutopay(r.Context(), v, r.PathValue("id")); err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "recurring invoice"))
		return
	}
	http.Redirect(w, r, "/payments/automatic?done=cancelled", http.StatusSeeOther)
}
