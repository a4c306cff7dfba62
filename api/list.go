package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
)

// List is the envelope of every list: a page of records and the cursor of
// the next page, null on the last.
type List[T any] struct {
	Data       []T     `json:"data"`
	NextCursor *string `json:"next_cursor"`
}

// SyncLag is the margin a walk by updated_since keeps behind its horizon.
//
// A record's updated_at is the time its transaction started, so one that
// commits late carries a time a client may already have synced past. The
// walk therefore never hands out records changed at or after the horizon:
// the start of the oldest transaction still open on the database
// (fieldportal.SyncHorizon, on PostgreSQL), or now, less SyncLag for the
// clocks of the program and the database and, on SQLite, for the
// transactions it cannot see. Those records come in the next sync. A
// client takes the greatest updated_at it received as its next
// updated_since (at or after, so a record sharing that time is read
// again, never missed). Deletions come as tombstones in the same walk
// (syncPage). Left for later: on SQLite a transaction held open longer
// than SyncLag.
const SyncLag = 5 * time.Second

// listQuery is what a list request asks, as the store takes it, plus its
// filters by name (those the resource declared, each given at most once).
type listQuery struct {
	Page         fieldportal.Page
	UpdatedSince time.Time
	Filters      map[string]string
}

// pageParams are the query parameters of every list.
var pageParams = []string{"limit", "cursor", "updated_since"}

// parseList reads a list request's query string: limit (1 to
// fieldportal.MaxLimit, default fieldportal.DefaultLimit), cursor (a
// next_cursor of the same kind of walk), updated_since (RFC 3339) and the
// resource's filters. Anything else, given twice or not valid text, is
// refused naming each parameter.
func parseList(r *http.Request, filters ...string) (listQuery, error) {
	lq := listQuery{Filters: map[string]string{}}
	values, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		// URL.Query would drop the pair it cannot read, and a limit or a
		// filter would silently not apply.
		return lq, fieldportal.Errorf(CodeBadRequest, "The query string is malformed (a bad %%-escape or a ';').")
	}
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	slices.Sort(names)
	var fails []fieldportal.FieldError
	fail := func(name, msg string) { fails = append(fails, fieldportal.FieldError{Field: name, Message: msg}) }
	var cur string
	for _, name := range names {
		vals := values[name]
		switch {
		case !utf8.ValidString(name):
			fail(strings.ToValidUTF8(name, "?"), "This parameter is unknown.")
			continue
		case !slices.Contains(pageParams, name) && !slices.Contains(filters, name):
			fail(name, "This parameter is unknown.")
			continue
		case len(vals) != 1:
			fail(name, "Give this parameter once.")
			continue
		case !utf8.ValidString(vals[0]) || strings.ContainsRune(vals[0], 0):
			fail(name, "This parameter is not valid UTF-8 text.")
			continue
		}
		val := vals[0]
		switch name {
		case "limit":
			n, err := strconv.Atoi(val)
			if err != nil || n < 1 || n > fieldportal.MaxLimit {
				fail(name, "limit must be a whole number from 1 to "+strconv.Itoa(fieldportal.MaxLimit)+".")
				continue
			}
			lq.Page.Limit = n
		case "cursor":
			cur = val
		case "updated_since":
			t, err := time.Parse(time.RFC3339Nano, val)
			if err != nil {
				fail(name, "updated_since must be a time in RFC 3339, such as 2026-01-31T09:00:00Z.")
				continue
			}
			lq.UpdatedSince = t.UTC()
		default:
			lq.Filters[name] = val
		}
	}
	if cur != "" {
		after, err := openCursor(cur, !lq.UpdatedSince.IsZero())
		if err != nil {
			fail("cursor", "The cursor is not valid for this list; start again without it.")
		}
		lq.Page.After = after
	}
	if len(fails) > 0 {
		return lq, badRequest(fails...)
	}
	if lq.Page.Limit == 0 {
		lq.Page.Limit = fieldportal.DefaultLimit
	}
	return lq, nil
}

// Since is updated_since as the store takes it. The store lists records
// changed after a time and keeps times to the microsecond; the API
// promises at or after, so it asks for after the microsecond before.
func (lq listQuery) Since() time.Time {
	if lq.UpdatedSince.IsZero() {
		return time.Time{}
	}
	return lq.UpdatedSince.Add(-time.Nanosecond).Truncate(time.Microsecond)
}

// apiCursor is what a next_cursor holds: the store's keyset cursor and
// which walk it belongs to, so a cursor of the walk by name is not read
// as one of the walk by updated_at (both hold two values).
type apiCursor struct {
	Sync  bool   `json:"s,omitempty"`
	After string `json:"a"`
}

// sealCursor makes the next_cursor of a store cursor ("" for none).
func sealCursor(after string, sync bool) *string {
	if after == "" {
		return nil
	}
	b, _ := json.Marshal(apiCursor{Sync: sync, After: after})
	s := base64.RawURLEncoding.EncodeToString(b)
	return &s
}

// openCursor reads a next_cursor back into the store's cursor.
func openCursor(s string, sync bool) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", err
	}
	var c apiCursor
	if err := json.Unmarshal(b, &c); err != nil || c.After == "" || c.Sync != sync {
		return "", fieldportal.Errorf(CodeBadRequest, "bad cursor")
	}
	return c.After, nil
}

// listError turns the store's refusal of a cursor (its field "after")
// into the API's: a bad cursor parameter.
func listError(err error) error {
	if e, ok := err.(*fieldportal.Error); ok && e.Code == fieldportal.EINVALID && e.Field == "after" {
		return badRequest(fieldportal.FieldError{Field: "cursor", Message: "The cursor is not valid for this list; start again without it."})
	}
	return err
}

// horizon is where a walk by updated_since stops: SyncLag before the
// database's sync horizon or now, whichever is earlier. Other walks have
// none (the zero time).
func (a *API) horizon(r *http.Request, lq listQuery) (time.Time, error) {
	if lq.UpdatedSince.IsZero() {
		return time.Time{}, nil
	}
	h := time.Now()
	if a.svc.Sync != nil {
		t, err := a.svc.Sync.SyncHorizon(r.Context())
		if err != nil {
			return time.Time{}, err
		}
		if t.Before(h) {
			h = t
		}
	}
	return h.Add(-SyncLag), nil
}

// page makes a list's envelope from a page of the store: each record
// shown by show; a walk by updated_since ends before horizon (see
// API.horizon), its next_cursor then null.
func page[R, T any](lq listQuery, rows []R, next string, horizon time.Time, updated func(R) time.Time, show func(R) T) List[T] {
	out := List[T]{Data: make([]T, 0, len(rows))}
	sync := !lq.UpdatedSince.IsZero()
	for _, r := range rows {
		if sync && !updated(r).Before(horizon) {
			return out
		}
		out.Data = append(out.Data, show(r))
	}
	out.NextCursor = sealCursor(next, sync)
	return out
}
