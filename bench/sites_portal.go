package bench

import (
	"context"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// Sites made and edited in the portal (issue 20): the parent's new-site
// form (the first customers of its 1,091 and its own customer's
// contacts), the site contact's edit form, the customer documents'
// list with its upload form, and the console's queue of sites from the
// portal.

// sitesPortalEntries are the pages of issue 20's sites.
func sitesPortalEntries() []Entry {
	return []Entry{
		{Name: "new site", Persona: Parent, Path: fixed("/sites/new"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
				if _, _, err := s.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Page: fieldportal.Page{Limit: 100}}); err != nil {
					return err
				}
				_, err := s.Sites.FindSiteContactChoices(ctx, v, v.CustomerID)
				return err
			}},
		{Name: "edit site", Persona: SiteContact, Path: func(ids *IDs) string { return "/sites/" + url.PathEscape(ids.Site[SiteContact.Name]) + "/edit" },
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				site, err := s.Sites.FindSiteByID(ctx, v, ids.Site[SiteContact.Name])
				if err != nil {
					return err
				}
				if _, err := s.Sites.FindSiteContacts(ctx, v, site.ID); err != nil {
					return err
				}
				_, err = s.Sites.FindSiteContactChoices(ctx, v, site.CustomerID)
				return err
			}},
		{Name: "customer documents", Persona: Parent, Path: fixed("/documents?attached=customer"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				if err := documentsPage(fieldportal.DocumentFilter{AttachedTo: "customer"})(ctx, s, v, ids); err != nil {
					return err
				}
				_, _, err := s.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Page: fieldportal.Page{Limit: 100}})
				return err
			}},
		{Name: "console sites from the portal", Persona: Staff, Path: fixed("/console/portal-sites"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
				_, _, err := s.Sites.FindPortalSites(ctx, v, fieldportal.Page{Limit: 50})
				return err
			}},
	}
}

func init() { Entries = append(Entries, sitesPortalEntries()...) }
