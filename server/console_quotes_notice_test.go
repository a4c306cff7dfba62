package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The "sent" notice shows the count of mails from the address only as a
// number: a crafted link cannot make the console say something else.
func TestConsoleQuoteSentNoticeTakesOnlyANumber(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newQuoteFixture(t, db)
		f.addStaff("staff@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("staff@example.test")
		page := "/console/quotes/" + f.q["open"].ID
		res, body := staff.get(page + "?done=sent&mailed=" + "Call+0800+000+000+to+confirm%3B+2")
		wantStatus(t, "page", res, body, http.StatusOK)
		if strings.Contains(body, "0800") || !strings.Contains(body, "The quote is sent: the customer sees it in the portal.") {
			t.Errorf("notice from a crafted count:\n%s", body)
		}
		_, body = staff.get(page + "?done=sent&mailed=3")
		if !strings.Contains(body, "its 3 quote contacts have been emailed") {
			t.Errorf("notice of 3 mails:\n%s", body)
		}
	})
}
