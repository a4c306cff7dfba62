package fieldportal

import (
	"fmt"
	"slices"
	"time"
)

// The reports of SPEC §4 "The reports": the planned preventative
// maintenance grid (PPM), the current defects and the test history. The
// store answers with aggregates (counts per asset type and day); the grid
// is folded into weeks here, where the week numbering lives.

// Week is one week of a report year: Monday to Sunday.
type Week struct {
	Year  int  // the report year the week belongs to
	N     int  // 1..52 or 53
	Start Date // a Monday
	End   Date // the Sunday after
}

// Contains reports whether d falls within the week.
func (w Week) Contains(d Date) bool { return !d.Before(w.Start) && !d.After(w.End) }

// week1Start is the Monday that starts week 1 of year: the first complete
// Monday-to-Sunday week of January, so the first Monday on or after
// 1 January.
func week1Start(year int) Date {
	jan1 := time.Date(year, time.January, 1, 0, 0, 0, 0, time.UTC)
	return DateOf(jan1).AddDays((8 - int(jan1.Weekday())) % 7)
}

// WeeksIn returns the weeks of a report year: from week 1 up to the week
// before the next year's week 1. A year has 52 weeks or 53; the last one
// starts on the last Monday of December and may run into January, and the
// days of January before week 1 belong to it (the previous year's).
func WeeksIn(year int) []Week {
	start, next := week1Start(year), week1Start(year+1)
	var out []Week
	for d, n := start, 1; d.Before(next); d, n = d.AddDays(7), n+1 {
		out = append(out, Week{Year: year, N: n, Start: d, End: d.AddDays(6)})
	}
	return out
}

// WeekOf returns the week of the report year that d falls in (which is
// the previous year's last week for the first days of some Januaries).
func WeekOf(d Date) Week {
	year := d.Year
	if d.Before(week1Start(year)) {
		year--
	}
	start := week1Start(year)
	n := start.DaysUntil(d)/7 + 1
	s := start.AddDays((n - 1) * 7)
	return Week{Year: year, N: n, Start: s, End: s.AddDays(6)}
}

// PPMYearMin and PPMYearMax bound the years a PPM report may be asked for.
const (
	PPMYearMin = 2000
	PPMYearMax = 2100
)

// PPMFilter selects the assets of a PPM report: a year and a site, and
// optionally a contract (the assets' service level).
type PPMFilter struct {
	Year   int
	SiteID string
	// Contract is a service level ("" for every asset).
	Contract string
}

// Validate checks the filter's year and site.
func (f PPMFilter) Validate() error {
	var v Validation
	if f.Year < PPMYearMin || f.Year > PPMYearMax {
		v.Add("year", "Year must be between %d and %d.", PPMYearMin, PPMYearMax)
	}
	if f.SiteID == "" {
		v.Add("site", "Choose a site.")
	}
	return v.Err()
}

// PPMDay is one aggregate row of the store: for an asset type and a day,
// the tests of each result dated that day (past), or the assets due that
// day (future).
type PPMDay struct {
	AssetType            string
	Day                  Date
	Pass, Fail, Untested int
	Due                  int
}

// PPMCellKind is what a cell of the grid shows.
type PPMCellKind string

// The kinds of cell (SPEC §4): past cells by their tests, future ones by
// the assets due.
const (
	PPMEmpty  PPMCellKind = "empty"  // nothing tested or due
	PPMPassed PPMCellKind = "passed" // green: every test passed
	PPMUntest PPMCellKind = "untested"
	PPMFailed PPMCellKind = "failed" // red, with a bubble of the untested
	PPMDue    PPMCellKind = "due"    // blue, darker for busier weeks
)

// PPMCell is one week of one asset type.
type PPMCell struct {
	Week                 Week
	Kind                 PPMCellKind
	Future               bool
	Pass, Fail, Untested int
	Due                  int
	// Shade is 1 (least busy) to PPMShades (busiest) for a due cell.
	Shade int
}

// PPMShades is how many shades of blue the future cells take.
const PPMShades = 4

// Number is the number the cell shows: passed (green), untested
// (yellow), failed (red) or due (blue); 0 for an empty cell.
func (c PPMCell) Number() int {
	switch c.Kind {
	case PPMPassed:
		return c.Pass
	case PPMUntest:
		return c.Untested
	case PPMFailed:
		return c.Fail
	case PPMDue:
		return c.Due
	}
	return 0
}

// Label is the cell's meaning in words, beside its colour.
func (c PPMCell) Label() string {
	switch c.Kind {
	case PPMPassed:
		return fmt.Sprintf("%d passed", c.Pass)
	case PPMUntest:
		return fmt.Sprintf("%d not tested", c.Untested)
	case PPMFailed:
		if c.Untested > 0 {
			return fmt.Sprintf("%d failed, %d not tested", c.Fail, c.Untested)
		}
		return fmt.Sprintf("%d failed", c.Fail)
	case PPMDue:
		return fmt.Sprintf("%d due", c.Due)
	}
	return "nothing"
}

// PPMRow is one asset type across the year's weeks.
type PPMRow struct {
	AssetType string
	Cells     []PPMCell
}

// PPMGrid is the PPM report of a year: rows of asset types (by name),
// columns of weeks, and the current week (0 when the year holds none).
type PPMGrid struct {
	Year    int
	Weeks   []Week
	Current int // the current week's number in this year, or 0
	Rows    []PPMRow
}

// Row returns the row of an asset type, or nil.
func (g *PPMGrid) Row(assetType string) *PPMRow {
	for i := range g.Rows {
		if g.Rows[i].AssetType == assetType {
			return &g.Rows[i]
		}
	}
	return nil
}

// BuildPPM folds the store's days into the grid of a year as seen on
// today: weeks before the current week are past (their tests), the
// current week and later are future (the assets due). types lists the
// asset types to show even when they have nothing in the year.
func BuildPPM(year int, today Date, types []string, days []PPMDay) *PPMGrid {
	g := &PPMGrid{Year: year, Weeks: WeeksIn(year)}
	cur := WeekOf(today)
	if cur.Year == year {
		g.Current = cur.N
	}
	seen := map[string]bool{}
	var names []string
	for _, t := range types {
		if !seen[t] {
			seen[t], names = true, append(names, t)
		}
	}
	for _, d := range days {
		if !seen[d.AssetType] {
			seen[d.AssetType], names = true, append(names, d.AssetType)
		}
	}
	slices.Sort(names)
	index := map[string]int{}
	for i, n := range names {
		index[n] = i
		row := PPMRow{AssetType: n, Cells: make([]PPMCell, len(g.Weeks))}
		for k, w := range g.Weeks {
			row.Cells[k] = PPMCell{Week: w, Kind: PPMEmpty, Future: !w.Start.Before(cur.Start)}
		}
		g.Rows = append(g.Rows, row)
	}
	first := g.Weeks[0].Start
	for _, d := range days {
		k := first.DaysUntil(d.Day) / 7
		if d.Day.Before(first) || k >= len(g.Weeks) {
			continue
		}
		c := &g.Rows[index[d.AssetType]].Cells[k]
		if c.Future {
			c.Due += d.Due
		} else {
			c.Pass, c.Fail, c.Untested = c.Pass+d.Pass, c.Fail+d.Fail, c.Untested+d.Untested
		}
	}
	busiest := 0
	for _, r := range g.Rows {
		for _, c := range r.Cells {
			busiest = max(busiest, c.Due)
		}
	}
	for i := range g.Rows {
		for k := range g.Rows[i].Cells {
			c := &g.Rows[i].Cells[k]
			switch {
			case c.Future && c.Due > 0:
				c.Kind = PPMDue
				c.Shade = max(1, (c.Due*PPMShades+busiest-1)/busiest)
			case c.Future:
			case c.Fail > 0:
				c.Kind = PPMFailed
			case c.Untested > 0:
				c.Kind = PPMUntest
			case c.Pass > 0:
				c.Kind = PPMPassed
			}
		}
	}
	return g
}

// PPMCellJobs is the details of one cell: its counts (from the grid) and
// the numbers of the jobs its tests were done on (past) or its assets are
// booked on (future).
type PPMCellJobs struct {
	Numbers []string
	// More is true when there were more jobs than Numbers holds.
	More bool
}

// PPMJobsMax is how many job numbers a cell's details list.
const PPMJobsMax = 50

// DefectFilter selects the Current defects report.
type DefectFilter struct {
	Page
	SiteID    string
	AssetType string
}
