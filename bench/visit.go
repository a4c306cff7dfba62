package bench

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The pages of issue 22's visit status and feedback: the console's
// ratings page (its averages and first page), one technician's ratings,
// the ratings of the site with most, and the portal's dashboard and job,
// whose visit status and feedback the entries "dashboard" and "job"
// already read (jobPage).

func visitEntries() []Entry {
	filter := func(f fieldportal.FeedbackFilter) func(*IDs) fieldportal.FeedbackFilter {
		return func(*IDs) fieldportal.FeedbackFilter { return f }
	}
	bySite := func(ids *IDs) fieldportal.FeedbackFilter { return fieldportal.FeedbackFilter{SiteID: ids.FeedbackSite} }
	return []Entry{
		{Name: "visit feedback", Persona: Staff, Path: fixed("/console/feedback"), SQL: feedbackPage(filter(fieldportal.FeedbackFilter{}))},
		{Name: "visit feedback by technician", Persona: Staff, Path: fixed("/console/feedback?technician=Dan+Fletcher"),
			SQL: feedbackPage(filter(fieldportal.FeedbackFilter{Technician: "Dan Fletcher"}))},
		{Name: "visit feedback by site", Persona: Staff, SQL: feedbackPage(bySite),
			Path: func(ids *IDs) string {
				return "/console/feedback?" + url.Values{"site_id": {ids.FeedbackSite}}.Encode()
			}},
	}
}

// feedbackPage is the ratings page's work: the averages and a page of
// the ratings filter selects.
func feedbackPage(filter func(*IDs) fieldportal.FeedbackFilter) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		if _, err := s.Diary.SummariseFeedback(ctx, v); err != nil {
			return err
		}
		_, _, err := s.Diary.FindFeedback(ctx, v, filter(ids))
		return err
	}
}

// discoverFeedback fills ids.FeedbackSite with the site at the top of
// the averages per site, as staff follow its link.
func discoverFeedback(ctx context.Context, svc server.Services, staff fieldportal.Viewer, ids *IDs) error {
	if svc.Diary == nil {
		return nil
	}
	sum, err := svc.Diary.SummariseFeedback(ctx, staff)
	if err != nil {
		return fmt.Errorf("the feedback averages: %w", err)
	}
	if len(sum.BySite) == 0 {
		return errors.New("no site has a rating")
	}
	ids.FeedbackSite = sum.BySite[0].Key
	return nil
}

func init() { Entries = append(Entries, visitEntries()...) }
