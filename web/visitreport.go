package web

import (
	"net/url"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The visit report's section of a job's page (issue 22), one view and
// one template ("visitReport", templates/visit_report.html) for the
// portal's page and the console's: notes, the parts used, the asset tests
// recorded on the job, the on-site signature and a gallery of thumbnails,
// each a plain link to the photo's own page.

// VisitReportView is the section's data; nil shows nothing.
type VisitReportView struct {
	Notes  string
	Signed string
	// SignedAt is the signature's time, for its <time> element.
	SignedAt time.Time
	Parts    Table
	Tests    Table
	Photos   []PhotoLink
	// PDFURL is the report's printout; "" for none.
	PDFURL string
}

// PhotoLink is one photo of the gallery.
type PhotoLink struct {
	// Page is the photo's own page (its display size); Thumb and
	// Original its files.
	Page, Thumb, Display, Original string
	Alt, Caption                   string
	// Number is its place; Of how many there are.
	Number, Of int
	// Width and Height are the thumbnail's box, kept by the CSS's
	// aspect ratio so the grid does not jump as thumbnails load.
	Width, Height int
}

// NewVisitReportView builds the section of a report. base is the job's
// address at the door ("/jobs/ID", "/console/jobs/ID"); pdf the report's
// printout or "".
func NewVisitReportView(rep *fieldportal.VisitReport, base, pdf string, loc *time.Location) *VisitReportView {
	v := &VisitReportView{Notes: rep.Notes, PDFURL: pdf}
	if rep.SignedBy != "" {
		v.Signed = rep.SignedBy
		if !rep.SignedAt.IsZero() {
			v.SignedAt = rep.SignedAt.In(loc)
		}
	}
	v.Parts = Table{Caption: "Parts used", Columns: []Column{{Label: "Part"}, {Label: "Code"}, {Label: "Quantity", Numeric: true}}}
	for _, p := range rep.Parts {
		v.Parts.Rows = append(v.Parts.Rows, []Cell{{Text: p.Description, Header: true}, TextCell(p.Code),
			TextCell(strconv.FormatInt(p.Quantity, 10))})
	}
	v.Tests = Table{Caption: "Asset tests on this visit", Columns: []Column{{Label: "Asset"}, {Label: "Tested"}, {Label: "Result"},
		{Label: "Technician"}, {Label: "Notes"}}}
	for _, t := range rep.Tests {
		v.Tests.Rows = append(v.Tests.Rows, []Cell{{Text: t.AssetNumber + " " + t.AssetName, Header: true}, DateCell(t.TestedOn.Time()),
			BadgeCell(TestResultLabel(t.Result), testTones[t.Result]), TextCell(t.Technician), TextCell(t.Notes)})
	}
	for i, p := range rep.Photos {
		v.Photos = append(v.Photos, NewPhotoLink(p, base, i+1, len(rep.Photos)))
	}
	return v
}

// NewPhotoLink is a photo's links under the job's address base.
func NewPhotoLink(p *fieldportal.VisitPhoto, base string, n, of int) PhotoLink {
	page := base + "/report/photos/" + url.PathEscape(p.ID)
	w, h := 320, 240
	if p.Width > 0 && p.Height > 0 {
		if p.Width >= p.Height {
			h = max(1, 320*p.Height/p.Width)
		} else {
			w, h = max(1, 320*p.Width/p.Height), 320
		}
	}
	alt := p.Caption
	if alt == "" {
		alt = "Photo " + strconv.Itoa(n) + " of the visit report"
	}
	return PhotoLink{Page: page, Thumb: page + "/thumb", Display: page + "/display", Original: page + "/original",
		Alt: alt, Caption: p.Caption, Number: n, Of: of, Width: w, Height: h}
}

// testTones colours a test's result.
var testTones = map[fieldportal.TestResult]string{fieldportal.TestPass: "success", fieldportal.TestFail: "danger"}

// TestResultLabel is a test's result in words.
func TestResultLabel(r fieldportal.TestResult) string {
	switch r {
	case fieldportal.TestPass:
		return "Pass"
	case fieldportal.TestFail:
		return "Fail"
	}
	return "Not tested"
}

// PhotoPageView is one photo's page within its report.
type PhotoPageView struct {
	Photo PhotoLink
	// Prev and Next are the neighbours' pages, "" at the ends; JobURL
	// the job's page.
	Prev, Next, JobURL string
}

// NewPhotoPageView finds photoID among the report's photos; ok is false
// when it is not one of them.
func NewPhotoPageView(rep *fieldportal.VisitReport, base, photoID string) (v PhotoPageView, ok bool) {
	for i, p := range rep.Photos {
		if p.ID != photoID {
			continue
		}
		v = PhotoPageView{Photo: NewPhotoLink(p, base, i+1, len(rep.Photos)), JobURL: base}
		if i > 0 {
			v.Prev = NewPhotoLink(rep.Photos[i-1], base, i, len(rep.Photos)).Page
		}
		if i+1 < len(rep.Photos) {
			v.Next = NewPhotoLink(rep.Photos[i+1], base, i+2, len(rep.Photos)).Page
		}
		return v, true
	}
	return v, false
}
