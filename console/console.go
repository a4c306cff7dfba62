// Package console is the staff console (SPEC §5): the operator's own
// pages under /console. Staff sign in with their own accounts into a
// session of their own, whose cookie is scoped to /console, so a contact's
// portal session and a staff session never stand in for each other. One
// handler file per area; handlers parse, call one service method with the
// staff viewer, and render with the kit.
package console

import (
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

//go:embed templates
var templates embed.FS

// sessionCookie holds a staff session's token.
const sessionCookie = "fp_console"

// deviceCookie remembers that this browser signed in to a staff account.
const deviceCookie = "fp_console_device"

// challengeCookie holds a staff sign-in's challenge between its password
// and its second step (issue 21); it is no session.
const challengeCookie = "fp_console_challenge"

// Config is what the console shows about how the program runs.
type Config struct {
	// MailEnabled says a mail worker sends the outbox; without one the
	// console tells staff that mail is only kept in its mail log.
	MailEnabled bool
}

// Services are what the console's pages call.
type Services struct {
	SignIn fieldportal.SignInService
	Access fieldportal.AccessService
	Staff  fieldportal.StaffService
	Orgs   fieldportal.OrganisationService
	// Work, Diary and Equipment serve the staff queues: issues,
	// bookings, quote requests, scheduling and attachments.
	Work      fieldportal.WorkService
	Diary     fieldportal.DiaryService
	Equipment fieldportal.EquipmentService
	// Money keeps invoices, payments and recurring invoices; Payments
	// opens the organisation's payment provider (nil: online payment off).
	Money    fieldportal.MoneyService
	Payments fieldportal.PaymentGateways
	// Sites finds the customers and sites a recurring invoice is for.
	Sites fieldportal.SiteService
	// APIKeys keeps the back office's API keys (an admin's screen).
	APIKeys fieldportal.APIKeyService
	// Webhooks keeps the back office's webhook endpoints (admins).
	Webhooks fieldportal.WebhookService
	// SSO keeps customers' single sign-on settings (admins); nil: the
	// customer page has no such section.
	SSO fieldportal.SSOService
	// Passkeys registers and signs in with passkeys; nil takes
	// SignIn's when it does that too (the store's accounts do).
	Passkeys fieldportal.PasskeyService
	// Challenges and SecondFactor run the second step of signing in and
	// second factors (issue 21); nil takes SignIn's when it runs them too.
	Challenges   fieldportal.ChallengeService
	SecondFactor fieldportal.SecondFactorService
	// Messages keeps the threads with customers (issue 22); nil takes
	// Work's when it keeps them too (the store does).
	Messages fieldportal.MessageService
	// VisitReports reads jobs' visit reports and their photos (issue
	// 22); nil shows none.
	VisitReports fieldportal.VisitReportService
}

// Console is the staff console's handlers.
type Console struct {
	cfg   Config
	door  web.Door
	kit   *web.Kit
	pages *web.Pages
	svc   Services
}

// New parses the console's pages and registers its routes on kit.
func New(kit *web.Kit, cfg Config, svc Services) (*Console, error) {
	if svc.SignIn == nil || svc.Access == nil || svc.Staff == nil || svc.Orgs == nil ||
		svc.Work == nil || svc.Diary == nil || svc.Equipment == nil || svc.Money == nil || svc.APIKeys == nil ||
		svc.Webhooks == nil {
		return nil, fmt.Errorf("console: every service is required")
	}
	if svc.Passkeys == nil {
		svc.Passkeys, _ = svc.SignIn.(fieldportal.PasskeyService)
	}
	if svc.Passkeys == nil {
		return nil, fmt.Errorf("console: the passkey service is required")
	}
	if svc.Challenges == nil {
		svc.Challenges, _ = svc.SignIn.(fieldportal.ChallengeService)
	}
	if svc.SecondFactor == nil {
		svc.SecondFactor, _ = svc.SignIn.(fieldportal.SecondFactorService)
	}
	if svc.Challenges == nil || svc.SecondFactor == nil {
		return nil, fmt.Errorf("console: the second-factor services are required")
	}
	if svc.Messages == nil {
		svc.Messages, _ = svc.Work.(fieldportal.MessageService)
	}
	if svc.Messages == nil {
		return nil, fmt.Errorf("console: the message service is required")
	}
	pages, err := kit.ParsePages(templates, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("console: %w", err)
	}
	c := &Console{cfg: cfg, kit: kit, pages: pages, svc: svc, door: web.Door{Cookie: sessionCookie, DeviceCookie: deviceCookie, ChallengeCookie: challengeCookie,
		Path: "/console", LoginPath: "/console/login", Find: svc.SignIn.StaffSession}}
	kit.DoorUnder("/console/", fieldportal.DoorConsole)
	c.routes()
	return c, nil
}

// routes registers the console's pages.
func (c *Console) routes() {
	k := c.kit
	k.Handle("GET /console/login", c.handleLoginForm)
	k.Handle("POST /console/login", c.handleLogin)
	c.passkeyRoutes() // passkeys.go
	k.Handle("POST /console/logout", c.handleLogout)
	c.challengeRoutes() // the second step (secondfactor.go)
	c.securityRoutes()  // My account's second factor (security.go)
	c.factorRemovalRoutes()
	k.Handle("GET /console", c.signedIn(c.handleHome))
	k.Handle("GET /console/contacts", c.signedIn(c.handleContacts))
	k.Handle("GET /console/contacts/{id}", c.signedIn(c.handleContact))
	k.Handle("GET /console/contacts/{id}/revoke", c.signedIn(c.handleRevokeConfirm))
	k.Handle("POST /console/contacts/{id}/access", c.signedIn(c.handleAccess))
	k.Handle("GET /console/settings", c.signedIn(c.handleSettingsForm))
	k.Handle("POST /console/settings", c.signedIn(c.handleSettings))
	k.Handle("POST /console/settings/logo", c.signedIn(c.handleLogo))
	k.Handle("POST /console/settings/payments", c.signedIn(c.handlePaymentSettings))
	k.Handle("GET /console/mail", c.signedIn(c.handleMail))
	k.Handle("GET /console/account", c.signedIn(c.handleAccount))
	k.Handle("POST /console/account/password", c.signedIn(c.handleAccountPassword))
	k.Handle("GET /console/staff", c.signedIn(c.handleStaff))
	k.Handle("POST /console/staff", c.signedIn(c.handleStaffAdd))
	k.Handle("POST /console/staff/{id}", c.signedIn(c.handleStaffUpdate))
	k.Handle("GET /console/styleguide", c.signedIn(c.handleStyleguide))

	// The staff queues of issue 16: one file per resource.
	c.issueRoutes()
	c.messageRoutes() // messages with customers (issue 22)
	c.jobRoutes()
	c.visitReportRoutes() // jobs' visit reports (issue 22)
	c.quoteRoutes()
	c.scheduleRoutes()
	c.visitRoutes() // visit status, staff profiles, feedback (issue 22, visit.go)
	c.recurringRoutes()
	c.invoiceRoutes()
	c.portalSiteRoutes()

	// Equipment and compliance (issue 18).
	c.certificateRoutes()
	c.taskRoutes()
	c.assetRoutes()
	c.documentRoutes()

	// The integration API's keys (issue 19).
	c.apiKeyRoutes()
	// Webhooks (issue 19).
	c.webhookRoutes()
	// The customer tree (issue 20).
	c.customerRoutes()
	// The audit log (issue 20).
	c.auditRoutes()
}

// signedIn wraps a console page: a live staff session of an enabled staff
// user, else the console's sign-in page.
func (c *Console) signedIn(h http.HandlerFunc) http.HandlerFunc { return c.kit.SignedIn(c.door, h) }

// layout is the frame of a console page: the console's own menu.
func (c *Console) layout(r *http.Request, title string) web.Layout {
	l := c.kit.BaseLayout(r, title)
	l.Console = true
	v, ok := web.ViewerFromContext(r.Context())
	if !ok {
		return l
	}
	l.User = v.Name
	links := []web.NavLink{{Label: "Home", URL: "/console"}, {Label: "Customers", URL: "/console/customers"},
		{Label: "Contacts and access", URL: "/console/contacts"},
		{Label: "Issues", URL: "/console/issues"}, {Label: "Jobs", URL: "/console/jobs"}, {Label: "Quotes", URL: "/console/quotes"},
		{Label: "Sites from the portal", URL: "/console/portal-sites"},
		{Label: "Invoices", URL: "/console/invoices"}, {Label: "Payments", URL: "/console/payments"},
		{Label: "Recurring invoices", URL: "/console/recurring"}, {Label: "Equipment", URL: "/console/assets"},
		{Label: "Certificates", URL: "/console/certificates"}, {Label: "Documents", URL: "/console/documents"},
		{Label: "Tasks", URL: "/console/tasks"}, {Label: "Mail log", URL: "/console/mail"},
		{Label: "Audit log", URL: "/console/audit"}, {Label: "Visit feedback", URL: "/console/feedback"}}
	links = append(links, web.NavLink{Label: "Messages", URL: "/console/messages"})
	if v.IsAdmin() {
		links = append(links, web.NavLink{Label: "Staff", URL: "/console/staff"}, web.NavLink{Label: "Settings", URL: "/console/settings"})
		links = append(links, web.NavLink{Label: "API keys", URL: "/console/api-keys"})
		links = append(links, web.NavLink{Label: "Webhooks", URL: "/console/webhooks"})
	}
	for i := range links {
		p := links[i].URL
		links[i].Current = r.URL.Path == p || (p != "/console" && strings.HasPrefix(r.URL.Path, p+"/"))
	}
	l.Nav = links
	return l
}

// needAdmin answers 403 and returns false unless the viewer is an admin.
func (c *Console) needAdmin(w http.ResponseWriter, r *http.Request, what string) (fieldportal.Viewer, bool) {
	v, _ := web.ViewerFromContext(r.Context())
	if !v.IsAdmin() {
		c.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can %s.", what))
		return v, false
	}
	return v, true
}

// loginView is the console's sign-in page.
type loginView struct {
	web.Layout
	Errors   []fieldportal.FieldError
	Email    web.FieldView
	Password web.FieldView
	Next     string
	Notice   string
}

func (c *Console) renderLogin(w http.ResponseWriter, r *http.Request, status int, email, next string, errs web.FormErrors) {
	notice := ""
	switch r.URL.Query().Get("done") {
	case "logout":
		notice = "You have logged out of the console."
	case web.ChallengeEnded:
		notice = "Your sign-in ended before it was finished. Sign in again."
	}
	c.pages.Render(w, r, status, "login", loginView{
		Layout: c.layout(r, "Staff sign in"), Errors: errs.List("email", "password"),
		Email:    web.Field("email", "Email address", "email", email, "username", errs),
		Password: web.Field("password", "Password", "password", "", "current-password", errs),
		Next:     next, Notice: notice,
	})
}

func (c *Console) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !consoleNext(next) {
		next = ""
	}
	c.renderLogin(w, r, http.StatusOK, "", next, web.FormErrors{})
}

// handleLogin signs a staff user in; throttled and answered like the
// portal's sign-in, so it reveals no account either.
func (c *Console) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	email := strings.TrimSpace(r.PostForm.Get("email"))
	password := r.PostForm.Get("password")
	next := r.PostForm.Get("next")
	if !consoleNext(next) {
		next = "/console"
	}
	s, err := c.svc.SignIn.StaffSignIn(r.Context(), c.kit.SignInRequest(c.door, r, email, password))
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		c.renderLogin(w, r, http.StatusBadRequest, email, next, web.ErrorsOf(err))
		return
	} else if web.IsFormError(err) {
		c.renderLogin(w, r, web.StatusFor(fieldportal.ErrorCode(err)), email, next, web.FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.kit.StartSession(c.door, w, s)
	if s.Challenge != "" {
		next = s.Next + "?next=" + url.QueryEscape(next) // a second step is owed (issue 21)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (c *Console) handleLogout(w http.ResponseWriter, r *http.Request) {
	if token := web.CookieValue(r, sessionCookie); token != "" {
		if err := c.svc.SignIn.SignOut(r.Context(), token); err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	c.kit.ClearCookie(w, sessionCookie, "/console")
	c.kit.ClearCookie(w, challengeCookie, "/console")
	http.Redirect(w, r, "/console/login?done=logout", http.StatusSeeOther)
}

// homeView is the console's start page.
type homeView struct {
	web.Layout
	PendingMail int
	MailHeld    bool
	Admin       bool
}

func (c *Console) handleHome(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	n, err := c.svc.Orgs.CountOutbox(r.Context(), v, "mail", fieldportal.OutboxPending)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "home", homeView{Layout: c.layout(r, "Staff console"),
		PendingMail: n, MailHeld: !c.cfg.MailEnabled, Admin: v.IsAdmin()})
}

// consoleNext reports whether next is a safe page of the console to
// return to after signing in: local, and still under /console once the
// path is cleaned as the redirect will clean it.
func consoleNext(next string) bool {
	if web.SafeNext(next) != next {
		return false
	}
	p, _, _ := strings.Cut(next, "?")
	cl := path.Clean(p)
	return cl == "/console" || strings.HasPrefix(cl, "/console/")
}
