package server

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// nextLink is the pager's Next address in a page.
var nextLink = regexp.MustCompile(`href="(/assets\?[^"]*after=[^"]*)"`)

// TestAssetsList checks the grouped list over HTTP: a group's count is of
// all its assets, also on the next page, which says its heading goes on;
// the CSV holds every row the pages list, with the filters of the page.
func TestAssetsList(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		mk := func(site, typ string, n int, status string, due fieldportal.Date) {
			a := &fieldportal.Asset{SiteID: f.site[site].ID, Type: typ, Number: fmt.Sprintf("%s-%03d", strings.ToUpper(site), n),
				Name: typ + " " + fmt.Sprint(n), Location: "Floor " + fmt.Sprint(n%3), Serial: fmt.Sprintf("SN%05d", n),
				Make: "Acme", Model: "X" + fmt.Sprint(n%2), ServiceInterval: "yearly", NextServiceDue: due, Status: status,
				InstalledOn: fieldportal.Date{Year: 2020, Month: 1, Day: 2}}
			if err := db.CreateAsset(ctx, f.sys, a); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 45 {
			mk("hq", "Extinguisher", i, "active", fieldportal.Date{Year: 2020, Month: 5, Day: 1})
		}
		for i := range 7 {
			mk("hq", "Smoke detector", 100+i, "active", fieldportal.Date{Year: 2999, Month: 1, Day: 1})
		}
		mk("dock", "Sprinkler valve", 1, "active", fieldportal.Date{})
		mk("dock", "Sprinkler valve", 2, "removed", fieldportal.Date{Year: 2020, Month: 5, Day: 1})
		b := f.browser()
		b.login("parent@example.test", testPassword)

		t.Run("counts and headings across keyset pages", func(t *testing.T) {
			res, first := b.get("/assets")
			wantStatus(t, "first page", res, first, http.StatusOK)
			for _, want := range []string{"Harbour HQ</a> <span class=\"muted\">· 52 assets</span>", "Extinguisher <span class=\"muted\">· 45 assets</span>",
				"Smoke detector <span class=\"muted\">· 7 assets</span>"} {
				if !strings.Contains(first, want) {
					t.Errorf("the first page lacks %q", want)
				}
			}
			m := nextLink.FindStringSubmatch(first)
			if m == nil {
				t.Fatal("the first page has no Next link")
			}
			res, second := b.get(html.UnescapeString(m[1]))
			wantStatus(t, "second page", res, second, http.StatusOK)
			for _, want := range []string{"(continued) <span class=\"muted\">· 52 assets</span>", "Dock Warehouse</a> <span class=\"muted\">· 2 assets</span>"} {
				if !strings.Contains(second, want) {
					t.Errorf("the second page lacks %q", want)
				}
			}
		})
		t.Run("filters narrow the groups and their counts", func(t *testing.T) {
			res, body := b.get("/assets?due=overdue")
			wantStatus(t, "overdue", res, body, http.StatusOK)
			if !strings.Contains(body, "Harbour HQ</a> <span class=\"muted\">· 45 assets</span>") || strings.Contains(body, "Smoke detector") {
				t.Errorf("the overdue list's groups are wrong")
			}
			res, body = b.get("/assets?status=removed&sort=number")
			wantStatus(t, "removed", res, body, http.StatusOK)
			if !strings.Contains(body, "DOCK-002") || strings.Contains(body, "DOCK-001") {
				t.Errorf("the removed list is wrong")
			}
		})
		t.Run("the CSV", func(t *testing.T) {
			res, body := b.get("/assets.csv?site=" + f.site["dock"].ID)
			wantStatus(t, "CSV", res, body, http.StatusOK)
			golden(t, "assets_dock.csv", body)
			res, body = b.get("/assets.csv?due=overdue&type=Extinguisher&q=sn0000")
			wantStatus(t, "CSV", res, body, http.StatusOK)
			golden(t, "assets_overdue_search.csv", body)
			if n := strings.Count(body, "\n"); n != 11 {
				t.Errorf("the searched CSV has %d lines, want a header and 10 rows", n)
			}
		})
		// After the CSV's goldens: it adds assets.
		t.Run("a page that starts with a new site does not call it continued", func(t *testing.T) {
			for i := range 5 {
				mk("hq", "Extinguisher", 45+i, "active", fieldportal.Date{Year: 2020, Month: 5, Day: 1})
			}
			mk("dock", "Extinguisher", 900, "active", fieldportal.Date{Year: 2020, Month: 5, Day: 1})
			_, first := b.get("/assets?type=Extinguisher")
			m := nextLink.FindStringSubmatch(first)
			if m == nil {
				t.Fatal("the first page has no Next link")
			}
			res, second := b.get(html.UnescapeString(m[1]))
			wantStatus(t, "second page", res, second, http.StatusOK)
			if !strings.Contains(second, "Dock Warehouse</a> <span class=\"muted\">· 1 asset</span>") {
				t.Errorf("the second page does not start with the dock's own heading:\n%s", second)
			}
			if strings.Contains(second, "(continued)") {
				t.Error("the second page starts a new site but calls it continued")
			}
		})
	})
}
