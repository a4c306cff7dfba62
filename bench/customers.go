package bench

import (
	"context"
	"fmt"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The console's customer tree (issue 20): the top level, a search, and
// the page of the parent persona's customer, the one with the most sites
// and customers below it (20,000 sites and over 1,000 customers at
// large).

// customerIDs are the tree's records of the benchmark: the big parent,
// and a search that matches few customers (the name of the last child on
// the parent's first page of sub-customers).
type customerIDs struct {
	Parent, Search string
}

// discoverCustomers fills ids.Customers; ids.Contact is the parent
// persona's contact.
func discoverCustomers(ctx context.Context, svc server.Services, staff fieldportal.Viewer, ids *IDs) error {
	ct, err := svc.Access.FindContactByID(ctx, staff, ids.Contact)
	if err != nil {
		return fmt.Errorf("the parent persona's contact: %w", err)
	}
	ids.Customers.Parent = ct.CustomerID
	children, _, err := svc.Sites.FindCustomerNodes(ctx, staff, fieldportal.CustomerNodeFilter{ParentID: ct.CustomerID})
	if err != nil {
		return fmt.Errorf("the parent's sub-customers: %w", err)
	}
	ids.Customers.Search = "Kingsmead" // the demo's, for a parent without children
	if len(children) > 0 {
		ids.Customers.Search = children[len(children)-1].Name
	}
	return nil
}

// customerPage is the store work of a customer's page: its path, and the
// first page of each of its sub-customers, sites and contacts.
func customerPage(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	id := ids.Customers.Parent
	if _, err := s.Sites.FindCustomerPath(ctx, v, id); err != nil {
		return err
	}
	if _, _, err := s.Sites.FindCustomerNodes(ctx, v, fieldportal.CustomerNodeFilter{ParentID: id}); err != nil {
		return err
	}
	if _, _, err := s.Sites.FindCustomerSites(ctx, v, id, fieldportal.Page{}); err != nil {
		return err
	}
	_, _, err := s.Access.FindContacts(ctx, v, fieldportal.ContactFilter{CustomerID: id})
	return err
}

func init() {
	Entries = append(Entries,
		Entry{Name: "console customers", Persona: Staff, Path: fixed("/console/customers"),
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
				_, _, err := s.Sites.FindCustomerNodes(ctx, v, fieldportal.CustomerNodeFilter{})
				return err
			}},
		Entry{Name: "console customers search", Persona: Staff, Path: func(ids *IDs) string { return "/console/customers?q=" + q(ids.Customers.Search) },
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				_, _, err := s.Sites.FindCustomerNodes(ctx, v, fieldportal.CustomerNodeFilter{Search: ids.Customers.Search})
				return err
			}},
		Entry{Name: "console customer", Persona: Staff, Path: func(ids *IDs) string { return "/console/customers/" + url.PathEscape(ids.Customers.Parent) },
			SQL: customerPage},
	)
}
