package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// MustClaimOne queues one mail and has worker claim it.
func MustClaimOne(tb testing.TB, db *sqlstore.DB, orgID, worker string, lease time.Duration) *fieldportal.OutboxMessage {
	tb.Helper()
	ctx := context.Background()
	if err := db.Enqueue(ctx, &fieldportal.OutboxMessage{OrgID: orgID, Kind: "mail", Topic: "t", Recipient: "a@b.test", Subject: "S", Payload: "x"}); err != nil {
		tb.Fatal(err)
	}
	got, err := db.ClaimOutbox(ctx, "mail", worker, 1, lease)
	if err != nil || len(got) != 1 {
		tb.Fatalf("claim: %v, %d messages", err, len(got))
	}
	return got[0]
}

// MustStatus returns the status of an outbox message.
func MustStatus(tb testing.TB, db *sqlstore.DB, orgID, id string) string {
	tb.Helper()
	list, _, err := db.FindOutbox(context.Background(), fieldportal.SystemViewer(orgID, "test"), fieldportal.OutboxFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	for _, m := range list {
		if m.ID == id {
			return m.Status
		}
	}
	tb.Fatalf("outbox message %s not found", id)
	return ""
}

// A mark by a worker that no longer holds the claim is refused with a
// conflict, never a silent no-op: the worker must learn that another may
// send the message too.
func TestOutboxMarkNeedsTheClaim(t *testing.T) {
	ctx := context.Background()
	marks := []struct {
		name string
		mark func(db *sqlstore.DB, id, worker string) error
	}{
		{"sent", func(db *sqlstore.DB, id, worker string) error { return db.MarkOutboxSent(ctx, id, worker) }},
		{"retry", func(db *sqlstore.DB, id, worker string) error {
			return db.MarkOutboxRetry(ctx, id, worker, "down", db.Now(), false)
		}},
	}
	for _, mk := range marks {
		t.Run(mk.name, func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
				db.Now = clk.Now
				org := MustOrg(t, db, "Mail")
				// Each case has the only message in play: the others are
				// sent by then, so no claim of theirs gets in the way.
				done := func(t *testing.T, id, worker string) {
					t.Helper()
					if err := db.MarkOutboxSent(ctx, id, worker); err != nil {
						t.Fatalf("the holder's mark: %v", err)
					}
				}
				t.Run("by a worker that never held it", func(t *testing.T) {
					m := MustClaimOne(t, db, org.ID, "worker-a", time.Minute)
					if err := mk.mark(db, m.ID, "worker-b"); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
						t.Errorf("err = %v, want a conflict", err)
					}
					if got := MustStatus(t, db, org.ID, m.ID); got != fieldportal.OutboxPending {
						t.Errorf("status %s, want pending", got)
					}
					done(t, m.ID, "worker-a")
				})
				t.Run("after another worker took the expired claim", func(t *testing.T) {
					m := MustClaimOne(t, db, org.ID, "worker-a", time.Minute)
					clk.now = clk.now.Add(2 * time.Minute)
					if got, err := db.ClaimOutbox(ctx, "mail", "worker-b", 10, time.Minute); err != nil || len(got) != 1 {
						t.Fatalf("take over: %v, %d messages", err, len(got))
					}
					if err := mk.mark(db, m.ID, "worker-a"); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
						t.Errorf("err = %v, want a conflict", err)
					}
					done(t, m.ID, "worker-b")
				})
				t.Run("of a message already sent", func(t *testing.T) {
					m := MustClaimOne(t, db, org.ID, "worker-a", time.Minute)
					done(t, m.ID, "worker-a")
					if err := mk.mark(db, m.ID, "worker-a"); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
						t.Errorf("err = %v, want a conflict", err)
					}
					if got := MustStatus(t, db, org.ID, m.ID); got != fieldportal.OutboxSent {
						t.Errorf("status %s, want it to stay sent", got)
					}
				})
				t.Run("an expired claim nobody took", func(t *testing.T) {
					m := MustClaimOne(t, db, org.ID, "worker-a", time.Minute)
					clk.now = clk.now.Add(2 * time.Minute)
					if err := mk.mark(db, m.ID, "worker-a"); err != nil {
						t.Errorf("mark: %v; the claim lapsed but nobody else holds it", err)
					}
				})
			})
		})
	}
}

// Releasing a worker's claims frees its pending messages of the kind for
// anyone, now, and nothing else.
func TestOutboxReleaseClaims(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clk := &clock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
		db.Now = clk.Now
		org := MustOrg(t, db, "Mail")
		enqueue := func(kind, subject string) string {
			t.Helper()
			m := &fieldportal.OutboxMessage{OrgID: org.ID, Kind: kind, Topic: "t", Recipient: "a@b.test", Subject: subject, Payload: "x"}
			if err := db.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		claim := func(kind, worker string, want int) []*fieldportal.OutboxMessage {
			t.Helper()
			got, err := db.ClaimOutbox(ctx, kind, worker, 10, time.Minute)
			if err != nil || len(got) != want {
				t.Fatalf("%s claims %s: %v, %d messages, want %d", worker, kind, err, len(got), want)
			}
			return got
		}
		sent := enqueue("mail", "sent")
		claim("mail", "worker-a", 1)
		if err := db.MarkOutboxSent(ctx, sent, "worker-a"); err != nil {
			t.Fatal(err)
		}
		others := enqueue("mail", "worker-b's")
		claim("mail", "worker-b", 1)
		enqueue("webhook", "worker-a's webhook")
		claim("webhook", "worker-a", 1)
		mine := []string{enqueue("mail", "a1"), enqueue("mail", "a2")}
		claim("mail", "worker-a", 2)

		n, err := db.ReleaseOutboxClaims(ctx, "mail", "worker-a")
		if err != nil || n != 2 {
			t.Fatalf("released %d, %v; want 2", n, err)
		}
		var got []string
		for _, m := range claim("mail", "worker-c", 2) {
			got = append(got, m.ID)
		}
		if diff := cmp.Diff(mine, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("claimable after the release (-want +got):\n%s", diff)
		}
		claim("webhook", "worker-c", 0)
		if err := db.MarkOutboxSent(ctx, others, "worker-b"); err != nil {
			t.Errorf("worker-b lost its claim: %v", err)
		}
		if got := MustStatus(t, db, org.ID, sent); got != fieldportal.OutboxSent {
			t.Errorf("the sent message is %s", got)
		}
		if n, err := db.ReleaseOutboxClaims(ctx, "mail", "worker-a"); err != nil || n != 0 {
			t.Errorf("a second release freed %d, %v; want 0", n, err)
		}
	})
}
