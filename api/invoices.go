package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Invoice is a bill to a customer as the API shows it, with its lines;
// amounts are in minor units of its currency. What was paid is the sum of
// the payments allocated to it: the API never takes it on an invoice.
type Invoice struct {
	ID           string           `json:"id"`
	ExternalID   *string          `json:"external_id" doc:"The back office's own id; null when none."`
	Number       string           `json:"number"`
	CustomerID   string           `json:"customer_id"`
	SiteID       *string          `json:"site_id"`
	JobID        *string          `json:"job_id" doc:"The job it was raised for; null when none."`
	ContractorID *string          `json:"contractor_id"`
	IssueDate    fieldportal.Date `json:"issue_date"`
	DueDate      fieldportal.Date `json:"due_date"`
	Description  string           `json:"description"`
	Lines        []InvoiceLine    `json:"lines"`
	Subtotal     int64            `json:"subtotal" doc:"Read-only: the lines' quantities times unit prices."`
	Tax          int64            `json:"tax" doc:"Read-only: the lines' tax."`
	Total        int64            `json:"total" doc:"Read-only: subtotal plus tax."`
	AmountPaid   int64            `json:"amount_paid" doc:"Read-only: the sum of the payments allocated to it (record them through payments)."`
	Balance      int64            `json:"balance" doc:"Read-only: total less amount paid; 0 when void."`
	Currency     string           `json:"currency" doc:"The ISO 4217 currency of the amounts."`
	Status       string           `json:"status" doc:"Read-only but for voiding: unpaid, part_paid or paid follow the payments; void."`
	CreatedAt    time.Time        `json:"created_at"`
	UpdatedAt    time.Time        `json:"updated_at"`
}

// InvoiceLine is a line of an invoice.
type InvoiceLine struct {
	ID          string `json:"id"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
	Tax         int64  `json:"tax"`
	Total       int64  `json:"total" doc:"Read-only: quantity times unit price, plus tax."`
}

// InvoiceInput is the body of an invoice's create, update (only the
// fields sent) or upsert. Lines replace the invoice's lines when sent, and
// the totals are priced from them; amount_paid, balance and the totals are
// not fields of a body (payments settle an invoice). References are given
// by id or by external id.
type InvoiceInput struct {
	ExternalID           string             `json:"external_id"`
	Number               string             `json:"number" doc:"Made (INV-1001, ...) when empty."`
	CustomerID           string             `json:"customer_id" doc:"Taken from the site (or the job's site) when left out."`
	CustomerExternalID   string             `json:"customer_external_id" doc:"The customer by the back office's id, instead of customer_id."`
	SiteID               string             `json:"site_id" doc:"Taken from the job when left out."`
	SiteExternalID       string             `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	JobID                string             `json:"job_id"`
	JobExternalID        string             `json:"job_external_id" doc:"The job by the back office's id, instead of job_id."`
	ContractorID         string             `json:"contractor_id"`
	ContractorExternalID string             `json:"contractor_external_id" doc:"The contractor by the back office's id, instead of contractor_id."`
	IssueDate            string             `json:"issue_date" doc:"YYYY-MM-DD."`
	DueDate              string             `json:"due_date" doc:"YYYY-MM-DD, not before the issue date."`
	Description          string             `json:"description"`
	Currency             string             `json:"currency" doc:"When sent, must be the organisation's currency."`
	Lines                []InvoiceLineInput `json:"lines" doc:"At least one line."`
	Status               string             `json:"status" doc:"Only in a PATCH, only void, with void_reason and no other field: voids an invoice nothing is paid or allocated to."`
	VoidReason           string             `json:"void_reason" doc:"Why the invoice is voided (with status void)."`
}

// InvoiceLineInput is a line of an invoice's body.
type InvoiceLineInput struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
	Tax         int64  `json:"tax"`
}

func init() {
	typeDocs[reflect.TypeFor[Invoice]()] = "A bill to a customer, with its lines; payments allocated to it settle it."
}

// ShowInvoice is the API's representation of an invoice; currency is the
// organisation's.
func ShowInvoice(x *fieldportal.Invoice, currency string) Invoice {
	out := Invoice{ID: x.ID, ExternalID: optional(x.ExternalID), Number: x.Number, CustomerID: x.CustomerID,
		SiteID: optional(x.SiteID), JobID: optional(x.JobID), ContractorID: optional(x.ContractorID), IssueDate: x.IssueDate,
		DueDate: x.DueDate, Description: x.Description, Lines: make([]InvoiceLine, len(x.Lines)), Subtotal: int64(x.Subtotal),
		Tax: int64(x.Tax), Total: int64(x.Total), AmountPaid: int64(x.AmountPaid), Balance: int64(x.Balance()),
		Currency: currency, Status: string(x.Status), CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC()}
	for i, l := range x.Lines {
		out.Lines[i] = InvoiceLine{ID: l.ID, Description: l.Description, Quantity: l.Quantity, UnitPrice: int64(l.UnitPrice),
			Tax: int64(l.Tax), Total: int64(l.Total)}
	}
	return out
}

func (a *API) invoiceRoutes() []route {
	res := &resource[fieldportal.Invoice, Invoice, InvoiceInput]{api: a,
		Path: "/invoices", Tag: "invoices", Singular: "Invoice", Plural: "Invoices",
		ListSummary: "List invoices, newest issued first",
		Filters: []param{filter("customer_id", "Only the invoices of this customer."),
			filter("site_id", "Only the invoices of this site."),
			filter("job_id", "Only the invoices raised for this job."),
			filter("status", "Only invoices of this status: unpaid, part_paid, paid or void."),
			filter("external_id", "Only the invoice of this back-office id.")},
		Show:      func(r *http.Request, x *fieldportal.Invoice) Invoice { return ShowInvoice(x, currency(r)) },
		UpdatedAt: func(x *fieldportal.Invoice) time.Time { return x.UpdatedAt },
		ID:        func(x *fieldportal.Invoice) string { return x.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Invoice, string, error) {
			f := fieldportal.InvoiceFilter{Page: lq.Page, UpdatedSince: lq.Since(), CustomerID: lq.Filters["customer_id"],
				SiteID: lq.Filters["site_id"], JobID: lq.Filters["job_id"], ExternalID: lq.Filters["external_id"]}
			if s, ok := lq.Filters["status"]; ok {
				switch st := fieldportal.InvoiceStatus(s); st {
				case fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid, fieldportal.InvoicePaid, fieldportal.InvoiceVoid:
					f.Statuses = []fieldportal.InvoiceStatus{st}
				default:
					return nil, "", badRequest(fieldportal.FieldError{Field: "status",
						Message: "status must be one of unpaid, part_paid, paid, void."})
				}
			}
			return a.svc.Money.FindInvoices(r.Context(), viewer(r), f)
		},
		Find:         a.svc.Money.FindInvoiceByID,
		ByExternalID: a.invoiceByExternalID,
		Fill:         a.fillInvoice,
		ExternalID:   func(in *InvoiceInput) *string { return &in.ExternalID },
		// A replace keeps what payments and voiding made of the invoice.
		Keep:           func(x, old *fieldportal.Invoice, _ sent) { x.Status, x.AmountPaid = old.Status, old.AmountPaid },
		SetIfUpdatedAt: func(x *fieldportal.Invoice, at time.Time) { x.IfUpdatedAt = at },
		Create:         a.svc.Money.CreateInvoice,
		Update: func(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Invoice) error {
			return renameFields(a.svc.Money.UpdateInvoice(ctx, v, x), paidField)
		},
		Upsert: func(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Invoice) (bool, error) {
			created, err := a.svc.Money.UpsertInvoiceByExternalID(ctx, v, x)
			return created, renameFields(err, paidField)
		},
	}
	rts := res.routes()
	for i := range rts {
		if rts[i].Method == "PATCH" {
			rts[i].Summary = "Change the fields sent of an invoice, or void it"
			rts[i].Handler = a.patchInvoice(res)
		}
	}
	return rts
}

// patchInvoice is the resource's PATCH, except that a body of status
// "void" (and void_reason) voids the invoice through the console's
// VoidInvoice: its audit, its event and its rule that nothing is paid. As
// the resource's PATCH, a change saves over the version read, read again
// when another change came first (without If-Match).
func (a *API) patchInvoice(res *resource[fieldportal.Invoice, Invoice, InvoiceInput]) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var in InvoiceInput
		s, err := decodeJSON(w, r, &in)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		if err := overVersionRead(r, func() error { return a.patchInvoiceOnce(res, r, in, s) }); err != nil {
			a.problem(w, r, err)
			return
		}
		res.answer(w, r, http.StatusOK, r.PathValue("id"))
	}
}

// patchInvoiceOnce reads the invoice and voids it, or puts the fields
// sent onto it and saves it over the version read.
func (a *API) patchInvoiceOnce(res *resource[fieldportal.Invoice, Invoice, InvoiceInput], r *http.Request, in InvoiceInput, s sent) error {
	v := viewer(r)
	x, err := a.svc.Money.FindInvoiceByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, ShowInvoice(x, currency(r))); err != nil {
		return err
	}
	if s["status"] || s["void_reason"] {
		return a.voidInvoice(r.Context(), v, x, in, s, ifMatch(r, x.UpdatedAt))
	}
	if err := a.fillInvoice(r, x, in, s); err != nil {
		return err
	}
	x.IfUpdatedAt = x.UpdatedAt
	return res.Update(r.Context(), v, x)
}

// voidInvoice voids x for the body's reason, only the version read under
// If-Match (ifUpdatedAt, checked by the store under its lock); voiding a void invoice again
// changes nothing.
func (a *API) voidInvoice(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Invoice, in InvoiceInput, s sent, ifUpdatedAt time.Time) error {
	var bad fieldportal.Validation
	for name := range s {
		if name != "status" && name != "void_reason" {
			bad.Add(name, "Void an invoice with status and void_reason alone; change its other fields in another request.")
		}
	}
	if in.Status != string(fieldportal.InvoiceVoid) {
		bad.Add("status", "status can only be set to void; unpaid, part_paid and paid follow the payments allocated.")
	}
	if err := bad.Err(); err != nil {
		return err
	}
	if x.Status == fieldportal.InvoiceVoid {
		return nil
	}
	_, err := a.svc.Money.VoidInvoice(ctx, v, x.ID, in.VoidReason, ifUpdatedAt)
	return renameFields(err, map[string]string{"reason": "void_reason"})
}

// fillInvoice copies the sent fields of in onto x (all of them for a nil
// s), reading dates, pricing the lines by the domain's rules and
// resolving references given by external id.
func (a *API) fillInvoice(r *http.Request, x *fieldportal.Invoice, in InvoiceInput, s sent) error {
	ctx, v := r.Context(), viewer(r)
	if s == nil && (in.Status != "" || in.VoidReason != "") {
		field := "status"
		if in.Status == "" {
			field = "void_reason"
		}
		return fieldportal.FieldErrorf(field, "An invoice's status follows its payments; void one with a PATCH of status void.")
	}
	if s.has("currency") && in.Currency != "" && in.Currency != currency(r) {
		return fieldportal.FieldErrorf("currency", "currency must be %s, the organisation's currency.", currency(r))
	}
	for name, p := range map[string][2]*string{
		"external_id": {&x.ExternalID, &in.ExternalID}, "number": {&x.Number, &in.Number},
		"customer_id": {&x.CustomerID, &in.CustomerID}, "site_id": {&x.SiteID, &in.SiteID}, "job_id": {&x.JobID, &in.JobID},
		"contractor_id": {&x.ContractorID, &in.ContractorID}, "description": {&x.Description, &in.Description},
	} {
		if s.has(name) {
			*p[0] = *p[1]
		}
	}
	if err := a.customerRef(ctx, v, &x.CustomerID, in.CustomerID, in.CustomerExternalID); err != nil {
		return err
	}
	if err := a.siteRef(ctx, v, &x.SiteID, in.SiteID, in.SiteExternalID); err != nil {
		return err
	}
	if err := a.jobRef(ctx, v, &x.JobID, in.JobID, in.JobExternalID); err != nil {
		return err
	}
	if err := a.contractorRef(ctx, v, &x.ContractorID, in.ContractorID, in.ContractorExternalID); err != nil {
		return err
	}
	var bad fieldportal.Validation
	readDate(&bad, s, "issue_date", in.IssueDate, &x.IssueDate)
	readDate(&bad, s, "due_date", in.DueDate, &x.DueDate)
	if err := bad.Err(); err != nil {
		return err
	}
	if s.has("lines") {
		x.Lines = make([]fieldportal.InvoiceLine, len(in.Lines))
		for i, l := range in.Lines {
			x.Lines[i] = fieldportal.InvoiceLine{Description: l.Description, Quantity: l.Quantity,
				UnitPrice: fieldportal.Money(l.UnitPrice), Tax: fieldportal.Money(l.Tax)}
		}
		if err := fieldportal.PriceIssuedLines(x); err != nil {
			return renameEach(err, lineField)
		}
		if x.Total < x.AmountPaid {
			return fieldportal.FieldErrorf("lines", "The lines come to %s, less than the %s already paid.",
				x.Total.String(), x.AmountPaid.String())
		}
	}
	return nil
}

// lineField names a line's field as the API spells it: the domain's
// "item_2_unit_price" (counted from 1) is "lines[1].unit_price".
func lineField(f string) string {
	rest, ok := strings.CutPrefix(f, "item_")
	if !ok {
		return f
	}
	num, col, ok := strings.Cut(rest, "_")
	n, err := strconv.Atoi(num)
	if !ok || err != nil || n < 1 {
		return f
	}
	return fmt.Sprintf("lines[%d].%s", n-1, col)
}

// paidField names the store's refusal of lines that come to less than
// what is paid by the field a client sends: the amount paid is not one.
var paidField = map[string]string{"amount_paid": "lines"}

// renameEach renames every field an error names by rename, for the API's
// spelling (renameFields renames by a table).
func renameEach(err error, rename func(string) string) error {
	var e *fieldportal.Error
	if !errors.As(err, &e) {
		return err
	}
	out := *e
	out.Field = rename(e.Field)
	out.Fields = make([]fieldportal.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		out.Fields[i] = fieldportal.FieldError{Field: rename(f.Field), Message: f.Message}
	}
	return &out
}

// invoiceByExternalID returns the invoice of a back-office id, nil when
// there is none.
func (a *API) invoiceByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Invoice, error) {
	return firstByExternalID(func() ([]*fieldportal.Invoice, string, error) {
		return a.svc.Money.FindInvoices(ctx, v, fieldportal.InvoiceFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}

// contractorRef resolves a contractor given by external id
// (contractor_external_id) into *id.
func (a *API) contractorRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	return resolveRef("contractor", id, byID, ext, func() (string, error) {
		list, _, err := a.svc.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
		if len(list) == 0 {
			return "", err
		}
		return list[0].ID, err
	})
}
