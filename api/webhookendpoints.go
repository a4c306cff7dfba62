package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// WebhookEndpoint is an address the back office hears events at, as the
// API shows it: never with its signing secret, which only the create
// answers (NewWebhookEndpoint).
//
// An endpoint has no external id, so it has no PUT /by-external-id: a
// back office keeps the id its create answered. DELETE removes it with
// its deliveries.
type WebhookEndpoint struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Events         []string  `json:"events" doc:"The event types sent to it; \"*\" is every type."`
	Active         bool      `json:"active" doc:"false: nothing is sent to it."`
	DisabledReason string    `json:"disabled_reason" doc:"Why deliveries turned it off after failing for a day; empty when a person or a key did, or while it is on."`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// NewWebhookEndpoint is the answer to an endpoint's create: the endpoint
// and its signing secret, shown this once.
type NewWebhookEndpoint struct {
	ID             string    `json:"id"`
	URL            string    `json:"url"`
	Events         []string  `json:"events" doc:"The event types sent to it; \"*\" is every type."`
	Active         bool      `json:"active"`
	DisabledReason string    `json:"disabled_reason"`
	Secret         string    `json:"secret" doc:"The key of each delivery's Fieldportal-Signature (HMAC-SHA256). Shown only here: keep it."`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// WebhookEndpointInput is the body of an endpoint's create or update
// (only the fields sent).
type WebhookEndpointInput struct {
	URL    string   `json:"url" doc:"https, and a public address, unless the server's settings allow otherwise."`
	Events []string `json:"events" doc:"At least one event type, or \"*\" for every type."`
	Active *bool    `json:"active" doc:"false turns it off, true back on; a new endpoint is on unless told."`
}

// WebhookDelivery is one event queued for an endpoint, with its attempts
// newest first.
type WebhookDelivery struct {
	ID            string           `json:"id"`
	EndpointID    string           `json:"endpoint_id"`
	EventType     string           `json:"event_type"`
	Payload       string           `json:"payload" doc:"The event's JSON, as posted."`
	Status        string           `json:"status" doc:"pending, sent or failed (given up after a day)."`
	AttemptCount  int              `json:"attempt_count"`
	NextAttemptAt *time.Time       `json:"next_attempt_at" doc:"When it is tried next; null unless pending."`
	LastError     string           `json:"last_error"`
	CreatedAt     time.Time        `json:"created_at"`
	SentAt        *time.Time       `json:"sent_at" doc:"When the receiver took it; null until then."`
	Attempts      []WebhookAttempt `json:"attempts"`
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	ID          string    `json:"id"`
	AttemptedAt time.Time `json:"attempted_at"`
	StatusCode  int       `json:"status_code" doc:"The receiver's HTTP status; 0 when it did not answer."`
	DurationMS  int64     `json:"duration_ms"`
	Response    string    `json:"response" doc:"The first kilobyte of the receiver's answer."`
	Error       string    `json:"error"`
}

func init() {
	typeDocs[reflect.TypeFor[WebhookEndpoint]()] = "An address the back office hears events at, signed with a secret of its own."
	typeDocs[reflect.TypeFor[NewWebhookEndpoint]()] = "An endpoint just made, with its signing secret, shown this once."
	typeDocs[reflect.TypeFor[WebhookDelivery]()] = "One event queued for an endpoint, with each attempt at it."
	typeDocs[reflect.TypeFor[WebhookAttempt]()] = "One try at delivering an event."
}

// ShowWebhookEndpoint is the API's representation of an endpoint, without
// its secret.
func ShowWebhookEndpoint(e *fieldportal.WebhookEndpoint) WebhookEndpoint {
	return WebhookEndpoint{ID: e.ID, URL: e.URL, Events: append([]string{}, e.Events...), Active: e.Active,
		DisabledReason: e.DisabledReason, CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC()}
}

// ShowWebhookDelivery is the API's representation of a delivery.
func ShowWebhookDelivery(d *fieldportal.WebhookDelivery) WebhookDelivery {
	out := WebhookDelivery{ID: d.ID, EndpointID: d.EndpointID, EventType: d.Topic, Payload: d.Payload, Status: d.Status,
		AttemptCount: d.OutboxMessage.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt.UTC(),
		SentAt: optionalTime(d.SentAt), Attempts: make([]WebhookAttempt, len(d.Attempts))}
	if d.Status == fieldportal.OutboxPending {
		out.NextAttemptAt = optionalTime(d.NextAttemptAt)
	}
	for i, at := range d.Attempts {
		out.Attempts[i] = WebhookAttempt{ID: at.ID, AttemptedAt: at.AttemptedAt.UTC(), StatusCode: at.StatusCode,
			DurationMS: at.Duration.Milliseconds(), Response: at.Response, Error: at.Error}
	}
	return out
}

func (a *API) webhookEndpointRoutes() []route {
	res := &resource[fieldportal.WebhookEndpoint, WebhookEndpoint, WebhookEndpointInput]{api: a,
		Path: "/webhook-endpoints", Tag: "webhook-endpoints", Singular: "WebhookEndpoint", Plural: "WebhookEndpoints",
		Noun: "webhook endpoint", ListSummary: "List webhook endpoints in the order they were made",
		Show:      func(_ *http.Request, e *fieldportal.WebhookEndpoint) WebhookEndpoint { return ShowWebhookEndpoint(e) },
		UpdatedAt: func(e *fieldportal.WebhookEndpoint) time.Time { return e.UpdatedAt },
		ID:        func(e *fieldportal.WebhookEndpoint) string { return e.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.WebhookEndpoint, string, error) {
			return a.svc.Webhooks.FindWebhookEndpointPage(r.Context(), viewer(r),
				fieldportal.WebhookEndpointFilter{Page: lq.Page, UpdatedSince: lq.Since()})
		},
		Find:           a.svc.Webhooks.FindWebhookEndpoint,
		Fill:           fillWebhookEndpoint,
		SetIfUpdatedAt: func(e *fieldportal.WebhookEndpoint, at time.Time) { e.IfUpdatedAt = at },
		Update: func(ctx context.Context, v fieldportal.Viewer, e *fieldportal.WebhookEndpoint) error {
			_, err := a.svc.Webhooks.UpdateWebhookEndpoint(ctx, v, e.ID, fieldportal.WebhookEndpointInput{URL: e.URL,
				Events: e.Events, Active: &e.Active, IfUpdatedAt: e.IfUpdatedAt})
			return err
		},
	}
	var rts []route
	for _, rt := range res.routes() {
		switch rt.Method {
		case http.MethodPut:
			continue // no external id: see WebhookEndpoint
		case http.MethodPost:
			// The create answers the secret, which no read shows.
			rt.Resp, rt.Handler = NewWebhookEndpoint{}, a.createWebhookEndpoint
		}
		rts = append(rts, rt)
	}
	return append(rts,
		route{Method: "DELETE", Path: "/webhook-endpoints/{id}", ID: "deleteWebhookEndpoint",
			Summary: "Delete a webhook endpoint with its deliveries", Tag: "webhook-endpoints",
			Status: http.StatusNoContent, ETag: true, Handler: a.deleteWebhookEndpoint},
		route{Method: "GET", Path: "/webhook-endpoints/{id}/deliveries", ID: "listWebhookDeliveries",
			Summary: "List an endpoint's deliveries, newest first, with their attempts", Tag: "webhook-endpoints",
			Query: []param{limitParam, cursorParam}, Resp: List[WebhookDelivery]{}, Handler: a.listWebhookDeliveries})
}

// fillWebhookEndpoint copies the sent fields of in onto e.
func fillWebhookEndpoint(_ *http.Request, e *fieldportal.WebhookEndpoint, in WebhookEndpointInput, s sent) error {
	if s.has("url") {
		e.URL = in.URL
	}
	if s.has("events") {
		e.Events = in.Events
	}
	switch {
	case in.Active != nil:
		e.Active = *in.Active
	case s == nil:
		e.Active = true
	case s["active"]:
		return fieldportal.FieldErrorf("active", "active must be true or false.")
	}
	return nil
}

func (a *API) createWebhookEndpoint(w http.ResponseWriter, r *http.Request) {
	var in WebhookEndpointInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	var e fieldportal.WebhookEndpoint
	if err := fillWebhookEndpoint(r, &e, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	made, err := a.svc.Webhooks.CreateWebhookEndpoint(r.Context(), v, fieldportal.WebhookEndpointInput{URL: e.URL,
		Events: e.Events, Active: &e.Active})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	// Read back, so the ETag is the one a GET gives.
	got, err := a.svc.Webhooks.FindWebhookEndpoint(r.Context(), v, made.ID)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	shown := ShowWebhookEndpoint(got)
	w.Header().Set("Location", Prefix+"/webhook-endpoints/"+got.ID)
	w.Header().Set("ETag", etagOf(shown))
	a.json(w, r, http.StatusCreated, NewWebhookEndpoint{ID: shown.ID, URL: shown.URL, Events: shown.Events,
		Active: shown.Active, DisabledReason: shown.DisabledReason, Secret: got.Secret,
		CreatedAt: shown.CreatedAt, UpdatedAt: shown.UpdatedAt})
}

// deleteWebhookEndpoint deletes the endpoint of the address: 204, or 412
// when If-Match names another version than the one stored. The check is
// the API's, before the store's delete (which takes no version): a change
// in between is not caught, unlike the records' DELETE (deleteHandler).
func (a *API) deleteWebhookEndpoint(w http.ResponseWriter, r *http.Request) {
	v, id := viewer(r), r.PathValue("id")
	if r.Header.Get("If-Match") != "" {
		e, err := a.svc.Webhooks.FindWebhookEndpoint(r.Context(), v, id)
		if err == nil {
			err = checkIfMatch(r, ShowWebhookEndpoint(e))
		}
		if err != nil {
			a.problem(w, r, err)
			return
		}
	}
	if err := a.svc.Webhooks.DeleteWebhookEndpoint(r.Context(), v, id); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

func (a *API) listWebhookDeliveries(w http.ResponseWriter, r *http.Request) {
	lq, err := parseList(r)
	if err == nil && !lq.UpdatedSince.IsZero() {
		err = badRequest(fieldportal.FieldError{Field: "updated_since",
			Message: "Deliveries list newest first, by cursor; updated_since does not apply."})
	}
	if err != nil {
		a.problem(w, r, err)
		return
	}
	rows, next, err := a.svc.Webhooks.FindWebhookDeliveries(r.Context(), viewer(r), r.PathValue("id"), lq.Page)
	if err != nil {
		a.problem(w, r, listError(err))
		return
	}
	a.json(w, r, http.StatusOK, page(lq, rows, next, time.Time{},
		func(d *fieldportal.WebhookDelivery) time.Time { return d.CreatedAt }, ShowWebhookDelivery))
}
