package sqlstore_test

import (
	"slices"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of the audit log (issue 20): the whole log is
// the operator's; a contact who manages contacts reads the entries about
// the customers it reaches (scopeAudit), and nobody else any.

func (w *writeWorld) auditRows() []writeRow {
	ctx, db := w.ctx, w.db
	custName := map[string]string{}
	for name, c := range w.cust {
		custName[c.ID] = name
	}
	return []writeRow{
		{
			name: "EachAuditEntry", covers: []string{"OrganisationService.EachAuditEntry"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				var orgs []string
				err := db.EachAuditEntry(ctx, v, fieldportal.AuditFilter{}, func(e *fieldportal.AuditEntry) error {
					orgs = append(orgs, e.OrgID)
					return nil
				})
				return w.orgsOf(orgs...), err
			},
			want: func(kind, _ string) outcome {
				if a := actors[kind]; a.staff {
					return sees(a.org)
				}
				return forbidden
			},
		},
		{
			// The customers of the entries a viewer reads on its activity
			// page: the manager at Child1 reads Child1's and Grandchild's
			// (their sites and contacts were made and audited), never
			// Parent's, Child2's, Solo's nor the operator's own entries.
			name: "FindActivity", covers: []string{"OrganisationService.FindActivity"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				l, _, err := db.FindActivity(ctx, v, fieldportal.AuditFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
				var names []string
				for _, e := range l {
					if e.OrgID != v.OrgID {
						t.Errorf("an entry of another organisation: %+v", e)
					}
					names = append(names, custName[e.CustomerID])
				}
				slices.Sort(names)
				return slices.Compact(names), err
			},
			want: func(kind, _ string) outcome {
				if a := actors[kind]; a.contact && a.manages {
					return sees(a.customers...)
				}
				return notFound
			},
		},
	}
}
