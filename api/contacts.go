package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Contact is a person at a customer, as the API shows it.
type Contact struct {
	ID               string    `json:"id"`
	ExternalID       *string   `json:"external_id" doc:"The back office's own id; null when none."`
	CustomerID       string    `json:"customer_id"`
	FirstName        string    `json:"first_name"`
	LastName         string    `json:"last_name"`
	Email            string    `json:"email"`
	Phone            string    `json:"phone"`
	Mobile           string    `json:"mobile"`
	Position         string    `json:"position"`
	QuoteContact     bool      `json:"quote_contact" doc:"Receives the customer's quotes."`
	JobContact       bool      `json:"job_contact" doc:"Receives the customer's job notices."`
	InvoiceContact   bool      `json:"invoice_contact" doc:"Receives the customer's invoices."`
	StatementContact bool      `json:"statement_contact" doc:"Receives the customer's statements."`
	Primary          bool      `json:"primary"`
	CreatedInPortal  bool      `json:"created_in_portal" doc:"Whether a contact managing contacts added it in the portal."`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

// ContactInput is the body of a contact's create, update (only the
// fields sent) or upsert. The customer is given by id or by external id.
type ContactInput struct {
	ExternalID         string `json:"external_id"`
	CustomerID         string `json:"customer_id"`
	CustomerExternalID string `json:"customer_external_id" doc:"The customer by the back office's id, instead of customer_id."`
	FirstName          string `json:"first_name"`
	LastName           string `json:"last_name"`
	Email              string `json:"email"`
	Phone              string `json:"phone"`
	Mobile             string `json:"mobile"`
	Position           string `json:"position"`
	QuoteContact       bool   `json:"quote_contact"`
	JobContact         bool   `json:"job_contact"`
	InvoiceContact     bool   `json:"invoice_contact"`
	StatementContact   bool   `json:"statement_contact"`
	Primary            bool   `json:"primary"`
}

func init() {
	typeDocs[reflect.TypeFor[Contact]()] = "A person at a customer; portal access is given to contacts."
}

// ShowContact is the API's representation of a contact.
func ShowContact(c *fieldportal.Contact) Contact {
	return Contact{ID: c.ID, ExternalID: optional(c.ExternalID), CustomerID: c.CustomerID, FirstName: c.FirstName,
		LastName: c.LastName, Email: c.Email, Phone: c.Phone, Mobile: c.Mobile, Position: c.Position,
		QuoteContact: c.QuoteContact, JobContact: c.JobContact, InvoiceContact: c.InvoiceContact,
		StatementContact: c.StatementContact, Primary: c.Primary, CreatedInPortal: c.CreatedInPortal,
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC()}
}

func (a *API) contactRoutes() []route {
	res := &resource[fieldportal.Contact, Contact, ContactInput]{api: a,
		Path: "/contacts", Tag: "contacts", Singular: "Contact", Plural: "Contacts",
		Filters: []param{filter("customer_id", "Only the contacts of this customer."),
			filter("external_id", "Only the contact of this back-office id.")},
		Show:      func(_ *http.Request, c *fieldportal.Contact) Contact { return ShowContact(c) },
		UpdatedAt: func(c *fieldportal.Contact) time.Time { return c.UpdatedAt },
		ID:        func(c *fieldportal.Contact) string { return c.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Contact, string, error) {
			return a.findContacts(r.Context(), viewer(r), fieldportal.ContactFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), CustomerID: lq.Filters["customer_id"], ExternalID: lq.Filters["external_id"]})
		},
		Find: a.svc.Contacts.FindContactByID,
		ByExternalID: func(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Contact, error) {
			return firstByExternalID(func() ([]*fieldportal.Contact, string, error) {
				return a.findContacts(ctx, v, fieldportal.ContactFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
			})
		},
		Fill:           a.fillContact,
		ExternalID:     func(in *ContactInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(c *fieldportal.Contact, at time.Time) { c.IfUpdatedAt = at },
		Create:         a.svc.Contacts.CreateContact,
		Update:         a.svc.Contacts.UpdateContact,
		Upsert:         a.svc.Contacts.UpsertContactByExternalID,
		Delete:         a.svc.Contacts.DeleteContact,
		Kind:           fieldportal.KindContact,
	}
	return res.routes()
}

// findContacts is a page of contacts without their listings' extras,
// which the API does not show.
func (a *API) findContacts(ctx context.Context, v fieldportal.Viewer, f fieldportal.ContactFilter) ([]*fieldportal.Contact, string, error) {
	rows, next, err := a.svc.Contacts.FindContacts(ctx, v, f)
	out := make([]*fieldportal.Contact, len(rows))
	for i, c := range rows {
		out[i] = c.Contact
	}
	return out, next, err
}

// fillContact copies the sent fields of in onto c (all of them for a nil
// sn), resolving a customer given by external id.
func (a *API) fillContact(r *http.Request, c *fieldportal.Contact, in ContactInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&c.ExternalID, &in.ExternalID}, "customer_id": {&c.CustomerID, &in.CustomerID},
		"first_name": {&c.FirstName, &in.FirstName}, "last_name": {&c.LastName, &in.LastName}, "email": {&c.Email, &in.Email},
		"phone": {&c.Phone, &in.Phone}, "mobile": {&c.Mobile, &in.Mobile}, "position": {&c.Position, &in.Position},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	for name, p := range map[string][2]*bool{
		"quote_contact": {&c.QuoteContact, &in.QuoteContact}, "job_contact": {&c.JobContact, &in.JobContact},
		"invoice_contact": {&c.InvoiceContact, &in.InvoiceContact}, "statement_contact": {&c.StatementContact, &in.StatementContact},
		"primary": {&c.Primary, &in.Primary},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	return a.customerRef(r.Context(), viewer(r), &c.CustomerID, in.CustomerID, in.CustomerExternalID)
}
