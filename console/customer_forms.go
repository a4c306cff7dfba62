package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The customer forms: a new customer (at the top, or under a parent with
// ?parent=), a customer's fields, and a move under another customer or to
// the top. A move changes at once who sees what: the access rules read
// the customer tree the store keeps in the move's transaction.

// customerFormView is the form of a new or an existing customer.
type customerFormView struct {
	web.Layout
	Action, Submit, CancelURL string
	Errors                    []fieldportal.FieldError
	// Parent is the parent of a new customer ("" at the top), and
	// ParentID its id, posted with the form.
	Parent, ParentID, ParentURL string
	Name, Account, Email, Phone web.FieldView
	Tax, Line1, Line2, City     web.FieldView
	Region, Postcode, Country   web.FieldView
}

// customerFields are the form's fields, in the order of its summary.
var customerFields = []string{"parent_id", "name", "external_id", "email", "phone", "tax_number", "address.line1",
	"address.line2", "address.city", "address.region", "address.postcode", "address.country"}

// customerForm is a customer's fields as the form posts them.
func customerForm(cu *fieldportal.Customer) url.Values {
	a := cu.Billing
	return url.Values{"name": {cu.Name}, "external_id": {cu.ExternalID}, "email": {cu.Email}, "phone": {cu.Phone},
		"tax_number": {cu.TaxNumber}, "address.line1": {a.Line1}, "address.line2": {a.Line2}, "address.city": {a.City},
		"address.region": {a.Region}, "address.postcode": {a.Postcode}, "address.country": {a.Country}}
}

// customerFromForm reads the form's fields into cu (not its parent),
// naming each field it refuses; the store checks the name and email.
func customerFromForm(form url.Values, cu *fieldportal.Customer) web.FormErrors {
	errs := web.FormErrors{}
	get := func(name, label string, max int) string {
		s := strings.TrimSpace(form.Get(name))
		if len(s) > max {
			errs[name] = label + " must be at most " + countText(max) + " characters."
		}
		return s
	}
	cu.Name = strings.TrimSpace(form.Get("name"))
	cu.ExternalID = get("external_id", "Account number", 100)
	cu.Email = get("email", "Email", 254)
	cu.Phone = get("phone", "Phone", 40)
	if strings.Trim(cu.Phone, "0123456789 +()-.") != "" {
		errs["phone"] = "Phone must be digits, spaces and + ( ) - only."
	}
	cu.TaxNumber = get("tax_number", "Tax number", 50)
	cu.Billing = fieldportal.Address{Line1: get("address.line1", "Address line 1", 200), Line2: get("address.line2", "Address line 2", 200),
		City: get("address.city", "Town or city", 100), Region: get("address.region", "County or region", 100),
		Postcode: get("address.postcode", "Postcode", 20), Country: get("address.country", "Country", 100)}
	return errs
}

// customerSaveErrors turns a refused save into the form's errors: a
// duplicate account number is the field's (the store's unique index says
// only that the customer exists).
func customerSaveErrors(err error) web.FormErrors {
	if fieldportal.ErrorCode(err) == fieldportal.ECONFLICT && !errors.Is(err, fieldportal.ErrChanged) {
		return web.FormErrors{"external_id": "Account number is already used by another customer."}
	}
	return web.ErrorsOf(err)
}

func (c *Console) renderCustomerForm(w http.ResponseWriter, r *http.Request, status int, cu, parent *fieldportal.Customer, form url.Values, errs web.FormErrors) {
	view := customerFormView{Layout: c.layout(r, "New customer"), Action: "/console/customers/new", Submit: "Add customer",
		CancelURL: "/console/customers", Errors: errs.List(customerFields...)}
	if parent != nil {
		view.Layout = c.layout(r, "New sub-customer of "+parent.Name)
		view.Parent, view.ParentID, view.ParentURL, view.CancelURL = parent.Name, parent.ID, customerURL(parent.ID), customerURL(parent.ID)
	}
	if cu != nil {
		view.Layout = c.layout(r, "Edit "+cu.Name)
		view.Action, view.Submit, view.CancelURL = customerURL(cu.ID)+"/edit", "Save customer", customerURL(cu.ID)
	}
	opt := func(name, label, typ, autocomplete string) web.FieldView {
		return web.Field(name, label, typ, form.Get(name), autocomplete, errs).Optional()
	}
	view.Name = web.Field("name", "Name", "text", form.Get("name"), "organization", errs)
	view.Account = opt("external_id", "Account number", "text", "off")
	view.Account.Hint = "The customer's number in the back office; unique among the customers."
	view.Email = opt("email", "Email", "email", "email")
	view.Phone = opt("phone", "Phone", "tel", "tel")
	view.Tax = opt("tax_number", "Tax number", "text", "off")
	view.Line1 = opt("address.line1", "Address line 1", "text", "address-line1")
	view.Line2 = opt("address.line2", "Address line 2", "text", "address-line2")
	view.City = opt("address.city", "Town or city", "text", "address-level2")
	view.Region = opt("address.region", "County or region", "text", "address-level1")
	view.Postcode = opt("address.postcode", "Postcode", "text", "postal-code")
	view.Country = opt("address.country", "Country", "text", "country-name")
	c.pages.Render(w, r, status, "customer_form", view)
}

// newParent finds the parent named by ?parent= or the form's parent_id:
// nil for a top-level customer; another organisation's is not found.
func (c *Console) newParent(r *http.Request, id string) (*fieldportal.Customer, error) {
	if id == "" {
		return nil, nil
	}
	v, _ := web.ViewerFromContext(r.Context())
	p, err := c.svc.Sites.FindCustomerByID(r.Context(), v, id)
	return p, web.NotFoundAs(err, "customer")
}

func (c *Console) handleCustomerNewForm(w http.ResponseWriter, r *http.Request) {
	parent, err := c.newParent(r, r.URL.Query().Get("parent"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.renderCustomerForm(w, r, http.StatusOK, nil, parent, url.Values{}, web.FormErrors{})
}

func (c *Console) handleCustomerCreate(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	parent, err := c.newParent(r, r.PostForm.Get("parent_id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	cu := &fieldportal.Customer{}
	errs := customerFromForm(r.PostForm, cu)
	if parent != nil {
		cu.ParentID = parent.ID
	}
	if !errs.Has() {
		err := c.svc.Sites.CreateCustomer(r.Context(), v, cu)
		switch {
		case err == nil:
			http.Redirect(w, r, customerURL(cu.ID)+"?done=created", http.StatusSeeOther)
			return
		case web.IsFormError(err):
			errs = customerSaveErrors(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	c.renderCustomerForm(w, r, http.StatusUnprocessableEntity, nil, parent, r.PostForm, errs)
}

func (c *Console) handleCustomerEditForm(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	cu, err := c.svc.Sites.FindCustomerByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return
	}
	c.renderCustomerForm(w, r, http.StatusOK, cu, nil, customerForm(cu), web.FormErrors{})
}

// handleCustomerUpdate saves a customer's fields; its parent is kept (a
// move is its own form), over the version read, so that a move made
// meanwhile is not undone.
func (c *Console) handleCustomerUpdate(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	old, err := c.svc.Sites.FindCustomerByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return
	}
	cu := *old
	errs := customerFromForm(r.PostForm, &cu)
	cu.IfUpdatedAt = old.UpdatedAt
	if !errs.Has() {
		err := c.svc.Sites.UpdateCustomer(r.Context(), v, &cu)
		switch {
		case err == nil:
			http.Redirect(w, r, customerURL(cu.ID)+"?done=saved", http.StatusSeeOther)
			return
		case web.IsFormError(err):
			errs = customerSaveErrors(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	c.renderCustomerForm(w, r, http.StatusUnprocessableEntity, old, nil, r.PostForm, errs)
}

// moveView is the form that moves a customer under another or to the top.
type moveView struct {
	web.Layout
	Customer  *fieldportal.Customer
	CancelURL string
	Action    string
	// Now says where the customer is.
	Now    string
	Errors []fieldportal.FieldError
	Search web.FilterBar
	Parent web.SelectView
}

// topLevel is the parent choice of a top-level customer.
const topLevel = "top"

func (c *Console) handleCustomerMoveForm(w http.ResponseWriter, r *http.Request) {
	c.renderMove(w, r, http.StatusOK, "", web.FormErrors{})
}

func (c *Console) renderMove(w http.ResponseWriter, r *http.Request, status int, chosen string, errs web.FormErrors) {
	ctx := r.Context()
	v, _ := web.ViewerFromContext(ctx)
	path, err := c.svc.Sites.FindCustomerPath(ctx, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return
	}
	cu := path[len(path)-1]
	base := customerURL(cu.ID)
	q := strings.TrimSpace(r.URL.Query().Get("parent_q"))
	view := moveView{Layout: c.layout(r, "Move "+cu.Name), Customer: cu, CancelURL: base, Action: base + "/move", Now: "at the top level",
		Errors: errs.List("parent_id")}
	if len(path) > 1 {
		view.Now = "under " + path[len(path)-2].Name
	}
	view.Search = web.FilterBar{Action: base + "/move", Label: "Find the new parent", Submit: "Find customers",
		Filters: []web.Filter{{Name: "parent_q", Label: "Find the new parent", Type: "search", Value: q, Hint: "Name or account number"}}}
	// Without a search the top-level customers are offered; the store
	// refuses the customer itself and those below it.
	list, _, err := c.svc.Sites.FindCustomerNodes(ctx, v, fieldportal.CustomerNodeFilter{Search: q, Page: fieldportal.Page{Limit: 50}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	sel := web.SelectView{FieldView: web.Field("parent_id", "New parent", "select", chosen, "", errs)}
	sel.Hint = "Its sub-customers, sites and contacts move with it; contacts of its old parent lose sight of them at once."
	sel.Options = []web.CheckOption{{Value: "", Label: "Choose the new parent", Checked: chosen == ""},
		{Value: topLevel, Label: "None: make it a top-level customer", Checked: chosen == topLevel}}
	seen := chosen == "" || chosen == topLevel
	for _, n := range list {
		label := n.Name
		if n.ExternalID != "" {
			label += " (" + n.ExternalID + ")"
		}
		if n.ParentName != "" {
			label += ", under " + n.ParentName
		}
		sel.Options = append(sel.Options, web.CheckOption{Value: n.ID, Label: label, Checked: n.ID == chosen})
		seen = seen || n.ID == chosen
	}
	if !seen {
		// The choice a refused move posted stays chosen.
		if p, err := c.svc.Sites.FindCustomerByID(ctx, v, chosen); err == nil {
			sel.Options = append(sel.Options, web.CheckOption{Value: p.ID, Label: p.Name, Checked: true})
		}
	}
	view.Parent = sel
	c.pages.Render(w, r, status, "customer_move", view)
}

// handleCustomerMove places the customer under the chosen parent, or at
// the top; a parent below the customer, or itself, is refused by name.
func (c *Console) handleCustomerMove(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	old, err := c.svc.Sites.FindCustomerByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return
	}
	chosen := r.PostForm.Get("parent_id")
	cu := *old
	cu.IfUpdatedAt = old.UpdatedAt
	errs := web.FormErrors{}
	switch chosen {
	case "":
		errs["parent_id"] = "New parent is required: choose a customer, or none for the top level."
	case topLevel:
		cu.ParentID = ""
	default:
		cu.ParentID = chosen
	}
	if !errs.Has() && cu.ParentID == old.ParentID {
		http.Redirect(w, r, customerURL(cu.ID), http.StatusSeeOther)
		return
	}
	if !errs.Has() {
		err := c.svc.Sites.UpdateCustomer(r.Context(), v, &cu)
		switch {
		case err == nil:
			http.Redirect(w, r, customerURL(cu.ID)+"?done=moved", http.StatusSeeOther)
			return
		case web.IsFormError(err):
			errs = web.ErrorsOf(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	c.renderMove(w, r, http.StatusUnprocessableEntity, chosen, errs)
}
