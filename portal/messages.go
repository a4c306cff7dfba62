package portal

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Messages with the office (issue 22): every job, quote, invoice, issue
// and site page has its thread (the kit's "messageThread", filled by
// threadFor), /messages lists the contact's threads, unread first, and
// /messages/{kind}/{id} is one record's thread on its own page, where a
// refused message is shown again with what was typed. The navigation
// counts the unread threads (messagesNav).

func (p *Portal) messageRoutes() {
	k := p.kit
	k.Handle("GET /messages", p.signedIn(p.handleMessages))
	k.Handle("GET /messages/{kind}/{id}", p.signedIn(p.handleThread))
	k.Handle("POST /messages/{kind}/{id}", p.signedIn(p.handlePostMessage))
	k.Handle("GET /messages/files/{id}", p.signedIn(p.handleMessageFile))
}

// messagesView is the list of the contact's threads.
type messagesView struct {
	web.Layout
	Table web.Table
	Pager web.Pager
}

// threadPageView is one record's thread on its own page.
type threadPageView struct {
	web.Layout
	Header web.RecordHeader
	Thread *web.ThreadView
}

// threadModules are the modules whose records have threads: the
// Messages page is offered to a contact that uses one of them.
var threadModules = []fieldportal.Module{fieldportal.ModuleService, fieldportal.ModuleInstall, fieldportal.ModuleQuotes,
	fieldportal.ModuleInvoices, fieldportal.ModuleIssues, fieldportal.ModuleSites}

func usesThreads(v fieldportal.Viewer) bool {
	return slices.ContainsFunc(threadModules, v.CanUse)
}

// messagesNav is the navigation's Messages link with the count of unread
// threads, or nil for a contact with no page that has threads. A failed
// count shows the link without it: the page must not fail for it.
func (p *Portal) messagesNav(r *http.Request, v fieldportal.Viewer) *web.NavLink {
	if !usesThreads(v) || p.svc.Messages == nil {
		return nil
	}
	l := &web.NavLink{Label: "Messages", URL: "/messages", BadgeLabel: "unread",
		Current: r.URL.Path == "/messages" || strings.HasPrefix(r.URL.Path, "/messages/")}
	if n, err := p.svc.Messages.CountUnreadThreads(r.Context(), v); err == nil && n > 0 {
		l.Badge = strconv.Itoa(n)
		if n > fieldportal.MaxUnreadCount {
			l.Badge = strconv.Itoa(fieldportal.MaxUnreadCount) + "+"
		}
	}
	return l
}

func (p *Portal) handleMessages(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	if !usesThreads(v) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return
	}
	after := r.URL.Query().Get("after")
	list, next, err := p.svc.Messages.FindThreads(r.Context(), v, fieldportal.ThreadFilter{Page: fieldportal.Page{After: after}})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	view := messagesView{Layout: p.layout(r, "Messages")}
	view.Table = web.Table{Caption: "Your conversations with the office, unread first", Columns: []web.Column{
		{Label: "About"}, {Label: "Status"}, {Label: "Last message"}, {Label: "Messages"}}}
	for _, t := range list {
		status := web.Badge{Text: "Read", Tone: "neutral"}
		if t.Unread {
			status = web.Badge{Text: "Unread", Tone: "info"}
		}
		// The last writer on the customer's side may be a colleague, so
		// the side is named, not "you".
		last := "sent to the office"
		if t.LastFrom == fieldportal.MessageFromOffice {
			last = "the office replied"
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{
			{Text: t.RecordLabel, URL: t.RecordPath() + "#messages", Header: true},
			{Badge: &status},
			{Text: web.FormatDateTime(t.LastMessageAt.In(loc)), Hint: "(" + last + ")"},
			{Text: strconv.Itoa(t.Messages)},
		})
	}
	if next != "" {
		view.Pager.NextURL = "/messages?after=" + url.QueryEscape(next)
	}
	if after != "" {
		view.Pager.FirstURL = "/messages"
	}
	p.pages.Render(w, r, http.StatusOK, "messages", view)
}

// threadFor is the thread section of a record's page: nil when the
// contact may not see it (the page shows everything else). Reading it
// marks the thread read for the login, so the page's own count in the
// navigation (l, filled before) is counted again.
func (p *Portal) threadFor(r *http.Request, v fieldportal.Viewer, l *web.Layout, kind, id string) *web.ThreadView {
	if p.svc.Messages == nil {
		return nil
	}
	t, err := p.svc.Messages.ThreadForRecord(r.Context(), v, kind, id)
	if err != nil {
		return nil
	}
	p.recountNav(r, v, l)
	view := p.kit.NewThreadView(r, t, fieldportal.MessageFromCustomer, threadPath(kind, id), "/messages/files/", "", nil)
	view.From = "record"
	return view
}

// recountNav counts the unread threads again in l's Messages link, once
// the page has read its thread.
func (p *Portal) recountNav(r *http.Request, v fieldportal.Viewer, l *web.Layout) {
	for i := range l.Nav {
		if l.Nav[i].URL == "/messages" && l.Nav[i].Badge != "" {
			if m := p.messagesNav(r, v); m != nil {
				l.Nav[i].Badge = m.Badge
			}
		}
	}
}

func threadPath(kind, id string) string {
	return "/messages/" + url.PathEscape(kind) + "/" + url.PathEscape(id)
}

func (p *Portal) handleThread(w http.ResponseWriter, r *http.Request) {
	p.renderThread(w, r, http.StatusOK, "", "", nil)
}

// renderThread shows a record's thread on its own page, with typed and
// refused from a refused message; from is the form's own "from".
func (p *Portal) renderThread(w http.ResponseWriter, r *http.Request, status int, typed, from string, refused error) {
	v, _ := web.ViewerFromContext(r.Context())
	kind, id := r.PathValue("kind"), r.PathValue("id")
	if !slices.Contains(fieldportal.ThreadRecordKinds, kind) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return
	}
	t, err := p.svc.Messages.ThreadForRecord(r.Context(), v, kind, id)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := threadPageView{Layout: p.layout(r, "Messages: "+t.RecordLabel)}
	view.Header = web.RecordHeader{BackURL: t.RecordPath(), BackLabel: t.RecordLabel, Title: "Messages about " + t.RecordLabel}
	view.Thread = p.kit.NewThreadView(r, t, fieldportal.MessageFromCustomer, threadPath(kind, id), "/messages/files/", typed, refused)
	if from == "record" {
		view.Thread.From = from // a success goes back to the record's page
	}
	if r.URL.Query().Get("done") == "sent" {
		view.Thread.Notice = "Your message was sent to the office."
	}
	p.pages.Render(w, r, status, "message_thread", view)
}

// handlePostMessage writes a message; a refused one (empty, a file not
// allowed) is shown again on the thread's page with what was typed.
func (p *Portal) handlePostMessage(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	kind, id := r.PathValue("kind"), r.PathValue("id")
	form, files, err := p.kit.ReadUploadForm(w, r, "attachments")
	body := form.Get("body")
	if err == nil {
		_, err = p.svc.Messages.PostMessage(r.Context(), v, &fieldportal.NewMessage{RecordKind: kind, RecordID: id, Body: body, Files: files})
	}
	switch {
	case err == nil:
		back := threadPath(kind, id) + "?done=sent#messages"
		if form.Get("from") == "record" {
			back = (&fieldportal.MessageThread{RecordKind: kind, RecordID: url.PathEscape(id)}).RecordPath() + "#messages"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
	case fieldportal.ErrorCode(err) == fieldportal.EINVALID && errField(err) != "record_id":
		p.renderThread(w, r, http.StatusBadRequest, body, form.Get("from"), err)
	default:
		p.kit.Error(w, r, web.NotFoundAs(notFoundRecord(err), "page"))
	}
}

// errField is the field err names, "" for none.
func errField(err error) string {
	var e *fieldportal.Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// notFoundRecord answers a record out of reach as the page's 404.
func notFoundRecord(err error) error {
	if errField(err) == "record_id" {
		return fieldportal.NotFound("record")
	}
	return err
}

func (p *Portal) handleMessageFile(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	a, rc, err := p.svc.Messages.OpenMessageAttachment(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	writeDocument(w, r, &fieldportal.Document{ID: a.ID, Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256}, rc)
}
