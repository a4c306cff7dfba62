package fieldportal

import "testing"

// Every line within its bounds may still add up to more than Money holds
// (200 lines of 1,000,000 at 1,000,000,000.00): the total is refused, not
// wrapped round to a negative or small figure.
func TestPriceIssuedLinesTotalBound(t *testing.T) {
	t.Run("lines adding up past the largest total", func(t *testing.T) {
		inv := &Invoice{}
		for range 200 {
			inv.Lines = append(inv.Lines, InvoiceLine{Description: "Plant", Quantity: 1_000_000, UnitPrice: 1_000_000_000_00})
		}
		err := PriceIssuedLines(inv)
		if e, ok := err.(*Error); !ok || e.Code != EINVALID || len(e.Fields) == 0 || e.Fields[0].Field != "lines" {
			t.Fatalf("PriceIssuedLines = %v (total %d), want a validation error on lines", err, inv.Total)
		}
	})
	t.Run("a large total within the bound", func(t *testing.T) {
		inv := &Invoice{Lines: []InvoiceLine{{Description: "Plant", Quantity: 1_000_000, UnitPrice: 1_000_000_000_00, Tax: 20_00}}}
		if err := PriceIssuedLines(inv); err != nil || inv.Total != 1_000_000*1_000_000_000_00+20_00 {
			t.Fatalf("PriceIssuedLines = %v, total %d", err, inv.Total)
		}
	})
}
