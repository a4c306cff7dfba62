package fieldportal

import (
	"strings"
	"time"
)

// The office's side of money (issue 17, point 5): invoices raised from a
// job, payments taken by hand, refunds and voids.

// MaxInvoiceTotal bounds an issued invoice's total: lines each within
// their bounds could otherwise add up past what Money holds.
const MaxInvoiceTotal Money = 1_000_000_000_000_000_000

// DefaultPaymentTerms is how many days after its issue an invoice is due
// when the office does not say otherwise.
const DefaultPaymentTerms = 30

// ManualMethods are the ways staff record money taken outside the portal.
var ManualMethods = []string{"bank_transfer", "cheque", "cash"}

// InvoiceRow is an invoice as the console's list shows it: with the names
// the office finds it by.
type InvoiceRow struct {
	Invoice
	CustomerName   string `json:"customer_name"`
	ContractorName string `json:"contractor_name,omitempty"`
	UPRN           string `json:"uprn,omitempty"`
}

// PaymentRow is a payment as the console's list shows it.
type PaymentRow struct {
	Payment
	CustomerName string `json:"customer_name"`
}

// PaymentRefund is money given back of a payment, whole or in part; the
// allocations it takes back are reversed on their invoices.
type PaymentRefund struct {
	ID        string    `json:"id"`
	PaymentID string    `json:"payment_id"`
	Amount    Money     `json:"amount"`
	Reason    string    `json:"reason"`
	RefundRef string    `json:"refund_ref,omitempty"` // the provider's id
	By        string    `json:"by"`
	CreatedAt time.Time `json:"created_at"`
	// Key makes a refund once however often its form is sent: the form
	// carries it, and a second refund with the same key changes nothing.
	Key string `json:"-"`
}

// Validate checks a refund against what is left of its payment.
func (r *PaymentRefund) Validate(left Money) error {
	var v Validation
	switch {
	case r.Amount <= 0:
		v.Add("amount", "Amount must be more than zero.")
	case r.Amount > left:
		v.Add("amount", "Amount cannot be more than the %s left to refund.", left.String())
	}
	if strings.TrimSpace(r.Reason) == "" {
		v.Add("reason", "Reason is required.")
	} else if len(r.Reason) > 500 {
		v.Add("reason", "Reason must be at most 500 characters.")
	}
	if r.Key == "" {
		v.Add("key", "The form is out of date; open it again.")
	}
	return v.Err()
}

// ValidateManualPayment checks a payment staff record by hand: a manual
// method, and allocations that are within the amount (the store checks
// each against its invoice's balance).
func ValidateManualPayment(p *Payment) error {
	var v Validation
	found := false
	for _, m := range ManualMethods {
		found = found || m == p.Method
	}
	if !found {
		v.Add("method", "Method must be bank transfer, cheque or cash.")
	}
	if p.PaidAt.IsZero() {
		v.Add("paid_at", "Date received is required.")
	}
	if len(p.PaidBy) > 0 {
		v.Add("paid_by", "A payment taken by the office is not paid by a portal contact.")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return p.Validate()
}

// ValidateVoid checks a reason to void an invoice.
func ValidateVoid(reason string) error {
	var v Validation
	if strings.TrimSpace(reason) == "" {
		v.Add("reason", "Reason is required.")
	} else if len(reason) > 500 {
		v.Add("reason", "Reason must be at most 500 characters.")
	}
	return v.Err()
}

// PriceIssuedLines checks the lines of an invoice the office issues and
// fills each line's total and the invoice's subtotal, tax and total from
// them; a message names the line and the field.
func PriceIssuedLines(inv *Invoice) error {
	var v Validation
	if len(inv.Lines) == 0 {
		v.Add("lines", "An invoice needs at least one line.")
	}
	inv.Subtotal, inv.Tax = 0, 0
	for n := range inv.Lines {
		l := &inv.Lines[n]
		at := n + 1
		if strings.TrimSpace(l.Description) == "" {
			v.Add(ItemField(at, "description"), "Line %d: description is required.", at)
		} else if len(l.Description) > 500 {
			v.Add(ItemField(at, "description"), "Line %d: description must be at most 500 characters.", at)
		}
		if l.Quantity <= 0 || l.Quantity > 1_000_000 {
			v.Add(ItemField(at, "quantity"), "Line %d: quantity must be between 1 and 1,000,000.", at)
		}
		if l.UnitPrice < 0 || l.UnitPrice > 1_000_000_000_00 {
			v.Add(ItemField(at, "unit_price"), "Line %d: unit price must be zero or more, and at most 1,000,000,000.00.", at)
		}
		if l.Tax < 0 || l.Tax > 1_000_000_000_00 {
			v.Add(ItemField(at, "tax"), "Line %d: tax must be zero or more, and at most 1,000,000,000.00.", at)
		}
		net := Money(l.Quantity) * l.UnitPrice
		l.Total = net + l.Tax
		inv.Subtotal += net
		inv.Tax += l.Tax
		if inv.Subtotal+inv.Tax > MaxInvoiceTotal {
			// Checked line by line, so the sum never passes what Money
			// holds (a line is at most 10^17 minor units).
			v.Add("lines", "The invoice's total must be at most %s.", MaxInvoiceTotal.String())
			break
		}
	}
	inv.Total = inv.Subtotal + inv.Tax
	return v.Err()
}
