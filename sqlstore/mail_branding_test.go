package sqlstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestMailBranding: a mail queued for a customer names the organisation
// as its settings show it to customers and ends with its support contact;
// a mail to the organisation's own staff carries no support footer; an
// organisation without branding gets its mails as written.
func TestMailBranding(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Brightwater Holdings Ltd")
		sys := fieldportal.SystemViewer(org.ID, "test")
		queue := func(topic string, m mail.Message) *fieldportal.OutboxMessage {
			t.Helper()
			m.To = "pat@example.test"
			if err := db.Enqueue(ctx, mail.Outbox(org.ID, topic, m)); err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindOutbox(ctx, sys, fieldportal.OutboxFilter{})
			if err != nil || len(list) == 0 {
				t.Fatalf("outbox: %v, %d", err, len(list))
			}
			for _, got := range list {
				if got.Topic == topic {
					return got
				}
			}
			t.Fatalf("no %s mail queued", topic)
			return nil
		}

		t.Run("without branding the mail is as written", func(t *testing.T) {
			m := mail.Receipt(org.Name, "Pat", "R-1", "GBP 10.00")
			got := queue("receipt", m)
			if got.Subject != m.Subject || got.Payload != m.Text {
				t.Errorf("mail changed:\n%s\n%s", got.Subject, got.Payload)
			}
		})

		st, err := db.FindSettings(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		st.Branding.DisplayName, st.Branding.SupportPhone, st.Branding.SupportEmail = "Brightwater", "0117 496 0123", "help@brightwater.example"
		if err := db.UpdateSettings(ctx, sys, st); err != nil {
			t.Fatal(err)
		}
		t.Run("a customer's mail carries the name shown and the support contact", func(t *testing.T) {
			got := queue("invoice_issued", mail.InvoiceIssued(org.Name, "Pat", "INV-7", "Brightwater Holdings Ltdx Depot", "GBP 10.00", "1 May 2026", "https://x.test/i"))
			if got.Subject != "Invoice INV-7 from Brightwater" {
				t.Errorf("subject %q", got.Subject)
			}
			if !strings.Contains(got.Payload, "Brightwater has issued invoice INV-7 for Brightwater Holdings Ltdx Depot.") {
				t.Errorf("the mail does not use the name shown to customers:\n%s", got.Payload)
			}
			if !strings.HasSuffix(got.Payload, "\n--\nQuestions? call 0117 496 0123 or email help@brightwater.example.\n") {
				t.Errorf("no support footer:\n%s", got.Payload)
			}
		})
		t.Run("a mail to staff has no support footer", func(t *testing.T) {
			got := queue("webhook_disabled", mail.WebhookDisabled(org.Name, "Admin", "https://hook.test", "failing"))
			if strings.Contains(got.Payload, "Questions?") || !strings.Contains(got.Payload, "Brightwater") {
				t.Errorf("staff mail:\n%s", got.Payload)
			}
		})
	})
}
