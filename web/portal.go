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
// *sqlstore.DB satisfies it. As the store gains counts of issues, jobs,
// quotes, invoices and appointments, add them here and in CountDashboard.
type DashboardSource interface {
	CountSites(ctx context.Context, v fieldportal.Viewer) (int, error)
}

// CountDashboard fills the counts the viewer may see, asking the store
// only for modules the viewer can use (SPEC §2.4): a hidden module is not
// even counted.
func CountDashboard(ctx context.Context, src DashboardSource, v fieldportal.Viewer) (DashboardCounts, error) {
	var c DashboardCounts
	if v.CanUse(fieldportal.ModuleSites) {
		n, err := src.CountSites(ctx, v)
		if err != nil {
			return c, fmt.Errorf("count sites: %w", err)
		}
		c.Sites = &n
	}
	// Open issues, open service and install orders, outstanding quotes,
	// unpaid invoices and their balance, next appointments and recent
	// activity are filled here when their store methods land.
	return c, nil
}

// DashboardTile is one count on the dashboard, linking to the list it counts.
type DashboardTile struct {
	Label string
	Value string
	URL   string
}

// dashboardView is the start page.
type dashboardView struct {
	Layout
	Tiles            []DashboardTile
	NextAppointments []*fieldportal.Appointment
	ShowAppointments bool
	RecentActivity   []ActivityItem
	ShowActivity     bool
}

// dashboardTiles turns counts into tiles in the navigation's order.
func dashboardTiles(c DashboardCounts, v fieldportal.Viewer, currency string) []DashboardTile {
	var out []DashboardTile
	add := func(m fieldportal.Module, n *int, label, url string) {
		if n != nil && v.CanUse(m) {
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
		out = append(out, DashboardTile{Label: "Balance outstanding", Value: currency + " " + c.Balance.String(), URL: "/invoices?status=unpaid"})
	}
	return out
}

// handleDashboard shows the counts the contact may see.
func (s *Server) handleDashboard(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	org := OrganisationFromContext(ctx)
	c, err := CountDashboard(ctx, s.db, v)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "dashboard", dashboardView{
		Layout:           s.layoutFor(r, "Dashboard"),
		Tiles:            dashboardTiles(c, v, org.Currency),
		NextAppointments: c.NextAppointments,
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
