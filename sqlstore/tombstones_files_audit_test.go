package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestDeletedHiddenFileNotInActivity: a file the operator keeps from the
// customer (visible_to_customer false) is no record of the customer's
// Documents page, so its entries, its deletion's above all (found by
// review: document.deleted named a hidden file uploaded by mistake), are
// the operator's alone; a shown file's stay on the managers' activity.
func TestDeletedHiddenFileNotInActivity(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		c := &fieldportal.Contact{FirstName: "Manager", CustomerID: w.Child.ID, Email: "mgr@example.test"}
		if err := db.CreateContact(ctx, w.Staff, c); err != nil {
			t.Fatal(err)
		}
		l := &fieldportal.PortalLogin{ContactID: c.ID, Username: "mgr@example.test", Status: fieldportal.LoginActive,
			Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll, MayManageContacts: true, PasswordHash: "x"}
		if err := db.CreatePortalLogin(ctx, w.Staff, l); err != nil {
			t.Fatal(err)
		}
		mgr, err := db.ViewerForLogin(ctx, w.Org.ID, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		attach := func(name string, visible bool) *fieldportal.Document {
			t.Helper()
			docs, err := db.AttachFiles(ctx, w.Staff, "site", w.SiteB.ID, []fieldportal.Upload{{Name: name, ContentType: "text/plain",
				Data: []byte(name), VisibleToCustomer: visible}})
			if err != nil {
				t.Fatal(err)
			}
			return docs[0]
		}
		hidden, shown := attach("wrong-customer-pricing.txt", false), attach("service-sheet.txt", true)
		for _, d := range []*fieldportal.Document{hidden, shown} {
			if err := db.DeleteDocument(ctx, w.Staff, d.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		entries, _, err := db.FindActivity(ctx, mgr, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
		if err != nil {
			t.Fatal(err)
		}
		var shownDeleted bool
		for _, e := range entries {
			if e.EntityID == hidden.ID || e.Detail == hidden.Name {
				t.Errorf("the manager reads an entry of the hidden file: %s %q", e.Action, e.Detail)
			}
			shownDeleted = shownDeleted || e.EntityID == shown.ID && e.Action == "document.deleted"
		}
		if !shownDeleted {
			t.Error("the shown file's deletion is missing from the manager's activity")
		}
		// The operator's log keeps both.
		all, _, err := db.FindAuditLog(ctx, w.Staff, fieldportal.AuditFilter{Entity: "document", EntityID: hidden.ID, Action: "document.deleted"})
		if err != nil || len(all) != 1 {
			t.Errorf("the operator's entry of the hidden file's deletion: %d, %v", len(all), err)
		}
	})
}
