package fieldportal

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// The organisation's branding rules: the accent colour must carry the
// text drawn on it at WCAG 2.2 AA (4.5:1 for normal text), the support
// contact must be something a customer can use. The portal's style sheet
// takes its colours from Theme, so what is checked here is what is drawn.

// MinTextContrast is WCAG 2.2 AA's contrast for normal text (SC 1.4.3).
const MinTextContrast = 4.5

// Colour is an sRGB colour of 8 bits a channel.
type Colour struct{ R, G, B uint8 }

// Text colours drawn on an accent: white on a dark accent, the style
// sheet's near-black (--text) on a light one.
var (
	White     = Colour{0xff, 0xff, 0xff}
	NearBlack = Colour{0x1b, 0x1f, 0x24}
)

// ParseColour reads "#rrggbb" or "#rgb" (the "#" optional, any case).
func ParseColour(s string) (Colour, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	if len(s) == 3 {
		s = string([]byte{s[0], s[0], s[1], s[1], s[2], s[2]})
	}
	if len(s) != 6 {
		return Colour{}, false
	}
	n, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return Colour{}, false
	}
	return Colour{uint8(n >> 16), uint8(n >> 8), uint8(n)}, true
}

// Hex is the colour as CSS writes it: "#rrggbb", lower case.
func (c Colour) Hex() string { return fmt.Sprintf("#%02x%02x%02x", c.R, c.G, c.B) }

// Luminance is WCAG's relative luminance: 0 for black, 1 for white.
func (c Colour) Luminance() float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

// Contrast is WCAG's contrast ratio of two colours, from 1 to 21.
func Contrast(a, b Colour) float64 {
	la, lb := a.Luminance(), b.Luminance()
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// TextOn is the text colour drawn on a background: white or near-black,
// whichever contrasts more. (No colour reaches 4.5:1 with both, so this
// is also the only one that may pass.)
func TextOn(bg Colour) Colour {
	if Contrast(bg, White) >= Contrast(bg, NearBlack) {
		return White
	}
	return NearBlack
}

// mix moves c towards to by f (0: c, 1: to), channel by channel.
func mix(c, to Colour, f float64) Colour {
	m := func(a, b uint8) uint8 { return uint8(math.Round(float64(a) + (float64(b)-float64(a))*f)) }
	return Colour{m(c.R, to.R), m(c.G, to.G), m(c.B, to.B)}
}

// Theme is the set of colours the style sheet draws with an accent.
type Theme struct {
	// Brand is the accent: the navigation bar and the buttons.
	Brand Colour
	// OnBrand is the text on Brand and on BrandStrong.
	OnBrand Colour
	// BrandStrong is the header's background and the buttons' hover: the
	// accent moved away from its text, so the contrast only grows.
	BrandStrong Colour
	// Ink is the accent as text on white (links): the accent darkened
	// until it reads at 7:1, which keeps 4.5:1 on the pale tints too.
	Ink Colour
}

// ThemeOf derives the style sheet's colours from an accent colour; false
// when the accent is not a colour or fails contrast with its text.
func ThemeOf(accent string) (Theme, bool) {
	c, ok := ParseColour(accent)
	if !ok {
		return Theme{}, false
	}
	on := TextOn(c)
	if Contrast(c, on) < MinTextContrast {
		return Theme{}, false
	}
	away := Colour{}
	if on == NearBlack {
		away = White
	}
	ink := c
	for i := 0; Contrast(ink, White) < 7 && i < 40; i++ {
		ink = mix(ink, Colour{}, 0.1)
	}
	return Theme{Brand: c, OnBrand: on, BrandStrong: mix(c, away, 0.35), Ink: ink}, true
}

// Validate checks the branding's fields, naming each bad one; v collects
// the messages with the rest of the settings'.
func (b Branding) Validate(v *Validation) {
	if len(b.DisplayName) > 100 {
		v.Add("branding.display_name", "Name shown to customers must be at most 100 characters.")
	} else if strings.ContainsFunc(b.DisplayName, unicode.IsControl) {
		// It is a mail's subject and lines: one line of text.
		v.Add("branding.display_name", "Name shown to customers must be one line of text.")
	}
	if strings.TrimSpace(b.AccentColour) != "" {
		if c, ok := ParseColour(b.AccentColour); !ok {
			v.Add("branding.accent_colour", "Accent colour must be a hex colour such as #0b5cad.")
		} else if ratio := Contrast(c, TextOn(c)); ratio < MinTextContrast {
			v.Add("branding.accent_colour", "Accent colour %s has a contrast of %.1f:1 with the text on it; it needs at least 4.5:1. Choose a darker or a lighter colour.",
				c.Hex(), math.Floor(ratio*10)/10)
		}
	}
	if b.SupportEmail != "" && !ValidEmail(b.SupportEmail) {
		v.Add("branding.support_email", "Support email must be a valid address, such as help@example.com.")
	}
	if b.SupportPhone != "" && !validPhone(b.SupportPhone) {
		v.Add("branding.support_phone", "Support phone must be a phone number: digits, spaces and + ( ) - only, no letters.")
	}
	if len(b.WelcomeNotice) > 2000 {
		v.Add("branding.welcome_notice", "Welcome notice must be at most 2,000 characters.")
	}
}

// validPhone is a plain check of a phone number as people write it:
// digits with spaces, dots, dashes, brackets and a leading +; between 5
// and 20 digits; no letters ("0800 FLOWERS" is not dialled by a link).
func validPhone(s string) bool {
	s = strings.TrimSpace(s)
	digits := 0
	for i, r := range s {
		switch {
		case unicode.IsDigit(r) && r < 128:
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20 && len(s) <= 40
}
