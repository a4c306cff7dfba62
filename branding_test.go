package fieldportal_test

import (
	"math"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

func mustColour(tb testing.TB, s string) fieldportal.Colour {
	tb.Helper()
	c, ok := fieldportal.ParseColour(s)
	if !ok {
		tb.Fatalf("ParseColour(%q) failed", s)
	}
	return c
}

func TestContrast(t *testing.T) {
	// Known pairs: WCAG's own extremes and the well-known greys at the
	// 4.5:1 boundary on white (#767676 passes, #777777 does not).
	for _, tc := range []struct {
		name, a, b string
		want       float64
	}{
		{"black on white is 21", "#000", "#ffffff", 21},
		{"white on white is 1", "#fff", "#FFF", 1},
		{"#767676 on white", "#767676", "#fff", 4.54},
		{"#777777 on white", "#777777", "#fff", 4.48},
		{"blue on white", "#0000ff", "#fff", 8.59},
		{"red on white", "#ff0000", "#fff", 4.0},
		{"order does not matter", "#fff", "#767676", 4.54},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fieldportal.Contrast(mustColour(t, tc.a), mustColour(t, tc.b))
			if math.Abs(got-tc.want) > 0.01 {
				t.Errorf("contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
			}
		})
	}
}

func TestParseColour(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"#0B5CAD", "#0b5cad", true},
		{"0b5cad", "#0b5cad", true},
		{" #abc ", "#aabbcc", true},
		{"#0b5cag", "", false},
		{"#0b5ca", "", false},
		{"blue", "", false},
		{"", "", false},
		{"#-12345", "", false},
	} {
		t.Run(tc.in, func(t *testing.T) {
			c, ok := fieldportal.ParseColour(tc.in)
			if ok != tc.ok || (ok && c.Hex() != tc.want) {
				t.Errorf("ParseColour(%q) = %s, %v; want %s, %v", tc.in, c.Hex(), ok, tc.want, tc.ok)
			}
		})
	}
}

func TestThemeOf(t *testing.T) {
	for _, tc := range []struct {
		name, accent string
		on           fieldportal.Colour
		ok           bool
	}{
		{"dark blue carries white", "#0b5cad", fieldportal.White, true},
		{"dark red carries white", "#b3261e", fieldportal.White, true},
		{"#767676 carries white", "#767676", fieldportal.White, true},
		{"gold carries near-black", "#ffd700", fieldportal.NearBlack, true},
		{"white carries near-black", "#ffffff", fieldportal.NearBlack, true},
		{"mid grey carries neither", "#808080", fieldportal.Colour{}, false},
		{"#777777 carries neither", "#777777", fieldportal.Colour{}, false},
		{"pure red carries neither", "#ff0000", fieldportal.Colour{}, false},
		{"not a colour", "teal", fieldportal.Colour{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th, ok := fieldportal.ThemeOf(tc.accent)
			if ok != tc.ok {
				t.Fatalf("ThemeOf(%s) ok = %v, want %v", tc.accent, ok, tc.ok)
			}
			if !ok {
				return
			}
			if th.OnBrand != tc.on {
				t.Errorf("text on %s = %s, want %s", tc.accent, th.OnBrand.Hex(), tc.on.Hex())
			}
			// What the style sheet draws must pass, not only the accent.
			for _, p := range []struct {
				what   string
				fg, bg fieldportal.Colour
				min    float64
			}{
				{"text on the accent", th.OnBrand, th.Brand, 4.5},
				{"text on the strong accent", th.OnBrand, th.BrandStrong, 4.5},
				{"links on white", th.Ink, fieldportal.White, 7},
			} {
				if c := fieldportal.Contrast(p.fg, p.bg); c < p.min {
					t.Errorf("%s: %s on %s = %.2f:1, want %.1f", p.what, p.fg.Hex(), p.bg.Hex(), c, p.min)
				}
			}
		})
	}
}

func TestBrandingValidate(t *testing.T) {
	ok := fieldportal.Branding{DisplayName: "Brightwater", AccentColour: "#0b5cad", SupportEmail: "help@brightwater.example",
		SupportPhone: "+44 (0)117 496-0123"}
	for _, tc := range []struct {
		name   string
		change func(b *fieldportal.Branding)
		field  string
		msg    string
	}{
		{"all good", func(b *fieldportal.Branding) {}, "", ""},
		{"no accent is the default", func(b *fieldportal.Branding) { b.AccentColour = "" }, "", ""},
		{"a colour failing contrast", func(b *fieldportal.Branding) { b.AccentColour = "#808080" }, "branding.accent_colour", "at least 4.5:1"},
		{"a bad hex", func(b *fieldportal.Branding) { b.AccentColour = "#12345g" }, "branding.accent_colour", "hex colour"},
		{"a phone with letters", func(b *fieldportal.Branding) { b.SupportPhone = "0800 FLOWERS" }, "branding.support_phone", "no letters"},
		{"a phone too short", func(b *fieldportal.Branding) { b.SupportPhone = "12" }, "branding.support_phone", "phone number"},
		{"a bad email", func(b *fieldportal.Branding) { b.SupportEmail = "help at example" }, "branding.support_email", "valid address"},
		{"a long name", func(b *fieldportal.Branding) { b.DisplayName = strings.Repeat("x", 101) }, "branding.display_name", "100"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := ok
			tc.change(&b)
			var v fieldportal.Validation
			b.Validate(&v)
			err := v.Err()
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v", err)
				}
				return
			}
			var fe []fieldportal.FieldError
			if e, ok := err.(*fieldportal.Error); ok {
				fe = e.Fields
			}
			if len(fe) != 1 || fe[0].Field != tc.field || !strings.Contains(fe[0].Message, tc.msg) {
				t.Errorf("Validate = %+v, want one error on %s containing %q", fe, tc.field, tc.msg)
			}
		})
	}
}
