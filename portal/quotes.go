package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Quotes (SPEC §4): the list, its CSV, a quote's page, and accepting or
// declining it online.
//
// The list has seed 003's two tabs. Outstanding holds what waits on
// someone: quotes requested and not yet priced (marked "Awaiting price";
// seed 003 sends a new request to Outstanding) and priced quotes waiting
// for the customer's answer. Actioned holds what is settled: accepted,
// declined and expired. A priced quote past its validity stays in
// Outstanding, marked Expired, until the office closes it.

// quoteRoutes registers the routes of this file.
func (p *Portal) quoteRoutes() {
	k := p.kit
	k.Handle("GET /quotes", p.signedIn(p.handleQuotes))
	k.Handle("GET /quotes.csv", p.signedIn(p.handleQuotesCSV))
	k.Handle("GET /quotes/{id}", p.signedIn(p.handleQuote))
	k.Handle("POST /quotes/{id}/accept", p.signedIn(p.handleQuoteAccept))
	k.Handle("POST /quotes/{id}/decline", p.signedIn(p.handleQuoteDecline))
}

// quoteTabs are the list's tabs and the stages each shows, in order.
var quoteTabs = []struct {
	name, label string
	stages      []fieldportal.QuoteStage
}{
	{"outstanding", "Outstanding", []fieldportal.QuoteStage{fieldportal.QuoteRequested, fieldportal.QuoteOutstanding}},
	{"actioned", "Actioned", []fieldportal.QuoteStage{fieldportal.QuoteApproved, fieldportal.QuoteDeclined, fieldportal.QuoteExpired}},
}

// quoteQuery is the list's query string, shared by the page and its CSV.
type quoteQuery struct {
	Tab    string // outstanding or actioned
	Stage  string // "" or one stage of the tab
	SiteID string
	Search string // a quote or order number
	After  string
}

// readQuoteQuery reads the list's query string. An unknown tab is the
// first; a stage outside the tab is ignored. The dashboard's tile links
// to ?stage=outstanding, which picks its tab.
func readQuoteQuery(r *http.Request) quoteQuery {
	q := r.URL.Query()
	qq := quoteQuery{Tab: quoteTabs[0].name, SiteID: strings.TrimSpace(q.Get("site")),
		Search: strings.TrimSpace(q.Get("q")), After: q.Get("after")}
	stage := fieldportal.QuoteStage(q.Get("stage"))
	for _, t := range quoteTabs {
		if t.name == q.Get("tab") || (q.Get("tab") == "" && stage != "" && slices.Contains(t.stages, stage)) {
			qq.Tab = t.name
		}
	}
	if slices.Contains(qq.tabStages(), stage) {
		qq.Stage = string(stage)
	}
	return qq
}

// tabStages are the stages of the query's tab.
func (qq quoteQuery) tabStages() []fieldportal.QuoteStage {
	for _, t := range quoteTabs {
		if t.name == qq.Tab {
			return t.stages
		}
	}
	return quoteTabs[0].stages
}

// filter is the store's filter for the query.
func (qq quoteQuery) filter() fieldportal.QuoteFilter {
	f := fieldportal.QuoteFilter{Page: fieldportal.Page{After: qq.After}, SiteID: qq.SiteID, Number: qq.Search,
		Stages: qq.tabStages()}
	if qq.Stage != "" {
		f.Stages = []fieldportal.QuoteStage{fieldportal.QuoteStage(qq.Stage)}
	}
	return f
}

// values is the query string without the cursor; with tab false it also
// leaves the tab out (the tabs' own links set it).
func (qq quoteQuery) values(tab bool) url.Values {
	v := url.Values{}
	if tab {
		v.Set("tab", qq.Tab)
	}
	for name, val := range map[string]string{"stage": qq.Stage, "site": qq.SiteID, "q": qq.Search} {
		if val != "" {
			v.Set(name, val)
		}
	}
	return v
}

// quoteStatus is how a quote's stage reads to a customer, with its badge
// tone; today (in the organisation's zone) marks a priced quote past its
// validity as expired.
func quoteStatus(x *fieldportal.Quote, today fieldportal.Date) (string, string) {
	switch x.Stage {
	case fieldportal.QuoteRequested:
		return "Awaiting price", "neutral"
	case fieldportal.QuoteOutstanding:
		if quoteLapsed(x, today) {
			return "Expired", "danger"
		}
		return "Awaiting your answer", "info"
	case fieldportal.QuoteApproved:
		return "Accepted", "success"
	case fieldportal.QuoteDeclined:
		return "Declined", "neutral"
	}
	return "Expired", "neutral"
}

// quoteLapsed reports whether a quote's validity ended before today.
func quoteLapsed(x *fieldportal.Quote, today fieldportal.Date) bool {
	return !x.ValidUntil.IsZero() && x.ValidUntil.Before(today)
}

// quoteToday is today's date in the organisation's time zone.
func quoteToday(r *http.Request) fieldportal.Date {
	return fieldportal.DateOf(web.RequestTime(r).In(web.OrgLocation(r)))
}

// quoteCurrency is the organisation's currency.
func quoteCurrency(r *http.Request) string {
	if o := web.OrganisationFromContext(r.Context()); o != nil {
		return o.Currency
	}
	return ""
}

// quoteDateText formats a date for a page; "" for none.
func quoteDateText(d fieldportal.Date) string {
	if d.IsZero() {
		return ""
	}
	return web.FormatDate(d.Time())
}

// quotesView is the list of quotes.
type quotesView struct {
	web.Layout
	Heading  string
	Tabs     []web.NavLink
	Filter   web.FilterBar
	Count    web.Count
	Table    web.Table
	Pager    web.Pager
	CSVURL   string
	CSVWhat  string
	Empty    web.EmptyState
	Filtered bool
}

// handleQuotes lists the quotes of a tab, a page at a time.
func (p *Portal) handleQuotes(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleQuotes)
	if !ok {
		return
	}
	qq := readQuoteQuery(r)
	quotes, next, err := p.svc.Work.FindQuotes(r.Context(), v, qq.filter())
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := quotesView{Layout: p.layout(r, "Quotes"), Heading: "Quotes", CSVWhat: "of the " + qq.Tab + " quotes"}
	if qq.SiteID != "" {
		view.Heading = "Quotes at one site"
		if len(quotes) > 0 {
			view.Heading = "Quotes at " + quotes[0].SiteName
		}
		view.Title = view.Heading
	}
	for _, t := range quoteTabs {
		tq := qq.values(false)
		tq.Del("stage")
		tq.Set("tab", t.name)
		view.Tabs = append(view.Tabs, web.NavLink{Label: t.label, URL: withQuery("/quotes", tq), Current: t.name == qq.Tab})
	}
	view.Filter = quoteFilterBar(qq)
	view.Filtered = qq.Search != "" || qq.Stage != ""
	base := qq.values(true)
	currency, today := quoteCurrency(r), quoteToday(r)
	view.Table = web.Table{Caption: "Quotes", Columns: []web.Column{{Label: "Quote"}, {Label: "Site"}, {Label: "Order number"},
		{Label: "Status"}, {Label: "Valid until"}, {Label: "Total inc. tax", Numeric: true}}}
	for _, x := range quotes {
		status, tone := quoteStatus(x, today)
		total := web.MoneyCell(currency, x.TotalIncTax)
		if x.Stage == fieldportal.QuoteRequested {
			total = web.TextCell("Not priced yet")
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{web.LinkCell(x.Number, "/quotes/"+url.PathEscape(x.ID)),
			web.TextCell(x.SiteName), web.TextCell(x.OrderNo), web.BadgeCell(status, tone), web.TextCell(quoteDateText(x.ValidUntil)), total})
	}
	view.CSVURL = withQuery("/quotes.csv", base)
	if next != "" {
		nq := qq.values(true)
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/quotes", nq)
	}
	if qq.After != "" {
		view.Pager.FirstURL = withQuery("/quotes", base)
	}
	view.Count = web.Count{Shown: len(quotes), Total: -1, One: "quote", Many: "quotes"}
	if next == "" && qq.After == "" {
		view.Count.Total = len(quotes)
	}
	switch {
	case view.Filtered:
		clear := qq.values(true)
		clear.Del("q")
		clear.Del("stage")
		view.Empty = web.EmptyState{Title: "No quotes match your search", Text: "Check the number, or search by part of the quote or order number.",
			ActionURL: withQuery("/quotes", clear), ActionLabel: "Show every " + qq.Tab + " quote"}
	case qq.Tab == "actioned":
		view.Empty = web.EmptyState{Title: "No actioned quotes", Text: "Quotes you have accepted or declined, and those that have expired, are listed here."}
	default:
		view.Empty = web.EmptyState{Title: "No outstanding quotes", Text: "Quotes you have asked for, and priced quotes waiting for your answer, are listed here."}
	}
	p.pages.Render(w, r, http.StatusOK, "quotes", view)
}

// quoteFilterBar is the list's search by number and its status choice
// within the tab.
func quoteFilterBar(qq quoteQuery) web.FilterBar {
	labels := map[fieldportal.QuoteStage]string{fieldportal.QuoteRequested: "Awaiting price",
		fieldportal.QuoteOutstanding: "Priced, awaiting your answer", fieldportal.QuoteApproved: "Accepted",
		fieldportal.QuoteDeclined: "Declined", fieldportal.QuoteExpired: "Expired"}
	opts := []web.CheckOption{{Value: "", Label: "Any", Checked: qq.Stage == ""}}
	for _, s := range qq.tabStages() {
		opts = append(opts, web.CheckOption{Value: string(s), Label: labels[s], Checked: qq.Stage == string(s)})
	}
	fb := web.FilterBar{Action: "/quotes", Label: "Search quotes", Submit: "Search",
		Keep: []web.Param{{Name: "tab", Value: qq.Tab}},
		Filters: []web.Filter{
			{Name: "q", Label: "Quote or order number", Type: "search", Value: qq.Search},
			{Name: "stage", Label: "Status", Type: "select", Options: opts},
		}}
	if qq.SiteID != "" {
		fb.Keep = append(fb.Keep, web.Param{Name: "site", Value: qq.SiteID})
	}
	if qq.Search != "" || qq.Stage != "" || qq.SiteID != "" {
		fb.ClearURL = "/quotes?tab=" + qq.Tab
	}
	return fb
}

// handleQuotesCSV downloads every quote the list's filters select, across
// all pages, streamed from the store as it is read (as handleSitesCSV).
func (p *Portal) handleQuotesCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleQuotes)
	if !ok {
		return
	}
	f := readQuoteQuery(r).filter()
	f.After = ""
	today := quoteToday(r)
	out := p.kit.CSV(w, r, "quotes.csv", "Quote", "Site", "Order number", "Status", "Valid until",
		"Total ex. tax", "Tax", "Total inc. tax", "Description")
	out.Finish(p.svc.Work.EachQuote(r.Context(), v, f, func(x *fieldportal.Quote) error {
		status, _ := quoteStatus(x, today)
		valid := ""
		if !x.ValidUntil.IsZero() {
			valid = x.ValidUntil.String()
		}
		ex, tax, inc := x.TotalExTax.Decimal(), x.Tax.Decimal(), x.TotalIncTax.Decimal()
		if x.Stage == fieldportal.QuoteRequested {
			ex, tax, inc = "", "", ""
		}
		return out.Row(x.Number, x.SiteName, x.OrderNo, status, valid, ex, tax, inc, x.Description)
	}))
}

// quoteView is one quote's page.
type quoteView struct {
	web.Layout
	Quote   *fieldportal.Quote
	Header  web.RecordHeader
	Details []web.Detail
	Items   web.Table
	Totals  []web.Detail
	// Deposits are the deposits received for the quote (issue 22).
	Deposits *depositSection
	Files    []quoteFile
	// ShowFiles: attachments are documents, shown with the Documents page.
	ShowFiles bool
	// Upload adds files to the quote, nil when the contact may not.
	Upload   *uploadForm
	Answered []web.Detail
	Notice   web.Notice
	// Answer is the form to accept or decline, when the quote may be
	// answered; Lapsed says why it may not when it is past its validity.
	Answer *quoteAnswerForm
	Lapsed bool
	// NotQuoteContact: the quote waits for an answer that only the
	// customer's quote contacts may give.
	NotQuoteContact bool
	// Messages is the thread with the office (issue 22); nil hides it.
	Messages *web.ThreadView
}

// quoteFile is an attachment of the quote, linked for download.
type quoteFile struct{ Name, URL, Size string }

// quoteAnswerForm is the accept or decline form: the typed name is the
// signature.
type quoteAnswerForm struct {
	Errors     []fieldportal.FieldError
	SignerName web.FieldView
	Comment    web.FieldView
	AcceptURL  string
	DeclineURL string
	// Version ties the answer to the quote as shown (QuoteDecision.Version).
	Version string
	// Deposit is the deposit accepting asks for, as text; empty for none
	// (issue 22): accepting then goes through the payment page.
	Deposit string
	// SiteArchived: the quote's site is archived (itself or through its
	// customer), so the store refuses an acceptance there as new work;
	// the form offers only the decline (issue 19).
	SiteArchived bool
}

// handleQuote shows one quote, or its PDF for an address ending in .pdf.
// A quote out of reach is the same 404 as one that does not exist.
func (p *Portal) handleQuote(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleQuotes)
	if !ok {
		return
	}
	if id, ok := strings.CutSuffix(r.PathValue("id"), ".pdf"); ok {
		p.handleQuotePDF(w, r, id)
		return
	}
	x, err := p.findQuote(r, v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	var notice web.Notice
	switch r.URL.Query().Get("done") {
	case "accepted":
		notice = web.Notice{Text: "Thank you: you have accepted quote " + x.Number + ". We will be in touch to arrange the work."}
	case "declined":
		notice = web.Notice{Text: "You have declined quote " + x.Number + ". Thank you for letting us know.", Tone: "info"}
	case "uploaded":
		notice = web.Notice{Text: "Your files were attached to this quote."}
	case "deposit-cancelled":
		notice = web.Notice{Text: "The deposit was not paid, so quote " + x.Number + " is not accepted yet. You can accept it again when you are ready.", Tone: "info"}
	}
	p.renderQuote(w, r, http.StatusOK, x, notice, nil, web.FormErrors{})
}

// findQuote finds a quote for a page, with the page's words for "not found".
func (p *Portal) findQuote(r *http.Request, v fieldportal.Viewer, id string) (*fieldportal.Quote, error) {
	x, err := p.svc.Work.FindQuoteByID(r.Context(), v, id)
	return x, web.NotFoundAs(err, "quote")
}

// renderQuote draws a quote's page; typed holds what was typed into the
// answer form when it failed.
func (p *Portal) renderQuote(w http.ResponseWriter, r *http.Request, status int, x *fieldportal.Quote, notice web.Notice,
	typed url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	currency, today, loc := quoteCurrency(r), quoteToday(r), web.OrgLocation(r)
	label, tone := quoteStatus(x, today)
	id := url.PathEscape(x.ID)
	view := quoteView{Layout: p.layout(r, "Quote "+x.Number), Quote: x, Notice: notice}
	view.Header = web.RecordHeader{BackURL: "/quotes", BackLabel: "Quotes", Title: "Quote " + x.Number, Subtitle: x.SiteName,
		Badges:  []web.Badge{{Text: label, Tone: tone}},
		Actions: []web.Action{{Label: "Print (PDF)", URL: "/quotes/" + id + ".pdf", Style: "secondary"}}}
	if x.Stage.Actioned() {
		view.Header.BackURL = "/quotes?tab=actioned"
	}
	valid := quoteDateText(x.ValidUntil)
	switch {
	case valid == "":
		valid = "Not set"
	case quoteLapsed(x, today):
		valid += " (expired)"
	}
	view.Details = []web.Detail{
		{Label: "Site", Value: x.SiteName},
		{Label: "Order number", Value: quoteOr(x.OrderNo, "None")},
		{Label: "Valid until", Value: valid},
		{Label: "Preferred date", Value: quoteOr(quoteDateText(x.PreferredDate), "None")},
		{Label: "Asked for on", Value: web.FormatDate(x.CreatedAt.In(loc))},
	}
	if !x.SentAt.IsZero() {
		view.Details = append(view.Details, web.Detail{Label: "Sent on", Value: web.FormatDate(x.SentAt.In(loc))})
	}
	view.Details = append(view.Details, web.Detail{Label: "Description", Value: quoteOr(x.Description, "None"), Pre: true})
	view.Items = web.Table{Caption: "Lines of quote " + x.Number, Columns: []web.Column{{Label: "Code"}, {Label: "Description"},
		{Label: "Quantity", Numeric: true}, {Label: "Unit price", Numeric: true}, {Label: "Total", Numeric: true}}}
	for _, it := range x.Items {
		desc := web.Cell{Text: it.Description, Header: true}
		if it.Optional {
			desc.Hint = "(optional, not in the total)"
		}
		view.Items.Rows = append(view.Items.Rows, []web.Cell{web.TextCell(it.Code), desc, web.TextCell(web.NumberText(int(it.Quantity))),
			web.MoneyCell(currency, it.UnitPrice), web.MoneyCell(currency, it.Total)})
	}
	if x.Stage != fieldportal.QuoteRequested {
		view.Totals = []web.Detail{
			{Label: "Total excluding tax", Value: web.MoneyText(currency, x.TotalExTax)},
			{Label: "Tax (" + fieldportal.TaxRateText(x.TaxRate) + "%)", Value: web.MoneyText(currency, x.Tax)},
			{Label: "Total including tax", Value: web.MoneyText(currency, x.TotalIncTax)},
		}
		if x.TaxRate == 0 && x.Tax != 0 {
			view.Totals[1].Label = "Tax"
		}
		if d := x.Deposit(); d > 0 {
			view.Totals = append(view.Totals, web.Detail{Label: depositLabel(x), Value: web.MoneyText(currency, d)})
		}
		if pa := x.Pending; pa != nil {
			view.Totals = append(view.Totals, web.Detail{Label: "Acceptance waiting for the deposit", Value: "Signed by " + pa.SignerName +
				" on " + web.FormatDateTime(pa.StartedAt.In(loc)) + ". The deposit is not paid yet: accept again below to pay it."})
		}
	}
	if x.DepositKind != fieldportal.DepositNone {
		var err error
		if view.Deposits, err = p.deposits(r, v, fieldportal.DepositFilter{QuoteID: x.ID}); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	files, err := p.quoteFiles(r, v, x.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.Files, view.ShowFiles = files, v.CanUse(fieldportal.ModuleDocuments)
	if view.ShowFiles && v.CanDo(fieldportal.ActionUpload) {
		view.Upload = &uploadForm{Action: "/quotes/" + id + "/attachments", Hint: p.kit.UploadTypesHint(r),
			Errors: errs.List("files"), Error: errs["files"]}
	}
	if x.Stage == fieldportal.QuoteApproved || x.Stage == fieldportal.QuoteDeclined {
		verb := "Accepted by"
		if x.Stage == fieldportal.QuoteDeclined {
			verb = "Declined by"
		}
		view.Answered = []web.Detail{{Label: verb, Value: x.SignedByName}}
		if !x.ActionedAt.IsZero() {
			view.Answered = append(view.Answered, web.Detail{Label: "On", Value: web.FormatDateTime(x.ActionedAt.In(loc))})
		}
		if x.SignedFrom != "" {
			view.Answered = append(view.Answered, web.Detail{Label: "From address", Value: x.SignedFrom})
		}
		if c := quoteOr(x.AcceptComment, x.DeclineReason); c != "" {
			view.Answered = append(view.Answered, web.Detail{Label: "Comment", Value: c, Pre: true})
		}
	}
	if x.Stage == fieldportal.QuoteOutstanding {
		switch {
		case quoteLapsed(x, today):
			view.Lapsed = true
		case v.IsContact() && !v.QuoteContact:
			view.NotQuoteContact = true
		default:
			view.Answer = &quoteAnswerForm{
				Errors: errs.List("signed_by_name", "comment"),
				SignerName: web.FieldView{Name: "signed_by_name", Label: "Your full name", Type: "text", Value: typed.Get("signed_by_name"),
					Autocomplete: "name", Required: true, Error: errs["signed_by_name"],
					Hint: "Typing your full name here acts as your signature, with today's date and time."},
				Comment: web.FieldView{Name: "comment", Label: "Comment", Type: "textarea", Value: typed.Get("comment"), Error: errs["comment"],
					Hint: "Anything we should know, such as when the work can start or why you are declining."},
				AcceptURL: "/quotes/" + id + "/accept", DeclineURL: "/quotes/" + id + "/decline", Version: x.Version(),
			}
			if d := x.Deposit(); d > 0 {
				view.Answer.Deposit = web.MoneyText(currency, d)
			}
			if v.IsContact() {
				site, err := p.svc.Sites.FindSiteByID(r.Context(), v, x.SiteID)
				if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					p.kit.Error(w, r, err)
					return
				}
				view.Answer.SiteArchived = err == nil && site.Archived()
			}
		}
	}
	view.Messages = p.threadFor(r, v, &view.Layout, fieldportal.ThreadOnQuote, x.ID)
	p.pages.Render(w, r, status, "quote", view)
}

// quoteFiles lists the quote's attachments the viewer may open. They are
// documents: a contact without the Documents page sees none.
func (p *Portal) quoteFiles(r *http.Request, v fieldportal.Viewer, quoteID string) ([]quoteFile, error) {
	docs, _, err := p.svc.Equipment.FindDocuments(r.Context(), v, fieldportal.DocumentFilter{QuoteID: quoteID, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	out := make([]quoteFile, len(docs))
	for i, d := range docs {
		out[i] = quoteFile{Name: d.Name, URL: "/documents/" + url.PathEscape(d.ID) + "/download", Size: quoteFileSize(d.Size)}
	}
	return out, nil
}

// quoteFileSize is a file's size as people read it.
func quoteFileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// quoteOr is s, or def when s is empty.
func quoteOr(s, def string) string {
	if strings.TrimSpace(s) == "" {
		return def
	}
	return s
}

// handleQuoteAccept accepts an outstanding quote online; one that asks
// for a deposit is accepted through its payment (acceptWithDeposit).
func (p *Portal) handleQuoteAccept(w http.ResponseWriter, r *http.Request) {
	if p.acceptWithDeposit(w, r) {
		return
	}
	p.answerQuote(w, r, true)
}

// handleQuoteDecline declines an outstanding quote online.
func (p *Portal) handleQuoteDecline(w http.ResponseWriter, r *http.Request) {
	p.answerQuote(w, r, false)
}

// answerQuote records the contact's answer with the typed name, the
// comment and the client's address (the kit's ClientIP, which trusts only
// the configured proxies and keeps an IPv6 address whole). A refused form
// is shown again with what was typed; a quote that can no longer be
// answered (answered in another tab, expired) is shown as it now stands,
// with the reason.
func (p *Portal) answerQuote(w http.ResponseWriter, r *http.Request, accept bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleQuotes)
	if !ok || !p.kit.ParseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	_, err := p.svc.Work.DecideQuote(r.Context(), v, id, fieldportal.QuoteDecision{Accept: accept,
		SignerName: r.PostForm.Get("signed_by_name"), Comment: r.PostForm.Get("comment"), From: p.kit.ClientIP(r), Version: r.PostForm.Get("version"),
		PortalURL: p.kit.PortalURL(r)})
	switch fieldportal.ErrorCode(err) {
	case "":
		done := "declined"
		if accept {
			done = "accepted"
		}
		http.Redirect(w, r, "/quotes/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
		return
	case fieldportal.EINVALID, fieldportal.ECONFLICT:
		x, ferr := p.findQuote(r, v, id)
		if ferr != nil {
			p.kit.Error(w, r, ferr)
			return
		}
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			p.renderQuote(w, r, http.StatusBadRequest, x, web.Notice{}, r.PostForm, web.ErrorsOf(err))
			return
		}
		p.renderQuote(w, r, http.StatusConflict, x, web.Notice{Text: fieldportal.ErrorMessage(err), Tone: "error"}, nil, web.FormErrors{})
		return
	}
	err = web.NotFoundAs(err, "quote")
	p.kit.Error(w, r, err)
}
