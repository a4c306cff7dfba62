package pdf

import (
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/image"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/extension"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// The layout every printout is composed of. Each block adds rows to the
// document; the library starts a new page (with the letterhead) when a
// row does not fit. Blocks that may grow long (paragraphs, the lines
// table) add one row per line of text, so they break across pages.

var (
	grey      = &props.Color{Red: 85, Green: 85, Blue: 85}
	rule      = &props.Color{Red: 170, Green: 170, Blue: 170}
	tableHead = &props.Color{Red: 235, Green: 235, Blue: 235}
)

// colWidth is the width in mm of a column spanning n of the grid's 12.
func colWidth(n int) float64 { return contentWidth * float64(n) / gridSize }

// cellPad is the space left and right of the text in a table's cells.
const cellPad = 1.0

// style is how a piece of text is drawn.
type style struct {
	bold  bool
	size  float64
	align align.Type
	grey  bool
	pad   bool    // the table's cell padding
	below float64 // space above the text within its row (mm)
}

func (s style) props(top float64) props.Text {
	p := props.Text{Top: top + s.below, Family: family, Style: fontstyle.Normal, Size: bodySize, Align: align.Left}
	if s.bold {
		p.Style = fontstyle.Bold
	}
	if s.size != 0 {
		p.Size = s.size
	}
	if s.align != "" {
		p.Align = s.align
	}
	if s.grey {
		p.Color = grey
	}
	if s.pad {
		p.Left, p.Right = cellPad, cellPad
	}
	return p
}

func (s style) fontStyle() fontstyle.Type {
	if s.bold {
		return fontstyle.Bold
	}
	return fontstyle.Normal
}

func (s style) fontSize() float64 {
	if s.size != 0 {
		return s.size
	}
	return bodySize
}

// wrapIn wraps text to the width of a column of n, in style s.
func (s style) wrapIn(n int, t string) []string {
	w := colWidth(n)
	if s.pad {
		w -= 2 * cellPad
	}
	return wrap(t, s.fontStyle(), s.fontSize(), w)
}

// textCol is a column of n holding lines of text one under the other.
func textCol(n int, lines []string, s style, lh float64) core.Col {
	c := col.New(n)
	for i, l := range lines {
		if l != "" {
			c.Add(text.New(l, s.props(float64(i)*lh)))
		}
	}
	return c
}

// pageRoom is the height rows may fill on a page (mm).
const pageRoom = pageHeight - marginTop - marginBottom

// add adds a row h mm high (its fixed height). It counts the page's
// height as the library does, adding the same numbers in the same order,
// so that fits knows where the library will start a new page.
func (d *doc) add(h float64, r core.Row) {
	if !d.fits(h) {
		d.used = d.letterheadUsed
	}
	d.used += h
	d.m.AddRows(r)
}

// fits reports whether a row h mm high fits on the current page.
func (d *doc) fits(h float64) bool { return h+d.used <= pageRoom }

// keep starts a new page unless h mm still fit on this one: a heading
// stays with the first lines under it, the totals stay together.
func (d *doc) keep(h float64) {
	// Fill the page, short of a rounding error, so the next row starts
	// another.
	if room := pageRoom - d.used - 0.001; !d.fits(h) && room > 0 {
		d.spacer(room)
	}
}

// spacer adds h mm of empty space.
func (d *doc) spacer(h float64) { d.add(h, row.New(h).Add(col.New(gridSize))) }

// letterhead is the rows at the top of every page: the logo on the left,
// the organisation's name and details on the right, and a rule. A long
// name or detail wraps, and the letterhead grows to hold it.
func (d *doc) letterhead() []core.Row {
	lh := d.opt.Letterhead
	nameStyle := style{bold: true, size: 13, align: align.Right}
	detailStyle := style{size: 8, align: align.Right, grey: true}
	const nameH, detailH, logoH = 5.5, 3.8, 18.0
	right := col.New(9)
	top := 0.0
	for _, l := range nameStyle.wrapIn(9, oneLine(lh.Name)) {
		right.Add(text.New(l, nameStyle.props(top)))
		top += nameH
	}
	top += 1.5
	for _, detail := range lh.Details {
		for _, l := range detailStyle.wrapIn(9, oneLine(detail)) {
			right.Add(text.New(l, detailStyle.props(top)))
			top += detailH
		}
	}
	height := max(logoH, top+1)
	logo := col.New(3)
	if img := printableLogo(lh.Logo); img != nil {
		logo.Add(image.NewFromBytes(img, extension.Png, props.Rect{Percent: 100}))
	}
	for _, h := range []float64{height, 4, 2} {
		d.letterheadUsed += h
	}
	d.used = d.letterheadUsed
	return []core.Row{
		row.New(height).Add(logo, right),
		line.NewRow(4, props.Line{Color: rule, Thickness: 0.3, SizePercent: 100, OffsetPercent: 50}),
		row.New(2).Add(col.New(gridSize)),
	}
}

// title adds the printout's heading, such as "Quote Q-1042".
func (d *doc) title(t string) {
	d.add(9, row.New(9).Add(col.New(gridSize).Add(text.New(oneLine(t), style{bold: true, size: 15}.props(0)))))
	d.spacer(2)
}

// parties adds blocks side by side: the customer, the site; one without
// a name is left out.
func (d *doc) parties(all ...Party) {
	var ps []Party // a party without a name is left out
	for _, p := range all {
		if oneLine(p.Name) != "" {
			ps = append(ps, p)
		}
	}
	if len(ps) == 0 {
		return
	}
	n := gridSize / len(ps)
	var cols []core.Col
	tallest := 0
	for _, p := range ps {
		label := style{bold: true, size: 8, grey: true}
		lines := style{bold: true}.wrapIn(n, oneLine(p.Name))
		named := len(lines) // the name's lines are bold
		for _, l := range p.Lines {
			if l = oneLine(l); l != "" {
				lines = append(lines, style{}.wrapIn(n, l)...)
			}
		}
		c := col.New(n).Add(text.New(oneLine(p.Label), label.props(0)))
		for i, l := range lines {
			s := style{bold: i < named}
			c.Add(text.New(l, s.props(float64(i+1)*lineHeight)))
		}
		cols = append(cols, c)
		tallest = max(tallest, len(lines)+1)
	}
	h := float64(tallest)*lineHeight + 2
	d.add(h, row.New(h).Add(cols...))
	d.spacer(2)
}

// field is one labelled value of a record: "Order number", "PO-77".
type field struct{ label, value string }

// fields adds labelled values two to a row; those without a value are
// left out.
func (d *doc) fields(fs ...field) {
	var shown []field
	for _, f := range fs {
		if oneLine(f.value) != "" {
			shown = append(shown, f)
		}
	}
	for i := 0; i < len(shown); i += 2 {
		var cols []core.Col
		tallest := 1
		for _, f := range shown[i:min(i+2, len(shown))] {
			label, value := style{grey: true}.wrapIn(2, oneLine(f.label)), style{}.wrapIn(4, oneLine(f.value))
			cols = append(cols, textCol(2, label, style{grey: true}, lineHeight), textCol(4, value, style{}, lineHeight))
			tallest = max(tallest, len(label), len(value))
		}
		h := float64(tallest)*lineHeight + 0.8
		d.add(h, row.New(h).Add(cols...))
	}
	d.spacer(2)
}

// section adds a heading over the block that follows.
func (d *doc) section(heading string) {
	d.keep(8 + 3*lineHeight + 2) // the heading, a table's heading and two lines
	d.add(8, row.New(8).Add(col.New(gridSize).Add(text.New(oneLine(heading), style{bold: true, size: 10.5}.props(2.5)))))
}

// paragraph adds text the full width of the page, wrapped, a row a line.
func (d *doc) paragraph(t string, s style) {
	for _, l := range s.wrapIn(gridSize, t) {
		d.add(lineHeight, row.New(lineHeight).Add(textCol(gridSize, []string{l}, s, lineHeight)))
	}
}

// lineItem is one line of a lines table, its amounts already written.
type lineItem struct {
	code, description, quantity, unitPrice, total string
}

// The lines table's columns, in twelfths of the width.
const (
	codeCols   = 2
	descCols   = 5
	qtyCols    = 1
	priceCols  = 2
	amountCols = 2
)

// lines adds the lines table: code, description, quantity, unit price
// and total. A description wraps within its column onto rows of its own.
func (d *doc) lines(items []lineItem) {
	head := style{bold: true, pad: true, below: 1}
	num := style{pad: true, align: align.Right}
	headNum := style{bold: true, pad: true, align: align.Right, below: 1}
	heading := func() {
		d.add(lineHeight+2, row.New(lineHeight+2).Add(
			textCol(codeCols, []string{"Code"}, head, 0),
			textCol(descCols, []string{"Description"}, head, 0),
			textCol(qtyCols, []string{"Qty"}, headNum, 0),
			textCol(priceCols, []string{"Unit price"}, headNum, 0),
			textCol(amountCols, []string{"Total"}, headNum, 0),
		).WithStyle(&props.Cell{BackgroundColor: tableHead}))
	}
	heading()
	plain := style{pad: true}
	const gap = 1.0 // between two lines of the table
	for n, it := range items {
		desc := plain.wrapIn(descCols, it.description)
		code := plain.wrapIn(codeCols, oneLine(it.code))
		for i := range max(len(desc), len(code), 1) {
			at := func(ls []string) []string {
				if i < len(ls) {
					return []string{ls[i]}
				}
				return nil
			}
			cols := []core.Col{textCol(codeCols, at(code), plain, 0), textCol(descCols, at(desc), plain, 0)}
			if i == 0 {
				cols = append(cols, textCol(qtyCols, []string{it.quantity}, num, 0),
					textCol(priceCols, []string{it.unitPrice}, num, 0), textCol(amountCols, []string{it.total}, num, 0))
			} else {
				cols = append(cols, col.New(qtyCols), col.New(priceCols), col.New(amountCols))
			}
			// The gap goes before a line, and only where the line fits
			// after it, so no page starts with a gap instead of the
			// heading, which tops the next page (it starts it).
			switch {
			case i == 0 && n > 0 && d.fits(gap+lineHeight):
				d.spacer(gap)
			case !d.fits(lineHeight) || i == 0 && n > 0:
				heading()
			}
			d.add(lineHeight, row.New(lineHeight).Add(cols...))
		}
	}
	d.spacer(gap)
	d.add(2, line.NewRow(2, props.Line{Color: rule, Thickness: 0.3, SizePercent: 100, OffsetPercent: 50}))
}

// total is one line of a totals block: "Total including tax", "£1,234.50".
type total struct {
	label, amount string
	bold          bool
}

// totals adds the totals under the lines table, right-aligned.
func (d *doc) totals(ts ...total) {
	d.keep(float64(len(ts)) * (lineHeight + 0.8))
	for _, t := range ts {
		s := style{bold: t.bold, align: align.Right, pad: true}
		d.add(lineHeight+0.8, row.New(lineHeight+0.8).Add(
			col.New(gridSize-amountCols-3),
			textCol(3, []string{t.label}, s, 0),
			textCol(amountCols, []string{t.amount}, s, 0),
		))
	}
	d.spacer(2)
}
