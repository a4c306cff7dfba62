package fieldportal

import "testing"

// An amount too large for int64 minor units, or written with signs or
// spaces inside, is refused, never read as some other amount (a figure
// typed into the office's payment or refund form wrapped round to 0.01).
func TestParseMoneyRefuses(t *testing.T) {
	for _, s := range []string{
		"184467440737095516.17", // 2^64 + 1 minor units: wrapped to 0.01
		"92233720368547758.08",  // one more than the largest Money
		"99999999999999999999",
		"1.+5",
		"+1.00",
		"1.-5",
		"- 1",
		"1 000",
		"--1",
	} {
		t.Run(s, func(t *testing.T) {
			if m, err := ParseMoney(s); err == nil {
				t.Errorf("ParseMoney(%q) = %d, want an error", s, m)
			}
		})
	}
	for s, want := range map[string]Money{"92233720368547758.07": 9223372036854775807, "-12.5": -1250, "1,234.50": 123450, ".5": 50} {
		t.Run(s, func(t *testing.T) {
			if m, err := ParseMoney(s); err != nil || m != want {
				t.Errorf("ParseMoney(%q) = %d, %v; want %d", s, m, err, want)
			}
		})
	}
}
