package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The staff side of quotes: the queue of requests, pricing and sending.
// The queue's first tab is the requests waiting for a price (SPEC §5's
// "queues of what customers sent"), then the quotes waiting for the
// customer, then the answered ones, each newest first. Pricing saves the
// lines, tax rate and validity; Send also makes the quote outstanding and
// mails the customer's quote contacts, in one change.

// quoteRoutes registers the routes of this file.
func (c *Console) quoteRoutes() {
	k := c.kit
	k.Handle("GET /console/quotes", c.signedIn(c.handleQuotes))
	k.Handle("GET /console/quotes/{id}", c.signedIn(c.handleQuote))
	k.Handle("POST /console/quotes/{id}", c.signedIn(c.handleQuotePrice))
}

// quoteQueues are the queue's tabs, in order, with their stages.
var quoteQueues = []struct {
	name, label string
	stages      []fieldportal.QuoteStage
}{
	{"requested", "Requests to price", []fieldportal.QuoteStage{fieldportal.QuoteRequested}},
	{"outstanding", "Waiting for the customer", []fieldportal.QuoteStage{fieldportal.QuoteOutstanding}},
	{"actioned", "Answered", []fieldportal.QuoteStage{fieldportal.QuoteApproved, fieldportal.QuoteDeclined, fieldportal.QuoteExpired}},
}

// quoteStageLabels name the stages for staff.
var quoteStageLabels = map[fieldportal.QuoteStage]struct{ text, tone string }{
	fieldportal.QuoteRequested:   {"Requested", "warning"},
	fieldportal.QuoteOutstanding: {"Sent", "info"},
	fieldportal.QuoteApproved:    {"Accepted", "success"},
	fieldportal.QuoteDeclined:    {"Declined", "neutral"},
	fieldportal.QuoteExpired:     {"Expired", "neutral"},
}

// quotesQueueView is the queue.
type quotesQueueView struct {
	web.Layout
	Tabs   []web.NavLink
	Filter web.FilterBar
	Count  web.Count
	Table  web.Table
	Pager  web.Pager
	Empty  web.EmptyState
}

func (c *Console) handleQuotes(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	tab := quoteQueues[0]
	for _, t := range quoteQueues {
		if t.name == q.Get("tab") {
			tab = t
		}
	}
	search, after := strings.TrimSpace(q.Get("q")), q.Get("after")
	list, next, err := c.svc.Work.FindQuotes(r.Context(), v, fieldportal.QuoteFilter{Page: fieldportal.Page{After: after},
		Stages: tab.stages, Search: search})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := quotesQueueView{Layout: c.layout(r, "Quotes")}
	for _, t := range quoteQueues {
		tq := url.Values{"tab": {t.name}}
		if search != "" {
			tq.Set("q", search)
		}
		view.Tabs = append(view.Tabs, web.NavLink{Label: t.label, URL: "/console/quotes?" + tq.Encode(), Current: t.name == tab.name})
	}
	view.Filter = web.FilterBar{Action: "/console/quotes", Label: "Search quotes", Submit: "Search",
		Keep:    []web.Param{{Name: "tab", Value: tab.name}},
		Filters: []web.Filter{{Name: "q", Label: "Search quotes", Type: "search", Value: search, Hint: "Quote number, order number or description"}}}
	if search != "" {
		view.Filter.ClearURL = "/console/quotes?tab=" + tab.name
	}
	loc, currency := web.OrgLocation(r), quoteCurrency(r)
	view.Table = web.Table{Caption: tab.label, Columns: []web.Column{{Label: "Quote"}, {Label: "Site"}, {Label: "Status"},
		{Label: "Asked for on"}, {Label: "Order number"}, {Label: "Total inc. tax", Numeric: true}}}
	if tab.name == "actioned" {
		view.Table.Columns[3].Label = "Answered on"
	}
	for _, x := range list {
		st := quoteStageLabels[x.Stage]
		when := web.FormatDate(x.CreatedAt.In(loc))
		if tab.name == "actioned" {
			when = web.FormatDate(x.ActionedAt.In(loc))
		}
		total := web.MoneyCell(currency, x.TotalIncTax)
		if x.Stage == fieldportal.QuoteRequested && x.TotalIncTax == 0 {
			total = web.TextCell("Not priced")
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{web.LinkCell(x.Number, "/console/quotes/"+url.PathEscape(x.ID)),
			web.TextCell(x.SiteName), web.BadgeCell(st.text, st.tone), web.TextCell(when), web.TextCell(x.OrderNo), total})
	}
	base := url.Values{"tab": {tab.name}}
	if search != "" {
		base.Set("q", search)
	}
	if next != "" {
		nq := url.Values{"tab": {tab.name}, "after": {next}}
		if search != "" {
			nq.Set("q", search)
		}
		view.Pager.NextURL = "/console/quotes?" + nq.Encode()
	}
	if after != "" {
		view.Pager.FirstURL = "/console/quotes?" + base.Encode()
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "quote", Many: "quotes"}
	if next == "" && after == "" {
		view.Count.Total = len(list)
	}
	view.Empty = web.EmptyState{Title: "Nothing here", Text: "No quotes are in this queue."}
	if search != "" {
		view.Empty = web.EmptyState{Title: "No quotes match “" + search + "”", Text: "Search by part of the quote or order number, or a word of the description.",
			ActionURL: "/console/quotes?tab=" + tab.name, ActionLabel: "Show the whole queue"}
	}
	c.pages.Render(w, r, http.StatusOK, "quotes", view)
}

// quoteCurrency is the organisation's currency.
func quoteCurrency(r *http.Request) string {
	if o := web.OrganisationFromContext(r.Context()); o != nil {
		return o.Currency
	}
	return ""
}

// quoteBlankLines is how many empty lines the pricing form offers below
// the quote's own; a quote needing more is saved and opened again.
const quoteBlankLines = 3

// quotePageView is one quote with its pricing form.
type quotePageView struct {
	web.Layout
	Quote   *fieldportal.Quote
	Header  web.RecordHeader
	Notice  web.Notice
	Details []web.Detail
	Lines   web.Table
	Totals  []web.Detail
	Answer  []web.Detail
	// Form is the pricing form, for a quote not yet answered.
	Form *quotePriceForm
}

// quotePriceForm is the pricing form; a refused form keeps what was typed.
type quotePriceForm struct {
	Action     string
	Errors     []fieldportal.FieldError
	Lines      []quoteLineForm
	TaxRate    web.FieldView
	ValidUntil web.FieldView
	Sent       bool
	// The deposit asked for on acceptance (issue 22).
	DepositKind  web.SelectView
	DepositValue web.FieldView
}

// quoteLineForm is one line of the pricing form.
type quoteLineForm struct {
	N                                  int
	Legend                             string
	Item                               web.SelectView
	Code, Description, Quantity, Price web.FieldView
	Optional                           bool
	OptionalName                       string
}

func (c *Console) handleQuote(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	x, err := c.findQuote(r, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	var notice web.Notice
	switch r.URL.Query().Get("done") {
	case "saved":
		notice.Text = "The price is saved. The customer sees it once you send the quote."
	case "sent":
		// The count comes from the address: only a number is shown, so a
		// crafted link cannot put words in the console's mouth.
		n, err := strconv.Atoi(r.URL.Query().Get("mailed"))
		switch {
		case err != nil || n < 0:
			notice.Text = "The quote is sent: the customer sees it in the portal."
		case n == 0:
			notice = web.Notice{Tone: "warning", Text: "The quote is sent: the customer sees it in the portal. No mail went out: the customer has no quote contact with an email address who may see the quote."}
		case n == 1:
			notice.Text = "The quote is sent, and its quote contact has been emailed a link to it."
		default:
			notice.Text = "The quote is sent, and its " + strconv.Itoa(n) + " quote contacts have been emailed a link to it."
		}
	}
	c.renderQuote(w, r, http.StatusOK, x, notice, nil, web.FormErrors{})
}

// findQuote finds a quote for a page, with the page's words for "not found".
func (c *Console) findQuote(r *http.Request, v fieldportal.Viewer, id string) (*fieldportal.Quote, error) {
	x, err := c.svc.Work.FindQuoteByID(r.Context(), v, id)
	return x, web.NotFoundAs(err, "quote")
}

// renderQuote draws the quote's page; typed is a refused pricing form.
func (c *Console) renderQuote(w http.ResponseWriter, r *http.Request, status int, x *fieldportal.Quote, notice web.Notice, typed url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	loc, currency := web.OrgLocation(r), quoteCurrency(r)
	st := quoteStageLabels[x.Stage]
	view := quotePageView{Layout: c.layout(r, "Quote "+x.Number), Quote: x, Notice: notice}
	view.Header = web.RecordHeader{BackURL: "/console/quotes", BackLabel: "Quotes", Title: "Quote " + x.Number, Subtitle: x.SiteName,
		Badges:  []web.Badge{{Text: st.text, Tone: st.tone}},
		Actions: []web.Action{{Label: "Documents", URL: documentsURL("quote", x.ID), Style: "secondary"}}}
	from := "Staff"
	if x.CreatedInPortal {
		from = "The customer, in the portal"
	}
	view.Details = []web.Detail{
		{Label: "Site", Value: x.SiteName},
		{Label: "Asked for on", Value: web.FormatDate(x.CreatedAt.In(loc))},
		{Label: "Made by", Value: from},
		{Label: "Order number", Value: quoteOrNone(x.OrderNo)},
		{Label: "Preferred date", Value: quoteOrNone(quoteDateText(x.PreferredDate))},
		{Label: "Valid until", Value: quoteOrNone(quoteDateText(x.ValidUntil))},
		{Label: "Description", Value: quoteOrNone(x.Description), Pre: true},
	}
	if !x.SentAt.IsZero() {
		view.Details = append(view.Details, web.Detail{Label: "Sent on", Value: web.FormatDateTime(x.SentAt.In(loc))})
	}
	view.Lines = web.Table{Caption: "Lines of quote " + x.Number, Columns: []web.Column{{Label: "Code"}, {Label: "Description"},
		{Label: "Quantity", Numeric: true}, {Label: "Unit price", Numeric: true}, {Label: "Total", Numeric: true}}}
	for _, it := range x.Items {
		d := web.Cell{Text: it.Description, Header: true}
		if it.Optional {
			d.Hint = "(optional)"
		}
		view.Lines.Rows = append(view.Lines.Rows, []web.Cell{web.TextCell(it.Code), d, web.TextCell(strconv.FormatInt(it.Quantity, 10)),
			web.MoneyCell(currency, it.UnitPrice), web.MoneyCell(currency, it.Total)})
	}
	if len(x.Items) > 0 {
		view.Totals = []web.Detail{
			{Label: "Total excluding tax", Value: web.MoneyText(currency, x.TotalExTax)},
			{Label: "Tax (" + fieldportal.TaxRateText(x.TaxRate) + "%)", Value: web.MoneyText(currency, x.Tax)},
			{Label: "Total including tax", Value: web.MoneyText(currency, x.TotalIncTax)},
		}
	}
	if d := x.Deposit(); d > 0 {
		view.Totals = append(view.Totals, web.Detail{Label: "Deposit on acceptance", Value: web.MoneyText(currency, d)})
		if err := c.depositDetails(r, v, &view.Totals, fieldportal.DepositFilter{QuoteID: x.ID}); err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	if pa := x.Pending; pa != nil {
		view.Totals = append(view.Totals, web.Detail{Label: "Acceptance pending", Value: pendingText(pa, loc)})
	}
	if x.Stage == fieldportal.QuoteApproved || x.Stage == fieldportal.QuoteDeclined {
		view.Answer = []web.Detail{{Label: "Signed by", Value: x.SignedByName},
			{Label: "On", Value: web.FormatDateTime(x.ActionedAt.In(loc))}, {Label: "From address", Value: quoteOrNone(x.SignedFrom)}}
		if cm := x.AcceptComment + x.DeclineReason; cm != "" {
			view.Answer = append(view.Answer, web.Detail{Label: "Comment", Value: cm, Pre: true})
		}
	}
	if x.Stage == fieldportal.QuoteRequested || x.Stage == fieldportal.QuoteOutstanding {
		items, _, err := c.svc.Work.FindItems(r.Context(), v, fieldportal.CatalogueFilter{ActiveOnly: true, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
		if err != nil {
			c.kit.Error(w, r, err)
			return
		}
		view.Form = quoteForm(x, items, typed, errs, web.RequestTime(r).In(loc))
	}
	c.pages.Render(w, r, status, "quote", view)
}

// quoteForm builds the pricing form from the quote, or from what was
// typed when the form was refused.
func quoteForm(x *fieldportal.Quote, items []*fieldportal.Item, typed url.Values, errs web.FormErrors, now time.Time) *quotePriceForm {
	f := &quotePriceForm{Action: "/console/quotes/" + url.PathEscape(x.ID), Sent: x.Stage == fieldportal.QuoteOutstanding}
	var order []string
	n := len(x.Items) + quoteBlankLines
	if typed != nil {
		n, _ = strconv.Atoi(typed.Get("lines"))
		n = min(max(n, 1), 200)
	}
	for i := range n {
		ln := i + 1
		val := func(col, stored string) string {
			if typed != nil {
				return typed.Get(fieldportal.ItemField(ln, col))
			}
			return stored
		}
		var it fieldportal.QuoteItem
		if i < len(x.Items) {
			it = x.Items[i]
		}
		price, qty := "", ""
		if i < len(x.Items) {
			price, qty = it.UnitPrice.Decimal(), strconv.FormatInt(it.Quantity, 10)
		}
		field := func(col, label, typ, stored string) web.FieldView {
			name := fieldportal.ItemField(ln, col)
			order = append(order, name)
			return web.FieldView{Name: name, Label: label, Type: typ, Value: val(col, stored), Error: errs[name]}
		}
		l := quoteLineForm{N: ln, Legend: "Line " + strconv.Itoa(ln)}
		l.Item = web.SelectView{FieldView: field("item_id", "Catalogue item", "select", it.ItemID)}
		l.Item.Hint = "Fills the code, description and price that are left empty."
		l.Item.Options = []web.CheckOption{{Value: "", Label: "None (a free line)", Checked: l.Item.Value == ""}}
		for _, ci := range items {
			l.Item.Options = append(l.Item.Options, web.CheckOption{Value: ci.ID, Label: ci.Code + " " + ci.Name + " (" + ci.UnitPrice.String() + ")",
				Checked: l.Item.Value == ci.ID})
		}
		l.Code = field("code", "Code", "text", it.Code)
		l.Description = field("description", "Description", "text", it.Description)
		l.Quantity = field("quantity", "Quantity", "text", qty)
		l.Quantity.Inputmode = "numeric"
		l.Price = field("unit_price", "Unit price", "text", price)
		l.Price.Inputmode, l.Price.Hint = "decimal", "Excluding tax, such as 45.00"
		l.OptionalName = fieldportal.ItemField(ln, "optional")
		l.Optional = it.Optional
		if typed != nil {
			l.Optional = typed.Get(l.OptionalName) != ""
		}
		f.Lines = append(f.Lines, l)
	}
	rate := "20"
	if x.TaxRate > 0 || !x.SentAt.IsZero() {
		rate = fieldportal.TaxRateText(x.TaxRate)
	}
	valid := fieldportal.DateOf(now).AddDays(30).String()
	if !x.ValidUntil.IsZero() {
		valid = x.ValidUntil.String()
	}
	if typed != nil {
		rate, valid = typed.Get("tax_rate"), typed.Get("valid_until")
	}
	f.TaxRate = web.Field("tax_rate", "Tax rate (%)", "text", rate, "off", errs)
	f.TaxRate.Inputmode, f.TaxRate.Hint = "decimal", "The rate for this quote, such as 20 or 17.5; 0 for none."
	f.ValidUntil = web.Field("valid_until", "Valid until", "date", valid, "off", errs)
	f.ValidUntil.Hint = "The last day the customer can accept this price."
	kind, value := string(x.DepositKind), ""
	switch x.DepositKind {
	case fieldportal.DepositPercent:
		value = strconv.FormatInt(x.DepositValue, 10)
	case fieldportal.DepositAmount:
		value = fieldportal.Money(x.DepositValue).Decimal()
	}
	if typed != nil {
		kind, value = typed.Get("deposit_kind"), typed.Get("deposit_value")
	}
	f.DepositKind = web.SelectView{FieldView: web.Field("deposit_kind", "Deposit on acceptance", "select", kind, "off", errs)}
	f.DepositKind.Hint = "The customer pays it online to accept the quote; the acceptance is complete when it is paid."
	for _, o := range []web.CheckOption{{Value: "", Label: "No deposit"}, {Value: "percent", Label: "A percentage of the total including tax"},
		{Value: "amount", Label: "A fixed amount"}} {
		o.Checked = o.Value == kind
		f.DepositKind.Options = append(f.DepositKind.Options, o)
	}
	f.DepositValue = web.Field("deposit_value", "Deposit", "text", value, "off", errs)
	f.DepositValue.Inputmode, f.DepositValue.Hint = "decimal", "A whole percentage from 1 to 100, such as 20, or an amount such as 250.00; empty for no deposit."
	f.Errors = errs.List(append([]string{"items"}, append(order, "tax_rate", "valid_until", "deposit_kind", "deposit_value")...)...)
	return f
}

// handleQuotePrice saves the pricing form, and with action=send sends
// the quote. Every line's fields are read as typed; a line left wholly
// empty is skipped; a catalogue item fills what its line leaves empty.
func (c *Console) handleQuotePrice(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	x, err := c.findQuote(r, v, id)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	form := r.PostForm
	items, _, err := c.svc.Work.FindItems(r.Context(), v, fieldportal.CatalogueFilter{ActiveOnly: true, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	p, lines, verr := readQuotePricing(form, items)
	p.Send = form.Get("action") == "send"
	p.PortalURL = c.kit.PortalURL(r)
	if verr != nil {
		// Report what the store would say too, so that one refusal lists
		// every mistake.
		err = mergeFieldErrors(verr, p.Validate(fieldportal.DateOf(web.RequestTime(r).In(web.OrgLocation(r)))), lines)
	} else {
		var mailed int
		_, mailed, err = c.svc.Work.PriceQuote(r.Context(), v, id, p)
		err = mergeFieldErrors(err, nil, lines)
		if err == nil {
			to := "/console/quotes/" + url.PathEscape(id) + "?done=saved"
			if p.Send {
				to = "/console/quotes/" + url.PathEscape(id) + "?done=sent&mailed=" + strconv.Itoa(mailed)
			}
			http.Redirect(w, r, to, http.StatusSeeOther)
			return
		}
	}
	switch fieldportal.ErrorCode(err) {
	case fieldportal.EINVALID:
		c.renderQuote(w, r, http.StatusBadRequest, x, web.Notice{}, form, web.ErrorsOf(err))
	case fieldportal.ECONFLICT:
		x, ferr := c.findQuote(r, v, id)
		if ferr != nil {
			c.kit.Error(w, r, ferr)
			return
		}
		c.renderQuote(w, r, http.StatusConflict, x, web.Notice{Tone: "error", Text: fieldportal.ErrorMessage(err)}, nil, web.FormErrors{})
	default:
		c.kit.Error(w, r, err)
	}
}

// readQuotePricing reads the pricing form's lines, tax rate and validity.
// What cannot be read (a quantity that is no number) is reported by field
// along with everything the store's validation would say, so one refusal
// lists every mistake.
// lines[i] is the form's line number of p.Items[i], as lines left empty
// are skipped.
func readQuotePricing(form url.Values, catalogue []*fieldportal.Item) (p fieldportal.QuotePricing, lines []int, err error) {
	var bad fieldportal.Validation
	byID := map[string]*fieldportal.Item{}
	for _, it := range catalogue {
		byID[it.ID] = it
	}
	n, _ := strconv.Atoi(form.Get("lines"))
	n = min(max(n, 0), 200)
	for ln := 1; ln <= n; ln++ {
		get := func(col string) string { return strings.TrimSpace(form.Get(fieldportal.ItemField(ln, col))) }
		it := fieldportal.QuoteItem{ItemID: get("item_id"), Code: get("code"), Description: get("description"),
			Optional: get("optional") != ""}
		qty, price := get("quantity"), get("unit_price")
		if it.ItemID == "" && it.Code == "" && it.Description == "" && qty == "" && price == "" {
			continue
		}
		// The line's number in the saved quote is its place among the
		// lines kept; errors name the form's own fields.
		if ci, ok := byID[it.ItemID]; ok {
			it.Code, it.Description = quoteOr(it.Code, ci.Code), quoteOr(it.Description, ci.Name)
			if price == "" {
				price = ci.UnitPrice.Decimal()
			}
		} else if it.ItemID != "" {
			bad.Add(fieldportal.ItemField(ln, "item_id"), "Line %d: choose an item of the catalogue.", ln)
		}
		if qty == "" {
			qty = "1"
		}
		q, err := strconv.ParseInt(qty, 10, 64)
		if err != nil {
			bad.Add(fieldportal.ItemField(ln, "quantity"), "Line %d: quantity must be a whole number, such as 2.", ln)
			q = 1
		}
		it.Quantity = q
		if price == "" {
			bad.Add(fieldportal.ItemField(ln, "unit_price"), "Line %d: unit price is required.", ln)
		} else if m, err := fieldportal.ParseMoney(price); err != nil {
			bad.Add(fieldportal.ItemField(ln, "unit_price"), "Line %d: unit price must be an amount such as 45.00.", ln)
		} else {
			it.UnitPrice = m
		}
		p.Items = append(p.Items, it)
		lines = append(lines, ln)
	}
	if rate, err := fieldportal.ParseTaxRate(form.Get("tax_rate")); err != nil {
		bad.Add("tax_rate", "Tax rate must be a percentage from 0 to 100, such as 20 or 17.5.")
	} else {
		p.TaxRate = rate
	}
	p.DepositKind = fieldportal.ParseDepositKind(form.Get("deposit_kind"))
	switch dv := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(form.Get("deposit_value")), "%")); {
	case dv == "":
		if p.DepositKind != fieldportal.DepositNone {
			bad.Add("deposit_value", "Deposit is required with a deposit type: a percentage such as 20 or an amount such as 250.00.")
		}
	case p.DepositKind == fieldportal.DepositPercent:
		n, err := strconv.ParseInt(dv, 10, 64)
		if err != nil {
			bad.Add("deposit_value", "Deposit percentage must be a whole number from 1 to 100.")
		}
		p.DepositValue = n
	case p.DepositKind == fieldportal.DepositAmount:
		m, err := fieldportal.ParseMoney(dv)
		if err != nil {
			bad.Add("deposit_value", "Deposit amount must be an amount such as 250.00.")
		}
		p.DepositValue = int64(m)
	case p.DepositKind == fieldportal.DepositNone:
		bad.Add("deposit_kind", "Choose whether the deposit is a percentage or an amount.")
	}
	if s := strings.TrimSpace(form.Get("valid_until")); s != "" {
		d, err := fieldportal.ParseDate(s)
		if err != nil {
			bad.Add("valid_until", "Valid until must be a date, such as 2026-12-31.")
		} else {
			p.ValidUntil = d
		}
	}
	return p, lines, bad.Err()
}

// mergeFieldErrors joins the form's own refusal (read) with the
// pricing's validation (checked), whose line fields count the lines
// kept: each is renamed to the form's line (lines) and its message
// renumbered, and a field already refused by read is not repeated. An
// error that is not a validation is returned as it is.
func mergeFieldErrors(read, checked error, lines []int) error {
	var out fieldportal.Validation
	seen := map[string]bool{}
	if e, ok := read.(*fieldportal.Error); ok && e.Code == fieldportal.EINVALID {
		for _, f := range e.Fields {
			seen[f.Field] = true
			out.Add(f.Field, "%s", f.Message)
		}
	} else if read != nil {
		return read
	}
	e, ok := checked.(*fieldportal.Error)
	if checked != nil && (!ok || e.Code != fieldportal.EINVALID) {
		return checked
	}
	if ok {
		for _, f := range e.Fields {
			field, msg := f.Field, f.Message
			var k int
			var col string
			if n, _ := fmt.Sscanf(strings.Replace(field, "_", " ", 2), "item %d %s", &k, &col); n == 2 && k >= 1 && k <= len(lines) {
				field = fieldportal.ItemField(lines[k-1], col)
				msg = strings.Replace(msg, fmt.Sprintf("Line %d:", k), fmt.Sprintf("Line %d:", lines[k-1]), 1)
			}
			if !seen[field] {
				seen[field] = true
				out.Add(field, "%s", msg)
			}
		}
	}
	return out.Err()
}

// quoteOr is s, or def when s is empty.
func quoteOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// quoteOrNone is s, or "None" when it is empty.
func quoteOrNone(s string) string { return quoteOr(strings.TrimSpace(s), "None") }

// quoteDateText formats a date for a page; "" for none.
func quoteDateText(d fieldportal.Date) string {
	if d.IsZero() {
		return ""
	}
	return web.FormatDate(d.Time())
}

// depositDetails adds the deposits received for a quote or job to a
// record's details: each payment, with what invoices took of it and what
// is still on account (issue 22).
func (c *Console) depositDetails(r *http.Request, v fieldportal.Viewer, out *[]web.Detail, f fieldportal.DepositFilter) error {
	list, err := c.svc.Money.FindDeposits(r.Context(), v, f)
	if err != nil {
		return err
	}
	loc := web.OrgLocation(r)
	for _, d := range list {
		*out = append(*out, web.Detail{Label: "Deposit received", Value: web.MoneyText(d.Currency, d.Amount) + " on " +
			web.FormatDate(d.PaidAt.In(loc)) + ", receipt " + d.ReceiptNumber + " (deducted " + web.MoneyText(d.Currency, d.Allocated) +
			", on account " + web.MoneyText(d.Currency, d.OnAccount()) + ")"})
	}
	return nil
}

// pendingText says who started accepting a quote, when and from where,
// waiting for the deposit.
func pendingText(pa *fieldportal.PendingAcceptance, loc *time.Location) string {
	s := "Signed by " + pa.SignerName + " on " + web.FormatDateTime(pa.StartedAt.In(loc))
	if pa.SignedFrom != "" {
		s += " from " + pa.SignedFrom
	}
	return s + "; the deposit is not paid yet, so the quote is still outstanding."
}
