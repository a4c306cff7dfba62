package fieldportal

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// The diary's rules for booking (seed 003's Book a job, seed 004's
// overlap setting): which time windows a customer is offered and when two
// bookings collide.
//
// What collides with what. A customer books a window at a site without
// knowing who will come, so with overlap off the diary is one lane per
// site: a window is taken when it overlaps any appointment at that site
// (whatever its technician) or another booking or quote request at that
// site that still waits for the office (job pending, quote requested).
// One lane per organisation would let a customer see when other
// customers are booked (SPEC §2.5), and would leave a busy contractor no
// free window at all. Staff scheduling knows the technician, so for staff
// the lane is the technician's, as the diary has always checked. With
// overlap on nothing collides.

// TimeWindow is the span of time [Start, End): it includes its start and
// not its end, so one window may end when the next starts.
type TimeWindow struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// IsZero reports whether no window is set.
func (w TimeWindow) IsZero() bool { return w.Start.IsZero() && w.End.IsZero() }

// Empty reports whether the window holds no time (zero length, or its end
// before its start).
func (w TimeWindow) Empty() bool { return !w.End.After(w.Start) }

// Overlaps reports whether two windows share any instant. Windows that
// only touch (one's end is the other's start) do not, and an empty window
// overlaps nothing, even inside another. Instants are compared, not wall
// clocks, so zones and daylight-saving changes do not matter.
func (w TimeWindow) Overlaps(o TimeWindow) bool {
	if w.Empty() || o.Empty() {
		return false
	}
	return w.Start.Before(o.End) && o.Start.Before(w.End)
}

// Label is the window as a customer reads it in loc: "10:00–12:00".
func (w TimeWindow) Label(loc *time.Location) string {
	return w.Start.In(loc).Format("15:04") + "–" + w.End.In(loc).Format("15:04")
}

// DiarySettings are the organisation's booking rules, part of Settings.
type DiarySettings struct {
	// SlotMinutes is the length of a window offered to customers.
	SlotMinutes int `json:"slot_minutes"`
	// DayStart and DayEnd are the working hours ("08:00", "18:00") in
	// the organisation's zone: windows start at DayStart and end by DayEnd.
	DayStart string `json:"day_start"`
	DayEnd   string `json:"day_end"`
	// Weekends offers windows on Saturdays and Sundays too.
	Weekends bool `json:"weekends"`
}

// DefaultDiarySettings are two-hour windows from 08:00 to 18:00 on
// weekdays.
func DefaultDiarySettings() DiarySettings {
	return DiarySettings{SlotMinutes: 120, DayStart: "08:00", DayEnd: "18:00"}
}

// clockMinutes parses "HH:MM" (00:00 to 24:00) into minutes after midnight.
func clockMinutes(s string) (int, bool) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h < 0 || m < 0 || m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, false
	}
	return h*60 + m, true
}

// Validate checks the diary settings; the fields are named as in Settings.
func (d DiarySettings) Validate(v *Validation) {
	start, okStart := clockMinutes(d.DayStart)
	end, okEnd := clockMinutes(d.DayEnd)
	if !okStart {
		v.Add("diary.day_start", "Working day start must be a time such as 08:00.")
	}
	if !okEnd {
		v.Add("diary.day_end", "Working day end must be a time such as 18:00.")
	}
	if d.SlotMinutes < 15 || d.SlotMinutes > 24*60 || d.SlotMinutes%15 != 0 {
		v.Add("diary.slot_minutes", "Booking window length must be a multiple of 15 minutes, from 15 minutes to 24 hours.")
	} else if okStart && okEnd && end-start < d.SlotMinutes {
		v.Add("diary.day_end", "Working day end must leave room for one booking window after the start.")
	}
}

// Slots lists the windows offered on day in loc: from DayStart, one after
// another, each SlotMinutes long by the wall clock, the last ending by
// DayEnd; none on a weekend unless Weekends. Wall-clock times are what a
// customer reads, so on a daylight-saving day a window keeps its printed
// times and is an hour longer or shorter; a time the clock skips is moved
// on as time.Date does.
func (d DiarySettings) Slots(day Date, loc *time.Location) []TimeWindow {
	start, ok1 := clockMinutes(d.DayStart)
	end, ok2 := clockMinutes(d.DayEnd)
	if !ok1 || !ok2 || d.SlotMinutes <= 0 {
		return nil
	}
	if wd := day.Time().Weekday(); !d.Weekends && (wd == time.Saturday || wd == time.Sunday) {
		return nil
	}
	at := func(min int) time.Time { return time.Date(day.Year, day.Month, day.Day, min/60, min%60, 0, 0, loc) }
	var out []TimeWindow
	for m := start; m+d.SlotMinutes <= end; m += d.SlotMinutes {
		w := TimeWindow{Start: at(m), End: at(m + d.SlotMinutes)}
		if !w.Empty() {
			out = append(out, w)
		}
	}
	return out
}

// BookingDates are the first and last dates a customer may ask for on
// today (in the organisation's zone): from tomorrow, as the office needs
// a day to answer, to windowDays ahead.
func BookingDates(today Date, windowDays int) (first, last Date) {
	return today.AddDays(1), today.AddDays(max(windowDays, 1))
}

// CheckPreferredDate refuses a date outside the booking window, naming
// the field.
func CheckPreferredDate(field string, d, today Date, windowDays int) error {
	if d.IsZero() {
		return nil
	}
	first, last := BookingDates(today, windowDays)
	if d.Before(first) || d.After(last) {
		return FieldErrorf(field, "Preferred date must be between %s and %s.", first.Format("2 Jan 2006"), last.Format("2 Jan 2006"))
	}
	return nil
}

// FindSlot returns the window of day starting at the clock time hhmm
// ("10:00") among the offered ones, or false.
func (d DiarySettings) FindSlot(day Date, loc *time.Location, hhmm string) (TimeWindow, bool) {
	for _, w := range d.Slots(day, loc) {
		if w.Start.In(loc).Format("15:04") == strings.TrimSpace(hhmm) {
			return w, true
		}
	}
	return TimeWindow{}, false
}

// FreeSlots leaves out of slots those that overlap a taken window.
func FreeSlots(slots, taken []TimeWindow) []TimeWindow {
	var out []TimeWindow
	for _, s := range slots {
		free := true
		for _, t := range taken {
			if s.Overlaps(t) {
				free = false
				break
			}
		}
		if free {
			out = append(out, s)
		}
	}
	return out
}

// PreferredWindowOf is the job's preferred time of day for a requested
// window in loc: "am" when it starts before noon, else "pm" (the job
// record keeps the part of the day; the exact window is the booking's).
func PreferredWindowOf(w TimeWindow, loc *time.Location) string {
	if w.IsZero() {
		return ""
	}
	if w.Start.In(loc).Hour() < 12 {
		return "am"
	}
	return "pm"
}

// SlotTaken is the error for a window someone else has just booked, on
// the form's field.
func SlotTaken(field string, w TimeWindow, loc *time.Location) error {
	return &Error{Code: ECONFLICT, Field: field, Fields: []FieldError{{Field: field, Message: slotTakenMessage(w, loc)}},
		Message: slotTakenMessage(w, loc)}
}

func slotTakenMessage(w TimeWindow, loc *time.Location) string {
	return "Time window " + w.Label(loc) + " on " + w.Start.In(loc).Format("Mon 2 Jan") +
		" is already booked; choose another time."
}

// JobSchedule is staff booking a job into the diary.
type JobSchedule struct {
	JobID      string
	Technician string
	Window     TimeWindow
	// PortalURL starts the link to the job in the mail
	// ("https://portal.example.com").
	PortalURL string
}

// Validate checks a schedule before it is saved; the fields are the
// console form's.
func (s JobSchedule) Validate() error {
	var v Validation
	if strings.TrimSpace(s.Technician) == "" {
		v.Add("technician", "Technician is required.")
	} else if len(s.Technician) > 100 {
		v.Add("technician", "Technician must be at most 100 characters.")
	}
	if s.Window.Start.IsZero() {
		v.Add("starts_at", "Start is required.")
	}
	if s.Window.End.IsZero() {
		v.Add("ends_at", "End is required.")
	} else if !s.Window.Start.IsZero() && s.Window.Empty() {
		v.Add("ends_at", "End must be after the start.")
	} else if s.Window.End.Sub(s.Window.Start) > 14*24*time.Hour {
		v.Add("ends_at", "End must be within 14 days of the start.")
	}
	return v.Err()
}

// zones caches the time zones loaded by name: time.LoadLocation reads and
// parses the zone's file on every call, and every booking page needs one.
var zones sync.Map

// Zone returns the time zone of that IANA name, loaded once, or UTC for
// a name that is not one (an organisation's zone is validated on save).
func Zone(name string) *time.Location {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}
