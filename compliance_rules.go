package fieldportal

import "time"

// The rules of issue 18's certificates, diary and tasks pages: what a
// certificate's status is on a day, which span the diary opens on, and
// which due-date band a task is in. They take "today" (in the
// organisation's zone) so that the store, the pages and the tests agree
// on one clock.

// CertificateStatus is where a certificate stands on a day.
type CertificateStatus string

// The certificate statuses. A certificate without an expiry date is
// valid for good.
const (
	CertificateValid    CertificateStatus = "valid"
	CertificateExpiring CertificateStatus = "expiring"
	CertificateExpired  CertificateStatus = "expired"
)

// CertificateSoonDays is how far ahead an expiry counts as "expiring
// soon": the dashboard's count and the status both use it.
const CertificateSoonDays = 30

// CertificateStatusOn is the status of a certificate that expires on
// expires, on the day today. A certificate is good through its expiry
// date and expired from the next day; it is expiring when it expires
// within CertificateSoonDays days of today (today included).
func CertificateStatusOn(expires, today Date) CertificateStatus {
	switch {
	case expires.IsZero():
		return CertificateValid
	case expires.Before(today):
		return CertificateExpired
	case !expires.After(today.AddDays(CertificateSoonDays)):
		return CertificateExpiring
	}
	return CertificateValid
}

// StatusOn is the certificate's status on today.
func (c *Certificate) StatusOn(today Date) CertificateStatus {
	return CertificateStatusOn(c.ExpiresOn, today)
}

// ExpiringSpan is the first and last expiry date that is "expiring soon"
// on today: the store's filter and count read it.
func ExpiringSpan(today Date) (first, last Date) { return today, today.AddDays(CertificateSoonDays) }

// Label is the status as a customer reads it.
func (s CertificateStatus) Label() string {
	switch s {
	case CertificateExpiring:
		return "Expiring soon"
	case CertificateExpired:
		return "Expired"
	}
	return "Valid"
}

// ParseCertificateStatus reads a status filter: "" is every status.
func ParseCertificateStatus(s string) (CertificateStatus, error) {
	switch st := CertificateStatus(s); st {
	case "", CertificateValid, CertificateExpiring, CertificateExpired:
		return st, nil
	}
	return "", FieldErrorf("status", "Status must be valid, expiring or expired.")
}

// ExpiringCountCap bounds the dashboard's count of certificates expiring
// soon: the count stops there and the tile reads "1000+", so the most
// viewed page never walks an unbounded list.
const ExpiringCountCap = 1000

// DiaryDefaultDays is how many days the diary shows when it opens: today
// and the next 13 days.
const DiaryDefaultDays = 14

// DiaryMaxDays is the widest range the diary accepts; "all" has no
// bounds and is paged like every list.
const DiaryMaxDays = 3660

// DiaryDefaultRange is the span the diary opens on: from the start of
// today in loc to the start of the day DiaryDefaultDays later, as
// [from, to) instants.
func DiaryDefaultRange(today Date, loc *time.Location) (from, to time.Time) {
	return today.In(loc), today.AddDays(DiaryDefaultDays).In(loc)
}

// DiaryRange reads the diary's date range as typed (ISO dates, both
// included), naming the field of a mistake: an empty from is today, an
// empty to is DiaryDefaultDays after from.
func DiaryRange(fromText, toText string, today Date) (from, to Date, err error) {
	var v Validation
	from, to = today, Date{}
	if fromText != "" {
		if from, err = ParseDate(fromText); err != nil || from.Year < 2000 || from.Year > 2999 {
			v.Add("from", "From must be a date such as 2026-03-01.")
		}
	}
	if toText != "" {
		if to, err = ParseDate(toText); err != nil || to.Year < 2000 || to.Year > 2999 {
			v.Add("to", "To must be a date such as 2026-03-14.")
		}
	}
	if err := v.Err(); err != nil {
		return Date{}, Date{}, err
	}
	if to.IsZero() {
		to = from.AddDays(DiaryDefaultDays - 1)
	}
	if to.Before(from) {
		return Date{}, Date{}, FieldErrorf("to", "To must be on or after From.")
	}
	if from.DaysUntil(to) > DiaryMaxDays {
		return Date{}, Date{}, FieldErrorf("to", "The range must be at most %d days; choose All for everything.", DiaryMaxDays)
	}
	return from, to, nil
}

// TaskDue is a band of due dates for the tasks filter.
type TaskDue string

// The due bands: overdue is before today (and not done), this week is
// today to the coming Sunday, later is after that.
const (
	TaskDueAny      TaskDue = ""
	TaskDueOverdue  TaskDue = "overdue"
	TaskDueThisWeek TaskDue = "week"
	TaskDueLater    TaskDue = "later"
	TaskDueNone     TaskDue = "none"
)

// ParseTaskDue reads the due filter.
func ParseTaskDue(s string) (TaskDue, error) {
	switch d := TaskDue(s); d {
	case TaskDueAny, TaskDueOverdue, TaskDueThisWeek, TaskDueLater, TaskDueNone:
		return d, nil
	}
	return "", FieldErrorf("due", "Due must be overdue, week, later or none.")
}

// DueSpan is the band's first and last due date on today (zero for no
// bound). Weeks end on Sunday (ISO weeks).
func (d TaskDue) DueSpan(today Date) (first, last Date) {
	wd := int(today.Time().Weekday()+6) % 7 // Monday 0 .. Sunday 6
	sunday := today.AddDays(6 - wd)
	switch d {
	case TaskDueOverdue:
		return Date{}, today.AddDays(-1)
	case TaskDueThisWeek:
		return today, sunday
	case TaskDueLater:
		return sunday.AddDays(1), Date{}
	}
	return Date{}, Date{}
}

// ParseTaskStatus reads the status filter: "" for every status.
func ParseTaskStatus(s string) (string, error) {
	switch s {
	case "", "open", "in_progress", "done":
		return s, nil
	}
	return "", FieldErrorf("status", "Status must be open, in_progress or done.")
}

// TaskStatusLabel is a task's status as a customer reads it.
func TaskStatusLabel(s string) string {
	switch s {
	case "in_progress":
		return "In progress"
	case "done":
		return "Done"
	}
	return "Open"
}
