package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Messages with customers (issue 22): the queue of threads waiting for
// the office's answer, the longest waiting first, and a thread's page
// with the reply form.

func (c *Console) messageRoutes() {
	k := c.kit
	k.Handle("GET /console/messages", c.signedIn(c.handleMessageQueue))
	k.Handle("GET /console/messages/{id}", c.signedIn(c.handleThread))
	k.Handle("POST /console/messages/{id}", c.signedIn(c.handleReply))
	k.Handle("GET /console/messages/files/{id}", c.signedIn(c.handleMessageFile))
}

// messageQueueView is the queue of waiting threads.
type messageQueueView struct {
	web.Layout
	Table web.Table
	Pager web.Pager
}

// threadView is one thread with the reply form.
type threadView struct {
	web.Layout
	Header  web.RecordHeader
	Details []web.Detail
	Thread  *web.ThreadView
}

func (c *Console) handleMessageQueue(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	after := r.URL.Query().Get("after")
	list, next, err := c.svc.Messages.FindThreads(r.Context(), v, fieldportal.ThreadFilter{Waiting: true, Page: fieldportal.Page{After: after}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc, now := web.OrgLocation(r), web.RequestTime(r)
	view := messageQueueView{Layout: c.layout(r, "Messages")}
	view.Table = web.Table{Caption: "Threads waiting for an answer, the longest waiting first", Columns: []web.Column{
		{Label: "About"}, {Label: "Waiting"}, {Label: "Since"}, {Label: "Messages"}}}
	for _, t := range list {
		view.Table.Rows = append(view.Table.Rows, []web.Cell{
			{Text: t.RecordLabel, URL: "/console/messages/" + url.PathEscape(t.ID), Header: true},
			{Text: ageText(now.Sub(t.WaitingSince))},
			{Text: web.FormatDateTime(t.WaitingSince.In(loc))},
			{Text: strconv.Itoa(t.Messages)},
		})
	}
	if next != "" {
		view.Pager.NextURL = "/console/messages?after=" + url.QueryEscape(next)
	}
	if after != "" {
		view.Pager.FirstURL = "/console/messages"
	}
	c.pages.Render(w, r, http.StatusOK, "messages", view)
}

// ageText is how long a thread has waited, in the largest whole unit.
func ageText(d time.Duration) string {
	plural := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	switch {
	case d < time.Minute:
		return "Under a minute"
	case d < time.Hour:
		return plural(int(d/time.Minute), "minute")
	case d < 48*time.Hour:
		return plural(int(d/time.Hour), "hour")
	}
	return plural(int(d/(24*time.Hour)), "day")
}

func (c *Console) handleThread(w http.ResponseWriter, r *http.Request) {
	c.renderThread(w, r, http.StatusOK, "", nil)
}

func (c *Console) renderThread(w http.ResponseWriter, r *http.Request, status int, typed string, refused error) {
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	t, err := c.svc.Messages.FindThreadByID(r.Context(), v, id)
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "thread"))
		return
	}
	view := threadView{Layout: c.layout(r, "Messages: "+t.RecordLabel)}
	badge := web.Badge{Text: "Answered", Tone: "success"}
	if !t.WaitingSince.IsZero() {
		badge = web.Badge{Text: "Waiting for an answer", Tone: "warning"}
	}
	view.Header = web.RecordHeader{BackURL: "/console/messages", BackLabel: "Messages", Title: t.RecordLabel, Badges: []web.Badge{badge}}
	if u := recordConsolePath(t); u != "" {
		view.Header.Actions = []web.Action{{Label: "Open the " + t.RecordKind, URL: u, Style: "secondary"}}
	}
	view.Thread = c.kit.NewThreadView(r, t, fieldportal.MessageFromOffice, "/console/messages/"+url.PathEscape(t.ID), "/console/messages/files/", typed, refused)
	if r.URL.Query().Get("done") == "sent" {
		view.Thread.Notice = "Your answer was sent."
	}
	c.pages.Render(w, r, status, "message_thread", view)
}

// recordConsolePath is the console's page of a thread's record.
func recordConsolePath(t *fieldportal.MessageThread) string {
	id := url.PathEscape(t.RecordID)
	switch t.RecordKind {
	case fieldportal.ThreadOnJob:
		return "/console/jobs/" + id
	case fieldportal.ThreadOnQuote:
		return "/console/quotes/" + id
	case fieldportal.ThreadOnInvoice:
		return "/console/invoices/" + id
	case fieldportal.ThreadOnIssue:
		return "/console/issues/" + id
	}
	return ""
}

// handleReply writes the office's answer on a thread.
func (c *Console) handleReply(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	form, files, err := c.kit.ReadUploadForm(w, r, "attachments")
	body := form.Get("body")
	if err == nil {
		var t *fieldportal.MessageThread
		if t, err = c.svc.Messages.FindThreadByID(r.Context(), v, id); err == nil {
			_, err = c.svc.Messages.PostMessage(r.Context(), v, &fieldportal.NewMessage{RecordKind: t.RecordKind, RecordID: t.RecordID, Body: body, Files: files})
		}
	}
	var e *fieldportal.Error
	switch {
	case err == nil:
		http.Redirect(w, r, "/console/messages/"+url.PathEscape(id)+"?done=sent#messages", http.StatusSeeOther)
	case errors.As(err, &e) && e.Code == fieldportal.EINVALID && e.Field != "record_id":
		c.renderThread(w, r, http.StatusBadRequest, body, err)
	default:
		c.kit.Error(w, r, web.NotFoundAs(err, "thread"))
	}
}

// handleMessageFile downloads a message's file, always saved rather than
// shown (a customer's upload must not run with a staff session).
func (c *Console) handleMessageFile(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	a, rc, err := c.svc.Messages.OpenMessageAttachment(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	web.ServeDocument(w, r, &fieldportal.Document{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256}, rc, false)
}
