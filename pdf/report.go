package pdf

// Report draws a tabular report (the PPM grid, the current defects, the
// test history): a title, the filters it was made with as fields, a table
// of text cells under a heading that tops every page, and a note under
// it. Every cell is words and numbers, never a colour alone. A cell is cut
// to its column, so a row is one line.

// ReportColumn is one column of a report: its heading and its width in
// twelfths of the page.
type ReportColumn struct {
	Label string
	N     int
	// Numeric aligns the column right.
	Numeric bool
}

// ReportDoc is what a report printout shows.
type ReportDoc struct {
	Title   string
	Fields  [][2]string // label, value
	Columns []ReportColumn
	Rows    [][]string
	// Note is a sentence under the table ("Showing the first 2,000 ...").
	Note string
}

// MaxReportRows is the most rows a report printout draws (some forty
// pages); the handlers stop there and say so, and the CSV carries every
// row. Tests lower it.
var MaxReportRows = 2000

// Report draws a report.
func Report(opt Options, r ReportDoc) ([]byte, error) {
	return render(opt, r.Title, func(d *doc) { d.report(r) })
}

func (d *doc) report(r ReportDoc) {
	d.title(r.Title)
	var fs []field
	for _, f := range r.Fields {
		fs = append(fs, field{f[0], f[1]})
	}
	d.fields(fs...)
	head := style{bold: true, pad: true, below: 1}
	plain := style{pad: true}
	styleOf := func(c ReportColumn, s style) style {
		if c.Numeric {
			s.align = alignRight
		}
		return s
	}
	heading := func() {
		d.headingRow(func(y float64) {
			at := 0
			for _, c := range r.Columns {
				d.text(c.Label, colWidth(at), colWidth(c.N), y, styleOf(c, head))
				at += c.N
			}
		})
	}
	heading()
	if len(r.Rows) == 0 {
		d.add(lineHeight, func(y float64) { d.text("Nothing to show.", 0, contentWidth, y, plain) })
	}
	for _, row := range r.Rows {
		if !d.fits(lineHeight) {
			heading()
		}
		d.add(lineHeight, func(y float64) {
			at := 0
			for i, c := range r.Columns {
				t := ""
				if i < len(row) {
					t = oneLine(row[i])
				}
				s := styleOf(c, plain)
				if t != "" {
					if w := colWidth(c.N) - 2*cellPad; d.fonts.textWidth(t, s.bold, s.fontSize()) > w {
						t = d.fonts.fitPrefix(t, s.bold, s.fontSize(), w)
					}
				}
				d.text(t, colWidth(at), colWidth(c.N), y, s)
				at += c.N
			}
		})
	}
	d.spacer(2)
	d.ruleRow(2)
	if r.Note != "" {
		d.paragraph(r.Note, style{grey: true})
	}
}
