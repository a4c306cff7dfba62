package pdf

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/phpdave11/gofpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// What people type reaches the page as text, whatever it holds: a string
// is drawn as it is (markup is just characters), on one line, and the
// fonts' encodings stop at the Basic Multilingual Plane.
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
	if plainLine(s) {
		return s // most values, and every one of a statement's cells
	}
	return strings.Join(strings.Fields(clean(s)), " ")
}

// plainLine reports whether s is already clean and on one line: printable
// ASCII with single spaces between words and none at the ends.
func plainLine(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7F || c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// fontSet is the two faces, regular and bold, a printout is drawn in,
// with their widths: either the PDF standard fonts (Helvetica), which are
// never embedded and write the characters of cp1252 only, or the Go fonts,
// embedded, which cover Latin, Greek and Cyrillic; a character they lack
// is still in the text, so it can be copied and searched.
type fontSet struct {
	family   string
	standard bool
	// widths are, per face (regular, bold), the width of each character
	// of the Basic Multilingual Plane in thousandths of the font's size,
	// read once from the library's own font tables: the library measures
	// a string as the sum of its characters' widths, so a line wrapped
	// here fits where the library puts it, and measuring needs no lock.
	// The standard fonts' tables are 0 for characters beyond cp1252.
	widths [2]*[0x10000]uint16
}

// style is gofpdf's name of the regular or bold face.
func (fs *fontSet) style(bold bool) string {
	if bold {
		return "B"
	}
	return ""
}

// ttf is the Go font's file of a face.
func (fs *fontSet) ttf(bold bool) []byte {
	if bold {
		return gobold.TTF
	}
	return goregular.TTF
}

func face(bold bool) int {
	if bold {
		return 1
	}
	return 0
}

// goFonts are the Go fonts, embedded in the documents that need them.
var goFonts = sync.OnceValue(func() *fontSet {
	fs := &fontSet{family: "go"}
	f := gofpdf.New("P", "mm", "A4", "")
	for _, bold := range []bool{false, true} {
		f.AddUTF8FontFromBytes(fs.family, fs.style(bold), slices.Clone(fs.ttf(bold)))
		f.SetFont(fs.family, fs.style(bold), 1000)
		w := new([0x10000]uint16)
		for r := range rune(0x10000) {
			if !utf8.ValidRune(r) {
				continue // surrogates: clean never lets them through
			}
			w[r] = uint16(f.GetStringSymbolWidth(string(r)))
		}
		fs.widths[face(bold)] = w
	}
	return fs
})

// standardFonts are Helvetica and Helvetica Bold, written in cp1252.
var standardFonts = sync.OnceValue(func() *fontSet {
	fs := &fontSet{family: "Helvetica", standard: true}
	f := gofpdf.New("P", "mm", "A4", "")
	for _, bold := range []bool{false, true} {
		f.SetFont(fs.family, fs.style(bold), 1000)
		w := new([0x10000]uint16)
		for r := range rune(0x10000) {
			if b, ok := cp1252(r); ok {
				w[r] = uint16(f.GetStringSymbolWidth(string([]byte{b})))
			}
		}
		fs.widths[face(bold)] = w
	}
	return fs
})

// cp1252High are the characters cp1252 writes at 0x80 to 0x9F, where
// Latin-1 has control characters.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87, 'ˆ': 0x88, '‰': 0x89,
	'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E, '‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95,
	'–': 0x96, '—': 0x97, '˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// cp1252 is r's byte in cp1252 (the standard fonts' WinAnsiEncoding), if
// it has one. Control characters have none: clean drops them.
func cp1252(r rune) (byte, bool) {
	if r >= 0x20 && r < 0x7F || r >= 0xA0 && r <= 0xFF {
		return byte(r), true
	}
	b, ok := cp1252High[r]
	return b, ok
}

// encode appends s written for the font set to buf: in cp1252 for the
// standard fonts, each character in two bytes (big-endian) for the Go
// fonts (see embeddedFont). A character cp1252 lacks stops the printout
// with errNeedsUnicode (see render).
func (fs *fontSet) encode(buf []byte, s string) []byte {
	for _, r := range s {
		if !fs.standard {
			if r > 0xFFFF {
				r = utf8.RuneError
			}
			buf = append(buf, byte(r>>8), byte(r))
			continue
		}
		b, ok := cp1252(r)
		if !ok {
			panic(errNeedsUnicode)
		}
		buf = append(buf, b)
	}
	return buf
}

// textWidth is the width of s in mm in the face at size.
func (fs *fontSet) textWidth(s string, bold bool, size float64) float64 {
	widths := fs.widths[face(bold)]
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
// rounding never makes a line overflow it.
const wrapSlack = 0.5

// wrap breaks s into lines no wider than width mm: at its newlines, at
// spaces, and inside a word only when the word alone is wider than a
// line. Nothing is dropped but runs of spaces; blank lines between
// paragraphs are kept, one at most.
func (fs *fontSet) wrap(s string, bold bool, size, width float64) []string {
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
			if line != "" && fs.textWidth(line+" "+w, bold, size) <= width {
				line += " " + w
				continue
			}
			if line != "" {
				out = append(out, line)
				line = ""
			}
			for fs.textWidth(w, bold, size) > width {
				head := fs.fitPrefix(w, bold, size, width)
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
// than width, measured as textWidth does, character by character.
func (fs *fontSet) fitPrefix(w string, bold bool, size, width float64) string {
	widths := fs.widths[face(bold)]
	limit := width * 1000 * (72 / 25.4) / size // in thousandths of the size
	var sum int64
	end := 0
	for i, r := range w {
		if r > 0xFFFF {
			r = utf8.RuneError
		}
		sum += int64(widths[r])
		if i > 0 && float64(sum) > limit {
			break
		}
		end = i + utf8.RuneLen(r)
		if r == utf8.RuneError {
			_, n := utf8.DecodeRuneInString(w[i:])
			end = i + n
		}
	}
	// Rounding at the limit: textWidth has the last word.
	for end > 0 && fs.textWidth(w[:end], bold, size) > width {
		_, n := utf8.DecodeLastRuneInString(w[:end])
		if n == end {
			break
		}
		end -= n
	}
	return w[:end]
}
