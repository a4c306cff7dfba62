// Package api is the integration API under /api/v1 (SPEC §6): a back
// office authenticates with an API key and calls the same domain services
// as the pages, never a second implementation. Errors are RFC 9457
// problem details. This file holds the router, the key's viewer and the
// error mapping; each resource gets a handler file of its own.
package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Prefix is where the API is mounted.
const Prefix = "/api/v1"

// Services are what the API calls.
type Services struct {
	Keys fieldportal.APIKeyService
	// Sites serves customers and sites, Contacts contacts; nil leaves
	// them out.
	Sites    fieldportal.SiteService
	Contacts fieldportal.AccessService
	// Sync is where lists by updated_since stop (nil: now, less SyncLag).
	Sync fieldportal.SyncHorizon
	// Work serves jobs, issues and quotes (with Sites, for the sites they
	// refer to); nil leaves them out.
	Work fieldportal.WorkService
	// Diary serves appointments and tasks (with Sites and Work, for the
	// records they refer to); nil leaves them out.
	Diary fieldportal.DiaryService
	// Equipment serves certificates, assets, their tests and transfers
	// (with Sites, for the sites they refer to); nil leaves them out.
	Equipment fieldportal.EquipmentService
	// Webhooks serves webhook endpoints and their deliveries; nil leaves
	// them out.
	Webhooks fieldportal.WebhookService
	// Money serves invoices, payments and recurring invoices (with Sites
	// and Work, for the records they refer to); nil leaves them out.
	Money fieldportal.MoneyService
	// Tombstones are what deleted records left, which lists by
	// updated_since carry (nil: none are listed).
	Tombstones fieldportal.TombstoneService
	// Messages serves the threads' messages (issue 22); nil takes
	// Work's when it keeps them too (the store does).
	Messages fieldportal.MessageService
	// VisitReports serves jobs' visit reports and their photos (with
	// Work); nil leaves them out.
	VisitReports fieldportal.VisitReportService
}

// API is the integration API's handlers.
type API struct {
	kit *web.Kit
	svc Services
	log *slog.Logger
	mux *http.ServeMux
	// limits is each key's request rate (ratelimit.go).
	limits *keyLimits
	// routeTable is every route registered (handle), for the OpenAPI
	// document; doc is that document, built once.
	routeTable []route
	doc        []byte
}

// New registers the API's routes on kit.
func New(kit *web.Kit, svc Services, opts ...Option) (*API, error) {
	if svc.Keys == nil {
		return nil, fmt.Errorf("api: the API key service is required")
	}
	if svc.Messages == nil {
		svc.Messages, _ = svc.Work.(fieldportal.MessageService)
	}
	a := &API{kit: kit, svc: svc, log: kit.Logger(), mux: http.NewServeMux(),
		limits: newKeyLimits(DefaultRateLimit, time.Minute, nil)}
	for _, o := range opts {
		o(a)
	}
	a.routes()
	doc, err := a.openAPI()
	if err != nil {
		return nil, fmt.Errorf("api: the OpenAPI document: %w", err)
	}
	a.doc = doc
	// The API answers its own errors as problem details, so its routes
	// are bare: it resolves the organisation and the key itself.
	kit.HandleBare(Prefix+"/", a.authenticated(a.idempotent(a.mux)))
	kit.ErrorsUnder(Prefix+"/", a.problem)
	kit.DoorUnder(Prefix+"/", fieldportal.DoorAPI)
	kit.HandleBare(Prefix, http.RedirectHandler(Prefix+"/", http.StatusMovedPermanently))
	return a, nil
}

// routes registers every route of the API's table (routes.go); the
// index says which resources exist.
func (a *API) routes() {
	for _, rt := range a.table() {
		a.handle(rt)
	}
	a.mux.HandleFunc(Prefix+"/", a.handleUnknown)
}

// Resource is an entry of the index: a collection and its address.
type Resource struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// index is the API's start: which resources this version serves.
type index struct {
	Version   string     `json:"version"`
	Resources []Resource `json:"resources"`
}

func (a *API) handleIndex(w http.ResponseWriter, r *http.Request) {
	idx := index{Version: "v1", Resources: []Resource{}}
	for _, rt := range a.routeTable {
		if name := strings.TrimPrefix(rt.Path, "/"); rt.Method == "GET" && rt.Tag != "meta" && !strings.Contains(name, "/") {
			idx.Resources = append(idx.Resources, Resource{Name: name, URL: Prefix + rt.Path})
		}
	}
	a.json(w, r, http.StatusOK, idx)
}

// errReadKey answers a read key that tries to change something.
var errReadKey = fieldportal.Errorf(fieldportal.EFORBIDDEN, "This API key may only read (GET); make a key with the write scope to change records.")

// authenticated resolves the organisation of the host and the viewer of
// the request's API key ("Authorization: Bearer <key>"); anything else is
// a 401 problem. A key over its rate, or an address that sent too many
// bad keys, gets a 429 problem with Retry-After. A read key gets a 403
// problem for any method but GET and HEAD.
func (a *API) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		org, err := a.kit.FindOrganisation(r)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		if a.public(r) {
			next.ServeHTTP(w, r.WithContext(web.ContextWithOrganisation(r.Context(), org)))
			return
		}
		scheme, key, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="fieldportal"`)
			a.problem(w, r, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "Send an API key as: Authorization: Bearer <key>."))
			return
		}
		v, err := a.svc.Keys.APIKeyViewer(r.Context(), org.ID, strings.TrimSpace(key), a.kit.ClientAddress(r))
		if err == nil {
			err = a.limits.take(v.APIKeyID)
		}
		if err != nil {
			if fieldportal.ErrorCode(err) == fieldportal.EUNAUTHORIZED || fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
				w.Header().Set("WWW-Authenticate", `Bearer realm="fieldportal", error="invalid_token"`)
				err = fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "The API key is not valid, or has been revoked.")
			}
			a.problem(w, r, err)
			return
		}
		if !v.MayWrite() && r.Method != http.MethodGet && r.Method != http.MethodHead {
			// Refused before any handler runs, so no resource can forget it.
			a.problem(w, r, errReadKey)
			return
		}
		ctx := web.ContextWithViewer(web.ContextWithOrganisation(r.Context(), org), v)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// public reports whether the request is a read of a route served without
// a key (route.Public), as the router would match it.
func (a *API) public(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	for _, rt := range a.routeTable {
		if rt.Public && rt.Method == http.MethodGet && r.URL.Path == Prefix+rt.Path {
			return true
		}
	}
	return false
}

// json writes v as the response body.
func (a *API) json(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		a.problem(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(append(body, '\n'))
	}
}
