package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The staff side of issues: the queue of new issues, comments, closing,
// reopening, and turning an issue into a service order. Each action is one
// store method, audited there; a comment mails the customer (the store
// queues it in the comment's transaction).

// issueRoutes registers the routes of this file.
func (c *Console) issueRoutes() {
	k := c.kit
	k.Handle("GET /console/issues", c.signedIn(c.handleIssues))
	k.Handle("GET /console/issues/{id}", c.signedIn(c.handleIssue))
	k.Handle("POST /console/issues/{id}/comments", c.signedIn(c.handleIssueComment))
	k.Handle("POST /console/issues/{id}/status", c.signedIn(c.handleIssueStatus))
	k.Handle("POST /console/issues/{id}/service-order", c.signedIn(c.handleIssueServiceOrder))
	k.Handle("GET /console/issues/{id}/attachments/{doc}", c.signedIn(c.handleIssueAttachment))
}

// issuesView is the queue.
type issuesView struct {
	web.Layout
	Filter web.FilterBar
	Table  web.Table
	Count  web.Count
	Pager  web.Pager
	Query  string
}

// issueTones colour the status and priority badges.
var (
	issueStatusTones   = map[string]string{fieldportal.IssueOpen: "info", fieldportal.IssueClosed: "neutral"}
	issuePriorityTones = map[fieldportal.IssuePriority]string{fieldportal.PriorityUrgent: "danger", fieldportal.PriorityHigh: "warning", fieldportal.PriorityNormal: "info"}
)

// handleIssues lists issues newest first: the open ones by default, the
// queue of what customers reported.
func (c *Console) handleIssues(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	status := q.Get("status")
	if status != fieldportal.IssueClosed && status != "all" {
		status = fieldportal.IssueOpen
	}
	f := fieldportal.IssueFilter{Page: fieldportal.Page{After: q.Get("after")}, Search: strings.TrimSpace(q.Get("q")),
		Sort: fieldportal.IssueSortNewest}
	if status != "all" {
		f.Status = status
	}
	list, next, err := c.svc.Work.FindIssues(r.Context(), v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	base := url.Values{}
	if status != fieldportal.IssueOpen {
		base.Set("status", status)
	}
	if f.Search != "" {
		base.Set("q", f.Search)
	}
	view := issuesView{Layout: c.layout(r, "Issues"), Query: f.Search}
	view.Filter = web.FilterBar{Action: "/console/issues", Label: "Filter issues", Filters: []web.Filter{
		{Name: "q", Label: "Search issues", Type: "search", Value: f.Search, Hint: "Number, title or description"},
		{Name: "status", Label: "Status", Type: "select", Options: []web.CheckOption{
			{Value: fieldportal.IssueOpen, Label: "Open", Checked: status == fieldportal.IssueOpen},
			{Value: fieldportal.IssueClosed, Label: "Closed", Checked: status == fieldportal.IssueClosed},
			{Value: "all", Label: "All", Checked: status == "all"}}}}}
	if len(base) > 0 {
		view.Filter.ClearURL = "/console/issues"
	}
	loc := web.OrgLocation(r)
	view.Table = web.Table{Caption: "Issues, newest first", Columns: []web.Column{{Label: "Number"}, {Label: "Title"},
		{Label: "Site"}, {Label: "Priority"}, {Label: "Status"}, {Label: "Reported"}, {Label: "Updated"}}}
	for _, x := range list {
		view.Table.Rows = append(view.Table.Rows, []web.Cell{
			web.LinkCell(x.Number, "/console/issues/"+url.PathEscape(x.ID)), web.TextCell(x.Title), web.TextCell(x.SiteName),
			web.BadgeCell(x.Priority.Label(), issuePriorityTones[x.Priority]),
			web.BadgeCell(fieldportal.IssueStatusLabel(x.Status), issueStatusTones[x.Status]),
			web.TextCell(web.FormatDateTime(x.CreatedAt.In(loc))), web.TextCell(web.FormatDateTime(x.UpdatedAt.In(loc)))})
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		for k, vs := range base {
			nq[k] = vs
		}
		view.Pager.NextURL = "/console/issues?" + nq.Encode()
	}
	if f.After != "" {
		view.Pager.FirstURL = "/console/issues"
		if len(base) > 0 {
			view.Pager.FirstURL += "?" + base.Encode()
		}
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "issue", Many: "issues"}
	if next == "" && f.After == "" {
		view.Count.Total = len(list)
	}
	c.pages.Render(w, r, http.StatusOK, "issues", view)
}

// issueView is one issue for staff.
type issueView struct {
	web.Layout
	Header      web.RecordHeader
	Details     []web.Detail
	Description string
	History     []issueEventView
	Comments    []issueCommentView
	Attachments []issueFileView
	Notice      string
	Errors      []fieldportal.FieldError
	Body        web.FieldView
	FileError   string
	UploadHint  string
	Base        string
}

type issueEventView struct{ Label, Who, When, JobNumber string }

type issueCommentView struct {
	Author, When, Body string
	Staff              bool
}

type issueFileView struct{ Name, URL, When string }

func (c *Console) handleIssue(w http.ResponseWriter, r *http.Request) {
	notice := map[string]string{
		"commented": "Your comment was added.",
		"closed":    "The issue is closed.", "open": "The issue is open again.",
		"order": "The issue is now a pending service order.",
	}[r.URL.Query().Get("done")]
	c.renderIssue(w, r, http.StatusOK, notice, "", web.FormErrors{})
}

func (c *Console) renderIssue(w http.ResponseWriter, r *http.Request, status int, notice, body string, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	x, err := c.svc.Work.FindIssueByID(ctx, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	history, err := c.svc.Work.FindIssueHistory(ctx, v, x.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	comments, err := c.svc.Work.FindIssueComments(ctx, v, x.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	docs, err := c.svc.Work.FindIssueAttachments(ctx, v, x.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	base := "/console/issues/" + url.PathEscape(x.ID)
	view := issueView{Layout: c.layout(r, x.Number+": "+x.Title), Notice: notice, Description: x.Description, Base: base,
		Errors: errs.List("body", "attachments"), FileError: errs["attachments"], UploadHint: c.kit.UploadTypesHint(r),
		Body: web.FieldView{Name: "body", Label: "Comment to the customer", Type: "textarea", Value: body, Error: errs["body"], Required: true,
			Hint: "The customer sees it on the issue's page and gets an email saying you answered."}}
	view.Header = web.RecordHeader{BackURL: "/console/issues", BackLabel: "Issues", Title: x.Title,
		Subtitle: "Issue " + x.Number + " at " + x.SiteName,
		Badges: []web.Badge{{Text: fieldportal.IssueStatusLabel(x.Status), Tone: issueStatusTones[x.Status]},
			{Text: x.Priority.Label() + " priority", Tone: issuePriorityTones[x.Priority]}}}
	if x.Status == fieldportal.IssueOpen {
		view.Header.Actions = append(view.Header.Actions, web.Action{Label: "Close issue", URL: base + "/status", Method: "post", Field: "status", Value: fieldportal.IssueClosed, Style: "secondary"})
	} else {
		view.Header.Actions = append(view.Header.Actions, web.Action{Label: "Reopen issue", URL: base + "/status", Method: "post", Field: "status", Value: fieldportal.IssueOpen, Style: "secondary"})
	}
	if x.JobID == "" {
		view.Header.Actions = append(view.Header.Actions, web.Action{Label: "Turn into a service order", URL: base + "/service-order", Method: "post"})
	}
	view.Details = []web.Detail{{Label: "Number", Value: x.Number}, {Label: "Site", Value: x.SiteName},
		{Label: "Priority", Value: x.Priority.Label()}, {Label: "Status", Value: fieldportal.IssueStatusLabel(x.Status)},
		{Label: "Reported", Value: web.FormatDateTime(x.CreatedAt.In(loc))}, {Label: "Last updated", Value: web.FormatDateTime(x.UpdatedAt.In(loc))}}
	for _, e := range history {
		view.History = append(view.History, issueEventView{Label: e.Kind.Label(), Who: e.ActorName, When: web.FormatDateTime(e.At.In(loc)), JobNumber: e.JobNumber})
	}
	for _, cm := range comments {
		view.Comments = append(view.Comments, issueCommentView{Author: cm.AuthorName, When: web.FormatDateTime(cm.CreatedAt.In(loc)), Body: cm.Body, Staff: cm.AuthorStaff != ""})
	}
	for _, d := range docs {
		view.Attachments = append(view.Attachments, issueFileView{Name: d.Name, URL: base + "/attachments/" + url.PathEscape(d.ID),
			When: web.FormatDateTime(d.CreatedAt.In(loc))})
	}
	c.pages.Render(w, r, status, "issue", view)
}

// handleIssueComment adds a staff comment with its files; the store mails
// the customer in the same transaction.
func (c *Console) handleIssueComment(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	form, files, err := c.kit.ReadUploadForm(w, r, "attachments")
	body := strings.TrimSpace(form.Get("body"))
	if err == nil {
		err = c.svc.Work.CommentOnIssue(r.Context(), v, &fieldportal.IssueComment{IssueID: r.PathValue("id"), Body: body}, files)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/console/issues/"+url.PathEscape(r.PathValue("id"))+"?done=commented", http.StatusSeeOther)
	case fieldportal.ErrorCode(err) == fieldportal.EINVALID:
		c.renderIssue(w, r, http.StatusBadRequest, "", body, web.ErrorsOf(err))
	default:
		c.kit.Error(w, r, err)
	}
}

// handleIssueStatus closes or reopens an issue.
func (c *Console) handleIssueStatus(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	x, err := c.svc.Work.SetIssueStatus(r.Context(), v, r.PathValue("id"), r.PostForm.Get("status"), time.Time{})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/issues/"+url.PathEscape(x.ID)+"?done="+x.Status, http.StatusSeeOther)
}

// handleIssueServiceOrder turns an issue into a pending service order.
func (c *Console) handleIssueServiceOrder(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	if _, err := c.svc.Work.TurnIssueIntoJob(r.Context(), v, id); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/issues/"+url.PathEscape(id)+"?done=order", http.StatusSeeOther)
}

// handleIssueAttachment downloads a file of an issue. It is always saved,
// never shown in the console's pages: a customer's upload must not run
// with a staff session.
func (c *Console) handleIssueAttachment(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	doc, rc, err := c.svc.Work.OpenIssueAttachment(r.Context(), v, r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	web.ServeDocument(w, r, doc, rc, false)
}
