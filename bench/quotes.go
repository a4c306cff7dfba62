package bench

import (
	"context"
	"fmt"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The stages of the portal's quote tabs (portal/quotes.go).
var (
	outstandingQuotes = []fieldportal.QuoteStage{fieldportal.QuoteRequested, fieldportal.QuoteOutstanding}
	actionedQuotes    = []fieldportal.QuoteStage{fieldportal.QuoteApproved, fieldportal.QuoteDeclined, fieldportal.QuoteExpired}
)

// discoverQuotes picks the parent's quote for the quote entries: the last
// of a few pages into its Outstanding tab (as a search by number finds
// few rows, the store cannot stop after a page of early matches). With
// no quote at all the entries would measure a 404, so that is an error.
func discoverQuotes(ctx context.Context, svc server.Services, parent fieldportal.Viewer, ids *IDs) error {
	f := fieldportal.QuoteFilter{Stages: outstandingQuotes}
	var last *fieldportal.Quote
	for range 4 {
		list, next, err := svc.Work.FindQuotes(ctx, parent, f)
		if err != nil {
			return fmt.Errorf("page through the parent's quotes: %w", err)
		}
		if len(list) > 0 {
			last = list[len(list)-1]
		}
		if next == "" {
			break
		}
		f.After = next
	}
	if last == nil {
		return fmt.Errorf("the parent persona has no outstanding quote")
	}
	ids.Quote, ids.QuoteSearch = last.ID, last.Number
	return nil
}
