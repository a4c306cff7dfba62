package sqlstore_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestCertificateFileOfAnotherSite: a certificate's file is a document of
// the certificate's own site. A certificate at a site a contact reaches,
// pointing at a file of a site it does not reach (a link the API or an
// older row could make), neither names nor gives that file (SPEC §2.5:
// every file download): the store refuses the link, and a link already
// made is "no file".
func TestCertificateFileOfAnotherSite(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		group := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		north := mustAssetsSite(t, db, staff, group.ID, "North")
		south := mustAssetsSite(t, db, staff, group.ID, "South")
		northOnly := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules, north.ID)
		secret := []byte("%PDF-1.4 south's report")
		southDoc := MustDocument(t, db, staff, &fieldportal.Document{Name: "South survey.pdf", AttachedTo: "site", SiteID: south.ID,
			VisibleToCustomer: true, StorageKey: org.ID + "/south-survey"})
		if err := db.Blobs().Put(ctx, org.ID, southDoc.StorageKey, bytes.NewReader(secret), int64(len(secret))); err != nil {
			t.Fatal(err)
		}

		t.Run("the link is refused", func(t *testing.T) {
			c := &fieldportal.Certificate{SiteID: north.ID, Type: "EICR", Number: "N1", IssuedOn: day(1, 5), DocumentID: southDoc.ID}
			if f := fieldOf(db.CreateCertificate(ctx, staff, c)); f != "document_id" {
				t.Errorf("field = %s, want document_id", f)
			}
		})
		t.Run("a link already made gives nothing", func(t *testing.T) {
			c := &fieldportal.Certificate{SiteID: north.ID, Type: "EICR", Number: "N2", IssuedOn: day(1, 5)}
			if err := db.CreateCertificate(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, `UPDATE certificates SET document_id = $1 WHERE id = $2`, southDoc.ID, c.ID); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindCertificateByID(ctx, northOnly, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.DocumentName != "" {
				t.Errorf("the certificate names the file %q of a site out of reach", got.DocumentName)
			}
			list, _, err := db.FindCertificates(ctx, northOnly, fieldportal.CertificateFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range list {
				if x.DocumentName != "" {
					t.Errorf("the list names the file %q of a site out of reach", x.DocumentName)
				}
			}
			_, data, err := openBytes(db.OpenCertificateFile(ctx, northOnly, c.ID))
			if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("OpenCertificateFile = %q, %v; want not found", data, err)
			}
		})
	})
}
