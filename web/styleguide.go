package web

import (
	"time"

	"github.com/fieldportal/fieldportal"
)

// Styleguide is the demo data the console's style guide renders every
// component with, so a change to the kit is seen on one page (and in the
// screenshot test) before any module uses it.
type Styleguide struct {
	Currency string
	// The list components, as a list page puts them together.
	Filters FilterBar
	Count   Count
	CSVURL  string
	Table   Table
	Pager   Pager
	Badges  []Badge
	Record  RecordHeader
	Tabs    []NavLink
	Details []Detail
	// Amounts are money as the kit writes it: long, negative, zero.
	Amounts []DemoAmount
	// When is a moment shown as a date and as a date and time.
	When    time.Time
	Empty   EmptyState
	Notices []Notice
	// The form: its error summary, its fields of every kind, a group of
	// checkboxes with a long label and one of radio buttons.
	FormErrors []fieldportal.FieldError
	Fields     []any
	Checks     Choices
	Radios     Choices
}

// DemoAmount is an amount of the style guide with what it shows.
type DemoAmount struct {
	Label  string
	Amount fieldportal.Money
}

// StyleguideDemo returns the style guide's demo values in a currency.
func StyleguideDemo(currency string) Styleguide {
	const page = "/console/styleguide"
	issued := func(d int) time.Time { return time.Date(2026, 3, d, 9, 30, 0, 0, time.UTC) }
	row := func(number, site string, day int, status, tone string, amount fieldportal.Money) []Cell {
		return []Cell{
			LinkCell(number, page+"#invoice-"+number),
			TextCell(site),
			DateCell(issued(day)),
			BadgeCell(status, tone),
			MoneyCell(currency, amount),
		}
	}
	errs := FormErrors{
		"email":   "Enter an email address in the right form, like name@example.com.",
		"visit":   "Choose a date from today on.",
		"consent": "Tick the box to agree before you go on.",
	}
	email := Field("email", "Email address", "email", "sam@example", "email", errs)
	email.Hint = "We send the confirmation here."
	phone := Field("phone", "Phone", "tel", "0117 496 0000", "tel", errs).Optional()
	qty := Field("quantity", "Quantity", "number", "2", "off", errs)
	qty.Inputmode = "numeric"
	visit := Field("visit", "Preferred date", "date", "2026-03-02", "off", errs)
	visit.Hint = "We will confirm the time by email."
	notes := Field("notes", "What needs doing?", "textarea", "The fire door on the second floor does not close by itself.\nAccess through the loading bay.", "off", errs).Optional()
	notes.Hint = "Say where on the site, and how to get in."
	priority := SelectView{FieldView: Field("priority", "Priority", "select", "", "off", errs), Options: []CheckOption{
		{Value: "low", Label: "Low: within a month"},
		{Value: "normal", Label: "Normal: within a week", Checked: true},
		{Value: "urgent", Label: "Urgent: within 24 hours"},
	}}
	return Styleguide{
		Currency: currency,
		Filters: FilterBar{
			Action: page, Label: "Filter invoices",
			Filters: []Filter{
				{Name: "q", Label: "Search", Type: "search", Value: "dock", Hint: "Invoice or job number"},
				{Name: "status", Label: "Status", Type: "select", Options: []CheckOption{
					{Value: "", Label: "All"}, {Value: "unpaid", Label: "Unpaid", Checked: true}, {Value: "paid", Label: "Paid"}}},
				{Name: "from", Label: "Issued from", Type: "date", Value: "2026-01-01"},
				{Name: "to", Label: "Issued to", Type: "date"},
			},
			Keep:     []Param{{Name: "sort", Value: "-issued"}},
			ClearURL: page,
		},
		Count:  Count{Shown: 5, Total: 1204, One: "invoice", Many: "invoices"},
		CSVURL: page + "?format=csv",
		Table: Table{
			Caption: "Invoices, newest first",
			Columns: []Column{
				{Label: "Invoice", SortURL: page + "?sort=number"},
				{Label: "Site"},
				{Label: "Issued", SortURL: page + "?sort=issued", Sort: "desc"},
				{Label: "Status"},
				{Label: "Amount", SortURL: page + "?sort=-amount", Numeric: true},
			},
			Rows: [][]Cell{
				row("INV-10482", "Dock Warehouse", 28, "Overdue", "danger", 1234567_89),
				row("INV-10481", "Harbour HQ, 1 Quay Street, Bristol", 21, "Unpaid", "warning", 48_000),
				row("INV-10479", "Parkway Cinema", 14, "Part paid", "info", 12_950),
				row("INV-10475", "Dock Warehouse", 7, "Paid", "success", 399_99),
				row("CRN-00031", "Harbour HQ", 2, "Credit", "neutral", -250_00),
			},
		},
		Pager: Pager{FirstURL: page, PrevURL: page + "?before=demo", NextURL: page + "?after=demo"},
		Badges: []Badge{
			{Text: "Draft", Tone: "neutral"}, {Text: "Scheduled", Tone: "info"}, {Text: "Paid", Tone: "success"},
			{Text: "Due soon", Tone: "warning"}, {Text: "Overdue", Tone: "danger"},
		},
		Record: RecordHeader{
			BackURL: page, BackLabel: "All service orders",
			Title: "Service order SO-20931", Subtitle: "Dock Warehouse · Harbourside Property Group",
			Badges: []Badge{{Text: "Scheduled", Tone: "info"}, {Text: "Priority: urgent", Tone: "warning"}},
			Actions: []Action{
				{Label: "Book a visit", URL: page + "#book"},
				{Label: "Download PDF", URL: page + "#pdf", Style: "secondary"},
				{Label: "Cancel order", URL: page, Style: "danger", Method: "post", Field: "action", Value: "demo"},
			},
		},
		Tabs: []NavLink{
			{Label: "Overview", URL: page, Current: true}, {Label: "Issues", URL: page + "#issues"},
			{Label: "Service", URL: page + "#service"}, {Label: "Install", URL: page + "#install"},
			{Label: "Quotes", URL: page + "#quotes"}, {Label: "Invoices", URL: page + "#invoices"},
			{Label: "Equipment", URL: page + "#equipment"}, {Label: "Documents", URL: page + "#documents"},
			{Label: "Certificates", URL: page + "#certificates"},
		},
		Details: []Detail{
			{Label: "Address", Lines: []string{"Unit 4, Dock Road", "Avonmouth", "Bristol", "BS11 9FG"}},
			{Label: "Customer", Value: "Harbourside Property Group"},
			{Label: "Scheduled", Value: FormatDateTime(issued(30).Add(5 * time.Hour))},
			{Label: "Technician", Value: "Jamie Patel"},
			{Label: "Order total", Value: MoneyText(currency, 1234567_89)},
			{Label: "Notes", Value: "Keys at reception.\nPark in bay 3.", Pre: true},
		},
		Amounts: []DemoAmount{
			{Label: "A long balance", Amount: 1234567_89},
			{Label: "A credit", Amount: -250_00},
			{Label: "Nothing owed", Amount: 0},
			{Label: "Pennies", Amount: 7},
		},
		When: issued(3).Add(4*time.Hour + 35*time.Minute),
		Empty: EmptyState{
			Title:     "No invoices match these filters",
			Text:      "Try a wider date range, or clear the filters to see every invoice.",
			ActionURL: page, ActionLabel: "Clear the filters",
		},
		Notices: []Notice{
			{Text: "Your details have been saved.", Tone: "success"},
			{Text: "Invoices from before 2024 are kept in the statement.", Tone: "info"},
			{Text: "This quote expires in 3 days.", Tone: "warning"},
			{Text: "The payment could not be taken. Nothing has been charged; try another card.", Tone: "error"},
		},
		FormErrors: errs.List("email", "quantity", "visit", "consent"),
		Fields:     []any{email, phone, qty, visit, priority, notes, Field("password", "New password", "password", "", "new-password", errs), Field("find", "Search the catalogue", "search", "door closer", "off", errs).Optional(), Field("photo", "Photo of the fault", "file", "", "off", errs).Optional()},
		Checks: Choices{
			Name: "consent", Legend: "Before you book", Type: "checkbox", Error: errs["consent"],
			Options: []CheckOption{
				{Value: "terms", Label: "I agree that the engineer may need to isolate the fire alarm panel for up to two hours while the work is done, and that I have told everyone on site."},
				{Value: "mail", Label: "Email me when the visit is booked", Checked: true},
			},
		},
		Radios: Choices{
			Name: "window", Legend: "Time of day", Type: "radio", Hint: "We arrive within the window you choose.", Columns: true,
			Options: []CheckOption{
				{Value: "am", Label: "Morning (8:00–12:00)", Checked: true},
				{Value: "pm", Label: "Afternoon (12:00–17:00)"},
				{Value: "any", Label: "Any time"},
			},
		},
	}
}
