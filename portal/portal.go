// Package portal is the customer portal: the pages a customer's contacts
// sign in to (SPEC §3, §4). One handler file per area; each handler parses
// the request, calls one service method with the session's viewer, and
// renders a typed view with the kit's layout and components.
package portal

import (
	"embed"
	"fmt"
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

//go:embed templates
var templates embed.FS

// sessionCookie holds a contact's session token; the database keeps only
// its hash, so a leaked sessions table signs nobody in.
const sessionCookie = "fp_session"

// deviceCookie remembers that this browser signed in to an account before,
// so failures from elsewhere do not lock it out (see SignInRequest).
const deviceCookie = "fp_device"

// challengeCookie holds a sign-in's challenge between its password and its
// second step (issue 21); it is no session.
const challengeCookie = "fp_challenge"

// Services are what the portal's pages call.
type Services struct {
	SignIn    fieldportal.SignInService
	Access    fieldportal.AccessService
	Sites     fieldportal.SiteService
	Dashboard fieldportal.DashboardService
	Equipment fieldportal.EquipmentService
	Work      fieldportal.WorkService
	Diary     fieldportal.DiaryService
	Orgs      fieldportal.OrganisationService
	Money     fieldportal.MoneyService
	// Reports answers the reports; nil takes Equipment's when it answers
	// them too (the store does).
	Reports fieldportal.ReportService
	// Payments opens the organisation's payment provider; nil turns
	// online payment off.
	Payments fieldportal.PaymentGateways
	// Preferences keeps what a contact sets for itself; nil takes
	// Access's when it keeps them too (the store's accounts do).
	Preferences fieldportal.PreferencesService
	// SSO signs contacts in through their company's provider; nil
	// offers no single sign-on.
	SSO fieldportal.SSOService
	// Passkeys registers and signs in with passkeys; nil takes
	// SignIn's when it does that too (the store's accounts do).
	Passkeys fieldportal.PasskeyService
	// Challenges and SecondFactor run the second step of signing in and
	// a contact's own second factor (issue 21); nil takes SignIn's when
	// it runs them too (the store's accounts do).
	Challenges   fieldportal.ChallengeService
	SecondFactor fieldportal.SecondFactorService
	// Messages keeps the threads with the office (issue 22); nil takes
	// Work's when it keeps them too (the store does).
	Messages fieldportal.MessageService
	// VisitReports reads jobs' visit reports and their photos (issue
	// 22); nil shows none.
	VisitReports fieldportal.VisitReportService
}

// Portal is the customer portal's handlers.
type Portal struct {
	kit   *web.Kit
	door  web.Door
	pages *web.Pages
	svc   Services
}

// New parses the portal's pages and registers its routes on kit.
func New(kit *web.Kit, svc Services) (*Portal, error) {
	if svc.SignIn == nil || svc.Access == nil || svc.Sites == nil || svc.Dashboard == nil || svc.Equipment == nil ||
		svc.Work == nil || svc.Diary == nil || svc.Orgs == nil || svc.Money == nil {
		return nil, fmt.Errorf("portal: every service is required")
	}
	if svc.Reports == nil {
		svc.Reports, _ = svc.Equipment.(fieldportal.ReportService)
	}
	if svc.Reports == nil {
		return nil, fmt.Errorf("portal: the reports service is required")
	}
	if svc.Preferences == nil {
		svc.Preferences, _ = svc.Access.(fieldportal.PreferencesService)
	}
	if svc.Preferences == nil {
		return nil, fmt.Errorf("portal: the preferences service is required")
	}
	if svc.Passkeys == nil {
		svc.Passkeys, _ = svc.SignIn.(fieldportal.PasskeyService)
	}
	if svc.Passkeys == nil {
		return nil, fmt.Errorf("portal: the passkey service is required")
	}
	if svc.Challenges == nil {
		svc.Challenges, _ = svc.SignIn.(fieldportal.ChallengeService)
	}
	if svc.SecondFactor == nil {
		svc.SecondFactor, _ = svc.SignIn.(fieldportal.SecondFactorService)
	}
	if svc.Challenges == nil || svc.SecondFactor == nil {
		return nil, fmt.Errorf("portal: the second-factor services are required")
	}
	if svc.Messages == nil {
		svc.Messages, _ = svc.Work.(fieldportal.MessageService)
	}
	if svc.Messages == nil {
		return nil, fmt.Errorf("portal: the message service is required")
	}
	pages, err := kit.ParsePages(templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	p := &Portal{kit: kit, pages: pages, svc: svc, door: web.Door{Cookie: sessionCookie, DeviceCookie: deviceCookie, ChallengeCookie: challengeCookie,
		Path: "/", LoginPath: "/login", Find: svc.SignIn.ContactSession}}
	kit.DoorUnder("/", fieldportal.DoorPortal)
	p.routes()
	return p, nil
}

// routes lists every route of the portal in one place.
func (p *Portal) routes() {
	k := p.kit
	// Signing in, out, and the single-use links (signin.go).
	k.Handle("GET /login", p.handleLoginForm)
	k.Handle("POST /login", p.handleLogin)
	k.Handle("POST /logout", p.handleLogout)
	p.passkeyRoutes() // passkeys.go
	k.Handle("GET /forgot", p.handleForgotForm)
	k.Handle("POST /forgot", p.handleForgot)
	k.Handle("GET /reset/{token}", p.handleResetForm)
	k.Handle("POST /reset/{token}", p.handleReset)
	k.Handle("GET /setup/{token}", p.handleSetupForm)
	k.Handle("POST /setup/{token}", p.handleSetup)
	k.Handle("GET /password", p.signedIn(p.handlePasswordForm))
	k.Handle("POST /password", p.signedIn(p.handlePassword))
	p.ssoRoutes()       // single sign-on through a company (sso.go)
	p.challengeRoutes() // the second step (secondfactor.go)

	// The portal's pages, each behind a session.
	k.Handle("GET /{$}", p.signedIn(p.handleDashboard))
	k.Handle("GET /sites", p.signedIn(p.handleSites))
	k.Handle("GET /sites.csv", p.signedIn(p.handleSitesCSV))
	k.Handle("GET /sites/{id}", p.signedIn(p.handleSite))
	p.siteEditRoutes()
	k.Handle("GET /preferences", p.signedIn(p.handlePreferences))
	k.Handle("POST /preferences", p.signedIn(p.handlePreferencesSave))
	p.preferenceRoutes()
	p.securityRoutes()
	p.activityRoutes()
	p.contactRoutes() // contacts and users (issue 20, contacts.go)

	// The work a customer asks for (issue 16): one file per resource.
	p.issueRoutes()
	p.jobRoutes()
	p.visitReportRoutes() // a completed job's visit report (issue 22)
	p.visitRoutes()       // visit status and feedback (issue 22, visit.go)
	p.quoteRoutes()
	p.bookingRoutes()
	p.printoutRoutes()
	p.assetRoutes()

	// Money (issue 17).
	p.invoiceRoutes()
	p.paymentRoutes()
	p.statementRoutes()
	p.autopayRoutes()

	// Equipment and compliance (issue 18).
	p.certificateRoutes()
	p.diaryRoutes()
	p.taskRoutes()
	p.reportRoutes()
	p.documentRoutes()

	// Messages with the office (issue 22).
	p.messageRoutes()
}

// signedIn wraps a page that needs a signed-in contact (the kit's
// SignedIn with the portal's door). A login whose password was set by
// someone else may only change it (SPEC §3).
func (p *Portal) signedIn(h http.HandlerFunc) http.HandlerFunc {
	return p.kit.SignedIn(p.door, func(w http.ResponseWriter, r *http.Request) {
		if v, _ := web.ViewerFromContext(r.Context()); v.MustChangePassword && r.URL.Path != "/password" {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		h(w, r)
	})
}

// layout fills the frame of a portal page: the organisation and, when a
// contact is signed in, its name and the modules it may use.
func (p *Portal) layout(r *http.Request, title string) web.Layout {
	l := p.kit.BaseLayout(r, title)
	if v, ok := web.ViewerFromContext(r.Context()); ok {
		l.User = v.Name
		if l.User == "" {
			l.User = "Your account"
		}
		l.Nav = navFor(v, r)
		if m := p.messagesNav(r, v); m != nil {
			l.Nav = append(l.Nav, *m)
		}
		l.HeaderLinks = bookingActions(v, r.URL.Path)
	}
	return l
}

// needModule answers 404 and returns false when the viewer may not use
// the module of a page: a module a contact cannot use has no pages for it
// (SPEC §2.4, §2.5).
func (p *Portal) needModule(w http.ResponseWriter, r *http.Request, m fieldportal.Module) (fieldportal.Viewer, bool) {
	v, ok := web.ViewerFromContext(r.Context())
	if !ok || !v.CanUse(m) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return v, false
	}
	return v, true
}

// pageReady lists the modules whose pages exist. A module without pages
// yet is not linked from the navigation, the dashboard or a site's tabs,
// so no link leads to "no page here"; each module joins as its pages land.
var pageReady = map[fieldportal.Module]bool{
	fieldportal.ModuleDashboard: true,
	fieldportal.ModuleSites:     true,
	fieldportal.ModuleQuotes:    true,
	fieldportal.ModuleService:   true,
	fieldportal.ModuleInstall:   true,
	fieldportal.ModuleIssues:    true,
	fieldportal.ModuleInvoices:  true,
	fieldportal.ModuleStatement: true,
	fieldportal.ModuleAutopay:   true,
	// Issue 18.
	fieldportal.ModuleCertificates: true,
	fieldportal.ModuleDiary:        true,
	fieldportal.ModuleTasks:        true,
	fieldportal.ModuleReports:      true,
	fieldportal.ModuleAssets:       true,
	fieldportal.ModuleDocuments:    true,
}

// moduleURL is the stable address of each module's page (SPEC §4).
var moduleURL = map[fieldportal.Module]string{
	fieldportal.ModuleDashboard:    "/",
	fieldportal.ModuleSites:        "/sites",
	fieldportal.ModuleIssues:       "/issues",
	fieldportal.ModuleService:      "/jobs?kind=service",
	fieldportal.ModuleInstall:      "/jobs?kind=install",
	fieldportal.ModuleQuotes:       "/quotes",
	fieldportal.ModuleInvoices:     "/invoices",
	fieldportal.ModuleStatement:    "/statement",
	fieldportal.ModuleAutopay:      "/payments/automatic",
	fieldportal.ModuleAssets:       "/assets",
	fieldportal.ModuleDocuments:    "/documents",
	fieldportal.ModuleCertificates: "/certificates",
	fieldportal.ModuleDiary:        "/diary",
	fieldportal.ModuleTasks:        "/tasks",
	fieldportal.ModuleReports:      "/reports/ppm",
}

// navFor lists the viewer's usable modules, marking the one the request
// is in. Jobs are one path split by kind, so the kind decides there.
func navFor(v fieldportal.Viewer, r *http.Request) []web.NavLink {
	var out []web.NavLink
	for _, m := range v.UsableModules() {
		if !pageReady[m] {
			continue
		}
		u := moduleURL[m]
		path, q, _ := strings.Cut(u, "?")
		cur := false
		switch {
		case path == "/":
			cur = r.URL.Path == "/"
		case q != "":
			cur = r.URL.Path == path && "kind="+r.URL.Query().Get("kind") == q
		case m == fieldportal.ModuleReports:
			cur = strings.HasPrefix(r.URL.Path, "/reports/")
		default:
			cur = r.URL.Path == path || strings.HasPrefix(r.URL.Path, path+"/")
		}
		out = append(out, web.NavLink{Label: m.Label(), URL: u, Current: cur})
	}
	return out
}

// WithPagesReady marks modules as having pages, for tests of the links to
// them before their issue lands; it returns the function that undoes it.
// Not safe while requests are served concurrently.
func WithPagesReady(modules ...fieldportal.Module) (undo func()) {
	was := map[fieldportal.Module]bool{}
	for _, m := range modules {
		was[m] = pageReady[m]
		pageReady[m] = true
	}
	return func() {
		for m, v := range was {
			pageReady[m] = v
		}
	}
}
