package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// MustAsset creates an asset.
func MustAsset(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, a *fieldportal.Asset) *fieldportal.Asset {
	tb.Helper()
	if err := db.CreateAsset(context.Background(), v, a); err != nil {
		tb.Fatalf("create asset: %v", err)
	}
	return a
}

// MustAssetTest records an asset test.
func MustAssetTest(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, t *fieldportal.AssetTest) *fieldportal.AssetTest {
	tb.Helper()
	if err := db.CreateAssetTest(context.Background(), v, t); err != nil {
		tb.Fatalf("create asset test: %v", err)
	}
	return t
}

// MustDocument records a document whose bytes are put in the blob store.
func MustDocument(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, d *fieldportal.Document) *fieldportal.Document {
	tb.Helper()
	if d.StorageKey == "" {
		d.StorageKey = "k/" + sqlstore.NewID()
	}
	if d.ContentType == "" {
		d.ContentType = "application/pdf"
	}
	if err := db.CreateDocument(context.Background(), v, d); err != nil {
		tb.Fatalf("create document: %v", err)
	}
	return d
}

// MustContractor creates a contractor.
func MustContractor(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, name string) *fieldportal.Contractor {
	tb.Helper()
	c := &fieldportal.Contractor{Name: name}
	if err := db.CreateContractor(context.Background(), v, c); err != nil {
		tb.Fatalf("create contractor: %v", err)
	}
	return c
}

// assetsContactViewer makes a contact of customerID with an active portal
// login, written as rows (this branch has no contact store), and returns
// its viewer. sites lists the assigned sites; none means access to all.
// pages is the login's page access; the organisation shows every module.
func assetsContactViewer(tb testing.TB, db *sqlstore.DB, orgID, customerID string, pages fieldportal.Modules, sites ...string) fieldportal.Viewer {
	tb.Helper()
	ctx, now := context.Background(), time.Now().UTC().Truncate(time.Microsecond)
	contactID, loginID := sqlstore.NewID(), sqlstore.NewID()
	access := fieldportal.SiteAccessAll
	if len(sites) > 0 {
		access = fieldportal.SiteAccessAssigned
	}
	stmts := []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO contacts (id, org_id, customer_id, first_name, created_at, updated_at) VALUES ($1, $2, $3, 'Pat', $4, $4)`,
			[]any{contactID, orgID, customerID, now}},
		{`INSERT INTO portal_logins (id, org_id, contact_id, username, status, page_access, site_access, created_at, updated_at)
			VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, $7)`,
			[]any{loginID, orgID, contactID, "pat-" + loginID, pages.String(), string(access), now}},
	}
	for _, s := range sites {
		stmts = append(stmts, struct {
			sql  string
			args []any
		}{`INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, []any{loginID, s, orgID}})
	}
	for _, s := range stmts {
		if _, err := db.SQL().ExecContext(ctx, s.sql, s.args...); err != nil {
			tb.Fatalf("contact viewer: %v", err)
		}
	}
	return fieldportal.NewContactViewer(orgID, fieldportal.ContactGrants{Name: "Pat", LoginID: loginID,
		ContactID: contactID, CustomerID: customerID, SiteAccess: access, Pages: pages},
		fieldportal.Settings{Modules: fieldportal.AllModules})
}

// pageAll follows a list's cursors to the end, failing on a page that
// repeats (a cursor that does not advance), and returns every row's key.
func pageAll[T any](tb testing.TB, page func(after string) ([]T, string, error), key func(T) string) []string {
	tb.Helper()
	var out []string
	after := ""
	for range 1000 {
		list, next, err := page(after)
		if err != nil {
			tb.Fatalf("page: %v", err)
		}
		for _, x := range list {
			out = append(out, key(x))
		}
		if next == "" {
			return out
		}
		after = next
	}
	tb.Fatalf("paging did not end")
	return nil
}

// fieldOf returns the field an EINVALID error names.
func fieldOf(err error) string {
	var e *fieldportal.Error
	if errors.As(err, &e) && e.Code == fieldportal.EINVALID {
		return e.Field
	}
	return "(" + fieldportal.ErrorCode(err) + ": " + fieldportal.ErrorMessage(err) + ")"
}

// day is a Date in 2025 for short test data.
func day(month time.Month, d int) fieldportal.Date {
	return fieldportal.Date{Year: 2025, Month: month, Day: d}
}

// mustAssetsSite creates a site of a customer with a placeholder address.
func mustAssetsSite(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, customerID, name string) *fieldportal.Site {
	tb.Helper()
	return MustSite(tb, db, v, &fieldportal.Site{CustomerID: customerID, Name: name, Address: fieldportal.Address{Line1: "1 " + name + " Road"}})
}
