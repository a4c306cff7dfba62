package server

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIMessageFiles: the back office reads the files sent with a
// message (review: the messages resource listed a file's name and hash
// but nothing downloaded its bytes), and another organisation's key gets
// a 404, on both engines.
func TestAPIMessageFiles(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		mustAPICustomerSite(t, c, "C-1", "S-1")
		var issue api.Issue
		c.must(201, &issue, "POST", "/api/v1/issues", `{"site_external_id":"S-1","title":"Leak in plant room"}`)
		sys := fieldportal.SystemViewer(f.org.ID, "test")
		if _, err := db.PostMessage(context.Background(), sys, &fieldportal.NewMessage{RecordKind: "issue", RecordID: issue.ID,
			Body: "The meter reading.", Files: []fieldportal.Upload{{Name: "reading.txt", ContentType: "text/plain", Data: []byte("12345 kWh")}}}); err != nil {
			t.Fatal(err)
		}
		var list api.List[api.Message]
		c.must(200, &list, "GET", "/api/v1/messages?record_kind=issue&record_id="+issue.ID, "")
		if len(list.Data) != 1 || len(list.Data[0].Attachments) != 1 {
			t.Fatalf("list = %+v", list)
		}
		a := list.Data[0].Attachments[0]
		if want := "/api/v1/message-attachments/" + a.ID + "/content"; a.ContentURL != want {
			t.Fatalf("content_url = %q, want %q", a.ContentURL, want)
		}
		res, body := c.call("GET", a.ContentURL, "")
		if res.StatusCode != 200 || body != "12345 kWh" {
			t.Fatalf("download: %d %q", res.StatusCode, body)
		}
		c.problem(404, nil, "GET", "/api/v1/message-attachments/"+sqlstore.NewID()+"/content", "")
	})
}
