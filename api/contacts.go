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
	filters := []param{filter("customer_id", "Only the contacts of this customer."),
		filter("external_id", "Only the contact of this back-office id.")}
	return append([]route{
		{Method: "GET", Path: "/contacts", ID: "listContacts", Summary: "List contacts", Tag: "contacts",
			Query: listParams(filters...), Resp: List[Synced[Contact]]{}, Handler: a.listContacts(filterNames(filters))},
		{Method: "POST", Path: "/contacts", ID: "createContact", Summary: "Create a contact", Tag: "contacts",
			Body: ContactInput{}, Resp: Contact{}, Status: http.StatusCreated, ETag: true, Handler: a.createContact},
		{Method: "GET", Path: "/contacts/{id}", ID: "getContact", Summary: "Get a contact", Tag: "contacts",
			Resp: Contact{}, ETag: true, Handler: a.getContact},
		{Method: "PATCH", Path: "/contacts/{id}", ID: "updateContact", Summary: "Change the fields sent of a contact",
			Tag: "contacts", Body: ContactInput{}, Resp: Contact{}, ETag: true, Handler: a.updateContact},
		{Method: "PUT", Path: "/contacts/by-external-id/{external_id}", ID: "upsertContact",
			Summary: "Create or replace a contact by the back office's id", Tag: "contacts",
			Body: ContactInput{}, Resp: Contact{}, Upsert: true, ETag: true, Handler: a.upsertContact},
	}, deleteRoute("/contacts", "contacts", "Contact", "contact", deleteHandler(a, a.svc.Contacts.FindContactByID,
		func(_ *http.Request, c *fieldportal.Contact) Contact { return ShowContact(c) },
		func(c *fieldportal.Contact) time.Time { return c.UpdatedAt }, a.svc.Contacts.DeleteContact)))
}

func (a *API) listContacts(filters []string) http.HandlerFunc {
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
		rows, next, err := a.svc.Contacts.FindContacts(r.Context(), viewer(r), fieldportal.ContactFilter{Page: lq.Page,
			UpdatedSince: lq.Since(), CustomerID: lq.Filters["customer_id"], ExternalID: lq.Filters["external_id"]})
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		out, err := syncPage(r, a, fieldportal.KindContact, lq, rows, next, horizon,
			func(c *fieldportal.ContactListing) time.Time { return c.Contact.UpdatedAt },
			func(c *fieldportal.ContactListing) string { return c.Contact.ID },
			func(c *fieldportal.ContactListing) Contact { return ShowContact(c.Contact) })
		if err != nil {
			a.problem(w, r, err)
			return
		}
		a.json(w, r, http.StatusOK, out)
	}
}

func (a *API) getContact(w http.ResponseWriter, r *http.Request) {
	c, err := a.svc.Contacts.FindContactByID(r.Context(), viewer(r), r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, http.StatusOK, ShowContact(c))
}

func (a *API) createContact(w http.ResponseWriter, r *http.Request) {
	var in ContactInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	c := &fieldportal.Contact{}
	if err := a.fillContact(r.Context(), viewer(r), c, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Contacts.CreateContact(r.Context(), viewer(r), c); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/contacts/"+c.ID)
	a.answerContact(w, r, http.StatusCreated, c.ID)
}

func (a *API) updateContact(w http.ResponseWriter, r *http.Request) {
	var in ContactInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	c, err := a.svc.Contacts.FindContactByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowContact(c)); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.fillContact(r.Context(), v, c, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	c.IfUpdatedAt = ifMatch(r, c.UpdatedAt)
	if err := a.svc.Contacts.UpdateContact(r.Context(), v, c); err != nil {
		a.problem(w, r, err)
		return
	}
	a.answerContact(w, r, http.StatusOK, c.ID)
}

func (a *API) upsertContact(w http.ResponseWriter, r *http.Request) {
	var in ContactInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v, ext := viewer(r), r.PathValue("external_id")
	if sn["external_id"] && in.ExternalID != ext {
		a.problem(w, r, fieldportal.FieldErrorf("external_id", "external_id differs from the one in the address; leave it out."))
		return
	}
	in.ExternalID = ext
	list, _, err := a.svc.Contacts.FindContacts(r.Context(), v, fieldportal.ContactFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowContact(list[0].Contact)
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	c := &fieldportal.Contact{}
	if err := a.fillContact(r.Context(), v, c, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		c.IfUpdatedAt = ifMatch(r, list[0].Contact.UpdatedAt)
	}
	created, err := a.svc.Contacts.UpsertContactByExternalID(r.Context(), v, c)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/contacts/"+c.ID)
	}
	a.answerContact(w, r, status, c.ID)
}

// answerContact answers a write with the contact as now stored.
func (a *API) answerContact(w http.ResponseWriter, r *http.Request, status int, id string) {
	c, err := a.svc.Contacts.FindContactByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowContact(c))
}

// fillContact copies the sent fields of in onto c (all of them for a nil
// sn), resolving a customer given by external id.
func (a *API) fillContact(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact, in ContactInput, sn sent) error {
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
	return a.customerRef(ctx, v, &c.CustomerID, in.CustomerID, in.CustomerExternalID)
}
