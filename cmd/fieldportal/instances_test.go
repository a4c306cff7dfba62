package main

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/mail/smtptest"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestMailSentOnceByThreeInstances runs three `fieldportal serve`
// instances on one PostgreSQL database, each with its mail worker under
// its own --mail-worker-id (issue 15, point 7), and checks that every
// mail queued once is delivered once. The mails are queued before the
// instances start, and the test SMTP server is slowed a little, so that
// the three workers claim from one outbox at the same time.
func TestMailSentOnceByThreeInstances(t *testing.T) {
	const n = 60
	dsn := sqltest.MustPostgresDatabase(t)
	db := sqltest.MustOpenURL(t, dsn)
	ctx := context.Background()
	org := &fieldportal.Organisation{Name: "Acme Fire & Security"}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	queued := map[string]string{} // outbox id -> recipient
	for i := range n {
		m := mail.Outbox(org.ID, "test", mail.Message{To: fmt.Sprintf("user%d@example.test", i),
			Subject: fmt.Sprintf("Message %d", i), Text: "Hello.\n"})
		if err := db.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
		queued[m.ID] = m.Recipient
	}
	srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{Delay: map[smtptest.Phase]time.Duration{smtptest.PhaseData: 10 * time.Millisecond}}))
	env := map[string]string{"FIELDPORTAL_DATABASE_URL": dsn, "FIELDPORTAL_SMTP_HOST": srv.Host(),
		"FIELDPORTAL_SMTP_PORT": strconv.Itoa(srv.Port()), "FIELDPORTAL_SMTP_TLS": "none",
		"FIELDPORTAL_SMTP_FROM": "Acme Portal <portal@acme.test>"}
	var instances []*running
	for i := range 3 {
		instances = append(instances, start(t, env, "serve", "--addr", "127.0.0.1:0", "--mail-worker-id", fmt.Sprintf("web-%d", i+1)))
	}
	for _, r := range instances {
		r.url(t)
	}
	got := srv.WaitFor(t, n, 60*time.Second)
	// Wait until every row is marked sent, then give a stray second
	// delivery a moment to arrive before counting.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var pending int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE status <> 'sent'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d rows not marked sent", pending, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(200 * time.Millisecond)
	for _, r := range instances {
		if code := r.stop(t); code != 0 {
			t.Errorf("an instance stopped with %d:\n%s", code, r.stderr)
		}
	}
	got = srv.Messages()

	t.Run("each message once", func(t *testing.T) {
		byID, byRecipient := map[string]int{}, map[string]int{}
		for _, m := range got {
			byID[m.Header.Get("Message-Id")]++
			for _, to := range m.To {
				byRecipient[to]++
			}
		}
		if len(got) != n {
			t.Errorf("the server got %d messages for %d queued", len(got), n)
		}
		for id, to := range queued {
			if c := byRecipient[to]; c != 1 {
				t.Errorf("%s got %d messages, want 1", to, c)
			}
			if c := byID[fmt.Sprintf("<%s@acme.test>", id)]; c != 1 {
				t.Errorf("message %s delivered %d times, want 1", id, c)
			}
		}
	})
	t.Run("the workers shared the outbox", func(t *testing.T) {
		rows, err := db.SQL().QueryContext(ctx, `SELECT claimed_by, count(*) FROM outbox GROUP BY claimed_by ORDER BY claimed_by`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		sent := map[string]int{}
		for rows.Next() {
			var w string
			var c int
			if err := rows.Scan(&w, &c); err != nil {
				t.Fatal(err)
			}
			sent[w] = c
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		t.Logf("messages sent by each worker: %v", sent)
		for w := range sent {
			if w != "web-1" && w != "web-2" && w != "web-3" {
				t.Errorf("a message was sent by %q, no instance's worker", w)
			}
		}
		// All three start together and a slowed send leaves each time
		// to claim; a worker that started late may find nothing left,
		// so two is what can be relied on.
		if len(sent) < 2 {
			t.Errorf("only %v sent: the workers did not run at once", sent)
		}
	})
}
