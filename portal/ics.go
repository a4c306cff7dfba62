package portal

import (
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// A small iCalendar (RFC 5545) writer for the personal calendar feed:
// enough for VEVENTs of a diary, written by hand to keep the dependency
// list short. Lines end in CRLF and are folded at 75 octets without
// splitting a UTF-8 character (3.1); TEXT values are escaped (3.3.11);
// times are UTC with the Z suffix (3.3.5, form 2).

// icsWriter writes content lines, keeping the first error.
type icsWriter struct {
	w   io.Writer
	err error
}

// line writes one content line, folded.
func (iw *icsWriter) line(name, value string) {
	if iw.err != nil {
		return
	}
	_, iw.err = io.WriteString(iw.w, foldICS(name+":"+value))
}

// text writes a property whose value is TEXT, escaped.
func (iw *icsWriter) text(name, value string) { iw.line(name, escapeICS(value)) }

// time writes a property whose value is a UTC DATE-TIME.
func (iw *icsWriter) time(name string, t time.Time) { iw.line(name, icsTime(t)) }

// icsTime formats t in UTC: 20260302T090000Z.
func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escapeICS escapes a TEXT value: backslash, semicolon and comma are
// escaped, a line break becomes \n, and other control characters (which
// TEXT may not hold) are dropped.
func escapeICS(s string) string {
	var b strings.Builder
	s = strings.ReplaceAll(s, "\r\n", "\n")
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r < 0x20 && r != '\t' || r == 0x7f:
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldICS folds a content line into lines of at most 75 octets (CRLF
// excluded), each continuation starting with a space, and ends it with
// CRLF.
func foldICS(line string) string {
	var b strings.Builder
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	return b.String()
}
