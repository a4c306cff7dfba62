package pdf

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/web"
)

// testInvoice is a part-paid invoice raised from a job at the test site.
func testInvoice() *fieldportal.Invoice {
	return &fieldportal.Invoice{Number: "INV-1042", IssueDate: fieldportal.Date{Year: 2026, Month: 3, Day: 2},
		DueDate: fieldportal.Date{Year: 2026, Month: 4, Day: 1}, Description: "Annual service of the fire alarm panel.",
		Subtotal: 120000, Tax: 24000, Total: 144000, AmountPaid: 44000, Status: fieldportal.InvoicePartPaid,
		JobNumber: "J-001042", SiteName: "Dock Warehouse", SiteUPRN: "100012345678",
		Lines: []fieldportal.InvoiceLine{
			{Description: "LED emergency bulkhead, 3 hour", Quantity: 10, UnitPrice: 9500, Tax: 19000, Total: 95000},
			{Description: "Labour, per hour", Quantity: 5, UnitPrice: 5000, Tax: 5000, Total: 25000},
		},
		Payments: []fieldportal.InvoicePayment{{PaidAt: time.Date(2026, 3, 10, 11, 0, 0, 0, time.UTC), Method: "card",
			ReceiptNumber: "R-1007", Allocated: 44000}},
	}
}

func TestInvoiceGolden(t *testing.T) {
	extras := InvoiceExtras{TaxNumber: "GB 123 4567 89",
		HowToPay: "Bank transfer to Acme Fire & Security Ltd, sort code 12-34-56, account 12345678."}
	paid := testInvoice()
	paid.AmountPaid, paid.Status = paid.Total, fieldportal.InvoicePaid
	paid.Payments[0].Allocated = paid.Total
	// A quote's deposit allocated when the invoice was raised (issue 22).
	deposit := testInvoice()
	deposit.Payments[0].Deposit = true
	for _, tc := range []struct {
		name string
		inv  *fieldportal.Invoice
		logo bool
		// has and hasNot are lines the printout must and must not hold.
		has, hasNot []string
	}{
		{"invoice_part_paid", testInvoice(), true, []string{"Tax invoice INV-1042", "Tax number: GB 123 4567 89", "Balance due",
			"£1,000.00", "Please pay £1,000.00 by 1 Apr 2026, quoting INV-1042.", "sort code 12-34-56", "R-1007"}, nil},
		{"invoice_paid", paid, false, []string{"Tax invoice INV-1042", "£0.00"}, []string{"How to pay", "Please pay"}},
		{"invoice_deposit", deposit, false, []string{"Deposit received", "R-1007", "Balance due", "£1,000.00"}, []string{"Card"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logo []byte
			if tc.logo {
				logo = MustLogo(t, false)
			}
			data, err := Invoice(testOptions(t, logo), tc.inv, testCustomer, testSite, extras)
			if err != nil {
				t.Fatal(err)
			}
			text := pdftest.MustText(t, data)
			MustGolden(t, tc.name, text)
			for _, want := range append(tc.has, "Acme Fire & Security", "VAT GB 123 4567 89", "Harbour Properties Ltd",
				"Dock Warehouse", "Page 1 of 1") {
				if !strings.Contains(text, want) {
					t.Errorf("the printout lacks %q", want)
				}
			}
			for _, not := range tc.hasNot {
				if strings.Contains(text, not) {
					t.Errorf("the printout holds %q", not)
				}
			}
		})
	}
}

// BenchmarkInvoicePDF times one part-paid invoice printout, with a logo.
func BenchmarkInvoicePDF(b *testing.B) {
	opt := testOptions(b, MustLogo(b, false))
	inv := testInvoice()
	x := InvoiceExtras{TaxNumber: "GB 123 4567 89", HowToPay: "Bank transfer, sort code 12-34-56, account 12345678."}
	for b.Loop() {
		if _, err := Invoice(opt, inv, testCustomer, testSite, x); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMoneyIsThePagesMoney checks the printouts' money writer against
// the pages' (web.MoneyText), which it repeats without allocating.
func TestMoneyIsThePagesMoney(t *testing.T) {
	for _, currency := range []string{"GBP", "EUR", "USD", "XYZ", ""} {
		t.Run(currency, func(t *testing.T) {
			d := &doc{opt: Options{Currency: currency}}
			for _, m := range []fieldportal.Money{0, 1, -1, 5, 99, 100, -100, 12345, 99999, 100000, -123456789, 1234567890123,
				math.MaxInt64, math.MinInt64 + 1, math.MinInt64} {
				if got, want := d.money(m), web.MoneyText(currency, m); got != want {
					t.Errorf("money(%d) = %q, want %q", m, got, want)
				}
			}
		})
	}
}

// BenchmarkInvoicePDFUnicode times an invoice whose customer's name is
// in Greek: drawn in the embedded Go fonts.
func BenchmarkInvoicePDFUnicode(b *testing.B) {
	opt := testOptions(b, MustLogo(b, false))
	inv := testInvoice()
	customer := Party{Label: "Customer", Name: "Παπαδόπουλος ΑΕ"}
	for b.Loop() {
		if _, err := Invoice(opt, inv, customer, testSite, InvoiceExtras{}); err != nil {
			b.Fatal(err)
		}
	}
}
