package fieldportal

import (
	"strings"
	"time"
)

// Deposits (issue 22, point 5): a quote may ask for a deposit, either a
// percentage of its total including tax or a fixed amount. Accepting
// such a quote online goes through the payment provider, and the
// acceptance is complete only when the deposit is confirmed; the payment
// stays on account, linked to the quote (and so to its job), until an
// invoice is raised for the job, which it is then allocated to.

// DepositKind is how a quote's deposit is set.
type DepositKind string

// Deposit kinds: none, a whole percentage of the total including tax, or
// a fixed amount in minor units.
const (
	DepositNone    DepositKind = ""
	DepositPercent DepositKind = "percent"
	DepositAmount  DepositKind = "amount"
)

// DepositAmountOf is the deposit a quote of total (including tax) asks
// for: value percent of it, rounded half up to the minor unit, or value
// itself. Integer arithmetic throughout.
func DepositAmountOf(kind DepositKind, value int64, total Money) Money {
	switch kind {
	case DepositPercent:
		return total/100*Money(value) + (total%100*Money(value)+50)/100
	case DepositAmount:
		return Money(value)
	}
	return 0
}

// Deposit is the deposit the quote asks for, 0 for none.
func (q *Quote) Deposit() Money { return DepositAmountOf(q.DepositKind, q.DepositValue, q.TotalIncTax) }

// checkDeposit adds the errors of a deposit setting to v, each naming
// the field (deposit_kind, deposit_value): percentages are whole numbers
// from 1 to 100; an amount is more than 0 and never over the quote's
// total including tax.
func checkDeposit(v *Validation, kind DepositKind, value int64, total Money) {
	switch kind {
	case DepositNone:
		if value != 0 {
			v.Add("deposit_kind", "Deposit type is required with a deposit value: percent or amount.")
		}
	case DepositPercent:
		if value < 1 || value > 100 {
			v.Add("deposit_value", "Deposit percentage must be a whole number from 1 to 100.")
		}
	case DepositAmount:
		switch {
		case value <= 0:
			v.Add("deposit_value", "Deposit amount must be more than 0.")
		case Money(value) > total:
			v.Add("deposit_value", "Deposit amount cannot be more than the quote's total including tax (%s).", total.String())
		}
	default:
		v.Add("deposit_kind", "Deposit type must be percent or amount, or empty for no deposit.")
	}
}

// ParseDepositKind reads a form's or a query's deposit type.
func ParseDepositKind(s string) DepositKind {
	return DepositKind(strings.TrimSpace(strings.ToLower(s)))
}

// DepositPayment is a deposit received for a quote: the payment, what of
// it is allocated to invoices (the rest is on account), and the quote and
// job it is for.
type DepositPayment struct {
	PaymentID     string    `json:"payment_id"`
	ReceiptNumber string    `json:"receipt_number"`
	QuoteID       string    `json:"quote_id"`
	QuoteNumber   string    `json:"quote_number"`
	JobID         string    `json:"job_id,omitempty"`
	JobNumber     string    `json:"job_number,omitempty"`
	Currency      string    `json:"currency"`
	Amount        Money     `json:"amount"`
	Allocated     Money     `json:"allocated"`
	Refunded      Money     `json:"refunded"`
	PaidAt        time.Time `json:"paid_at"`
}

// OnAccount is what of the deposit is neither allocated to an invoice nor
// refunded (a refund is taken first from what is on account).
func (d *DepositPayment) OnAccount() Money { return d.Amount - d.Refunded - d.Allocated }

// DepositFilter selects the deposits of one quote or of one job (its
// quote's); one of the two is set.
type DepositFilter struct {
	QuoteID string
	JobID   string
}

// PendingAcceptance is an online acceptance of a quote waiting for its
// deposit: the last checkout of the deposit started and not paid, with
// the typed name, the address and when. Until the deposit is paid the
// quote stays outstanding, and may be accepted again.
type PendingAcceptance struct {
	SignerName string
	SignedFrom string
	StartedAt  time.Time
}
