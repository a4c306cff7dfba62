package pdf

import "github.com/fieldportal/fieldportal"

// The layout every printout is composed of. Each block adds rows to the
// document, drawn as they are added; add starts a new page (with the
// letterhead) when a row does not fit. Blocks that may grow long
// (paragraphs, the lines table) add one row per line of text, so they
// break across pages. The page is a grid of twelve columns across the
// width between the margins.

// Colours: grey text, the rules, the tables' headings.
var (
	grey      = [3]int{85, 85, 85}
	rule      = [3]int{170, 170, 170}
	tableHead = [3]int{235, 235, 235}
)

// colWidth is the width in mm of a column spanning n of the grid's 12.
func colWidth(n int) float64 { return contentWidth * float64(n) / gridSize }

// cellPad is the space left and right of the text in a table's cells.
const cellPad = 1.0

// ptToMM converts a font size in points to mm.
const ptToMM = 25.4 / 72

// alignment is where text sits across its column.
type alignment int

const (
	alignLeft alignment = iota
	alignRight
	alignCenter
)

// style is how a piece of text is drawn.
type style struct {
	bold  bool
	size  float64
	align alignment
	grey  bool
	pad   bool    // the table's cell padding
	below float64 // space above the text within its row (mm)
}

func (s style) fontSize() float64 {
	if s.size != 0 {
		return s.size
	}
	return bodySize
}

// wrapIn wraps text to the width of a column of n, in style s.
func (d *doc) wrapIn(s style, n int, t string) []string {
	w := colWidth(n)
	if s.pad {
		w -= 2 * cellPad
	}
	return d.fonts.wrap(t, s.bold, s.fontSize(), w)
}

// text draws one line of text in the column at x, w wide (mm from the
// left margin), its top at top (mm from the top margin): its baseline is
// a font size below, as the lines of the earlier layout were.
func (d *doc) text(t string, x, w, top float64, s style) {
	if t == "" {
		return
	}
	size := s.fontSize()
	if s.pad {
		x, w = x+cellPad, w-2*cellPad
	}
	d.c.font(s.bold, size)
	if s.grey != d.grey {
		d.c.grey(s.grey)
		d.grey = s.grey
	}
	switch s.align {
	case alignRight:
		x += w - d.fonts.textWidth(t, s.bold, size)
	case alignCenter:
		x += (w - d.fonts.textWidth(t, s.bold, size)) / 2
	}
	d.buf = d.fonts.encode(d.buf[:0], t)
	d.c.text(marginSide+x, marginTop+top+s.below+size*ptToMM, d.buf)
}

// textCol draws lines of text one under the other, lh apart, in the
// column of n twelfths starting at twelfth at, the first at top.
func (d *doc) textCol(at, n int, lines []string, s style, top, lh float64) {
	for i, l := range lines {
		d.text(l, colWidth(at), colWidth(n), top+float64(i)*lh, s)
	}
}

// pageRoom is the height rows may fill on a page (mm).
const pageRoom = pageHeight - marginTop - marginBottom

// add adds a row h mm high, drawn by draw (which may be nil) at y, the
// row's top in mm from the top margin, on a new page when it does not
// fit on this one.
func (d *doc) add(h float64, draw func(y float64)) {
	if !d.fits(h) {
		d.newPage()
	}
	y := d.used
	d.used += h
	if draw != nil {
		draw(y)
	}
}

// fits reports whether a row h mm high fits on the current page.
func (d *doc) fits(h float64) bool { return h+d.used <= pageRoom }

// keep starts a new page unless h mm still fit on this one: a heading
// stays with the first lines under it, the totals stay together.
func (d *doc) keep(h float64) {
	if !d.fits(h) && d.used > d.letterheadUsed {
		d.newPage()
	}
}

// spacer adds h mm of empty space.
func (d *doc) spacer(h float64) { d.add(h, nil) }

// ruleRow adds a row h mm high with a thin rule across its middle.
func (d *doc) ruleRow(h float64) {
	d.add(h, func(y float64) { d.rule(y + h/2) })
}

// rule draws the thin rule across the page at y.
func (d *doc) rule(y float64) {
	d.c.line(marginSide, marginTop+y, marginSide+contentWidth, marginTop+y)
}

// shade fills the row at y, h high, with the tables' heading colour.
func (d *doc) shade(y, h float64) {
	d.c.shade(marginSide, marginTop+y, contentWidth, h)
}

// letterhead lays out the rows at the top of every page: the logo on
// the left, the organisation's name and details on the right, and a
// rule. A long name or detail wraps, and the letterhead grows to hold
// it. newPage draws them.
func (d *doc) letterhead() {
	lh := d.opt.Letterhead
	nameStyle := style{bold: true, size: 13, align: alignRight}
	detailStyle := style{size: 8, align: alignRight, grey: true}
	const nameH, detailH, logoH = 5.5, 3.8, 18.0
	type line struct {
		text string
		top  float64
		s    style
	}
	var right []line
	top := 0.0
	for _, l := range d.wrapIn(nameStyle, 9, oneLine(lh.Name)) {
		right = append(right, line{l, top, nameStyle})
		top += nameH
	}
	top += 1.5
	for _, detail := range lh.Details {
		for _, l := range d.wrapIn(detailStyle, 9, oneLine(detail)) {
			right = append(right, line{l, top, detailStyle})
			top += detailH
		}
	}
	height := max(logoH, top+1)
	// The logo fills its column's width, or its height if it is taller
	// in proportion, at the column's top left corner.
	var logoW, logoH2 float64
	if img := printableLogo(lh.Logo); img != nil {
		if w, h, ok := d.c.setLogo(img); ok {
			prop := h / w
			logoW = colWidth(3)
			if prop > height/logoW {
				logoW = height / prop
			}
			logoH2 = logoW * prop
		}
	}
	d.lhRows = []func(y float64){func(y float64) {
		if logoW > 0 {
			d.c.logo(marginSide, marginTop+y, logoW, logoH2)
		}
		for _, l := range right {
			d.text(l.text, colWidth(3), colWidth(9), y+l.top, l.s)
		}
		if accent, ok := fieldportal.ParseColour(lh.Accent); ok {
			d.c.fill(marginSide, marginTop+y+height+1.4, contentWidth, 1.2, accent)
		} else {
			d.rule(y + height + 2)
		}
	}}
	d.letterheadUsed = height + 4 + 2 // the rule's row, and a space
}

// title adds the printout's heading, such as "Quote Q-1042".
func (d *doc) title(t string) {
	d.add(9, func(y float64) { d.text(oneLine(t), 0, contentWidth, y, style{bold: true, size: 15}) })
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
	type block struct {
		label string
		lines []string
		named int // the name's lines are bold
	}
	var blocks []block
	tallest := 0
	for _, p := range ps {
		lines := d.wrapIn(style{bold: true}, n, oneLine(p.Name))
		named := len(lines)
		for _, l := range p.Lines {
			if l = oneLine(l); l != "" {
				lines = append(lines, d.wrapIn(style{}, n, l)...)
			}
		}
		blocks = append(blocks, block{oneLine(p.Label), lines, named})
		tallest = max(tallest, len(lines)+1)
	}
	h := float64(tallest)*lineHeight + 2
	d.add(h, func(y float64) {
		for i, b := range blocks {
			x, w := colWidth(i*n), colWidth(n)
			d.text(b.label, x, w, y, style{bold: true, size: 8, grey: true})
			for k, l := range b.lines {
				d.text(l, x, w, y+float64(k+1)*lineHeight, style{bold: k < b.named})
			}
		}
	})
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
	label := style{grey: true}
	for i := 0; i < len(shown); i += 2 {
		var labels, values [][]string
		tallest := 1
		for _, f := range shown[i:min(i+2, len(shown))] {
			l, v := d.wrapIn(label, 2, oneLine(f.label)), d.wrapIn(style{}, 4, oneLine(f.value))
			labels, values = append(labels, l), append(values, v)
			tallest = max(tallest, len(l), len(v))
		}
		h := float64(tallest)*lineHeight + 0.8
		d.add(h, func(y float64) {
			for k := range labels {
				d.textCol(6*k, 2, labels[k], label, y, lineHeight)
				d.textCol(6*k+2, 4, values[k], style{}, y, lineHeight)
			}
		})
	}
	d.spacer(2)
}

// section adds a heading over the block that follows.
func (d *doc) section(heading string) {
	d.keep(8 + 3*lineHeight + 2) // the heading, a table's heading and two lines
	d.add(8, func(y float64) { d.text(oneLine(heading), 0, contentWidth, y+2.5, style{bold: true, size: 10.5}) })
}

// paragraph adds text the full width of the page, wrapped, a row a line.
func (d *doc) paragraph(t string, s style) {
	for _, l := range d.wrapIn(s, gridSize, t) {
		d.add(lineHeight, func(y float64) { d.text(l, 0, contentWidth, y, s) })
	}
}

// lineItem is one line of a lines table, its amounts already written.
type lineItem struct {
	code, description, quantity, unitPrice, total string
}

// The lines table's columns, in twelfths of the width, and where each
// starts.
const (
	codeCols   = 2
	descCols   = 5
	qtyCols    = 1
	priceCols  = 2
	amountCols = 2

	codeAt   = 0
	descAt   = codeAt + codeCols
	qtyAt    = descAt + descCols
	priceAt  = qtyAt + qtyCols
	amountAt = priceAt + priceCols
)

// headingRow adds a table's heading: a shaded row of bold labels.
func (d *doc) headingRow(draw func(y float64)) {
	d.add(lineHeight+2, func(y float64) {
		d.shade(y, lineHeight+2)
		draw(y)
	})
}

// lines adds the lines table: code, description, quantity, unit price
// and total. A description wraps within its column onto rows of its own.
func (d *doc) lines(items []lineItem) {
	head := style{bold: true, pad: true, below: 1}
	headNum := style{bold: true, pad: true, align: alignRight, below: 1}
	num := style{pad: true, align: alignRight}
	cell := func(text string, at, n int, y float64, s style) {
		d.text(text, colWidth(at), colWidth(n), y, s)
	}
	heading := func() {
		d.headingRow(func(y float64) {
			cell("Code", codeAt, codeCols, y, head)
			cell("Description", descAt, descCols, y, head)
			cell("Qty", qtyAt, qtyCols, y, headNum)
			cell("Unit price", priceAt, priceCols, y, headNum)
			cell("Total", amountAt, amountCols, y, headNum)
		})
	}
	heading()
	plain := style{pad: true}
	const gap = 1.0 // between two lines of the table
	for n, it := range items {
		desc := d.wrapIn(plain, descCols, it.description)
		code := d.wrapIn(plain, codeCols, oneLine(it.code))
		for i := range max(len(desc), len(code), 1) {
			at := func(ls []string) string {
				if i < len(ls) {
					return ls[i]
				}
				return ""
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
			d.add(lineHeight, func(y float64) {
				cell(at(code), codeAt, codeCols, y, plain)
				cell(at(desc), descAt, descCols, y, plain)
				if i == 0 {
					cell(it.quantity, qtyAt, qtyCols, y, num)
					cell(it.unitPrice, priceAt, priceCols, y, num)
					cell(it.total, amountAt, amountCols, y, num)
				}
			})
		}
	}
	d.spacer(gap)
	d.ruleRow(2)
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
		s := style{bold: t.bold, align: alignRight, pad: true}
		d.add(lineHeight+0.8, func(y float64) {
			d.text(t.label, colWidth(gridSize-amountCols-3), colWidth(3), y, s)
			d.text(t.amount, colWidth(amountAt), colWidth(amountCols), y, s)
		})
	}
	d.spacer(2)
}
