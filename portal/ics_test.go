package portal

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
)

func TestFoldICS(t *testing.T) {
	for _, tc := range []struct {
		name, line string
	}{
		{"short", "SUMMARY:Visit"},
		{"exactly 75 octets", "DESCRIPTION:" + strings.Repeat("a", 63)},
		{"76 octets", "DESCRIPTION:" + strings.Repeat("a", 64)},
		{"multi-byte characters across the fold", "DESCRIPTION:" + strings.Repeat("é", 100)},
		{"three-byte characters", "LOCATION:" + strings.Repeat("—", 60)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := foldICS(tc.line)
			if !strings.HasSuffix(got, "\r\n") {
				t.Fatalf("no CRLF at the end: %q", got)
			}
			parts := strings.Split(strings.TrimSuffix(got, "\r\n"), "\r\n")
			for i, p := range parts {
				if len(p) > 75 {
					t.Errorf("line %d is %d octets", i, len(p))
				}
				if !utf8.ValidString(p) {
					t.Errorf("line %d splits a character: %q", i, p)
				}
				if i > 0 && !strings.HasPrefix(p, " ") {
					t.Errorf("continuation %d does not start with a space", i)
				}
			}
			unfolded := strings.ReplaceAll(strings.TrimSuffix(got, "\r\n"), "\r\n ", "")
			if unfolded != tc.line {
				t.Errorf("unfolded = %q, want %q", unfolded, tc.line)
			}
		})
	}
}

func TestEscapeICS(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                  "plain",
		"a, b; c":                `a\, b\; c`,
		`back\slash`:             `back\\slash`,
		"two\nlines\r\nand more": `two\nlines\nand more`,
		"bell\x07 and tab\t":     "bell and tab\t",
	} {
		if got := escapeICS(in); got != want {
			t.Errorf("escapeICS(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExpiringTile(t *testing.T) {
	v := fieldportal.SystemViewer("org", "test")
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {fieldportal.ExpiringCountCap, "1000+"}} {
		n := tc.n
		var got *DashboardTile
		for _, tile := range dashboardTiles(&fieldportal.Dashboard{ExpiringCertificates: &n}, v, "GBP") {
			if tile.Label == "Certificates expiring soon" {
				got = &tile
			}
		}
		if got == nil || got.Value != tc.want || got.URL != "/certificates?status=expiring" {
			t.Errorf("tile for %d = %+v, want %q linking to the expiring list", tc.n, got, tc.want)
		}
	}
}
