package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Customer is a customer as the API shows it.
type Customer struct {
	ID             string     `json:"id"`
	ExternalID     *string    `json:"external_id" doc:"The back office's own id; null when none."`
	ParentID       *string    `json:"parent_id" doc:"The customer this one is under; null at the top of a tree."`
	Name           string     `json:"name"`
	BillingAddress Address    `json:"billing_address"`
	Phone          string     `json:"phone"`
	Email          string     `json:"email"`
	TaxNumber      string     `json:"tax_number"`
	Archived       bool       `json:"archived" doc:"true: archived by the office, out of use for new work; its sites are then out of use too. Its records stay."`
	ArchivedAt     *time.Time `json:"archived_at" doc:"When it was archived; null while in use."`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
}

// CustomerInput is the body of a customer's create, update (only the
// fields sent) or upsert. The parent is given by id or by external id.
type CustomerInput struct {
	ExternalID       string  `json:"external_id"`
	ParentID         string  `json:"parent_id"`
	ParentExternalID string  `json:"parent_external_id" doc:"The parent by the back office's id, instead of parent_id."`
	Name             string  `json:"name"`
	BillingAddress   Address `json:"billing_address"`
	Phone            string  `json:"phone"`
	Email            string  `json:"email"`
	TaxNumber        string  `json:"tax_number"`
	Archived         *bool   `json:"archived" doc:"true archives the customer, false restores it. A new customer is in use unless told; an upsert or a change that leaves it out keeps the stored flag."`
}

// Address is a postal address, of a customer's billing or a site.
type Address struct {
	Line1    string `json:"line1"`
	Line2    string `json:"line2"`
	City     string `json:"city"`
	Region   string `json:"region"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
}

func init() {
	typeDocs[reflect.TypeFor[Customer]()] = "An account of the operator; customers form trees (a parent and its sub-customers)."
}

func showAddress(a fieldportal.Address) Address {
	return Address{Line1: a.Line1, Line2: a.Line2, City: a.City, Region: a.Region, Postcode: a.Postcode, Country: a.Country}
}

// fillAddress copies the sent fields of an address under prefix.
func fillAddress(dst *fieldportal.Address, in Address, s sent, prefix string) {
	for name, p := range map[string][2]*string{
		"line1": {&dst.Line1, &in.Line1}, "line2": {&dst.Line2, &in.Line2}, "city": {&dst.City, &in.City},
		"region": {&dst.Region, &in.Region}, "postcode": {&dst.Postcode, &in.Postcode}, "country": {&dst.Country, &in.Country},
	} {
		if s.has(prefix + "." + name) {
			*p[0] = *p[1]
		}
	}
}

// has reports whether a field was sent; a nil set is a whole record (a
// create or an upsert), where a field not sent is empty.
func (s sent) has(field string) bool { return s == nil || s[field] }

// optional is "" as null, for the representation's optional references.
func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// ShowCustomer is the API's representation of a customer.
func ShowCustomer(c *fieldportal.Customer) Customer {
	return Customer{ID: c.ID, ExternalID: optional(c.ExternalID), ParentID: optional(c.ParentID), Name: c.Name,
		BillingAddress: showAddress(c.Billing), Phone: c.Phone, Email: c.Email, TaxNumber: c.TaxNumber,
		Archived: c.Archived(), ArchivedAt: optionalTime(c.ArchivedAt), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

// archivedParam is the archived filter of the customers' and sites' lists:
// all records unless asked, as a sync needs them all.
func archivedParam(desc string) param {
	return param{Name: "archived", Desc: desc, Schema: map[string]any{"type": "string", "enum": []any{"true", "false"}}}
}

// archivedFilter reads the archived filter: nil when not given.
func archivedFilter(lq listQuery) (*bool, error) {
	s, ok := lq.Filters["archived"]
	if !ok {
		return nil, nil
	}
	if s != "true" && s != "false" {
		return nil, badRequest(fieldportal.FieldError{Field: "archived", Message: "archived must be true or false."})
	}
	b := s == "true"
	return &b, nil
}

// fillArchived carries a body's archived onto the record's Archive: nil
// (not sent) keeps the stored flag; sent as null, it is refused.
func fillArchived(dst **bool, in *bool, s sent) error {
	if in != nil {
		*dst = in
	} else if s["archived"] {
		return fieldportal.FieldErrorf("archived", "archived must be true or false.")
	}
	return nil
}

func (a *API) customerRoutes() []route {
	res := &resource[fieldportal.Customer, Customer, CustomerInput]{api: a,
		Path: "/customers", Tag: "customers", Singular: "Customer", Plural: "Customers",
		Filters: []param{filter("parent_id", "Only the direct sub-customers of this customer."),
			filter("external_id", "Only the customer of this back-office id."),
			archivedParam("true: only the archived customers; false: only those in use. Unset: all of them.")},
		Show:      func(_ *http.Request, c *fieldportal.Customer) Customer { return ShowCustomer(c) },
		UpdatedAt: func(c *fieldportal.Customer) time.Time { return c.UpdatedAt },
		ID:        func(c *fieldportal.Customer) string { return c.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Customer, string, error) {
			archived, err := archivedFilter(lq)
			if err != nil {
				return nil, "", err
			}
			return a.svc.Sites.FindCustomers(r.Context(), viewer(r), fieldportal.CustomerFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), ParentID: lq.Filters["parent_id"], ExternalID: lq.Filters["external_id"],
				Archived: archived})
		},
		Find:         a.svc.Sites.FindCustomerByID,
		ByExternalID: a.customerByExternalID,
		Fill: func(r *http.Request, c *fieldportal.Customer, in CustomerInput, s sent) error {
			return a.fillCustomer(r.Context(), viewer(r), c, in, s)
		},
		ExternalID:     func(in *CustomerInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(c *fieldportal.Customer, at time.Time) { c.IfUpdatedAt = at },
		Create:         a.svc.Sites.CreateCustomer,
		Update:         a.svc.Sites.UpdateCustomer,
		Upsert:         a.svc.Sites.UpsertCustomerByExternalID,
	}
	return res.routes()
}

// fillCustomer copies the sent fields of in onto c (all of them for a
// nil s), resolving a parent given by external id.
func (a *API) fillCustomer(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Customer, in CustomerInput, s sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&c.ExternalID, &in.ExternalID}, "parent_id": {&c.ParentID, &in.ParentID}, "name": {&c.Name, &in.Name},
		"phone": {&c.Phone, &in.Phone}, "email": {&c.Email, &in.Email}, "tax_number": {&c.TaxNumber, &in.TaxNumber},
	} {
		if s.has(name) {
			*p[0] = *p[1]
		}
	}
	fillAddress(&c.Billing, in.BillingAddress, s, "billing_address")
	if err := fillArchived(&c.Archive, in.Archived, s); err != nil {
		return err
	}
	if in.ParentExternalID == "" {
		return nil
	}
	if in.ParentID != "" {
		return fieldportal.FieldErrorf("parent_external_id", "Give the parent by parent_id or by parent_external_id, not both.")
	}
	parent, err := a.customerByExternalID(ctx, v, in.ParentExternalID)
	if err != nil {
		return err
	} else if parent == nil {
		return fieldportal.FieldErrorf("parent_external_id", "No customer has this external id.")
	}
	c.ParentID = parent.ID
	return nil
}

// customerByExternalID returns the customer of a back-office id, nil when
// there is none.
func (a *API) customerByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Customer, error) {
	return firstByExternalID(func() ([]*fieldportal.Customer, string, error) {
		return a.svc.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}
