package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// workWorld is the fixture of the work-record tests: one organisation
// with a parent customer (site A) and its child customer (site B), and a
// second organisation with a site of its own.
type workWorld struct {
	Org, Other         *fieldportal.Organisation
	Staff, OtherStaff  fieldportal.Viewer
	Parent, Child      *fieldportal.Customer
	SiteA, SiteB       *fieldportal.Site
	OtherSite          *fieldportal.Site
	AssetA, AssetB     string
	ItemID, Contractor string
}

// mustWorkWorld builds the fixture.
func mustWorkWorld(tb testing.TB, db *sqlstore.DB) *workWorld {
	tb.Helper()
	w := &workWorld{Org: MustOrg(tb, db, "Acme Fire"), Other: MustOrg(tb, db, "Other Org")}
	w.Staff, w.OtherStaff = fieldportal.SystemViewer(w.Org.ID, "test"), fieldportal.SystemViewer(w.Other.ID, "test")
	w.Parent = MustCustomer(tb, db, w.Staff, &fieldportal.Customer{Name: "Group"})
	w.Child = MustCustomer(tb, db, w.Staff, &fieldportal.Customer{Name: "Branch", ParentID: w.Parent.ID})
	w.SiteA = MustSite(tb, db, w.Staff, &fieldportal.Site{CustomerID: w.Parent.ID, Name: "Alpha House", Address: fieldportal.Address{Line1: "1 High St"}})
	w.SiteB = MustSite(tb, db, w.Staff, &fieldportal.Site{CustomerID: w.Child.ID, Name: "Bravo Yard", Address: fieldportal.Address{Line1: "2 Low Rd"}})
	oc := MustCustomer(tb, db, w.OtherStaff, &fieldportal.Customer{Name: "Elsewhere"})
	w.OtherSite = MustSite(tb, db, w.OtherStaff, &fieldportal.Site{CustomerID: oc.ID, Name: "Elsewhere", Address: fieldportal.Address{Line1: "3 Far Way"}})
	w.AssetA = mustWorkAsset(tb, db, w.Org.ID, w.SiteA, "A-1")
	w.AssetB = mustWorkAsset(tb, db, w.Org.ID, w.SiteB, "B-1")
	w.ItemID = mustWorkExec(tb, db, `INSERT INTO items (id, org_id, code, name, unit_price, active, created_at, updated_at)
		VALUES ($1, $2, 'EXT-6', '6kg extinguisher', 4500, TRUE, $3, $3)`, w.Org.ID)
	w.Contractor = mustWorkExec(tb, db, `INSERT INTO contractors (id, org_id, name, created_at, updated_at)
		VALUES ($1, $2, 'North Division', $3, $3)`, w.Org.ID)
	return w
}

// mustWorkExec runs an INSERT whose $1 is a new id, $2 the organisation
// and $3 the current time, and returns the id. Contacts, logins, assets
// and catalogue items have no store methods in this branch yet.
func mustWorkExec(tb testing.TB, db *sqlstore.DB, sql, orgID string, more ...any) string {
	tb.Helper()
	id := sqlstore.NewID()
	args := append([]any{id, orgID, time.Now().UTC()}, more...)
	if _, err := db.SQL().ExecContext(context.Background(), sql, args...); err != nil {
		tb.Fatalf("insert fixture: %v", err)
	}
	return id
}

// mustWorkAsset adds an asset at a site.
func mustWorkAsset(tb testing.TB, db *sqlstore.DB, orgID string, s *fieldportal.Site, number string) string {
	tb.Helper()
	return mustWorkExec(tb, db, `INSERT INTO assets (id, org_id, number, customer_id, site_id, asset_type, name, created_at, updated_at)
		VALUES ($1, $2, $4, $5, $6, 'Extinguisher', 'Extinguisher', $3, $3)`, orgID, number, s.CustomerID, s.ID)
}

// mustWorkContact adds a contact of the customer with an active portal
// login and returns its viewer. With siteIDs the login's access is
// "assigned" to those sites, else "all". pages nil means every module.
func mustWorkContact(tb testing.TB, db *sqlstore.DB, orgID, customerID string, pages fieldportal.Modules, siteIDs ...string) fieldportal.Viewer {
	tb.Helper()
	if pages == nil {
		pages = fieldportal.AllModules
	}
	access := fieldportal.SiteAccessAll
	if len(siteIDs) > 0 {
		access = fieldportal.SiteAccessAssigned
	}
	contact := mustWorkExec(tb, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, email, created_at, updated_at)
		VALUES ($1, $2, $4, 'Pat', $1, $3, $3)`, orgID, customerID)
	login := mustWorkExec(tb, db, `INSERT INTO portal_logins (id, org_id, contact_id, username, status, page_access, site_access, created_at, updated_at)
		VALUES ($1, $2, $4, $4, 'active', $5, $6, $3, $3)`, orgID, contact, pages.String(), string(access))
	for _, s := range siteIDs {
		if _, err := db.SQL().ExecContext(context.Background(), `INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, login, s, orgID); err != nil {
			tb.Fatalf("assign site: %v", err)
		}
	}
	return fieldportal.NewContactViewer(orgID, fieldportal.ContactGrants{
		Name: "Pat", LoginID: login, ContactID: contact,
		CustomerID: customerID, SiteAccess: access, Pages: pages,
	}, fieldportal.Settings{Modules: fieldportal.AllModules})
}

// mustWorkJob creates a job.
func mustWorkJob(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, j *fieldportal.Job) *fieldportal.Job {
	tb.Helper()
	if err := db.CreateJob(context.Background(), v, j); err != nil {
		tb.Fatalf("create job: %v", err)
	}
	return j
}

// mustWorkQuote creates a quote.
func mustWorkQuote(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, x *fieldportal.Quote) *fieldportal.Quote {
	tb.Helper()
	if err := db.CreateQuote(context.Background(), v, x); err != nil {
		tb.Fatalf("create quote: %v", err)
	}
	return x
}

// mustWorkIssue creates an issue.
func mustWorkIssue(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, i *fieldportal.Issue) *fieldportal.Issue {
	tb.Helper()
	if err := db.CreateIssue(context.Background(), v, i); err != nil {
		tb.Fatalf("create issue: %v", err)
	}
	return i
}

// workPages pages through a list with a small page size and returns every
// row's key in order, failing when a key appears twice.
func workPages[T any](tb testing.TB, fetch func(after string) ([]T, string, error), key func(T) string) []string {
	tb.Helper()
	var got []string
	seen := map[string]bool{}
	after := ""
	for range 100 {
		page, next, err := fetch(after)
		if err != nil {
			tb.Fatal(err)
		}
		for _, x := range page {
			k := key(x)
			if seen[k] {
				tb.Fatalf("row %s appears twice", k)
			}
			seen[k] = true
			got = append(got, k)
		}
		if next == "" {
			return got
		}
		after = next
	}
	tb.Fatal("paging did not end")
	return nil
}

// wantWorkCode fails unless err has the code (and field, when given).
func wantWorkCode(tb testing.TB, err error, code string, field ...string) {
	tb.Helper()
	if fieldportal.ErrorCode(err) != code {
		tb.Fatalf("err = %v, want %s", err, code)
	}
	if len(field) > 0 {
		var e *fieldportal.Error
		if !asWorkError(err, &e) || e.Field != field[0] {
			tb.Fatalf("err = %v, want field %s", err, field[0])
		}
	}
}

func asWorkError(err error, e **fieldportal.Error) bool {
	x, ok := err.(*fieldportal.Error)
	*e = x
	return ok
}
