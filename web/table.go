package web

import (
	"time"

	"github.com/fieldportal/fieldportal"
)

// The view types of the kit's list components (components.html): a data
// table with sortable headers, the filter bar above it, the count and CSV
// link beside it, and the keyset pager below it. Every component reads
// its argument by field name, so a page may pass one of these types or,
// from a template, a dict with the same keys.

// Table is a data table (the "table" component). On a wide screen it is a
// table; on a phone each row becomes a card whose cells carry their
// column's label.
type Table struct {
	// Caption names the table for screen readers; it is not shown.
	Caption string
	Columns []Column
	// Rows are the cells of each row, in the order of Columns.
	Rows [][]Cell
}

// BodyCell is a Cell with what the table's template needs of its column,
// worked out in Go once per page (see Table.Body).
type BodyCell struct {
	// Cell is the cell itself. It is a named field, not an embedded one:
	// text/template finds a promoted field by a slower search.
	Cell Cell
	// Header copies Cell.Header.
	Header bool
	// Label is the column's label: each cell carries it for the card
	// layout of a phone (data-label); "" for a cell beyond the columns.
	Label string
	// Numeric copies the column's alignment.
	Numeric bool
	// Extra marks a cell beyond the columns: a plain <td>.
	Extra bool
}

// Body is the table's rows with each cell's column information. The
// template once looked the column up for every cell (index, len, lt:
// about a third of a 50-row table's 1.8 ms, most of it in reflection)
// (issue 15).
func (t Table) Body() [][]BodyCell {
	out := make([][]BodyCell, len(t.Rows))
	for i, row := range t.Rows {
		cells := make([]BodyCell, len(row))
		for j, c := range row {
			cells[j].Cell, cells[j].Header = c, c.Header
			if j < len(t.Columns) {
				cells[j].Label, cells[j].Numeric = t.Columns[j].Label, t.Columns[j].Numeric
			} else {
				cells[j].Extra = true
			}
		}
		out[i] = cells
	}
	return out
}

// Column is one column of a Table.
type Column struct {
	Label string
	// SortURL makes the header a link that sorts by this column (the
	// other way round when it is the current sort); "" when the column
	// does not sort.
	SortURL string
	// Sort is the current order of the list by this column: "asc",
	// "desc", or "" when the list is not sorted by it.
	Sort string
	// Numeric columns (counts, money) align right with even digits.
	Numeric bool
}

// Cell is one cell of a Table. Exactly one of Text and Badge is shown;
// URL makes the text a link.
type Cell struct {
	Text string
	URL  string
	// Badge shows a status badge instead of Text.
	Badge *Badge
	// Header marks the cell that names the row (the row's <th>); on a
	// phone it is the card's title.
	Header bool
	// Hint is quieter text after the value (such as "(you)").
	Hint string
	// Image is the address of a small round picture before the value (a
	// technician's face in the diary). The value beside it names what it
	// shows, so its text alternative is empty: a screen reader reads the
	// name once.
	Image string
}

// TextCell is a cell of plain text.
func TextCell(s string) Cell { return Cell{Text: s} }

// LinkCell is a cell linking to url: the row's header when it names the
// record (the first link of a row opens the record).
func LinkCell(text, url string) Cell { return Cell{Text: text, URL: url, Header: true} }

// MoneyCell is an amount in a currency (its column should be Numeric).
func MoneyCell(currency string, m fieldportal.Money) Cell {
	return Cell{Text: MoneyText(currency, m)}
}

// DateCell is a date, already in the organisation's zone; "" for none.
func DateCell(t time.Time) Cell { return Cell{Text: FormatDate(t)} }

// BadgeCell is a status badge.
func BadgeCell(text, tone string) Cell { return Cell{Badge: &Badge{Text: text, Tone: tone}} }

// Badge is a status shown in words on a tinted background (the "badge"
// component). Tone is one of neutral, info, success, warning, danger; ""
// is neutral. The colour only echoes the text, which carries the meaning.
type Badge struct {
	Text, Tone string
}

// FilterBar is a list's filter form (the "filterBar" component): a GET
// form, so a filtered list has an address to bookmark, and its CSV link
// can take the same query string.
type FilterBar struct {
	// Action is the list's path, such as /invoices.
	Action string
	// Label names the form for screen readers ("Filter invoices").
	Label   string
	Filters []Filter
	// Keep are query values the form carries along unchanged (such as
	// the sort), as hidden inputs.
	Keep []Param
	// ClearURL goes back to the unfiltered list; "" hides the Clear link
	// (nothing is filtered).
	ClearURL string
	// Submit is the button's words; "" is "Apply" ("Search" suits a bar
	// of one search box).
	Submit string
}

// Filter is one control of a FilterBar.
type Filter struct {
	// Name is the query parameter; it is also the input's id, so it must
	// be unique on the page.
	Name, Label string
	// Type is "search", "text", "date" or "select".
	Type  string
	Value string
	// Hint says what a search matches ("Name, address or postcode").
	Hint string
	// Options are a select's choices; the Checked one is selected.
	Options []CheckOption
}

// Param is one name and value of a query string.
type Param struct{ Name, Value string }

// Count says how many rows a list shows (the "resultCount" component):
// "25 sites" when Total equals Shown, "Showing 25 of 1,204 sites" when the
// list has more, "Showing 25 sites" when the total is unknown (Total < 0).
type Count struct {
	Shown, Total int
	// One and Many are the noun: "site", "sites".
	One, Many string
}

// Pager links the pages of a keyset-paged list (the "pager" component).
// Each URL is "" where there is no such page.
type Pager struct {
	// FirstURL goes back to the first page, for a list that can only page
	// forwards.
	FirstURL string
	PrevURL  string
	NextURL  string
}
