package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The portal's start page: the dashboard of SPEC §4. The service counts
// only what the viewer may use; this file turns the counts into tiles.

// ActivityItem is one line of the dashboard's recent activity.
type ActivityItem struct {
	At   time.Time
	Text string
	URL  string
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
	web.Layout
	Tiles            []DashboardTile
	NextAppointments []appointmentRow
	ShowAppointments bool
	RecentActivity   []ActivityItem
	ShowActivity     bool
}

// appointmentRow is an appointment as the dashboard lists it.
type appointmentRow struct {
	Start                   time.Time
	When, Site, Description string
	Visit                   *web.Visit
}

// dashboardTiles turns counts into tiles in the navigation's order.
func dashboardTiles(d *fieldportal.Dashboard, v fieldportal.Viewer, currency string) []DashboardTile {
	var out []DashboardTile
	add := func(m fieldportal.Module, n *int, label, url string) {
		if n != nil && v.CanUse(m) {
			if !pageReady[m] {
				url = "" // counted, but its list has no page yet
			}
			out = append(out, DashboardTile{Label: label, Value: strconv.Itoa(*n), URL: url})
		}
	}
	add(fieldportal.ModuleSites, d.Sites, "Job sites", "/sites")
	add(fieldportal.ModuleIssues, d.OpenIssues, "Open issues", "/issues?status=open")
	add(fieldportal.ModuleService, d.OpenService, "Open service orders", "/jobs?kind=service&stage=open")
	add(fieldportal.ModuleInstall, d.OpenInstall, "Open install orders", "/jobs?kind=install&stage=open")
	add(fieldportal.ModuleQuotes, d.OutstandingQuotes, "Outstanding quotes", "/quotes?stage=outstanding")
	add(fieldportal.ModuleInvoices, d.UnpaidInvoices, "Unpaid invoices", "/invoices?tab=unpaid")
	if n := d.ExpiringCertificates; n != nil && v.CanUse(fieldportal.ModuleCertificates) {
		// A bounded count: at the cap it reads "1000+".
		value := strconv.Itoa(*n)
		if *n >= fieldportal.ExpiringCountCap {
			value += "+"
		}
		u := "/certificates?status=" + string(fieldportal.CertificateExpiring)
		if !pageReady[fieldportal.ModuleCertificates] {
			u = ""
		}
		out = append(out, DashboardTile{Label: "Certificates expiring soon", Value: value, URL: u})
	}
	if d.Balance != nil && v.CanUse(fieldportal.ModuleInvoices) {
		url := "/invoices?tab=unpaid"
		if !pageReady[fieldportal.ModuleInvoices] {
			url = ""
		}
		out = append(out, DashboardTile{Label: "Balance outstanding", Value: web.MoneyText(currency, *d.Balance), URL: url, Wide: true})
	}
	return out
}

func kindLabel(k fieldportal.JobKind) string {
	if k == fieldportal.JobInstall {
		return "Install"
	}
	return "Service"
}

// handleDashboard shows the counts the contact may see.
func (p *Portal) handleDashboard(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	org := web.OrganisationFromContext(r.Context())
	d, err := p.svc.Dashboard.Dashboard(r.Context(), v)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	// Times are shown in the organisation's zone.
	loc := web.OrgLocation(r)
	var next []appointmentRow
	for _, a := range d.NextAppointments {
		next = append(next, appointmentRow{Start: a.StartsAt.In(loc), When: appointmentSpan(a.StartsAt.In(loc), a.EndsAt.In(loc)),
			Site: a.SiteName, Description: a.Description, Visit: web.VisitOf(a, loc, web.RequestTime(r), technicianPhotoBase)})
	}
	var activity []ActivityItem
	if d.RecentJobs != nil {
		activity = []ActivityItem{}
		for _, j := range d.RecentJobs {
			item := ActivityItem{
				At:   j.UpdatedAt.In(loc),
				Text: fmt.Sprintf("%s order %s at %s: %s", kindLabel(j.Kind), j.Number, j.SiteName, j.Stage.Label()),
			}
			// The store lists only jobs of kinds the contact may use; the
			// link waits for the kind's pages.
			if v.CanUse(j.Kind.Module()) && pageReady[j.Kind.Module()] {
				item.URL = "/jobs/" + url.PathEscape(j.ID)
			}
			activity = append(activity, item)
		}
	}
	p.pages.Render(w, r, http.StatusOK, "dashboard", dashboardView{
		Layout:           p.layout(r, "Dashboard"),
		Tiles:            dashboardTiles(d, v, org.Currency),
		NextAppointments: next,
		ShowAppointments: v.CanUse(fieldportal.ModuleDiary) && d.NextAppointments != nil,
		RecentActivity:   activity,
		ShowActivity:     activity != nil,
	})
}

// appointmentSpan says when an appointment runs: one day with its hours,
// or the first and last day of a visit over several days.
func appointmentSpan(start, end time.Time) string {
	if fieldportal.DateOf(start) == fieldportal.DateOf(end) {
		return start.Format("Mon 2 Jan 2006, 15:04") + "–" + end.Format("15:04")
	}
	return start.Format("Mon 2 Jan, 15:04") + " to " + end.Format("Mon 2 Jan 2006, 15:04")
}
