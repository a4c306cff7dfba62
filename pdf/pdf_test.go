package pdf

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/phpdave11/gofpdf"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ with the printouts' text")

// The printouts are checked by their text, as pdftotext -layout extracts
// it: the PDF's bytes carry a modification date the library sets to now.

// MustGolden compares got with testdata/<name>.golden, or rewrites it
// under -update.
func MustGolden(tb testing.TB, name, got string) {
	tb.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run with -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		tb.Errorf("%s differs (-golden +printout); run with -update if the change is meant:\n%s", path, diff)
	}
}

// MustLogo makes a small PNG logo; sixteenBit makes it a 16-bit PNG, which
// the PDF library cannot embed as it is.
func MustLogo(tb testing.TB, sixteenBit bool) []byte {
	tb.Helper()
	var img image.Image
	if sixteenBit {
		m := image.NewNRGBA64(image.Rect(0, 0, 120, 60))
		for x := range 120 {
			for y := range 60 {
				m.SetNRGBA64(x, y, color.NRGBA64{R: 0xC000, G: uint16(x * 500), B: 0x2000, A: 0xFFFF})
			}
		}
		img = m
	} else {
		m := image.NewNRGBA(image.Rect(0, 0, 120, 60))
		for x := range 120 {
			for y := range 60 {
				m.SetNRGBA(x, y, color.NRGBA{R: 200, G: uint8(x * 2), B: 40, A: 255})
			}
		}
		img = m
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// testOptions is an organisation's printout settings, with the logo given.
func testOptions(tb testing.TB, logo []byte) Options {
	tb.Helper()
	zone, err := time.LoadLocation("Europe/London")
	if err != nil {
		tb.Fatal(err)
	}
	return Options{
		Letterhead: Letterhead{Name: "Acme Fire & Security", Logo: logo,
			Details: []string{"Unit 4, Quay Street, Bristol BS1 4AA", "0117 496 0000", "support@acme.example", "VAT GB 123 4567 89"}},
		Currency: "GBP", Zone: zone, Created: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
	}
}

var (
	testCustomer = Party{Label: "Customer", Name: "Harbour Properties Ltd", Lines: []string{"1 Dock Road, Bristol, BS1 5BB"}}
	testSite     = Party{Label: "Site", Name: "Dock Warehouse", Lines: []string{"Wapping Wharf, Bristol, BS1 6WP"}}
)

// testJob is a scheduled service job with n items.
func testJob(n int) *fieldportal.Job {
	j := &fieldportal.Job{Number: "J-001042", Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled,
		OrderNo: "PO-7781", PreferredDate: fieldportal.Date{Year: 2026, Month: 3, Day: 9}, PreferredWindow: "am",
		ScheduledStart: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC), ScheduledEnd: time.Date(2026, 3, 10, 12, 30, 0, 0, time.UTC),
		Technician:  "Sam Okafor",
		Description: "Annual service of the fire alarm panel and the sprinkler pumps.\nCall the site manager on arrival.",
		SiteName:    "Dock Warehouse"}
	for i := range n {
		qty := int64(i%3 + 1)
		price := fieldportal.Money(1250 + 375*i)
		j.Items = append(j.Items, fieldportal.JobItem{Code: fmt.Sprintf("SRV-%03d", i+1),
			Description: fmt.Sprintf("Service visit part %d: inspect, test and report", i+1), Quantity: qty, UnitPrice: price,
			Total: price * fieldportal.Money(qty)})
	}
	return j
}

var testAssets = []*fieldportal.Asset{
	{Number: "A-0107", Name: "Fire alarm panel", Location: "Plant room"},
	{Number: "A-0212", Name: "Sprinkler pump", Location: "Basement"},
}

// testQuote is an outstanding quote with an optional item.
func testQuote() *fieldportal.Quote {
	return &fieldportal.Quote{Number: "Q-000318", Stage: fieldportal.QuoteOutstanding, OrderNo: "PO-7790",
		ValidUntil: fieldportal.Date{Year: 2026, Month: 4, Day: 30}, Description: "Replace the emergency lighting on the ground floor.",
		TotalExTax: 120000, Tax: 24000, TotalIncTax: 144000,
		Items: []fieldportal.QuoteItem{
			{Code: "EL-LED", Description: "LED emergency bulkhead, 3 hour", Quantity: 10, UnitPrice: 9500, Total: 95000},
			{Code: "LAB-HR", Description: "Labour, per hour", Quantity: 5, UnitPrice: 5000, Total: 25000},
			{Code: "EL-SGN", Description: "Exit signs with running man", Quantity: 4, UnitPrice: 3000, Total: 12000, Optional: true},
		}}
}

func TestPrintoutsGolden(t *testing.T) {
	accepted := testQuote()
	accepted.Stage = fieldportal.QuoteApproved
	accepted.SignedByName = "Pat Parent"
	// 14:05 in London in summer time: the zone, not UTC, is printed.
	accepted.ActionedAt = time.Date(2026, 4, 2, 13, 5, 0, 0, time.UTC)
	declined := testQuote()
	declined.Stage = fieldportal.QuoteDeclined
	declined.SignedByName = "Pat Parent"
	declined.ActionedAt = time.Date(2026, 1, 20, 16, 45, 0, 0, time.UTC)
	declined.DeclineReason = "Over budget this year."

	for _, tc := range []struct {
		name   string
		render func(opt Options) ([]byte, error)
		logo   bool
		pages  int
	}{
		{"job_two_pages", func(o Options) ([]byte, error) { return Job(o, testJob(60), testCustomer, testSite, testAssets) }, true, 2},
		{"job_without_logo", func(o Options) ([]byte, error) { return Job(o, testJob(3), testCustomer, testSite, nil) }, false, 1},
		{"quote_outstanding", func(o Options) ([]byte, error) { return Quote(o, testQuote(), testCustomer, testSite) }, false, 1},
		{"quote_accepted", func(o Options) ([]byte, error) { return Quote(o, accepted, testCustomer, testSite) }, true, 1},
		{"quote_declined", func(o Options) ([]byte, error) { return Quote(o, declined, testCustomer, testSite) }, false, 1},
		{"quote_lapsed", func(o Options) ([]byte, error) {
			o.Created = time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC) // the day after its validity
			return Quote(o, testQuote(), testCustomer, testSite)
		}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logo []byte
			if tc.logo {
				logo = MustLogo(t, false)
			}
			data, err := tc.render(testOptions(t, logo))
			if err != nil {
				t.Fatal(err)
			}
			text := pdftest.MustText(t, data)
			MustGolden(t, tc.name, text)
			if got := pdftest.MustPages(t, data); got != tc.pages {
				t.Errorf("%d pages, want %d", got, tc.pages)
			}
			// The letterhead and the page number are on every page.
			for i, page := range strings.Split(strings.TrimRight(text, "\f\n"), "\f") {
				for _, want := range []string{"Acme Fire & Security", "support@acme.example", fmt.Sprintf("Page %d of %d", i+1, tc.pages)} {
					if !strings.Contains(page, want) {
						t.Errorf("page %d lacks %q", i+1, want)
					}
				}
			}
			wantImages := 0
			if tc.logo {
				wantImages = tc.pages
			}
			if got := pdftest.MustImages(t, data); got != wantImages {
				t.Errorf("%d images drawn, want %d (the logo on each page)", got, wantImages)
			}
		})
	}
}

// TestLogoThatNeedsConverting checks that a 16-bit PNG logo, which the PDF
// library cannot embed as it is, is drawn, and that bytes that are not an
// image leave the logo out without failing the printout.
func TestLogoThatNeedsConverting(t *testing.T) {
	for _, tc := range []struct {
		name   string
		logo   []byte
		images int
	}{
		{"16-bit PNG", MustLogo(t, true), 1},
		{"not an image", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data, err := Quote(testOptions(t, tc.logo), testQuote(), testCustomer, testSite)
			if err != nil {
				t.Fatal(err)
			}
			if got := pdftest.MustImages(t, data); got != tc.images {
				t.Errorf("%d images drawn, want %d", got, tc.images)
			}
			if text := pdftest.MustText(t, data); strings.Contains(text, "could not") {
				t.Errorf("the library's error text is in the printout:\n%s", text)
			}
		})
	}
}

// squeeze drops all white space, so text can be compared however it was
// wrapped.
func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

// TestTypedTextIsText checks that what people type is printed as text,
// whole: markup stays characters, letters beyond ASCII survive, emoji
// (which the PDF library cannot draw) become U+FFFD instead of failing,
// and long descriptions and words wrap onto more lines and pages rather
// than being cut off.
func TestTypedTextIsText(t *testing.T) {
	longWord := strings.Repeat("Unterbrechungsfreie", 20) // 380 letters, no space
	var long strings.Builder
	for i := range 1500 {
		fmt.Fprintf(&long, "word%04d ", i)
	}
	j := testJob(1)
	j.Description = "Zoë's café — Łódź, Ærøskøbing, Привет.\n<script>alert(\"x\")</script> & <b>bold</b>\nPanel 🔥 alarm\n\n" +
		longWord + "\n" + long.String()
	j.Items[0].Description = "Sprinkler head " + strings.Repeat("replacement ", 30)
	j.Technician = "<img src=x onerror=alert(1)>"
	longName := "The Harbourside Fire Protection and Building Services Maintenance Company (South West) Limited"
	data, err := Job(testOptions(t, nil), j, Party{Label: "Customer", Name: "O'Brien & Sons <Ltd>"}, Party{Label: "Site", Name: longName}, nil)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.MustText(t, data)
	for _, want := range []string{
		"Zoë's café — Łódź, Ærøskøbing, Привет.",
		`<script>alert("x")</script> & <b>bold</b>`,
		"Panel \uFFFD alarm",
		"<img src=x onerror=alert(1)>",
		"O'Brien & Sons <Ltd>",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the printout lacks %q", want)
		}
	}
	// Every character typed is there, in order, however it was wrapped
	// and across pages (the letterhead and page numbers left out).
	var body strings.Builder
	for l := range strings.Lines(text) {
		if !strings.Contains(l, "Acme Fire") && !strings.Contains(l, "Page ") && !strings.Contains(l, "Bristol BS1 4AA") &&
			!strings.Contains(l, "0117 496") && !strings.Contains(l, "support@") && !strings.Contains(l, "VAT GB") {
			body.WriteString(l)
		}
	}
	flat := squeeze(body.String())
	for name, want := range map[string]string{"long word": longWord, "long description": long.String(), "long site name": longName} {
		if !strings.Contains(flat, squeeze(want)) {
			t.Errorf("the %s is not printed whole", name)
		}
	}
	// The item's description shares its first row with the amounts.
	if n := strings.Count(text, "replacement"); n != 30 {
		t.Errorf("the item's description has %d of its 30 words", n)
	}
	if pages := pdftest.MustPages(t, data); pages < 3 {
		t.Errorf("a description of 1,500 words fits on %d pages; it should run over several", pages)
	}
	// The long word was broken into lines that fit; the widest line of the
	// layout stays within the page (pdftotext -layout keeps columns, so a
	// cut-off or overflowing line shows as an over-long one).
	for l := range strings.Lines(text) {
		if n := len([]rune(strings.TrimSpace(l))); n > 130 {
			t.Errorf("a line of %d characters: %q", n, l)
		}
	}
}

// TestPageBreaks checks, for jobs whose pages break at many different
// rows, that each page the lines table runs onto starts with the table's
// heading, that no heading is left at the foot of a page, and that no
// page is empty: the layout's count of the page's height must agree with
// the library's.
func TestPageBreaks(t *testing.T) {
	letterhead := []string{"Acme Fire & Security", "Bristol BS1 4AA", "0117 496", "support@", "VAT GB", "Page "}
	for items := 40; items <= 130; items += 9 {
		for _, descLines := range []int{0, 7} {
			t.Run(fmt.Sprintf("%d items, %d lines of description", items, descLines), func(t *testing.T) {
				j := testJob(items)
				j.Description = strings.Repeat("A line of the description.\n", descLines)
				data, err := Job(testOptions(t, nil), j, testCustomer, testSite, testAssets)
				if err != nil {
					t.Fatal(err)
				}
				pages := strings.Split(strings.TrimRight(pdftest.MustText(t, data), "\f\n"), "\f")
				if len(pages) != pdftest.MustPages(t, data) {
					t.Fatalf("%d pages of text, %d pages", len(pages), pdftest.MustPages(t, data))
				}
				for i, page := range pages {
					var content []string
				lines:
					for l := range strings.Lines(page) {
						if strings.TrimSpace(l) == "" {
							continue
						}
						for _, lh := range letterhead {
							if strings.Contains(l, lh) {
								continue lines
							}
						}
						content = append(content, strings.TrimSpace(l))
					}
					if len(content) == 0 {
						t.Fatalf("page %d has nothing but the letterhead", i+1)
					}
					first := -1
					for k, l := range content {
						if strings.HasPrefix(l, "SRV-") {
							first = k
							break
						}
					}
					if first >= 0 && (first == 0 || !strings.HasPrefix(content[first-1], "Code")) {
						t.Errorf("page %d starts its lines without the table's heading: %q", i+1, content[:first+1])
					}
					if last := content[len(content)-1]; last == "Items" || strings.HasPrefix(last, "Code") || last == "Description" {
						t.Errorf("page %d ends with the heading %q", i+1, last)
					}
				}
			})
		}
	}
}

// TestLongLetterhead checks that a long organisation name and details wrap
// in the letterhead on every page, and that the pages still break where
// the layout expects (the lines table's heading tops each page).
func TestLongLetterhead(t *testing.T) {
	opt := testOptions(t, MustLogo(t, false))
	opt.Letterhead.Name = strings.Repeat("Harbourside Fire Protection ", 9)
	opt.Letterhead.Details = append(opt.Letterhead.Details, strings.Repeat("accounts-department ", 12))
	data, err := Job(opt, testJob(70), testCustomer, testSite, nil)
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(strings.TrimRight(pdftest.MustText(t, data), "\f\n"), "\f")
	if len(pages) < 2 {
		t.Fatalf("%d pages, want the lines to run onto a second", len(pages))
	}
	for i, page := range pages {
		for name, want := range map[string]string{"name": opt.Letterhead.Name, "detail": opt.Letterhead.Details[4]} {
			if !strings.Contains(squeeze(page), squeeze(want)) {
				t.Errorf("page %d lacks the whole %s", i+1, name)
			}
		}
		if i > 0 && !regexp.MustCompile(`(?m)^\s*Code\s+Description`).MatchString(page) {
			t.Errorf("page %d lacks the table's heading", i+1)
		}
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		width      float64
		want       []string
	}{
		{"fits", "Call on arrival", 100, []string{"Call on arrival"}},
		{"at spaces", "one two three four", 16, []string{"one two", "three four"}},
		{"newlines and blank lines", "first\r\n\n\n\tsecond\n", 100, []string{"first", "", "second"}},
		{"a word wider than the line", "abcdefghijklmnopqrstuvwxyz", 20, []string{"abcdefghijkl", "mnopqrstuvw", "xyz"}},
		{"control characters and emoji", "bell\a here 🚒", 100, []string{"bell here \uFFFD"}},
		{"nothing", " \n ", 100, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := goFonts().wrap(tc.text, false, bodySize, tc.width)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("wrap(%q, %vmm) (-want +got):\n%s", tc.text, tc.width, diff)
			}
			for _, l := range got {
				if w := goFonts().textWidth(l, false, bodySize); w > tc.width {
					t.Errorf("line %q is %.1fmm wide, over %vmm", l, w, tc.width)
				}
			}
		})
	}
}

// TestTextWidthIsTheLibrarys checks the width tables of both font sets
// against the PDF library's own measure, which the page's layout of
// right-aligned text and of wrapped lines relies on.
func TestTextWidthIsTheLibrarys(t *testing.T) {
	f := gofpdf.New("P", "mm", "A4", "")
	for _, bold := range []bool{false, true} {
		f.AddUTF8FontFromBytes(goFonts().family, goFonts().style(bold), goFonts().ttf(bold))
	}
	for _, tc := range []struct {
		name  string
		fs    *fontSet
		texts []string
	}{
		{"Go fonts", goFonts(), []string{"Service visit", "WWWW iiii", "Zoë — Łódź, Привет £1,234.50", "中文 \uFFFD"}},
		{"standard fonts", standardFonts(), []string{"Service visit", "WWWW iiii", "Zoë’s café — “Ærø” £1,234.50 €5 ‰ Ÿ"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.texts {
				for _, bold := range []bool{false, true} {
					for _, size := range []float64{8, 9, 13} {
						f.SetFont(tc.fs.family, tc.fs.style(bold), size)
						want := f.GetStringWidth(s)
						if tc.fs.standard {
							want = f.GetStringWidth(string(tc.fs.encode(nil, s)))
						}
						if got := tc.fs.textWidth(s, bold, size); math.Abs(got-want) > 1e-9 {
							t.Errorf("textWidth(%q, bold %v, %v) = %v, the library says %v", s, bold, size, got, want)
						}
					}
				}
			}
		})
	}
}

// TestConcurrentPrintouts renders printouts at once, as a busy portal
// does: the shared width table and logo cache must hold (CI runs the
// tests with the race detector), and each printout come out whole.
func TestConcurrentPrintouts(t *testing.T) {
	opt := testOptions(t, MustLogo(t, false))
	want, err := Job(opt, testJob(30), testCustomer, testSite, testAssets)
	if err != nil {
		t.Fatal(err)
	}
	wantText := pdftest.MustText(t, want)
	results := make([][]byte, 6)
	errs := make([]error, len(results))
	var wg sync.WaitGroup
	for i := range results {
		wg.Go(func() {
			o := opt
			o.Letterhead.Logo = MustLogo(t, i%2 == 0) // two logos: both go through the cache
			results[i], errs[i] = Job(o, testJob(30), testCustomer, testSite, testAssets)
		})
	}
	wg.Wait()
	for i, data := range results {
		if errs[i] != nil {
			t.Fatalf("printout %d: %v", i, errs[i])
		}
		if diff := cmp.Diff(wantText, pdftest.MustText(t, data)); diff != "" {
			t.Errorf("printout %d differs from one rendered alone (-alone +concurrent):\n%s", i, diff)
		}
	}
}

// BenchmarkJobPDF times one job printout of two pages, with a logo.
func BenchmarkJobPDF(b *testing.B) {
	opt := testOptions(b, MustLogo(b, false))
	j := testJob(60)
	for b.Loop() {
		if _, err := Job(opt, j, testCustomer, testSite, testAssets); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkQuotePDF times one quote printout, with a logo.
func BenchmarkQuotePDF(b *testing.B) {
	opt := testOptions(b, MustLogo(b, false))
	q := testQuote()
	for b.Loop() {
		if _, err := Quote(opt, q, testCustomer, testSite); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFontsByText checks both ways a printout is drawn: in the PDF
// standard fonts, embedding none, when all its text is in cp1252 (curly
// quotes, dashes, the euro and pound signs included), and otherwise in
// the embedded Go fonts, which print Greek, Cyrillic and Polish.
func TestFontsByText(t *testing.T) {
	for _, tc := range []struct {
		name, description, customer string
		embedded                    bool
	}{
		{"job_cp1252", "Zoë’s café — “Ærøskøbing” costs €120 or £100…", "Crème Brûlée Ltd", false},
		{"job_unicode", "Łódź: Ελληνικά, Привет мир, Zażółć gęślą jaźń.", "Παπαδόπουλος ΑΕ", true},
		{"job_unicode_letterhead_only", "Plain text.", "Harbour Properties Ltd", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := testOptions(t, MustLogo(t, false))
			if tc.name == "job_unicode_letterhead_only" {
				opt.Letterhead.Details = append(opt.Letterhead.Details, "Wrocław")
			}
			j := testJob(2)
			j.Description = tc.description
			data, err := Job(opt, j, Party{Label: "Customer", Name: tc.customer}, testSite, nil)
			if err != nil {
				t.Fatal(err)
			}
			text := pdftest.MustText(t, data)
			MustGolden(t, tc.name, text)
			for _, want := range []string{tc.description, tc.customer} {
				if !strings.Contains(text, want) {
					t.Errorf("the printout lacks %q", want)
				}
			}
			if got := bytes.Contains(data, []byte("/FontFile2")); got != tc.embedded {
				t.Errorf("fonts embedded: %v, want %v", got, tc.embedded)
			}
		})
	}
}

// TestFitPrefix checks the cut of a statement's cells against the
// longest prefix found by trying each, in both font sets.
func TestFitPrefix(t *testing.T) {
	for _, fs := range []*fontSet{goFonts(), standardFonts()} {
		t.Run(fs.family, func(t *testing.T) {
			for _, s := range []string{"Dock Warehouse, Wapping Wharf, Bristol", "WWWWWWWWWWWWWWWWWWWW", "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii", "£1,234.50 café—Æ", "x"} {
				for _, width := range []float64{0.1, 5, 10, 28, 100} {
					got := fs.fitPrefix(s, false, bodySize, width)
					want := s[:len(string([]rune(s)[:1]))]
					for i := range s {
						if i > 0 && fs.textWidth(s[:i], false, bodySize) <= width {
							want = s[:i]
						}
					}
					if fs.textWidth(s, false, bodySize) <= width {
						want = s
					}
					if got != want {
						t.Errorf("fitPrefix(%q, %vmm) = %q, want %q", s, width, got, want)
					}
				}
			}
		})
	}
}
