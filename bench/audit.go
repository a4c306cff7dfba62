package bench

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The audit log's pages (issue 20): the console's log for staff, filtered
// to the portal's door (most of the entries: the heaviest filter), its
// CSV of one month, and the parent persona's activity page, whose entries
// are those of its reachable customers.

// auditMonth is the CSV's month: the 30 days to now, in a filter as the
// handler builds it from ?from=.
func auditMonth(ids *IDs) fieldportal.AuditFilter {
	f := fieldportal.AuditFilter{Door: fieldportal.DoorPortal, From: fieldportal.DateOf(time.Now().In(ids.OrgZone).AddDate(0, 0, -30))}
	f.Window(ids.OrgZone)
	return f
}

func auditEntries() []Entry {
	return []Entry{
		{Name: "audit log", Persona: Staff, Path: fixed("/console/audit?door=portal"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
				_, _, err := s.Orgs.FindAuditLog(ctx, v, fieldportal.AuditFilter{Door: fieldportal.DoorPortal})
				return err
			}},
		{Name: "audit log CSV", Persona: Staff, Path: func(ids *IDs) string {
			return "/console/audit.csv?door=portal&from=" + auditMonth(ids).From.String()
		},
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				return s.Orgs.EachAuditEntry(ctx, v, auditMonth(ids), func(*fieldportal.AuditEntry) error { return nil })
			}},
		{Name: "activity", Persona: Parent, Path: fixed("/preferences/activity"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
				_, _, err := s.Orgs.FindActivity(ctx, v, fieldportal.AuditFilter{})
				return err
			}},
	}
}

func init() { Entries = append(Entries, auditEntries()...) }
