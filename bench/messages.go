package bench

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// Messages with the office (issue 22): the parent's Messages page, one of
// its orders with a thread, and the console's queue of waiting threads.
// Every portal page also counts the unread threads for its navigation,
// timed with each page's SQL (navCount).

func init() { Entries = append(Entries, messageEntries()...) }

func messageEntries() []Entry {
	return []Entry{
		{Name: "messages", Persona: Parent, Path: fixed("/messages"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
				m, err := messageService(s)
				if err != nil {
					return err
				}
				_, _, err = m.FindThreads(ctx, v, fieldportal.ThreadFilter{})
				return err
			}},
		{Name: "job with thread", Persona: Parent, Path: func(ids *IDs) string { return "/jobs/" + url.PathEscape(ids.MessageJob) },
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				m, err := messageService(s)
				if err != nil {
					return err
				}
				// The page counts again after reading its thread.
				if _, err := m.CountUnreadThreads(ctx, v); err != nil {
					return err
				}
				if err := jobPage(ctx, s, v, ids.MessageJob); err != nil {
					return err
				}
				_, err = m.ThreadForRecord(ctx, v, fieldportal.ThreadOnJob, ids.MessageJob)
				return err
			}},
		{Name: "console messages", Persona: Staff, Path: fixed("/console/messages"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
				m, err := messageService(s)
				if err != nil {
					return err
				}
				_, _, err = m.FindThreads(ctx, v, fieldportal.ThreadFilter{Waiting: true})
				return err
			}},
	}
}

// navCount is the store work of the portal's navigation on every page a
// contact reads: the count of its unread threads (none for staff).
func navCount(ctx context.Context, s server.Services, v fieldportal.Viewer) error {
	if !v.IsContact() {
		return nil
	}
	m, err := messageService(s)
	if err != nil {
		return err
	}
	_, err = m.CountUnreadThreads(ctx, v)
	return err
}

// messageService is the store's threads, served with its work.
func messageService(s server.Services) (fieldportal.MessageService, error) {
	m, ok := s.Work.(fieldportal.MessageService)
	if !ok {
		return nil, errors.New("the store keeps no message threads")
	}
	return m, nil
}

// discoverMessages finds an order of the parent's with a thread (the
// generator writes one on an order in eight), else its service order.
func discoverMessages(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	ids.MessageJob = ids.Job[Parent.Name]
	m, err := messageService(svc)
	if err != nil {
		return err
	}
	list, _, err := m.FindThreads(ctx, v, fieldportal.ThreadFilter{})
	if err != nil {
		return fmt.Errorf("the parent's threads: %w", err)
	}
	for _, t := range list {
		if t.RecordKind == fieldportal.ThreadOnJob {
			ids.MessageJob = t.RecordID
			break
		}
	}
	return nil
}
