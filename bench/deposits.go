package bench

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// Deposits (issue 22): the page a quote contact accepts a quote with a
// deposit from, which reads the quote, its deposits and its attachments.

// discoverDepositQuote finds a quote of the parent persona that asks for
// a deposit, outstanding if it can (the page with the accept form), else
// answered (the page with the deposit received).
func discoverDepositQuote(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	if err := findDepositQuote(ctx, svc, v, ids, []fieldportal.QuoteStage{fieldportal.QuoteOutstanding}); err == nil {
		return nil
	}
	return findDepositQuote(ctx, svc, v, ids, nil)
}

func findDepositQuote(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs, stages []fieldportal.QuoteStage) error {
	f := fieldportal.QuoteFilter{Stages: stages}
	for range 20 {
		list, next, err := svc.Work.FindQuotes(ctx, v, f)
		if err != nil {
			return fmt.Errorf("find the parent's outstanding quotes: %w", err)
		}
		for _, x := range list {
			if x.Deposit() > 0 {
				ids.DepositQuote = x.ID
				return nil
			}
		}
		if next == "" {
			break
		}
		f.After = next
	}
	return errors.New("the parent persona reaches no outstanding quote with a deposit (generate the data again)")
}

func depositEntries() []Entry {
	return []Entry{
		{Name: "quote with deposit", Persona: Parent, Path: func(ids *IDs) string { return "/quotes/" + url.PathEscape(ids.DepositQuote) },
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				if _, err := s.Work.FindQuoteByID(ctx, v, ids.DepositQuote); err != nil {
					return err
				}
				if _, err := s.Money.FindDeposits(ctx, v, fieldportal.DepositFilter{QuoteID: ids.DepositQuote}); err != nil {
					return err
				}
				_, _, err := s.Equipment.FindDocuments(ctx, v, fieldportal.DocumentFilter{QuoteID: ids.DepositQuote, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
				return err
			}},
	}
}

func init() { Entries = append(Entries, depositEntries()...) }
