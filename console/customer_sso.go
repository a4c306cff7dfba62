package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// A customer's single sign-on (issue 21 point 4), an admin's section of
// the customer's page and its form: the company's OpenID Connect provider
// (issuer, client ID, client secret) and the email domains it owns. It
// applies to the customer and every customer below it, unless one nearer
// has its own. The secret is written, never shown again: leaving it empty
// keeps the saved one.

// customerSSORoutes registers the form (with no service, none).
func (c *Console) customerSSORoutes() {
	if c.svc.SSO == nil {
		return
	}
	c.kit.Handle("GET /console/customers/{id}/sso", c.signedIn(c.handleCustomerSSOForm))
	c.kit.Handle("POST /console/customers/{id}/sso", c.signedIn(c.handleCustomerSSOSave))
}

// ssoSection is the section of the customer's page (admins only).
type ssoSection struct {
	Show    bool
	Details []web.Detail
	EditURL string
	// Configured: the customer has settings (else the page says so).
	Configured bool
}

// customerSSOSection fills the section for an admin; others see none.
func (c *Console) customerSSOSection(r *http.Request, v fieldportal.Viewer, id string) (ssoSection, error) {
	if c.svc.SSO == nil || !v.IsAdmin() {
		return ssoSection{}, nil
	}
	s, err := c.svc.SSO.FindCustomerSSO(r.Context(), v, id)
	if err != nil {
		return ssoSection{}, err
	}
	sec := ssoSection{Show: true, EditURL: customerURL(id) + "/sso", Configured: s.Configured}
	if !s.Configured {
		return sec, nil
	}
	state := "Off: contacts sign in with a password"
	if s.Enabled {
		state = "On"
	}
	secret := "Not set"
	if s.SecretSet {
		secret = "Set (never shown)"
	}
	sec.Details = []web.Detail{{Label: "Single sign-on", Value: state}, {Label: "Issuer URL", Value: s.Issuer},
		{Label: "Client ID", Value: s.ClientID}, {Label: "Client secret", Value: secret},
		{Label: "Email domains", Lines: s.Domains}, {Label: "Redirect URI", Value: c.kit.PortalURL(r) + "/sso/callback"}}
	return sec, nil
}

// ssoFormView is the form of a customer's single sign-on.
type ssoFormView struct {
	web.Layout
	CustomerName, CustomerURL, Action string
	Errors                            []fieldportal.FieldError
	Issuer, ClientID, Secret, Domains web.FieldView
	Enabled                           web.Choices
	RedirectURI                       string
}

// ssoFields are the form's fields, in the order of its summary.
var ssoFields = []string{"issuer", "client_id", "client_secret", "domains", "enabled"}

func (c *Console) renderCustomerSSO(w http.ResponseWriter, r *http.Request, status int, cu *fieldportal.Customer, saved *fieldportal.CustomerSSO, form url.Values, errs web.FormErrors) {
	view := ssoFormView{Layout: c.layout(r, "Single sign-on for "+cu.Name), CustomerName: cu.Name, CustomerURL: customerURL(cu.ID),
		Action: customerURL(cu.ID) + "/sso", Errors: errs.List(ssoFields...), RedirectURI: c.kit.PortalURL(r) + "/sso/callback"}
	view.Issuer = web.Field("issuer", "Issuer URL", "url", form.Get("issuer"), "off", errs)
	view.Issuer.Hint = "The provider's address, like https://login.example.com; its discovery document is read when you save."
	view.ClientID = web.Field("client_id", "Client ID", "text", form.Get("client_id"), "off", errs)
	view.Secret = web.Field("client_secret", "Client secret", "password", "", "off", errs)
	view.Secret.Hint = "Not set."
	if saved.SecretSet {
		view.Secret = view.Secret.Optional()
		view.Secret.Hint = "Set, and never shown. Type a new one to replace it; leave empty to keep it."
	}
	view.Domains = web.Field("domains", "Email domains", "textarea", form.Get("domains"), "off", errs)
	view.Domains.Hint = "The domains the company owns, one a line, like harbour.co.uk. A contact with an address there signs in through the provider."
	view.Enabled = web.Choices{Name: "enabled", Legend: "Single sign-on", Type: "checkbox", Error: errs["enabled"],
		Options: []web.CheckOption{{Value: "on", Label: "On: contacts of these domains sign in through the provider, not with a password",
			Checked: form.Get("enabled") == "on"}}}
	c.pages.Render(w, r, status, "customer_sso", view)
}

// ssoCustomer finds the form's customer for an admin.
func (c *Console) ssoCustomer(w http.ResponseWriter, r *http.Request) (fieldportal.Viewer, *fieldportal.Customer, *fieldportal.CustomerSSO, bool) {
	v, ok := c.needAdmin(w, r, "change single sign-on")
	if !ok {
		return v, nil, nil, false
	}
	cu, err := c.svc.Sites.FindCustomerByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return v, nil, nil, false
	}
	saved, err := c.svc.SSO.FindCustomerSSO(r.Context(), v, cu.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return v, nil, nil, false
	}
	return v, cu, saved, true
}

func (c *Console) handleCustomerSSOForm(w http.ResponseWriter, r *http.Request) {
	_, cu, saved, ok := c.ssoCustomer(w, r)
	if !ok {
		return
	}
	form := url.Values{"issuer": {saved.Issuer}, "client_id": {saved.ClientID}, "domains": {strings.Join(saved.Domains, "\n")}}
	if saved.Enabled || !saved.Configured {
		form.Set("enabled", "on")
	}
	c.renderCustomerSSO(w, r, http.StatusOK, cu, saved, form, web.FormErrors{})
}

func (c *Console) handleCustomerSSOSave(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, cu, saved, ok := c.ssoCustomer(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	in := &fieldportal.CustomerSSO{CustomerID: cu.ID, Issuer: f.Get("issuer"), ClientID: f.Get("client_id"),
		ClientSecret: f.Get("client_secret"), Enabled: f.Get("enabled") == "on"}
	domains, err := fieldportal.ParseSSODomains(f.Get("domains"))
	if err == nil {
		in.Domains = domains
		err = c.svc.SSO.SaveCustomerSSO(r.Context(), v, in)
	}
	if web.IsFormError(err) {
		c.renderCustomerSSO(w, r, http.StatusBadRequest, cu, saved, f, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, customerURL(cu.ID)+"?done=sso#sso", http.StatusSeeOther)
}
