package fieldportal_test

import (
	"errors"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

func d(y int, m time.Month, day int) fieldportal.Date {
	return fieldportal.Date{Year: y, Month: m, Day: day}
}

func TestCertificateStatusOn(t *testing.T) {
	today := d(2026, time.March, 10)
	for _, tc := range []struct {
		name    string
		expires fieldportal.Date
		want    fieldportal.CertificateStatus
	}{
		{"no expiry date is valid for good", fieldportal.Date{}, fieldportal.CertificateValid},
		{"expired yesterday", d(2026, time.March, 9), fieldportal.CertificateExpired},
		{"expires today is expiring, not expired", today, fieldportal.CertificateExpiring},
		{"expires tomorrow", d(2026, time.March, 11), fieldportal.CertificateExpiring},
		{"expires in 30 days is expiring", d(2026, time.April, 9), fieldportal.CertificateExpiring},
		{"expires in 31 days is valid", d(2026, time.April, 10), fieldportal.CertificateValid},
		{"expired last year", d(2025, time.March, 10), fieldportal.CertificateExpired},
		{"across a year end", d(2027, time.January, 1), fieldportal.CertificateValid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fieldportal.CertificateStatusOn(tc.expires, today); got != tc.want {
				t.Errorf("status of %s on %s = %s, want %s", tc.expires, today, got, tc.want)
			}
		})
	}
	t.Run("the span ends on the last expiring day", func(t *testing.T) {
		first, last := fieldportal.ExpiringSpan(today)
		if first != today || last != d(2026, time.April, 9) {
			t.Errorf("span = %s..%s", first, last)
		}
		if fieldportal.CertificateStatusOn(last.AddDays(1), today) != fieldportal.CertificateValid {
			t.Error("the day after the span is not valid")
		}
	})
	t.Run("a leap day", func(t *testing.T) {
		if got := fieldportal.CertificateStatusOn(d(2028, time.March, 30), d(2028, time.February, 29)); got != fieldportal.CertificateExpiring {
			t.Errorf("30 days after 29 Feb 2028 = %s", got)
		}
	})
	t.Run("an unknown status filter names the field", func(t *testing.T) {
		if _, err := fieldportal.ParseCertificateStatus("soon"); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			t.Errorf("err = %v", err)
		}
	})
}

func TestDiaryRange(t *testing.T) {
	today := d(2026, time.March, 30)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	t.Run("the default is today and the next 13 days", func(t *testing.T) {
		from, to, err := fieldportal.DiaryRange("", "", today)
		if err != nil || from != today || to != d(2026, time.April, 12) {
			t.Errorf("range = %s..%s, %v", from, to, err)
		}
	})
	t.Run("the default span is 14 days of the zone's midnights", func(t *testing.T) {
		// 29 March 2026 is the clocks' change in London: the span starts
		// at London's midnight, in summer time.
		from, to := fieldportal.DiaryDefaultRange(d(2026, time.March, 29), london)
		if want := time.Date(2026, time.March, 29, 0, 0, 0, 0, time.UTC); !from.Equal(want) {
			t.Errorf("from = %s, want %s", from.UTC(), want)
		}
		if want := time.Date(2026, time.April, 11, 23, 0, 0, 0, time.UTC); !to.Equal(want) {
			t.Errorf("to = %s, want %s", to.UTC(), want)
		}
	})
	for _, tc := range []struct {
		name, from, to, field string
	}{
		{"a malformed from", "30/03/2026", "", "from"},
		{"a malformed to", "", "tomorrow", "to"},
		{"year 99999", "99999-01-01", "", "from"},
		{"to before from", "2026-04-02", "2026-04-01", "to"},
		{"over ten years", "2026-01-01", "2036-12-31", "to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := fieldportal.DiaryRange(tc.from, tc.to, today)
			var e *fieldportal.Error
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID || !errors.As(err, &e) || e.Fields[0].Field != tc.field {
				t.Errorf("err = %v, want a mistake of %s", err, tc.field)
			}
		})
	}
	t.Run("one day", func(t *testing.T) {
		from, to, err := fieldportal.DiaryRange("2026-04-01", "2026-04-01", today)
		if err != nil || from != to {
			t.Errorf("range = %s..%s, %v", from, to, err)
		}
	})
}

func TestTaskDueSpan(t *testing.T) {
	for _, tc := range []struct {
		name        string
		today       fieldportal.Date
		due         fieldportal.TaskDue
		first, last fieldportal.Date
	}{
		{"overdue is before today", d(2026, time.March, 11), fieldportal.TaskDueOverdue, fieldportal.Date{}, d(2026, time.March, 10)},
		{"this week on a Wednesday runs to Sunday", d(2026, time.March, 11), fieldportal.TaskDueThisWeek, d(2026, time.March, 11), d(2026, time.March, 15)},
		{"this week on a Sunday is that day", d(2026, time.March, 15), fieldportal.TaskDueThisWeek, d(2026, time.March, 15), d(2026, time.March, 15)},
		{"this week on a Monday is seven days", d(2026, time.March, 9), fieldportal.TaskDueThisWeek, d(2026, time.March, 9), d(2026, time.March, 15)},
		{"later starts on the next Monday", d(2026, time.March, 11), fieldportal.TaskDueLater, d(2026, time.March, 16), fieldportal.Date{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			first, last := tc.due.DueSpan(tc.today)
			if first != tc.first || last != tc.last {
				t.Errorf("span = %s..%s, want %s..%s", first, last, tc.first, tc.last)
			}
		})
	}
	t.Run("an unknown band names the field", func(t *testing.T) {
		if _, err := fieldportal.ParseTaskDue("soon"); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			t.Errorf("err = %v", err)
		}
	})
}
