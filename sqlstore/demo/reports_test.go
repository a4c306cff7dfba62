package demo

import (
	"slices"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// TestPPMShowcase generates the demo on the days where a report year
// is tightest (the first and last weeks of 2026 and 2027, the January
// days that belong to the year before) and on ordinary days, builds the
// head office's PPM grids from the data as the store would, and checks
// what the browser journey relies on: green, yellow and red with a
// yellow bubble in the week before this one (on this year's grid, or the
// previous year's when today is in week 1), the red detectors' cell on a
// job and still a current defect, and this year's grid marking the
// current week with blue of three shades, open-job extinguishers among
// them.
func TestPPMShowcase(t *testing.T) {
	for _, day := range showcaseDays() {
		t.Run(day.String(), func(t *testing.T) {
			at, err := time.Parse(time.DateOnly, day.String())
			if err != nil {
				t.Fatal(err)
			}
			ds := Generate(at.Add(11 * time.Hour))
			if ds.Today != day {
				t.Fatalf("the demo's today is %s", ds.Today)
			}
			cur := fieldportal.WeekOf(day)
			last := fieldportal.WeekOf(cur.Start.AddDays(-1))
			if cur.N > 1 && last.Year != cur.Year {
				t.Fatalf("week %d of %d follows a week of %d", cur.N, cur.Year, last.Year)
			}
			sc := newShowcase(ds)

			past := sc.grid(last.Year)
			kinds, bubble := map[fieldportal.PPMCellKind]bool{}, false
			for _, r := range past.Rows {
				c := r.Cells[last.N-1]
				kinds[c.Kind] = true
				bubble = bubble || c.Kind == fieldportal.PPMFailed && c.Untested > 0
			}
			for _, k := range []fieldportal.PPMCellKind{fieldportal.PPMPassed, fieldportal.PPMUntest, fieldportal.PPMFailed} {
				if !kinds[k] {
					t.Errorf("no %s cell in week %d of %d", k, last.N, last.Year)
				}
			}
			if !bubble {
				t.Errorf("no red cell with a yellow bubble in week %d of %d", last.N, last.Year)
			}
			// The journey clicks the detectors' last red cell of the grid
			// and wants a job number in its details.
			if w, ok := sc.lastRed(past, typeDetector); !ok || !sc.testedOnJob(typeDetector, w) {
				t.Errorf("the detectors' last red cell of %d (found %v, week %d) names no job", last.Year, ok, w.N)
			}
			if !sc.currentDefect(typeDetector) {
				t.Error("no failed detector left unrectified on a job")
			}

			now := sc.grid(cur.Year)
			if now.Current != cur.N {
				t.Errorf("the grid of %d marks week %d, want %d", cur.Year, now.Current, cur.N)
			}
			shades := map[int]bool{}
			for _, r := range now.Rows {
				if c := r.Cells[cur.N-1]; c.Kind == fieldportal.PPMDue {
					shades[c.Shade] = true
				}
			}
			if len(shades) < 3 {
				t.Errorf("the current week's due cells have shades %v, want three", shades)
			}
			if !sc.onOpenJob(typeExtinguisher, cur) {
				t.Error("no extinguisher is due through an open job from this week")
			}
		})
	}
}

// showcaseDays are the days TestPPMShowcase runs on: the Monday and the
// Sunday of the first three and last three weeks of the report years
// 2026 and 2027, the January days before week 1 (1-4 January 2026 are in
// 2025's last week, 3 January 2027 in 2026's), and ordinary days.
func showcaseDays() []fieldportal.Date {
	var days []fieldportal.Date
	for _, year := range []int{2026, 2027} {
		weeks := fieldportal.WeeksIn(year)
		n := len(weeks)
		for _, w := range []fieldportal.Week{weeks[0], weeks[1], weeks[2], weeks[n-3], weeks[n-2], weeks[n-1]} {
			days = append(days, w.Start, w.End)
		}
	}
	for _, s := range []string{"2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04", "2027-01-03", "2027-01-04", "2026-06-15", "2026-12-01", "2027-03-10"} {
		at, _ := time.Parse(time.DateOnly, s)
		days = append(days, fieldportal.DateOf(at))
	}
	slices.SortFunc(days, func(a, b fieldportal.Date) int { return a.DaysUntil(b) * -1 })
	return slices.Compact(days)
}

// showcase is the head office's data in a generated demo.
type showcase struct {
	ds     *Dataset
	typeOf map[string]string           // asset id -> type, for the assets at site-hq now
	due    map[string]fieldportal.Date // asset id -> earliest due date of its open jobs
}

func newShowcase(ds *Dataset) *showcase {
	g := &gen{ds: ds}
	sc := &showcase{ds: ds, typeOf: map[string]string{}, due: map[string]fieldportal.Date{}}
	for _, a := range ds.Assets {
		if g.currentSite(a.ID) == "site-hq" {
			sc.typeOf[a.ID] = a.Type
		}
	}
	for _, j := range ds.Jobs {
		if j.DueDate.IsZero() || !openStage(j.Stage) {
			continue
		}
		for _, a := range j.AssetIDs {
			if d, ok := sc.due[a]; !ok || j.DueDate.Before(d) {
				sc.due[a] = j.DueDate
			}
		}
	}
	return sc
}

func openStage(s fieldportal.JobStage) bool {
	return s == fieldportal.StageScheduled || s == fieldportal.StagePending || s == fieldportal.StageInProgress
}

// grid builds the PPM grid of a year as the store's FindPPM does: the
// tests of the year's weeks before the current one, and the active
// assets due (on an open job's due date, else their next service) from
// the current week to the year's end.
func (sc *showcase) grid(year int) *fieldportal.PPMGrid {
	cur := fieldportal.WeekOf(sc.ds.Today).Start
	var days []fieldportal.PPMDay
	for _, x := range sc.ds.Tests {
		if sc.typeOf[x.AssetID] == "" || !x.TestedOn.Before(cur) {
			continue
		}
		d := fieldportal.PPMDay{AssetType: sc.typeOf[x.AssetID], Day: x.TestedOn}
		switch x.Result {
		case fieldportal.TestPass:
			d.Pass = 1
		case fieldportal.TestFail:
			d.Fail = 1
		default:
			d.Untested = 1
		}
		days = append(days, d)
	}
	for _, a := range sc.ds.Assets {
		if sc.typeOf[a.ID] == "" || a.Status != "active" {
			continue
		}
		due := a.NextServiceDue
		if d, ok := sc.due[a.ID]; ok {
			due = d
		}
		if !due.IsZero() && !due.Before(cur) {
			days = append(days, fieldportal.PPMDay{AssetType: a.Type, Day: due, Due: 1})
		}
	}
	return fieldportal.BuildPPM(year, sc.ds.Today, nil, days)
}

// lastRed returns the week of a type's last red cell in a grid.
func (sc *showcase) lastRed(g *fieldportal.PPMGrid, assetType string) (fieldportal.Week, bool) {
	r := g.Row(assetType)
	if r == nil {
		return fieldportal.Week{}, false
	}
	for k := len(r.Cells) - 1; k >= 0; k-- {
		if r.Cells[k].Kind == fieldportal.PPMFailed {
			return r.Cells[k].Week, true
		}
	}
	return fieldportal.Week{}, false
}

// testedOnJob reports whether a test of the type in the week was on a job.
func (sc *showcase) testedOnJob(assetType string, w fieldportal.Week) bool {
	for _, x := range sc.ds.Tests {
		if sc.typeOf[x.AssetID] == assetType && w.Contains(x.TestedOn) && x.JobID != "" {
			return true
		}
	}
	return false
}

// currentDefect reports whether a failed test of the type on a job is
// not rectified.
func (sc *showcase) currentDefect(assetType string) bool {
	for _, x := range sc.ds.Tests {
		if sc.typeOf[x.AssetID] == assetType && x.Result == fieldportal.TestFail && x.JobID != "" && x.RectifiedAt.IsZero() {
			return true
		}
	}
	return false
}

// onOpenJob reports whether an active asset of the type is due through
// an open job from the week on, within the week's report year.
func (sc *showcase) onOpenJob(assetType string, from fieldportal.Week) bool {
	for _, a := range sc.ds.Assets {
		d, ok := sc.due[a.ID]
		if ok && sc.typeOf[a.ID] == assetType && a.Status == "active" && !d.Before(from.Start) && fieldportal.WeekOf(d).Year == from.Year {
			return true
		}
	}
	return false
}
