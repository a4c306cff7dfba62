package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// recurringInterval is how often an instance looks for recurring invoices
// come due and automatic charges to make. A schedule is due on a date,
// so a few minutes' delay is of no matter; every instance runs the loop,
// and the store makes sure each invoice is raised and charged once.
const recurringInterval = 5 * time.Minute

// runRecurring raises due recurring invoices and makes their automatic
// charges every interval until ctx ends. payments nil (online payment off
// for the install) raises invoices and leaves charges waiting.
func runRecurring(ctx context.Context, db *sqlstore.DB, payments fieldportal.PaymentGateways, worker string, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	gateway := orgGateway(db, payments)
	for {
		run, err := db.RaiseDueRecurring(ctx, db.Now(), worker, gateway)
		if err != nil && ctx.Err() == nil {
			logger.Warn("recurring invoices: pass failed", "err", err)
		} else if run != (sqlstore.RecurringRun{}) {
			logger.Info("recurring invoices", "raised", run.Raised, "charged", run.Charged, "failed", run.Failed, "skipped", run.Skipped)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// orgGateway opens an organisation's chosen provider with its keys.
func orgGateway(db *sqlstore.DB, payments fieldportal.PaymentGateways) sqlstore.OrgGateway {
	if payments == nil {
		return nil
	}
	return func(ctx context.Context, orgID string) (fieldportal.PaymentGateway, error) {
		provider, keys, err := db.PaymentAccount(ctx, orgID)
		if err != nil {
			return nil, err
		}
		if provider == "" {
			return nil, fieldportal.Errorf(fieldportal.EINVALID, "The organisation takes no payments online.")
		}
		return payments(provider, keys)
	}
}
