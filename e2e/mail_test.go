package e2e

import (
	"fmt"
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
	// The demo's own story mails too (a visit on the way, a message the
	// office has not answered), so the reset is looked for among them.
	m := waitForMail(t, srv, "site@demo.test", "Reset", 60*time.Second)
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

// waitForMail waits for a delivered mail to one address whose subject
// holds subject, whatever else is delivered before or after it.
func waitForMail(tb testing.TB, srv *smtptest.Server, to, subject string, timeout time.Duration) smtptest.Received {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		var seen []string
		for _, m := range srv.Messages() {
			if len(m.To) == 1 && m.To[0] == to && strings.Contains(m.Subject, subject) {
				return m
			}
			seen = append(seen, fmt.Sprintf("to %v: %q", m.To, m.Subject))
		}
		if time.Now().After(deadline) {
			tb.Fatalf("no mail to %s about %q within %s; delivered: %v", to, subject, timeout, seen)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
