package main

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestRunBlobSweep: the worker loop deletes a deleted document's bytes
// from a disk store on its first pass once the grace period is over,
// logs what it removed, and returns when ctx ends.
func TestRunBlobSweep(t *testing.T) {
	ctx := context.Background()
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	disk, err := blob.NewDisk(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	db.SetFileStore(disk)
	org := &fieldportal.Organisation{Name: "Acme"}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	sys := fieldportal.SystemViewer(org.ID, "test")
	c := &fieldportal.Customer{Name: "Customer"}
	if err := db.CreateCustomer(ctx, sys, c); err != nil {
		t.Fatal(err)
	}
	docs, err := db.AttachFiles(ctx, sys, "customer", c.ID, []fieldportal.Upload{{Name: "contract.txt", ContentType: "text/plain", Data: []byte("contract")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteDocument(ctx, sys, docs[0].ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(sqlstore.BlobGrace + time.Hour)
	db.Now = func() time.Time { return later }
	var logs syncBuffer
	run, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		runBlobSweep(run, db, time.Hour, slog.New(slog.NewTextHandler(&logs, nil)))
		close(done)
	}()
	// The pass is over when it logs what it removed: the bytes go before
	// the candidate's transaction commits, and a context ended between
	// the two would roll it back (and the pass would log nothing).
	deadline := time.Now().Add(60 * time.Second) // for a loaded machine
	for !strings.Contains(logs.String(), "deleted=1") {
		if time.Now().After(deadline) {
			t.Fatalf("no pass logged a deletion after 60s; the log:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(stopWait):
		t.Fatal("the worker did not stop with its context")
	}
	if _, err := disk.Open(ctx, org.ID, docs[0].StorageKey); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("the deleted document's bytes after the pass: %v, want blob.ErrNotFound", err)
	}
	if got := logs.String(); !strings.Contains(got, "file sweep") {
		t.Errorf("the run's log:\n%s", got)
	}
}
