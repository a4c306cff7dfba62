package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// The issues list (portal /issues, its CSV, the console's queue and the
// API's sync): one query for the pages and the stream, so a CSV holds
// exactly the rows of the pages.

// issuePriorityRank ranks an issue's priority, urgent highest. It is the
// expression of the priority indexes (migration 00111), written the same
// so that both planners read the list from them.
const issuePriorityRank = "(CASE i.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'normal' THEN 2 ELSE 1 END)"

// priorityRank is issuePriorityRank in Go, for the cursor.
func priorityRank(p fieldportal.IssuePriority) int64 {
	switch p {
	case fieldportal.PriorityUrgent:
		return 4
	case fieldportal.PriorityHigh:
		return 3
	case fieldportal.PriorityNormal:
		return 2
	}
	return 1
}

// issueOrder is the ORDER BY of a list's sort, and the cursor of a row.
type issueOrder struct {
	by  string
	key func(*fieldportal.Issue) string
}

// issueListQuery is the issues list of f for v: the scope, the filters,
// the keyset after f.After, and the order, without a LIMIT. few is
// reachesFewSites' answer.
func issueListQuery(d Dialect, v fieldportal.Viewer, f fieldportal.IssueFilter, few bool) (string, []any, issueOrder, error) {
	var q query
	q.scopeSite(v, "i", "i.site_id")
	if few {
		// A contact of a few sites reads their issues through the site
		// index and sorts them, instead of walking the organisation's
		// issues in list order until a page of its own is found. The
		// condition repeats the scope: it changes the plan, not the rows.
		q.onlyReachableSites("i.site_id")
	}
	// By number or title, through their text index (search_later.go).
	q.searchIndexed(d, f.Search, "i", issueText)
	if f.SiteID != "" {
		q.and("i.site_id = " + q.arg(f.SiteID))
	}
	if f.Status != "" {
		q.and("i.status = " + q.arg(f.Status))
	}
	if f.ExternalID != "" {
		q.and("i.external_id = " + q.arg(f.ExternalID))
	}
	var o issueOrder
	var err error
	switch {
	case !f.UpdatedSince.IsZero():
		q.updatedSince("i.updated_at", f.UpdatedSince, f.Page.After)
		o = issueOrder{"i.updated_at, i.id", func(x *fieldportal.Issue) string { return cursor(x.UpdatedAt, x.ID) }}
		err = q.keyset(f.After, false, "i.updated_at", "i.id")
	case f.Sort == fieldportal.IssueSortOldest:
		o = issueOrder{"i.updated_at, i.id", func(x *fieldportal.Issue) string { return cursor(x.UpdatedAt, x.ID) }}
		err = q.keyset(f.After, false, "i.updated_at", "i.id")
	case f.Sort == fieldportal.IssueSortNewest:
		o = issueOrder{"i.id DESC", func(x *fieldportal.Issue) string { return cursor(x.ID) }}
		err = q.keyset(f.After, true, "i.id")
	case f.Sort == fieldportal.IssueSortPriority:
		o = issueOrder{issuePriorityRank + " DESC, i.updated_at DESC, i.id DESC", func(x *fieldportal.Issue) string {
			return cursor(priorityRank(x.Priority), x.UpdatedAt, x.ID)
		}}
		err = q.keyset(f.After, true, issuePriorityRank, "i.updated_at", "i.id")
	default:
		o = issueOrder{"i.updated_at DESC, i.id DESC", func(x *fieldportal.Issue) string { return cursor(x.UpdatedAt, x.ID) }}
		err = q.keyset(f.After, true, "i.updated_at", "i.id")
	}
	if err != nil {
		return "", nil, o, err
	}
	return q.sql(`SELECT `+issueColumns+issueFrom, "ORDER BY "+o.by), q.args, o, nil
}

// FindIssues lists the issues the viewer can reach in f's order (most
// recently updated first by default), or by (updated_at, id) when
// UpdatedSince is set, for API sync.
func (d *DB) FindIssues(ctx context.Context, v fieldportal.Viewer, f fieldportal.IssueFilter) ([]*fieldportal.Issue, string, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return nil, "", err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	text, args, o, err := issueListQuery(d.dialect, v, f, few)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.planned(searching(f.Search)).QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanIssue)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, o.key)
	return list, next, nil
}

// EachIssue calls fn with every issue FindIssues would list for f, across
// all its pages and in the same order, reading a chunk at a time so that
// a CSV of any size streams in constant memory. f.Page is ignored. An
// error from fn stops the walk and is returned as it is.
func (d *DB) EachIssue(ctx context.Context, v fieldportal.Viewer, f fieldportal.IssueFilter, fn func(*fieldportal.Issue) error) error {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	var key func(*fieldportal.Issue) string
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		text, args, o, err := issueListQuery(d.dialect, v, f, few)
		key = o.key
		return text, args, err
	}, scanIssue, func(x *fieldportal.Issue) string { return key(x) }, fn)
}
