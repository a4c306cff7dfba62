package fieldportal

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// The two ends of a quote's life after its request: the staff price it
// and send it (QuotePricing), and the customer answers it online
// (QuoteDecision, SPEC §4).

// QuoteDecision is a contact's online answer to an outstanding quote. The
// typed full name is the signature; From is the client address, which the
// server records, never the form. PortalURL starts the link in the mail
// that tells the office (https://portal.example.com).
type QuoteDecision struct {
	Accept     bool
	SignerName string
	Comment    string
	From       string
	PortalURL  string
	// Version is the Quote.Version of the quote as the signer read it
	// (the form's hidden field). When set, a quote changed since (priced
	// again by the office) is refused, so nobody signs for lines or a
	// total they have not seen. Empty skips the check (the API).
	Version string
	// At is when the name was typed, for an acceptance completed later
	// by its deposit's payment; zero is now.
	At time.Time
	// ValidAt is when the quote's validity is judged, for a deposit's
	// confirmation only (the store ignores it otherwise); zero is now. A
	// deposit's confirmation judges it when the payment could last have
	// been made (its checkout's lapse), not when the confirmation came.
	ValidAt time.Time
}

// Version identifies a quote's state as last saved: it changes with every
// save, so an answer can be tied to the quote as it was shown.
func (x *Quote) Version() string {
	return strconv.FormatInt(x.UpdatedAt.UnixMicro(), 10)
}

// Validate checks the decision before it is recorded.
func (d *QuoteDecision) Validate() error {
	var v Validation
	name := strings.TrimSpace(d.SignerName)
	switch {
	case name == "":
		v.Add("signed_by_name", "Full name is required: type your name to sign.")
	case len(name) > 200:
		v.Add("signed_by_name", "Full name must be at most 200 characters.")
	case !ValidSignerName(name):
		v.Add("signed_by_name", "Full name must be your name as you would sign it, in letters (hyphens, apostrophes and full stops allowed).")
	}
	if len(d.Comment) > 2000 {
		v.Add("comment", "Comment must be at most 2,000 characters.")
	}
	return v.Err()
}

// ValidSignerName reports whether s is a plausible typed name: letters,
// with spaces, hyphens, apostrophes and full stops between them, and at
// least two letters. Digits and symbols are not part of anybody's name, so
// "x" or "123" cannot stand as a signature.
func ValidSignerName(s string) bool {
	letters := 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			letters++
		case r == ' ' || r == '-' || r == '\'' || r == '’' || r == '.':
		default:
			return false
		}
	}
	return letters >= 2
}

// QuotePricing is the staff's price for a quote: its lines, the tax rate
// and how long the price holds. Send also sends it to the customer.
// PortalURL starts the link in the mail to the customer
// (https://portal.example.com).
type QuotePricing struct {
	Items      []QuoteItem
	TaxRate    int // basis points: 2000 is 20%
	ValidUntil Date
	Send       bool
	PortalURL  string
	// The deposit asked for on acceptance (Quote.DepositKind).
	DepositKind  DepositKind
	DepositValue int64
}

// MaxTaxRate is the highest tax rate a quote may carry, in basis points.
const MaxTaxRate = 10000

// Validate checks the pricing; today is the date in the organisation's
// time zone, as a quote's validity is a date there. Each line's errors
// name its fields as the pricing form does (item_1_quantity).
func (p *QuotePricing) Validate(today Date) error {
	var v Validation
	if len(p.Items) == 0 && p.Send {
		v.Add("items", "Add at least one line before sending the quote.")
	}
	if len(p.Items) > 200 {
		v.Add("items", "A quote can have at most 200 lines.")
	}
	for i, it := range p.Items {
		n := i + 1
		if strings.TrimSpace(it.Description) == "" {
			v.Add(ItemField(n, "description"), "Line %d: description is required.", n)
		} else if len(it.Description) > 500 {
			v.Add(ItemField(n, "description"), "Line %d: description must be at most 500 characters.", n)
		}
		if len(it.Code) > 60 {
			v.Add(ItemField(n, "code"), "Line %d: code must be at most 60 characters.", n)
		}
		if it.Quantity <= 0 || it.Quantity > 1_000_000 {
			v.Add(ItemField(n, "quantity"), "Line %d: quantity must be a whole number from 1 to 1,000,000.", n)
		}
		if it.UnitPrice < 0 || it.UnitPrice > 100_000_000_00 {
			v.Add(ItemField(n, "unit_price"), "Line %d: unit price must be from 0.00 to 100,000,000.00.", n)
		}
	}
	if p.TaxRate < 0 || p.TaxRate > MaxTaxRate {
		v.Add("tax_rate", "Tax rate must be a percentage from 0 to 100.")
	}
	if p.ValidUntil.IsZero() {
		if p.Send {
			v.Add("valid_until", "Valid until is required to send the quote.")
		}
	} else if p.ValidUntil.Before(today) {
		v.Add("valid_until", "Valid until must be today or later.")
	}
	_, _, _, total := p.Totals()
	checkDeposit(&v, p.DepositKind, p.DepositValue, total)
	return v.Err()
}

// ItemField is the form field name of a pricing line's column; n counts
// from 1.
func ItemField(n int, column string) string { return fmt.Sprintf("item_%d_%s", n, column) }

// Totals prices the lines: each line's total is quantity times unit
// price, optional lines are left out of the quote's totals, and the tax
// is rounded half up to the minor unit. Integer arithmetic throughout.
func (p *QuotePricing) Totals() (items []QuoteItem, exTax, tax, incTax Money) {
	items = make([]QuoteItem, len(p.Items))
	for i, it := range p.Items {
		it.Total = Money(it.Quantity) * it.UnitPrice
		items[i] = it
		if !it.Optional {
			exTax += it.Total
		}
	}
	// Whole ten-thousandths apart from the rest, so that the largest
	// totals Validate allows (200 lines of 1,000,000 at 100,000,000.00)
	// do not overflow int64 when multiplied by the rate.
	rate := Money(p.TaxRate)
	tax = exTax/10000*rate + (exTax%10000*rate+5000)/10000
	return items, exTax, tax, exTax + tax
}

// ParseTaxRate parses a percentage as typed ("20", "17.5", "5%") into
// basis points.
func ParseTaxRate(s string) (int, error) {
	s = strings.TrimSuffix(strings.TrimSpace(s), "%")
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || len(frac) > 2 {
		return 0, fmt.Errorf("tax rate must be a percentage with at most two decimals")
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err1 := strconv.Atoi(whole)
	f, err2 := strconv.Atoi(frac)
	// Signs are refused as text: Atoi reads "-0" as 0.
	if err1 != nil || err2 != nil || strings.ContainsAny(s, "+-") || w < 0 || w > 100 || f < 0 {
		return 0, fmt.Errorf("tax rate must be a percentage from 0 to 100")
	}
	return w*100 + f, nil
}

// TaxRateText formats basis points as a percentage: 2000 is "20", 1750
// "17.5".
func TaxRateText(bp int) string {
	s := fmt.Sprintf("%d.%02d", bp/100, bp%100)
	return strings.TrimSuffix(strings.TrimRight(s, "0"), ".")
}
