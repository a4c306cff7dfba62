package fieldportal_test

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/google/go-cmp/cmp"
)

func MustDate(tb testing.TB, s string) fieldportal.Date {
	tb.Helper()
	d, err := fieldportal.ParseDate(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestWeeksIn(t *testing.T) {
	for _, tc := range []struct {
		name            string
		year, weeks     int
		first, lastFrom string
		lastTo          string
	}{
		{"2018 starts on a Monday and has 53 weeks", 2018, 53, "2018-01-01", "2018-12-31", "2019-01-06"},
		{"2024 leap year has 53 weeks", 2024, 53, "2024-01-01", "2024-12-30", "2025-01-05"},
		{"2025 ends in 2026's first days", 2025, 52, "2025-01-06", "2025-12-29", "2026-01-04"},
		{"2026 starts on 5 January", 2026, 52, "2026-01-05", "2026-12-28", "2027-01-03"},
		{"2021 starts on 4 January", 2021, 52, "2021-01-04", "2021-12-27", "2022-01-02"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ws := fieldportal.WeeksIn(tc.year)
			if len(ws) != tc.weeks {
				t.Fatalf("%d weeks, want %d", len(ws), tc.weeks)
			}
			got := []string{ws[0].Start.String(), ws[len(ws)-1].Start.String(), ws[len(ws)-1].End.String()}
			if diff := cmp.Diff([]string{tc.first, tc.lastFrom, tc.lastTo}, got); diff != "" {
				t.Errorf("first start, last start, last end (-want +got):\n%s", diff)
			}
			for i, w := range ws {
				if w.N != i+1 || w.Start.Time().Weekday() != time.Monday || w.End.Time().Weekday() != time.Sunday {
					t.Errorf("week %d: %+v", i+1, w)
				}
			}
		})
	}
}

func TestWeekOf(t *testing.T) {
	for _, tc := range []struct {
		name, day string
		year, n   int
	}{
		{"1 January 2026 is in 2025's last week", "2026-01-01", 2025, 52},
		{"4 January 2026 is in 2025's last week", "2026-01-04", 2025, 52},
		{"5 January 2026 starts week 1", "2026-01-05", 2026, 1},
		{"the Sunday that ends week 1", "2026-01-11", 2026, 1},
		{"the Monday of week 2", "2026-01-12", 2026, 2},
		{"31 December 2018 is week 53", "2018-12-31", 2018, 53},
		{"6 January 2019 is still 2018's week 53", "2019-01-06", 2018, 53},
		{"7 January 2019 is week 1", "2019-01-07", 2019, 1},
		{"1 January 2025 is in 2024's week 53", "2025-01-01", 2024, 53},
		{"1 January 2021 is in 2020's last week", "2021-01-01", 2020, 52},
		{"4 January 2021 is week 1", "2021-01-04", 2021, 1},
		{"1 January 2024 is week 1", "2024-01-01", 2024, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := fieldportal.WeekOf(MustDate(t, tc.day))
			if w.Year != tc.year || w.N != tc.n {
				t.Errorf("WeekOf(%s) = %d week %d, want %d week %d", tc.day, w.Year, w.N, tc.year, tc.n)
			}
			if !w.Contains(MustDate(t, tc.day)) {
				t.Errorf("week %+v does not contain %s", w, tc.day)
			}
		})
	}
}

func TestBuildPPM(t *testing.T) {
	day := func(s string) fieldportal.Date { return MustDate(t, s) }
	days := []fieldportal.PPMDay{
		{AssetType: "Extinguisher", Day: day("2026-01-11"), Pass: 3},                // the Sunday that ends week 1: week 1
		{AssetType: "Extinguisher", Day: day("2026-01-12"), Pass: 1, Untested: 2},   // week 2: yellow
		{AssetType: "Alarm", Day: day("2026-01-13"), Pass: 1, Fail: 2, Untested: 1}, // week 2: red with bubble
		{AssetType: "Alarm", Day: day("2026-01-20"), Fail: 1},                       // week 3: red
		{AssetType: "Alarm", Day: day("2026-01-02"), Pass: 9},                       // 2025's week: not this grid
		{AssetType: "Alarm", Day: day("2026-02-02"), Due: 1},                        // week 5
		{AssetType: "Alarm", Day: day("2026-02-09"), Due: 4},                        // week 6
	}
	t.Run("the current week's line on a Monday and on a Sunday", func(t *testing.T) {
		for _, today := range []string{"2026-01-26", "2026-02-01"} {
			g := fieldportal.BuildPPM(2026, day(today), nil, days)
			if g.Current != 4 {
				t.Errorf("today %s: current week %d, want 4", today, g.Current)
			}
			c := g.Row("Alarm").Cells
			if c[2].Future || !c[3].Future {
				t.Errorf("today %s: week 3 future %v, week 4 future %v", today, c[2].Future, c[3].Future)
			}
		}
	})
	t.Run("cells", func(t *testing.T) {
		g := fieldportal.BuildPPM(2026, day("2026-01-28"), []string{"Door"}, days)
		type cell struct {
			Type, Label string
			N           int
			Kind        fieldportal.PPMCellKind
			Shade       int
		}
		var got []cell
		for _, r := range g.Rows {
			for _, c := range r.Cells {
				if c.Kind != fieldportal.PPMEmpty {
					got = append(got, cell{r.AssetType, c.Label(), c.Week.N, c.Kind, c.Shade})
				}
			}
		}
		want := []cell{
			{"Alarm", "2 failed, 1 not tested", 2, fieldportal.PPMFailed, 0},
			{"Alarm", "1 failed", 3, fieldportal.PPMFailed, 0},
			{"Alarm", "1 due", 5, fieldportal.PPMDue, 1},
			{"Alarm", "4 due", 6, fieldportal.PPMDue, 4},
			{"Extinguisher", "3 passed", 1, fieldportal.PPMPassed, 0},
			{"Extinguisher", "2 not tested", 2, fieldportal.PPMUntest, 0},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("cells (-want +got):\n%s", diff)
		}
		if len(g.Rows) != 3 || g.Rows[1].AssetType != "Door" {
			t.Errorf("rows %v, want Alarm, Door, Extinguisher", g.Rows)
		}
	})
	t.Run("a year before today is all past", func(t *testing.T) {
		g := fieldportal.BuildPPM(2025, day("2026-01-28"), nil, nil)
		if g.Current != 0 || len(g.Weeks) != 52 {
			t.Errorf("current %d, weeks %d", g.Current, len(g.Weeks))
		}
	})
}
