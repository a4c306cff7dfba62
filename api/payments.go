package api

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Payment is money received against invoices as the API shows it, with
// its allocations; amounts are in minor units of its currency.
type Payment struct {
	ID            string              `json:"id"`
	ExternalID    *string             `json:"external_id" doc:"The back office's own id; null when none."`
	CustomerID    string              `json:"customer_id" doc:"Who paid: the invoices' customer or one above it."`
	Amount        int64               `json:"amount"`
	Currency      string              `json:"currency" doc:"The ISO 4217 currency of the amounts."`
	Method        string              `json:"method" doc:"card, bank_transfer, cash, cheque or direct_debit."`
	Provider      string              `json:"provider" doc:"The payment provider that took it (stripe, testmode); empty for money the office took."`
	Reference     string              `json:"reference" doc:"The payer's reference of money taken by hand (a cheque's number)."`
	ReceiptNumber string              `json:"receipt_number"`
	Status        string              `json:"status" doc:"pending, succeeded, failed or refunded."`
	PaidAt        *time.Time          `json:"paid_at" doc:"When the money was received; null until then."`
	Allocations   []PaymentAllocation `json:"allocations"`
	Refunded      int64               `json:"refunded" doc:"Read-only: how much has been given back; refunds take it off the allocations, newest invoice first."`
	Unallocated   int64               `json:"unallocated" doc:"Read-only: the amount less what was refunded and its allocations."`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
}

// PaymentAllocation is the part of a payment that settles one invoice.
type PaymentAllocation struct {
	InvoiceID string `json:"invoice_id"`
	Amount    int64  `json:"amount"`
}

// PaymentInput is the body of a payment's create or upsert, or of a
// PATCH. A payment is recorded as the console records money the office
// took: a receipt number, the receipt mailed, payment.succeeded sent.
// Once recorded its amount, method, customer, time and allocations stay
// as they are (a PATCH or a replace that changes one is refused); its
// external id and reference may change.
type PaymentInput struct {
	ExternalID         string                   `json:"external_id"`
	CustomerID         string                   `json:"customer_id" doc:"The customer of the first allocation's invoice when left out."`
	CustomerExternalID string                   `json:"customer_external_id" doc:"The customer by the back office's id, instead of customer_id."`
	Amount             int64                    `json:"amount" doc:"In minor units, more than zero."`
	Currency           string                   `json:"currency" doc:"When sent, must be the organisation's currency."`
	Method             string                   `json:"method" doc:"bank_transfer, cheque or cash."`
	PaidAt             string                   `json:"paid_at" doc:"RFC 3339; now when left out of a create."`
	Reference          string                   `json:"reference" doc:"The payer's reference, at most 100 characters."`
	Allocations        []PaymentAllocationInput `json:"allocations" doc:"Each within its invoice's balance; together at most the amount."`
}

// PaymentAllocationInput is an allocation of a payment's body: an
// invoice by id or by external id, and the amount it settles.
type PaymentAllocationInput struct {
	InvoiceID         string `json:"invoice_id"`
	InvoiceExternalID string `json:"invoice_external_id" doc:"The invoice by the back office's id, instead of invoice_id."`
	Amount            int64  `json:"amount"`
}

func init() {
	typeDocs[reflect.TypeFor[Payment]()] = "Money received from a customer, allocated to its invoices; an invoice's amount paid is the sum of its allocations."
}

// ShowPayment is the API's representation of a payment.
func ShowPayment(p *fieldportal.Payment) Payment {
	out := Payment{ID: p.ID, ExternalID: optional(p.ExternalID), CustomerID: p.CustomerID, Amount: int64(p.Amount),
		Currency: p.Currency, Method: p.Method, Provider: p.Provider, Reference: p.Reference, ReceiptNumber: p.ReceiptNumber,
		Status: string(p.Status), PaidAt: optionalTime(p.PaidAt), Allocations: make([]PaymentAllocation, len(p.Allocations)),
		Refunded: int64(p.Refunded), Unallocated: int64(p.Amount - p.Refunded), CreatedAt: p.CreatedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}
	for i, al := range p.Allocations {
		out.Allocations[i] = PaymentAllocation{InvoiceID: al.InvoiceID, Amount: int64(al.Amount)}
		out.Unallocated -= int64(al.Amount)
	}
	return out
}

func (a *API) paymentRoutes() []route {
	res := &resource[fieldportal.Payment, Payment, PaymentInput]{api: a,
		Path: "/payments", Tag: "payments", Singular: "Payment", Plural: "Payments",
		ListSummary: "List payments, newest first",
		Filters: []param{filter("customer_id", "Only the payments of this customer."),
			filter("external_id", "Only the payment of this back-office id.")},
		Show:      func(_ *http.Request, p *fieldportal.Payment) Payment { return ShowPayment(p) },
		UpdatedAt: func(p *fieldportal.Payment) time.Time { return p.UpdatedAt },
		ID:        func(p *fieldportal.Payment) string { return p.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Payment, string, error) {
			return a.svc.Money.FindPayments(r.Context(), viewer(r), fieldportal.PaymentFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), CustomerID: lq.Filters["customer_id"], ExternalID: lq.Filters["external_id"]})
		},
		Find:         a.svc.Money.FindPaymentByID,
		ByExternalID: a.paymentByExternalID,
		Fill: func(r *http.Request, p *fieldportal.Payment, in PaymentInput, s sent) error {
			np, err := a.paymentOf(r, in)
			if err != nil {
				return err
			}
			if s == nil {
				*p = *np
				return nil
			}
			if err := recorded(p, np, s.has); err != nil {
				return err
			}
			if s.has("external_id") {
				p.ExternalID = np.ExternalID
			}
			if s.has("reference") {
				p.Reference = np.Reference
			}
			return nil
		},
		ExternalID:     func(in *PaymentInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(p *fieldportal.Payment, at time.Time) { p.IfUpdatedAt = at },
		Create:         a.recordPayment,
		Update:         a.svc.Money.UpdatePaymentReference,
		Upsert: func(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) (bool, error) {
			old, err := a.paymentByExternalID(ctx, v, p.ExternalID)
			if err != nil {
				return false, err
			}
			if old == nil {
				return true, a.recordPayment(ctx, v, p)
			}
			// A replace of a recorded payment may change what a PATCH may;
			// sending the rest again as it is changes nothing.
			if err := recorded(old, p, func(f string) bool { return f != "paid_at" || !p.PaidAt.IsZero() }); err != nil {
				return false, err
			}
			p.ID = old.ID
			return false, a.svc.Money.UpdatePaymentReference(ctx, v, p)
		},
	}
	return res.routes()
}

// recordPayment records p as the console records money the office took
// (RecordManualPayment): it gives the receipt number, mails the receipt
// and sends payment.succeeded, in one transaction, where RecordPayment,
// made for providers' confirmations, does neither. Each allocation is
// checked against its invoice first, to name the allocation that fails;
// the store checks again under the invoice's lock.
func (a *API) recordPayment(ctx context.Context, v fieldportal.Viewer, p *fieldportal.Payment) error {
	if p.PaidAt.IsZero() {
		p.PaidAt = time.Now().UTC()
	}
	var bad fieldportal.Validation
	for i, al := range p.Allocations {
		inv, err := a.svc.Money.FindInvoiceByID(ctx, v, al.InvoiceID)
		if err != nil {
			return err // found moments ago (paymentOf)
		}
		switch at := fmt.Sprintf("allocations[%d].", i); {
		case inv.Status == fieldportal.InvoiceVoid:
			bad.Add(at+"invoice_id", "Invoice %s is void and cannot be paid.", inv.Number)
		case al.Amount > inv.Balance():
			bad.Add(at+"amount", "The allocation is more than the %s left to pay on invoice %s.", inv.Balance().String(), inv.Number)
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	return a.svc.Money.RecordManualPayment(ctx, v, p, p.Reference)
}

// paymentOf reads a payment's body into a payment, checking the currency
// and resolving the customer and the invoices given by external id; an
// invoice out of reach is not found, named by its allocation.
func (a *API) paymentOf(r *http.Request, in PaymentInput) (*fieldportal.Payment, error) {
	ctx, v := r.Context(), viewer(r)
	if in.Currency != "" && in.Currency != currency(r) {
		return nil, fieldportal.FieldErrorf("currency", "currency must be %s, the organisation's currency.", currency(r))
	}
	p := &fieldportal.Payment{ExternalID: in.ExternalID, CustomerID: in.CustomerID, Amount: fieldportal.Money(in.Amount),
		Currency: in.Currency, Method: in.Method, Reference: in.Reference,
		Allocations: make([]fieldportal.PaymentAllocation, len(in.Allocations))}
	var bad fieldportal.Validation
	readTime(&bad, nil, "paid_at", in.PaidAt, &p.PaidAt)
	var firstCustomer string
	for i, al := range in.Allocations {
		at := fmt.Sprintf("allocations[%d].", i)
		var inv *fieldportal.Invoice
		var err error
		switch {
		case al.InvoiceExternalID != "" && al.InvoiceID != "":
			bad.Add(at+"invoice_external_id", "Give the invoice by invoice_id or by invoice_external_id, not both.")
			continue
		case al.InvoiceExternalID != "":
			if inv, err = a.invoiceByExternalID(ctx, v, al.InvoiceExternalID); err == nil && inv == nil {
				bad.Add(at+"invoice_external_id", "No invoice has this external id.")
				continue
			}
		case al.InvoiceID == "":
			bad.Add(at+"invoice_id", "Give the invoice by invoice_id or by invoice_external_id.")
			continue
		default:
			if inv, err = a.svc.Money.FindInvoiceByID(ctx, v, al.InvoiceID); fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
				bad.Add(at+"invoice_id", "Invoice not found.")
				continue
			}
		}
		if err != nil {
			return nil, err
		}
		if al.Amount <= 0 {
			bad.Add(at+"amount", "Each allocation must be more than zero.")
		}
		if firstCustomer == "" {
			firstCustomer = inv.CustomerID
		}
		p.Allocations[i] = fieldportal.PaymentAllocation{InvoiceID: inv.ID, Amount: fieldportal.Money(al.Amount)}
	}
	if err := bad.Err(); err != nil {
		return nil, err
	}
	if err := a.customerRef(ctx, v, &p.CustomerID, in.CustomerID, in.CustomerExternalID); err != nil {
		return nil, err
	}
	if p.CustomerID == "" {
		p.CustomerID = firstCustomer
	}
	return p, nil
}

// recorded refuses a change of what is fixed once a payment is recorded:
// of the fields given (has), each of np must be old's.
func recorded(old, np *fieldportal.Payment, has func(string) bool) error {
	var bad fieldportal.Validation
	fixed := func(field string, same bool) {
		if has(field) && !same {
			bad.Add(field, "A recorded payment's %s cannot change; refund it and record another.", field)
		}
	}
	for _, field := range []string{"customer_id", "customer_external_id"} {
		if has(field) && np.CustomerID != "" {
			fixed(field, np.CustomerID == old.CustomerID)
			break
		}
	}
	fixed("amount", np.Amount == old.Amount)
	fixed("method", np.Method == old.Method)
	fixed("paid_at", np.PaidAt.Equal(old.PaidAt))
	fixed("allocations", sameAllocations(old, np.Allocations))
	return bad.Err()
}

// sameAllocations reports whether allocations are the payment's as it was
// recorded. A refund cuts allocations (reverseForRefund) without keeping
// what each was, so for a refunded payment the body's may be the ones
// first recorded: every allocation left at least as large, and no more
// than the refunded amount beyond them in all.
func sameAllocations(old *fieldportal.Payment, allocations []fieldportal.PaymentAllocation) bool {
	left := map[string]fieldportal.Money{}
	var sumLeft, sumSent fieldportal.Money
	for _, al := range old.Allocations {
		left[al.InvoiceID] += al.Amount
		sumLeft += al.Amount
	}
	sent := map[string]fieldportal.Money{}
	for _, al := range allocations {
		sent[al.InvoiceID] += al.Amount
		sumSent += al.Amount
	}
	if old.Refunded <= 0 {
		return len(sent) == len(left) && len(allocations) == len(old.Allocations) && maps.Equal(sent, left)
	}
	for id, amount := range left {
		if sent[id] < amount {
			return false
		}
	}
	return sumSent-sumLeft <= old.Refunded
}

// paymentByExternalID returns the payment of a back-office id, nil when
// there is none.
func (a *API) paymentByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Payment, error) {
	return firstByExternalID(func() ([]*fieldportal.Payment, string, error) {
		return a.svc.Money.FindPayments(ctx, v, fieldportal.PaymentFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}
