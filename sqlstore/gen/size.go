package gen

import "fmt"

// Size is how much one generated organisation holds. The named sizes are
// Large (the scale of issue 15), Small (a hundredth of it: the benchmark's
// smoke test) and Tiny (a thousandth, for tests).
type Size struct {
	// Name is printed in the stats ("small", "large").
	Name string
	// Sites is every site; ParentSites of them belong to the one big
	// parent customer's tree (parent, children, grandchildren).
	Sites, ParentSites int
	// Invoices and InvoiceLines: every invoice has one to five lines and
	// the lines add up to exactly InvoiceLines.
	Invoices, InvoiceLines int
	// Jobs and Quotes: spread evenly over the history, numbered in order.
	Jobs, Quotes int
	// Assets and Tests: the tests are spread evenly over the assets.
	Assets, Tests int
	// Documents are metadata only (no file bytes); the first
	// Certificates of them are the certificates' files.
	Documents int
	// Appointments are job visits, and quote surveys where a job has none.
	Appointments int
	// Logins are portal logins, the personas included.
	Logins int
	// Sizes the issue does not give: sensible shares of the above.
	Issues, Certificates, Tasks, Recurring, Staff int
}

// Large is the size of issue 15: a million invoices, twenty thousand
// sites under one parent.
var Large = Size{
	Name: "large", Sites: 100_000, ParentSites: 20_000,
	Invoices: 1_000_000, InvoiceLines: 3_000_000, Jobs: 200_000, Quotes: 50_000,
	Assets: 300_000, Tests: 2_000_000, Documents: 500_000, Appointments: 100_000, Logins: 5_000,
	Issues: 50_000, Certificates: 20_000, Tasks: 10_000, Recurring: 2_000, Staff: 25,
}

// Small is a hundredth of Large (200 sites under the parent).
var Small = Large.Scaled("small", 100)

// Tiny is a thousandth of Large, for tests.
var Tiny = Large.Scaled("tiny", 1000)

// SizeNamed returns the size of that name: tiny, small or large, as the
// commands' --size flags take them.
func SizeNamed(name string) (Size, bool) {
	for _, s := range []Size{Tiny, Small, Large} {
		if s.Name == name {
			return s, true
		}
	}
	return Size{}, false
}

// Scaled divides every count by div, keeping the few records that the
// shape needs (a parent tree of three levels, the personas' logins, staff).
func (s Size) Scaled(name string, div int) Size {
	d := func(n, least int) int { return max(n/div, least) }
	return Size{
		Name: name, Sites: d(s.Sites, 40), ParentSites: d(s.ParentSites, 20),
		Invoices: d(s.Invoices, 1), InvoiceLines: d(s.InvoiceLines, 1), Jobs: d(s.Jobs, 1), Quotes: d(s.Quotes, 1),
		Assets: d(s.Assets, 1), Tests: d(s.Tests, 0), Documents: d(s.Documents, 0), Appointments: d(s.Appointments, 0),
		Logins: d(s.Logins, 4), Issues: d(s.Issues, 1), Certificates: d(s.Certificates, 0), Tasks: d(s.Tasks, 0),
		Recurring: d(s.Recurring, 0), Staff: max(s.Staff/10, 2),
	}
}

// check refuses a size the generator cannot lay out.
func (s Size) check() error {
	switch {
	case s.ParentSites < 20:
		return fmt.Errorf("gen: size %s: the parent needs at least 20 sites", s.Name)
	case s.Sites < s.ParentSites+10:
		return fmt.Errorf("gen: size %s: needs at least 10 sites outside the parent", s.Name)
	case s.Invoices < 1 || s.InvoiceLines < s.Invoices || s.InvoiceLines > 5*s.Invoices:
		return fmt.Errorf("gen: size %s: every invoice needs one to five lines", s.Name)
	case s.Logins < 4 || s.Staff < 2:
		return fmt.Errorf("gen: size %s: needs at least 4 logins and 2 staff", s.Name)
	case s.Jobs < 1 || s.Quotes < 1 || s.Assets < 1 || s.Issues < 1:
		return fmt.Errorf("gen: size %s: needs at least one job, quote, asset and issue", s.Name)
	case s.Certificates > s.Documents:
		return fmt.Errorf("gen: size %s: every certificate needs a document", s.Name)
	}
	return nil
}
