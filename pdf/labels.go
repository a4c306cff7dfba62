package pdf

import (
	"errors"
	"fmt"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// AssetLabel is one asset's label: a QR code of its portal address beside
// the words that name it, so a phone's camera opens the asset's page and a
// reader without one can still find it by number.
type AssetLabel struct {
	URL      string
	Number   string
	Name     string
	Type     string
	Site     string
	Location string
	Serial   string
}

// The label grid on an A4 page (mm): two columns of five labels inside
// the margins, each with its QR code at the left.
const (
	labelCols    = 2
	labelRows    = 5
	labelWidth   = contentWidth / labelCols
	labelHeight  = (pageRoom - 2) / labelRows
	labelQRSize  = 38.0
	labelPadding = 3.0
)

// QRMatrix returns the QR code of s as rows of modules (true is dark),
// with the four-module quiet zone a scanner needs around it, at error
// correction level M. The labels draw it module by module; tests render
// the same matrix to an image to decode it.
func QRMatrix(s string) ([][]bool, error) {
	hints := map[gozxing.EncodeHintType]any{gozxing.EncodeHintType_ERROR_CORRECTION: "M"}
	m, err := qrcode.NewQRCodeWriter().Encode(s, gozxing.BarcodeFormat_QR_CODE, 0, 0, hints)
	if err != nil {
		return nil, fmt.Errorf("pdf: qr code: %w", err)
	}
	out := make([][]bool, m.GetHeight())
	for y := range out {
		out[y] = make([]bool, m.GetWidth())
		for x := range out[y] {
			out[y][x] = m.Get(x, y)
		}
	}
	return out, nil
}

// Labels draws asset labels, ten to an A4 page, without the letterhead
// (a label names the organisation itself). note, when not empty, is
// printed above the first page's labels (a sheet cut short says so).
func Labels(opt Options, title string, labels []AssetLabel, note string) ([]byte, error) {
	out, err := labelsIn(standardFonts(), opt, title, labels, note)
	if errors.Is(err, errNeedsUnicode) {
		out, err = labelsIn(goFonts(), opt, title, labels, note)
	}
	return out, err
}

func labelsIn(fs *fontSet, opt Options, title string, labels []AssetLabel, note string) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && errors.Is(e, errNeedsUnicode) {
				out, err = nil, errNeedsUnicode
				return
			}
			out, err = nil, fmt.Errorf("pdf: render: %v", r)
		}
	}()
	d := &doc{fonts: fs, opt: opt}
	d.c = newStdCanvas(fs, meta{title: clean(title), author: clean(opt.Letterhead.Name), created: opt.Created})
	d.newPage()
	top := 0.0
	if note != "" {
		d.text(note, 0, contentWidth, 0, style{bold: true})
		top = 6
	}
	if len(labels) == 0 {
		d.text("There is no equipment to label.", 0, contentWidth, top, style{})
	}
	slot := 0
	for _, l := range labels {
		x := float64(slot%labelCols) * labelWidth
		y := top + float64(slot/labelCols)*labelHeight
		if y+labelHeight > pageRoom {
			d.newPage()
			top, slot, x, y = 0, 0, 0, 0
		}
		if err := d.label(l, x, y); err != nil {
			return nil, err
		}
		slot++
	}
	return d.bytes()
}

// label draws one label with its top left corner at x, y (mm from the
// margins): a cutting frame, the QR code, and the asset's words.
func (d *doc) label(l AssetLabel, x, y float64) error {
	m, err := QRMatrix(l.URL)
	if err != nil {
		return err
	}
	w, h := labelWidth-2, labelHeight-2
	for _, ln := range [][4]float64{{x, y, x + w, y}, {x, y + h, x + w, y + h}, {x, y, x, y + h}, {x + w, y, x + w, y + h}} {
		d.c.line(marginSide+ln[0], marginTop+ln[1], marginSide+ln[2], marginTop+ln[3])
	}
	qx, qy := x+labelPadding, y+(h-labelQRSize)/2
	if c, ok := d.c.(*stdCanvas); ok {
		c.modules(marginSide+qx, marginTop+qy, labelQRSize, m)
	}
	tx := labelPadding*2 + labelQRSize
	tw := w - tx - labelPadding
	line := y + labelPadding
	put := func(t string, s style, lh float64) {
		for _, part := range d.fonts.wrap(t, s.bold, s.fontSize(), tw) {
			if line+lh > y+h-labelPadding {
				return
			}
			d.text(part, x+tx, tw, line, s)
			line += lh
		}
	}
	put(d.opt.Letterhead.Name, style{size: 7, grey: true}, 3.6)
	put(l.Number, style{bold: true, size: 14}, 6.4)
	put(l.Name, style{bold: true}, lineHeight)
	put(joinNonEmpty(" · ", l.Type, l.Serial), style{size: 8}, 3.8)
	put(l.Site, style{size: 8}, 3.8)
	put(l.Location, style{size: 8, grey: true}, 3.8)
	put("Scan to open in the portal", style{size: 7, grey: true}, 3.6)
	return nil
}

// modules fills the dark modules of a QR matrix as black squares in a
// square of size mm at x, y (mm from the page's top left corner). A run of
// dark modules in a row is one rectangle, so a label costs a few hundred
// rectangles, all filled at once.
func (c *stdCanvas) modules(x, y, size float64, m [][]bool) {
	if len(m) == 0 {
		return
	}
	c.endText()
	mod := size / float64(len(m))
	c.content = append(c.content, "q 0 g\n"...)
	for r, row := range m {
		for i := 0; i < len(row); {
			if !row[i] {
				i++
				continue
			}
			j := i
			for j < len(row) && row[j] {
				j++
			}
			c.num((x + float64(i)*mod) * mmToPt)
			c.num((pageHeight - y - float64(r+1)*mod) * mmToPt)
			c.num(float64(j-i) * mod * mmToPt)
			c.num(mod * mmToPt)
			c.content = append(c.content, "re\n"...)
			i = j
		}
	}
	c.content = append(c.content, "f Q\n"...)
}
