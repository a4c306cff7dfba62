package pdf

import (
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// VisitReport draws a completed job's visit report (issue 22): the job's
// facts, the technician's notes, the items and parts used, the asset
// tests recorded on the visit, the on-site signature and the list of the
// report's photos with their captions (the photos themselves are on the
// job's page, where the originals download).
func VisitReport(opt Options, j *fieldportal.Job, rep *fieldportal.VisitReport, customer, site Party) ([]byte, error) {
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
		for i, p := range rep.Photos {
			caption := p.Caption
			if caption == "" {
				caption = "(no caption)"
			}
			d.paragraph(strconv.Itoa(i+1)+". "+caption+" ("+strconv.Itoa(p.Width)+" × "+strconv.Itoa(p.Height)+" px)", style{})
		}
	})
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
