package portal

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Single sign-on through a contact's company (issue 21 point 4). The
// sign-in form answers an email of a company's domain with "Continue with
// <company>" instead of checking a password (sso.js offers it as the
// address is typed); that button starts the flow at the company's
// provider, which sends the browser back to /sso/callback. The flow's
// state is also kept in a cookie of this browser for the few minutes the
// flow takes, so a callback link made by someone else (with their own
// code) cannot sign this browser in to their account.
//
// A username that is not an email address is not looked up: it goes to
// the password check as before, and a contact whose email's company signs
// it in is then told, after its right password only, to use its email
// address and the company's sign-in (sqlstore.SSOPointer).

// ssoCookie holds the state of the flow this browser started.
const ssoCookie = "fp_sso"

// ssoRoutes registers the single sign-on routes (with no service, none).
func (p *Portal) ssoRoutes() {
	if p.svc.SSO == nil {
		return
	}
	k := p.kit
	k.Handle("GET /sso/start", p.handleSSOStart)
	k.Handle("GET /sso/callback", p.handleSSOCallback)
	k.Handle("GET /sso/company", p.handleSSOCompany)
}

// ssoStartURL is the link that starts the flow for an email of a
// company's; without one, it carries only next (sso.js adds the email),
// so a failed sign-in's page holds the typed name in the field alone.
func ssoStartURL(company, email, next string) string {
	q := url.Values{}
	if company != "" {
		q.Set("email", email)
	}
	if next != "" {
		q.Set("next", next)
	}
	return "/sso/start?" + q.Encode()
}

// ssoCompany names the company that signs an email in ("" for none, for a
// name that is not an email, and without the service). Past its
// address's lookups it is ERATELIMIT.
func (p *Portal) ssoCompany(r *http.Request, name string) (string, error) {
	if p.svc.SSO == nil || fieldportal.EmailDomain(name) == "" {
		return "", nil
	}
	org := web.OrganisationFromContext(r.Context())
	return p.svc.SSO.SSOCompanyForEmail(r.Context(), org.ID, name, p.kit.ClientAddress(r))
}

// handleSSOCompany tells sso.js the company that signs an email's domain
// in, or nothing: it reads the domain only, so it says nothing about
// whether an account exists.
func (p *Portal) handleSSOCompany(w http.ResponseWriter, r *http.Request) {
	company, err := p.ssoCompany(r, strings.TrimSpace(r.URL.Query().Get("email")))
	status := http.StatusOK
	if fieldportal.ErrorCode(err) == fieldportal.ERATELIMIT {
		// sso.js then offers nothing; the form still works.
		status = http.StatusTooManyRequests
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Company string `json:"company"`
	}{company})
}

// handleSSOStart starts the flow at the provider of the email's company.
// It is a link, not a form: the page's CSP (form-action 'self') would
// stop a form's redirect to the provider, and starting a flow changes
// nothing a forged request could use (the flow is bound to the browser
// that starts it by ssoCookie).
func (p *Portal) handleSSOStart(w http.ResponseWriter, r *http.Request) {
	org := web.OrganisationFromContext(r.Context())
	email := strings.TrimSpace(r.URL.Query().Get("email"))
	next := r.URL.Query().Get("next")
	if web.SafeNext(next) != next {
		next = ""
	}
	authURL, state, err := p.svc.SSO.BeginSSO(r.Context(), fieldportal.SSOBegin{OrgID: org.ID, Email: email, Next: next,
		RedirectURI: p.kit.PortalURL(r) + "/sso/callback", ClientAddr: p.kit.ClientAddress(r)})
	switch fieldportal.ErrorCode(err) {
	case "":
	case fieldportal.ENOTFOUND:
		// The domain's sign-in was switched off meanwhile: the password.
		p.renderLogin(w, r, http.StatusOK, email, next, web.FormErrors{})
		return
	case fieldportal.EUNAVAILABLE, fieldportal.ERATELIMIT:
		p.renderLogin(w, r, web.StatusFor(fieldportal.ErrorCode(err)), email, next, web.FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	default:
		p.kit.Error(w, r, err)
		return
	}
	p.kit.SetCookie(w, ssoCookie, "/sso", state, int(fieldportal.SSOFlowLifetime.Seconds()))
	http.Redirect(w, r, authURL, http.StatusSeeOther)
}

// handleSSOCallback completes the flow and starts the session; every
// refusal is the one plain page (the service logs why).
func (p *Portal) handleSSOCallback(w http.ResponseWriter, r *http.Request) {
	org := web.OrganisationFromContext(r.Context())
	q := r.URL.Query()
	state := q.Get("state")
	p.kit.ClearCookie(w, ssoCookie, "/sso")
	cb := fieldportal.SSOCallback{OrgID: org.ID, State: state, Code: q.Get("code"), Error: q.Get("error"),
		RedirectURI: p.kit.PortalURL(r) + "/sso/callback", ClientAddr: p.kit.ClientAddress(r), UserAgent: r.UserAgent(),
		OldToken: web.CookieValue(r, sessionCookie)}
	if kept := web.CookieValue(r, ssoCookie); state == "" || subtle.ConstantTimeCompare([]byte(kept), []byte(state)) != 1 {
		// Not this browser's flow: the state is spent all the same, so a
		// link that was sent around cannot be used by anyone.
		cb.Error = "the state is not this browser's"
	}
	s, next, err := p.svc.SSO.CompleteSSO(r.Context(), cb)
	if fieldportal.ErrorCode(err) == fieldportal.EUNAUTHORIZED {
		p.pages.Render(w, r, http.StatusForbidden, "sso_refused", linkGoneView{Layout: p.layout(r, "We could not sign you in"),
			Message: fieldportal.SSORefused, Retry: "/login", RetryLabel: "Go to the sign-in page"})
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.kit.StartSession(p.door, w, s)
	dest := web.SafeNext(next)
	if s.Next != "" {
		dest = s.Next
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}
