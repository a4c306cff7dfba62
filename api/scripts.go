package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Script is canned description text a customer can insert when booking,
// as the API shows it.
//
// A script has no archive flag, and the API has no DELETE for it:
// nothing refers to a script (its text is copied into what a customer
// writes), so deleting one would be harmless to other records, but the
// store has no delete, and a syncing client would need a tombstone to
// hear of it. Change its text instead.
type Script struct {
	ID         string    `json:"id"`
	ExternalID *string   `json:"external_id" doc:"The back office's own id; null when none."`
	Title      string    `json:"title"`
	Body       string    `json:"body" doc:"The text a customer inserts."`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// ScriptInput is the body of a script's create, update (only the fields
// sent) or upsert.
type ScriptInput struct {
	ExternalID string `json:"external_id"`
	Title      string `json:"title"`
	Body       string `json:"body"`
}

func init() {
	typeDocs[reflect.TypeFor[Script]()] = "Canned description text a customer can insert when booking a job or asking for a quote."
}

// ShowScript is the API's representation of a script.
func ShowScript(s *fieldportal.Script) Script {
	return Script{ID: s.ID, ExternalID: optional(s.ExternalID), Title: s.Title, Body: s.Body,
		CreatedAt: s.CreatedAt.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (a *API) scriptRoutes() []route {
	res := &resource[fieldportal.Script, Script, ScriptInput]{api: a,
		Path: "/scripts", Tag: "scripts", Singular: "Script", Plural: "Scripts",
		ListSummary: "List scripts by title",
		Filters:     []param{filter("external_id", "Only the script of this back-office id.")},
		Show:        func(_ *http.Request, s *fieldportal.Script) Script { return ShowScript(s) },
		UpdatedAt:   func(s *fieldportal.Script) time.Time { return s.UpdatedAt },
		ID:          func(s *fieldportal.Script) string { return s.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Script, string, error) {
			return a.svc.Work.FindScripts(r.Context(), viewer(r), fieldportal.CatalogueFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), ExternalID: lq.Filters["external_id"]})
		},
		Find:         a.svc.Work.FindScriptByID,
		ByExternalID: a.scriptByExternalID,
		Fill: func(_ *http.Request, x *fieldportal.Script, in ScriptInput, s sent) error {
			for name, p := range map[string][2]*string{
				"external_id": {&x.ExternalID, &in.ExternalID}, "title": {&x.Title, &in.Title}, "body": {&x.Body, &in.Body},
			} {
				if s.has(name) {
					*p[0] = *p[1]
				}
			}
			return nil
		},
		ExternalID:     func(in *ScriptInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(s *fieldportal.Script, at time.Time) { s.IfUpdatedAt = at },
		Create:         a.svc.Work.CreateScript,
		Update:         a.svc.Work.UpdateScript,
		Upsert:         a.svc.Work.UpsertScriptByExternalID,
	}
	return res.routes()
}

// scriptByExternalID returns the script of a back-office id, nil when
// there is none.
func (a *API) scriptByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Script, error) {
	return firstByExternalID(func() ([]*fieldportal.Script, string, error) {
		return a.svc.Work.FindScripts(ctx, v, fieldportal.CatalogueFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}
