package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// RecurringInvoice is a schedule that raises invoices as the API shows
// it; its total is in minor units of its currency.
type RecurringInvoice struct {
	ID              string            `json:"id"`
	ExternalID      *string           `json:"external_id" doc:"The back office's own id; null when none."`
	CustomerID      string            `json:"customer_id"`
	SiteID          *string           `json:"site_id"`
	Name            string            `json:"name"`
	TotalIncTax     int64             `json:"total_inc_tax"`
	Currency        string            `json:"currency" doc:"The ISO 4217 currency of the total."`
	Frequency       string            `json:"frequency" doc:"weekly, monthly, quarterly or yearly."`
	LastPaymentDate *fieldportal.Date `json:"last_payment_date" doc:"Read-only: when it was last paid; null before."`
	NextDueDate     *fieldportal.Date `json:"next_due_date" doc:"When the next invoice is raised; its day of the month anchors the schedule."`
	Autopay         bool              `json:"autopay" doc:"The customer's saved card is charged when each invoice is raised."`
	Active          bool              `json:"active"`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// RecurringInvoiceInput is the body of a recurring invoice's create,
// update (only the fields sent) or upsert.
type RecurringInvoiceInput struct {
	ExternalID         string `json:"external_id"`
	CustomerID         string `json:"customer_id" doc:"Taken from the site when left out."`
	CustomerExternalID string `json:"customer_external_id" doc:"The customer by the back office's id, instead of customer_id."`
	SiteID             string `json:"site_id"`
	SiteExternalID     string `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	Name               string `json:"name"`
	TotalIncTax        int64  `json:"total_inc_tax" doc:"In minor units, more than zero."`
	Currency           string `json:"currency" doc:"When sent, must be the organisation's currency."`
	Frequency          string `json:"frequency" doc:"weekly, monthly, quarterly or yearly."`
	NextDueDate        string `json:"next_due_date" doc:"YYYY-MM-DD."`
	Autopay            bool   `json:"autopay" doc:"Turning it off cancels automatic payment (autopay.cancelled)."`
	Active             *bool  `json:"active" doc:"true when left out of a create or a replace."`
}

func init() {
	typeDocs[reflect.TypeFor[RecurringInvoice]()] = "A schedule that raises an invoice every period, optionally paid from the customer's saved card."
}

// ShowRecurringInvoice is the API's representation of a recurring
// invoice; currency is the organisation's.
func ShowRecurringInvoice(x *fieldportal.RecurringInvoice, currency string) RecurringInvoice {
	return RecurringInvoice{ID: x.ID, ExternalID: optional(x.ExternalID), CustomerID: x.CustomerID, SiteID: optional(x.SiteID),
		Name: x.Name, TotalIncTax: int64(x.TotalIncTax), Currency: currency, Frequency: string(x.Frequency),
		LastPaymentDate: optionalDate(x.LastPaymentDate), NextDueDate: optionalDate(x.NextDueDate), Autopay: x.Autopay,
		Active: x.Active, CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC()}
}

func (a *API) recurringInvoiceRoutes() []route {
	res := &resource[fieldportal.RecurringInvoice, RecurringInvoice, RecurringInvoiceInput]{api: a,
		Path: "/recurring-invoices", Tag: "recurring-invoices", Singular: "RecurringInvoice", Plural: "RecurringInvoices",
		Noun: "recurring invoice", ListSummary: "List recurring invoices, by name",
		Filters: []param{filter("customer_id", "Only the schedules of this customer."),
			filter("site_id", "Only the schedules of this site."),
			filter("external_id", "Only the schedule of this back-office id.")},
		Show: func(r *http.Request, x *fieldportal.RecurringInvoice) RecurringInvoice {
			return ShowRecurringInvoice(x, currency(r))
		},
		UpdatedAt: func(x *fieldportal.RecurringInvoice) time.Time { return x.UpdatedAt },
		ID:        func(x *fieldportal.RecurringInvoice) string { return x.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.RecurringInvoice, string, error) {
			return a.svc.Money.FindRecurringInvoices(r.Context(), viewer(r), fieldportal.RecurringInvoiceFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), CustomerID: lq.Filters["customer_id"], SiteID: lq.Filters["site_id"],
				ExternalID: lq.Filters["external_id"]})
		},
		Find:         a.svc.Money.FindRecurringInvoiceByID,
		ByExternalID: a.recurringByExternalID,
		Fill:         a.fillRecurring,
		ExternalID:   func(in *RecurringInvoiceInput) *string { return &in.ExternalID },
		// A replace keeps the last payment, which only payments set.
		Keep: func(x, old *fieldportal.RecurringInvoice, _ sent) { x.LastPaymentDate = old.LastPaymentDate },
		SetIfUpdatedAt: func(x *fieldportal.RecurringInvoice, at time.Time) {
			x.IfUpdatedAt = at
		},
		Create: a.svc.Money.CreateRecurringInvoice,
		Update: a.svc.Money.UpdateRecurringInvoice,
		Upsert: a.svc.Money.UpsertRecurringInvoiceByExternalID,
	}
	return res.routes()
}

// fillRecurring copies the sent fields of in onto x (all of them for a
// nil s), resolving references given by external id.
func (a *API) fillRecurring(r *http.Request, x *fieldportal.RecurringInvoice, in RecurringInvoiceInput, s sent) error {
	ctx, v := r.Context(), viewer(r)
	if s.has("currency") && in.Currency != "" && in.Currency != currency(r) {
		return fieldportal.FieldErrorf("currency", "currency must be %s, the organisation's currency.", currency(r))
	}
	for name, p := range map[string][2]*string{
		"external_id": {&x.ExternalID, &in.ExternalID}, "customer_id": {&x.CustomerID, &in.CustomerID},
		"site_id": {&x.SiteID, &in.SiteID}, "name": {&x.Name, &in.Name},
	} {
		if s.has(name) {
			*p[0] = *p[1]
		}
	}
	if s.has("total_inc_tax") {
		x.TotalIncTax = fieldportal.Money(in.TotalIncTax)
	}
	if s.has("frequency") {
		x.Frequency = fieldportal.Frequency(in.Frequency)
	}
	if s.has("autopay") {
		x.Autopay = in.Autopay
	}
	if s.has("active") {
		x.Active = in.Active == nil || *in.Active
	}
	var bad fieldportal.Validation
	readDate(&bad, s, "next_due_date", in.NextDueDate, &x.NextDueDate)
	if err := bad.Err(); err != nil {
		return err
	}
	if err := a.customerRef(ctx, v, &x.CustomerID, in.CustomerID, in.CustomerExternalID); err != nil {
		return err
	}
	return a.siteRef(ctx, v, &x.SiteID, in.SiteID, in.SiteExternalID)
}

// recurringByExternalID returns the schedule of a back-office id, nil
// when there is none.
func (a *API) recurringByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.RecurringInvoice, error) {
	return firstByExternalID(func() ([]*fieldportal.RecurringInvoice, string, error) {
		return a.svc.Money.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}
