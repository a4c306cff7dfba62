package mail_test

import (
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/mail"
)

func TestTemplates(t *testing.T) {
	expires := time.Date(2026, 3, 9, 17, 30, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		m       mail.Message
		subject string
		has     []string
	}{
		{"invite", mail.Invite("Acme Fire", "Ann Lee", "https://portal.test/invite/abc", expires),
			"You're invited to the Acme Fire customer portal",
			[]string{"Hello Ann Lee,", "Acme Fire has invited you", "https://portal.test/invite/abc\n", "9 March 2026 at 17:30 UTC"}},
		{"reset", mail.PasswordReset("Acme Fire", "Ann Lee", "https://portal.test/reset/xyz"),
			"Reset your Acme Fire portal password",
			[]string{"Hello Ann Lee,", "https://portal.test/reset/xyz\n", "If you didn't ask for this"}},
		{"email change", mail.EmailChange("Acme Fire", "Ann Lee", "ann@new.test", "https://portal.test/email/abc", expires),
			"Confirm your new email address for the Acme Fire portal",
			[]string{"Hello Ann Lee,", "this address, ann@new.test,", "https://portal.test/email/abc\n", "9 March 2026 at 17:30 UTC"}},
		{"email change requested", mail.EmailChangeRequested("Acme Fire", "Ann Lee", "ann@new.test"),
			"A change of your Acme Fire portal email address was requested",
			[]string{"Hello Ann Lee,", "portal account\nto ann@new.test was requested.", "If this was not you, change your portal password"}},
		{"email changed", mail.EmailChanged("Acme Fire", "Ann Lee", "ann@new.test"),
			"Your Acme Fire portal email address was changed",
			[]string{"Hello Ann Lee,", "from this address to ann@new.test.", "If you didn't make this change"}},
		{"second factor on", mail.SecondFactorOn("Acme Fire", "Ann"),
			"Authenticator codes are now on for your Acme Fire account",
			[]string{"Hello Ann,", "asks for a code from your", "If you didn't turn this on, contact Acme Fire at once."}},
		{"second factor off", mail.SecondFactorOff("Acme Fire", "Ann"),
			"Authenticator codes are now off for your Acme Fire account",
			[]string{"Hello Ann,", "no longer asks for a code", "If you didn't turn this off, contact Acme Fire at once."}},
		{"second factor removed", mail.SecondFactorRemoved("Acme Fire", "Ann"),
			"Acme Fire removed the second factor of your account",
			[]string{"Hello Ann,", "signed it out everywhere", "If you didn't ask for this, contact Acme Fire at once."}},
		{"receipt", mail.Receipt("Acme Fire", "Ann Lee", "R-0042", "£1,250.00"),
			"Receipt R-0042 from Acme Fire",
			[]string{"Hello Ann Lee,", "Receipt: R-0042", "Amount paid: £1,250.00", "payment to Acme Fire"}},
		{"job scheduled", mail.JobScheduled("Acme Fire", "Ann Lee", "J-1042", "Thu 3 Dec 2026, 10:00–12:00", "Sam Reed", "https://portal.test/jobs/abc"),
			"Job J-1042 is scheduled for Thu 3 Dec 2026, 10:00–12:00",
			[]string{"Hello Ann Lee,", "scheduled job J-1042", "When: Thu 3 Dec 2026, 10:00–12:00", "Technician: Sam Reed", "https://portal.test/jobs/abc\n"}},
		{"on the way", mail.OnTheWay("Acme Fire", "Ann Lee", "J-1042", "Alpha\nHouse", "Sam", "Thu 3 Dec 2026, 10:30", "https://portal.test/jobs/abc"),
			"Sam is on the way for job J-1042",
			[]string{"Hello Ann Lee,", "Sam from Acme Fire is on the way to Alpha House for job J-1042.", "Expected arrival: Thu 3 Dec 2026, 10:30", "https://portal.test/jobs/abc\n"}},
		{"quote sent", mail.QuoteSent("Acme Fire", "Ann Lee", "Q-1001", "Alpha House", "£1,200.00", "31 Dec 2026", "https://portal.test/quotes/q1", true),
			"Quote Q-1001 from Acme Fire",
			[]string{"Hello Ann Lee,", "priced quote Q-1001 for Alpha House", "Total including tax: £1,200.00",
				"Valid until: 31 Dec 2026", "https://portal.test/quotes/q1\n"}},
		{"quote answered", mail.QuoteAnswered("Acme Fire", "Ann Lee", "accepted", "Q-1001", "Alpha House", "1 December 2026 at 10:00", "https://portal.test/console/quotes/q1"),
			"Quote Q-1001 accepted by Ann Lee",
			[]string{"Ann Lee has accepted quote Q-1001 for Alpha House", `typed name "Ann Lee" on 1 December 2026 at 10:00`,
				"https://portal.test/console/quotes/q1\n"}},
		{"invoice issued", mail.InvoiceIssued("Acme Fire", "Ann Lee", "INV-1001", "Alpha House", "£1,200.00", "31 December 2026", "https://portal.test/invoices/i1"),
			"Invoice INV-1001 from Acme Fire",
			[]string{"Hello Ann Lee,", "issued invoice INV-1001 for Alpha House.", "Total including tax: £1,200.00",
				"Due by: 31 December 2026", "https://portal.test/invoices/i1\n"}},
		{"issue answered", mail.IssueAnswered("Acme Fire", "Ann Lee", "I-1001", "Door\nsticks", "https://portal.test/issues/abc"),
			"Acme Fire answered your issue I-1001",
			[]string{"Hello Ann Lee,", "comment to issue I-1001: Door sticks.", "https://portal.test/issues/abc\n"}},
		{"autopay cancelled", mail.AutopayCancelled("Acme Fire", "Ann Lee", "Monthly maintenance", "Alpha House", "£120.00"),
			"Automatic payment cancelled for Monthly maintenance",
			[]string{"Hello Ann Lee,", `recurring invoice "Monthly maintenance" at Alpha House`, "invoices of £120.00"}},
		{"autopay failed", mail.AutopayFailed("Acme Fire", "Ann Lee", "INV-1001", "Monthly maintenance", "£120.00", "Your card was declined."),
			"Automatic payment of invoice INV-1001 failed",
			[]string{"Hello Ann Lee,", "payment of £120.00 for invoice INV-1001", "Reason: Your card was declined.", "still unpaid"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.m.Subject != tc.subject {
				t.Errorf("subject %q, want %q", tc.m.Subject, tc.subject)
			}
			for _, s := range tc.has {
				if !strings.Contains(tc.m.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, tc.m.Text)
				}
			}
			if strings.HasPrefix(tc.m.Text, "\n") || strings.Contains(tc.m.Text, "<no value>") || tc.m.To != "" || tc.m.HTML != "" {
				t.Errorf("bad message: %+v", tc.m)
			}
			if !strings.HasSuffix(tc.m.Text, "Acme Fire\n") {
				t.Errorf("text should be signed by the organisation:\n%s", tc.m.Text)
			}
		})
	}
}

func TestTemplatesFlattenUserInput(t *testing.T) {
	// A name or an organisation's name with line breaks must not add
	// lines to the mail or headers to its subject.
	m := mail.Invite("Evil\r\nBcc: victim@example.test", "Ann\n\nClick http://evil.test", "https://portal.test/i/1", time.Now())
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Errorf("subject has a line break: %q", m.Subject)
	}
	if !strings.Contains(m.Subject, "Evil Bcc: victim@example.test") {
		t.Errorf("subject %q", m.Subject)
	}
	if !strings.Contains(m.Text, "Hello Ann Click http://evil.test,") {
		t.Errorf("name not kept on one line:\n%s", m.Text)
	}
	// The new address of an email change too (review: it was the one
	// field written as given; ValidEmail lets U+2028 and \v through).
	for _, m := range []mail.Message{
		mail.EmailChange("Acme", "Ann", "ann@new.test\u2028\vClick http://evil.test", "https://x.test/email/1", time.Now()),
		mail.EmailChanged("Acme", "Ann", "ann@new.test\u2028\vClick http://evil.test"),
		mail.EmailChangeRequested("Acme", "Ann", "ann@new.test\u2028\vClick http://evil.test"),
	} {
		if !strings.Contains(m.Text, "ann@new.test Click http://evil.test") {
			t.Errorf("address not kept on one line:\n%s", m.Text)
		}
	}
	if m := mail.PasswordReset("Acme", "", "https://x.test"); !strings.HasPrefix(m.Text, "Hello there,") {
		t.Errorf("empty name: %q", m.Text)
	}
}

func TestOutbox(t *testing.T) {
	m := mail.Receipt("Acme", "Ann", "R-1", "£5.00")
	m.To = "ann@example.test"
	o := mail.Outbox("org1", "receipt", m)
	if o.OrgID != "org1" || o.Kind != mail.Kind || o.Topic != "receipt" || o.Recipient != m.To || o.Subject != m.Subject || o.Payload != m.Text {
		t.Errorf("outbox row %+v from %+v", o, m)
	}
}

// TestInvitePromisesOnlyWhatThePortalOffers keeps the invitation to what
// a new user finds: job sites and the work done there. Quotes, invoices
// and documents have no pages yet; name them here when their pages land.
func TestInvitePromisesOnlyWhatThePortalOffers(t *testing.T) {
	m := mail.Invite("Acme Fire", "Ann Lee", "https://portal.test/invite/abc", time.Now())
	for _, word := range []string{"quotes", "invoices", "documents", "raise requests", "pay"} {
		if strings.Contains(strings.ToLower(m.Text), word) {
			t.Errorf("the invitation promises %q, which the portal does not offer yet:\n%s", word, m.Text)
		}
	}
}
