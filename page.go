package fieldportal

import "strings"

// Every list is keyset-paginated: a request carries an opaque cursor (the
// Next of the previous page) and a limit; OFFSET is never used, so a page
// costs the same at row ten and at row ten million.

// DefaultLimit and MaxLimit bound a page.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Page is the pagination part of every filter.
type Page struct {
	// After is the opaque cursor returned as Next by the previous page.
	After string
	// Limit is the page size; 0 means DefaultLimit. CSV exports page
	// through everything with MaxLimit.
	Limit int
}

// Size returns the effective page size.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}

// Address is a postal address, shared by customers and sites.
type Address struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2"`
	City     string `json:"city"`
	Region   string `json:"region"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
}

// OneLine formats the address on one line, skipping empty parts.
func (a Address) OneLine() string {
	out := ""
	for _, p := range []string{a.Line1, a.Line2, a.City, a.Region, a.Postcode} {
		if p == "" {
			continue
		}
		if out != "" {
			out += ", "
		}
		out += p
	}
	return out
}

// PostcodeKey is a postcode as lists compare it: upper case, without
// spaces, so "bs1 4aa" finds "BS1 4AA".
func PostcodeKey(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}
