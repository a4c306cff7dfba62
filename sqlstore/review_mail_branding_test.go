package sqlstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Regression tests for the review of issue 20's branding (branch
// i20-branding): the name shown to customers replaces the organisation's
// name in a mail's words, never inside a link (a host, a token) or an
// address, and it is one line.
func TestMailBrandingReview(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "brightwater")
		sys := fieldportal.SystemViewer(org.ID, "test")
		st, err := db.FindSettings(ctx, org.ID)
		if err != nil {
			t.Fatal(err)
		}
		st.Branding.DisplayName = "Brightwater Fire & Security"
		if err := db.UpdateSettings(ctx, sys, st); err != nil {
			t.Fatal(err)
		}
		queued := func(topic string, m mail.Message) *fieldportal.OutboxMessage {
			t.Helper()
			m.To = "pat@example.test"
			if err := db.Enqueue(ctx, mail.Outbox(org.ID, topic, m)); err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindOutbox(ctx, sys, fieldportal.OutboxFilter{})
			if err != nil {
				t.Fatal(err)
			}
			for _, got := range list {
				if got.Topic == topic {
					return got
				}
			}
			t.Fatalf("no %s mail queued", topic)
			return nil
		}

		t.Run("links and addresses keep the organisation's name", func(t *testing.T) {
			link := "https://brightwater.example/setup/Zk3_brightwater-9Qx"
			got := queued("invite", mail.Invite(org.Name, "Pat", link, time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)))
			if !strings.Contains(got.Payload, "\n"+link+"\n") {
				t.Errorf("the invitation's link was changed:\n%s", got.Payload)
			}
			if !strings.Contains(got.Payload, "Brightwater Fire & Security has invited you") {
				t.Errorf("the name shown is not used in the words:\n%s", got.Payload)
			}
			got = queued("email_change", mail.EmailChange(org.Name, "Pat", "pat@brightwater.example", "https://x.test/email/t", time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)))
			if !strings.Contains(got.Payload, "pat@brightwater.example") {
				t.Errorf("the address in the mail was changed:\n%s", got.Payload)
			}
		})
		t.Run("a name shown of more than one line is refused", func(t *testing.T) {
			st, err := db.FindSettings(ctx, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.Branding.DisplayName = "Brightwater\r\nBcc: someone@evil.example"
			err = db.UpdateSettings(ctx, sys, st)
			var fe *fieldportal.Error
			if !errors.As(err, &fe) || !slices.ContainsFunc(fe.Fields, func(f fieldportal.FieldError) bool { return f.Field == "branding.display_name" }) {
				t.Errorf("UpdateSettings = %v, want a message naming branding.display_name", err)
			}
		})
		t.Run("a name saved before the check adds no line to a mail", func(t *testing.T) {
			st, err := db.FindSettings(ctx, org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.Branding.DisplayName = "Brightwater\r\nBcc: someone@evil.example"
			data, err := json.Marshal(st)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().ExecContext(ctx, `UPDATE organisation_settings SET data = $2 WHERE org_id = $1`, org.ID, string(data)); err != nil {
				t.Fatal(err)
			}
			got := queued("receipt", mail.Receipt(org.Name, "Pat", "R-9", "GBP 10.00"))
			if strings.ContainsAny(got.Subject, "\r\n") || strings.Contains(got.Payload, "\nBcc:") || strings.Contains(got.Payload, "\r") {
				t.Errorf("the name's line break reached the mail:\n%q\n%q", got.Subject, got.Payload)
			}
			if !strings.Contains(got.Subject, "Brightwater Bcc: someone@evil.example") {
				t.Errorf("subject %q lacks the name on one line", got.Subject)
			}
		})
	})
}
