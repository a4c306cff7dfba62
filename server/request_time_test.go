package server

import (
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// pinnedClock serves the fixture's site again on a server whose requests
// arrive at the time set (web.Config.Now); zero is the real clock.
type pinnedClock struct {
	mu sync.Mutex
	at time.Time
}

func (c *pinnedClock) set(t time.Time) { c.mu.Lock(); c.at = t; c.mu.Unlock() }

func (c *pinnedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.at.IsZero() {
		return time.Now()
	}
	return c.at
}

// mustPinnedClock puts the fixture's browsers on a server of the clock.
func mustPinnedClock(t *testing.T, f *fixture) *pinnedClock {
	t.Helper()
	c := &pinnedClock{}
	s, _ := newTestServer(t, f.db, testConfig{BaseURL: "http://portal.test", Hasher: auth.TestHasher(), Now: c.now})
	f.s = s
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return c
}

// TestBookingTodayIsTheRequests: the booking form's window starts the day
// after the request's day in the organisation's zone (web.RequestTime),
// not the server clock's: a request pinned a minute either side of
// midnight offers the dates of its own day.
func TestBookingTodayIsTheRequests(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		clock := mustPinnedClock(t, f)
		child := f.browser()
		child.login("child@example.test", testPassword)
		loc := fieldportal.Zone(f.org.TimeZone)
		for _, tc := range []struct {
			name string
			at   time.Time
			min  string
		}{
			{"a minute before midnight", time.Date(2030, time.July, 15, 23, 59, 0, 0, loc), "2030-07-16"},
			{"a minute after midnight", time.Date(2030, time.July, 16, 0, 1, 0, 0, loc), "2030-07-17"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				clock.set(tc.at)
				res, body := child.get("/jobs/new")
				if res.StatusCode != 200 {
					t.Fatalf("GET /jobs/new = %d", res.StatusCode)
				}
				if !strings.Contains(body, `min="`+tc.min+`"`) {
					i := strings.Index(body, `id="preferred_date"`)
					t.Errorf("the date field is not from %s: %s", tc.min, body[max(i, 0):min(max(i, 0)+200, len(body))])
				}
			})
		}
	})
}
