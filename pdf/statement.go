package pdf

import (
	"github.com/fieldportal/fieldportal"
)

// Statement draws a customer's statement: the period, the opening
// balance, every entry with its debit or credit and the running balance,
// the closing balance and the ageing of what is owed. Each entry is one
// line (its reference and details cut to their columns), so a year of a
// big customer's entries makes pages quickly; the table's heading tops
// every page.
//
// A statement of more than MaxStatementEntries entries is refused with an
// error naming the from date; its CSV carries every entry.
func Statement(opt Options, st *fieldportal.Statement, customer Party) ([]byte, error) {
	name := "Statement " + st.From.String() + " to " + st.To.String()
	if n := len(st.Entries); n > MaxStatementEntries {
		return nil, fieldportal.FieldErrorf("from", "This statement has %d invoices and payments, more than a printout holds (%d). Choose a later from date, or download the CSV.", n, MaxStatementEntries)
	}
	return render(opt, name, func(d *doc) { d.statement(st, customer) })
}

// statement draws the statement.
func (d *doc) statement(st *fieldportal.Statement, customer Party) {
	d.title("Statement")
	d.parties(customer)
	d.fields(
		field{"Period", formatDate(st.From) + " to " + formatDate(st.To)},
		field{"Closing balance", d.money(st.Closing)},
	)
	d.section("Account")
	d.statementEntries(st)
	d.totals(total{label: "Closing balance", amount: d.money(st.Closing), bold: true})
	d.section("What is owed, by how overdue it is")
	d.ageing(st.Ageing)
}

// MaxStatementEntries is the most entries a statement's printout draws:
// about 400,000, twice a year of the biggest customer's (190,000 entries,
// about a second of drawing), bounds the time and memory one request
// may take.
var MaxStatementEntries = 400_000

// The statement table's columns, of the grid's 12.
var statementCols = [...]struct {
	label string
	n     int
	num   bool
}{{"Date", 2, false}, {"Reference", 2, false}, {"Details", 2, false}, {"Debit", 2, true}, {"Credit", 2, true}, {"Balance", 2, true}}

// statementEntries adds the table of entries between its opening and
// closing balance lines. Each entry is one row, its cells cut to their
// columns.
func (d *doc) statementEntries(st *fieldportal.Statement) {
	head := style{bold: true, pad: true, below: 1}
	headNum := style{bold: true, pad: true, align: alignRight, below: 1}
	plain, num := style{pad: true}, style{pad: true, align: alignRight}
	heading := func() {
		d.headingRow(func(y float64) {
			at := 0
			for _, c := range statementCols {
				s := head
				if c.num {
					s = headNum
				}
				d.text(c.label, colWidth(at), colWidth(c.n), y, s)
				at += c.n
			}
		})
	}
	var cells [len(statementCols)]string
	line := func() {
		if !d.fits(lineHeight) {
			heading()
		}
		d.add(lineHeight, func(y float64) {
			at := 0
			for i, c := range statementCols {
				s := plain
				if c.num {
					s = num
				}
				t := cells[i]
				if i == 1 || i == 2 { // what people typed; the rest is written here
					t = oneLine(t)
				}
				if t != "" {
					if w := colWidth(c.n) - 2*cellPad; d.fonts.textWidth(t, s.bold, s.fontSize()) > w {
						t = d.fonts.fitPrefix(t, s.bold, s.fontSize(), w)
					}
				}
				d.text(t, colWidth(at), colWidth(c.n), y, s)
				at += c.n
			}
		})
	}
	// Entries come by date, many to a day: each day is written once.
	var lastDay fieldportal.Date
	var lastDate string
	date := func(day fieldportal.Date) string {
		if day != lastDay || lastDate == "" {
			lastDay, lastDate = day, formatDate(day)
		}
		return lastDate
	}
	heading()
	cells = [...]string{formatDate(st.From), "", "Opening balance", "", "", d.money(st.Opening)}
	line()
	for _, e := range st.Entries {
		details := e.Description
		if e.SiteName != "" {
			details = e.SiteName
		}
		if e.Kind == fieldportal.StatementInvoice {
			cells = [...]string{date(e.Date), e.Number, details, d.money(e.Amount), "", d.money(e.Balance)}
		} else {
			cells = [...]string{date(e.Date), e.Number, details, "", d.money(e.Amount), d.money(e.Balance)}
		}
		line()
	}
	d.spacer(1)
	d.ruleRow(2)
}

// ageing adds the ageing as a table of one row, kept on one page.
func (d *doc) ageing(a fieldportal.Ageing) {
	labels := []string{"Current", "1 to 30 days", "31 to 60 days", "61 to 90 days", "Over 90 days", "Total owed"}
	amounts := []fieldportal.Money{a.Current, a.Days1To30, a.Days31To60, a.Days61To90, a.Over90, a.Total()}
	d.keep(2*lineHeight + 4)
	d.headingRow(func(y float64) {
		for i := range labels {
			d.text(labels[i], colWidth(2*i), colWidth(2), y, style{bold: true, pad: true, align: alignRight, below: 1})
		}
	})
	d.add(lineHeight+1, func(y float64) {
		for i := range amounts {
			d.text(d.money(amounts[i]), colWidth(2*i), colWidth(2), y, style{pad: true, align: alignRight, bold: i == len(labels)-1})
		}
	})
	d.spacer(2)
}
