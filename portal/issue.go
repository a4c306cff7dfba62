package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// An issue's page (SPEC §4): its fields, status history, comments and
// attachments, and the form that adds a comment with files. The store
// finds the issue through the contact's scope: one out of reach is the
// same 404 as one that does not exist.

// issueView is one issue's page.
type issueView struct {
	web.Layout
	Header      web.RecordHeader
	Details     []web.Detail
	Description string
	History     []issueEventView
	Comments    []issueCommentView
	Attachments []attachmentView
	Notice      string
	// The comment form: what was typed is kept when it is refused.
	Errors    []fieldportal.FieldError
	Body      web.FieldView
	FileError string
	// MayUpload offers the file input.
	MayUpload   bool
	UploadHint  string
	CommentPath string
	// Messages is the thread with the office (issue 22); nil hides it.
	Messages *web.ThreadView
}

// issueEventView is a step of the history, in the organisation's zone.
type issueEventView struct {
	Label, Who, At, DateTime, JobNumber, JobURL string
}

// issueCommentView is a comment, in the organisation's zone.
type issueCommentView struct {
	Author, At, DateTime, Body string
	// Staff marks the operator's answers.
	Staff bool
}

// attachmentView is a file of the issue.
type attachmentView struct {
	Name, URL, Size, At string
}

// fileSize writes a size as people read it: 12 KB, 3.4 MB.
func fileSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " bytes"
	case n < 1000*1000:
		return fmt.Sprintf("%d KB", (n+500)/1000)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

// handleIssue shows one issue.
func (p *Portal) handleIssue(w http.ResponseWriter, r *http.Request) {
	notice := ""
	switch r.URL.Query().Get("done") {
	case "reported":
		notice = "Thank you: your issue has been reported. We will be in touch."
	case "commented":
		notice = "Your comment has been added."
	}
	p.renderIssue(w, r, http.StatusOK, notice, "", web.FormErrors{})
}

// renderIssue renders the issue of the request's path with the comment
// form holding body and errs.
func (p *Portal) renderIssue(w http.ResponseWriter, r *http.Request, status int, notice, body string, errs web.FormErrors) {
	v, ok := p.needModule(w, r, fieldportal.ModuleIssues)
	if !ok {
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	x, err := p.svc.Work.FindIssueByID(ctx, v, id)
	if err != nil {
		err = web.NotFoundAs(err, "issue")
		p.kit.Error(w, r, err)
		return
	}
	history, err := p.svc.Work.FindIssueHistory(ctx, v, x.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	comments, err := p.svc.Work.FindIssueComments(ctx, v, x.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	docs, err := p.svc.Work.FindIssueAttachments(ctx, v, x.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	base := "/issues/" + url.PathEscape(x.ID)
	view := issueView{
		Layout: p.layout(r, x.Number+": "+x.Title), Notice: notice, Description: x.Description,
		Header: web.RecordHeader{BackURL: "/issues", BackLabel: "Issues", Title: x.Title,
			Subtitle: "Issue " + x.Number + " at " + x.SiteName,
			Badges: []web.Badge{{Text: fieldportal.IssueStatusLabel(x.Status), Tone: statusTones[x.Status]},
				{Text: x.Priority.Label() + " priority", Tone: priorityTones[x.Priority]}}},
		Errors:    errs.List("body", "attachments"),
		Body:      web.FieldView{Name: "body", Label: "Your comment", Type: "textarea", Value: body, Error: errs["body"], Required: true},
		FileError: errs["attachments"], MayUpload: v.CanDo(fieldportal.ActionUpload), UploadHint: p.kit.UploadTypesHint(r),
		CommentPath: base + "/comments",
	}
	view.Details = issueDetails(x, history, loc)
	view.History = issueHistory(history, loc, v.CanUse(fieldportal.ModuleService) && pageReady[fieldportal.ModuleService])
	for _, c := range comments {
		at := c.CreatedAt.In(loc)
		view.Comments = append(view.Comments, issueCommentView{Author: c.AuthorName, At: at.Format(time.RFC3339),
			DateTime: web.FormatDateTime(at), Body: c.Body, Staff: c.AuthorStaff != ""})
	}
	for _, d := range docs {
		view.Attachments = append(view.Attachments, attachmentView{Name: d.Name, Size: fileSize(d.Size),
			URL: base + "/attachments/" + url.PathEscape(d.ID), At: web.FormatDateTime(d.CreatedAt.In(loc))})
	}
	view.Messages = p.threadFor(r, v, &view.Layout, fieldportal.ThreadOnIssue, x.ID)
	p.pages.Render(w, r, status, "issue", view)
}

// issueDetails are the issue's fields; the reporter is the history's
// first step.
func issueDetails(x *fieldportal.Issue, history []*fieldportal.IssueEvent, loc *time.Location) []web.Detail {
	reported := web.FormatDateTime(x.CreatedAt.In(loc))
	if len(history) > 0 && history[0].ActorName != "" {
		reported += " by " + history[0].ActorName
	}
	d := []web.Detail{
		{Label: "Number", Value: x.Number},
		{Label: "Site", Value: x.SiteName},
		{Label: "Priority", Value: x.Priority.Label()},
		{Label: "Status", Value: fieldportal.IssueStatusLabel(x.Status)},
		{Label: "Reported", Value: reported},
		{Label: "Last updated", Value: web.FormatDateTime(x.UpdatedAt.In(loc))},
	}
	if !x.ClosedAt.IsZero() {
		d = append(d, web.Detail{Label: "Closed", Value: web.FormatDateTime(x.ClosedAt.In(loc))})
	}
	return d
}

// issueHistory lays out the status history; jobs links a service order
// to its page when the contact may open it.
func issueHistory(events []*fieldportal.IssueEvent, loc *time.Location, jobs bool) []issueEventView {
	out := make([]issueEventView, 0, len(events))
	for _, e := range events {
		at := e.At.In(loc)
		ev := issueEventView{Label: e.Kind.Label(), Who: e.ActorName, At: at.Format(time.RFC3339), DateTime: web.FormatDateTime(at),
			JobNumber: e.JobNumber}
		if jobs && e.JobID != "" {
			ev.JobURL = "/jobs/" + url.PathEscape(e.JobID)
		}
		out = append(out, ev)
	}
	return out
}

// handleIssueComment adds the contact's comment, with its files, in one
// transaction; a refused comment or file shows the page again with what
// was typed.
func (p *Portal) handleIssueComment(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleIssues)
	if !ok {
		return
	}
	form, files, err := p.kit.ReadUploadForm(w, r, "attachments")
	body := strings.TrimSpace(form.Get("body"))
	if err == nil && len(files) > 0 && !v.CanDo(fieldportal.ActionUpload) {
		err = fieldportal.FieldErrorf("attachments", "You cannot attach files; send your comment without them.")
	}
	if err == nil {
		c := &fieldportal.IssueComment{IssueID: r.PathValue("id"), Body: body}
		err = p.svc.Work.CommentOnIssue(r.Context(), v, c, files)
	}
	switch {
	case err == nil:
		http.Redirect(w, r, "/issues/"+url.PathEscape(r.PathValue("id"))+"?done=commented#comments", http.StatusSeeOther)
	case fieldportal.ErrorCode(err) == fieldportal.EINVALID:
		p.renderIssue(w, r, http.StatusBadRequest, "", body, web.ErrorsOf(err))
	default:
		p.kit.Error(w, r, err)
	}
}

// handleIssueAttachment downloads a file of an issue: shown in the page
// only when it is a type a browser shows safely (downloadHeaders).
func (p *Portal) handleIssueAttachment(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleIssues)
	if !ok {
		return
	}
	doc, rc, err := p.svc.Work.OpenIssueAttachment(r.Context(), v, r.PathValue("id"), r.PathValue("doc"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	writeDocument(w, r, doc, rc)
}
