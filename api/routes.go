package api

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// route is one operation of the API. The table of routes (table) is the
// one source of both the router and the OpenAPI document, so neither can
// list an operation the other lacks.
type route struct {
	Method string
	// Path is under Prefix, with its path parameters: "/customers/{id}".
	Path    string
	ID      string // the operationId
	Summary string
	Tag     string
	// Query are the query parameters; path parameters come from Path.
	Query []param
	// Body is the request body's type (a zero value), nil for none.
	Body any
	// Multipart sends Body as multipart/form-data rather than JSON; its
	// FilePart fields are files (an upload).
	Multipart bool
	// MultipartBody, when set, is the body's multipart/form-data form,
	// taken beside Body's JSON (a message with files).
	MultipartBody any
	// Resp is the success response's type (a zero value; nil for no
	// body, a DELETE's 204) and Status its status; Upsert answers 201
	// for a record it created, else 200.
	Resp   any
	Status int
	Upsert bool
	// Binary answers the bytes of a file, of its own content type,
	// instead of Resp (a download).
	Binary bool
	// ETag: the response carries one and a write takes If-Match (a
	// DELETE, answering no content, only takes it).
	ETag bool
	// Public: served without an API key (the OpenAPI document, which a
	// client generator reads before it has one).
	Public  bool
	Handler http.HandlerFunc
}

// param is a query parameter of a route.
type param struct {
	Name, Desc string
	Schema     map[string]any
}

// pattern is the route's pattern on the ServeMux.
func (rt route) pattern() string {
	if rt.Path == "/" {
		return rt.Method + " " + Prefix + "/{$}"
	}
	return rt.Method + " " + Prefix + rt.Path
}

// table lists every operation of the API; each resource's file adds its own.
func (a *API) table() []route {
	rts := []route{
		{Method: "GET", Path: "/", ID: "getIndex", Summary: "What this version of the API serves", Tag: "meta",
			Resp: index{}, Handler: a.handleIndex},
		{Method: "GET", Path: "/openapi.json", ID: "getOpenAPI", Summary: "This OpenAPI document", Tag: "meta",
			Resp: map[string]any{}, Public: true, Handler: a.handleOpenAPI},
	}
	if a.svc.Sites != nil {
		rts = append(rts, a.customerRoutes()...)
		rts = append(rts, a.siteRoutes()...)
	}
	if a.svc.Sites != nil && a.svc.Contacts != nil {
		rts = append(rts, a.contactRoutes()...)
		rts = append(rts, a.portalAccessRoutes()...)
	}
	if a.svc.Sites != nil && a.svc.Work != nil {
		rts = append(rts, a.jobRoutes()...)
		rts = append(rts, a.issueRoutes()...)
		rts = append(rts, a.quoteRoutes()...)
	}
	if a.svc.Sites != nil && a.svc.Work != nil && a.svc.VisitReports != nil {
		rts = append(rts, a.visitReportRoutes()...)
	}
	if a.svc.Sites != nil && a.svc.Work != nil && a.svc.Diary != nil {
		rts = append(rts, a.appointmentRoutes()...)
		rts = append(rts, a.taskRoutes()...)
	}
	if a.svc.Sites != nil && a.svc.Equipment != nil {
		rts = append(rts, a.certificateRoutes()...)
		rts = append(rts, a.assetRoutes()...)
		rts = append(rts, a.assetTestRoutes()...)
		rts = append(rts, a.assetTransferRoutes()...)
		rts = append(rts, a.documentRoutes()...)
	}
	if a.svc.Work != nil {
		rts = append(rts, a.contractorRoutes()...)
		rts = append(rts, a.itemRoutes()...)
		rts = append(rts, a.scriptRoutes()...)
	}
	if a.svc.Webhooks != nil {
		rts = append(rts, a.webhookEndpointRoutes()...)
	}
	if a.svc.Sites != nil && a.svc.Work != nil && a.svc.Money != nil {
		rts = append(rts, a.invoiceRoutes()...)
		rts = append(rts, a.paymentRoutes()...)
		rts = append(rts, a.recurringInvoiceRoutes()...)
	}
	if a.svc.Messages != nil {
		rts = append(rts, a.messageRoutes()...)
	}
	return rts
}

// handle registers a route on the API's router and records it for the
// OpenAPI document. An address that is not valid text names nothing: a
// 404 before any handler, as on the pages (web.Kit.validText).
func (a *API) handle(rt route) {
	if rt.Status == 0 {
		rt.Status = http.StatusOK
	}
	a.routeTable = append(a.routeTable, rt)
	h := rt.Handler
	a.mux.HandleFunc(rt.pattern(), func(w http.ResponseWriter, r *http.Request) {
		if !utf8.ValidString(r.URL.Path) || strings.ContainsRune(r.URL.Path, 0) {
			a.problem(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no API resource at this address."))
			return
		}
		h(w, r)
	})
}

// handleUnknown answers what no route took: a 405 naming the methods
// the address takes (the catch-all pattern hides the router's own 405),
// else a 404.
func (a *API) handleUnknown(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pattern := a.mux.Handler(r2); pattern != Prefix+"/" && pattern != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) == 0 || !utf8.ValidString(r.URL.Path) {
		a.problem(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no API resource at this address."))
		return
	}
	w.Header().Set("Allow", strings.Join(allow, ", "))
	a.problem(w, r, fieldportal.Errorf(CodeMethodNotAllowed, "This address takes %s only.", strings.Join(allow, ", ")))
}

// viewer is the request's API key viewer (authenticated put it there).
func viewer(r *http.Request) fieldportal.Viewer {
	v, _ := web.ViewerFromContext(r.Context())
	return v
}

// Common query parameters of lists.
var (
	limitParam = param{Name: "limit", Desc: "Records per page, 1 to 500 (default 50).",
		Schema: map[string]any{"type": "integer", "minimum": 1, "maximum": fieldportal.MaxLimit, "default": fieldportal.DefaultLimit}}
	cursorParam = param{Name: "cursor", Desc: "The next_cursor of the previous page, with the same other parameters.",
		Schema: map[string]any{"type": "string"}}
	updatedSinceParam = param{Name: "updated_since",
		Desc: "Only records changed at or after this time (RFC 3339), oldest change first. The walk stops a few seconds " +
			"before now, so a change still committing is not skipped; take the greatest updated_at you received as the " +
			"next updated_since.",
		Schema: map[string]any{"type": "string", "format": "date-time"}}
)

// listParams are the query parameters of a list with its filters.
func listParams(filters ...param) []param {
	return append([]param{limitParam, cursorParam, updatedSinceParam}, filters...)
}

// filter is a list's filter by one field's exact value.
func filter(name, desc string) param {
	return param{Name: name, Desc: desc, Schema: map[string]any{"type": "string"}}
}

// filterNames are the names of a route's filters, for parseList.
func filterNames(ps []param) []string {
	var out []string
	for _, p := range ps {
		if p.Name != limitParam.Name && p.Name != cursorParam.Name && p.Name != updatedSinceParam.Name {
			out = append(out, p.Name)
		}
	}
	return out
}
