package pdf

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/phpdave11/gofpdf"
)

// What people type reaches the page as text, whatever it holds: the
// library draws a string as it is (markup is just characters), but it
// neither breaks lines at newlines nor inside a word wider than its
// column, and it panics on characters beyond the Basic Multilingual Plane.
// So text is cleaned, and wrapped here, before it is drawn; every wrapped
// line is its own row, so a long description runs onto the next page
// instead of being cut off.

// clean makes s drawable: invalid UTF-8 and characters beyond U+FFFF
// (emoji) become U+FFFD, tabs become spaces and other control characters
// go. Newlines stay; wrap breaks at them.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\t' || r == '\r':
			return ' '
		case r > 0xFFFF:
			return utf8.RuneError
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
}

// oneLine is s cleaned and on one line, for names and short values.
func oneLine(s string) string {
	return strings.Join(strings.Fields(clean(s)), " ")
}

// glyphWidths are, per font style, the width of each character of the
// Basic Multilingual Plane in thousandths of the font's size, read once
// from the library's own font tables: the library measures a string as
// the sum of its characters' widths, so a line wrapped here fits where
// the library puts it, and measuring needs no lock.
var glyphWidths = sync.OnceValue(func() map[fontstyle.Type]*[0x10000]int32 {
	f := gofpdf.New("P", "mm", "A4", "")
	out := map[fontstyle.Type]*[0x10000]int32{}
	for _, cf := range customFonts() {
		f.AddUTF8FontFromBytes(cf.Family, string(cf.Style), cf.Bytes)
		f.SetFont(family, string(cf.Style), 1000)
		var w [0x10000]int32
		for r := range rune(0x10000) {
			if !utf8.ValidRune(r) {
				continue // surrogates: clean never lets them through
			}
			w[r] = int32(f.GetStringSymbolWidth(string(r)))
		}
		out[cf.Style] = &w
	}
	return out
})

// textWidth is the width of s in mm in the body font at size and style.
func textWidth(s string, style fontstyle.Type, size float64) float64 {
	widths := glyphWidths()[style]
	if widths == nil {
		widths = glyphWidths()[fontstyle.Normal]
	}
	var sum int64
	for _, r := range s {
		if r > 0xFFFF {
			r = utf8.RuneError
		}
		sum += int64(widths[r])
	}
	// As the library computes it: points to mm by its scale factor.
	return float64(sum) * size / 1000 / (72 / 25.4)
}

// wrapSlack keeps wrapped lines a little narrower than their column, so
// rounding never makes the library break a line again.
const wrapSlack = 0.5

// wrap breaks s into lines no wider than width mm: at its newlines, at
// spaces, and inside a word only when the word alone is wider than a
// line. Nothing is dropped but runs of spaces; blank lines between
// paragraphs are kept, one at most.
func wrap(s string, style fontstyle.Type, size, width float64) []string {
	width -= wrapSlack
	var out []string
	for para := range strings.SplitSeq(clean(s), "\n") {
		words := strings.Fields(para)
		if len(words) == 0 {
			if len(out) > 0 && out[len(out)-1] != "" {
				out = append(out, "")
			}
			continue
		}
		line := ""
		for _, w := range words {
			if line != "" && textWidth(line+" "+w, style, size) <= width {
				line += " " + w
				continue
			}
			if line != "" {
				out = append(out, line)
				line = ""
			}
			for textWidth(w, style, size) > width {
				head := fitPrefix(w, style, size, width)
				out = append(out, head)
				w = w[len(head):]
			}
			line = w
		}
		out = append(out, line)
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// fitPrefix is the longest prefix of w (at least one character) no wider
// than width, found by halving: a pasted run without spaces may be long.
func fitPrefix(w string, style fontstyle.Type, size, width float64) string {
	var ends []int // ends[i] is the byte length of the first i+1 characters
	for i, r := range w {
		ends = append(ends, i+utf8.RuneLen(r))
	}
	lo, hi := 1, len(ends) // the answer is in [lo, hi] characters
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if textWidth(w[:ends[mid-1]], style, size) <= width {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return w[:ends[lo-1]]
}
