package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Job sites (SPEC §4): the list with search and keyset pages, its CSV,
// and a site's page with tabs for the modules the contact may use.

// sitesView is the list of sites, built from the kit's list components.
type sitesView struct {
	web.Layout
	Query   string
	Filter  web.FilterBar
	Count   web.Count
	Table   web.Table
	Pager   web.Pager
	CSVURL  string
	CSVWhat string
	// Actions is the list's Create a site, when the contact may.
	Actions []web.Action
	Notice  string
}

// SiteRow is one row of the list and of its CSV.
type SiteRow struct {
	URL            string
	Name           string
	Address        string
	Postcode       string
	Customer       string
	OpenActivities int
	// Archived: out of use, itself or through its customer.
	Archived bool
}

// siteRow formats a site for the list.
func siteRow(s *fieldportal.Site) SiteRow {
	return SiteRow{
		URL: "/sites/" + url.PathEscape(s.ID), Name: s.Name, Address: streetAddress(s.Address),
		Postcode: s.Address.Postcode, Customer: s.CustomerName, OpenActivities: s.OpenActivities, Archived: s.Archived(),
	}
}

// sitesTable lays out a page of sites; activity adds the Open activities
// column (only for a viewer who may use a module it counts).
func sitesTable(sites []*fieldportal.Site, search string, activity bool) web.Table {
	t := web.Table{Caption: "Job sites", Columns: []web.Column{{Label: "Site"}, {Label: "Address"}, {Label: "Postcode"}, {Label: "Customer"}}}
	if search != "" {
		t.Caption = "Job sites matching “" + search + "”"
	}
	if activity {
		t.Columns = append(t.Columns, web.Column{Label: "Open activities", Numeric: true})
	}
	for _, site := range sites {
		row := siteRow(site)
		name := web.LinkCell(row.Name, row.URL)
		if row.Archived {
			name.Hint = "Archived"
		}
		cells := []web.Cell{name, web.TextCell(row.Address), web.TextCell(row.Postcode), web.TextCell(row.Customer)}
		if activity {
			// A count leads to the site's tabs, where the activities are.
			n := web.TextCell(strconv.Itoa(row.OpenActivities))
			if row.OpenActivities > 0 {
				n.URL = row.URL + "#records"
			}
			cells = append(cells, n)
		}
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// streetAddress is the address without its postcode, which has its own column.
func streetAddress(a fieldportal.Address) string {
	a.Postcode = ""
	return a.OneLine()
}

// siteFilter reads the list's query string; the page and its CSV share it.
// Archived sites (issue 19) are hidden unless the Archived filter shows
// them (archived=all) or only them (archived=only).
func siteFilter(r *http.Request) fieldportal.SiteFilter {
	q := r.URL.Query()
	f := fieldportal.SiteFilter{
		Page:         fieldportal.Page{After: q.Get("after")},
		Search:       strings.TrimSpace(q.Get("q")),
		WithActivity: true,
	}
	switch q.Get("archived") {
	case "all":
	case "only":
		f.Archived = archivedOnly()
	default:
		f.Archived = inUse()
	}
	return f
}

// inUse selects the sites in use (not archived): the lists and pickers
// that start new work offer no archived site.
func inUse() *bool { b := false; return &b }

// archivedOnly selects only the archived sites.
func archivedOnly() *bool { b := true; return &b }

// archivedParam is the Archived filter's value for f ("" hides them).
func archivedParam(f fieldportal.SiteFilter) string {
	switch {
	case f.Archived == nil:
		return "all"
	case *f.Archived:
		return "only"
	}
	return ""
}

// archivedFilter is the list's Archived select.
func archivedFilter(f fieldportal.SiteFilter) web.Filter {
	now := archivedParam(f)
	return web.Filter{Name: "archived", Label: "Archived", Type: "select", Options: []web.CheckOption{
		{Value: "", Label: "Hide archived sites", Checked: now == ""},
		{Value: "all", Label: "Show archived sites too", Checked: now == "all"},
		{Value: "only", Label: "Only archived sites", Checked: now == "only"}}}
}

// handleSites lists the sites the contact reaches, a page at a time.
func (p *Portal) handleSites(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleSites)
	if !ok {
		return
	}
	f := siteFilter(r)
	sites, next, err := p.svc.Sites.FindSites(r.Context(), v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := sitesView{Layout: p.layout(r, "Job sites"), Query: f.Search, CSVWhat: "of the sites", Actions: siteEditActions(v, "")}
	view.Filter = web.FilterBar{Action: "/sites", Label: "Search sites", Submit: "Search",
		Filters: []web.Filter{{Name: "q", Label: "Search sites", Type: "search", Value: f.Search, Hint: "Name, address, postcode or UPRN"},
			archivedFilter(f)}}
	base := url.Values{}
	if a := archivedParam(f); a != "" {
		base.Set("archived", a)
		view.Filter.ClearURL = "/sites"
	}
	if f.Search != "" {
		base.Set("q", f.Search)
		view.Filter.ClearURL = "/sites"
		view.CSVWhat = "of the sites matching your search"
	}
	view.Table = sitesTable(sites, f.Search, v.SeesOpenActivities())
	view.CSVURL = withQuery("/sites.csv", base)
	if next != "" {
		nq := url.Values{"after": {next}}
		for k, vs := range base {
			nq[k] = vs
		}
		view.Pager.NextURL = withQuery("/sites", nq)
	}
	if f.After != "" {
		view.Pager.FirstURL = withQuery("/sites", base)
	}
	// Keyset pages know no total; a list that fits one page does.
	view.Count = web.Count{Shown: len(sites), Total: -1, One: "site", Many: "sites"}
	if next == "" && f.After == "" {
		view.Count.Total = len(sites)
	}
	p.pages.Render(w, r, http.StatusOK, "sites", view)
}

// withQuery joins a path and a query string.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// handleSitesCSV downloads every site the filters select, across all
// pages (the cursor of the query string is ignored: the file is the whole
// selection, not one page). The rows stream from one store query as they
// are read, so the file starts at once and costs the same memory at any
// size.
func (p *Portal) handleSitesCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleSites)
	if !ok {
		return
	}
	f := siteFilter(r)
	// The file has the page's columns: no Open activities for a contact
	// who may use none of the modules it counts.
	activity := v.SeesOpenActivities()
	header := []string{"Site", "Address", "Postcode", "Customer"}
	if activity {
		header = append(header, "Open activities")
	}
	out := p.kit.CSV(w, r, "sites.csv", header...)
	cells := make([]string, 0, len(header))
	out.Finish(p.svc.Sites.EachSite(r.Context(), v, f, func(site *fieldportal.Site) error {
		row := siteRow(site)
		cells = append(cells[:0], row.Name, row.Address, row.Postcode, row.Customer)
		if activity {
			cells = append(cells, strconv.Itoa(row.OpenActivities))
		}
		return out.Row(cells...)
	}))
}

// siteView is one site's page.
type siteView struct {
	web.Layout
	Site    *fieldportal.Site
	Address []string
	Tabs    []web.NavLink
	// Actions are the site's buttons: Book a job, Request a quote, Edit
	// site.
	Actions []web.Action
	// Contacts are the site's contacts the viewer may see.
	Contacts []*fieldportal.Contact
	Notice   string
	// NoticeTone is the notice's tone: "" for a done action, "warning"
	// for the archived site's standing notice.
	NoticeTone string
	// Messages is the thread with the office (issue 22); nil hides it.
	Messages *web.ThreadView
	// Badges mark the site Archived (issue 19).
	Badges []web.Badge
}

// siteTabs lists the modules of a site's page that the viewer may use,
// each linking to its list filtered to the site.
func siteTabs(v fieldportal.Viewer, siteID string) []web.NavLink {
	id := url.QueryEscape(siteID)
	tabs := []struct {
		m     fieldportal.Module
		label string
		url   string
	}{
		{fieldportal.ModuleIssues, "Issues", "/issues?site=" + id},
		{fieldportal.ModuleService, "Service", "/jobs?kind=service&site=" + id},
		{fieldportal.ModuleInstall, "Install", "/jobs?kind=install&site=" + id},
		{fieldportal.ModuleQuotes, "Quotes", "/quotes?site=" + id},
		{fieldportal.ModuleInvoices, "Invoices", "/invoices?site=" + id},
		{fieldportal.ModuleAssets, "Equipment", "/assets?site=" + id},
		{fieldportal.ModuleDocuments, "Documents", "/documents?site=" + id},
		{fieldportal.ModuleCertificates, "Certificates", "/certificates?site=" + id},
	}
	var out []web.NavLink
	for _, t := range tabs {
		if v.CanUse(t.m) && pageReady[t.m] {
			out = append(out, web.NavLink{Label: t.label, URL: t.url})
		}
	}
	return out
}

// handleSite shows one site. A site out of the contact's reach is the
// same 404 as one that does not exist (SPEC §2.5): the store decides.
func (p *Portal) handleSite(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleSites)
	if !ok {
		return
	}
	site, err := p.svc.Sites.FindSiteByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		err = web.NotFoundAs(err, "site")
		p.kit.Error(w, r, err)
		return
	}
	contacts, err := p.svc.Sites.FindSiteContacts(r.Context(), v, site.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	notice := map[string]string{"created": "The site was created. We have been told about it.",
		"saved": "Your changes to the site were saved."}[r.URL.Query().Get("done")]
	a := site.Address
	var lines []string
	for _, l := range []string{a.Line1, a.Line2, a.City, a.Region, a.Postcode, a.Country} {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	layout := p.layout(r, site.Name)
	messages := p.threadFor(r, v, &layout, fieldportal.ThreadOnSite, site.ID)
	// An archived site keeps its history (the tabs) but takes no new
	// work: no Book a job or Request a quote (the store refuses them too).
	actions := siteEditActions(v, site.ID)
	var badges []web.Badge
	tone := ""
	if site.Archived() {
		badges = []web.Badge{{Text: "Archived", Tone: "warning"}}
		if notice == "" {
			notice = "This site is archived: its records stay here, but it takes no new work. Contact the office to reopen it."
			tone = "warning"
		}
	} else {
		actions = append(siteBookingActions(v, site.ID), actions...)
	}
	p.pages.Render(w, r, http.StatusOK, "site", siteView{
		Layout:   layout,
		Site:     site,
		Address:  lines,
		Tabs:     siteTabs(v, site.ID),
		Actions:  actions,
		Contacts: contacts,
		Notice:   notice, NoticeTone: tone,
		Messages: messages,
		Badges:   badges,
	})
}
