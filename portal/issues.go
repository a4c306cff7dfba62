package portal

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Issues (SPEC §4): the list, its CSV, a new issue, and an issue's page with
// its comments and attachments. The list and the CSV read one filter from
// the query string, so the file holds exactly the rows the pages list.

// issueRoutes registers the routes of this file (and of issue.go and
// issue_new.go).
func (p *Portal) issueRoutes() {
	k := p.kit
	k.Handle("GET /issues", p.signedIn(p.handleIssues))
	k.Handle("GET /issues.csv", p.signedIn(p.handleIssuesCSV))
	k.Handle("GET /issues/new", p.signedIn(p.handleIssueForm))
	k.Handle("POST /issues/new", p.signedIn(p.handleIssueReport))
	k.Handle("GET /issues/{id}", p.signedIn(p.handleIssue))
	k.Handle("POST /issues/{id}/comments", p.signedIn(p.handleIssueComment))
	k.Handle("GET /issues/{id}/attachments/{doc}", p.signedIn(p.handleIssueAttachment))
}

// issuesView is the list of issues.
type issuesView struct {
	web.Layout
	Filter  web.FilterBar
	Count   web.Count
	Table   web.Table
	Pager   web.Pager
	CSVURL  string
	CSVWhat string
	// Filtered says the list is narrowed by more than the default
	// status, for the empty state's words.
	Filtered bool
	// SiteName names the site the list is filtered to, or "".
	SiteName string
	// NewURL is the new-issue form, "" when the contact may not report;
	// Actions holds its button.
	NewURL  string
	Actions []web.Action
}

// issueListParams is the list's query string as read.
type issueListParams struct {
	Filter fieldportal.IssueFilter
	// Status is the status choice as the form shows it: open, closed or
	// all ("" in the query string is open).
	Status string
}

// issueParams reads the list's query string; the page and its CSV share
// it. The default status is open: what a customer is waiting on.
func issueParams(r *http.Request) issueListParams {
	q := r.URL.Query()
	p := issueListParams{Status: q.Get("status")}
	switch p.Status {
	case fieldportal.IssueClosed, "all":
	default:
		p.Status = fieldportal.IssueOpen
	}
	p.Filter = fieldportal.IssueFilter{
		Page:   fieldportal.Page{After: q.Get("after")},
		Search: strings.TrimSpace(q.Get("q")),
		SiteID: strings.TrimSpace(q.Get("site")),
		Sort:   fieldportal.ParseIssueSort(q.Get("sort")),
	}
	if p.Status != "all" {
		p.Filter.Status = p.Status
	}
	return p
}

// query is the list's query string without the cursor: the CSV's, the
// pager's base and the sort links'.
func (ip issueListParams) query() url.Values {
	q := url.Values{}
	if ip.Status != fieldportal.IssueOpen {
		q.Set("status", ip.Status)
	}
	if ip.Filter.SiteID != "" {
		q.Set("site", ip.Filter.SiteID)
	}
	if ip.Filter.Search != "" {
		q.Set("q", ip.Filter.Search)
	}
	if ip.Filter.Sort != fieldportal.IssueSortUpdated {
		q.Set("sort", string(ip.Filter.Sort))
	}
	return q
}

// issueRow is one issue as the list and the CSV show it, in the
// organisation's zone.
type issueRow struct {
	URL, Number, Title, Site, Priority, Status, Reported, Updated string
}

func newIssueRow(x *fieldportal.Issue, loc *time.Location) issueRow {
	return issueRow{
		URL: "/issues/" + url.PathEscape(x.ID), Number: x.Number, Title: x.Title, Site: x.SiteName,
		Priority: x.Priority.Label(), Status: fieldportal.IssueStatusLabel(x.Status),
		Reported: web.FormatDate(x.CreatedAt.In(loc)), Updated: web.FormatDate(x.UpdatedAt.In(loc)),
	}
}

// priorityTones and statusTones colour the badges; the words carry the
// meaning.
var (
	priorityTones = map[fieldportal.IssuePriority]string{fieldportal.PriorityUrgent: "danger", fieldportal.PriorityHigh: "warning", fieldportal.PriorityNormal: "info"}
	statusTones   = map[string]string{fieldportal.IssueOpen: "info", fieldportal.IssueClosed: "neutral"}
)

// issuesTable lays out a page of issues; the Updated and Priority headers
// sort the list.
func issuesTable(list []*fieldportal.Issue, ip issueListParams, loc *time.Location) web.Table {
	t := web.Table{Caption: "Issues", Columns: []web.Column{{Label: "Number"}, {Label: "Title"}, {Label: "Site"},
		{Label: "Priority"}, {Label: "Status"}, {Label: "Reported"}, {Label: "Updated"}}}
	sortURL := func(s fieldportal.IssueSort) string {
		q := ip
		q.Filter.Sort = s
		return withQuery("/issues", q.query())
	}
	switch ip.Filter.Sort {
	case fieldportal.IssueSortPriority:
		t.Columns[3].Sort = "desc"
		t.Columns[6].SortURL = sortURL(fieldportal.IssueSortUpdated)
	case fieldportal.IssueSortOldest:
		t.Columns[6].Sort, t.Columns[6].SortURL = "asc", sortURL(fieldportal.IssueSortUpdated)
		t.Columns[3].SortURL = sortURL(fieldportal.IssueSortPriority)
	default:
		t.Columns[6].Sort, t.Columns[6].SortURL = "desc", sortURL(fieldportal.IssueSortOldest)
		t.Columns[3].SortURL = sortURL(fieldportal.IssueSortPriority)
	}
	for _, x := range list {
		row := newIssueRow(x, loc)
		t.Rows = append(t.Rows, []web.Cell{web.LinkCell(row.Number, row.URL), web.TextCell(row.Title), web.TextCell(row.Site),
			web.BadgeCell(row.Priority, priorityTones[x.Priority]), web.BadgeCell(row.Status, statusTones[x.Status]),
			web.TextCell(row.Reported), web.TextCell(row.Updated)})
	}
	return t
}

// siteChoicesMax is how many sites a select offers; a contact of more
// sites filters by site from a site's page (its Issues tab) or, on the
// new-issue form, types the site's name.
const siteChoicesMax = 30

// fewIssueSites returns the viewer's sites when they are few enough for a
// select, else nil; archived, when given, selects by the flag (the
// new-issue form offers the sites in use).
func (p *Portal) fewIssueSites(r *http.Request, v fieldportal.Viewer, archived ...*bool) ([]*fieldportal.Site, error) {
	f := fieldportal.SiteFilter{Page: fieldportal.Page{Limit: siteChoicesMax}}
	if len(archived) > 0 {
		f.Archived = archived[0]
	}
	sites, next, err := p.svc.Work.FindIssueSites(r.Context(), v, f)
	if err != nil || next != "" {
		return nil, err
	}
	return sites, nil
}

// handleIssues lists the issues the contact reaches, a page at a time.
func (p *Portal) handleIssues(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleIssues)
	if !ok {
		return
	}
	ip := issueParams(r)
	ctx := r.Context()
	list, next, err := p.svc.Work.FindIssues(ctx, v, ip.Filter)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	sites, err := p.fewIssueSites(r, v)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := issuesView{Layout: p.layout(r, "Issues"), CSVWhat: "of the issues listed"}
	if v.CanDo(fieldportal.ActionNewIssue) {
		view.NewURL = "/issues/new"
		if ip.Filter.SiteID != "" {
			view.NewURL += "?site=" + url.QueryEscape(ip.Filter.SiteID)
		}
		view.Actions = []web.Action{{Label: "Report an issue", URL: view.NewURL}}
	}
	if ip.Filter.SiteID != "" {
		// A site out of reach names nothing: its list is empty anyway.
		if s, err := p.svc.Work.FindIssueSite(ctx, v, ip.Filter.SiteID); err == nil {
			view.SiteName = s.Name
			view.Title = "Issues at " + s.Name
		} else if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			p.kit.Error(w, r, err)
			return
		}
	}
	view.Filter = issueFilterBar(ip, sites, view.SiteName)
	base := ip.query()
	view.Filtered = len(base) > 0 && !(len(base) == 1 && base.Has("sort"))
	view.Table = issuesTable(list, ip, web.OrgLocation(r))
	view.CSVURL = withQuery("/issues.csv", base)
	if next != "" {
		nq := ip.query()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/issues", nq)
	}
	if ip.Filter.After != "" {
		view.Pager.FirstURL = withQuery("/issues", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "issue", Many: "issues"}
	if next == "" && ip.Filter.After == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, http.StatusOK, "issues", view)
}

// issueFilterBar is the list's filters: search, status, site (a select
// when the contact has few sites; else the site chosen is kept as it
// came, from a site's page) and sort.
func issueFilterBar(ip issueListParams, sites []*fieldportal.Site, siteName string) web.FilterBar {
	f := ip.Filter
	bar := web.FilterBar{Action: "/issues", Label: "Filter issues", Filters: []web.Filter{
		{Name: "q", Label: "Search issues", Type: "search", Value: f.Search, Hint: "Number or title"},
		{Name: "status", Label: "Status", Type: "select", Options: []web.CheckOption{
			{Value: fieldportal.IssueOpen, Label: "Open", Checked: ip.Status == fieldportal.IssueOpen},
			{Value: fieldportal.IssueClosed, Label: "Closed", Checked: ip.Status == fieldportal.IssueClosed},
			{Value: "all", Label: "All", Checked: ip.Status == "all"}}},
	}}
	if sites != nil {
		opts := []web.CheckOption{{Value: "", Label: "All sites", Checked: f.SiteID == ""}}
		for _, s := range sites {
			opts = append(opts, web.CheckOption{Value: s.ID, Label: s.Name, Checked: s.ID == f.SiteID})
		}
		bar.Filters = append(bar.Filters, web.Filter{Name: "site", Label: "Site", Type: "select", Options: opts})
	} else if f.SiteID != "" {
		bar.Keep = append(bar.Keep, web.Param{Name: "site", Value: f.SiteID})
	}
	bar.Filters = append(bar.Filters, web.Filter{Name: "sort", Label: "Sort by", Type: "select", Options: []web.CheckOption{
		{Value: "", Label: "Recently updated", Checked: f.Sort == fieldportal.IssueSortUpdated},
		{Value: string(fieldportal.IssueSortOldest), Label: "Least recently updated", Checked: f.Sort == fieldportal.IssueSortOldest},
		{Value: string(fieldportal.IssueSortPriority), Label: "Priority", Checked: f.Sort == fieldportal.IssueSortPriority}}})
	if len(ip.query()) > 0 {
		bar.ClearURL = "/issues"
	}
	return bar
}

// handleIssuesCSV downloads every issue the filters select, across all
// pages (the cursor is ignored), streamed from one store walk.
func (p *Portal) handleIssuesCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleIssues)
	if !ok {
		return
	}
	ip := issueParams(r)
	loc := web.OrgLocation(r)
	out := p.kit.CSV(w, r, "issues.csv", "Number", "Title", "Site", "Priority", "Status", "Reported", "Updated")
	out.Finish(p.svc.Work.EachIssue(r.Context(), v, ip.Filter, func(x *fieldportal.Issue) error {
		row := newIssueRow(x, loc)
		return out.Row(row.Number, row.Title, row.Site, row.Priority, row.Status, row.Reported, row.Updated)
	}))
}
