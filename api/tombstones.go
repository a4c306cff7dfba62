package api

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Tombstone is a deleted record as a list by updated_since shows it
// (issue 19), kept for fieldportal.TombstoneKeep after the deletion.
type Tombstone struct {
	ID         string    `json:"id" doc:"The id the deleted record had."`
	ExternalID *string   `json:"external_id" doc:"The back office's id the record had; null when none."`
	DeletedAt  time.Time `json:"deleted_at"`
	Deleted    bool      `json:"deleted" doc:"Always true: what tells a tombstone from a record."`
}

func init() {
	typeDocs[reflect.TypeFor[Tombstone]()] = "A record deleted at deleted_at. Lists by updated_since carry the tombstones " +
		"of their kind beside the records, in the same order (oldest change first) and for at least 30 days; a " +
		"tombstone keeps no other field, so the list's filters do not apply to it."
}

// ShowTombstone is the API's representation of a tombstone.
func ShowTombstone(t *fieldportal.Tombstone) Tombstone {
	return Tombstone{ID: t.ID, ExternalID: optional(t.ExternalID), DeletedAt: t.DeletedAt.UTC(), Deleted: true}
}

// Synced is an item of the list of a kind whose records can be deleted:
// a record, or in a walk by updated_since a tombstone. The document
// describes it as oneOf the two (schemas.of).
type Synced[R any] struct {
	Record    *R
	Tombstone *Tombstone
}

// MarshalJSON is the record's JSON, or the tombstone's.
func (s Synced[R]) MarshalJSON() ([]byte, error) {
	if s.Tombstone != nil {
		return json.Marshal(s.Tombstone)
	}
	return json.Marshal(s.Record)
}

// oneOf are the types an item may be, for the document.
func (Synced[R]) oneOf() []reflect.Type {
	return []reflect.Type{reflect.TypeFor[R](), reflect.TypeFor[Tombstone]()}
}

// oneOfer is a type the document describes as oneOf its alternatives.
type oneOfer interface{ oneOf() []reflect.Type }

// syncPage is page for a kind whose deletions leave tombstones: a walk by
// updated_since merges the kind's tombstones into the records, both in
// (time, id) order from the same cursor (fieldportal.SyncAfter), so one
// next_cursor walks both, neither skipping nor repeating an item of the
// same time as the page's last. Other walks are page's, unchanged.
func syncPage[D, T any](r *http.Request, a *API, kind string, lq listQuery, rows []D, next string, horizon time.Time,
	updated func(D) time.Time, id func(D) string, show func(D) T) (List[Synced[T]], error) {
	out := List[Synced[T]]{Data: make([]Synced[T], 0, len(rows))}
	if lq.UpdatedSince.IsZero() || a.svc.Tombstones == nil {
		p := page(lq, rows, next, horizon, updated, show)
		for i := range p.Data {
			out.Data = append(out.Data, Synced[T]{Record: &p.Data[i]})
		}
		out.NextCursor = p.NextCursor
		return out, nil
	}
	tombs, tnext, err := a.svc.Tombstones.FindTombstones(r.Context(), viewer(r),
		fieldportal.TombstoneFilter{Kind: kind, Since: lq.Since(), Page: lq.Page})
	if err != nil {
		return out, listError(err)
	}
	var lastAt time.Time
	var lastID string
	i, j := 0, 0
	for len(out.Data) < lq.Page.Size() && (i < len(rows) || j < len(tombs)) {
		var at time.Time
		var itemID string
		var item Synced[T]
		if j == len(tombs) || i < len(rows) && before(updated(rows[i]), id(rows[i]), tombs[j].DeletedAt, tombs[j].ID) {
			at, itemID = updated(rows[i]), id(rows[i])
			rec := show(rows[i])
			item.Record = &rec
			i++
		} else {
			t := ShowTombstone(tombs[j])
			at, itemID, item.Tombstone = tombs[j].DeletedAt, tombs[j].ID, &t
			j++
		}
		if !at.Before(horizon) {
			return out, nil // the rest waits for the next sync (API.horizon)
		}
		out.Data = append(out.Data, item)
		lastAt, lastID = at, itemID
	}
	if i < len(rows) || j < len(tombs) || next != "" || tnext != "" {
		out.NextCursor = sealCursor(fieldportal.SyncAfter(lastAt, lastID), true)
	}
	return out, nil
}

// before orders the items of a sync walk: by time, then by id.
func before(at time.Time, id string, at2 time.Time, id2 string) bool {
	if !at.Equal(at2) {
		return at.Before(at2)
	}
	return id < id2
}

// deleteRoute is the DELETE of one record of a collection.
func deleteRoute(path, tag, singular, noun string, h http.HandlerFunc) route {
	return route{Method: "DELETE", Path: path + "/{id}", ID: "delete" + singular,
		Summary: "Delete " + article(noun) + "; lists by updated_since then show its tombstone", Tag: tag,
		Status: http.StatusNoContent, ETag: true, Handler: h}
}

// deleteHandler deletes the record of the address: 204, or 412 when
// If-Match names another version than the one stored (checked again in
// the store's transaction).
func deleteHandler[D, R any](a *API, find func(ctx context.Context, v fieldportal.Viewer, id string) (*D, error),
	show func(r *http.Request, d *D) R, updated func(d *D) time.Time,
	del func(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, id := viewer(r), r.PathValue("id")
		d, err := find(r.Context(), v, id)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		if err := checkIfMatch(r, show(r, d)); err != nil {
			a.problem(w, r, err)
			return
		}
		if err := del(r.Context(), v, id, ifMatch(r, updated(d))); err != nil {
			a.problem(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
