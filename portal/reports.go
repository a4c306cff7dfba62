package portal

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Reports (SPEC §4 "The reports", seed 003): the planned preventative
// maintenance grid (reports_ppm.go), the current defects and the test
// history (reports_lists.go), each with its filters in the query string,
// a CSV and a PDF of the same query. The three link to each other by a
// row of tabs. What this file holds is what they share: the routes, the
// tabs, the site filter and "today".

// reportRoutes registers the reports' routes.
func (p *Portal) reportRoutes() {
	k := p.kit
	k.Handle("GET /reports/ppm", p.signedIn(p.handlePPM))
	k.Handle("GET /reports/ppm.csv", p.signedIn(p.handlePPMCSV))
	k.Handle("GET /reports/ppm.pdf", p.signedIn(p.handlePPMPDF))
	k.Handle("GET /reports/defects", p.signedIn(p.handleDefects))
	k.Handle("GET /reports/defects.csv", p.signedIn(p.handleDefectsCSV))
	k.Handle("GET /reports/defects.pdf", p.signedIn(p.handleDefectsPDF))
	k.Handle("GET /reports/tests", p.signedIn(p.handleTests))
	k.Handle("GET /reports/tests.csv", p.signedIn(p.handleTestsCSV))
	k.Handle("GET /reports/tests.pdf", p.signedIn(p.handleTestsPDF))
}

// reportClock is the reports' clock: the PPM grid's current week is
// today's. Tests fix it.
var reportClock = time.Now

// reportToday is today in the organisation's zone.
func reportToday(r *http.Request) fieldportal.Date {
	return fieldportal.DateOf(reportClock().In(web.OrgLocation(r)))
}

// reportTabs links the three reports, marking the current one.
func reportTabs(current string) []web.NavLink {
	return []web.NavLink{
		{Label: "Planned maintenance", URL: "/reports/ppm", Current: current == "ppm"},
		{Label: "Current defects", URL: "/reports/defects", Current: current == "defects"},
		{Label: "Test history", URL: "/reports/tests", Current: current == "tests"},
	}
}

// reportSiteFilter is the site filter of a report: a select of the
// contact's sites when they are few, or of those whose names match what
// was typed in "Find a site" when they are many.
type reportSiteFilter struct {
	Site web.SelectView
	// Find is the "Find a site" box, shown to a contact of many sites.
	Find *web.FieldView
	// Name is the chosen site's name, "" when none or out of reach.
	Name string
}

// reportSites builds the site filter. blank is the label of the empty
// choice ("All sites", or "Choose a site" where a site is required).
func (p *Portal) reportSites(r *http.Request, v fieldportal.Viewer, siteID, find, blank string, errs web.FormErrors) (reportSiteFilter, error) {
	ctx := r.Context()
	sites, next, err := p.svc.Reports.FindReportSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: siteChoicesMax}, Search: find})
	if err != nil {
		return reportSiteFilter{}, err
	}
	out := reportSiteFilter{Site: web.SelectView{FieldView: web.Field("site", "Site", "select", siteID, "", errs)}}
	out.Site.Options = []web.CheckOption{{Value: "", Label: blank, Checked: siteID == ""}}
	found := false
	for _, s := range sites {
		out.Site.Options = append(out.Site.Options, web.CheckOption{Value: s.ID, Label: s.Name, Checked: s.ID == siteID})
		if s.ID == siteID {
			found, out.Name = true, s.Name
		}
	}
	if siteID != "" && !found {
		// The chosen site, kept when the search does not list it; a site
		// out of reach is not offered (the report says so).
		if s, err := p.svc.Reports.FindReportSite(ctx, v, siteID); err == nil {
			out.Name = s.Name
			out.Site.Options = append(out.Site.Options[:1], append([]web.CheckOption{{Value: s.ID, Label: s.Name, Checked: true}}, out.Site.Options[1:]...)...)
		} else if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			return reportSiteFilter{}, err
		}
	}
	if next != "" || find != "" {
		f := web.Field("site_q", "Find a site", "search", find, "off", errs).Optional()
		f.Hint = "Part of the site's name, then Show report: the Site list offers the matches."
		out.Find = &f
		if next != "" {
			out.Site.Hint = "The first " + itoa(siteChoicesMax) + " sites; find a site to narrow the list."
		}
	}
	return out, nil
}

// optionsOf turns names into a select's options, the first being blank.
func optionsOf(names []string, chosen, blank string) []web.CheckOption {
	out := []web.CheckOption{{Value: "", Label: blank, Checked: chosen == ""}}
	seen := false
	for _, n := range names {
		out = append(out, web.CheckOption{Value: n, Label: n, Checked: n == chosen})
		seen = seen || n == chosen
	}
	if chosen != "" && !seen {
		out = append(out, web.CheckOption{Value: chosen, Label: chosen, Checked: true})
	}
	return out
}

// reportQuery reads the query string values a report keeps, trimmed.
func reportQuery(r *http.Request, names ...string) url.Values {
	q := r.URL.Query()
	out := url.Values{}
	for _, n := range names {
		if s := strings.TrimSpace(q.Get(n)); s != "" {
			out.Set(n, s)
		}
	}
	return out
}

// reportError sorts an error of a report's store call: a validation error
// becomes the page's messages (true), anything else is the caller's to
// answer (false).
func reportError(err error, view *[]fieldportal.FieldError, errs web.FormErrors) bool {
	if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
		return false
	}
	*view = append(*view, fieldErrorsOf(err)...)
	for k, m := range web.ErrorsOf(err) {
		errs[k] = m
	}
	return true
}

// reportDate formats a date the way the reports show it.
func reportDate(d fieldportal.Date) string { return quoteDateText(d) }

// itoa is strconv.Itoa for the reports' words.
func itoa(n int) string { return web.NumberText(n) }
