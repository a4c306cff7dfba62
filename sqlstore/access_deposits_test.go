package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of deposits (issue 22): a quote contact that
// reaches a quote asking for a deposit starts its checkout (staff accept
// for the customer without paying, so they have no checkout to start);
// the deposits of a quote, or of its job, are seen by whoever reaches it.
func (w *writeWorld) depositRows() []writeRow {
	ctx, db := w.ctx, w.db
	quoteAt := func(t *testing.T, target string) string {
		x := &fieldportal.Quote{SiteID: w.siteID(target), Stage: fieldportal.QuoteOutstanding, TotalExTax: 10000, TotalIncTax: 10000,
			DepositKind: fieldportal.DepositPercent, DepositValue: 20}
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateQuote(ctx, v, x) })
		return x.ID
	}
	sharedQuote := once(func(t *testing.T, target string) string { return quoteAt(t, target) })
	jobAt := once(func(t *testing.T, target string) string {
		j := &fieldportal.Job{SiteID: w.siteID(target), QuoteID: sharedQuote(t, target), Kind: fieldportal.JobService,
			Stage: fieldportal.StagePending, Description: "Job " + w.next()}
		if target == ghost {
			return w.ghostID
		}
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		return j.ID
	})
	return []writeRow{
		{
			name: "StartDepositCheckout", covers: []string{"MoneyService.StartDepositCheckout"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.StartDepositCheckout(ctx, v, fieldportal.StartDeposit{QuoteID: quoteAt(t, target),
					Provider: fieldportal.ProviderTestMode, Decision: fieldportal.QuoteDecision{SignerName: "Pat Signer"}}))
			},
			want: func(kind, target string) outcome {
				if a := actors[kind]; a.contact && a.pages && atSite(a, target) {
					return succeeds
				}
				return notFound
			},
		},
		{
			name: "FindDeposits of a quote", covers: []string{"MoneyService.FindDeposits"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.FindDeposits(ctx, v, fieldportal.DepositFilter{QuoteID: sharedQuote(t, target)}))
			},
			want: inModule(atSite),
		},
		{
			name: "FindDeposits of a job", covers: []string{"MoneyService.FindDeposits"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.FindDeposits(ctx, v, fieldportal.DepositFilter{JobID: jobAt(t, target)}))
			},
			want: inModule(atSite),
		},
	}
}
