package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
)

// embeddedFont is a Go font as a document embeds it, whole, made once per
// process: the document's character codes are the characters themselves
// (two bytes, the Basic Multilingual Plane, which is all clean lets
// through), a map takes each to its glyph, and another back to the
// character for copying and searching, so a character the font lacks is
// still in the text. Embedding the font whole, rather than the glyphs a
// document uses, costs its size (about 70 KB compressed) in the file but
// no work per document.
type embeddedFont struct {
	name string
	// file, cidToGID and toUnicode are compressed streams' data; fileLen
	// is the font file's length before compression.
	file, cidToGID, toUnicode []byte
	fileLen                   int
	// defaultWidth and widths are the characters' widths in thousandths
	// of the size, as the layout measures them (fontSet.widths).
	defaultWidth int
	widths       string
	// The font's box and heights, in thousandths of the size.
	bbox                       [4]int
	ascent, descent, capHeight int
}

// embeddedFonts are the Go fonts' regular and bold faces, to embed.
var embeddedFonts = sync.OnceValue(func() [2]*embeddedFont {
	fs := goFonts()
	var out [2]*embeddedFont
	for _, bold := range []bool{false, true} {
		ttf := fs.ttf(bold)
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic(fmt.Sprintf("pdf: the Go font: %v", err))
		}
		e := &embeddedFont{name: "GoRegular", fileLen: len(ttf)}
		if bold {
			e.name = "GoBold"
		}
		var buf sfnt.Buffer
		upem := fixed.Int26_6(f.UnitsPerEm())
		scale := func(v fixed.Int26_6) int { return int(v) * 1000 / int(upem) }
		if m, err := f.Metrics(&buf, upem, font.HintingNone); err == nil {
			e.ascent, e.descent, e.capHeight = scale(m.Ascent), -scale(m.Descent), scale(m.CapHeight)
		}
		if b, err := f.Bounds(&buf, upem, font.HintingNone); err == nil {
			// Bounds has y down, as the package draws.
			e.bbox = [4]int{scale(b.Min.X), -scale(b.Max.Y), scale(b.Max.X), -scale(b.Min.Y)}
		}
		gids := make([]byte, 2*0x10000)
		for r := range rune(0x10000) {
			if g, err := f.GlyphIndex(&buf, r); err == nil {
				gids[2*r], gids[2*r+1] = byte(g>>8), byte(g)
			}
		}
		e.cidToGID = deflate(gids)
		e.file = deflate(ttf)
		// Every character's width, as the layout has it: the most common
		// (that of the characters the font lacks) is the default, the
		// others are listed in runs.
		w := fs.widths[face(bold)]
		count := map[uint16]int{}
		for _, v := range w {
			count[v]++
		}
		for v, n := range count {
			if n > count[uint16(e.defaultWidth)] {
				e.defaultWidth = int(v)
			}
		}
		var ws strings.Builder
		for r := 0; r < len(w); {
			if int(w[r]) == e.defaultWidth {
				r++
				continue
			}
			fmt.Fprintf(&ws, "%d [", r)
			for ; r < len(w) && int(w[r]) != e.defaultWidth; r++ {
				fmt.Fprintf(&ws, "%d ", w[r])
			}
			ws.WriteString("] ")
		}
		e.widths = ws.String()
		var cmap strings.Builder
		cmap.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
			"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
			"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
		for hi := 0; hi < 256; hi += 64 {
			cmap.WriteString("64 beginbfrange\n")
			for h := hi; h < hi+64; h++ {
				fmt.Fprintf(&cmap, "<%02X00> <%02XFF> <%02X00>\n", h, h, h)
			}
			cmap.WriteString("endbfrange\n")
		}
		cmap.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
		e.toUnicode = deflate([]byte(cmap.String()))
		out[face(bold)] = e
	}
	return out
})

// deflate is data compressed for a stream with the Flate filter.
func deflate(data []byte) []byte {
	var buf bytes.Buffer
	z, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	z.Write(data)
	z.Close()
	return buf.Bytes()
}

// putEmbeddedFont writes the objects of font e as font object n.
func (c *stdCanvas) putEmbeddedFont(n int, e *embeddedFont) {
	cid, desc, file, gids, uni := c.newObj(), c.newObj(), c.newObj(), c.newObj(), c.newObj()
	c.startObj(n)
	fmt.Fprintf(&c.out, "<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>\nendobj\n",
		e.name, cid, uni)
	c.startObj(cid)
	fmt.Fprintf(&c.out, "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >>"+
		" /FontDescriptor %d 0 R /DW %d /W [%s] /CIDToGIDMap %d 0 R >>\nendobj\n", e.name, desc, e.defaultWidth, e.widths, gids)
	c.startObj(desc)
	fmt.Fprintf(&c.out, "<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d"+
		" /CapHeight %d /StemV 80 /FontFile2 %d 0 R >>\nendobj\n", e.name, e.bbox[0], e.bbox[1], e.bbox[2], e.bbox[3], e.ascent, e.descent, e.capHeight, file)
	c.rawStream(file, e.file, fmt.Sprintf(" /Length1 %d", e.fileLen))
	c.rawStream(gids, e.cidToGID, "")
	c.rawStream(uni, e.toUnicode, "")
}

// rawStream writes object n, a stream of data already compressed.
func (c *stdCanvas) rawStream(n int, data []byte, extra string) {
	c.startObj(n)
	fmt.Fprintf(&c.out, "<< /Length %d /Filter /FlateDecode%s >>\nstream\n", len(data), extra)
	c.out.Write(data)
	c.out.WriteString("\nendstream\nendobj\n")
}
