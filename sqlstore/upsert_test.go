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
