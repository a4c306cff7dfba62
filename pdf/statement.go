package pdf

import (
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

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
// error naming the from date: drawing takes about 0.4 ms an entry, and a
// year of a customer of 20,000 sites (190,000 entries) would take over a
// minute and 200 MB; its CSV carries every entry.
func Statement(opt Options, st *fieldportal.Statement, customer Party) ([]byte, error) {
	if n := len(st.Entries); n > MaxStatementEntries {
		return nil, fieldportal.FieldErrorf("from", "This statement has %d invoices and payments, more than a printout holds (%d). Choose a later from date, or download the CSV.", n, MaxStatementEntries)
	}
	name := "Statement " + st.From.String() + " to " + st.To.String()
	d, err := newDoc(opt, name)
	if err != nil {
		return nil, err
	}
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
	return d.bytes()
}

// MaxStatementEntries is the most entries a statement's printout draws
// (about two seconds of drawing).
var MaxStatementEntries = 5000

// The statement table's columns, of the grid's 12.
var statementCols = [...]struct {
	label string
	n     int
	num   bool
}{{"Date", 2, false}, {"Reference", 2, false}, {"Details", 2, false}, {"Debit", 2, true}, {"Credit", 2, true}, {"Balance", 2, true}}

// statementEntries adds the table of entries between its opening and
// closing balance lines.
func (d *doc) statementEntries(st *fieldportal.Statement) {
	head := style{bold: true, pad: true, below: 1}
	headNum := style{bold: true, pad: true, align: align.Right, below: 1}
	plain, num := style{pad: true}, style{pad: true, align: align.Right}
	heading := func() {
		cols := make([]core.Col, len(statementCols))
		for i, c := range statementCols {
			s := head
			if c.num {
				s = headNum
			}
			cols[i] = textCol(c.n, []string{c.label}, s, 0)
		}
		d.add(lineHeight+2, row.New(lineHeight+2).Add(cols...).WithStyle(&props.Cell{BackgroundColor: tableHead}))
	}
	cell := func(i int, s string) core.Col {
		st := plain
		if statementCols[i].num {
			st = num
		}
		s = oneLine(s)
		if s != "" {
			if w := colWidth(statementCols[i].n) - 2*cellPad; textWidth(s, st.fontStyle(), st.fontSize()) > w {
				s = fitPrefix(s, st.fontStyle(), st.fontSize(), w)
			}
		}
		return textCol(statementCols[i].n, []string{s}, st, 0)
	}
	line := func(cells ...string) {
		if !d.fits(lineHeight) {
			heading()
		}
		cols := make([]core.Col, len(cells))
		for i, s := range cells {
			cols[i] = cell(i, s)
		}
		d.add(lineHeight, row.New(lineHeight).Add(cols...))
	}
	heading()
	line(formatDate(st.From), "", "Opening balance", "", "", d.money(st.Opening))
	for _, e := range st.Entries {
		details := e.Description
		if e.SiteName != "" {
			details = e.SiteName
		}
		if e.Kind == fieldportal.StatementInvoice {
			line(formatDate(e.Date), e.Number, details, d.money(e.Amount), "", d.money(e.Balance))
		} else {
			line(formatDate(e.Date), e.Number, details, "", d.money(e.Amount), d.money(e.Balance))
		}
	}
	d.spacer(1)
	d.add(2, lineRule())
}

// lineRule is the thin rule under a table.
func lineRule() core.Row {
	return line.NewRow(2, props.Line{Color: rule, Thickness: 0.3, SizePercent: 100, OffsetPercent: 50})
}

// ageing adds the ageing as a table of one row, kept on one page.
func (d *doc) ageing(a fieldportal.Ageing) {
	labels := []string{"Current", "1 to 30 days", "31 to 60 days", "61 to 90 days", "Over 90 days", "Total owed"}
	amounts := []fieldportal.Money{a.Current, a.Days1To30, a.Days31To60, a.Days61To90, a.Over90, a.Total()}
	d.keep(2*lineHeight + 4)
	head := make([]core.Col, len(labels))
	vals := make([]core.Col, len(labels))
	for i := range labels {
		head[i] = textCol(2, []string{labels[i]}, style{bold: true, pad: true, align: align.Right, below: 1}, 0)
		vals[i] = textCol(2, []string{d.money(amounts[i])}, style{pad: true, align: align.Right, bold: i == len(labels)-1}, 0)
	}
	d.add(lineHeight+2, row.New(lineHeight+2).Add(head...).WithStyle(&props.Cell{BackgroundColor: tableHead}))
	d.add(lineHeight+1, row.New(lineHeight+1).Add(vals...))
	d.add(2, row.New(2).Add(col.New(gridSize)))
}
