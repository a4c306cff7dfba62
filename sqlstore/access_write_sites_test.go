package sqlstore_test

import (
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// portalSiteRows are the write matrix's rows of sites made in the portal
// (issue 20): a site's contacts and the contacts a site form offers (by
// rule 3 a contact is a customer-level record), and the console's queue
// of sites from the portal, which only the operator reads and clears.
func (w *writeWorld) portalSiteRows() []writeRow {
	ctx, db := w.ctx, w.db
	// A contact of the target site's customer, made one of its contacts.
	siteContact := once(func(t *testing.T, target string) string {
		if target == ghost {
			return ""
		}
		s, err := db.FindSiteByID(ctx, w.sysOf(target), w.siteID(target))
		if err != nil {
			t.Fatal(err)
		}
		c := &fieldportal.Contact{CustomerID: s.CustomerID, FirstName: "Site", LastName: "sitecontact " + target}
		if err := db.CreateContact(ctx, w.sysOf(target), c); err != nil {
			t.Fatal(err)
		}
		s.ContactIDs = []string{c.ID}
		if err := db.UpdateSite(ctx, w.sysOf(target), s); err != nil {
			t.Fatal(err)
		}
		return c.LastName
	})
	// A contact at the target customer, which the site form offers.
	choice := once(func(t *testing.T, target string) string {
		if target == ghost {
			return ""
		}
		c := &fieldportal.Contact{CustomerID: w.customerID(target), FirstName: "Offered", LastName: "choice " + target}
		if err := db.CreateContact(ctx, w.sysOf(target), c); err != nil {
			t.Fatal(err)
		}
		return c.LastName
	})
	// A site each organisation's contact created: the queue's.
	queued := once(func(t *testing.T, org string) string {
		v, customer := w.kinds["parent"], "Parent"
		if org == "B" {
			v, customer = w.kinds["otherorg"], "OtherB"
		}
		s := &fieldportal.Site{Name: "Queued " + org, CustomerID: w.cust[customer].ID, Address: fieldportal.Address{Line1: "1 Queue Road"}}
		if err := db.CreateSite(ctx, v, s); err != nil {
			t.Fatal(err)
		}
		return s.Name
	})
	// A contact reads contacts of a customer with site access "all" or as
	// a manager of contacts (scopeContact); staff read their
	// organisation's.
	readsContacts := func(a actor) bool { return a.staff || a.allSites || a.manages }
	return []writeRow{
		{
			name: "FindSiteContacts", covers: []string{"SiteService.FindSiteContacts"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				siteContact(t, target)
				list, err := db.FindSiteContacts(ctx, v, w.siteID(target))
				return idsOf(list, func(c *fieldportal.Contact) string { return c.LastName }), err
			},
			want: func(kind, target string) outcome {
				a := actors[kind]
				switch {
				case !a.contact && !a.staff, a.contact && !a.pages, !atSite(a, target):
					return notFound
				case readsContacts(a):
					return sees("sitecontact " + target)
				}
				return sees()
			},
		},
		{
			name: "FindSiteContactChoices", covers: []string{"SiteService.FindSiteContactChoices"}, targets: everyCustomer,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				choice(t, target)
				list, err := db.FindSiteContactChoices(ctx, v, w.customerID(target))
				var names []string
				for _, c := range list {
					if strings.HasPrefix(c.LastName, "choice ") {
						names = append(names, c.LastName)
					}
				}
				return names, err
			},
			want: func(kind, target string) outcome {
				a := actors[kind]
				switch {
				case !a.contact && !a.staff, a.contact && !a.pages:
					return notFound
				case ofCustomer(a, target) && readsContacts(a):
					return sees("choice " + target)
				}
				return sees()
			},
		},
		{
			name: "FindPortalSites", covers: []string{"SiteService.FindPortalSites"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				queued(t, "A")
				queued(t, "B")
				all, err := listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindPortalSites(ctx, v, page2(after))
					return idsOf(l, func(s *fieldportal.Site) string { return s.Name }), next, err
				})
				var names []string
				for _, n := range all {
					if strings.HasPrefix(n, "Queued ") {
						names = append(names, n)
					}
				}
				return names, err
			},
			want: func(kind, _ string) outcome {
				a := actors[kind]
				if !a.staff {
					return forbidden
				}
				return sees("Queued " + a.org)
			},
		},
		{
			name: "MarkSiteReviewed", covers: []string{"SiteService.MarkSiteReviewed"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.MarkSiteReviewed(ctx, v, w.siteID(target)))
			},
			want: operatorOnly(atSite, notFound),
		},
	}
}
