package portal

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Service and install orders (SPEC §4): the list by stage and its CSV;
// a job's page is in job.go.

// jobRoutes registers the routes of this file.
func (p *Portal) jobRoutes() {
	p.kit.Handle("GET /jobs", p.signedIn(p.handleJobs))
	p.kit.Handle("GET /jobs.csv", p.signedIn(p.handleJobsCSV))
	p.kit.Handle("GET /jobs/{id}", p.signedIn(p.handleJob))
	p.kit.Handle("POST /jobs/{id}/attachments", p.signedIn(p.handleJobUpload))
}

// jobParams is the list's query string as read: the page, its tabs and
// its CSV link carry it on.
type jobParams struct {
	Kind       fieldportal.JobKind
	Tab        fieldportal.JobTab
	SiteID     string
	Contractor string
	Search     string
	After      string
}

// values is the query string of the parameters, without the cursor.
func (jp jobParams) values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"kind", string(jp.Kind)}, {"stage", string(jp.Tab)}, {"site", jp.SiteID},
		{"contractor", jp.Contractor}, {"q", jp.Search}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// notFoundPage is the 404 of an address with no page for this contact.
var notFoundPage = fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address.")

// readJobParams reads the list's query string. A kind the contact may
// not use, or no usable kind at all, is "no page here" (SPEC §2.4): a
// contact with Service alone never sees an install order.
func readJobParams(v fieldportal.Viewer, r *http.Request) (jobParams, fieldportal.JobFilter, error) {
	q := r.URL.Query()
	jp := jobParams{Kind: fieldportal.JobKind(q.Get("kind")), Tab: fieldportal.JobTab(q.Get("stage")),
		SiteID: q.Get("site"), Contractor: q.Get("contractor"), Search: strings.TrimSpace(q.Get("q")), After: q.Get("after")}
	switch jp.Kind {
	case "":
		if !v.CanUse(fieldportal.ModuleService) && !v.CanUse(fieldportal.ModuleInstall) {
			return jp, fieldportal.JobFilter{}, notFoundPage
		}
	case fieldportal.JobService, fieldportal.JobInstall:
		if !v.CanUse(jp.Kind.Module()) {
			return jp, fieldportal.JobFilter{}, notFoundPage
		}
	default:
		return jp, fieldportal.JobFilter{}, notFoundPage
	}
	stages, ok := jp.Tab.Stages()
	if !ok {
		return jp, fieldportal.JobFilter{}, fieldportal.FieldErrorf("stage", "There is no “%s” tab of orders.", jp.Tab)
	}
	return jp, fieldportal.JobFilter{Page: fieldportal.Page{After: jp.After}, NumberSearch: jp.Search, Kind: jp.Kind,
		Stages: stages, SiteID: jp.SiteID, ContractorID: jp.Contractor}, nil
}

// jobsTitle names the list by its kind.
func jobsTitle(k fieldportal.JobKind) string {
	switch k {
	case fieldportal.JobService:
		return "Service orders"
	case fieldportal.JobInstall:
		return "Install orders"
	}
	return "Orders"
}

// stageTones colours a stage's badge; the words carry the meaning.
var stageTones = map[fieldportal.JobStage]string{
	fieldportal.StagePending: "warning", fieldportal.StageScheduled: "info", fieldportal.StageInProgress: "info",
	fieldportal.StageComplete: "success",
}

// jobsView is the list of orders.
type jobsView struct {
	web.Layout
	Tabs     []web.NavLink
	Filter   web.FilterBar
	Count    web.Count
	Table    web.Table
	Pager    web.Pager
	CSVURL   string
	CSVWhat  string
	Empty    web.EmptyState
	SiteName string
	SiteURL  string
}

// JobRow is one order as the list and its CSV show it, in the
// organisation's time zone.
type JobRow struct {
	URL, Number, Kind, Site, OrderNo, Stage, Technician string
	// When is the scheduled start, else the preferred date, as the list
	// shows it; Scheduled and Preferred are the CSV's columns.
	When, Scheduled, Preferred string
	Tone                       string
}

// jobRow formats a job for the list.
func jobRow(j *fieldportal.Job, loc *time.Location) JobRow {
	row := JobRow{URL: "/jobs/" + url.PathEscape(j.ID), Number: j.Number, Kind: kindLabel(j.Kind), Site: j.SiteName,
		OrderNo: j.OrderNo, Stage: j.Stage.Label(), Technician: j.Technician, Tone: stageTones[j.Stage]}
	if !j.ScheduledStart.IsZero() {
		row.Scheduled = web.FormatDateTime(j.ScheduledStart.In(loc))
		row.When = row.Scheduled
	}
	if !j.PreferredDate.IsZero() {
		row.Preferred = web.FormatDate(j.PreferredDate.Time()) + windowSuffix(j.PreferredWindow)
		if row.When == "" {
			row.When = "Preferred " + row.Preferred
		}
	}
	return row
}

// windowLabels are the preferred times of day in words.
var windowLabels = map[string]string{"am": "Morning", "pm": "Afternoon", "all_day": "All day"}

// windowSuffix is ", Morning" after a preferred date, or "".
func windowSuffix(w string) string {
	if l, ok := windowLabels[w]; ok {
		return ", " + l
	}
	return ""
}

// handleJobs lists the orders by stage, a page at a time.
func (p *Portal) handleJobs(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	jp, f, err := readJobParams(v, r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	jobs, next, err := p.svc.Work.FindJobs(r.Context(), v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := jobsView{Layout: p.layout(r, jobsTitle(jp.Kind))}
	if jp.SiteID != "" && v.CanUse(fieldportal.ModuleSites) {
		site, err := p.svc.Sites.FindSiteByID(r.Context(), v, jp.SiteID)
		if err != nil {
			err = web.NotFoundAs(err, "site")
			p.kit.Error(w, r, err)
			return
		}
		view.SiteName, view.SiteURL = site.Name, "/sites/"+url.PathEscape(site.ID)
		view.Title += " at " + site.Name
	}
	// The tabs keep every other filter; a new tab starts at its first page.
	for _, tab := range fieldportal.JobTabs {
		t := jp
		t.Tab = tab
		view.Tabs = append(view.Tabs, web.NavLink{Label: tab.Label(), URL: withQuery("/jobs", t.values()), Current: tab == jp.Tab})
	}
	view.Filter = p.jobFilterBar(r, v, jp)
	loc := web.OrgLocation(r)
	view.Table = jobsTable(jobs, jp, loc)
	base := jp.values()
	view.CSVURL, view.CSVWhat = withQuery("/jobs.csv", base), "of these orders"
	if next != "" {
		nq := jp.values()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/jobs", nq)
	}
	if jp.After != "" {
		view.Pager.FirstURL = withQuery("/jobs", base)
	}
	view.Count = web.Count{Shown: len(jobs), Total: -1, One: "order", Many: "orders"}
	if next == "" && jp.After == "" {
		view.Count.Total = len(jobs)
	}
	view.Empty = web.EmptyState{Title: "No orders here", Text: "Orders at this stage are listed here as we add them."}
	if jp.Search != "" || jp.Contractor != "" {
		clear := jp
		clear.Search, clear.Contractor = "", ""
		view.Empty = web.EmptyState{Title: "No orders match your search", Text: "Check the job or order number, or clear the filters.",
			ActionURL: withQuery("/jobs", clear.values()), ActionLabel: "Clear the filters"}
	}
	p.pages.Render(w, r, http.StatusOK, "jobs", view)
}

// jobFilterBar is the list's search and contractor filter; the kind,
// stage and site it is within go along unchanged.
func (p *Portal) jobFilterBar(r *http.Request, v fieldportal.Viewer, jp jobParams) web.FilterBar {
	bar := web.FilterBar{Action: "/jobs", Label: "Filter orders",
		Filters: []web.Filter{{Name: "q", Label: "Search orders", Type: "search", Value: jp.Search, Hint: "Job or order number"}}}
	for _, kv := range [][2]string{{"kind", string(jp.Kind)}, {"stage", string(jp.Tab)}, {"site", jp.SiteID}} {
		if kv[1] != "" {
			bar.Keep = append(bar.Keep, web.Param{Name: kv[0], Value: kv[1]})
		}
	}
	// The operator's divisions are few; an error leaves the filter out
	// rather than the page.
	contractors, _, err := p.svc.Work.FindContractors(r.Context(), v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: 100}})
	if err == nil && len(contractors) > 1 {
		f := web.Filter{Name: "contractor", Label: "Contractor", Type: "select",
			Options: []web.CheckOption{{Value: "", Label: "Any contractor", Checked: jp.Contractor == ""}}}
		for _, c := range contractors {
			f.Options = append(f.Options, web.CheckOption{Value: c.ID, Label: c.Name, Checked: c.ID == jp.Contractor})
		}
		bar.Filters = append(bar.Filters, f)
	}
	if jp.Search != "" || jp.Contractor != "" {
		clear := jp
		clear.Search, clear.Contractor = "", ""
		bar.ClearURL = withQuery("/jobs", clear.values())
	}
	return bar
}

// jobsTable lays out a page of orders; the kind column shows only when
// the list holds both kinds.
func jobsTable(jobs []*fieldportal.Job, jp jobParams, loc *time.Location) web.Table {
	t := web.Table{Caption: jobsTitle(jp.Kind)}
	if jp.Search != "" {
		t.Caption += " matching “" + jp.Search + "”"
	}
	t.Columns = []web.Column{{Label: "Job"}}
	if jp.Kind == "" {
		t.Columns = append(t.Columns, web.Column{Label: "Kind"})
	}
	t.Columns = append(t.Columns, web.Column{Label: "Site"}, web.Column{Label: "Order no."}, web.Column{Label: "Stage"},
		web.Column{Label: "Date"}, web.Column{Label: "Technician"})
	for _, j := range jobs {
		row := jobRow(j, loc)
		cells := []web.Cell{web.LinkCell(row.Number, row.URL)}
		if jp.Kind == "" {
			cells = append(cells, web.TextCell(row.Kind))
		}
		cells = append(cells, web.TextCell(row.Site), web.TextCell(row.OrderNo), web.BadgeCell(row.Stage, row.Tone),
			web.TextCell(row.When), web.TextCell(row.Technician))
		t.Rows = append(t.Rows, cells)
	}
	return t
}

// jobsCSVHeader are the CSV's columns.
var jobsCSVHeader = []string{"Job", "Kind", "Site", "Order no.", "Stage", "Scheduled", "Preferred date", "Technician"}

// handleJobsCSV downloads every order the filters select, across all
// pages (the cursor is ignored), streamed from the store as it is read.
func (p *Portal) handleJobsCSV(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	_, f, err := readJobParams(v, r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	out := p.kit.CSV(w, r, "orders.csv", jobsCSVHeader...)
	out.Finish(p.svc.Work.EachJob(r.Context(), v, f, func(j *fieldportal.Job) error {
		row := jobRow(j, loc)
		return out.Row(row.Number, row.Kind, row.Site, row.OrderNo, row.Stage, row.Scheduled, row.Preferred, row.Technician)
	}))
}
