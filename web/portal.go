package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The portal's frame and start page: the dashboard of SPEC §4.

// DashboardCounts is what the dashboard shows at a glance. A nil count
// means "not shown": the viewer may not use its module, or no store method
// counts it yet. Lists are empty for the same reasons.
type DashboardCounts struct {
	Sites             *int
	OpenIssues        *int
	OpenService       *int // open service orders
	OpenInstall       *int // open install orders
	OutstandingQuotes *int
	UnpaidInvoices    *int
	// Balance is the total outstanding on unpaid invoices; shown with
	// UnpaidInvoices.
	Balance          *fieldportal.Money
	NextAppointments []*fieldportal.Appointment
	RecentActivity   []ActivityItem
}

// ActivityItem is one line of the dashboard's recent activity.
type ActivityItem struct {
	At   time.Time
	Text string
	URL  string
}

// DashboardSource is the part of the store the dashboard reads;
// *sqlstore.DB satisfies it.
type DashboardSource interface {
	CountSites(ctx context.Context, v fieldportal.Viewer) (int, error)
	CountIssues(ctx context.Context, v fieldportal.Viewer, status string) (int, error)
	CountJobs(ctx context.Context, v fieldportal.Viewer, kind fieldportal.JobKind, stages []fieldportal.JobStage) (int, error)
	CountQuotes(ctx context.Context, v fieldportal.Viewer, stages []fieldportal.QuoteStage) (int, error)
	InvoiceSummary(ctx context.Context, v fieldportal.Viewer, today fieldportal.Date) (fieldportal.InvoiceSummary, error)
	FindAppointments(ctx context.Context, v fieldportal.Viewer, f fieldportal.AppointmentFilter) ([]*fieldportal.Appointment, string, error)
	FindJobs(ctx context.Context, v fieldportal.Viewer, f fieldportal.JobFilter) ([]*fieldportal.Job, string, error)
}

// openStages are the stages of a job that still counts as open work.
var openStages = []fieldportal.JobStage{fieldportal.StagePending, fieldportal.StageScheduled, fieldportal.StageInProgress}

// CountDashboard fills the counts the viewer may see, asking the store
// only for modules the viewer can use (SPEC §2.4): a hidden module is not
// even counted. now is the moment the page is for (today's date in the
// organisation's zone decides what is overdue).
func CountDashboard(ctx context.Context, src DashboardSource, v fieldportal.Viewer, now time.Time) (DashboardCounts, error) {
	var c DashboardCounts
	count := func(m fieldportal.Module, dst **int, what string, fn func() (int, error)) error {
		if !v.CanUse(m) {
			return nil
		}
		n, err := fn()
		if err != nil {
			return fmt.Errorf("count %s: %w", what, err)
		}
		*dst = &n
		return nil
	}
	steps := []error{
		count(fieldportal.ModuleSites, &c.Sites, "sites", func() (int, error) { return src.CountSites(ctx, v) }),
		count(fieldportal.ModuleIssues, &c.OpenIssues, "issues", func() (int, error) { return src.CountIssues(ctx, v, fieldportal.IssueOpen) }),
		count(fieldportal.ModuleService, &c.OpenService, "service orders", func() (int, error) {
			return src.CountJobs(ctx, v, fieldportal.JobService, openStages)
		}),
		count(fieldportal.ModuleInstall, &c.OpenInstall, "install orders", func() (int, error) {
			return src.CountJobs(ctx, v, fieldportal.JobInstall, openStages)
		}),
		count(fieldportal.ModuleQuotes, &c.OutstandingQuotes, "quotes", func() (int, error) {
			return src.CountQuotes(ctx, v, []fieldportal.QuoteStage{fieldportal.QuoteOutstanding})
		}),
	}
	for _, err := range steps {
		if err != nil {
			return c, err
		}
	}
	if v.CanUse(fieldportal.ModuleInvoices) {
		sum, err := src.InvoiceSummary(ctx, v, fieldportal.DateOf(now))
		if err != nil {
			return c, fmt.Errorf("invoice summary: %w", err)
		}
		c.UnpaidInvoices, c.Balance = &sum.Unpaid, &sum.Balance
	}
	if v.CanUse(fieldportal.ModuleDiary) {
		next, _, err := src.FindAppointments(ctx, v, fieldportal.AppointmentFilter{Page: fieldportal.Page{Limit: 5}, From: now})
		if err != nil {
			return c, fmt.Errorf("next appointments: %w", err)
		}
		c.NextAppointments = append([]*fieldportal.Appointment{}, next...)
	}
	// Recent activity: the latest changes to the contact's orders.
	var kinds []fieldportal.JobKind
	for _, k := range []fieldportal.JobKind{fieldportal.JobService, fieldportal.JobInstall} {
		if v.CanUse(k.Module()) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) > 0 {
		c.RecentActivity = []ActivityItem{}
		jobs, _, err := src.FindJobs(ctx, v, fieldportal.JobFilter{Page: fieldportal.Page{Limit: 5}, RecentlyChanged: true})
		if err != nil {
			return c, fmt.Errorf("recent jobs: %w", err)
		}
		for _, j := range jobs {
			c.RecentActivity = append(c.RecentActivity, ActivityItem{
				At:   j.UpdatedAt,
				Text: fmt.Sprintf("%s order %s at %s: %s", kindLabel(j.Kind), j.Number, j.SiteName, j.Stage.Label()),
				// No link until the jobs pages exist (a later issue).
			})
		}
	}
	return c, nil
}

func kindLabel(k fieldportal.JobKind) string {
	if k == fieldportal.JobInstall {
		return "Install"
	}
	return "Service"
}

// DashboardTile is one count on the dashboard, linking to the list it counts.
type DashboardTile struct {
	Label string
	Value string
	URL   string
	// Wide tiles hold an amount, which must not wrap on a phone.
	Wide bool
}

// dashboardView is the start page.
type dashboardView struct {
	Layout
	Tiles            []DashboardTile
	NextAppointments []appointmentRow
	ShowAppointments bool
	RecentActivity   []ActivityItem
	ShowActivity     bool
}

// dashboardTiles turns counts into tiles in the navigation's order.
func dashboardTiles(c DashboardCounts, v fieldportal.Viewer, currency string) []DashboardTile {
	var out []DashboardTile
	add := func(m fieldportal.Module, n *int, label, url string) {
		if n != nil && v.CanUse(m) {
			if !pageReady[m] {
				url = "" // counted, but its list has no page yet
			}
			out = append(out, DashboardTile{Label: label, Value: strconv.Itoa(*n), URL: url})
		}
	}
	add(fieldportal.ModuleSites, c.Sites, "Job sites", "/sites")
	add(fieldportal.ModuleIssues, c.OpenIssues, "Open issues", "/issues?status=open")
	add(fieldportal.ModuleService, c.OpenService, "Open service orders", "/jobs?kind=service&stage=open")
	add(fieldportal.ModuleInstall, c.OpenInstall, "Open install orders", "/jobs?kind=install&stage=open")
	add(fieldportal.ModuleQuotes, c.OutstandingQuotes, "Outstanding quotes", "/quotes?stage=outstanding")
	add(fieldportal.ModuleInvoices, c.UnpaidInvoices, "Unpaid invoices", "/invoices?status=unpaid")
	if c.Balance != nil && v.CanUse(fieldportal.ModuleInvoices) {
		url := "/invoices?status=unpaid"
		if !pageReady[fieldportal.ModuleInvoices] {
			url = ""
		}
		out = append(out, DashboardTile{Label: "Balance outstanding", Value: moneyText(currency, *c.Balance), URL: url, Wide: true})
	}
	return out
}

// handleDashboard shows the counts the contact may see.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	org := OrganisationFromContext(ctx)
	loc := orgLocation(r)
	c, err := CountDashboard(ctx, s.db, v, s.db.Now().In(loc))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Times are shown in the organisation's zone.
	for i := range c.RecentActivity {
		c.RecentActivity[i].At = c.RecentActivity[i].At.In(loc)
	}
	var next []appointmentRow
	for _, a := range c.NextAppointments {
		next = append(next, appointmentRow{Start: a.StartsAt.In(loc), When: appointmentSpan(a.StartsAt.In(loc), a.EndsAt.In(loc)),
			Site: a.SiteName, Description: a.Description})
	}
	s.render(w, r, http.StatusOK, "dashboard", dashboardView{
		Layout:           s.layoutFor(r, "Dashboard"),
		Tiles:            dashboardTiles(c, v, org.Currency),
		NextAppointments: next,
		ShowAppointments: v.CanUse(fieldportal.ModuleDiary) && c.NextAppointments != nil,
		RecentActivity:   c.RecentActivity,
		ShowActivity:     c.RecentActivity != nil,
	})
}

// needModule answers 404 and returns false when the viewer may not use
// the module of a page: a module a contact cannot use has no pages for it
// (SPEC §2.4, §2.5).
func (s *Server) needModule(w http.ResponseWriter, r *http.Request, m fieldportal.Module) (fieldportal.Viewer, bool) {
	v, ok := ViewerFromContext(r.Context())
	if !ok || !v.CanUse(m) {
		s.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return v, false
	}
	return v, true
}

// appointmentRow is an appointment as the dashboard lists it.
type appointmentRow struct {
	Start                   time.Time
	When, Site, Description string
}

// appointmentSpan says when an appointment runs: one day with its hours,
// or the first and last day of a visit over several days.
func appointmentSpan(start, end time.Time) string {
	if fieldportal.DateOf(start) == fieldportal.DateOf(end) {
		return start.Format("Mon 2 Jan 2006, 15:04") + "–" + end.Format("15:04")
	}
	return start.Format("Mon 2 Jan, 15:04") + " to " + end.Format("Mon 2 Jan 2006, 15:04")
}

// currencySymbols are the signs written before amounts; other currencies
// are written with their code.
var currencySymbols = map[string]string{"GBP": "£", "EUR": "€", "USD": "$", "AUD": "$", "NZD": "$", "CAD": "$", "IEP": "€"}

// moneyText formats an amount in the organisation's currency.
func moneyText(currency string, m fieldportal.Money) string {
	if sym, ok := currencySymbols[currency]; ok {
		if m < 0 {
			return "-" + sym + (-m).String()
		}
		return sym + m.String()
	}
	return currency + " " + m.String()
}
