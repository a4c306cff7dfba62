package e2e

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal/mail/smtptest"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// TestJourneyResetMailBySMTP: with a mail server set, the reset mail goes
// out over SMTP through the outbox worker; the contact follows the link
// from the delivered mail, and the sent mail no longer holds the link.
func TestJourneyResetMailBySMTP(t *testing.T) {
	srv := smtptest.Start(t)
	p := mustDemo(t, sqlstore.SQLite, "--smtp-host", srv.Host(), "--smtp-port", strconv.Itoa(srv.Port()),
		"--smtp-tls", "none", "--smtp-from", "Brightwater portal <portal@demo.test>")
	b := mustBrowser(t, p.URL)
	b.run(chromedp.Navigate(p.URL + "/forgot"))
	b.fill(`form#forgot`, "email", "site@demo.test")
	got := srv.WaitFor(t, 1, 60*time.Second)
	m := got[len(got)-1]
	if len(m.To) != 1 || m.To[0] != "site@demo.test" || !strings.Contains(m.Subject, "Reset") {
		t.Fatalf("delivered mail: to %v, subject %q", m.To, m.Subject)
	}
	link := linkRe.FindString(m.Text)
	if link == "" {
		t.Fatalf("no reset link in the mail:\n%s", m.Text)
	}
	b.run(chromedp.Navigate(link), chromedp.WaitVisible(`form#reset`, chromedp.ByQuery))
	b.fill(`form#reset`, "password", "Mailed-reset-55", "confirm", "Mailed-reset-55")
	b.login("site@demo.test", "Mailed-reset-55")
	if got := b.location(); got != "/" {
		t.Errorf("signing in with the new password lands at %q", got)
	}
	// The outbox marked it sent and dropped the link from its copy.
	deadline := time.Now().Add(30 * time.Second)
	for {
		row := p.lastMailTo(t, "site@demo.test")
		if row.Status == "sent" {
			if strings.Contains(row.Payload, "/reset/") {
				t.Error("the sent mail's copy still holds the reset link")
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the outbox row is %q, not sent", row.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
