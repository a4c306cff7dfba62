package api

import (
	"context"
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
	DepositKind     string            `json:"deposit_kind" doc:"The deposit asked for on acceptance: percent (of total_inc_tax), amount, or empty for none."`
	DepositValue    int64             `json:"deposit_value" doc:"The deposit's percentage (1 to 100) or amount in minor units; 0 for none."`
	DepositAmount   int64             `json:"deposit_amount" doc:"What the deposit comes to, in minor units; accepting online is complete when it is paid."`
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
	DepositKind    string           `json:"deposit_kind" doc:"percent, amount, or empty for no deposit."`
	DepositValue   int64            `json:"deposit_value" doc:"A whole percentage from 1 to 100, or an amount in minor units no more than the total including tax."`
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
		Items: make([]QuoteItem, len(x.Items)), CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC(),
		DepositKind: string(x.DepositKind), DepositValue: x.DepositValue, DepositAmount: int64(x.Deposit())}
	for i, it := range x.Items {
		out.Items[i] = QuoteItem{ID: it.ID, ItemID: optional(it.ItemID), Code: it.Code, Description: it.Description,
			Quantity: it.Quantity, UnitPrice: int64(it.UnitPrice), Total: int64(it.Total), Optional: it.Optional}
	}
	return out
}

// quoteRoutes serve quotes; a PATCH saves through the back office's save
// (UpdateQuote), which keeps who requested the quote and its signature.
func (a *API) quoteRoutes() []route {
	res := &resource[fieldportal.Quote, Quote, QuoteInput]{api: a,
		Path: "/quotes", Tag: "quotes", Singular: "Quote", Plural: "Quotes", ListSummary: "List quotes, newest first",
		Filters: []param{filter("site_id", "Only the quotes at this site."),
			filter("customer_id", "Only the quotes of this customer."),
			filter("stage", "Only quotes at this stage."),
			filter("external_id", "Only the quote of this back-office id.")},
		Show:         func(r *http.Request, x *fieldportal.Quote) Quote { return ShowQuote(x, currency(r)) },
		UpdatedAt:    func(x *fieldportal.Quote) time.Time { return x.UpdatedAt },
		ID:           func(x *fieldportal.Quote) string { return x.ID },
		List:         a.listQuotes,
		Find:         a.svc.Work.FindQuoteByID,
		ByExternalID: a.quoteByExternalID,
		Fill:         a.fillQuote,
		ExternalID:   func(in *QuoteInput) *string { return &in.ExternalID },
		Keep: func(x, old *fieldportal.Quote, s sent) {
			if !s["stage"] {
				x.Stage = old.Stage // a replace that leaves the stage out keeps it
			}
			// The customer's answer is not the back office's to replace.
			x.SignedByName, x.ActionedAt, x.DeclineReason = old.SignedByName, old.ActionedAt, old.DeclineReason
		},
		SetIfUpdatedAt: func(x *fieldportal.Quote, at time.Time) { x.IfUpdatedAt = at },
		Create:         a.svc.Work.CreateQuote,
		Update:         a.svc.Work.UpdateQuote,
		Upsert:         a.svc.Work.UpsertQuoteByExternalID,
	}
	return res.routes()
}

// listQuotes reads a page of quotes, checking the value of the stage
// filter.
func (a *API) listQuotes(r *http.Request, lq listQuery) ([]*fieldportal.Quote, string, error) {
	f := fieldportal.QuoteFilter{Page: lq.Page, UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"],
		CustomerID: lq.Filters["customer_id"], ExternalID: lq.Filters["external_id"]}
	if s, ok := lq.Filters["stage"]; ok {
		if !slices.Contains(fieldportal.QuoteStages, fieldportal.QuoteStage(s)) {
			return nil, "", badRequest(fieldportal.FieldError{Field: "stage",
				Message: "stage must be one of requested, outstanding, approved, declined, expired."})
		}
		f.Stages = []fieldportal.QuoteStage{fieldportal.QuoteStage(s)}
	}
	return a.svc.Work.FindQuotes(r.Context(), viewer(r), f)
}

// quoteByExternalID returns the quote of a back-office id, nil when there
// is none.
func (a *API) quoteByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Quote, error) {
	return firstByExternalID(func() ([]*fieldportal.Quote, string, error) {
		return a.svc.Work.FindQuotes(ctx, v, fieldportal.QuoteFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
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
	if sn.has("deposit_kind") {
		x.DepositKind = fieldportal.ParseDepositKind(in.DepositKind)
	}
	if sn.has("deposit_value") {
		x.DepositValue = in.DepositValue
	}
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
