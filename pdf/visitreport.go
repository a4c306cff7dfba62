package pdf

import (
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// VisitReport draws a completed job's visit report (issue 22): the job's
// facts, the technician's notes, the items and parts used, the asset
// tests recorded on the visit, the on-site signature and the report's
// photos, three a row with their captions: thumbs[i] is the JPEG
// thumbnail of rep.Photos[i] (nil or unreadable: the caption alone; the
// originals download from the job's page).
func VisitReport(opt Options, j *fieldportal.Job, rep *fieldportal.VisitReport, customer, site Party, thumbs [][]byte) ([]byte, error) {
	name := "Visit report " + j.Number
	return render(opt, name, func(d *doc) {
		d.title(name)
		d.parties(customer, site)
		signed := "Nobody signed on site"
		if rep.SignedBy != "" {
			signed = rep.SignedBy
			if !rep.SignedAt.IsZero() {
				signed += ", " + timeRange(rep.SignedAt, time.Time{}, d.opt.Zone)
			}
		}
		d.fields(
			field{"Job", jobKindLabel(j.Kind) + " order " + j.Number},
			field{"Order number", j.OrderNo},
			field{"Technician", j.Technician},
			field{"Completed", timeRange(j.CompletedAt, time.Time{}, d.opt.Zone)},
			field{"Signed on site", signed},
		)
		d.section("Technician's notes")
		if strings.TrimSpace(rep.Notes) != "" {
			d.paragraph(rep.Notes, style{})
		} else {
			d.paragraph("No notes.", style{grey: true})
		}
		if len(j.Items) > 0 {
			d.section("Items")
			var items []lineItem
			var sum fieldportal.Money
			for _, it := range j.Items {
				items = append(items, d.lineItem(it.Code, it.Description, it.Quantity, it.UnitPrice, it.Total))
				sum += it.Total
			}
			d.lines(items)
			d.totals(total{label: "Items total", amount: d.money(sum), bold: true})
		}
		if len(rep.Parts) > 0 {
			d.section("Parts used")
			for _, p := range rep.Parts {
				d.paragraph(strconv.FormatInt(p.Quantity, 10)+" × "+joinNonEmpty(" · ", p.Code, p.Description), style{})
			}
		}
		if len(rep.Tests) > 0 {
			d.section("Asset tests")
			for _, t := range rep.Tests {
				d.paragraph(joinNonEmpty(" · ", t.AssetNumber, t.AssetName, formatDate(t.TestedOn), testResultLabel(t.Result),
					t.Technician, t.Notes), style{})
			}
		}
		d.section("Photos")
		if len(rep.Photos) == 0 {
			d.paragraph("No photos.", style{grey: true})
		}
		d.photos(rep.Photos, thumbs)
	})
}

// photos draws the photos three a row, each in a 4:3 box with its
// number and caption under it.
func (d *doc) photos(photos []*fieldportal.VisitPhoto, thumbs [][]byte) {
	const perRow, gap, captionH = 3, 4.0, 9.0
	boxW := (contentWidth - gap*(perRow-1)) / perRow
	boxH := boxW * 3 / 4
	for start := 0; start < len(photos); start += perRow {
		row := photos[start:min(start+perRow, len(photos))]
		d.add(boxH+captionH, func(y float64) {
			for k, p := range row {
				i := start + k
				x := float64(k) * (boxW + gap)
				if i < len(thumbs) && thumbs[i] != nil {
					if n, w, h, ok := d.c.addJPEG(thumbs[i]); ok {
						iw, ih := boxW, boxW*h/w
						if ih > boxH {
							iw, ih = boxH*w/h, boxH
						}
						d.c.photo(n, marginSide+x, marginTop+y, iw, ih)
					}
				}
				caption := p.Caption
				if caption == "" {
					caption = "(no caption)"
				}
				// One line of the caption: the page has the rest.
				s := style{size: 8}
				if lines := d.fonts.wrap(oneLine(strconv.Itoa(i+1)+". "+caption), false, s.fontSize(), boxW-3); len(lines) > 1 {
					caption = lines[0] + "…"
				} else if len(lines) == 1 {
					caption = lines[0]
				}
				d.text(caption, x, boxW, y+boxH+1, s)
				d.text(strconv.Itoa(p.Width)+" × "+strconv.Itoa(p.Height)+" px", x, boxW, y+boxH+4.5, style{size: 8, grey: true})
			}
		})
	}
}

// testResultLabel is a test's result in words.
func testResultLabel(r fieldportal.TestResult) string {
	switch r {
	case fieldportal.TestPass:
		return "Pass"
	case fieldportal.TestFail:
		return "Fail"
	}
	return "Not tested"
}
