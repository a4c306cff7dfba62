package pdf

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image/color"
	"image/jpeg"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf16"

	"github.com/fieldportal/fieldportal"
)

// canvas is what the layout draws on: pages of text, rules, shaded rows
// and the logo, in mm from the page's top left corner. stdCanvas draws it.
type canvas interface {
	// addPage starts a page; setPage goes back to page p (from 1) to add
	// to it, once all pages are drawn.
	addPage()
	setPage(p int)
	pages() int
	// font chooses the face and size (points) of the text that follows,
	// grey its colour (grey or black).
	font(bold bool, size float64)
	grey(on bool)
	// text draws s, already written for the fonts, its baseline's left
	// end at x, y.
	text(x, y float64, s []byte)
	line(x1, y1, x2, y2 float64)
	// shade fills a rectangle with the tables' heading colour; fill
	// with a colour of the organisation's.
	shade(x, y, w, h float64)
	fill(x, y, w, h float64, c fieldportal.Colour)
	// setLogo takes the logo (an opaque 8-bit RGB PNG) and gives its size
	// in pixels; logo draws it.
	setLogo(png []byte) (w, h float64, ok bool)
	logo(x, y, w, h float64)
	// addJPEG takes a baseline RGB or grey JPEG (a photo's thumbnail) and
	// gives its number and size in pixels; photo draws it.
	addJPEG(jpeg []byte) (n int, w, h float64, ok bool)
	photo(n int, x, y, w, h float64)
	output() ([]byte, error)
}

// meta is a document's metadata.
type meta struct {
	title, author string
	created       time.Time
}

// ruleWidth is the thickness of the rules (mm).
const ruleWidth = 0.3

// mmToPt converts mm to the PDF's points.
const mmToPt = 72 / 25.4

// The objects a standard-font document always has, by number; the pages'
// content streams and the pages follow.
const (
	objCatalog = 1 + iota
	objPages
	objRegular
	objBold
	objInfo
	objLogo
	objFirstFree
)

// stdCanvas writes a PDF in a font set: the standard fonts, Helvetica
// and Helvetica Bold in WinAnsiEncoding, which readers have and which
// are not embedded, or the Go fonts, embedded whole (embeddedFont). Each
// page's content is compressed, with a pooled compressor, and written
// when the page ends, where the PDF library (gofpdf) keeps every page
// until the end and then makes a compressor (about a megabyte) for each;
// the page numbers, drawn once all pages are counted, are a second
// content stream of each page.
type stdCanvas struct {
	fonts   *fontSet
	out     bytes.Buffer
	offsets []int // offsets[n] is where object n starts
	meta    meta
	// content is the page's content being drawn, page the page's number
	// (from 1).
	content []byte
	page    int
	// contents[p-1] are the content streams of page p.
	contents [][]int
	hasLogo  bool
	// photos are the objects of the JPEGs added, drawn as /P<n>.
	photos []int
	// The text state of the content being drawn.
	bold    bool
	size    float64
	fontSet bool
	isGrey  bool
	// inText is whether a text object is open, tx and ty where its last
	// line starts (hundredths of a point).
	inText bool
	tx, ty int64
	zw     *zlib.Writer
	zbuf   bytes.Buffer
}

func newStdCanvas(fs *fontSet, m meta) *stdCanvas {
	c := &stdCanvas{fonts: fs, meta: m, offsets: make([]int, objFirstFree)}
	c.out.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	return c
}

// zlibWriters are reused: each costs about a megabyte to make.
var zlibWriters sync.Pool

// startObj records where object n starts and writes its head.
func (c *stdCanvas) startObj(n int) {
	for len(c.offsets) <= n {
		c.offsets = append(c.offsets, 0)
	}
	c.offsets[n] = c.out.Len()
	c.out.WriteString(strconv.Itoa(n))
	c.out.WriteString(" 0 obj\n")
}

// newObj is the next free object number.
func (c *stdCanvas) newObj() int {
	c.offsets = append(c.offsets, 0)
	return len(c.offsets) - 1
}

// stream writes data as a compressed stream object, with extra entries
// in its dictionary, and returns its number.
func (c *stdCanvas) stream(data []byte) int {
	if c.zw == nil {
		if z, ok := zlibWriters.Get().(*zlib.Writer); ok {
			c.zw = z
		} else {
			c.zw, _ = zlib.NewWriterLevel(nil, zlib.BestSpeed)
		}
	}
	c.zbuf.Reset()
	c.zw.Reset(&c.zbuf)
	c.zw.Write(data)
	c.zw.Close()
	n := c.newObj()
	c.startObj(n)
	fmt.Fprintf(&c.out, "<< /Length %d /Filter /FlateDecode >>\nstream\n", c.zbuf.Len())
	c.out.Write(c.zbuf.Bytes())
	c.out.WriteString("\nendstream\nendobj\n")
	return n
}

// flush writes the content being drawn as a stream of its page.
func (c *stdCanvas) flush() {
	if c.page == 0 {
		return
	}
	c.endText()
	c.contents[c.page-1] = append(c.contents[c.page-1], c.stream(c.content))
	c.content = c.content[:0]
}

// begin starts a content stream: the rules' colour and thickness; text
// black, its font to be chosen.
func (c *stdCanvas) begin() {
	c.content = fmt.Appendf(c.content, "%.3f G %.2f w\n", float64(rule[0])/255, ruleWidth*mmToPt)
	c.fontSet, c.isGrey = false, false
}

func (c *stdCanvas) addPage() {
	c.flush()
	c.contents = append(c.contents, nil)
	c.page = len(c.contents)
	c.begin()
}

func (c *stdCanvas) setPage(p int) {
	c.flush()
	c.page = p
	c.begin()
}

func (c *stdCanvas) pages() int { return len(c.contents) }

func (c *stdCanvas) font(bold bool, size float64) {
	if c.fontSet && c.bold == bold && c.size == size {
		return
	}
	c.bold, c.size, c.fontSet = bold, size, true
	// The font is part of the graphics state, kept from one text object
	// to the next.
	if bold {
		c.content = append(c.content, "/F2 "...)
	} else {
		c.content = append(c.content, "/F1 "...)
	}
	c.num(size)
	c.content = append(c.content, "Tf\n"...)
}

func (c *stdCanvas) grey(on bool) {
	if on == c.isGrey {
		return
	}
	c.isGrey = on
	if on {
		c.content = fmt.Appendf(c.content, "%.3f g\n", float64(grey[0])/255)
	} else {
		c.content = append(c.content, "0 g\n"...)
	}
}

// num appends v rounded to two decimals (a hundredth of a point) and a
// space; it writes the many numbers of a page without strconv's general
// float formatting.
func (c *stdCanvas) num(v float64) { c.hundredths(int64(math.Round(v * 100))) }

// hundredths appends n/100 and a space.
func (c *stdCanvas) hundredths(n int64) {
	if n < 0 {
		c.content = append(c.content, '-')
		n = -n
	}
	c.content = strconv.AppendInt(c.content, n/100, 10)
	if f := n % 100; f != 0 {
		c.content = append(c.content, '.', byte('0'+f/10), byte('0'+f%10))
	}
	c.content = append(c.content, ' ')
}

// text draws s. Text follows text in one text object, each moved from
// the last (Td is relative to the last line's start), in whole hundredths
// of a point so the moves add up exactly: fewer bytes to compress, which
// is half the work of a long statement.
func (c *stdCanvas) text(x, y float64, s []byte) {
	tx, ty := int64(math.Round(x*mmToPt*100)), int64(math.Round((pageHeight-y)*mmToPt*100))
	if c.inText {
		c.hundredths(tx - c.tx)
		c.hundredths(ty - c.ty)
	} else {
		c.content = append(c.content, "BT "...)
		c.hundredths(tx)
		c.hundredths(ty)
		c.inText = true
	}
	c.tx, c.ty = tx, ty
	c.content = append(c.content, "Td ("...)
	for _, b := range s {
		switch b {
		case '\\', '(', ')':
			c.content = append(c.content, '\\', b)
		case '\r':
			c.content = append(c.content, '\\', 'r')
		default:
			c.content = append(c.content, b)
		}
	}
	c.content = append(c.content, ") Tj\n"...)
}

// endText ends the text object, if one is open, before drawing else.
func (c *stdCanvas) endText() {
	if c.inText {
		c.content = append(c.content, "ET\n"...)
		c.inText = false
	}
}

func (c *stdCanvas) line(x1, y1, x2, y2 float64) {
	c.endText()
	c.num(x1 * mmToPt)
	c.num((pageHeight - y1) * mmToPt)
	c.content = append(c.content, "m "...)
	c.num(x2 * mmToPt)
	c.num((pageHeight - y2) * mmToPt)
	c.content = append(c.content, "l S\n"...)
}

func (c *stdCanvas) shade(x, y, w, h float64) {
	c.endText()
	c.content = fmt.Appendf(c.content, "q %.3f g ", float64(tableHead[0])/255)
	c.num(x * mmToPt)
	c.num((pageHeight - y - h) * mmToPt)
	c.num(w * mmToPt)
	c.num(h * mmToPt)
	c.content = append(c.content, "re f Q\n"...)
}

func (c *stdCanvas) fill(x, y, w, h float64, col fieldportal.Colour) {
	c.endText()
	c.content = fmt.Appendf(c.content, "q %.3f %.3f %.3f rg ", float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
	c.num(x * mmToPt)
	c.num((pageHeight - y - h) * mmToPt)
	c.num(w * mmToPt)
	c.num(h * mmToPt)
	c.content = append(c.content, "re f Q\n"...)
}

func (c *stdCanvas) logo(x, y, w, h float64) {
	c.endText()
	c.content = append(c.content, "q "...)
	c.num(w * mmToPt)
	c.content = append(c.content, "0 0 "...)
	c.num(h * mmToPt)
	c.num(x * mmToPt)
	c.num((pageHeight - y - h) * mmToPt)
	c.content = append(c.content, "cm /I1 Do Q\n"...)
}

// addJPEG writes a JPEG as an image object: PDF's DCT filter reads a
// baseline JPEG's bytes as they are.
func (c *stdCanvas) addJPEG(data []byte) (n int, w, h float64, ok bool) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, 0, 0, false
	}
	space := "/DeviceRGB"
	switch cfg.ColorModel {
	case color.YCbCrModel:
	case color.GrayModel:
		space = "/DeviceGray"
	default: // CMYK and the like: not ours to draw
		return 0, 0, 0, false
	}
	obj := c.newObj()
	c.startObj(obj)
	fmt.Fprintf(&c.out, "<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8"+
		" /Filter /DCTDecode /Length %d >>\nstream\n", cfg.Width, cfg.Height, space, len(data))
	c.out.Write(data)
	c.out.WriteString("\nendstream\nendobj\n")
	c.photos = append(c.photos, obj)
	return len(c.photos) - 1, float64(cfg.Width), float64(cfg.Height), true
}

func (c *stdCanvas) photo(n int, x, y, w, h float64) {
	c.endText()
	c.content = append(c.content, "q "...)
	c.num(w * mmToPt)
	c.content = append(c.content, "0 0 "...)
	c.num(h * mmToPt)
	c.num(x * mmToPt)
	c.num((pageHeight - y - h) * mmToPt)
	c.content = append(c.content, "cm /P"...)
	c.content = strconv.AppendInt(c.content, int64(n), 10)
	c.content = append(c.content, " Do Q\n"...)
}

// setLogo writes the logo as an image object: an 8-bit RGB PNG's
// compressed data is what PDF's Flate filter with the PNG predictors
// reads, so it is copied as it is.
func (c *stdCanvas) setLogo(png []byte) (w, h float64, ok bool) {
	const sig = "\x89PNG\r\n\x1a\n"
	if len(png) < len(sig) || string(png[:len(sig)]) != sig {
		return 0, 0, false
	}
	var idat []byte
	var width, height uint32
	for p := png[len(sig):]; len(p) >= 12; {
		n := binary.BigEndian.Uint32(p)
		if uint64(n)+12 > uint64(len(p)) {
			return 0, 0, false
		}
		kind, data := string(p[4:8]), p[8:8+n]
		if crc32.ChecksumIEEE(p[4:8+n]) != binary.BigEndian.Uint32(p[8+n:]) {
			return 0, 0, false
		}
		switch kind {
		case "IHDR":
			// 8 bits, RGB, no interlacing: what printableLogo writes.
			if n != 13 || data[8] != 8 || data[9] != 2 || data[12] != 0 {
				return 0, 0, false
			}
			width, height = binary.BigEndian.Uint32(data), binary.BigEndian.Uint32(data[4:])
		case "IDAT":
			idat = append(idat, data...)
		}
		p = p[12+n:]
	}
	if width == 0 || height == 0 || len(idat) == 0 {
		return 0, 0, false
	}
	c.startObj(objLogo)
	fmt.Fprintf(&c.out, "<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8"+
		" /Filter /FlateDecode /DecodeParms << /Predictor 15 /Colors 3 /BitsPerComponent 8 /Columns %d >> /Length %d >>\nstream\n",
		width, height, width, len(idat))
	c.out.Write(idat)
	c.out.WriteString("\nendstream\nendobj\n")
	c.hasLogo = true
	return float64(width), float64(height), true
}

// pdfText writes s as a PDF text string: UTF-16 with its byte order mark.
func pdfText(s string) string {
	b := []byte{'(', 0xFE, 0xFF}
	for _, u := range utf16.Encode([]rune(s)) {
		for _, x := range []byte{byte(u >> 8), byte(u)} {
			switch x {
			case '\\', '(', ')':
				b = append(b, '\\', x)
			case '\r':
				b = append(b, '\\', 'r')
			default:
				b = append(b, x)
			}
		}
	}
	return string(append(b, ')'))
}

func (c *stdCanvas) output() ([]byte, error) {
	c.flush()
	c.page = 0
	if c.zw != nil {
		zlibWriters.Put(c.zw)
		c.zw = nil
	}
	resources := "<< /Font << /F1 " + strconv.Itoa(objRegular) + " 0 R /F2 " + strconv.Itoa(objBold) + " 0 R >>"
	if c.hasLogo || len(c.photos) > 0 {
		resources += " /XObject <<"
		if c.hasLogo {
			resources += " /I1 " + strconv.Itoa(objLogo) + " 0 R"
		}
		for i, n := range c.photos {
			resources += " /P" + strconv.Itoa(i) + " " + strconv.Itoa(n) + " 0 R"
		}
		resources += " >>"
	}
	resources += " >>"
	var kids []byte
	for _, streams := range c.contents {
		n := c.newObj()
		c.startObj(n)
		fmt.Fprintf(&c.out, "<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] /Resources %s /Contents [", objPages,
			pageWidth*mmToPt, pageHeight*mmToPt, resources)
		for _, s := range streams {
			fmt.Fprintf(&c.out, "%d 0 R ", s)
		}
		c.out.WriteString("] >>\nendobj\n")
		kids = fmt.Appendf(kids, "%d 0 R ", n)
	}
	c.startObj(objPages)
	fmt.Fprintf(&c.out, "<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", kids, len(c.contents))
	if c.fonts.standard {
		for n, base := range []string{objRegular: "Helvetica", objBold: "Helvetica-Bold"} {
			if base != "" {
				c.startObj(n)
				fmt.Fprintf(&c.out, "<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>\nendobj\n", base)
			}
		}
	} else {
		e := embeddedFonts()
		c.putEmbeddedFont(objRegular, e[0])
		c.putEmbeddedFont(objBold, e[1])
	}
	c.startObj(objInfo)
	fmt.Fprintf(&c.out, "<< /Title %s /Author %s /Creator (fieldportal) /Producer (fieldportal)", pdfText(c.meta.title), pdfText(c.meta.author))
	if !c.meta.created.IsZero() {
		fmt.Fprintf(&c.out, " /CreationDate (D:%s)", c.meta.created.UTC().Format("20060102150405Z"))
	}
	c.out.WriteString(" >>\nendobj\n")
	c.startObj(objCatalog)
	fmt.Fprintf(&c.out, "<< /Type /Catalog /Pages %d 0 R >>\nendobj\n", objPages)
	if !c.hasLogo {
		c.startObj(objLogo) // the logo's number, unused
		c.out.WriteString("null\nendobj\n")
	}
	xref := c.out.Len()
	fmt.Fprintf(&c.out, "xref\n0 %d\n0000000000 65535 f \n", len(c.offsets))
	for _, off := range c.offsets[1:] {
		fmt.Fprintf(&c.out, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&c.out, "trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(c.offsets), objCatalog, objInfo, xref)
	return c.out.Bytes(), nil
}
