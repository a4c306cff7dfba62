package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestUpsertByExternalIDRace sends syncs of one new record at the same
// time: every one must succeed, exactly one creating the record and the
// others updating that same record, for a resource of each kind of create
// (a customer, and an issue, whose create also numbers it).
func TestUpsertByExternalIDRace(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		tests := []struct {
			name   string
			upsert func(i int) (created bool, id string, err error)
		}{
			{"customer", func(i int) (bool, string, error) {
				c := &fieldportal.Customer{ExternalID: "RACE-C", Name: fmt.Sprint("Customer ", i)}
				created, err := db.UpsertCustomerByExternalID(ctx, w.Staff, c)
				return created, c.ID, err
			}},
			{"issue", func(i int) (bool, string, error) {
				x := &fieldportal.Issue{ExternalID: "RACE-I", SiteID: w.SiteA.ID, Title: fmt.Sprint("Issue ", i),
					Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
				created, err := db.UpsertIssueByExternalID(ctx, w.Staff, x)
				return created, x.ID, err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				const syncs = 6
				type result struct {
					created bool
					id      string
					err     error
				}
				results := make([]result, syncs)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range syncs {
					wg.Go(func() {
						<-start
						created, id, err := tt.upsert(i)
						results[i] = result{created, id, err}
					})
				}
				close(start)
				wg.Wait()
				var creators []int
				for i, r := range results {
					if r.err != nil {
						t.Errorf("sync %d: %v", i, r.err)
					} else if r.created {
						creators = append(creators, i)
					}
				}
				if len(creators) != 1 {
					t.Fatalf("syncs %v created the record, want exactly one", creators)
				}
				for i, r := range results {
					if want := results[creators[0]].id; r.err == nil && r.id != want {
						t.Errorf("sync %d wrote record %s, want the created %s", i, r.id, want)
					}
				}
			})
		}
	})
}

// TestUpsertByExternalIDRecords checks what every upsert shares, on a
// resource whose create and update are the plain public ones (customer,
// site, contact) and one whose create derives fields (issue).
func TestUpsertByExternalIDRecords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		customer := func(ext, name string) (bool, string, error) {
			c := &fieldportal.Customer{ExternalID: ext, Name: name}
			created, err := db.UpsertCustomerByExternalID(ctx, staff, c)
			return created, c.ID, err
		}
		site := func(ext, name string) (bool, string, error) {
			s := &fieldportal.Site{ExternalID: ext, CustomerID: w.Parent.ID, Name: name, Address: fieldportal.Address{Line1: "1 Road"}}
			created, err := db.UpsertSiteByExternalID(ctx, staff, s)
			return created, s.ID, err
		}
		contact := func(ext, name string) (bool, string, error) {
			c := &fieldportal.Contact{ExternalID: ext, CustomerID: w.Parent.ID, FirstName: name}
			created, err := db.UpsertContactByExternalID(ctx, staff, c)
			return created, c.ID, err
		}
		issue := func(ext, name string) (bool, string, error) {
			x := &fieldportal.Issue{ExternalID: ext, SiteID: w.SiteA.ID, Title: name, Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
			created, err := db.UpsertIssueByExternalID(ctx, staff, x)
			return created, x.ID, err
		}
		names := map[string]func(id string) (string, error){
			"customer": func(id string) (string, error) {
				c, err := db.FindCustomerByID(ctx, staff, id)
				return c.Name, err
			},
			"site": func(id string) (string, error) {
				s, err := db.FindSiteByID(ctx, staff, id)
				return s.Name, err
			},
			"contact": func(id string) (string, error) {
				c, err := db.FindContactByID(ctx, staff, id)
				return c.FirstName, err
			},
			"issue": func(id string) (string, error) {
				x, err := db.FindIssueByID(ctx, staff, id)
				return x.Title, err
			},
		}
		upserts := []struct {
			name   string
			upsert func(ext, name string) (bool, string, error)
		}{{"customer", customer}, {"site", site}, {"contact", contact}, {"issue", issue}}
		for _, u := range upserts {
			t.Run(u.name+" created then updated", func(t *testing.T) {
				created, id, err := u.upsert("EXT-"+u.name, "First")
				if err != nil || !created {
					t.Fatalf("first upsert: created %v, %v", created, err)
				}
				created, again, err := u.upsert("EXT-"+u.name, "Second")
				if err != nil || created || again != id {
					t.Fatalf("second upsert: created %v, id %s (want %s), %v", created, again, id, err)
				}
				if got, err := names[u.name](id); err != nil || got != "Second" {
					t.Errorf("after the update: %q, %v; want %q", got, err, "Second")
				}
			})
			for _, blank := range []string{"", "  "} {
				t.Run(fmt.Sprintf("%s with external id %q is refused", u.name, blank), func(t *testing.T) {
					created, _, err := u.upsert(blank, "Blank")
					wantWorkCode(t, err, fieldportal.EINVALID, "external_id")
					if created {
						t.Error("created is true")
					}
				})
			}
		}
		t.Run("a failed create reports nothing created", func(t *testing.T) {
			x := &fieldportal.Issue{ExternalID: "EXT-nowhere", SiteID: w.OtherSite.ID, Title: "Elsewhere", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
			created, err := db.UpsertIssueByExternalID(ctx, staff, x)
			if err == nil || created {
				t.Errorf("created %v, %v; want an error and nothing created", created, err)
			}
		})
	})
}
