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
	ID             string    `json:"id"`
	ExternalID     *string   `json:"external_id" doc:"The back office's own id; null when none."`
	ParentID       *string   `json:"parent_id" doc:"The customer this one is under; null at the top of a tree."`
	Name           string    `json:"name"`
	BillingAddress Address   `json:"billing_address"`
	Phone          string    `json:"phone"`
	Email          string    `json:"email"`
	TaxNumber      string    `json:"tax_number"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
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
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (a *API) customerRoutes() []route {
	filters := []param{filter("parent_id", "Only the direct sub-customers of this customer."),
		filter("external_id", "Only the customer of this back-office id.")}
	return []route{
		{Method: "GET", Path: "/customers", ID: "listCustomers", Summary: "List customers", Tag: "customers",
			Query: listParams(filters...), Resp: List[Customer]{}, Handler: a.listCustomers(filterNames(filters))},
		{Method: "POST", Path: "/customers", ID: "createCustomer", Summary: "Create a customer", Tag: "customers",
			Body: CustomerInput{}, Resp: Customer{}, Status: http.StatusCreated, ETag: true, Handler: a.createCustomer},
		{Method: "GET", Path: "/customers/{id}", ID: "getCustomer", Summary: "Get a customer", Tag: "customers",
			Resp: Customer{}, ETag: true, Handler: a.getCustomer},
		{Method: "PATCH", Path: "/customers/{id}", ID: "updateCustomer", Summary: "Change the fields sent of a customer",
			Tag: "customers", Body: CustomerInput{}, Resp: Customer{}, ETag: true, Handler: a.updateCustomer},
		{Method: "PUT", Path: "/customers/by-external-id/{external_id}", ID: "upsertCustomer",
			Summary: "Create or replace a customer by the back office's id", Tag: "customers",
			Body: CustomerInput{}, Resp: Customer{}, Upsert: true, ETag: true, Handler: a.upsertCustomer},
	}
}

func (a *API) listCustomers(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		// The horizon is read before the page: what commits between them
		// started after it, and waits for the next sync.
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Sites.FindCustomers(r.Context(), viewer(r), fieldportal.CustomerFilter{Page: lq.Page,
			UpdatedSince: lq.Since(), ParentID: lq.Filters["parent_id"], ExternalID: lq.Filters["external_id"]})
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		a.json(w, r, http.StatusOK, page(lq, rows, next, horizon,
			func(c *fieldportal.Customer) time.Time { return c.UpdatedAt }, ShowCustomer))
	}
}

func (a *API) getCustomer(w http.ResponseWriter, r *http.Request) {
	c, err := a.svc.Sites.FindCustomerByID(r.Context(), viewer(r), r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, http.StatusOK, ShowCustomer(c))
}

func (a *API) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in CustomerInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	c := &fieldportal.Customer{}
	if err := a.fillCustomer(r.Context(), viewer(r), c, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Sites.CreateCustomer(r.Context(), viewer(r), c); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/customers/"+c.ID)
	a.answerCustomer(w, r, http.StatusCreated, c.ID)
}

func (a *API) updateCustomer(w http.ResponseWriter, r *http.Request) {
	var in CustomerInput
	s, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	c, err := a.svc.Sites.FindCustomerByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowCustomer(c)); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.fillCustomer(r.Context(), v, c, in, s); err != nil {
		a.problem(w, r, err)
		return
	}
	c.IfUpdatedAt = ifMatch(r, c.UpdatedAt)
	if err := a.svc.Sites.UpdateCustomer(r.Context(), v, c); err != nil {
		a.problem(w, r, err)
		return
	}
	a.answerCustomer(w, r, http.StatusOK, c.ID)
}

func (a *API) upsertCustomer(w http.ResponseWriter, r *http.Request) {
	var in CustomerInput
	s, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v, ext := viewer(r), r.PathValue("external_id")
	if s["external_id"] && in.ExternalID != ext {
		a.problem(w, r, fieldportal.FieldErrorf("external_id", "external_id differs from the one in the address; leave it out."))
		return
	}
	in.ExternalID = ext
	old, err := a.customerByExternalID(r.Context(), v, ext)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if old != nil {
		current = ShowCustomer(old)
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	c := &fieldportal.Customer{}
	if err := a.fillCustomer(r.Context(), v, c, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if old != nil {
		c.IfUpdatedAt = ifMatch(r, old.UpdatedAt)
	}
	created, err := a.svc.Sites.UpsertCustomerByExternalID(r.Context(), v, c)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/customers/"+c.ID)
	}
	a.answerCustomer(w, r, status, c.ID)
}

// answerCustomer answers a write with the customer as now stored, read
// back so its ETag is the one a GET gives.
func (a *API) answerCustomer(w http.ResponseWriter, r *http.Request, status int, id string) {
	c, err := a.svc.Sites.FindCustomerByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowCustomer(c))
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
	list, _, err := a.svc.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}
