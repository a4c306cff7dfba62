package bench

import (
	"context"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The pages of issue 22's visit status and feedback: the console's
// ratings page (its averages and first page), one technician's ratings,
// and the portal's dashboard and job, whose visit status and feedback
// the entries "dashboard" and "job" already read (jobPage).

func visitEntries() []Entry {
	return []Entry{
		{Name: "visit feedback", Persona: Staff, Path: fixed("/console/feedback"), SQL: feedbackPage("")},
		{Name: "visit feedback by technician", Persona: Staff, Path: fixed("/console/feedback?technician=Dan+Fletcher"),
			SQL: feedbackPage("Dan Fletcher")},
	}
}

// feedbackPage is the ratings page's work: the averages and a page of
// ratings, of one technician when tech is set.
func feedbackPage(tech string) func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
		if _, err := s.Diary.SummariseFeedback(ctx, v); err != nil {
			return err
		}
		_, _, err := s.Diary.FindFeedback(ctx, v, fieldportal.FeedbackFilter{Technician: tech})
		return err
	}
}

func init() { Entries = append(Entries, visitEntries()...) }
