package main

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestRunRecurring: the worker loop raises a due recurring invoice on its
// first pass, without payments wired, and returns when ctx ends.
func TestRunRecurring(t *testing.T) {
	ctx := context.Background()
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	org := &fieldportal.Organisation{Name: "Acme"}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	sys := fieldportal.SystemViewer(org.ID, "test")
	c := &fieldportal.Customer{Name: "Customer"}
	if err := db.CreateCustomer(ctx, sys, c); err != nil {
		t.Fatal(err)
	}
	r := &fieldportal.RecurringInvoice{CustomerID: c.ID, Name: "Plan", TotalIncTax: 1000, Frequency: fieldportal.Monthly,
		NextDueDate: fieldportal.DateOf(time.Now().UTC()), Autopay: true, Active: true}
	if err := db.CreateRecurringInvoice(ctx, sys, r); err != nil {
		t.Fatal(err)
	}
	run, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		runRecurring(run, db, nil, "test", time.Hour, slog.New(slog.NewTextHandler(io.Discard, nil)))
		close(done)
	}()
	deadline := time.Now().Add(60 * time.Second) // for a loaded machine
	for {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM invoices WHERE external_id LIKE $1`, "recurring:"+r.ID+":%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d invoices raised after 60s", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(stopWait):
		t.Fatal("the worker did not stop with its context")
	}
}
