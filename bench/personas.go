package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// Door is how a persona signs in: the portal's form, the console's form,
// or (later) an API key.
type Door int

// The doors.
const (
	PortalDoor Door = iota
	ConsoleDoor
	// APIDoor is an API key's: the benchmark makes the key (apiSession)
	// and its requests send it in the Authorization header.
	APIDoor
)

// Persona is someone the benchmark signs in as. Every data set, the demo
// and the generator's, has these accounts with the demo password.
type Persona struct {
	// Name labels the persona in the table.
	Name string
	// Login is the portal username or the console email.
	Login string
	Door  Door
}

// Password is the password of every persona (the demo's).
const Password = "Demo-pass-1"

// The personas of issue 15.
var (
	// Parent is the contact at the parent customer with the most sites
	// (20,000 in the large data set).
	Parent = Persona{Name: "parent", Login: "parent@demo.test", Door: PortalDoor}
	// SiteContact is the contact at a customer with one site.
	SiteContact = Persona{Name: "site", Login: "site@demo.test", Door: PortalDoor}
	// Staff is an office user of the console.
	Staff = Persona{Name: "staff", Login: "staff@demo.test", Door: ConsoleDoor}
	// Admin is the console's admin, for the admin-only screens.
	Admin = Persona{Name: "admin", Login: "admin@demo.test", Door: ConsoleDoor}
)

// session is a signed-in persona: the cookie its requests carry and its
// viewer, for timing the page's SQL as the handler runs it.
type session struct {
	cookie string // "name=value", or "Bearer <key>" for an API key
	token  string
}

// cookieName is the session cookie of a door.
func (d Door) cookieName() string {
	if d == ConsoleDoor {
		return "fp_console"
	}
	return "fp_session"
}

// noRedirect is a client that reports redirects instead of following
// them: a sign-in answers 303 with the cookie.
func noRedirect(c *http.Client) *http.Client {
	n := *c
	n.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &n
}

// signIn posts the persona's sign-in form to base, as a browser does, and
// returns the session it got.
func signIn(ctx context.Context, c *http.Client, base string, p Persona) (session, error) {
	var path string
	form := url.Values{"password": {Password}}
	switch p.Door {
	case PortalDoor:
		path = "/login"
		form.Set("username", p.Login)
	case ConsoleDoor:
		path = "/console/login"
		form.Set("email", p.Login)
	default:
		return session{}, fmt.Errorf("persona %s: no sign-in for its door yet", p.Name)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return session{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := noRedirect(c).Do(req)
	if err != nil {
		return session{}, fmt.Errorf("sign in as %s: %w", p.Login, err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == p.Door.cookieName() && ck.Value != "" {
			return session{cookie: ck.Name + "=" + ck.Value, token: ck.Value}, nil
		}
	}
	return session{}, fmt.Errorf("sign in as %s: answered %s without a session cookie (is the data filled?)", p.Login, res.Status)
}

// viewer is the persona's viewer, read through the session service as the
// doors read it on every request.
func viewer(ctx context.Context, svc server.Services, orgID string, p Persona, s session) (fieldportal.Viewer, error) {
	switch p.Door {
	case ConsoleDoor:
		return svc.SignIn.StaffSession(ctx, orgID, s.token)
	case APIDoor:
		return svc.APIKeys.APIKeyViewer(ctx, orgID, s.token, "127.0.0.1")
	}
	return svc.SignIn.ContactSession(ctx, orgID, s.token)
}

// discover finds the records the entries need, through the services with
// the personas' own viewers, so each id is one the persona reaches.
func discover(ctx context.Context, svc server.Services, viewers map[string]fieldportal.Viewer, ids *IDs) error {
	ids.Site = map[string]string{}
	for _, p := range []Persona{Parent, SiteContact} {
		sites, _, err := svc.Sites.FindSites(ctx, viewers[p.Name], fieldportal.SiteFilter{})
		if err != nil {
			return fmt.Errorf("find %s's sites: %w", p.Name, err)
		}
		if len(sites) == 0 {
			return fmt.Errorf("%s reaches no site", p.Name)
		}
		ids.Site[p.Name] = sites[0].ID
	}
	// Follow the parent's Next links a few pages in; a small data set
	// stops at its last page that has a successor.
	v := viewers[Parent.Name]
	f := fieldportal.SiteFilter{WithActivity: true}
	var last *fieldportal.Site
	for range 4 {
		sites, next, err := svc.Sites.FindSites(ctx, v, f)
		if err != nil {
			return fmt.Errorf("page through the parent's sites: %w", err)
		}
		if len(sites) > 0 {
			last = sites[len(sites)-1]
		}
		if next == "" {
			break
		}
		ids.SitesAfter, f.After = next, next
	}
	ids.SiteSearch = last.Address.Postcode
	if ids.SiteSearch == "" {
		ids.SiteSearch = last.Name
	}

	jobs, _, err := svc.Work.FindJobs(ctx, v, fieldportal.JobFilter{Kind: fieldportal.JobService})
	if err != nil {
		return fmt.Errorf("find the parent's service jobs: %w", err)
	}
	quotes, _, err := svc.Work.FindQuotes(ctx, v, fieldportal.QuoteFilter{})
	if err != nil {
		return fmt.Errorf("find the parent's quotes: %w", err)
	}
	if len(jobs) == 0 || len(quotes) == 0 {
		return errors.New("the parent persona reaches no service job or no quote to print")
	}
	ids.PrintedJob, ids.PrintedQuote = jobs[0].ID, quotes[0].ID

	staff := viewers[Staff.Name]
	list, _, err := svc.Access.FindContacts(ctx, staff, fieldportal.ContactFilter{Search: Parent.Login})
	if err != nil {
		return fmt.Errorf("find the parent's contact: %w", err)
	}
	if len(list) == 0 {
		return errors.New("no contact has the parent persona's email")
	}
	if err := discoverJobs(ctx, svc, viewers, ids); err != nil {
		return err
	}
	ids.Contact = list[0].Contact.ID
	ids.ContactSearch = list[0].Contact.LastName
	if ids.ContactSearch == "" {
		ids.ContactSearch = list[0].Contact.FirstName
	}
	if err := discoverQuotes(ctx, svc, v, ids); err != nil {
		return err
	}
	if err := discoverDepositQuote(ctx, svc, v, ids); err != nil {
		return err
	}
	if err := discoverOffice(ctx, svc, staff, ids); err != nil {
		return err
	}
	if err := discoverIssues(ctx, svc, v, ids); err != nil {
		return err
	}
	if err := discoverCalendar(ctx, svc, v, ids); err != nil {
		return err
	}
	if err := discoverReports(ctx, svc, v, ids); err != nil {
		return err
	}
	if err := discoverVisitReport(ctx, svc, v, ids); err != nil {
		return err
	}
	if err := discoverFeedback(ctx, svc, staff, ids); err != nil {
		return err
	}
	if err := discoverAssets(ctx, svc, v, ids); err != nil {
		return err
	}
	if err := discoverDocuments(ctx, svc, staff, v, ids); err != nil {
		return err
	}
	if err := discoverCustomers(ctx, svc, staff, ids); err != nil {
		return err
	}
	if err := discoverMessages(ctx, svc, v, ids); err != nil {
		return err
	}
	return discoverInvoices(ctx, svc, v, ids)
}

// discoverJobs finds a service order of each contact persona and a
// number to search the parent's orders by, a few pages in.
func discoverJobs(ctx context.Context, svc server.Services, viewers map[string]fieldportal.Viewer, ids *IDs) error {
	ids.Job = map[string]string{}
	for _, p := range []Persona{Parent, SiteContact} {
		f := fieldportal.JobFilter{Kind: fieldportal.JobService}
		for i := range 4 {
			jobs, next, err := svc.Work.FindJobs(ctx, viewers[p.Name], f)
			if err != nil {
				return fmt.Errorf("find %s's orders: %w", p.Name, err)
			}
			if len(jobs) == 0 {
				break
			}
			if i == 0 {
				ids.Job[p.Name] = jobs[0].ID
			}
			if p == Parent {
				ids.JobSearch = jobs[len(jobs)-1].Number
			}
			if next == "" {
				break
			}
			f.After = next
		}
		if ids.Job[p.Name] == "" {
			return fmt.Errorf("%s reaches no service order", p.Name)
		}
	}
	return nil
}
