package fieldportal

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// A statement is a customer's account over a date range (seed 003): what
// was owed at its start, every invoice raised and payment received in it
// with the balance after each, what is owed at its end, and how overdue
// that is. It is a ledger of recorded money: an invoice adds its total on
// its issue date, a succeeded payment takes off what it allocated on the
// day it was paid. A void invoice is not on it, nor is what a payment
// allocated to one. For a contact it holds only the invoices the contact
// sees and the parts of payments allocated to them (SPEC §2), so its
// closing balance is the balance of the invoice list.

// MaxStatementDays is the longest range a statement covers: three years.
const MaxStatementDays = 3*366 - 1

// StatementRequest asks for a statement: its first and last days, and the
// time zone in which a payment's time falls on a day (the organisation's).
type StatementRequest struct {
	From, To Date
	Zone     *time.Location
	// Limit, when above zero, asks for one page of at most Limit entries
	// after the cursor After ("" for the first page, else a Statement's
	// Next): the totals are the whole range's, the entries only the page's.
	Limit int
	After string
}

// StatementEntryKind tells an invoice from a payment on a statement.
type StatementEntryKind string

// Statement entry kinds.
const (
	StatementInvoice StatementEntryKind = "invoice"
	StatementPayment StatementEntryKind = "payment"
)

// StatementInvoiceIn is an invoice issued in a statement's range, as the
// store reads it.
type StatementInvoiceIn struct {
	ID          string
	Number      string
	SiteName    string
	Description string
	IssueDate   Date
	DueDate     Date
	Total       Money
	// Unpaid is what is owed on the invoice today, whatever the range.
	Unpaid Money
	Void   bool
}

// StatementPaymentIn is a succeeded payment paid in a statement's range
// with its allocations to the invoices the viewer sees.
type StatementPaymentIn struct {
	ID            string
	ReceiptNumber string
	Method        string
	Date          Date
	Allocations   []StatementAllocation
}

// StatementAllocation is the part of a payment that settled one invoice,
// with that invoice's due date (for the ageing of older invoices).
type StatementAllocation struct {
	InvoiceID string
	DueDate   Date
	Amount    Money
}

// OwedByDueDate is what was owed on the invoices due on one day.
type OwedByDueDate struct {
	DueDate Date
	Amount  Money
}

// StatementInput is what a statement is built from: the store sums what
// lies before the range (Opening, Brought) and reads the range itself.
type StatementInput struct {
	From, To Date
	// Opening is the balance at the start of From: the invoices issued
	// before it less the payments received before it.
	Opening Money
	// Brought is what was owed at the start of From on invoices issued
	// before it, by due date; it adds up to Opening.
	Brought []OwedByDueDate
	// Invoices are those issued from From to To; Payments those paid then.
	Invoices []StatementInvoiceIn
	Payments []StatementPaymentIn
}

// StatementEntry is one line of a statement.
type StatementEntry struct {
	Kind StatementEntryKind
	Date Date
	ID   string
	// Number is the invoice's number or the payment's receipt number.
	Number      string
	SiteName    string
	Description string
	DueDate     Date // invoices only
	// Amount is an invoice's total (a debit) or what a payment settled
	// (a credit), both positive.
	Amount Money
	// Balance is the running balance after this entry.
	Balance Money
	// Owed is what is still owed on an invoice at the statement's end.
	Owed Money
	// Unpaid is what is owed on an invoice today: it may be paid online.
	Unpaid Money
}

// Debit is the entry's amount when it adds to the balance.
func (e StatementEntry) Debit() Money {
	if e.Kind == StatementInvoice {
		return e.Amount
	}
	return 0
}

// Credit is the entry's amount when it takes off the balance.
func (e StatementEntry) Credit() Money {
	if e.Kind == StatementPayment {
		return e.Amount
	}
	return 0
}

// Ageing is what is owed at a statement's end by how long it has been
// overdue: Current is not yet overdue (due on the end date or later).
type Ageing struct {
	Current    Money
	Days1To30  Money
	Days31To60 Money
	Days61To90 Money
	Over90     Money
}

// Total is everything owed.
func (a Ageing) Total() Money {
	return a.Current + a.Days1To30 + a.Days31To60 + a.Days61To90 + a.Over90
}

// add puts amount owed on an invoice due on due into its band at end.
func (a *Ageing) add(due, end Date, amount Money) {
	switch days := due.DaysUntil(end); {
	case days <= 0:
		a.Current += amount
	case days <= 30:
		a.Days1To30 += amount
	case days <= 60:
		a.Days31To60 += amount
	case days <= 90:
		a.Days61To90 += amount
	default:
		a.Over90 += amount
	}
}

// Statement is a customer's account over a date range.
type Statement struct {
	From, To Date
	Opening  Money
	Closing  Money
	Entries  []StatementEntry
	Ageing   Ageing
	// Brought is the balance before the first of Entries (Opening unless
	// a later page was asked for); Next is the cursor of the next page, ""
	// after the last (both only for a request with a Limit).
	Brought Money
	Next    string
}

// StatementOrder sorts a statement's entries: by date; on one day the
// invoices before the payments (so a bill paid the day it was raised
// never shows a credit balance), then by number and id.
func StatementOrder(a, b StatementEntry) int {
	if c := cmp.Compare(a.Date.String(), b.Date.String()); c != 0 {
		return c
	}
	if a.Kind != b.Kind {
		if a.Kind == StatementInvoice {
			return -1
		}
		return 1
	}
	return cmp.Or(cmp.Compare(a.Number, b.Number), cmp.Compare(a.ID, b.ID))
}

// BuildStatement builds the statement of in: the entries in date order
// with the running balance, the closing balance, what is still owed on
// each invoice of the range, and the ageing at the end date. Void
// invoices, and allocations to them, are left out; so is a payment that
// settled nothing left.
func BuildStatement(in StatementInput) Statement {
	st := Statement{From: in.From, To: in.To, Opening: in.Opening}
	owed := map[Date]Money{}
	for _, b := range in.Brought {
		owed[b.DueDate] += b.Amount
	}
	void := map[string]bool{}
	for _, inv := range in.Invoices {
		if inv.Void {
			void[inv.ID] = true
			continue
		}
		owed[inv.DueDate] += inv.Total
		st.Entries = append(st.Entries, StatementEntry{Kind: StatementInvoice, Date: inv.IssueDate, ID: inv.ID,
			Number: inv.Number, SiteName: inv.SiteName, Description: inv.Description, DueDate: inv.DueDate,
			Amount: inv.Total, Owed: inv.Total, Unpaid: inv.Unpaid})
	}
	settled := map[string]Money{}
	for _, p := range in.Payments {
		var sum Money
		for _, a := range p.Allocations {
			if void[a.InvoiceID] {
				continue
			}
			sum += a.Amount
			owed[a.DueDate] -= a.Amount
			settled[a.InvoiceID] += a.Amount
		}
		if sum == 0 {
			continue
		}
		desc := StatementPaymentDescription(p.Method)
		st.Entries = append(st.Entries, StatementEntry{Kind: StatementPayment, Date: p.Date, ID: p.ID,
			Number: p.ReceiptNumber, Description: desc, Amount: sum})
	}
	slices.SortStableFunc(st.Entries, StatementOrder)
	bal := in.Opening
	for n := range st.Entries {
		e := &st.Entries[n]
		bal += e.Debit() - e.Credit()
		e.Balance = bal
		if e.Kind == StatementInvoice {
			e.Owed -= settled[e.ID]
		}
	}
	st.Closing = bal
	st.Ageing = ageingOf(owed, in.To)
	return st
}

// ageingOf puts what is owed by due date into the bands at end.
func ageingOf(owed map[Date]Money, end Date) Ageing {
	var a Ageing
	for d, m := range owed {
		a.add(d, end, m)
	}
	return a
}

// StatementPaymentDescription is a payment's description on a statement.
func StatementPaymentDescription(method string) string {
	if method == "" {
		return "Payment"
	}
	return "Payment (" + strings.ToLower(PaymentMethodLabel(method)) + ")"
}

// StatementTotals are the opening and closing balances and the ageing of
// a statement whose entries are not read (a page of it): in's Opening and
// Brought, what the range's invoices raised and its payments settled, each
// by due date, make them as BuildStatement would.
func StatementTotals(in StatementInput, raised, settled map[Date]Money) Statement {
	st := Statement{From: in.From, To: in.To, Opening: in.Opening, Closing: in.Opening}
	owed := map[Date]Money{}
	for _, b := range in.Brought {
		owed[b.DueDate] += b.Amount
	}
	for d, m := range raised {
		owed[d] += m
		st.Closing += m
	}
	for d, m := range settled {
		owed[d] -= m
		st.Closing -= m
	}
	st.Ageing = ageingOf(owed, in.To)
	return st
}

// ValidateStatementRange checks a statement's dates as typed: both
// given, the start not after the end, and at most maxDays apart.
func ValidateStatementRange(from, to Date, maxDays int) error {
	var v Validation
	if from.IsZero() {
		v.Add("from", "From date is required.")
	}
	if to.IsZero() {
		v.Add("to", "To date is required.")
	}
	if !from.IsZero() && !to.IsZero() {
		switch {
		case to.Before(from):
			v.Add("to", "To date cannot be before the from date.")
		case from.DaysUntil(to) > maxDays:
			v.Add("to", "To date must be at most %d days after the from date.", maxDays)
		}
	}
	return v.Err()
}
