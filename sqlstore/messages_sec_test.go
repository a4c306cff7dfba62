package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestMessageFilesNeedUpload: a message's files are uploads (SPEC §2.4):
// a contact whose organisation hides the upload button, or who may not
// use Documents, writes text only; the files are refused naming
// attachments before any byte is stored, and nothing is written.
func TestMessageFilesNeedUpload(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		file := []fieldportal.Upload{{Name: "photo.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nnot really")}}
		hidden := fieldportal.NewContactViewer(w.orgID, fieldportal.ContactGrants{Name: "Pat", LoginID: w.contact.LoginID,
			ContactID: w.contact.ContactID, CustomerID: w.contact.CustomerID, SiteAccess: fieldportal.SiteAccessAll,
			Pages: fieldportal.Modules(fieldportal.AllModules)},
			fieldportal.Settings{Modules: fieldportal.AllModules, HiddenActions: []fieldportal.Action{fieldportal.ActionUpload}})
		noDocs := MustMoneyContact(t, db, w.orgID, w.contact.CustomerID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleService)
		for name, v := range map[string]fieldportal.Viewer{"upload hidden": hidden, "no documents": noDocs} {
			t.Run(name, func(t *testing.T) {
				_, err := db.PostMessage(ctx, v, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "See the photo.", Files: file})
				if fieldportal.ErrorCode(err) != fieldportal.EINVALID || fieldErr(err) != "attachments" {
					t.Fatalf("got %v, want a refusal naming attachments", err)
				}
				if _, err := db.PostMessage(ctx, v, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "Text only."}); err != nil {
					t.Fatalf("a message without files: %v", err)
				}
			})
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM message_attachments WHERE org_id = $1`, w.orgID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d files stored, %v; want none", n, err)
		}
		t.Run("a contact who may upload attaches", func(t *testing.T) {
			m, err := db.PostMessage(ctx, w.contact, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "See the photo.", Files: file})
			if err != nil || len(m.Attachments) != 1 {
				t.Fatalf("got %v, %v; want one file", m, err)
			}
		})
	})
}
