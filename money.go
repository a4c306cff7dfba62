package fieldportal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Money is an amount in integer minor units (pence, cents) of the
// organisation's currency. Never a float.
type Money int64

// String formats m with two decimals and thousands separators, e.g. 1,234.50.
func (m Money) String() string {
	neg := m < 0
	if neg {
		m = -m
	}
	whole := strconv.FormatInt(int64(m)/100, 10)
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	s := fmt.Sprintf("%s.%02d", b.String(), int64(m)%100)
	if neg {
		return "-" + s
	}
	return s
}

// Decimal formats m as a plain decimal without separators (CSV, APIs): 1234.50.
func (m Money) Decimal() string {
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	return fmt.Sprintf("%s%d.%02d", sign, int64(m)/100, int64(m)%100)
}

// ParseMoney parses a decimal amount such as "1234.5" or "1,234.50". Only
// digits may stand either side of the point (a sign or a space inside is
// refused: strconv would take "1.-5" as 0.95), and an amount too large
// for Money is refused rather than wrapped round (found by review).
func ParseMoney(s string) (Money, error) {
	bad := fmt.Errorf("amount must be a number with at most two decimals")
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(frac) > 2 || !digitsOnly(whole) || !digitsOnly(frac) {
		return 0, bad
	}
	if whole == "" {
		whole = "0"
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, bad
	}
	f, err := strconv.ParseInt(frac, 10, 64)
	if err != nil || w > (math.MaxInt64-f)/100 {
		return 0, bad
	}
	m := Money(w*100 + f)
	if neg {
		m = -m
	}
	return m, nil
}

// digitsOnly reports whether s holds only the digits 0 to 9.
func digitsOnly(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
