package fieldportal_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

func TestValidSignerName(t *testing.T) {
	for _, tc := range []struct {
		name string
		want bool
	}{
		{"Jo Bloggs", true},
		{"Siân O’Neill-Jones", true},
		{"J. R. Hartley", true},
		{"Zoë", true},
		{"J", false},
		{"12345", false},
		{"Jo 2", false},
		{"<script>", false},
		{"- . '", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fieldportal.ValidSignerName(tc.name); got != tc.want {
				t.Errorf("ValidSignerName(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func TestParseTaxRate(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		bad  bool
	}{
		{"20", 2000, false}, {"17.5", 1750, false}, {"5%", 500, false}, {" 0 ", 0, false}, {"100", 10000, false},
		{"12.345", 0, true}, {"101", 0, true}, {"-1", 0, true}, {"", 0, true}, {"ten", 0, true},
		{"-0.5", 0, true}, {"-0", 0, true}, {"5.-1", 0, true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := fieldportal.ParseTaxRate(tc.in)
			if (err != nil) != tc.bad || got != tc.want {
				t.Errorf("ParseTaxRate(%q) = %d, %v", tc.in, got, err)
			}
			if !tc.bad {
				back, _ := fieldportal.ParseTaxRate(fieldportal.TaxRateText(got))
				if back != got {
					t.Errorf("TaxRateText(%d) = %q does not parse back", got, fieldportal.TaxRateText(got))
				}
			}
		})
	}
}

func TestQuotePricingTotals(t *testing.T) {
	for _, tc := range []struct {
		name         string
		rate         int
		items        []fieldportal.QuoteItem
		ex, tax, inc fieldportal.Money
	}{
		{"no lines", 2000, nil, 0, 0, 0},
		{"half a penny rounds up", 1750, []fieldportal.QuoteItem{{Quantity: 1, UnitPrice: 2}}, 2, 0, 2},
		{"just under half rounds down", 2000, []fieldportal.QuoteItem{{Quantity: 1, UnitPrice: 12}}, 12, 2, 14},
		{"half exactly rounds up", 2500, []fieldportal.QuoteItem{{Quantity: 1, UnitPrice: 2}}, 2, 1, 3},
		{"the largest lines allowed do not overflow", 2000, []fieldportal.QuoteItem{{Quantity: 1_000_000, UnitPrice: 100_000_000_00}, {Quantity: 1_000_000, UnitPrice: 100_000_000_00}},
			2_000_000_000_000_000_0, 400_000_000_000_000_0, 2_400_000_000_000_000_0},
		{"optional lines are not in the totals", 2000, []fieldportal.QuoteItem{{Quantity: 3, UnitPrice: 1000}, {Quantity: 1, UnitPrice: 500, Optional: true}}, 3000, 600, 3600},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := fieldportal.QuotePricing{Items: tc.items, TaxRate: tc.rate}
			items, ex, tax, inc := p.Totals()
			if ex != tc.ex || tax != tc.tax || inc != tc.inc {
				t.Errorf("totals %d %d %d, want %d %d %d", ex, tax, inc, tc.ex, tc.tax, tc.inc)
			}
			for i, it := range items {
				if it.Total != fieldportal.Money(it.Quantity)*it.UnitPrice {
					t.Errorf("line %d total %d", i+1, it.Total)
				}
			}
		})
	}
}
