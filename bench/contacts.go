package bench

import (
	"context"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The store work of the portal's contacts and users (issue 20), as the
// parent persona, who manages contacts.

// portalContacts is the list of contacts, searched by search ("" for the
// first page).
func portalContacts(search func(*IDs) string) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		_, _, err := s.Access.FindContacts(ctx, v, fieldportal.ContactFilter{Search: search(ids)})
		return err
	}
}

// portalContact is a contact's page: the contact with its login and the
// sites offered, and the password rules of an initial password.
func portalContact(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	if _, err := s.Access.FindContactAccess(ctx, v, ids.Contact, ""); err != nil {
		return err
	}
	_, err := s.SignIn.PasswordPolicyHint(ctx, v.OrgID)
	return err
}

// portalNewContact is the new-contact form: the default pages, the first
// customers and sites the manager reaches, and the password rules.
func portalNewContact(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
	if _, err := s.Orgs.FindSettings(ctx, v.OrgID); err != nil {
		return err
	}
	if _, _, err := s.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Page: fieldportal.Page{Limit: 100}}); err != nil {
		return err
	}
	if _, _, err := s.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 100}}); err != nil {
		return err
	}
	_, err := s.SignIn.PasswordPolicyHint(ctx, v.OrgID)
	return err
}
