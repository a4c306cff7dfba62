package fieldportal

import (
	"database/sql/driver"
	"fmt"
	"time"
)

// Date is a calendar date with no time of day (due dates, test dates,
// issue dates). Its zero value means "no date" and is stored as NULL.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the calendar date of t in t's own location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses an ISO date (2006-01-02), as typed in forms and APIs.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, err
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero "no date".
func (d Date) IsZero() bool { return d == Date{} }

// Time returns midnight UTC of d.
func (d Date) Time() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// In returns midnight of d in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.Time().AddDate(0, 0, n)) }

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Time().Before(e.Time()) }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Time().After(e.Time()) }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.Time().Sub(d.Time()).Hours() / 24) }

// String formats d as 2006-01-02, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Format formats d with a time layout, or "" for the zero date.
func (d Date) Format(layout string) string {
	if d.IsZero() {
		return ""
	}
	return d.Time().Format(layout)
}

// MarshalText implements encoding.TextMarshaler (JSON, CSV).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return fmt.Errorf("date must be YYYY-MM-DD")
	}
	*d = v
	return nil
}

// Value implements driver.Valuer: midnight UTC, or NULL for the zero date.
// Both engines store it in a DATE column.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.Time(), nil
}

// Scan implements sql.Scanner for DATE columns of either engine.
func (d *Date) Scan(v any) error {
	switch v := v.(type) {
	case nil:
		*d = Date{}
	case time.Time:
		*d = DateOf(v.UTC())
	case string:
		return d.UnmarshalText([]byte(v[:min(len(v), 10)]))
	case []byte:
		return d.UnmarshalText(v[:min(len(v), 10)])
	default:
		return fmt.Errorf("cannot scan %T into Date", v)
	}
	return nil
}
