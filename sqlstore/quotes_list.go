package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// quoteListQuery is the query of the quotes list, shared by FindQuotes
// (which adds a page's LIMIT) and EachQuote (which reads it all in
// chunks), so that a CSV holds exactly the rows of the pages: the
// viewer's scope, f's filters, the keyset after f.After and the order.
// Newest first by id, which is creation order; by (updated_at, id) when
// UpdatedSince is set, for API sync. The indexes: quotes_org and
// quotes_site (org or site, stage, id) for one stage or a few sites,
// quotes_newest (org, id) to walk a tab of several stages newest first.
func quoteListQuery(d Dialect, v fieldportal.Viewer, f fieldportal.QuoteFilter) (string, []any, error) {
	var q query
	q.scopeSite(v, "q", "q.site_id")
	inList(&q, "q.stage", f.Stages)
	q.search(f.Search, "q.number", "q.order_no", "q.description")
	q.searchIndexed(d, f.Number, "q", quoteText)
	if f.SiteID != "" {
		q.and("q.site_id = " + q.arg(f.SiteID))
	}
	if f.CustomerID != "" {
		q.and("q.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ExternalID != "" {
		q.and("q.external_id = " + q.arg(f.ExternalID))
	}
	order := "q.id DESC"
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("q.updated_at", f.UpdatedSince, f.Page.After)
		order = "q.updated_at, q.id"
		if err := q.keyset(f.After, false, "q.updated_at", "q.id"); err != nil {
			return "", nil, err
		}
	} else if err := q.keyset(f.After, true, "q.id"); err != nil {
		return "", nil, err
	}
	return q.sql(`SELECT `+quoteColumns+quoteFrom, "ORDER BY "+order), q.args, nil
}

// quoteKey is a listed quote's cursor in the list's order.
func quoteKey(f fieldportal.QuoteFilter) func(*fieldportal.Quote) string {
	return func(x *fieldportal.Quote) string {
		if !f.UpdatedSince.IsZero() {
			return cursor(x.UpdatedAt, x.ID)
		}
		return cursor(x.ID)
	}
}

// EachQuote calls fn with every quote the filters select, in the list's
// order, across all pages (f's cursor and limit are ignored): the CSV
// download. The quotes come without their items and assets, which no
// list row shows; the rows are read a chunk at a time (streamChunks), so
// a slow download holds no database connection.
func (d *DB) EachQuote(ctx context.Context, v fieldportal.Viewer, f fieldportal.QuoteFilter, fn func(*fieldportal.Quote) error) error {
	if err := needModule(v, fieldportal.ModuleQuotes, "quote"); err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		return quoteListQuery(d.dialect, v, f)
	}, scanQuote, quoteKey(f), fn)
}
