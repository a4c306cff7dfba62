package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The ETA shows as a time alone when it is today in the organisation's
// zone, as the request's time has it, and with its day otherwise: around
// midnight the day is the zone's, not the server's nor UTC's.
func TestVisitOfETA(t *testing.T) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(s string) time.Time {
		t.Helper()
		at, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	for _, tc := range []struct {
		name     string
		loc      *time.Location
		now, eta string
		want     string
	}{
		{"a minute before midnight, arriving before it", london, "2026-01-05T23:59:00Z", "2026-01-05T23:59:30Z", "23:59"},
		{"a minute before midnight, arriving after it", london, "2026-01-05T23:59:00Z", "2026-01-06T00:10:00Z", "Tue 6 Jan, 00:10"},
		{"just after midnight, arriving that morning", london, "2026-01-06T00:01:00Z", "2026-01-06T00:20:00Z", "00:20"},
		{"just after midnight, an ETA of the evening before", london, "2026-01-06T00:01:00Z", "2026-01-05T23:50:00Z", "Mon 5 Jan, 23:50"},
		{"summer time: midnight is 23:00 UTC", london, "2026-07-01T23:05:00Z", "2026-07-01T23:30:00Z", "00:30"},
		{"summer time: the UTC day is already the next", london, "2026-07-01T22:55:00Z", "2026-07-01T23:30:00Z", "Thu 2 Jul, 00:30"},
		{"a zone ahead of UTC: its day has turned, UTC's has not", auckland, "2026-03-10T11:05:00Z", "2026-03-10T11:45:00Z", "00:45"},
		{"a zone ahead of UTC: the same UTC day is yesterday there", auckland, "2026-03-10T11:05:00Z", "2026-03-10T10:45:00Z", "Tue 10 Mar, 23:45"},
		{"new year's eve", london, "2026-12-31T23:58:00Z", "2027-01-01T00:15:00Z", "Fri 1 Jan, 00:15"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := &fieldportal.Appointment{Status: fieldportal.VisitOnTheWay, ETA: utc(tc.eta)}
			v := VisitOf(a, tc.loc, utc(tc.now), "")
			if v.ETA != tc.want {
				t.Errorf("ETA = %q, want %q", v.ETA, tc.want)
			}
			if want := utc(tc.eta).In(tc.loc).Format("2006-01-02T15:04"); v.ETADatetime != want {
				t.Errorf("ETADatetime = %q, want %q", v.ETADatetime, want)
			}
		})
	}
}

// The request's time is taken once, as the request arrives, so every part
// of a page reads the same "now".
func TestRequestTime(t *testing.T) {
	k := &Kit{}
	var first, second time.Time
	h := k.requestInfo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first = RequestTime(r)
		time.Sleep(2 * time.Millisecond)
		second = RequestTime(r)
	}))
	before := time.Now()
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	if !first.Equal(second) {
		t.Errorf("the request's time moved: %v then %v", first, second)
	}
	if first.Before(before) || first.After(time.Now()) {
		t.Errorf("the request's time %v is not when it was served (from %v)", first, before)
	}
	t.Run("a request the kit did not stamp reads the clock", func(t *testing.T) {
		if got := RequestTime(httptest.NewRequest("GET", "/", nil)); got.IsZero() {
			t.Error("zero time")
		}
	})
}
