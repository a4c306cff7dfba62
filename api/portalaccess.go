package api

import (
	"errors"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
)

// A contact's portal access: the console's buttons for a contact's login
// as one operation, calling the same service methods (AccessService), so
// the mail, its single-use link and the sessions ended are the console's.

// PortalAccessInput is the body of POST /contacts/{id}/portal-access.
// Only invite takes the access fields; each left out keeps the login's
// (or, for a new login, the console's default).
type PortalAccessInput struct {
	Action            string   `json:"action" doc:"invite: give the contact a login and mail it an invitation (a login still invited gets the access saved and a new invitation, voiding the old link; an active one gets the access saved). disable: sign the login out everywhere and refuse it. enable: let a disabled login in again."`
	Username          string   `json:"username" doc:"invite: the login's username; by default the login's, else the contact's email."`
	PageAccess        []string `json:"page_access" doc:"invite: the portal pages the login may use (dashboard, sites, issues, service, install, quotes, invoices, statement, autopay, assets, documents, certificates, diary, tasks, reports)."`
	SiteAccess        string   `json:"site_access" doc:"invite: all (every site of the customer) or assigned (those of site_ids)."`
	SiteIDs           []string `json:"site_ids" doc:"invite: the sites of an assigned login, of the contact's customer."`
	MayManageContacts bool     `json:"may_manage_contacts" doc:"invite: whether the login may manage its customer's contacts."`
}

// PortalAccess answers a portal-access action: the contact, its login as
// now stored, and what the action did.
type PortalAccess struct {
	Contact Contact      `json:"contact"`
	Login   *PortalLogin `json:"login" doc:"The contact's portal login; null when it has none."`
	Outcome string       `json:"outcome" doc:"What was done: sent (an invitation was mailed), resent (an invitation was mailed again), saved (the login's access was saved; no mail), disabled or enabled."`
}

// PortalLogin is a contact's portal login as the API shows it.
type PortalLogin struct {
	Status            string     `json:"status" doc:"invited (the contact has not set it up yet), active or disabled."`
	Username          string     `json:"username"`
	PageAccess        []string   `json:"page_access"`
	SiteAccess        string     `json:"site_access" doc:"all or assigned."`
	SiteIDs           []string   `json:"site_ids" doc:"The sites of an assigned login."`
	MayManageContacts bool       `json:"may_manage_contacts"`
	LastLoginAt       *time.Time `json:"last_login_at" doc:"When it last signed in; null when never."`
}

func init() {
	typeDocs[reflect.TypeFor[PortalAccess]()] = "A contact with its portal login, after a portal-access action."
}

// showPortalLogin is the API's representation of a login, nil for none.
func showPortalLogin(l *fieldportal.PortalLogin) *PortalLogin {
	if l == nil {
		return nil
	}
	out := &PortalLogin{Status: string(l.Status), Username: l.Username, PageAccess: []string{},
		SiteAccess: string(l.SiteAccess), SiteIDs: []string{}, MayManageContacts: l.MayManageContacts}
	for _, m := range l.Pages {
		out.PageAccess = append(out.PageAccess, string(m))
	}
	if l.SiteAccess == fieldportal.SiteAccessAssigned {
		out.SiteIDs = append(out.SiteIDs, l.SiteIDs...)
	}
	if !l.LastLoginAt.IsZero() {
		t := l.LastLoginAt.UTC()
		out.LastLoginAt = &t
	}
	return out
}

func (a *API) portalAccessRoutes() []route {
	return []route{
		{Method: "POST", Path: "/contacts/{id}/portal-access", ID: "setContactPortalAccess",
			Summary: "Invite a contact to the portal, or disable or enable its login", Tag: "contacts",
			Body: PortalAccessInput{}, Resp: PortalAccess{}, Handler: a.setPortalAccess},
	}
}

// grantFields are the body's fields that only invite takes.
var grantFields = []string{"username", "page_access", "site_access", "site_ids", "may_manage_contacts"}

func (a *API) setPortalAccess(w http.ResponseWriter, r *http.Request) {
	var in PortalAccessInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	ctx, v, id := r.Context(), viewer(r), r.PathValue("id")
	var bad fieldportal.Validation
	switch in.Action {
	case "invite":
	case "disable", "enable":
		for _, f := range grantFields {
			if sn[f] {
				bad.Add(f, "Only invite takes %s; %s changes no access.", f, in.Action)
			}
		}
	default:
		bad.Add("action", "action must be invite, disable or enable.")
	}
	for _, p := range in.PageAccess {
		if !fieldportal.Module(p).Valid() {
			bad.Add("page_access", "%q is not a portal page; give pages among: %s.", p, fieldportal.Modules(fieldportal.AllModules).String())
			break
		}
	}
	if sn["site_access"] && in.SiteAccess != string(fieldportal.SiteAccessAll) && in.SiteAccess != string(fieldportal.SiteAccessAssigned) {
		bad.Add("site_access", "site_access must be all or assigned.")
	}
	if err := bad.Err(); err != nil {
		a.problem(w, r, err)
		return
	}
	// The contact first: another organisation's is not found, whatever
	// the body says.
	ca, err := a.svc.Contacts.FindContactAccess(ctx, v, id, "")
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var outcome string
	switch in.Action {
	case "invite":
		var out fieldportal.GrantOutcome
		out, err = a.svc.Contacts.GrantPortalAccess(ctx, v, id, grantOf(ca, in, sn))
		outcome = string(out)
	case "disable":
		err, outcome = a.svc.Contacts.SetPortalAccessEnabled(ctx, v, id, false), "disabled"
	case "enable":
		err, outcome = a.svc.Contacts.SetPortalAccessEnabled(ctx, v, id, true), "enabled"
	}
	if err != nil {
		a.problem(w, r, grantField(err))
		return
	}
	if ca, err = a.svc.Contacts.FindContactAccess(ctx, v, id, ""); err != nil {
		a.problem(w, r, err)
		return
	}
	a.json(w, r, http.StatusOK, PortalAccess{Contact: ShowContact(ca.Contact), Login: showPortalLogin(ca.Login), Outcome: outcome})
}

// grantOf is the grant of an invite: the fields sent, the rest as the
// login has them, or as the console's form offers a new login (the
// contact's email, the default pages, all sites).
func grantOf(ca *fieldportal.ContactAccess, in PortalAccessInput, sn sent) fieldportal.AccessGrant {
	g := fieldportal.AccessGrant{Username: ca.Contact.Email, Pages: ca.DefaultPages, SiteAccess: fieldportal.SiteAccessAll}
	if l := ca.Login; l != nil {
		g = fieldportal.AccessGrant{Username: l.Username, Pages: l.Pages, SiteAccess: l.SiteAccess, SiteIDs: l.SiteIDs,
			MayManageContacts: l.MayManageContacts}
	}
	if sn["username"] {
		g.Username = in.Username
	}
	if sn["page_access"] {
		g.Pages = fieldportal.ParseModules(fieldportal.Modules(modulesOf(in.PageAccess)).String())
	}
	if sn["site_access"] {
		g.SiteAccess = fieldportal.SiteAccess(in.SiteAccess)
	}
	if sn["site_ids"] {
		g.SiteIDs = slices.Clone(in.SiteIDs)
	}
	if g.SiteAccess == fieldportal.SiteAccessAll {
		g.SiteIDs = nil
	}
	if sn["may_manage_contacts"] {
		g.MayManageContacts = in.MayManageContacts
	}
	return g
}

func modulesOf(ps []string) []fieldportal.Module {
	out := make([]fieldportal.Module, len(ps))
	for i, p := range ps {
		out[i] = fieldportal.Module(p)
	}
	return out
}

// grantField names the store's fields of the access form (pages, sites)
// as the body does (page_access, site_ids).
func grantField(err error) error {
	var e *fieldportal.Error
	if !errors.As(err, &e) {
		return err
	}
	names := map[string]string{"pages": "page_access", "sites": "site_ids"}
	out := *e
	if n, ok := names[out.Field]; ok {
		out.Field = n
	}
	out.Fields = slices.Clone(e.Fields)
	for i := range out.Fields {
		if n, ok := names[out.Fields[i].Field]; ok {
			out.Fields[i].Field = n
		}
	}
	return &out
}
