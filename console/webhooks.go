package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The webhook endpoints (SPEC §6, issue 19): an admin registers the back
// office's URLs and the events each hears, reads an endpoint's signing
// secret when setting up its receiver, turns endpoints off and on, and
// reads each delivery with every attempt, replaying one that the receiver
// lost. Admins only: an endpoint's secret lets its holder forge events.

func (c *Console) webhookRoutes() {
	k := c.kit
	k.Handle("GET /console/webhooks", c.signedIn(c.handleWebhooks))
	k.Handle("POST /console/webhooks", c.signedIn(c.handleWebhookAdd))
	k.Handle("GET /console/webhooks/{id}", c.signedIn(c.handleWebhook))
	k.Handle("POST /console/webhooks/{id}", c.signedIn(c.handleWebhookSave))
	k.Handle("POST /console/webhooks/{id}/reveal", c.signedIn(c.handleWebhookReveal))
	k.Handle("POST /console/webhooks/{id}/active", c.signedIn(c.handleWebhookActive))
	k.Handle("GET /console/webhooks/{id}/delete", c.signedIn(c.handleWebhookDeleteConfirm))
	k.Handle("POST /console/webhooks/{id}/delete", c.signedIn(c.handleWebhookDelete))
	k.Handle("POST /console/webhooks/{id}/deliveries/{delivery}/replay", c.signedIn(c.handleWebhookReplay))
}

const manageWebhooks = "manage webhooks"

type webhooksView struct {
	web.Layout
	Notice    string
	Errors    []fieldportal.FieldError
	Endpoints []webhookRow
	URL       web.FieldView
	Events    web.Choices
}

type webhookRow struct {
	ID, URL, Events, DisabledReason string
	Active                          bool
}

var webhookNotices = map[string]string{
	"deleted": "Endpoint deleted, with its deliveries.",
}

// eventChoices are the known event types as checkboxes, ticked as given.
func eventChoices(ticked []string, errs web.FormErrors) web.Choices {
	ch := web.Choices{Name: "events", Legend: "Events", Type: "checkbox", Columns: true, Error: errs["events"],
		Hint: "The events sent to this URL. Each carries its source (portal, console, api or system), so a back office can skip its own changes."}
	for _, t := range fieldportal.WebhookEventTypes {
		ch.Options = append(ch.Options, web.CheckOption{Value: t, Label: t, Checked: slices.Contains(ticked, t) || slices.Contains(ticked, "*")})
	}
	return ch
}

func (c *Console) handleWebhooks(w http.ResponseWriter, r *http.Request) {
	c.renderWebhooks(w, r, http.StatusOK, fieldportal.WebhookEndpointInput{}, web.FormErrors{})
}

func (c *Console) renderWebhooks(w http.ResponseWriter, r *http.Request, status int, typed fieldportal.WebhookEndpointInput, errs web.FormErrors) {
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	list, err := c.svc.Webhooks.FindWebhookEndpoints(r.Context(), v)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := webhooksView{Layout: c.layout(r, "Webhooks"), Notice: webhookNotices[r.URL.Query().Get("done")],
		Errors: errs.List("url", "events"), Events: eventChoices(typed.Events, errs)}
	view.URL = web.Field("url", "URL", "url", typed.URL, "off", errs)
	view.URL.Hint = "Where each event is POSTed, signed with the endpoint's secret: https://, to a public address."
	for _, e := range list {
		view.Endpoints = append(view.Endpoints, webhookRow{ID: e.ID, URL: e.URL, Events: strings.Join(e.Events, ", "),
			Active: e.Active, DisabledReason: e.DisabledReason})
	}
	c.pages.Render(w, r, status, "webhooks", view)
}

// webhookInput reads the endpoint form.
func webhookInput(r *http.Request) fieldportal.WebhookEndpointInput {
	return fieldportal.WebhookEndpointInput{URL: strings.TrimSpace(r.PostForm.Get("url")), Events: r.PostForm["events"]}
}

func (c *Console) handleWebhookAdd(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	in := webhookInput(r)
	e, err := c.svc.Webhooks.CreateWebhookEndpoint(r.Context(), v, in)
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		c.renderWebhooks(w, r, http.StatusBadRequest, in, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	// The secret is shown at once, as the receiver needs it; later only
	// by asking to reveal it (it must stay readable to sign with).
	c.renderWebhook(w, r, http.StatusOK, e.ID, "Endpoint added. Copy its signing secret into the receiver now.", e.Secret, nil, web.FormErrors{})
}

type webhookView struct {
	web.Layout
	Notice     string
	Errors     []fieldportal.FieldError
	Header     web.RecordHeader
	Endpoint   *fieldportal.WebhookEndpoint
	Secret     string
	URL        web.FieldView
	Events     web.Choices
	Deliveries []deliveryRow
	Pager      web.Pager
}

type deliveryRow struct {
	ID, Topic, EventID, Queued, Status, Tone, LastError string
	Attempts                                            []attemptRow
	// Replayable: sent or given up (a pending delivery is not replayed).
	Replayable bool
}

type attemptRow struct {
	At, Status, Duration, Response, Error string
}

var webhookEndpointNotices = map[string]string{
	"saved":    "Endpoint saved.",
	"enabled":  "Endpoint turned on: new events are sent to it.",
	"disabled": "Endpoint turned off: no events are sent to it.",
	"replayed": "The event is queued again, with the same event id.",
}

func (c *Console) handleWebhook(w http.ResponseWriter, r *http.Request) {
	c.renderWebhook(w, r, http.StatusOK, r.PathValue("id"), webhookEndpointNotices[r.URL.Query().Get("done")], "", nil, web.FormErrors{})
}

// renderWebhook shows an endpoint, its form (as typed, when typed is not
// nil) and a page of its deliveries; secret, when given, is shown.
func (c *Console) renderWebhook(w http.ResponseWriter, r *http.Request, status int, id, notice, secret string,
	typed *fieldportal.WebhookEndpointInput, errs web.FormErrors) {
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	e, err := c.svc.Webhooks.FindWebhookEndpoint(r.Context(), v, id)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	deliveries, next, err := c.svc.Webhooks.FindWebhookDeliveries(r.Context(), v, e.ID, fieldportal.Page{After: after, Limit: 20})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	if typed == nil {
		typed = &fieldportal.WebhookEndpointInput{URL: e.URL, Events: e.Events}
	}
	base := "/console/webhooks/" + url.PathEscape(e.ID)
	view := webhookView{Layout: c.layout(r, "Webhook "+e.URL), Notice: notice, Errors: errs.List("url", "events"),
		Endpoint: e, Secret: secret, Events: eventChoices(typed.Events, errs)}
	view.URL = web.Field("url", "URL", "url", typed.URL, "off", errs)
	badge := web.Badge{Text: "On", Tone: "success"}
	toggle := web.Action{Label: "Turn off", URL: base + "/active", Method: "post", Field: "active", Value: "off", Style: "secondary"}
	if !e.Active {
		badge = web.Badge{Text: "Off", Tone: "danger"}
		toggle = web.Action{Label: "Turn on", URL: base + "/active", Method: "post", Field: "active", Value: "on", Style: "secondary"}
	}
	view.Header = web.RecordHeader{BackURL: "/console/webhooks", BackLabel: "Webhooks", Title: e.URL, Subtitle: e.DisabledReason,
		Badges: []web.Badge{badge}, Actions: []web.Action{toggle, {Label: "Delete", URL: base + "/delete", Style: "danger"}}}
	loc := web.OrgLocation(r)
	for _, d := range deliveries {
		row := deliveryRow{ID: d.ID, Topic: d.Topic, EventID: eventID(d.Payload), Queued: web.FormatDateTime(d.CreatedAt.In(loc)), LastError: d.LastError,
			Replayable: d.Status != fieldportal.OutboxPending}
		switch d.Status {
		case fieldportal.OutboxSent:
			row.Status, row.Tone = "Delivered", "success"
		case fieldportal.OutboxFailed:
			row.Status, row.Tone = "Failed", "danger"
		default:
			row.Status, row.Tone = "Waiting", "info"
			if len(d.Attempts) > 0 {
				row.Status, row.Tone = "Retrying at "+web.FormatDateTime(d.NextAttemptAt.In(loc)), "warning"
			}
		}
		for _, a := range d.Attempts {
			st := "No answer"
			if a.StatusCode != 0 {
				st = strconv.Itoa(a.StatusCode)
			}
			row.Attempts = append(row.Attempts, attemptRow{At: web.FormatDateTime(a.AttemptedAt.In(loc)), Status: st,
				Duration: a.Duration.Round(time.Millisecond).String(), Response: a.Response, Error: a.Error})
		}
		view.Deliveries = append(view.Deliveries, row)
	}
	if next != "" {
		view.Pager.NextURL = base + "?" + url.Values{"after": {next}}.Encode()
	}
	if after != "" {
		view.Pager.FirstURL = base
	}
	if secret != "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	c.pages.Render(w, r, status, "webhook", view)
}

// eventID reads the event id out of a delivery's body, for the log.
func eventID(payload string) string {
	_, rest, ok := strings.Cut(payload, `"id":"`)
	if !ok {
		return ""
	}
	id, _, _ := strings.Cut(rest, `"`)
	return id
}

func (c *Console) handleWebhookSave(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	in := webhookInput(r)
	_, err := c.svc.Webhooks.UpdateWebhookEndpoint(r.Context(), v, r.PathValue("id"), in)
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		c.renderWebhook(w, r, http.StatusBadRequest, r.PathValue("id"), "", "", &in, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/webhooks/"+url.PathEscape(r.PathValue("id"))+"?done=saved", http.StatusSeeOther)
}

// handleWebhookReveal shows the endpoint's signing secret; a POST, so
// that it is never in a link, a history entry or a cache.
func (c *Console) handleWebhookReveal(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	e, err := c.svc.Webhooks.FindWebhookEndpoint(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.renderWebhook(w, r, http.StatusOK, e.ID, "", e.Secret, nil, web.FormErrors{})
}

func (c *Console) handleWebhookActive(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	on := r.PostForm.Get("active") == "on"
	if _, err := c.svc.Webhooks.SetWebhookEndpointActive(r.Context(), v, r.PathValue("id"), on); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	done := "disabled"
	if on {
		done = "enabled"
	}
	http.Redirect(w, r, "/console/webhooks/"+url.PathEscape(r.PathValue("id"))+"?done="+done, http.StatusSeeOther)
}

type webhookDeleteView struct {
	web.Layout
	Endpoint *fieldportal.WebhookEndpoint
}

func (c *Console) handleWebhookDeleteConfirm(w http.ResponseWriter, r *http.Request) {
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	e, err := c.svc.Webhooks.FindWebhookEndpoint(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "webhook_delete", webhookDeleteView{Layout: c.layout(r, "Delete webhook"), Endpoint: e})
}

func (c *Console) handleWebhookDelete(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	if err := c.svc.Webhooks.DeleteWebhookEndpoint(r.Context(), v, r.PathValue("id")); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/webhooks?done=deleted", http.StatusSeeOther)
}

// handleWebhookReplay queues a delivery's event again. The delivery must
// be of the endpoint in the path.
func (c *Console) handleWebhookReplay(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, manageWebhooks)
	if !ok {
		return
	}
	if _, err := c.svc.Webhooks.ReplayWebhookDelivery(r.Context(), v, r.PathValue("id"), r.PathValue("delivery")); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/webhooks/"+url.PathEscape(r.PathValue("id"))+"?done=replayed", http.StatusSeeOther)
}
