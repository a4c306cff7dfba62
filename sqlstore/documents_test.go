package sqlstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestDocuments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		group := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		school := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "School", ParentID: group.ID})
		hq := mustAssetsSite(t, db, staff, group.ID, "HQ")
		campus := mustAssetsSite(t, db, staff, school.ID, "Campus")
		boiler := MustAsset(t, db, staff, &fieldportal.Asset{SiteID: campus.ID, Type: "Boiler", Number: "B1", Name: "Boiler"})

		siteDoc := MustDocument(t, db, staff, &fieldportal.Document{Name: "HQ plan.pdf", AttachedTo: "site", SiteID: hq.ID,
			Size: 10, SHA256: "abc", VisibleToCustomer: true, ExternalID: "doc-1"})
		assetDoc := MustDocument(t, db, staff, &fieldportal.Document{Name: "Boiler manual.pdf", AttachedTo: "asset",
			AssetID: boiler.ID, JobID: "stray", VisibleToCustomer: true})
		custDoc := MustDocument(t, db, staff, &fieldportal.Document{Name: "Contract.pdf", AttachedTo: "customer",
			CustomerID: group.ID, VisibleToCustomer: true})
		hidden := MustDocument(t, db, staff, &fieldportal.Document{Name: "Internal notes.txt", AttachedTo: "site",
			SiteID: campus.ID, VisibleToCustomer: false})
		names := func(list []*fieldportal.Document) []string {
			var out []string
			for _, d := range list {
				out = append(out, d.Name)
			}
			return out
		}

		t.Run("create and find", func(t *testing.T) {
			if siteDoc.CustomerID != group.ID {
				t.Errorf("customer %s, want the site's", siteDoc.CustomerID)
			}
			got, err := db.FindDocumentByID(ctx, staff, siteDoc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(siteDoc, got); diff != "" {
				t.Errorf("document differs (-want +got):\n%s", diff)
			}
		})
		t.Run("scope comes from the record it is attached to", func(t *testing.T) {
			if assetDoc.SiteID != campus.ID || assetDoc.CustomerID != school.ID || assetDoc.JobID != "" {
				t.Errorf("asset document site %q customer %q job %q", assetDoc.SiteID, assetDoc.CustomerID, assetDoc.JobID)
			}
			if custDoc.SiteID != "" || custDoc.CustomerID != group.ID {
				t.Errorf("customer document site %q customer %q", custDoc.SiteID, custDoc.CustomerID)
			}
		})
		t.Run("caller's id is kept", func(t *testing.T) {
			id := sqlstore.NewID()
			// Not visible to customers (the default): contacts never see it.
			d := MustDocument(t, db, staff, &fieldportal.Document{ID: id, Name: "Pre.pdf", AttachedTo: "site", SiteID: hq.ID})
			if d.ID != id {
				t.Errorf("id = %s, want %s", d.ID, id)
			}
		})
		t.Run("invalid document names the field", func(t *testing.T) {
			for want, d := range map[string]*fieldportal.Document{
				"name":        {AttachedTo: "site", SiteID: hq.ID, StorageKey: "k"},
				"site_id":     {Name: "a", AttachedTo: "site", StorageKey: "k"},
				"attached_to": {Name: "a", AttachedTo: "planet", CustomerID: group.ID, StorageKey: "k"},
				"asset_id":    {Name: "a", AttachedTo: "asset", AssetID: "nope", StorageKey: "k"},
			} {
				if f := fieldOf(db.CreateDocument(ctx, staff, d)); f != want {
					t.Errorf("field = %s, want %s", f, want)
				}
			}
			if err := db.CreateDocument(ctx, staff, &fieldportal.Document{Name: "a", AttachedTo: "site", SiteID: hq.ID}); err == nil {
				t.Error("a document with no stored file was recorded")
			}
		})
		t.Run("pages cover every document once by name", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.Document, string, error) {
				return db.FindDocuments(ctx, staff, fieldportal.DocumentFilter{Page: fieldportal.Page{After: after, Limit: 2}})
			}, func(d *fieldportal.Document) string { return d.Name })
			want := []string{"Boiler manual.pdf", "Contract.pdf", "HQ plan.pdf", "Internal notes.txt", "Pre.pdf"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for name, c := range map[string]struct {
				f    fieldportal.DocumentFilter
				want []string
			}{
				"search":        {fieldportal.DocumentFilter{Search: "MANUAL"}, []string{"Boiler manual.pdf"}},
				"site":          {fieldportal.DocumentFilter{SiteID: campus.ID}, []string{"Boiler manual.pdf", "Internal notes.txt"}},
				"asset":         {fieldportal.DocumentFilter{AssetID: boiler.ID}, []string{"Boiler manual.pdf"}},
				"attached to":   {fieldportal.DocumentFilter{AttachedTo: "site", Search: "plan"}, []string{"HQ plan.pdf"}},
				"customer only": {fieldportal.DocumentFilter{CustomerOnly: true}, []string{"Contract.pdf"}},
			} {
				t.Run(name, func(t *testing.T) {
					list, _, err := db.FindDocuments(ctx, staff, c.f)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, names(list)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("update and updated since", func(t *testing.T) {
			since := time.Now().UTC()
			time.Sleep(2 * time.Millisecond)
			d := &fieldportal.Document{ID: assetDoc.ID, Name: "Boiler manual v2.pdf", VisibleToCustomer: true, SiteID: "ignored"}
			if err := db.UpdateDocument(ctx, staff, d); err != nil {
				t.Fatal(err)
			}
			if d.SiteID != campus.ID || d.StorageKey != assetDoc.StorageKey {
				t.Errorf("update changed the attachment: %+v", d)
			}
			list, _, err := db.FindDocuments(ctx, staff, fieldportal.DocumentFilter{UpdatedSince: since})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"Boiler manual v2.pdf"}, names(list)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("contact scope", func(t *testing.T) {
			all := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules)
			child := assetsContactViewer(t, db, org.ID, school.ID, fieldportal.AllModules)
			assigned := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.AllModules, hq.ID, campus.ID)
			noTab := assetsContactViewer(t, db, org.ID, group.ID, fieldportal.Modules{fieldportal.ModuleSites})
			for name, c := range map[string]struct {
				v    fieldportal.Viewer
				want []string
			}{
				"all access sees visible files":  {all, []string{"Boiler manual v2.pdf", "Contract.pdf", "HQ plan.pdf"}},
				"child sees its own":             {child, []string{"Boiler manual v2.pdf"}},
				"assigned sees no customer file": {assigned, []string{"Boiler manual v2.pdf", "HQ plan.pdf"}},
			} {
				t.Run(name, func(t *testing.T) {
					list, _, err := db.FindDocuments(ctx, c.v, fieldportal.DocumentFilter{})
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, names(list)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
			if _, err := db.FindDocumentByID(ctx, all, hidden.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("contact reads a hidden file: %v", err)
			}
			if _, err := db.FindDocumentByID(ctx, assigned, custDoc.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("assigned contact reads a customer file: %v", err)
			}
			if _, err := db.FindDocumentByID(ctx, noTab, siteDoc.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("contact without the Documents tab: %v", err)
			}
		})
		t.Run("contact uploads", func(t *testing.T) {
			c := assetsContactViewer(t, db, org.ID, school.ID, fieldportal.AllModules)
			d := MustDocument(t, db, c, &fieldportal.Document{Name: "Photo.jpg", AttachedTo: "site", SiteID: campus.ID,
				VisibleToCustomer: false, UploadedByStaff: "forged"})
			if !d.VisibleToCustomer || d.UploadedByContact != c.ContactID || d.UploadedByStaff != "" {
				t.Errorf("contact upload: visible %v by %q/%q", d.VisibleToCustomer, d.UploadedByContact, d.UploadedByStaff)
			}
			if _, err := db.FindDocumentByID(ctx, c, d.ID); err != nil {
				t.Errorf("contact reads its upload: %v", err)
			}
			err := db.CreateDocument(ctx, c, &fieldportal.Document{Name: "x", AttachedTo: "site", SiteID: hq.ID, StorageKey: "k"})
			if fieldOf(err) != "site_id" {
				t.Errorf("upload to a site out of reach: %v", err)
			}
			err = db.CreateDocument(ctx, c, &fieldportal.Document{Name: "x", AttachedTo: "asset", AssetID: boiler.ID, StorageKey: "k"})
			if fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact upload to an asset: %v", err)
			}
			assigned := assetsContactViewer(t, db, org.ID, school.ID, fieldportal.AllModules, campus.ID)
			err = db.CreateDocument(ctx, assigned, &fieldportal.Document{Name: "x", AttachedTo: "customer", CustomerID: school.ID, StorageKey: "k"})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("assigned contact adds a customer file it cannot see: %v", err)
			}
			hiddenUpload := c
			hiddenUpload.HiddenActions = []fieldportal.Action{fieldportal.ActionUpload}
			err = db.CreateDocument(ctx, hiddenUpload, &fieldportal.Document{Name: "x", AttachedTo: "site", SiteID: campus.ID, StorageKey: "k"})
			if fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("upload hidden by the organisation: %v", err)
			}
			if err := db.UpdateDocument(ctx, c, d); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact updates a document: %v", err)
			}
		})
		t.Run("another organisation and anonymous see nothing", func(t *testing.T) {
			o2 := fieldportal.SystemViewer(MustOrg(t, db, "Other Org").ID, "test")
			list, _, err := db.FindDocuments(ctx, o2, fieldportal.DocumentFilter{})
			if err != nil || len(list) != 0 {
				t.Errorf("other org sees %d documents (%v)", len(list), err)
			}
			if _, err := db.FindDocumentByID(ctx, o2, siteDoc.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("other org reads a document: %v", err)
			}
			err = db.CreateDocument(ctx, o2, &fieldportal.Document{Name: "x", AttachedTo: "site", SiteID: hq.ID, StorageKey: "k"})
			if fieldOf(err) != "site_id" {
				t.Errorf("other org attaches to our site: %v", err)
			}
			if _, _, err := db.FindDocuments(ctx, fieldportal.Viewer{}, fieldportal.DocumentFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("anonymous lists documents: %v", err)
			}
		})
	})
}

func TestBlobs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a, b := MustOrg(t, db, "A").ID, MustOrg(t, db, "B").ID
		data := bytes.Repeat([]byte{0, 1, 2, 255}, 50_000)
		if err := db.PutBlob(ctx, a, "a/1", data); err != nil {
			t.Fatal(err)
		}
		t.Run("round trip", func(t *testing.T) {
			got, err := db.GetBlob(ctx, a, "a/1")
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("got %d bytes, %v", len(got), err)
			}
		})
		t.Run("another organisation cannot read or overwrite", func(t *testing.T) {
			if _, err := db.GetBlob(ctx, b, "a/1"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("other org reads: %v", err)
			}
			if err := db.PutBlob(ctx, b, "a/1", []byte("x")); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Errorf("other org overwrites: %v", err)
			}
			if got, _ := db.GetBlob(ctx, a, "a/1"); !bytes.Equal(got, data) {
				t.Error("bytes changed")
			}
		})
		t.Run("put again replaces; empty files", func(t *testing.T) {
			if err := db.PutBlob(ctx, a, "a/1", []byte("new")); err != nil {
				t.Fatal(err)
			}
			if got, _ := db.GetBlob(ctx, a, "a/1"); string(got) != "new" {
				t.Errorf("got %q", got)
			}
			if err := db.PutBlob(ctx, a, "a/empty", nil); err != nil {
				t.Fatal(err)
			}
			if got, err := db.GetBlob(ctx, a, "a/empty"); err != nil || got == nil || len(got) != 0 {
				t.Errorf("empty file: %v %v", got, err)
			}
		})
		t.Run("delete", func(t *testing.T) {
			if err := db.DeleteBlob(ctx, b, "a/1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetBlob(ctx, a, "a/1"); err != nil {
				t.Errorf("another org's delete removed the file: %v", err)
			}
			if err := db.DeleteBlob(ctx, a, "a/1"); err != nil {
				t.Fatal(err)
			}
			if _, err := db.GetBlob(ctx, a, "a/1"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("after delete: %v", err)
			}
		})
	})
}
