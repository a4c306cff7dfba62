package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The console's customer tree (issue 20): a level of the tree at a time,
// a customer's place in it, and its own sites. Staff only: a contact's
// customers are its reach (scope.go), never a tree it browses.

// customerNodeColumns are a node's columns after customerColumns: the
// parent's name, the children counted in the customers_children index
// (migration 00266), and the sites in use from the tallies, which the
// writes keep (tallies.go, subtree.go), so no site is read.
const customerNodeColumns = `, COALESCE(p.name, ''),
	(SELECT count(*) FROM customers k WHERE k.parent_id = c.id),
	COALESCE(t.sites, 0), COALESCE(st.sites, 0)`

// customerNodeFrom joins a customer (c) to its parent and tallies.
const customerNodeFrom = ` FROM customers c LEFT JOIN customers p ON p.id = c.parent_id
	LEFT JOIN customer_tallies t ON t.customer_id = c.id LEFT JOIN subtree_tallies st ON st.customer_id = c.id`

func scanCustomerNode(row interface{ Scan(...any) error }) (*fieldportal.CustomerNode, error) {
	var n fieldportal.CustomerNode
	c := &n.Customer
	a := &c.Billing
	err := row.Scan(&c.ID, &c.OrgID, str(&c.ExternalID), str(&c.ParentID), &c.Name, &a.Line1, &a.Line2, &a.City,
		&a.Region, &a.Postcode, &a.Country, &c.Phone, &c.Email, &c.TaxNumber, tm(&c.CreatedAt), tm(&c.UpdatedAt),
		tm(&c.ArchivedAt), &n.ParentName, &n.Children, &n.Sites, &n.SubtreeSites)
	return &n, err
}

// FindCustomerNodes lists customers of the tree by name: the children of
// f.ParentID, the top-level customers when it is "", and with f.Search
// the customers at any depth (under f.ParentID, if set) whose name or
// account number holds the term, from the text index.
func (d *DB) FindCustomerNodes(ctx context.Context, v fieldportal.Viewer, f fieldportal.CustomerNodeFilter) ([]*fieldportal.CustomerNode, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	if f.ParentID != "" {
		// Another organisation's customer is not found, as one that
		// does not exist.
		if _, err := d.FindCustomerByID(ctx, v, f.ParentID); err != nil {
			return nil, "", err
		}
	}
	var q query
	q.and("c.org_id = " + q.arg(v.OrgID))
	term := strings.TrimSpace(f.Search)
	order := "c.name, c.id"
	switch {
	case term != "":
		q.searchIndexed(d.dialect, term, "c", customerText)
		if textIndexed(term) {
			// As for contacts (contactsQuery): the matches come from the
			// text index and are sorted, rather than a walk by name that
			// guesses the matches are spread through the alphabet.
			order = "c.name || '', c.id"
		}
		if f.ParentID != "" {
			q.and("c.parent_id = " + q.arg(f.ParentID))
		}
	case f.ParentID != "":
		q.and("c.parent_id = " + q.arg(f.ParentID))
	default:
		// The condition of customers_top (migration 00266).
		q.and("c.parent_id IS NULL")
	}
	if f.Archived != nil {
		q.and("c.archived_at IS " + map[bool]string{true: "NOT NULL", false: "NULL"}[*f.Archived])
	}
	if err := q.keyset(f.After, false, "c.name", "c.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.planned(term != "").QueryContext(ctx,
		q.sql(`SELECT `+customerColumns+customerNodeColumns+customerNodeFrom, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanCustomerNode)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(n *fieldportal.CustomerNode) string { return cursor(n.Name, n.ID) })
	return list, next, nil
}

// FindCustomerPath returns the customer's ancestors from the top down and
// the customer itself last, from the customer tree's rows of it.
func (d *DB) FindCustomerPath(ctx context.Context, v fieldportal.Viewer, id string) ([]*fieldportal.Customer, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	self, err := tx.findCustomer(ctx, v, id)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+customerColumns+` FROM customer_tree a JOIN customers c ON c.id = a.ancestor_id
		WHERE a.customer_id = $1 AND c.org_id = $2 AND c.id <> $1`, id, v.OrgID)
	if err != nil {
		return nil, err
	}
	above, err := collect(rows, scanCustomer)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]*fieldportal.Customer, len(above))
	for _, c := range above {
		byID[c.ID] = c
	}
	// Up the parents from the customer: each ancestor once, so a tree
	// read mid-move cannot loop.
	path := []*fieldportal.Customer{self}
	for at := self; at.ParentID != ""; {
		p, ok := byID[at.ParentID]
		if !ok {
			break
		}
		delete(byID, p.ID)
		path = append(path, p)
		at = p
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, nil
}

// FindCustomerSites lists the customer's own sites by name, a range of
// the sites_customer index.
func (d *DB) FindCustomerSites(ctx context.Context, v fieldportal.Viewer, customerID string, p fieldportal.Page) ([]*fieldportal.Site, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	if _, err := d.FindCustomerByID(ctx, v, customerID); err != nil {
		return nil, "", err
	}
	var q query
	q.and("s.org_id = " + q.arg(v.OrgID))
	q.and("s.customer_id = " + q.arg(customerID))
	if err := q.keyset(p.After, false, "s.name", "s.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+siteColumns+siteFrom, "ORDER BY s.name, s.id"+limit(p)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanSite)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, p, func(s *fieldportal.Site) string { return cursor(s.Name, s.ID) })
	return list, next, nil
}
