package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/webhook"
)

// TestWebhookSurvivesARestart runs `fieldportal serve`, whose webhook
// worker tries an event against a receiver that is down; the instance is
// stopped during the back-off and a new one started: the event, kept in
// the outbox, reaches the receiver, signed, once it is due.
func TestWebhookSurvivesARestart(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "fp.db")
	db := sqltest.MustOpenURL(t, dsn)
	ctx := context.Background()
	org := &fieldportal.Organisation{Name: "Acme Fire & Security"}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var up bool
	var posts []error // each POST's signature check
	var secret string
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		posts = append(posts, webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, time.Now(), 5*time.Minute))
		if !up {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer recv.Close()
	db.WebhookURLs = fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true}
	e, err := db.CreateWebhookEndpoint(ctx, fieldportal.SystemViewer(org.ID, "test"), fieldportal.WebhookEndpointInput{URL: recv.URL, Events: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = e.Secret
	mu.Unlock()
	m := &fieldportal.OutboxMessage{OrgID: org.ID, Kind: webhook.Kind, Topic: "issue.created", EndpointID: e.ID,
		Payload: `{"id":"evt-restart","type":"issue.created","source":"portal","data":{}}`}
	if err := db.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(posts) }
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
		}
	}
	env := map[string]string{"FIELDPORTAL_DATABASE_URL": dsn, "FIELDPORTAL_WEBHOOK_ALLOW_HTTP": "true", "FIELDPORTAL_WEBHOOK_ALLOW_PRIVATE": "true"}

	first := start(t, env, "serve", "--addr", "127.0.0.1:0")
	first.url(t)
	waitFor("the first attempt", func() bool { return count() == 1 })
	if code := first.stop(t); code != 0 {
		t.Fatalf("the first instance stopped with %d:\n%s", code, first.stderr)
	}
	status := func() (s string, attempts int) {
		t.Helper()
		if err := db.SQL().QueryRowContext(ctx, `SELECT status, attempts FROM outbox WHERE id = $1`, m.ID).Scan(&s, &attempts); err != nil {
			t.Fatal(err)
		}
		return s, attempts
	}
	if s, n := status(); s != fieldportal.OutboxPending || n != 1 {
		t.Fatalf("after the failed attempt the event is %s after %d attempts, want pending after 1", s, n)
	}
	mu.Lock()
	up = true
	mu.Unlock()
	// The back-off has run out meanwhile (without waiting its 15-30 s).
	if _, err := db.SQL().ExecContext(ctx, `UPDATE outbox SET next_attempt_at = $2 WHERE id = $1`, m.ID, time.Now().UTC().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	second := start(t, env, "serve", "--addr", "127.0.0.1:0")
	second.url(t)
	waitFor("the event to be delivered", func() bool { s, _ := status(); return s == fieldportal.OutboxSent })
	if code := second.stop(t); code != 0 {
		t.Errorf("the second instance stopped with %d:\n%s", code, second.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 2 || posts[0] != nil || posts[1] != nil {
		t.Errorf("the receiver's signature checks: %v, want two good ones", posts)
	}
}
