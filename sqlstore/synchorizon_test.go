package sqlstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestSyncHorizonWaitsForAnOpenTransaction races two transactions on
// PostgreSQL: a site whose transaction started first commits after a
// sync has read a later change. The horizon the sync read while it was
// open is at or before the site's updated_at, so a sync that stops at the
// horizon reads the site next time instead of skipping it.
func TestSyncHorizonWaitsForAnOpenTransaction(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	ctx := context.Background()
	w := newMoneyWorld(t, db)

	before := time.Now()
	idle, err := db.SyncHorizon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if idle.Before(before.Add(-time.Second)) {
		t.Errorf("with nothing open the horizon is %s, before now (%s)", idle, before)
	}

	held, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	sqlstore.SetBeforeRecount(db, func() { once.Do(func() { close(held); <-release }) })
	t.Cleanup(func() { sqlstore.SetBeforeRecount(db, nil) })
	late := &fieldportal.Site{CustomerID: w.child.ID, Name: "Late", Address: fieldportal.Address{Line1: "1 Late Lane"}}
	errs := make(chan error, 1)
	go func() { errs <- db.CreateSite(ctx, w.staff, late) }()
	<-held // the site is written, its commit not yet done

	// Meanwhile a later change commits.
	time.Sleep(20 * time.Millisecond)
	early := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Committed first"})
	horizon, err := db.SyncHorizon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	close(release)
	if err := <-errs; err != nil {
		t.Fatal(err)
	}
	if !horizon.Before(early.UpdatedAt) {
		t.Errorf("horizon %s is not before the later change (%s): the open transaction did not hold it back", horizon, early.UpdatedAt)
	}
	if late.UpdatedAt.Before(horizon) {
		t.Errorf("the late site's updated_at %s is before the horizon %s read while it was open: a sync would skip it", late.UpdatedAt, horizon)
	}
	after, err := db.SyncHorizon(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !after.After(late.UpdatedAt) {
		t.Errorf("once committed, the horizon %s is still not after the site (%s)", after, late.UpdatedAt)
	}
}
