package fieldportal

import (
	"testing"
	"time"
)

func TestNextDue(t *testing.T) {
	day := func(y int, m, d int) Date { return Date{Year: y, Month: time.Month(m), Day: d} }
	cases := []struct {
		name   string
		f      Frequency
		from   Date
		anchor int
		want   Date
	}{
		{"weekly crosses a month", Weekly, day(2025, 1, 29), 0, day(2025, 2, 5)},
		{"monthly plain", Monthly, day(2025, 1, 15), 15, day(2025, 2, 15)},
		{"31 January to 28 February", Monthly, day(2025, 1, 31), 31, day(2025, 2, 28)},
		{"31 January to 29 February in a leap year", Monthly, day(2024, 1, 31), 31, day(2024, 2, 29)},
		{"28 February back to 31 March", Monthly, day(2025, 2, 28), 31, day(2025, 3, 31)},
		{"31 March to 30 April", Monthly, day(2025, 3, 31), 31, day(2025, 4, 30)},
		{"30 January stays on the 30th after February", Monthly, day(2025, 2, 28), 30, day(2025, 3, 30)},
		{"no anchor takes the day", Monthly, day(2025, 2, 28), 0, day(2025, 3, 28)},
		{"December to January", Monthly, day(2025, 12, 31), 31, day(2026, 1, 31)},
		{"quarterly from 30 November", Quarterly, day(2025, 11, 30), 30, day(2026, 2, 28)},
		{"yearly from 29 February", Yearly, day(2024, 2, 29), 29, day(2025, 2, 28)},
		{"yearly back to 29 February", Yearly, day(2027, 2, 28), 29, day(2028, 2, 29)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.f.NextDue(c.from, c.anchor); got != c.want {
				t.Errorf("NextDue(%v, %d) = %v, want %v", c.from, c.anchor, got, c.want)
			}
		})
	}
}

func TestFrequencyLabel(t *testing.T) {
	for f, want := range map[Frequency]string{Weekly: "Weekly", Monthly: "Monthly", Quarterly: "Quarterly", Yearly: "Yearly", "daily": "daily"} {
		if got := f.Label(); got != want {
			t.Errorf("%q.Label() = %q, want %q", f, got, want)
		}
	}
}
