package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The issues pages' store work and the records they are about (issue 16).

// issuesPage is the store work of the issues list for f: the page of
// issues, the sites of the site filter, and, when filtered to one, that
// site.
func issuesPage(f fieldportal.IssueFilter) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		if _, _, err := s.Work.FindIssues(ctx, v, f); err != nil {
			return err
		}
		_, _, err := s.Work.FindIssueSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 30}})
		return err
	}
}

// issuePage is the store work of an issue's page: the issue, its history,
// its comments and its files.
func issuePage(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	if _, err := s.Work.FindIssueByID(ctx, v, ids.Issue); err != nil {
		return err
	}
	if _, err := s.Work.FindIssueHistory(ctx, v, ids.Issue); err != nil {
		return err
	}
	if _, err := s.Work.FindIssueComments(ctx, v, ids.Issue); err != nil {
		return err
	}
	_, err := s.Work.FindIssueAttachments(ctx, v, ids.Issue)
	return err
}

// discoverIssues finds the parent's issue with the longest thread on the
// first page of its list, and the number of the last issue four pages in
// (or on the last page of a small data set) to search for.
func discoverIssues(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	f := fieldportal.IssueFilter{}
	most := -1
	for page := range 4 {
		list, next, err := svc.Work.FindIssues(ctx, v, f)
		if err != nil {
			return fmt.Errorf("page through the parent's issues: %w", err)
		}
		if len(list) == 0 {
			break
		}
		if page == 0 {
			for _, x := range list {
				c, err := svc.Work.FindIssueComments(ctx, v, x.ID)
				if err != nil {
					return fmt.Errorf("read an issue's comments: %w", err)
				}
				if len(c) > most {
					ids.Issue, most = x.ID, len(c)
				}
			}
		}
		ids.IssueSearch = list[len(list)-1].Number
		if next == "" {
			break
		}
		f.After = next
	}
	if ids.Issue == "" {
		return errors.New("the parent reaches no issue")
	}
	return nil
}
