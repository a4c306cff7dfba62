package demo

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// TestPPMShowcase builds the head office's PPM grid of the current
// report year from the generated data, as the store would, on several
// days of the year, and checks it has every kind of cell, several shades
// of blue, a red cell with a bubble on a job, and a current defect.
func TestPPMShowcase(t *testing.T) {
	for _, now := range []string{"2026-12-01", "2026-06-15", "2027-03-10", "2026-02-02", "2026-12-20"} {
		t.Run(now, func(t *testing.T) {
			at, err := time.Parse(time.DateOnly, now)
			if err != nil {
				t.Fatal(err)
			}
			ds := Generate(at.Add(11 * time.Hour))
			g := &gen{ds: ds}
			year := fieldportal.WeekOf(ds.Today).Year
			cur := fieldportal.WeekOf(ds.Today).Start
			typeOf, open := map[string]string{}, map[string]fieldportal.Date{}
			for _, a := range ds.Assets {
				if g.currentSite(a.ID) == "site-hq" {
					typeOf[a.ID] = a.Type
				}
			}
			for _, j := range ds.Jobs {
				if !j.DueDate.IsZero() && (j.Stage == fieldportal.StageScheduled || j.Stage == fieldportal.StagePending || j.Stage == fieldportal.StageInProgress) {
					for _, a := range j.AssetIDs {
						open[a] = j.DueDate
					}
				}
			}
			var days []fieldportal.PPMDay
			redOnJob := false
			for _, x := range ds.Tests {
				if typeOf[x.AssetID] == "" || !x.TestedOn.Before(cur) {
					continue
				}
				d := fieldportal.PPMDay{AssetType: typeOf[x.AssetID], Day: x.TestedOn}
				switch x.Result {
				case fieldportal.TestPass:
					d.Pass = 1
				case fieldportal.TestFail:
					d.Fail = 1
					redOnJob = redOnJob || x.JobID != "" && fieldportal.WeekOf(x.TestedOn).Year == year
				default:
					d.Untested = 1
				}
				days = append(days, d)
			}
			for _, a := range ds.Assets {
				if typeOf[a.ID] == "" || a.Status != "active" {
					continue
				}
				due := a.NextServiceDue
				if d, ok := open[a.ID]; ok {
					due = d
				}
				if !due.Before(cur) {
					days = append(days, fieldportal.PPMDay{AssetType: a.Type, Day: due, Due: 1})
				}
			}
			grid := fieldportal.BuildPPM(year, ds.Today, nil, days)
			kinds, shades, bubble := map[fieldportal.PPMCellKind]bool{}, map[int]bool{}, false
			for _, r := range grid.Rows {
				for _, c := range r.Cells {
					kinds[c.Kind] = true
					if c.Kind == fieldportal.PPMDue {
						shades[c.Shade] = true
					}
					bubble = bubble || c.Kind == fieldportal.PPMFailed && c.Untested > 0
				}
			}
			for _, k := range []fieldportal.PPMCellKind{fieldportal.PPMPassed, fieldportal.PPMUntest, fieldportal.PPMFailed, fieldportal.PPMDue} {
				if !kinds[k] {
					t.Errorf("no %s cell", k)
				}
			}
			if !bubble || !redOnJob || len(shades) < 3 || grid.Current == 0 {
				t.Errorf("bubble %v, red on a job %v, shades %v, current week %d", bubble, redOnJob, shades, grid.Current)
			}
		})
	}
}
