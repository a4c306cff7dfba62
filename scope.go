package fieldportal

import (
	"slices"
	"strings"
)

// Module is a tab of the customer portal (SPEC §4). A contact may use a
// module when the organisation shows it and the contact's page access
// includes it (SPEC §2.4).
type Module string

// The portal's modules.
const (
	ModuleDashboard    Module = "dashboard"
	ModuleSites        Module = "sites"
	ModuleIssues       Module = "issues"
	ModuleService      Module = "service"
	ModuleInstall      Module = "install"
	ModuleQuotes       Module = "quotes"
	ModuleInvoices     Module = "invoices"
	ModuleStatement    Module = "statement"
	ModuleAutopay      Module = "autopay"
	ModuleAssets       Module = "assets"
	ModuleDocuments    Module = "documents"
	ModuleCertificates Module = "certificates"
	ModuleDiary        Module = "diary"
	ModuleTasks        Module = "tasks"
	ModuleReports      Module = "reports"
)

// AllModules lists every module in the order the navigation shows them.
var AllModules = []Module{
	ModuleDashboard, ModuleSites, ModuleIssues, ModuleService, ModuleInstall,
	ModuleQuotes, ModuleInvoices, ModuleStatement, ModuleAutopay, ModuleAssets,
	ModuleDocuments, ModuleCertificates, ModuleDiary, ModuleTasks, ModuleReports,
}

// Label is the module's name in the navigation.
func (m Module) Label() string {
	switch m {
	case ModuleSites:
		return "Job sites"
	case ModuleService:
		return "Service"
	case ModuleInstall:
		return "Install"
	case ModuleAutopay:
		return "Automatic payments"
	case ModuleAssets:
		return "Equipment"
	}
	s := string(m)
	return strings.ToUpper(s[:1]) + s[1:]
}

// Valid reports whether m is a known module.
func (m Module) Valid() bool { return slices.Contains(AllModules, m) }

// Modules is a set of modules, stored as a comma-separated list.
type Modules []Module

// Has reports whether the set contains m.
func (ms Modules) Has(m Module) bool { return slices.Contains(ms, m) }

// String joins the set with commas, the stored form.
func (ms Modules) String() string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, ",")
}

// ParseModules parses a comma-separated list, dropping unknown names and
// duplicates and keeping the navigation order.
func ParseModules(s string) Modules {
	var out Modules
	for _, m := range AllModules {
		for part := range strings.SplitSeq(s, ",") {
			if Module(strings.TrimSpace(part)) == m {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// Action is a button of the portal that the organisation may hide and a
// contact may or may not be allowed to press (SPEC §2.4).
type Action string

// The portal's actions.
const (
	ActionNewIssue       Action = "new_issue"
	ActionBookJob        Action = "book_job"
	ActionRequestQuote   Action = "request_quote"
	ActionPayOnline      Action = "pay_online"
	ActionEditSite       Action = "edit_site"
	ActionCreateSite     Action = "create_site"
	ActionManageContacts Action = "manage_contacts"
	ActionUpload         Action = "upload"
)

// AllActions lists every action.
var AllActions = []Action{
	ActionNewIssue, ActionBookJob, ActionRequestQuote, ActionPayOnline,
	ActionEditSite, ActionCreateSite, ActionManageContacts, ActionUpload,
}

// Module returns the module an action belongs to: the action is offered
// only where its module is usable.
func (a Action) Module() Module {
	switch a {
	case ActionNewIssue:
		return ModuleIssues
	case ActionBookJob:
		return ModuleService
	case ActionRequestQuote:
		return ModuleQuotes
	case ActionPayOnline:
		return ModuleInvoices
	case ActionEditSite, ActionCreateSite:
		return ModuleSites
	case ActionUpload:
		return ModuleDocuments
	}
	return ""
}

// ViewerKind says who is asking.
type ViewerKind int

// Kinds of viewer.
const (
	ViewerAnonymous ViewerKind = iota // nobody signed in: sees nothing
	ViewerContact                     // a customer contact, limited by SPEC §2
	ViewerStaff                       // operator staff: the whole organisation
	ViewerAPI                         // a back-office API key: the whole organisation
	ViewerSystem                      // the program itself (demo, workers)
)

// SiteAccess is how a contact's sites are chosen (SPEC §2.2).
type SiteAccess string

// Site access values.
const (
	SiteAccessAll      SiteAccess = "all"
	SiteAccessAssigned SiteAccess = "assigned"
)

// Viewer is who is asking, with everything the access rules need. Every
// portal query of the store takes one and applies SPEC §2 from it; handlers
// never filter by hand.
//
// A Viewer is made, not typed: its kind is unexported, so a struct literal
// is an anonymous viewer that sees nothing. Only the constructors below
// make one that sees data, and a test (viewer_made_test.go) allows their
// calls only in the store (sessions, API keys), the program's own tasks
// (cmd) and tests.
type Viewer struct {
	kind  ViewerKind
	OrgID string
	Name  string

	// A contact's identity and grants.
	LoginID           string
	ContactID         string
	CustomerID        string
	SiteAccess        SiteAccess
	Pages             Modules // the login's page access
	MayManageContacts bool
	// MustChangePassword marks a login whose password was set by someone
	// else: it may only change it (SPEC §3).
	MustChangePassword bool
	// QuoteContact is the contact's quote role (SPEC §1's contact roles):
	// only a quote contact answers a quote for its customer (issue 16).
	QuoteContact bool

	// The organisation's switches, copied from its settings so that one
	// Viewer answers CanUse and CanDo on its own.
	OrgModules    Modules
	HiddenActions []Action
	// SiteEditors is the organisation's choice of who may create and
	// edit sites (Settings.SiteEditors).
	SiteEditors SiteEditors

	// Staff identity.
	StaffID string
	Role    StaffRole
	// APIKeyID is set for ViewerAPI.
	APIKeyID string
	// apiScope is the key's scope for ViewerAPI; unexported, so that no
	// handler can widen a read key into a write one.
	apiScope APIKeyScope
	// Task names the program's task for ViewerSystem, for the audit log.
	Task string
}

// Kind says who is asking.
func (v Viewer) Kind() ViewerKind { return v.kind }

// ContactGrants is what a contact's portal login grants: the store reads
// it from the login when it loads a session.
type ContactGrants struct {
	LoginID, ContactID, CustomerID, Name string
	SiteAccess                           SiteAccess
	Pages                                Modules
	MayManageContacts                    bool
	MustChangePassword                   bool
	QuoteContact                         bool
}

// NewContactViewer makes the viewer of a signed-in contact from its
// login's grants and its organisation's settings. Only the store's session
// lookup (and tests) call it.
func NewContactViewer(orgID string, g ContactGrants, st Settings) Viewer {
	return Viewer{kind: ViewerContact, OrgID: orgID, Name: g.Name, LoginID: g.LoginID, ContactID: g.ContactID,
		CustomerID: g.CustomerID, SiteAccess: g.SiteAccess, Pages: g.Pages, MayManageContacts: g.MayManageContacts,
		MustChangePassword: g.MustChangePassword, QuoteContact: g.QuoteContact, OrgModules: st.Modules, HiddenActions: st.HiddenActions,
		SiteEditors: st.SiteEditors}
}

// NewStaffViewer makes the viewer of a signed-in staff user. Only the
// store's staff session lookup (and tests) call it.
func NewStaffViewer(orgID, staffID, name string, role StaffRole) Viewer {
	return Viewer{kind: ViewerStaff, OrgID: orgID, StaffID: staffID, Name: name, Role: role}
}

// NewAPIKeyViewer makes the viewer of a back-office API key of a scope.
// Only the store's key lookup (and tests) call it.
func NewAPIKeyViewer(orgID, keyID, name string, scope APIKeyScope) Viewer {
	return Viewer{kind: ViewerAPI, OrgID: orgID, APIKeyID: keyID, Name: name, apiScope: scope}
}

// APIKeyScope is the scope of an API key's viewer, "" for other viewers.
func (v Viewer) APIKeyScope() APIKeyScope {
	if v.kind != ViewerAPI {
		return ""
	}
	return v.apiScope
}

// MayWrite reports whether the viewer may change anything at all: false
// for an API key that is not of the write scope (an unknown scope reads
// only). Other viewers' writes are ruled by the access rules.
func (v Viewer) MayWrite() bool {
	return v.kind != ViewerAPI || v.apiScope == APIKeyWrite
}

// SystemViewer is the program acting for an organisation in a named task
// (demo data, init, workers); the task is recorded in the audit log.
func SystemViewer(orgID, task string) Viewer {
	return Viewer{kind: ViewerSystem, OrgID: orgID, Name: "system", Task: task}
}

// SeesWholeOrg reports whether the viewer sees every record of its
// organisation (staff, API keys, the system): SPEC §2.8.
func (v Viewer) SeesWholeOrg() bool {
	return v.kind == ViewerStaff || v.kind == ViewerAPI || v.kind == ViewerSystem
}

// IsContact reports whether the viewer is a customer contact.
func (v Viewer) IsContact() bool { return v.kind == ViewerContact }

// IsAdmin reports whether the viewer is an operator admin.
func (v Viewer) IsAdmin() bool {
	return v.kind == ViewerSystem || (v.kind == ViewerStaff && v.Role == RoleAdmin)
}

// CanUse reports whether a module is usable: switched on for the
// organisation and in the contact's page access. Staff use every module.
func (v Viewer) CanUse(m Module) bool {
	switch {
	case v.SeesWholeOrg():
		return true
	case v.kind != ViewerContact:
		return false
	}
	return v.OrgModules.Has(m) && v.Pages.Has(m)
}

// CanDo reports whether an action button is offered: its module is
// usable, the organisation has not hidden it, and the contact may use it.
func (v Viewer) CanDo(a Action) bool {
	if v.SeesWholeOrg() {
		return true
	}
	if v.kind != ViewerContact || slices.Contains(v.HiddenActions, a) {
		return false
	}
	switch a {
	case ActionManageContacts:
		return v.MayManageContacts
	case ActionCreateSite, ActionEditSite:
		// A new site at a customer is for a contact that sees the
		// customer's sites (SPEC §2.3, as a customer's file): one of
		// assigned sites would make a site it could not then see.
		if a == ActionCreateSite && v.SiteAccess != SiteAccessAll {
			return false
		}
		// The organisation says who may (Settings.SiteEditors).
		switch v.SiteEditors {
		case SiteEditorsOff:
			return false
		case SiteEditorsManagers:
			if !v.MayManageContacts {
				return false
			}
		}
	case ActionBookJob:
		// A job is booked of either kind: a contact of the Install page
		// alone books installs (the form offers the kinds it may use).
		return v.CanUse(ModuleService) || v.CanUse(ModuleInstall)
	}
	return v.CanUse(a.Module())
}

// UsableModules lists the modules this viewer may use, in navigation order.
func (v Viewer) UsableModules() Modules {
	var out Modules
	for _, m := range AllModules {
		if v.CanUse(m) {
			out = append(out, m)
		}
	}
	return out
}
