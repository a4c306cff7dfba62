package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestMessageFilesFollowUploadButton: a thread's form offers files only
// to a contact offered the upload button (SPEC §2.4); with the button
// hidden by the organisation the form has no file input, a message with
// a file posted anyway is refused naming attachments (what was typed
// kept), and text alone is sent (issue 22).
func TestMessageFilesFollowUploadButton(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		thread := "/messages/site/" + f.site["hq"].ID
		b := f.browser()
		b.login("parent@example.test", testPassword)
		if _, body := b.get(thread); !strings.Contains(body, `id="attachments"`) {
			t.Fatalf("the thread's form offers no files to a contact who may upload:\n%s", body)
		}

		st, err := db.FindSettings(ctx, f.org.ID)
		if err != nil {
			t.Fatal(err)
		}
		st.HiddenActions = []fieldportal.Action{fieldportal.ActionUpload}
		if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
			t.Fatal(err)
		}
		if _, body := b.get(thread); strings.Contains(body, `id="attachments"`) || !strings.Contains(body, `name="body"`) {
			t.Fatalf("with uploads hidden the form still offers files, or no text:\n%s", body)
		}
		res, body := b.postForm(thread, url.Values{"body": {"See the plan."}}, upload{"plan.pdf", []byte("%PDF-1.4\n%%EOF\n")})
		wantStatus(t, "a file with uploads hidden", res, body, http.StatusBadRequest)
		if !strings.Contains(body, "You cannot attach files here") || !strings.Contains(body, "See the plan.") {
			t.Errorf("the refusal does not say so, or lost the text:\n%s", body)
		}
		res, body = b.postForm(thread, url.Values{"body": {"Text only."}})
		wantStatus(t, "text only", res, body, http.StatusSeeOther)
	})
}
