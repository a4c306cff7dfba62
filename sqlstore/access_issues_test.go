package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// The issue workflow's reads in the access matrix (issue 16): the list in
// every order and its CSV walk, an issue's history and attachments, and
// the sites an issue may be reported at. (The files themselves are read
// in the write matrix, access_issues_write_test.go: a file here would be
// one more for the documents row, which lists every document.) Each is made at every site of the world;
// who sees what follows from reach (rules 1-3) and the Issues page (rule 4).

func (w *world) issueSiteBound(t *testing.T) []siteBound {
	ctx := context.Background()
	db := w.db
	sys := func(orgID string) fieldportal.Viewer { return fieldportal.SystemViewer(orgID, "test") }
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// The issue the issues row made at a site: a new one would be one
	// more for that row, which lists every issue.
	issueAt := func(s *fieldportal.Site) string {
		l, _, err := db.FindIssues(ctx, sys(s.OrgID), fieldportal.IssueFilter{SiteID: s.ID, Search: "fault"})
		fail("find issue", err)
		if len(l) != 1 {
			t.Fatalf("issues at %s: %d, want 1", s.Name, len(l))
		}
		return l[0].ID
	}
	pageIDs := func(l []*fieldportal.Issue) []string {
		return idsOf(l, func(x *fieldportal.Issue) string { return x.ID })
	}
	sorted := func(ctx context.Context, sort fieldportal.IssueSort) listFn {
		return func(v fieldportal.Viewer) ([]string, error) {
			return listAll(func(after string) ([]string, string, error) {
				l, next, err := db.FindIssues(ctx, v, fieldportal.IssueFilter{Page: page2(after), Sort: sort, Search: "fault"})
				return pageIDs(l), next, err
			})
		}
	}
	return []siteBound{
		{
			name: "issues in every order",
			covers: []string{"WorkService.FindIssues", "WorkService.EachIssue", "WorkService.FindIssueHistory",
				"WorkService.FindIssueAttachments"},
			create: issueAt,
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindIssues(ctx, v, fieldportal.IssueFilter{Page: page2(after), Sort: fieldportal.IssueSortPriority, Search: "fault"})
				return pageIDs(l), next, err
			},
			get: func(v fieldportal.Viewer, id string) error {
				h, err := db.FindIssueHistory(ctx, v, id)
				if err == nil && (len(h) != 1 || h[0].Kind != fieldportal.IssueEventReported) {
					return notInList("history of", id)
				}
				return err
			},
			moreLists: map[string]listFn{
				"FindIssues oldest":               sorted(ctx, fieldportal.IssueSortOldest),
				"FindIssues newest":               sorted(ctx, fieldportal.IssueSortNewest),
				"FindIssues updated":              sorted(ctx, fieldportal.IssueSortUpdated),
				"FindIssues priority, many sites": sorted(sqlstore.AsManySites(ctx), fieldportal.IssueSortPriority),
				"FindIssues updated, many sites":  sorted(sqlstore.AsManySites(ctx), fieldportal.IssueSortUpdated),
				"EachIssue": func(v fieldportal.Viewer) ([]string, error) {
					var ids []string
					err := db.EachIssue(ctx, v, fieldportal.IssueFilter{Search: "fault", Sort: fieldportal.IssueSortPriority}, func(x *fieldportal.Issue) error {
						ids = append(ids, x.ID)
						return nil
					})
					return ids, err
				},
			},
			moreGets: map[string]getFn{"FindIssueAttachments": func(v fieldportal.Viewer, id string) error {
				_, err := db.FindIssueAttachments(ctx, v, id)
				return err
			}},
		},
		{
			// The sites an issue may be reported at: the sites themselves,
			// read through the Issues page.
			name:   "issue sites",
			covers: []string{"WorkService.FindIssueSites", "WorkService.FindIssueSite"},
			create: func(s *fieldportal.Site) string { return s.ID },
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindIssueSites(ctx, v, fieldportal.SiteFilter{Page: page2(after)})
				return idsOf(l, func(s *fieldportal.Site) string { return s.ID }), next, err
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindIssueSite(ctx, v, id); return err },
		},
	}
}
