package api

import (
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Quote is a request for, or an offer of, work at a site as the API shows
// it, with its items; amounts are in minor units of its currency.
type Quote struct {
	ID              string            `json:"id"`
	ExternalID      *string           `json:"external_id" doc:"The back office's own id; null when none."`
	Number          string            `json:"number"`
	CustomerID      string            `json:"customer_id" doc:"The customer of the quote's site."`
	SiteID          string            `json:"site_id"`
	ContractorID    *string           `json:"contractor_id"`
	Stage           string            `json:"stage" doc:"requested, outstanding, approved, declined or expired."`
	OrderNo         string            `json:"order_no"`
	PreferredDate   *fieldportal.Date `json:"preferred_date"`
	Description     string            `json:"description"`
	TotalExTax      int64             `json:"total_ex_tax"`
	Tax             int64             `json:"tax"`
	TotalIncTax     int64             `json:"total_inc_tax"`
	Currency        string            `json:"currency" doc:"The ISO 4217 currency of the amounts."`
	ValidUntil      *fieldportal.Date `json:"valid_until"`
	RequestedBy     *string           `json:"requested_by" doc:"The contact who requested it in the portal; null otherwise."`
	SignedByName    string            `json:"signed_by_name" doc:"Who accepted or declined it online."`
	ActionedAt      *time.Time        `json:"actioned_at" doc:"When it was accepted or declined; null until then."`
	DeclineReason   string            `json:"decline_reason"`
	CreatedInPortal bool              `json:"created_in_portal"`
	AssetIDs        []string          `json:"asset_ids"`
	Items           []QuoteItem       `json:"items"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// QuoteItem is a line of a quote.
type QuoteItem struct {
	ID          string  `json:"id"`
	ItemID      *string `json:"item_id" doc:"The catalogue item; null for a free-text line."`
	Code        string  `json:"code"`
	Description string  `json:"description"`
	Quantity    int64   `json:"quantity"`
	UnitPrice   int64   `json:"unit_price"`
	Total       int64   `json:"total"`
	Optional    bool    `json:"optional" doc:"An optional extra the customer may leave out."`
}

// QuoteInput is the body of a quote's create, update (only the fields
// sent) or upsert. Items replace the quote's items when sent; the total
// including tax is total_ex_tax plus tax.
type QuoteInput struct {
	ExternalID     string           `json:"external_id"`
	Number         string           `json:"number" doc:"Made (Q-1001, ...) when empty."`
	SiteID         string           `json:"site_id"`
	SiteExternalID string           `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	ContractorID   string           `json:"contractor_id"`
	Stage          string           `json:"stage" doc:"outstanding when left out of a create."`
	OrderNo        string           `json:"order_no"`
	PreferredDate  string           `json:"preferred_date" doc:"YYYY-MM-DD."`
	Description    string           `json:"description"`
	TotalExTax     int64            `json:"total_ex_tax"`
	Tax            int64            `json:"tax"`
	Currency       string           `json:"currency" doc:"When sent, must be the organisation's currency."`
	ValidUntil     string           `json:"valid_until" doc:"YYYY-MM-DD."`
	AssetIDs       []string         `json:"asset_ids"`
	Items          []QuoteItemInput `json:"items"`
}

// QuoteItemInput is a line of a quote's body; total is quantity times
// unit price when left out.
type QuoteItemInput struct {
	ItemID      string `json:"item_id"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
	Total       int64  `json:"total"`
	Optional    bool   `json:"optional"`
}

func init() {
	typeDocs[reflect.TypeFor[Quote]()] = "A request for, or an offer of, work at a site, with its items."
}

// ShowQuote is the API's representation of a quote; currency is the
// organisation's.
func ShowQuote(x *fieldportal.Quote, currency string) Quote {
	out := Quote{ID: x.ID, ExternalID: optional(x.ExternalID), Number: x.Number, CustomerID: x.CustomerID, SiteID: x.SiteID,
		ContractorID: optional(x.ContractorID), Stage: string(x.Stage), OrderNo: x.OrderNo,
		PreferredDate: optionalDate(x.PreferredDate), Description: x.Description, TotalExTax: int64(x.TotalExTax),
		Tax: int64(x.Tax), TotalIncTax: int64(x.TotalIncTax), Currency: currency, ValidUntil: optionalDate(x.ValidUntil),
		RequestedBy: optional(x.RequestedBy), SignedByName: x.SignedByName, ActionedAt: optionalTime(x.ActionedAt),
		DeclineReason: x.DeclineReason, CreatedInPortal: x.CreatedInPortal, AssetIDs: append([]string{}, x.AssetIDs...),
		Items: make([]QuoteItem, len(x.Items)), CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC()}
	for i, it := range x.Items {
		out.Items[i] = QuoteItem{ID: it.ID, ItemID: optional(it.ItemID), Code: it.Code, Description: it.Description,
			Quantity: it.Quantity, UnitPrice: int64(it.UnitPrice), Total: int64(it.Total), Optional: it.Optional}
	}
	return out
}

func (a *API) quoteRoutes() []route {
	filters := []param{filter("site_id", "Only the quotes at this site."),
		filter("customer_id", "Only the quotes of this customer."),
		filter("stage", "Only quotes at this stage."),
		filter("external_id", "Only the quote of this back-office id.")}
	return []route{
		{Method: "GET", Path: "/quotes", ID: "listQuotes", Summary: "List quotes, newest first", Tag: "quotes",
			Query: listParams(filters...), Resp: List[Quote]{}, Handler: a.listQuotes(filterNames(filters))},
		{Method: "POST", Path: "/quotes", ID: "createQuote", Summary: "Create a quote", Tag: "quotes",
			Body: QuoteInput{}, Resp: Quote{}, Status: http.StatusCreated, ETag: true, Handler: a.createQuote},
		{Method: "GET", Path: "/quotes/{id}", ID: "getQuote", Summary: "Get a quote", Tag: "quotes",
			Resp: Quote{}, ETag: true, Handler: a.getQuote},
		{Method: "PATCH", Path: "/quotes/{id}", ID: "updateQuote", Summary: "Change the fields sent of a quote",
			Tag: "quotes", Body: QuoteInput{}, Resp: Quote{}, ETag: true, Handler: a.updateQuote},
		{Method: "PUT", Path: "/quotes/by-external-id/{external_id}", ID: "upsertQuote",
			Summary: "Create or replace a quote by the back office's id", Tag: "quotes",
			Body: QuoteInput{}, Resp: Quote{}, Upsert: true, ETag: true, Handler: a.upsertQuote},
	}
}

func (a *API) listQuotes(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		f := fieldportal.QuoteFilter{Page: lq.Page, UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"],
			CustomerID: lq.Filters["customer_id"], ExternalID: lq.Filters["external_id"]}
		if s, ok := lq.Filters["stage"]; ok {
			if !slices.Contains(fieldportal.QuoteStages, fieldportal.QuoteStage(s)) {
				a.problem(w, r, badRequest(fieldportal.FieldError{Field: "stage",
					Message: "stage must be one of requested, outstanding, approved, declined, expired."}))
				return
			}
			f.Stages = []fieldportal.QuoteStage{fieldportal.QuoteStage(s)}
		}
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Work.FindQuotes(r.Context(), viewer(r), f)
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		cur := currency(r)
		a.json(w, r, http.StatusOK, page(lq, rows, next, horizon,
			func(x *fieldportal.Quote) time.Time { return x.UpdatedAt },
			func(x *fieldportal.Quote) Quote { return ShowQuote(x, cur) }))
	}
}

func (a *API) getQuote(w http.ResponseWriter, r *http.Request) {
	a.answerQuote(w, r, http.StatusOK, r.PathValue("id"))
}

func (a *API) createQuote(w http.ResponseWriter, r *http.Request) {
	var in QuoteInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	x := &fieldportal.Quote{}
	if err := a.fillQuote(r, x, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Work.CreateQuote(r.Context(), viewer(r), x); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/quotes/"+x.ID)
	a.answerQuote(w, r, http.StatusCreated, x.ID)
}

// updateQuote saves the fields sent through the back office's save
// (UpdateQuote), which keeps who requested the quote and its signature.
func (a *API) updateQuote(w http.ResponseWriter, r *http.Request) {
	var in QuoteInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	x, err := a.svc.Work.FindQuoteByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowQuote(x, currency(r))); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.fillQuote(r, x, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	x.IfUpdatedAt = ifMatch(r, x.UpdatedAt)
	if err := a.svc.Work.UpdateQuote(r.Context(), v, x); err != nil {
		a.problem(w, r, err)
		return
	}
	a.answerQuote(w, r, http.StatusOK, x.ID)
}

func (a *API) upsertQuote(w http.ResponseWriter, r *http.Request) {
	var in QuoteInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v, ext := viewer(r), r.PathValue("external_id")
	if sn["external_id"] && in.ExternalID != ext {
		a.problem(w, r, fieldportal.FieldErrorf("external_id", "external_id differs from the one in the address; leave it out."))
		return
	}
	in.ExternalID = ext
	list, _, err := a.svc.Work.FindQuotes(r.Context(), v, fieldportal.QuoteFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowQuote(list[0], currency(r))
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	x := &fieldportal.Quote{}
	if err := a.fillQuote(r, x, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		old := list[0]
		if !sn["stage"] {
			x.Stage = old.Stage // a replace that leaves the stage out keeps it
		}
		// The customer's answer is not the back office's to replace.
		x.SignedByName, x.ActionedAt, x.DeclineReason = old.SignedByName, old.ActionedAt, old.DeclineReason
		x.IfUpdatedAt = ifMatch(r, old.UpdatedAt)
	}
	created, err := a.svc.Work.UpsertQuoteByExternalID(r.Context(), v, x)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/quotes/"+x.ID)
	}
	a.answerQuote(w, r, status, x.ID)
}

// answerQuote answers with the quote as now stored.
func (a *API) answerQuote(w http.ResponseWriter, r *http.Request, status int, id string) {
	x, err := a.svc.Work.FindQuoteByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowQuote(x, currency(r)))
}

// fillQuote copies the sent fields of in onto x (all of them for a nil
// sn), reading dates, checking the currency and resolving a site given by
// external id.
func (a *API) fillQuote(r *http.Request, x *fieldportal.Quote, in QuoteInput, sn sent) error {
	if sn.has("currency") && in.Currency != "" && in.Currency != currency(r) {
		return fieldportal.FieldErrorf("currency", "currency must be %s, the organisation's currency.", currency(r))
	}
	for name, p := range map[string][2]*string{
		"external_id": {&x.ExternalID, &in.ExternalID}, "number": {&x.Number, &in.Number}, "site_id": {&x.SiteID, &in.SiteID},
		"contractor_id": {&x.ContractorID, &in.ContractorID}, "order_no": {&x.OrderNo, &in.OrderNo},
		"description": {&x.Description, &in.Description},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	if sn.has("stage") {
		x.Stage = fieldportal.QuoteStage(in.Stage)
		if sn == nil && in.Stage == "" {
			x.Stage = fieldportal.QuoteOutstanding
		}
	}
	if sn.has("total_ex_tax") {
		x.TotalExTax = fieldportal.Money(in.TotalExTax)
	}
	if sn.has("tax") {
		x.Tax = fieldportal.Money(in.Tax)
	}
	x.TotalIncTax = x.TotalExTax + x.Tax
	var bad fieldportal.Validation
	readDate(&bad, sn, "preferred_date", in.PreferredDate, &x.PreferredDate)
	readDate(&bad, sn, "valid_until", in.ValidUntil, &x.ValidUntil)
	if err := bad.Err(); err != nil {
		return err
	}
	if sn.has("asset_ids") {
		x.AssetIDs = in.AssetIDs
	}
	if sn.has("items") {
		x.Items = make([]fieldportal.QuoteItem, len(in.Items))
		for i, it := range in.Items {
			x.Items[i] = fieldportal.QuoteItem{ItemID: it.ItemID, Code: it.Code, Description: it.Description,
				Quantity: it.Quantity, UnitPrice: fieldportal.Money(it.UnitPrice), Total: fieldportal.Money(it.Total),
				Optional: it.Optional}
		}
	}
	return a.siteRef(r.Context(), viewer(r), &x.SiteID, in.SiteID, in.SiteExternalID)
}
