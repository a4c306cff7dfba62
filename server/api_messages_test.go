package server

import (
	"testing"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIMessages walks the messages resource on both engines (issue 22):
// the back office writes as the office on an issue's thread, lists it by
// record, and bad input is refused naming its field.
func TestAPIMessages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		mustAPICustomerSite(t, c, "C-1", "S-1")
		var issue api.Issue
		c.must(201, &issue, "POST", "/api/v1/issues", `{"site_external_id":"S-1","title":"Leak in plant room"}`)

		var made api.Message
		c.must(201, &made, "POST", "/api/v1/messages", `{"record_kind":"issue","record_id":"`+issue.ID+`","body":"An engineer is booked."}`)
		if made.From != "office" || made.RecordID != issue.ID || made.Body != "An engineer is booked." || made.ThreadID == "" || made.ContactID != nil {
			t.Errorf("message = %+v", made)
		}
		var list api.List[api.Message]
		c.must(200, &list, "GET", "/api/v1/messages?record_kind=issue&record_id="+issue.ID, "")
		if len(list.Data) != 1 || list.Data[0].ID != made.ID {
			t.Errorf("list = %+v", list)
		}
		c.must(200, &list, "GET", "/api/v1/messages?record_id="+sqlstore.NewID(), "")
		if len(list.Data) != 0 {
			t.Errorf("another record's list = %+v", list)
		}
		t.Run("bad input names its field", func(t *testing.T) {
			c.problem(422, []string{"body"}, "POST", "/api/v1/messages", `{"record_kind":"issue","record_id":"`+issue.ID+`","body":"  "}`)
			c.problem(422, []string{"record_id"}, "POST", "/api/v1/messages", `{"record_kind":"issue","record_id":"`+sqlstore.NewID()+`","body":"Hi"}`)
			c.problem(422, []string{"record_kind"}, "POST", "/api/v1/messages", `{"record_kind":"asset","record_id":"`+issue.ID+`","body":"Hi"}`)
			c.problem(400, []string{"record_kind"}, "GET", "/api/v1/messages?record_kind=asset", "")
		})
	})
}
