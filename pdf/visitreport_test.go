package pdf

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
)

// testVisitReport is a completed job's report with parts, a failed test,
// a signature and three photos, one without a caption.
func testVisitReport() (*fieldportal.Job, *fieldportal.VisitReport) {
	j := testJob(2)
	j.Stage, j.CompletedAt = fieldportal.StageComplete, time.Date(2026, 3, 10, 12, 20, 0, 0, time.UTC)
	rep := &fieldportal.VisitReport{JobID: "j1", Notes: "Serviced the panel and both pumps.\nThe north pump's seal is worn: quote to follow.",
		Parts:    []fieldportal.VisitPart{{Code: "SEAL-40", Description: "Pump seal, 40 mm", Quantity: 2}, {Description: "Cable ties", Quantity: 10}},
		SignedBy: "Dana Site-Manager", SignedAt: time.Date(2026, 3, 10, 12, 15, 0, 0, time.UTC),
		Tests: []*fieldportal.AssetTest{{AssetNumber: "A-0107", AssetName: "Fire alarm panel", TestedOn: fieldportal.Date{Year: 2026, Month: 3, Day: 10},
			Result: fieldportal.TestPass, Technician: "Sam Okafor"},
			{AssetNumber: "A-0212", AssetName: "Sprinkler pump", TestedOn: fieldportal.Date{Year: 2026, Month: 3, Day: 10},
				Result: fieldportal.TestFail, Technician: "Sam Okafor", Notes: "Seal worn"}},
		Photos: []*fieldportal.VisitPhoto{{Position: 1, Caption: "The panel after the service", Width: 4032, Height: 3024},
			{Position: 2, Caption: "North pump seal", Width: 3024, Height: 4032}, {Position: 3, Width: 1280, Height: 960}}}
	return j, rep
}

func TestVisitReportGolden(t *testing.T) {
	j, rep := testVisitReport()
	// Two thumbnails; the third photo's is missing and shows its caption
	// alone.
	thumbs := [][]byte{mustThumb(t, 320, 240), mustThumb(t, 180, 240)}
	data, err := VisitReport(testOptions(t, nil), j, rep, testCustomer, testSite, thumbs)
	if err != nil {
		t.Fatal(err)
	}
	text := pdftest.MustText(t, data)
	MustGolden(t, "visit_report", text)
	if got := pdftest.MustImages(t, data); got != 2 {
		t.Errorf("%d images drawn, want the 2 thumbnails", got)
	}
	for _, want := range []string{"Visit report J-001042", "Dana Site-Manager, 10 Mar 2026 12:15", "Pump seal, 40 mm", "Seal worn", "3. (no caption)", "4032 × 3024 px"} {
		if !strings.Contains(text, want) {
			t.Errorf("the printout lacks %q", want)
		}
	}
	t.Run("an empty report says so", func(t *testing.T) {
		data, err := VisitReport(testOptions(t, nil), j, &fieldportal.VisitReport{}, testCustomer, testSite, nil)
		if err != nil {
			t.Fatal(err)
		}
		text := pdftest.MustText(t, data)
		MustGolden(t, "visit_report_empty", text)
		for _, want := range []string{"No notes.", "No photos.", "Nobody signed on site"} {
			if !strings.Contains(text, want) {
				t.Errorf("the printout lacks %q", want)
			}
		}
	})
}

// mustThumb is a w×h JPEG, as the photo package makes.
func mustThumb(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: 90, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
