package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestPortalArchivedSites: an archived site (issue 19) is hidden from the
// portal's site list unless the Archived filter shows it, is marked on its
// page with its history kept, and is neither offered nor accepted for new
// work (a booking, an issue), the refusal naming the site field.
func TestPortalArchivedSites(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, _, _, _, _ := bookingFixture(t, db)
		hq, dock := f.site["hq"], f.site["dock"]
		if err := db.ArchiveSite(context.Background(), f.sys, hq.ID, true); err != nil {
			t.Fatal(err)
		}
		b := f.browser()
		b.login("parent@example.test", testPassword)

		t.Run("the list hides it by default", func(t *testing.T) {
			res, body := b.get("/sites")
			wantStatus(t, "sites", res, body, http.StatusOK)
			if strings.Contains(body, "Harbour HQ") || !strings.Contains(body, "Dock Warehouse") {
				t.Errorf("default list:\n%s", body)
			}
			if !strings.Contains(body, `name="archived"`) {
				t.Error("the list has no Archived filter")
			}
		})
		t.Run("the filter shows it", func(t *testing.T) {
			_, body := b.get("/sites?archived=all")
			if !strings.Contains(body, "Harbour HQ") || !strings.Contains(body, "Dock Warehouse") || !strings.Contains(body, "Archived") {
				t.Errorf("archived=all:\n%s", body)
			}
			_, body = b.get("/sites?archived=only")
			if !strings.Contains(body, "Harbour HQ") || strings.Contains(body, "Dock Warehouse") {
				t.Errorf("archived=only:\n%s", body)
			}
			_, body = b.get("/sites.csv")
			if strings.Contains(body, "Harbour HQ") {
				t.Error("the CSV of the default list holds the archived site")
			}
		})
		t.Run("its page is marked and keeps its history but offers no new work", func(t *testing.T) {
			res, body := b.get("/sites/" + hq.ID)
			wantStatus(t, "site", res, body, http.StatusOK)
			if !strings.Contains(body, "Archived") || !strings.Contains(body, "/issues?site="+hq.ID) {
				t.Errorf("the page is not marked or lost its tabs:\n%s", body)
			}
			if strings.Contains(body, "/jobs/new?site=") || strings.Contains(body, "/quotes/new?site=") {
				t.Error("the page offers new work")
			}
			if !strings.Contains(body, `class="notice notice-warning" role="status">This site is archived`) {
				t.Error("the archived notice is not a warning (it read as a done action)")
			}
		})
		t.Run("the new-issue form does not offer it", func(t *testing.T) {
			_, body := b.get("/issues/new")
			if strings.Contains(body, `value="`+hq.ID+`"`) || !strings.Contains(body, `value="`+dock.ID+`"`) {
				t.Errorf("the form's sites:\n%s", body)
			}
		})
		t.Run("the booking form does not offer it", func(t *testing.T) {
			_, body := b.get("/jobs/new")
			if strings.Contains(body, `value="`+hq.ID+`"`) || !strings.Contains(body, `value="`+dock.ID+`"`) {
				t.Errorf("the form's sites:\n%s", body)
			}
		})
		const refusal = "This site is archived; contact the office to reopen it."
		t.Run("an issue there is refused on the site field", func(t *testing.T) {
			res, body := b.postForm("/issues/new", url.Values{"site_id": {hq.ID}, "title": {"Leak"}, "priority": {"normal"}})
			if res.StatusCode == http.StatusSeeOther || !strings.Contains(html.UnescapeString(body), refusal) || !strings.Contains(body, `href="#site`) {
				t.Errorf("status %d:\n%s", res.StatusCode, body)
			}
		})
		t.Run("a booking there is refused on the site field", func(t *testing.T) {
			res, body := b.postMultipart("/jobs/new", url.Values{"kind": {"service"}, "site_id": {hq.ID}, "preferred_date": {nextBookingDay()},
				"window": {"10:00"}, "description": {"Alarm beeps"}, "action": {"submit"}})
			if res.StatusCode == http.StatusSeeOther || !strings.Contains(html.UnescapeString(body), refusal) || !strings.Contains(body, `href="#site_id"`) {
				t.Errorf("status %d:\n%s", res.StatusCode, body)
			}
		})
		t.Run("a quote request there is refused on the site field", func(t *testing.T) {
			res, body := b.postMultipart("/quotes/new", url.Values{"site_id": {hq.ID}, "preferred_date": {nextBookingDay()},
				"window": {"10:00"}, "description": {"New alarm"}, "action": {"submit"}})
			if res.StatusCode == http.StatusSeeOther || !strings.Contains(html.UnescapeString(body), refusal) {
				t.Errorf("status %d:\n%s", res.StatusCode, body)
			}
		})
	})
}
