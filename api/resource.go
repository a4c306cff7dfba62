package api

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// resource is one collection of the API served by the shared handlers:
// list, create, get, change the fields sent, and upsert by external id.
// D is the domain record, R its representation and In the body of its
// writes. A resource whose operation differs (a job's PATCH that moves its
// stage) replaces that route's Handler after routes, keeping the rest.
//
// Every write answers the record as stored, read back through Find, so
// its ETag is the one a GET gives; If-Match is checked against that
// representation and again in the store's transaction (IfUpdatedAt).
type resource[D, R, In any] struct {
	api *API
	// Path is the collection's path ("/customers"), Tag its OpenAPI tag,
	// Singular and Plural its names in operation ids and summaries
	// ("AssetTest", "AssetTests"), Noun its name in summaries ("asset
	// test"; by default Singular in lower case).
	Path, Tag, Singular, Plural, Noun string
	// Filters are the list's filters beyond paging.
	Filters []param
	// ListSummary overrides "List <plural>" (to say the order).
	ListSummary string

	// Show is the representation (the request gives the currency).
	Show func(r *http.Request, d *D) R
	// UpdatedAt is the record's last change, for walks by updated_since.
	UpdatedAt func(d *D) time.Time
	// ID is the record's id.
	ID func(d *D) string

	// List reads one page for the query, checking its filters' values.
	List func(r *http.Request, lq listQuery) ([]*D, string, error)
	// Find reads one record by id (out of reach is not found).
	Find func(ctx context.Context, v fieldportal.Viewer, id string) (*D, error)
	// ByExternalID reads the record of a back-office id, nil when none.
	ByExternalID func(ctx context.Context, v fieldportal.Viewer, ext string) (*D, error)

	// Fill copies the fields sent of in onto d (all of them for a nil s,
	// a create or an upsert), resolving references given by external id.
	Fill func(r *http.Request, d *D, in In, s sent) error
	// ExternalID is the body's external_id, to set from the address of
	// an upsert.
	ExternalID func(in *In) *string
	// Keep, when set, carries onto an upsert's replacement d what the
	// stored old keeps when the body leaves it out (a job's stage).
	Keep func(d, old *D, s sent)
	// SetIfUpdatedAt sets the version a write saves over (zero: any).
	SetIfUpdatedAt func(d *D, at time.Time)

	Create func(ctx context.Context, v fieldportal.Viewer, d *D) error
	Update func(ctx context.Context, v fieldportal.Viewer, d *D) error
	Upsert func(ctx context.Context, v fieldportal.Viewer, d *D) (created bool, err error)
	// WriteError, when set, renames the fields of the store's refusal of
	// a create, update or upsert as the body names them (cert_type).
	WriteError func(error) error

	// Delete, when set, serves DELETE {Path}/{id} (204; If-Match
	// honoured as by PATCH): the store deletes the record of the version
	// given (zero: any) and leaves a tombstone of Kind, which the list's
	// walks by updated_since then carry (syncPage).
	Delete func(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error
	Kind   string
}

// routes are the resource's five operations, in the table's order, and
// its DELETE when it has one.
func (res *resource[D, R, In]) routes() []route {
	var r R
	var in In
	one := res.Noun
	if one == "" {
		one = lower(res.Singular)
	}
	list := res.ListSummary
	if list == "" {
		list = "List " + one + "s"
	}
	var listResp any = List[R]{}
	if res.Kind != "" {
		listResp = List[Synced[R]]{}
	}
	rts := []route{
		{Method: "GET", Path: res.Path, ID: "list" + res.Plural, Summary: list, Tag: res.Tag,
			Query: listParams(res.Filters...), Resp: listResp, Handler: res.list(filterNames(res.Filters))},
		{Method: "POST", Path: res.Path, ID: "create" + res.Singular, Summary: "Create " + article(one), Tag: res.Tag,
			Body: in, Resp: r, Status: http.StatusCreated, ETag: true, Handler: res.create},
		{Method: "GET", Path: res.Path + "/{id}", ID: "get" + res.Singular, Summary: "Get " + article(one), Tag: res.Tag,
			Resp: r, ETag: true, Handler: res.get},
		{Method: "PATCH", Path: res.Path + "/{id}", ID: "update" + res.Singular,
			Summary: "Change the fields sent of " + article(one), Tag: res.Tag, Body: in, Resp: r, ETag: true, Handler: res.update},
		{Method: "PUT", Path: res.Path + "/by-external-id/{external_id}", ID: "upsert" + res.Singular,
			Summary: "Create or replace " + article(one) + " by the back office's id", Tag: res.Tag,
			Body: in, Resp: r, Upsert: true, ETag: true, Handler: res.upsert},
	}
	if res.Delete != nil {
		rts = append(rts, deleteRoute(res.Path, res.Tag, res.Singular, one,
			deleteHandler(res.api, res.Find, res.Show, res.UpdatedAt, res.Delete)))
	}
	return rts
}

func (res *resource[D, R, In]) list(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := res.api
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		// The horizon is read before the page: what commits between them
		// started after it, and waits for the next sync.
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := res.List(r, lq)
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		show := func(d *D) R { return res.Show(r, d) }
		if res.Kind == "" {
			a.json(w, r, http.StatusOK, page(lq, rows, next, horizon, res.UpdatedAt, show))
			return
		}
		out, err := syncPage(r, a, res.Kind, lq, rows, next, horizon, res.UpdatedAt, res.ID, show)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		a.json(w, r, http.StatusOK, out)
	}
}

func (res *resource[D, R, In]) get(w http.ResponseWriter, r *http.Request) {
	res.answer(w, r, http.StatusOK, r.PathValue("id"))
}

func (res *resource[D, R, In]) create(w http.ResponseWriter, r *http.Request) {
	a := res.api
	var in In
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	d := new(D)
	if err := res.Fill(r, d, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := res.Create(r.Context(), viewer(r), d); err != nil {
		a.problem(w, r, res.writeError(err))
		return
	}
	w.Header().Set("Location", Prefix+res.Path+"/"+res.ID(d))
	res.answer(w, r, http.StatusCreated, res.ID(d))
}

func (res *resource[D, R, In]) update(w http.ResponseWriter, r *http.Request) {
	a := res.api
	var in In
	s, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	// The fields sent go onto the version read and the store saves over
	// that version only, so a change committed in between (autopay moving
	// a schedule's due date, a console edit) is never overwritten with
	// what was read. Under If-Match that is a 412; without, the fields
	// are put onto the record read again, a few times at most.
	var d *D
	err = overVersionRead(r, func() (err error) {
		if d, err = res.Find(r.Context(), v, r.PathValue("id")); err != nil {
			return err
		}
		if err := checkIfMatch(r, res.Show(r, d)); err != nil {
			return err
		}
		if err := res.Fill(r, d, in, s); err != nil {
			return err
		}
		res.SetIfUpdatedAt(d, res.UpdatedAt(d))
		return res.writeError(res.Update(r.Context(), v, d))
	})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	res.answer(w, r, http.StatusOK, res.ID(d))
}

// patchTries is how many times a PATCH without If-Match reads the record
// and saves over it before it answers that the record keeps changing.
const patchTries = 3

// overVersionRead runs once, a read, change and save over the version
// read (a PATCH or an upsert). Without If-Match, a save refused because
// another change came first (fieldportal.ErrChanged) is done again from a
// fresh read, up to patchTries times; under If-Match the refusal stands
// (412).
func overVersionRead(r *http.Request, once func() error) error {
	pinned := strings.TrimSpace(r.Header.Get("If-Match")) != ""
	for try := 1; ; try++ {
		err := once()
		if errors.Is(err, fieldportal.ErrChanged) && !pinned && try < patchTries {
			continue
		}
		return err
	}
}

func (res *resource[D, R, In]) upsert(w http.ResponseWriter, r *http.Request) {
	a := res.api
	var in In
	s, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v, ext := viewer(r), r.PathValue("external_id")
	if p := res.ExternalID(&in); s["external_id"] && *p != ext {
		a.problem(w, r, fieldportal.FieldErrorf("external_id", "external_id differs from the one in the address; leave it out."))
		return
	} else {
		*p = ext
	}
	// As a PATCH, a replace saves over the version read: what Keep
	// carries from it (a job's stage) is never a stale copy.
	var d *D
	var created bool
	err = overVersionRead(r, func() error {
		old, err := res.ByExternalID(r.Context(), v, ext)
		if err != nil {
			return err
		}
		var current any
		if old != nil {
			current = res.Show(r, old)
		}
		if err := checkIfMatch(r, current); err != nil {
			return err
		}
		d = new(D)
		if err := res.Fill(r, d, in, nil); err != nil {
			return err
		}
		if old != nil {
			if res.Keep != nil {
				res.Keep(d, old, s)
			}
			res.SetIfUpdatedAt(d, res.UpdatedAt(old))
		}
		created, err = res.Upsert(r.Context(), v, d)
		return res.writeError(err)
	})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+res.Path+"/"+res.ID(d))
	}
	res.answer(w, r, status, res.ID(d))
}

// writeError is the store's refusal of a write as the API names it.
func (res *resource[D, R, In]) writeError(err error) error {
	if res.WriteError == nil {
		return err
	}
	return res.WriteError(err)
}

// answer answers a read or a write with the record as now stored.
func (res *resource[D, R, In]) answer(w http.ResponseWriter, r *http.Request, status int, id string) {
	a := res.api
	d, err := res.Find(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, res.Show(r, d))
}

// firstByExternalID adapts a store's list filtered by external id to
// resource.ByExternalID: the one record, nil when there is none.
func firstByExternalID[D any](list func() ([]*D, string, error)) (*D, error) {
	rows, _, err := list()
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	return rows[0], nil
}

// lower is a name in lower case for a summary ("Asset test" → "asset test").
func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// article puts "a" or "an" before a name.
func article(s string) string {
	if s != "" && (s[0] == 'a' || s[0] == 'e' || s[0] == 'i' || s[0] == 'o' || s[0] == 'u') {
		return "an " + s
	}
	return "a " + s
}

// op returns the route of rts that a resource's method names (POST the
// create, PATCH the change, PUT the upsert, DELETE the delete), for a file
// to change its summary or handler. None is a programming error, caught
// by any test that builds the API.
func (res *resource[D, R, In]) op(rts []route, method string) *route {
	path := res.Path + "/{id}"
	switch method {
	case http.MethodPost:
		path = res.Path
	case http.MethodPut:
		path = res.Path + "/by-external-id/{external_id}"
	}
	for i := range rts {
		if rts[i].Method == method && rts[i].Path == path {
			return &rts[i]
		}
	}
	panic("api: " + res.Path + " has no " + method + " route")
}

// resolveRef puts into *id the record of a kind that a body names by the
// back office's id (ext, in the field <kind>_external_id) instead of by
// its id (byID); find returns the record's id, "" when none has ext.
func resolveRef(kind string, id *string, byID, ext string, find func() (string, error)) error {
	if ext == "" {
		return nil
	}
	field := kind + "_external_id"
	if byID != "" {
		return fieldportal.FieldErrorf(field, "Give the %s by %s_id or by %s, not both.", kind, kind, field)
	}
	found, err := find()
	if err != nil {
		return err
	} else if found == "" {
		return fieldportal.FieldErrorf(field, "No %s has this external id.", kind)
	}
	*id = found
	return nil
}
