package console

import (
	"net/http"
	"net/url"
	"slices"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// mailView is the mail log: every mail the portal queued, with its text,
// so that without a mail server (the demo) staff can still pass on an
// invitation link.
type mailView struct {
	web.Layout
	MailEnabled bool
	Messages    []mailRow
	NextURL     string
	FirstURL    string
}

type mailRow struct {
	Created, To, Subject, Topic, Status, LastError, Body string
	Attempts                                             int
}

func (c *Console) handleMail(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	after := r.URL.Query().Get("after")
	msgs, next, err := c.svc.Orgs.FindOutbox(r.Context(), v, fieldportal.OutboxFilter{Kind: "mail", Page: fieldportal.Page{After: after}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	view := mailView{Layout: c.layout(r, "Mail log"), MailEnabled: c.cfg.MailEnabled}
	for _, m := range msgs {
		// A mail's text may hold a single-use link that signs its reader
		// in as the contact: only admins read it, and only while no mail
		// server sends it (the demo); once sent it is not kept at all.
		body := m.Payload
		if !v.IsAdmin() {
			body = "(Only an admin can read mail text.)"
		} else if c.cfg.MailEnabled && slices.Contains([]string{"invite", "reset", "staff_reset"}, m.Topic) {
			body = "(This mail carries a single-use link; it is not shown while mail is sent by the mail server.)"
		}
		status := map[string]string{fieldportal.OutboxPending: "Waiting", fieldportal.OutboxSent: "Sent", fieldportal.OutboxFailed: "Failed", fieldportal.OutboxHeld: "Held"}[m.Status]
		if m.Status == fieldportal.OutboxPending && !c.cfg.MailEnabled {
			status = "Not sent (no mail server)"
		}
		view.Messages = append(view.Messages, mailRow{
			Created: web.FormatDateTime(m.CreatedAt.In(loc)), To: m.Recipient, Subject: m.Subject, Topic: m.Topic,
			Status: status, LastError: m.LastError, Body: body, Attempts: m.Attempts,
		})
	}
	if next != "" {
		view.NextURL = "/console/mail?" + url.Values{"after": {next}}.Encode()
	}
	if after != "" {
		view.FirstURL = "/console/mail"
	}
	c.pages.Render(w, r, http.StatusOK, "mail", view)
}
