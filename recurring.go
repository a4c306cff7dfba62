package fieldportal

import "time"

// NextDue is the due date after d for a schedule of frequency f whose
// invoices fall on day anchorDay of the month (0: d's own day). A month
// without that day takes its last day, and the next month goes back to
// the anchor: a schedule set up on 31 January is due on 28 (or 29)
// February, 31 March, 30 April, so month ends never drift to the 28th.
// Weekly schedules simply add seven days.
func (f Frequency) NextDue(d Date, anchorDay int) Date {
	months := 0
	switch f {
	case Weekly:
		return d.AddDays(7)
	case Monthly:
		months = 1
	case Quarterly:
		months = 3
	case Yearly:
		months = 12
	default:
		return d.AddDays(7)
	}
	if anchorDay <= 0 {
		anchorDay = d.Day
	}
	first := time.Date(d.Year, d.Month, 1, 0, 0, 0, 0, time.UTC).AddDate(0, months, 0)
	last := first.AddDate(0, 1, -1).Day()
	return Date{Year: first.Year(), Month: first.Month(), Day: min(anchorDay, last)}
}

// Label is the frequency in words, as pages show it.
func (f Frequency) Label() string {
	switch f {
	case Weekly:
		return "Weekly"
	case Monthly:
		return "Monthly"
	case Quarterly:
		return "Quarterly"
	case Yearly:
		return "Yearly"
	}
	return string(f)
}
