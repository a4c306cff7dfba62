package fieldportal_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

func TestInvoiceStatusFor(t *testing.T) {
	for _, c := range []struct {
		name        string
		total, paid fieldportal.Money
		was         fieldportal.InvoiceStatus
		want        fieldportal.InvoiceStatus
	}{
		{"nothing paid", 10000, 0, fieldportal.InvoiceUnpaid, fieldportal.InvoiceUnpaid},
		{"part paid", 10000, 1, fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid},
		{"all but a cent", 10000, 9999, fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid},
		{"paid to the cent", 10000, 10000, fieldportal.InvoicePartPaid, fieldportal.InvoicePaid},
		{"refunded in full", 10000, 0, fieldportal.InvoicePaid, fieldportal.InvoiceUnpaid},
		// Nothing to pay is paid: it is neither counted unpaid nor offered
		// for payment, which it could never leave.
		{"a zero invoice", 0, 0, fieldportal.InvoiceUnpaid, fieldportal.InvoicePaid},
		{"void stays void", 10000, 0, fieldportal.InvoiceVoid, fieldportal.InvoiceVoid},
	} {
		t.Run(c.name, func(t *testing.T) {
			inv := fieldportal.Invoice{Total: c.total, AmountPaid: c.paid, Status: c.was}
			if got := inv.StatusFor(); got != c.want {
				t.Errorf("StatusFor() = %s, want %s", got, c.want)
			}
		})
	}
}
