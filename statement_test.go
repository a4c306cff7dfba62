package fieldportal_test

import (
	"errors"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/google/go-cmp/cmp"
)

func day(s string) fieldportal.Date {
	d, err := fieldportal.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// TestStatementAgeing puts one invoice of 100.00 owed at the end date
// 2026-06-30 into each band, at the bands' edges.
func TestStatementAgeing(t *testing.T) {
	end := day("2026-06-30")
	cases := []struct {
		name    string
		overdue int // days the invoice is overdue at the end date
		want    fieldportal.Ageing
	}{
		{"not due yet", -1, fieldportal.Ageing{Current: 10000}},
		{"due today", 0, fieldportal.Ageing{Current: 10000}},
		{"1 day overdue", 1, fieldportal.Ageing{Days1To30: 10000}},
		{"30 days overdue", 30, fieldportal.Ageing{Days1To30: 10000}},
		{"31 days overdue", 31, fieldportal.Ageing{Days31To60: 10000}},
		{"60 days overdue", 60, fieldportal.Ageing{Days31To60: 10000}},
		{"61 days overdue", 61, fieldportal.Ageing{Days61To90: 10000}},
		{"90 days overdue", 90, fieldportal.Ageing{Days61To90: 10000}},
		{"91 days overdue", 91, fieldportal.Ageing{Over90: 10000}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			due := end.AddDays(-c.overdue)
			issued := due.AddDays(-30)
			st := fieldportal.BuildStatement(fieldportal.StatementInput{
				From: issued, To: end,
				Invoices: []fieldportal.StatementInvoiceIn{{ID: "i1", Number: "INV-1", IssueDate: issued, DueDate: due, Total: 10000}},
			})
			if diff := cmp.Diff(c.want, st.Ageing); diff != "" {
				t.Errorf("ageing (-want +got):\n%s", diff)
			}
			if st.Closing != 10000 || st.Ageing.Total() != st.Closing {
				t.Errorf("closing %v, ageing total %v, want 100.00 both", st.Closing, st.Ageing.Total())
			}
		})
	}
}

// entry is the part of a statement line the ledger cases compare.
type entry struct {
	Number        string
	Debit, Credit fieldportal.Money
	Balance, Owed fieldportal.Money
}

func entries(st fieldportal.Statement) []entry {
	var out []entry
	for _, e := range st.Entries {
		out = append(out, entry{e.Number, e.Debit(), e.Credit(), e.Balance, e.Owed})
	}
	return out
}

// TestStatementLedger checks the running balance, the closing balance,
// what is owed on each invoice, and the ageing for part payments, one
// payment of two invoices, money brought forward and void invoices.
func TestStatementLedger(t *testing.T) {
	from, to := day("2026-04-01"), day("2026-06-30")
	inv := func(id, issued, due string, total fieldportal.Money) fieldportal.StatementInvoiceIn {
		return fieldportal.StatementInvoiceIn{ID: id, Number: "INV-" + id, IssueDate: day(issued), DueDate: day(due), Total: total}
	}
	pay := func(id, paid string, allocs ...fieldportal.StatementAllocation) fieldportal.StatementPaymentIn {
		return fieldportal.StatementPaymentIn{ID: id, ReceiptNumber: "R-" + id, Method: "card", Date: day(paid), Allocations: allocs}
	}
	alloc := func(id, due string, m fieldportal.Money) fieldportal.StatementAllocation {
		return fieldportal.StatementAllocation{InvoiceID: id, DueDate: day(due), Amount: m}
	}
	cases := []struct {
		name    string
		in      fieldportal.StatementInput
		want    []entry
		closing fieldportal.Money
		ageing  fieldportal.Ageing
	}{
		{
			name: "part payments",
			in: fieldportal.StatementInput{
				Invoices: []fieldportal.StatementInvoiceIn{inv("1", "2026-05-01", "2026-05-31", 10000)},
				Payments: []fieldportal.StatementPaymentIn{
					pay("1", "2026-05-10", alloc("1", "2026-05-31", 2500)),
					pay("2", "2026-06-10", alloc("1", "2026-05-31", 3000)),
				},
			},
			want: []entry{
				{"INV-1", 10000, 0, 10000, 4500},
				{"R-1", 0, 2500, 7500, 0},
				{"R-2", 0, 3000, 4500, 0},
			},
			closing: 4500,
			ageing:  fieldportal.Ageing{Days1To30: 4500},
		},
		{
			name: "one payment covering two invoices",
			in: fieldportal.StatementInput{
				Invoices: []fieldportal.StatementInvoiceIn{
					inv("1", "2026-04-10", "2026-05-10", 10000),
					inv("2", "2026-04-20", "2026-05-20", 5000),
					inv("3", "2026-06-01", "2026-07-01", 2000),
				},
				Payments: []fieldportal.StatementPaymentIn{
					pay("1", "2026-05-05", alloc("1", "2026-05-10", 10000), alloc("2", "2026-05-20", 5000)),
				},
			},
			want: []entry{
				{"INV-1", 10000, 0, 10000, 0},
				{"INV-2", 5000, 0, 15000, 0},
				{"R-1", 0, 15000, 0, 0},
				{"INV-3", 2000, 0, 2000, 2000},
			},
			closing: 2000,
			ageing:  fieldportal.Ageing{Current: 2000},
		},
		{
			name: "brought forward and paid in the range",
			in: fieldportal.StatementInput{
				// An invoice of 80.00 issued in March, 30.00 paid in March
				// (so 50.00 brought forward), 20.00 paid in the range.
				Opening: 5000,
				Brought: []fieldportal.OwedByDueDate{{DueDate: day("2026-03-31"), Amount: 5000}},
				Payments: []fieldportal.StatementPaymentIn{
					pay("1", "2026-04-15", alloc("0", "2026-03-31", 2000)),
				},
			},
			want: []entry{
				{"R-1", 0, 2000, 3000, 0},
			},
			closing: 3000,
			ageing:  fieldportal.Ageing{Over90: 3000},
		},
		{
			name: "an invoice and its payment on one day",
			in: fieldportal.StatementInput{
				Invoices: []fieldportal.StatementInvoiceIn{inv("1", "2026-06-30", "2026-06-30", 1000)},
				Payments: []fieldportal.StatementPaymentIn{pay("1", "2026-06-30", alloc("1", "2026-06-30", 1000))},
			},
			want: []entry{
				{"INV-1", 1000, 0, 1000, 0},
				{"R-1", 0, 1000, 0, 0},
			},
		},
		{
			name: "void invoices",
			in: fieldportal.StatementInput{
				Invoices: []fieldportal.StatementInvoiceIn{
					inv("1", "2026-04-10", "2026-05-10", 10000),
					{ID: "2", Number: "INV-2", IssueDate: day("2026-04-11"), DueDate: day("2026-05-11"), Total: 7000, Void: true},
				},
				Payments: []fieldportal.StatementPaymentIn{
					// A payment that settled the void invoice alone is not
					// on the statement; one that settled both shows the
					// live invoice's part.
					pay("1", "2026-04-12", alloc("2", "2026-05-11", 7000)),
					pay("2", "2026-04-13", alloc("1", "2026-05-10", 4000), alloc("2", "2026-05-11", 100)),
				},
			},
			want: []entry{
				{"INV-1", 10000, 0, 10000, 6000},
				{"R-2", 0, 4000, 6000, 0},
			},
			closing: 6000,
			ageing:  fieldportal.Ageing{Days31To60: 6000},
		},
		{
			name:    "nothing in the range",
			in:      fieldportal.StatementInput{Opening: 1234, Brought: []fieldportal.OwedByDueDate{{DueDate: day("2026-07-15"), Amount: 1234}}},
			closing: 1234,
			ageing:  fieldportal.Ageing{Current: 1234},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.From, c.in.To = from, to
			st := fieldportal.BuildStatement(c.in)
			if diff := cmp.Diff(c.want, entries(st)); diff != "" {
				t.Errorf("entries (-want +got):\n%s", diff)
			}
			if st.Closing != c.closing {
				t.Errorf("closing = %v, want %v", st.Closing, c.closing)
			}
			if diff := cmp.Diff(c.ageing, st.Ageing); diff != "" {
				t.Errorf("ageing (-want +got):\n%s", diff)
			}
			if st.Ageing.Total() != st.Closing {
				t.Errorf("ageing adds up to %v, closing is %v", st.Ageing.Total(), st.Closing)
			}
		})
	}
}

func TestValidateStatementRange(t *testing.T) {
	cases := []struct {
		name     string
		from, to string
		field    string
	}{
		{"ok", "2026-01-01", "2026-12-31", ""},
		{"one day", "2026-01-01", "2026-01-01", ""},
		{"no from", "", "2026-01-01", "from"},
		{"no to", "2026-01-01", "", "to"},
		{"backwards", "2026-02-01", "2026-01-01", "to"},
		{"too long", "2020-01-01", "2026-01-01", "to"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var from, to fieldportal.Date
			if c.from != "" {
				from = day(c.from)
			}
			if c.to != "" {
				to = day(c.to)
			}
			err := fieldportal.ValidateStatementRange(from, to, 3*366)
			got := ""
			var e *fieldportal.Error
			if errors.As(err, &e) {
				got = e.Field
			}
			if got != c.field {
				t.Errorf("error field = %q (%v), want %q", got, err, c.field)
			}
		})
	}
}
