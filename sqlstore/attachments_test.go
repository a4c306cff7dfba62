package sqlstore_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Attachments sent with a form: all the files of a request are stored, or
// none; each reads back through the viewer's scope with its bytes.
func TestAttachFiles(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		group := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		school := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "School", ParentID: group.ID})
		hq := mustAssetsSite(t, db, staff, group.ID, "HQ")
		campus := mustAssetsSite(t, db, staff, school.ID, "Campus")
		boiler := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: campus.ID, Type: "Boiler", Number: "B1", Name: "Boiler"})
		c := assetsContactViewer(t, db, org.ID, school.ID, fieldportal.AllModules)
		photo := fieldportal.Upload{Name: "leak.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nphoto")}
		notes := fieldportal.Upload{Name: "notes.txt", ContentType: "text/plain", Data: []byte("dripping since Monday")}
		count := func(t *testing.T) int {
			t.Helper()
			var n int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM file_blobs`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		t.Run("every file is stored and read back in scope", func(t *testing.T) {
			docs, err := db.AttachFiles(ctx, c, "site", campus.ID, []fieldportal.Upload{photo, notes})
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 2 {
				t.Fatalf("%d documents, want 2", len(docs))
			}
			for i, want := range []fieldportal.Upload{photo, notes} {
				doc, data, err := openBytes(db.OpenDocument(ctx, c, docs[i].ID))
				if err != nil {
					t.Fatal(err)
				}
				if doc.Name != want.Name || doc.ContentType != want.ContentType || doc.Size != int64(len(want.Data)) ||
					!bytes.Equal(data, want.Data) || doc.SiteID != campus.ID || doc.CustomerID != school.ID ||
					doc.UploadedByContact != c.ContactID || !doc.VisibleToCustomer || len(doc.SHA256) != 64 {
					t.Errorf("document %d: %+v with %q", i, doc, data)
				}
			}
		})
		t.Run("a record out of reach stores nothing", func(t *testing.T) {
			before := count(t)
			_, err := db.AttachFiles(ctx, c, "site", hq.ID, []fieldportal.Upload{photo})
			if fieldOf(err) != "site_id" {
				t.Errorf("attach to a site out of reach: %v", err)
			}
			if after := count(t); after != before {
				t.Errorf("blobs %d → %d after a refused attachment", before, after)
			}
		})
		t.Run("a refused second file takes the first with it", func(t *testing.T) {
			before := count(t)
			_, err := db.AttachFiles(ctx, c, "site", campus.ID, []fieldportal.Upload{photo, {Name: "a/b", ContentType: "text/plain", Data: []byte("x")}})
			if fieldOf(err) != "name" {
				t.Errorf("a file named with a slash: %v", err)
			}
			if after := count(t); after != before {
				t.Errorf("blobs %d → %d after a half-refused request", before, after)
			}
		})
		t.Run("a contact may not attach to an asset", func(t *testing.T) {
			_, err := db.AttachFiles(ctx, c, "asset", boiler.ID, []fieldportal.Upload{photo})
			if fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact attaches to an asset: %v", err)
			}
		})
		t.Run("staff attach to an asset", func(t *testing.T) {
			docs, err := db.AttachFiles(ctx, staff, "asset", boiler.ID, []fieldportal.Upload{notes})
			if err != nil || len(docs) != 1 || docs[0].AssetID != boiler.ID || docs[0].VisibleToCustomer {
				t.Errorf("staff attach: %v %+v", err, docs)
			}
		})
		t.Run("no files is no documents", func(t *testing.T) {
			docs, err := db.AttachFiles(ctx, c, "site", campus.ID, nil)
			if err != nil || len(docs) != 0 {
				t.Errorf("no files: %v %v", err, docs)
			}
		})
	})
}
