package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The site and contact searches use the text indexes (search.go) and
// must find exactly what the LIKE conditions alone find, on each engine,
// whatever the term, and as rows change.

var siteSearchCols = []string{"name", "address_line1", "city", "postcode", "uprn"}

// searchTerms are terms of every kind: selective, matching many, too short
// for a trigram, with LIKE's wildcards and escape, with FTS5's quote and
// syntax, and with letters outside ASCII.
var searchTerms = []string{
	"EX40 0BP", "harbour", "HARBOUR ROAD", "e", "ex", "  alpha  ", "100%", "0%", "%", "n_m", "_", `\`, `d\d`, `yard\`,
	`"quoted"`, `d" w`, `"`, `""`, "müller", "MÜLLER", "café", "straße", "ße", "tower*", "NEAR(alpha", "a OR b", "col:x", "zzz-none",
	"shah", "bulk", "a_o", "özil", "ÖZIL", "@x.test",
}

// likeIDs is what the search found before the text indexes: the ids of
// the table's rows of the organisation, of customers when given, with a
// column that lower() makes contain the lowercased term, LIKE's wildcards
// escaped.
func likeIDs(t *testing.T, db *sqlstore.DB, table string, cols []string, orgID, term string, customers ...string) []string {
	t.Helper()
	term = strings.TrimSpace(term)
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	ors := make([]string, len(cols))
	for i, c := range cols {
		ors[i] = "lower(" + c + ") LIKE $2 ESCAPE '\\'"
	}
	text := "SELECT id FROM " + table + " WHERE org_id = $1 AND (" + strings.Join(ors, " OR ") + ")"
	args := []any{orgID, "%" + r.Replace(strings.ToLower(term)) + "%"}
	if len(customers) > 0 {
		text += " AND customer_id IN ($3, $4)"
		args = append(args, customers[0], customers[1])
	}
	rows, err := db.SQL().QueryContext(context.Background(), text, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// searchSites pages through FindSites with the term and returns the ids.
func searchSites(t *testing.T, ctx context.Context, db *sqlstore.DB, v fieldportal.Viewer, term string) []string {
	t.Helper()
	ids := workPages(t, func(after string) ([]*fieldportal.Site, string, error) {
		return db.FindSites(ctx, v, fieldportal.SiteFilter{Search: term, Page: fieldportal.Page{After: after, Limit: 25}})
	}, func(s *fieldportal.Site) string { return s.ID })
	slices.Sort(ids)
	return ids
}

// searchContacts pages through FindContacts with the term.
func searchContacts(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer, term string) []string {
	t.Helper()
	ids := workPages(t, func(after string) ([]*fieldportal.Contact, string, error) {
		return db.FindContacts(context.Background(), v, fieldportal.ContactFilter{Search: term, Page: fieldportal.Page{After: after, Limit: 25}})
	}, func(c *fieldportal.Contact) string { return c.ID })
	slices.Sort(ids)
	return ids
}

// sitesUnder is the contact access page's search of the sites under a
// customer.
func sitesUnder(t *testing.T, db *sqlstore.DB, v fieldportal.Viewer, customerID, term string) []string {
	t.Helper()
	sites, err := sqlstore.SitesUnderCustomer(context.Background(), db, v, customerID, term, 1000)
	if err != nil {
		t.Fatalf("sites under customer %q: %v", term, err)
	}
	ids := []string{}
	for _, s := range sites {
		ids = append(ids, s.ID)
	}
	slices.Sort(ids)
	return ids
}

// mustTextIndexesRight checks SQLite's FTS5 tables against their tables
// (the integrity check with rank 1 compares the index with the content).
func mustTextIndexesRight(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	if db.Dialect() != sqlstore.SQLite {
		return
	}
	for _, fts := range []string{"site_search", "contact_search"} {
		if _, err := db.SQL().ExecContext(context.Background(), `INSERT INTO `+fts+`(`+fts+`, rank) VALUES ('integrity-check', 1)`); err != nil {
			t.Errorf("%s does not match its table: %v", fts, err)
		}
	}
}

func TestSearchMatchesLike(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Search Org")
		staff := fieldportal.SystemViewer(org.ID, "test")
		parent := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		child := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Child", ParentID: parent.ID})
		other := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Other"})
		site := func(customerID, name string, addr fieldportal.Address) *fieldportal.Site {
			if addr.Line1 == "" {
				addr.Line1 = "9 Mill Street"
			}
			return MustSite(t, db, staff, &fieldportal.Site{CustomerID: customerID, Name: name, Address: addr})
		}
		alpha := site(parent.ID, "Alpha Tower", fieldportal.Address{Line1: "1 Harbour Road", City: "Exeter", Postcode: "EX40 0BP"})
		site(other.ID, "Alpha Tower Outside", fieldportal.Address{Line1: "2 Quay", City: "Exeter", Postcode: "EX40 0BQ"})
		for _, n := range []string{"Cotton_Mill", "Cotton Mill Lane", "100% Yard", `Yard\Depot`, `The "Quoted" Works`, "Café Müller", "CAFÉ MÜLLER", "Straße Haus"} {
			site(child.ID, n, fieldportal.Address{})
		}
		percent := site(child.ID, "100 Percent Yard", fieldportal.Address{})
		for i := range 60 {
			site(child.ID, fmt.Sprintf("Unit %02d", i), fieldportal.Address{Line1: fmt.Sprintf("%d Harbour Road", i+2), City: "Plymouth"})
		}
		contactOf := MustMoneyContact(t, db, org.ID, parent.ID, fieldportal.SiteAccessAll, nil)
		mustContact := func(first, last, email string) *fieldportal.Contact {
			c := &fieldportal.Contact{CustomerID: child.ID, FirstName: first, LastName: last, Email: email}
			if err := db.CreateContact(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
			return c
		}
		mustContact("Priya", "Shah", "priya.shah@example.test")
		mustContact("Ravi", "Shahid", "ravi@shahid.test")
		mustContact("Anna", "O'Neil", "anna_o@x.test")
		mustContact("Zoë", "Özil", "zoe@x.test")
		moving := mustContact("Morgan", "Lee", "old.addr@x.test")
		for i := range 30 {
			mustContact("Sam", fmt.Sprintf("Bulk%02d", i), fmt.Sprintf("sam%02d@bulk.test", i))
		}

		// check compares every search with the LIKE conditions alone.
		check := func(t *testing.T, terms ...string) {
			t.Helper()
			for _, term := range terms {
				want := likeIDs(t, db, "sites", siteSearchCols, org.ID, term)
				if got := searchSites(t, ctx, db, staff, term); !slices.Equal(got, want) {
					t.Errorf("staff's site search %q: %d sites, LIKE finds %d", term, len(got), len(want))
				}
				wantReached := likeIDs(t, db, "sites", siteSearchCols, org.ID, term, parent.ID, child.ID)
				for _, c := range []context.Context{ctx, sqlstore.AsManySites(ctx)} {
					if got := searchSites(t, c, db, contactOf, term); !slices.Equal(got, wantReached) {
						t.Errorf("parent contact's site search %q: %d sites, LIKE finds %d", term, len(got), len(wantReached))
					}
				}
				if got := sitesUnder(t, db, staff, parent.ID, term); !slices.Equal(got, wantReached) {
					t.Errorf("site search under the parent %q: %d sites, LIKE finds %d", term, len(got), len(wantReached))
				}
				want = likeIDs(t, db, "contacts", []string{"first_name", "last_name", "email"}, org.ID, term)
				if got := searchContacts(t, db, staff, term); !slices.Equal(got, want) {
					t.Errorf("contact search %q: %d contacts, LIKE finds %d", term, len(got), len(want))
				}
			}
			mustTextIndexesRight(t, db)
		}
		// names finds the names of the staff's sites matching term.
		names := func(term string) []string {
			var out []string
			for _, id := range searchSites(t, ctx, db, staff, term) {
				s, err := db.FindSiteByID(ctx, staff, id)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, s.Name)
			}
			slices.Sort(out)
			return out
		}

		t.Run("every term as LIKE", func(t *testing.T) {
			check(t, searchTerms...)
			// The reference itself: the searches find these, so LIKE
			// compares with something.
			for term, want := range map[string][]string{
				"EX40 0BP": {"Alpha Tower"},
				"n_m":      {"Cotton_Mill"},
				"100%":     {"100% Yard"},
				`d\d`:      {`Yard\Depot`},
				`"quoted"`: {`The "Quoted" Works`},
				`d" w`:     {`The "Quoted" Works`},
				"straße":   {"Straße Haus"},
			} {
				if got := names(term); !slices.Equal(got, want) {
					t.Errorf("search %q found %q, want %q", term, got, want)
				}
			}
			// A NUL typed into a search is dropped: PostgreSQL refuses it
			// in a string (an error page, not "no match").
			if got, want := names("EX40\x00 0BP"), []string{"Alpha Tower"}; !slices.Equal(got, want) {
				t.Errorf("search with a NUL found %q, want %q", got, want)
			}
			if n := len(searchContacts(t, db, staff, "sh\x00ah")); n != 2 {
				t.Errorf("contact search with a NUL: %d contacts, want 2", n)
			}
			if n := len(searchSites(t, ctx, db, staff, "harbour")); n != 61 {
				t.Errorf("harbour: %d sites, want 61", n)
			}
			if n := len(searchContacts(t, db, staff, "bulk")); n != 30 {
				t.Errorf("bulk: %d contacts, want 30", n)
			}
		})

		t.Run("a renamed site", func(t *testing.T) {
			alpha.Name = "Omega Tower"
			if err := db.UpdateSite(ctx, staff, alpha); err != nil {
				t.Fatal(err)
			}
			if got := names("alpha"); !slices.Equal(got, []string{"Alpha Tower Outside"}) {
				t.Errorf("alpha after the rename: %q", got)
			}
			if got := names("omega"); !slices.Equal(got, []string{"Omega Tower"}) {
				t.Errorf("omega after the rename: %q", got)
			}
			check(t, "alpha", "omega", "tower", "EX40")
		})

		// The store deletes no sites; a delete in SQL must leave the
		// index right all the same.
		t.Run("a deleted site", func(t *testing.T) {
			if _, err := db.SQL().ExecContext(ctx, `DELETE FROM sites WHERE id = $1`, percent.ID); err != nil {
				t.Fatal(err)
			}
			if got := names("percent"); len(got) != 0 {
				t.Errorf("percent after the delete: %q", got)
			}
			site(child.ID, "Another Yard", fieldportal.Address{}) // may take the deleted row's rowid
			check(t, "percent", "yard", "another")
		})

		t.Run("a contact's new email", func(t *testing.T) {
			moving.Email = "new.addr@y.test"
			if err := db.UpdateContact(ctx, staff, moving); err != nil {
				t.Fatal(err)
			}
			if got := searchContacts(t, db, staff, "old.addr"); len(got) != 0 {
				t.Errorf("the old email is still found: %q", got)
			}
			if got := searchContacts(t, db, staff, "new.addr"); !slices.Equal(got, []string{moving.ID}) {
				t.Errorf("the new email finds %q", got)
			}
			check(t, "old.addr", "new.addr", "x.test", "y.test")
		})

		// RecountTallies rebuilds SQLite's text indexes, as a VACUUM may
		// renumber the rowids they point at.
		if db.Dialect() == sqlstore.SQLite {
			t.Run("recount rebuilds the text indexes", func(t *testing.T) {
				for _, fts := range []string{"site_search", "contact_search"} {
					if _, err := db.SQL().ExecContext(ctx, `INSERT INTO `+fts+`(`+fts+`) VALUES ('delete-all')`); err != nil {
						t.Fatal(err)
					}
				}
				if got := names("omega"); len(got) != 0 {
					t.Fatalf("an emptied index still finds %q", got)
				}
				if _, err := db.RecountTallies(ctx, ""); err != nil {
					t.Fatal(err)
				}
				check(t, searchTerms...)
				if got := names("omega"); !slices.Equal(got, []string{"Omega Tower"}) {
					t.Errorf("omega after the rebuild: %q", got)
				}
			})
		}
	})
}
