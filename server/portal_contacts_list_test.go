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

// TestPortalContactsListPagesAndEscapes: the contacts list walks every
// reachable contact once, page after page, ties of the same name
// included, and writes names and emails escaped (review of issue 20).
func TestPortalContactsListPagesAndEscapes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		_, mgr := f.mustManager()
		// More than a page, every one of the same name but a few.
		for i := range fieldportal.DefaultLimit + 7 {
			first := "Same"
			if i%10 == 0 {
				first = fmt.Sprintf("Other%02d", i)
			}
			c := &fieldportal.Contact{FirstName: first, LastName: "Tie", CustomerID: f.cust["child"].ID}
			if err := db.CreateContact(ctx, f.sys, c); err != nil {
				t.Fatal(err)
			}
		}
		evil := &fieldportal.Contact{FirstName: `<img src=x onerror=alert(1)>`, LastName: `"><script>alert(2)</script>`,
			Email: "evil@example.test", CustomerID: f.cust["child"].ID}
		if err := db.CreateContact(ctx, f.sys, evil); err != nil {
			t.Fatal(err)
		}
		var want int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM contacts WHERE customer_id IN ($1, $2)`,
			f.cust["parent"].ID, f.cust["child"].ID).Scan(&want); err != nil {
			t.Fatal(err)
		}

		link := regexp.MustCompile(`href="/preferences/contacts/([0-9a-f-]{36})"`)
		next := regexp.MustCompile(`href="(/preferences/contacts\?after=[^"]+)"`)
		seen := map[string]bool{}
		path, pages := "/preferences/contacts", 0
		for path != "" && pages < 10 {
			res, body := mgr.get(path)
			wantStatus(t, "a page of the list", res, body, http.StatusOK)
			if strings.Contains(body, "<img src=x") || strings.Contains(body, "<script>alert") {
				t.Fatal("a name is written unescaped")
			}
			for _, m := range link.FindAllStringSubmatch(body, -1) {
				if seen[m[1]] {
					t.Errorf("contact %s listed twice (page %d)", m[1], pages+1)
				}
				seen[m[1]] = true
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path = html.UnescapeString(m[1])
			}
			pages++
		}
		if pages < 2 {
			t.Errorf("%d pages, want more than one", pages)
		}
		if !seen[evil.ID] {
			t.Error("the contact with markup in its name is not listed")
		}
		if len(seen) != want {
			t.Errorf("%d contacts listed over %d pages, want %d", len(seen), pages, want)
		}
	})
}
