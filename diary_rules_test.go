package fieldportal_test

import (
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/google/go-cmp/cmp"
)

func MustLoadLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func TestTimeWindowOverlaps(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	sydney := MustLoadLocation(t, "Australia/Sydney")
	at := func(loc *time.Location, y int, m time.Month, d, h, min int) time.Time {
		return time.Date(y, m, d, h, min, 0, 0, loc)
	}
	win := func(a, b time.Time) fieldportal.TimeWindow { return fieldportal.TimeWindow{Start: a, End: b} }
	ten, noon, two := at(london, 2026, 6, 1, 10, 0), at(london, 2026, 6, 1, 12, 0), at(london, 2026, 6, 1, 14, 0)
	for _, tc := range []struct {
		name string
		a, b fieldportal.TimeWindow
		want bool
	}{
		{"touching windows do not overlap", win(ten, noon), win(noon, two), false},
		{"touching the other way round", win(noon, two), win(ten, noon), false},
		{"same start", win(ten, noon), win(ten, two), true},
		{"same window", win(ten, noon), win(ten, noon), true},
		{"one inside the other", win(ten, two), win(noon, noon.Add(time.Minute)), true},
		{"one minute of overlap", win(ten, noon), win(noon.Add(-time.Minute), two), true},
		{"apart", win(ten, ten.Add(time.Hour)), win(noon, two), false},
		{"zero length inside another", win(noon, noon), win(ten, two), false},
		{"zero length at the same start", win(ten, ten), win(ten, noon), false},
		{"two zero length at one instant", win(ten, ten), win(ten, ten), false},
		{"end before start overlaps nothing", win(two, ten), win(ten, two), false},
		{"across midnight overlaps the next morning",
			win(at(london, 2026, 6, 1, 22, 0), at(london, 2026, 6, 2, 2, 0)), win(at(london, 2026, 6, 2, 1, 0), at(london, 2026, 6, 2, 3, 0)), true},
		{"across midnight touching the next morning",
			win(at(london, 2026, 6, 1, 22, 0), at(london, 2026, 6, 2, 2, 0)), win(at(london, 2026, 6, 2, 2, 0), at(london, 2026, 6, 2, 4, 0)), false},
		{"the same instants in other zones",
			win(ten, noon), win(ten.In(sydney), noon.In(sydney)), true},
		{"touching across zones",
			win(ten, noon), win(noon.In(sydney), two.In(time.UTC)), false},
		// 29 March 2026: London's clocks go from 01:00 to 02:00 GMT, so
		// 00:30-02:30 by the clock is one hour long.
		{"spring forward: 00:30-02:30 by the clock ends at 01:30 UTC, touching what starts then",
			win(at(london, 2026, 3, 29, 0, 30), at(london, 2026, 3, 29, 2, 30)), win(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC), time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC)), false},
		{"spring forward: 00:30-02:30 by the clock overlaps 01:15 UTC",
			win(at(london, 2026, 3, 29, 0, 30), at(london, 2026, 3, 29, 2, 30)), win(time.Date(2026, 3, 29, 1, 15, 0, 0, time.UTC), time.Date(2026, 3, 29, 2, 0, 0, 0, time.UTC)), true},
		{"spring forward: the skipped hour is no time at all",
			win(at(london, 2026, 3, 29, 0, 0), at(london, 2026, 3, 29, 1, 0)), win(at(london, 2026, 3, 29, 2, 0), at(london, 2026, 3, 29, 3, 0)), false},
		// 25 October 2026: clocks go back from 02:00 BST to 01:00 GMT, so
		// 01:30 comes twice; the first (BST) and second (GMT) are an hour apart.
		{"fall back: the two 01:30s do not overlap as 30-minute windows",
			win(time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 0, 0, 0, time.UTC)),
			win(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC)), false},
		{"fall back: 00:00-03:00 by the clock is four hours and covers the second 01:30",
			win(at(london, 2026, 10, 25, 0, 0), at(london, 2026, 10, 25, 3, 0)),
			win(time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC), time.Date(2026, 10, 25, 1, 45, 0, 0, time.UTC)), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Overlaps(tc.b); got != tc.want {
				t.Errorf("%v.Overlaps(%v) = %v, want %v", tc.a, tc.b, got, tc.want)
			}
			if got := tc.b.Overlaps(tc.a); got != tc.want {
				t.Errorf("the rule is not symmetric: %v.Overlaps(%v) = %v", tc.b, tc.a, got)
			}
		})
	}
}

func TestDiarySlots(t *testing.T) {
	london := MustLoadLocation(t, "Europe/London")
	labels := func(ws []fieldportal.TimeWindow) []string {
		var out []string
		for _, w := range ws {
			out = append(out, w.Label(london)+" "+w.End.Sub(w.Start).String())
		}
		return out
	}
	def := fieldportal.DefaultDiarySettings()
	for _, tc := range []struct {
		name string
		s    fieldportal.DiarySettings
		day  fieldportal.Date
		want []string
	}{
		{"a weekday in summer", def, fieldportal.Date{Year: 2026, Month: 6, Day: 1},
			[]string{"08:00–10:00 2h0m0s", "10:00–12:00 2h0m0s", "12:00–14:00 2h0m0s", "14:00–16:00 2h0m0s", "16:00–18:00 2h0m0s"}},
		{"a Saturday without weekends", def, fieldportal.Date{Year: 2026, Month: 6, Day: 6}, nil},
		{"the last window must end by the day's end", fieldportal.DiarySettings{SlotMinutes: 180, DayStart: "08:00", DayEnd: "18:00"},
			fieldportal.Date{Year: 2026, Month: 6, Day: 1}, []string{"08:00–11:00 3h0m0s", "11:00–14:00 3h0m0s", "14:00–17:00 3h0m0s"}},
		// Sunday 29 March 2026, with weekends and night hours: the
		// window over the skipped hour is an hour short.
		{"spring forward keeps the printed times", fieldportal.DiarySettings{SlotMinutes: 120, DayStart: "00:00", DayEnd: "04:00", Weekends: true},
			fieldportal.Date{Year: 2026, Month: 3, Day: 29}, []string{"00:00–02:00 1h0m0s", "02:00–04:00 2h0m0s"}},
		{"fall back makes a window an hour longer", fieldportal.DiarySettings{SlotMinutes: 120, DayStart: "00:00", DayEnd: "04:00", Weekends: true},
			fieldportal.Date{Year: 2026, Month: 10, Day: 25}, []string{"00:00–02:00 3h0m0s", "02:00–04:00 2h0m0s"}},
		{"bad hours offer nothing", fieldportal.DiarySettings{SlotMinutes: 60, DayStart: "8am", DayEnd: "18:00"},
			fieldportal.Date{Year: 2026, Month: 6, Day: 1}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, labels(tc.s.Slots(tc.day, london))); diff != "" {
				t.Errorf("slots (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("free slots leave out the taken ones and keep touching ones", func(t *testing.T) {
		day := fieldportal.Date{Year: 2026, Month: 6, Day: 1}
		slots := def.Slots(day, london)
		taken := []fieldportal.TimeWindow{{Start: slots[1].Start.Add(30 * time.Minute), End: slots[2].Start}, {Start: slots[4].End, End: slots[4].End.Add(time.Hour)}}
		want := []string{"08:00–10:00 2h0m0s", "12:00–14:00 2h0m0s", "14:00–16:00 2h0m0s", "16:00–18:00 2h0m0s"}
		if diff := cmp.Diff(want, labels(fieldportal.FreeSlots(slots, taken))); diff != "" {
			t.Errorf("free slots (-want +got):\n%s", diff)
		}
	})
	t.Run("find slot by its start", func(t *testing.T) {
		day := fieldportal.Date{Year: 2026, Month: 6, Day: 1}
		if w, ok := def.FindSlot(day, london, "10:00"); !ok || w.Label(london) != "10:00–12:00" {
			t.Errorf("FindSlot(10:00) = %v, %v", w, ok)
		}
		if _, ok := def.FindSlot(day, london, "11:00"); ok {
			t.Error("11:00 is not the start of a window but was found")
		}
	})
}

func TestDiarySettingsValidate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		s     fieldportal.DiarySettings
		field string
	}{
		{"the defaults are valid", fieldportal.DefaultDiarySettings(), ""},
		{"start not a time", fieldportal.DiarySettings{SlotMinutes: 60, DayStart: "25:00", DayEnd: "18:00"}, "diary.day_start"},
		{"end not a time", fieldportal.DiarySettings{SlotMinutes: 60, DayStart: "08:00", DayEnd: "6pm"}, "diary.day_end"},
		{"slot not a multiple of 15", fieldportal.DiarySettings{SlotMinutes: 50, DayStart: "08:00", DayEnd: "18:00"}, "diary.slot_minutes"},
		{"no room for one window", fieldportal.DiarySettings{SlotMinutes: 120, DayStart: "08:00", DayEnd: "09:00"}, "diary.day_end"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var v fieldportal.Validation
			tc.s.Validate(&v)
			err := v.Err()
			var fields []string
			if e, ok := err.(*fieldportal.Error); ok {
				for _, f := range e.Fields {
					fields = append(fields, f.Field)
				}
			}
			switch {
			case tc.field == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.field != "" && (len(fields) != 1 || fields[0] != tc.field):
				t.Errorf("fields %v, want [%s]", fields, tc.field)
			}
		})
	}
}

func TestCheckPreferredDate(t *testing.T) {
	today := fieldportal.Date{Year: 2026, Month: 6, Day: 1}
	for _, tc := range []struct {
		name string
		d    fieldportal.Date
		ok   bool
	}{
		{"no date", fieldportal.Date{}, true},
		{"today is too soon", today, false},
		{"tomorrow", today.AddDays(1), true},
		{"the last day of the window", today.AddDays(30), true},
		{"a day past the window", today.AddDays(31), false},
		{"the past", today.AddDays(-3), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fieldportal.CheckPreferredDate("preferred_date", tc.d, today, 30)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err != nil {
				if e := err.(*fieldportal.Error); e.Field != "preferred_date" {
					t.Errorf("field %q", e.Field)
				}
			}
		})
	}
}

func TestZone(t *testing.T) {
	t.Run("a zone is loaded once", func(t *testing.T) {
		if a, b := fieldportal.Zone("Europe/London"), fieldportal.Zone("Europe/London"); a != b || a.String() != "Europe/London" {
			t.Errorf("Zone = %v and %v, want one Europe/London", a, b)
		}
	})
	t.Run("a name that is no zone is UTC", func(t *testing.T) {
		if z := fieldportal.Zone("Mars/Olympus"); z != time.UTC {
			t.Errorf("Zone = %v, want UTC", z)
		}
	})
}
