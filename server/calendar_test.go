package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// feedURLIn finds the calendar address the diary page shows once, and
// returns its path.
func feedURLIn(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`value="(http[^"]+/calendar/[A-Za-z0-9_-]+\.ics)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no calendar address on the page:\n%s", body)
	}
	u, err := url.Parse(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return u.Path
}

// fetchFeed gets a feed as a calendar program would: no session.
func fetchFeed(t *testing.T, b *browser, path string) (*http.Response, string) {
	t.Helper()
	anon := b.f.browser()
	anon.host = b.host
	return anon.get(path)
}

// mustFeed fetches a feed, checks its framing (RFC 5545: CRLF lines of at
// most 75 octets) and parses it with golang-ical.
func mustFeed(t *testing.T, b *browser, path string) *ics.Calendar {
	t.Helper()
	cal, _ := mustFeedBody(t, b, path)
	return cal
}

func mustFeedBody(t *testing.T, b *browser, path string) (*ics.Calendar, string) {
	t.Helper()
	res, body := fetchFeed(t, b, path)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d\n%s", path, res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/calendar; charset=utf-8" {
		t.Errorf("Content-Type = %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") || !strings.Contains(cc, "private") {
		t.Errorf("Cache-Control = %q", cc)
	}
	if !strings.HasSuffix(body, "\r\n") {
		t.Error("the feed does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d holds a bare line break: %q", i+1, line)
		}
	}
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse feed: %v\n%s", err, body)
	}
	return cal, body
}

// eventProps reads an event's properties that the feed writes.
func eventProps(ev *ics.VEvent) map[string]string {
	out := map[string]string{}
	for _, p := range []ics.ComponentProperty{ics.ComponentPropertyUniqueId, ics.ComponentPropertyDtstamp, ics.ComponentPropertyDtStart,
		ics.ComponentPropertyDtEnd, ics.ComponentPropertySummary, ics.ComponentPropertyLocation, ics.ComponentPropertyDescription} {
		if v := ev.GetProperty(p); v != nil {
			out[string(p)] = v.Value
		}
	}
	return out
}

// TestCalendarFeed checks the personal calendar feed as a calendar
// program reads it, parsed by golang-ical: the events are exactly the
// contact's appointments from 90 days ago on, with stable UIDs, UTC
// times and escaped text; making a new address voids the old one; a
// disabled login's feed and an unknown token are 404.
func TestCalendarFeed(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.org.Host = "127.0.0.1"
		if err := db.UpdateOrganisation(ctx, f.sys, f.org); err != nil {
			t.Fatal(err)
		}
		base := time.Now().UTC().Truncate(24 * time.Hour).Add(3*24*time.Hour + 9*time.Hour)
		desc := "Bring keys, ladder; check roof\\tank\nthen call the office. " + strings.Repeat("Ünïcode text wraps — ", 6)
		job := &fieldportal.Job{SiteID: f.site["hq"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled, Description: "Roof"}
		if err := db.CreateJob(ctx, f.sys, job); err != nil {
			t.Fatal(err)
		}
		mk := func(site string, start time.Time, description, jobID string) *fieldportal.Appointment {
			t.Helper()
			a := &fieldportal.Appointment{SiteID: f.site[site].ID, JobID: jobID, StartsAt: start, EndsAt: start.Add(90 * time.Minute),
				Technician: "Sam Spark", Description: description}
			if site == "solo" {
				a.Technician = "Solo's technician"
			}
			if err := db.CreateAppointment(ctx, f.sys, a); err != nil {
				t.Fatal(err)
			}
			return a
		}
		upcoming := mk("hq", base, desc, job.ID)
		recent := mk("dock", base.AddDate(0, 0, -30), "Last month", "")
		mk("dock", base.AddDate(0, 0, -100), "Too old for the feed", "")
		mk("solo", base, "Another customer's", "")

		b := f.browser()
		b.host = "127.0.0.1"
		b.login("parent@example.test", testPassword)
		_, page := b.get("/diary")
		if !strings.Contains(page, "Make my calendar address") {
			t.Fatal("the diary offers no calendar address")
		}
		res, page := b.post("/diary/calendar", nil)
		wantStatus(t, "make a feed", res, page, http.StatusOK)
		feed := feedURLIn(t, page)

		cal, raw := mustFeedBody(t, b, feed)
		t.Run("exactly the contact's appointments from 90 days ago", func(t *testing.T) {
			var got []string
			for _, ev := range cal.Events() {
				got = append(got, ev.Id())
			}
			want := []string{recent.ID + "@127.0.0.1", upcoming.ID + "@127.0.0.1"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("UIDs (-want +got):\n%s", diff)
			}
		})
		t.Run("an event's content", func(t *testing.T) {
			var ev *ics.VEvent
			for _, e := range cal.Events() {
				if e.Id() == upcoming.ID+"@127.0.0.1" {
					ev = e
				}
			}
			if ev == nil {
				t.Fatal("no event of the upcoming appointment")
			}
			got := eventProps(ev)
			want := map[string]string{
				"UID":         upcoming.ID + "@127.0.0.1",
				"DTSTAMP":     upcoming.UpdatedAt.UTC().Format("20060102T150405Z"),
				"DTSTART":     base.Format("20060102T150405Z"),
				"DTEND":       base.Add(90 * time.Minute).Format("20060102T150405Z"),
				"SUMMARY":     "Service order " + job.Number + " at Harbour HQ",
				"LOCATION":    "Harbour HQ, 1 Harbour HQ Road, Bristol, BS1 4AA",
				"DESCRIPTION": desc + "\nTechnician: Sam Spark",
			}
			for k, v := range got {
				if k == "SUMMARY" || k == "LOCATION" || k == "DESCRIPTION" {
					got[k] = ics.FromText(v)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
			start, err := ev.GetStartAt()
			if err != nil || !start.Equal(base) || start.Location() != time.UTC {
				t.Errorf("start = %v (%v), want %v in UTC", start, err, base)
			}
			// The text is escaped on the wire: commas, semicolons,
			// backslashes and line breaks.
			unfolded := strings.ReplaceAll(raw, "\r\n ", "")
			if !strings.Contains(unfolded, `DESCRIPTION:Bring keys\, ladder\; check roof\\tank\nthen call the office.`) {
				t.Errorf("the description is not escaped:\n%s", unfolded)
			}
		})
		t.Run("UIDs and content are stable across fetches", func(t *testing.T) {
			_, again := mustFeedBody(t, b, feed)
			if again != raw {
				t.Errorf("a second fetch differs:\n%s\n---\n%s", raw, again)
			}
		})
		t.Run("the address is shown once", func(t *testing.T) {
			_, page := b.get("/diary")
			if strings.Contains(page, feed) || !strings.Contains(page, "You made a calendar address on") {
				t.Error("the diary shows the address again, or not that one was made")
			}
		})
		t.Run("a new address voids the old", func(t *testing.T) {
			_, page := b.post("/diary/calendar", nil)
			renewed := feedURLIn(t, page)
			if renewed == feed {
				t.Fatal("the same address twice")
			}
			if res, _ := fetchFeed(t, b, feed); res.StatusCode != http.StatusNotFound {
				t.Errorf("the old address = %d, want 404", res.StatusCode)
			}
			mustFeed(t, b, renewed)
			feed = renewed
		})
		t.Run("not found", func(t *testing.T) {
			for _, path := range []string{"/calendar/no-such-token.ics", "/calendar/.ics", strings.TrimSuffix(feed, ".ics"),
				strings.TrimSuffix(feed, ".ics") + ".ical"} {
				if res, _ := fetchFeed(t, b, path); res.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
				}
			}
			// Another organisation's host does not know the token.
			f.mustOtherOrg()
			other := f.browser()
			other.host = "b.portal.test"
			if res, _ := other.get(feed); res.StatusCode != http.StatusNotFound {
				t.Errorf("the feed on another organisation's host = %d, want 404", res.StatusCode)
			}
		})
		t.Run("a disabled login's feed is 404", func(t *testing.T) {
			l := f.logins["parent@example.test"]
			l.Status = fieldportal.LoginDisabled
			if err := db.UpdateLoginAccess(ctx, f.sys, l); err != nil {
				t.Fatal(err)
			}
			if res, _ := fetchFeed(t, b, feed); res.StatusCode != http.StatusNotFound {
				t.Errorf("a disabled login's feed = %d, want 404", res.StatusCode)
			}
		})
	})
}

// TestComplianceBadInput checks that the filters of the certificates,
// diary and tasks lists answer a mistake with a message naming it (400),
// never a fault, and that a certificate without a file has nothing to
// download.
func TestComplianceBadInput(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		bare := &fieldportal.Certificate{SiteID: f.site["hq"].ID, Type: "EICR", IssuedOn: fieldportal.DateOf(time.Now())}
		if err := db.CreateCertificate(ctx, f.sys, bare); err != nil {
			t.Fatal(err)
		}
		b := f.browser()
		b.login("parent@example.test", testPassword)
		for _, tc := range []struct{ path, message string }{
			{"/certificates?from=2026-13-45", "Issued from must be a date such as 2026-03-31."},
			{"/certificates?to=99999-01-01", "Issued to must be a date such as 2026-03-31."},
			{"/certificates?from=2026-03-02&to=2026-03-01", "Issued to cannot be before issued from."},
			{"/certificates?status=soon", "There is no “soon” status of certificates"},
			{"/certificates?site=no-such-site", "There is no such site among yours"},
			{"/certificates?site=" + f.site["solo"].ID, "There is no such site among yours"},
			{"/certificates?after=not-a-cursor", "The page cursor is not valid"},
			{"/certificates.csv?from=yesterday", "Issued from must be a date such as 2026-03-31."},
			{"/diary?from=99999-01-01", "From must be a date such as 2026-03-01."},
			{"/diary?to=31/12/2026", "To must be a date such as 2026-03-14."},
			{"/diary?from=2026-04-02&to=2026-04-01", "To must be on or after From."},
			{"/diary?from=2026-01-01&to=2040-01-01", "The range must be at most 3660 days"},
			{"/diary?range=week", "There is no “week” range of the diary"},
			{"/diary.csv?from=nonsense", "From must be a date such as 2026-03-01."},
			{"/tasks?due=soon", "There is no “soon” due date choice"},
			{"/tasks?status=closed", "There is no “closed” status of tasks"},
			{"/tasks.csv?due=x", "There is no “x” due date choice"},
		} {
			t.Run(tc.path, func(t *testing.T) {
				res, body := b.get(tc.path)
				if res.StatusCode != http.StatusBadRequest {
					t.Errorf("status = %d, want 400", res.StatusCode)
				}
				if !strings.Contains(body, tc.message) && !strings.Contains(body, strings.ReplaceAll(tc.message, "“", "&ldquo;")) &&
					!strings.Contains(body, htmlQuote(tc.message)) {
					t.Errorf("the answer does not say %q:\n%s", tc.message, body)
				}
			})
		}
		t.Run("a certificate without a file", func(t *testing.T) {
			if res, _ := b.get("/certificates/" + bare.ID + "/download"); res.StatusCode != http.StatusNotFound {
				t.Errorf("download = %d, want 404", res.StatusCode)
			}
			_, body := b.get("/certificates")
			if !strings.Contains(body, "No file") || strings.Contains(body, "/certificates/"+bare.ID+"/download") {
				t.Error("the list offers a download of a certificate without a file")
			}
		})
	})
}

// htmlQuote is s as html/template writes it in a page.
func htmlQuote(s string) string {
	return strings.NewReplacer("“", "\u201c", "”", "\u201d", "'", "&#39;", "\"", "&#34;").Replace(s)
}
