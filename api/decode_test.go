package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/google/go-cmp/cmp"
)

// MustDecode decodes body as a SiteInput through decodeJSON, with the
// content type given.
func mustDecode(tb testing.TB, contentType, body string) (SiteInput, sent, Problem) {
	tb.Helper()
	req := httptest.NewRequest("POST", "/api/v1/sites", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	var in SiteInput
	s, err := decodeJSON(httptest.NewRecorder(), req, &in)
	if err != nil {
		return in, nil, ProblemFor(err)
	}
	return in, s, Problem{}
}

func TestDecodeJSON(t *testing.T) {
	t.Run("a good body fills the fields and says which were sent", func(t *testing.T) {
		in, s, p := mustDecode(t, "application/json; charset=utf-8",
			`{"name":"Dock","address":{"postcode":"BS1 4AA"},"company_site":true,"notes":null}`)
		if p.Status != 0 {
			t.Fatalf("problem %+v", p)
		}
		want := SiteInput{Name: "Dock", Address: Address{Postcode: "BS1 4AA"}, CompanySite: true}
		if diff := cmp.Diff(want, in); diff != "" {
			t.Errorf("input (-want +got):\n%s", diff)
		}
		wantSent := sent{"name": true, "address": true, "address.postcode": true, "company_site": true, "notes": true}
		if diff := cmp.Diff(wantSent, s); diff != "" {
			t.Errorf("sent (-want +got):\n%s", diff)
		}
	})
	t.Run("a PATCH may be a JSON merge patch, another method not", func(t *testing.T) {
		req := httptest.NewRequest("PATCH", "/api/v1/sites/s1", strings.NewReader(`{"name":"x"}`))
		req.Header.Set("Content-Type", mergePatch)
		var in SiteInput
		if _, err := decodeJSON(httptest.NewRecorder(), req, &in); err != nil || in.Name != "x" {
			t.Errorf("PATCH = %v %+v", err, in)
		}
		if _, _, p := mustDecode(t, mergePatch, `{"name":"x"}`); p.Status != http.StatusUnsupportedMediaType {
			t.Errorf("POST = %+v", p)
		}
	})
	t.Run("a nested object sent as null clears each of its fields", func(t *testing.T) {
		_, s, _ := mustDecode(t, "application/json", `{"address":null}`)
		for _, f := range []string{"address", "address.line1", "address.postcode", "address.country"} {
			if !s[f] {
				t.Errorf("%s not sent", f)
			}
		}
	})
	for _, tc := range []struct {
		name, contentType, body string
		status                  int
		fields                  []FieldProblem
	}{
		{"unknown fields are each named", "application/json", `{"name":"x","colour":"red","address":{"town":"Bath"}}`, 400,
			[]FieldProblem{{"address.town", "This field is unknown."}, {"colour", "This field is unknown."}}},
		{"a field differing only in case is unknown", "application/json", `{"Name":"x"}`, 400,
			[]FieldProblem{{"Name", "This field is unknown."}}},
		{"wrong types are named by field", "application/json", `{"name":5,"company_site":"yes","address":{"city":[]}}`, 400,
			[]FieldProblem{{"address.city", "This field must be a string."}, {"company_site", "This field must be true or false."},
				{"name", "This field must be a string."}}},
		{"a nested field that is not an object", "application/json", `{"address":"1 High St"}`, 400,
			[]FieldProblem{{"address", "This field must be an object."}}},
		{"invalid UTF-8 is named by field", "application/json", "{\"name\":\"Caf\xe9\",\"notes\":\"ok\"}", 400,
			[]FieldProblem{{"name", "This field is not valid UTF-8 text."}}},
		{"a NUL character is refused", "application/json", `{"notes":"a\u0000b"}`, 400,
			[]FieldProblem{{"notes", "This field must not contain NUL characters."}}},
		{"a field given twice is refused, not read as its last", "application/json",
			`{"customer_id":"c-mine","name":"x","customer_id":"c-other"}`, 400,
			[]FieldProblem{{"customer_id", "This field is given twice."}}},
		{"a field given twice by an escaped name", "application/json", `{"name":"a","n\u0061me":"b"}`, 400,
			[]FieldProblem{{"name", "This field is given twice."}}},
		{"a nested field given twice", "application/json", `{"address":{"city":"Bath","city":"Wells"}}`, 400,
			[]FieldProblem{{"address.city", "This field is given twice."}}},
		{"malformed JSON", "application/json", `{"name":`, 400, nil},
		{"an array is not an object", "application/json", `[{"name":"x"}]`, 400, nil},
		{"null is not an object", "application/json", `null`, 400, nil},
		{"no content type", "", `{}`, 415, nil},
		{"a form is not JSON", "application/x-www-form-urlencoded", `name=x`, 415, nil},
		{"another charset", "application/json; charset=latin1", `{}`, 415, nil},
		{"a body over the limit", "application/json", `{"notes":"` + strings.Repeat("x", MaxBody) + `"}`, 413, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, p := mustDecode(t, tc.contentType, tc.body)
			if p.Status != tc.status {
				t.Fatalf("status = %d, want %d (%+v)", p.Status, tc.status, p)
			}
			if diff := cmp.Diff(tc.fields, p.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseList(t *testing.T) {
	parse := func(query string) (listQuery, Problem) {
		lq, err := parseList(httptest.NewRequest("GET", "/api/v1/sites?"+query, nil), "customer_id")
		if err != nil {
			return lq, ProblemFor(err)
		}
		return lq, Problem{}
	}
	t.Run("defaults", func(t *testing.T) {
		lq, p := parse("")
		if p.Status != 0 || lq.Page.Limit != fieldportal.DefaultLimit || lq.Page.After != "" || !lq.UpdatedSince.IsZero() {
			t.Errorf("= %+v %+v", lq, p)
		}
	})
	t.Run("limit, filter and updated_since", func(t *testing.T) {
		lq, p := parse("limit=500&customer_id=c1&updated_since=2026-01-31T10:00:00%2B01:00")
		if p.Status != 0 || lq.Page.Limit != 500 || lq.Filters["customer_id"] != "c1" ||
			lq.UpdatedSince.Format("2006-01-02T15:04:05Z07:00") != "2026-01-31T09:00:00Z" {
			t.Errorf("= %+v %+v", lq, p)
		}
	})
	t.Run("a cursor comes back as the store's", func(t *testing.T) {
		lq, p := parse("cursor=" + *sealCursor("store-cursor", false))
		if p.Status != 0 || lq.Page.After != "store-cursor" {
			t.Errorf("= %+v %+v", lq, p)
		}
	})
	t.Run("a malformed query string is refused, not half read", func(t *testing.T) {
		if _, p := parse("customer_id=c1&limit=%zz"); p.Status != http.StatusBadRequest {
			t.Errorf("problem = %+v", p)
		}
	})
	for _, tc := range []struct{ name, query, field string }{
		{"limit zero", "limit=0", "limit"},
		{"limit over the maximum", "limit=501", "limit"},
		{"limit not a number", "limit=ten", "limit"},
		{"limit twice", "limit=1&limit=2", "limit"},
		{"updated_since not RFC 3339", "updated_since=2026-01-31", "updated_since"},
		{"an unknown parameter", "colour=red", "colour"},
		{"a filter in invalid UTF-8", "customer_id=%ff", "customer_id"},
		{"a forged cursor", "cursor=not-a-cursor", "cursor"},
		{"a cursor of the walk by name used with updated_since",
			"updated_since=2026-01-31T09:00:00Z&cursor=" + *sealCursor("x", false), "cursor"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, p := parse(tc.query)
			if p.Status != http.StatusBadRequest || len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
				t.Errorf("problem = %+v, want 400 naming %s", p, tc.field)
			}
		})
	}
}

// The store lists after a time, to the microsecond; the API at or after.
func TestListQuerySince(t *testing.T) {
	at := mustTime(t, "2026-01-31T09:00:00.000001Z")
	for _, tc := range []struct{ given, want string }{
		{"2026-01-31T09:00:00.000001Z", "2026-01-31T09:00:00Z"},
		{"2026-01-31T09:00:00.0000005Z", "2026-01-31T09:00:00Z"},
	} {
		lq := listQuery{UpdatedSince: mustTime(t, tc.given)}
		if got := lq.Since(); !got.Equal(mustTime(t, tc.want)) || !at.After(got) {
			t.Errorf("Since(%s) = %s, want %s", tc.given, got, tc.want)
		}
	}
}

func TestPageStopsAtTheSyncHorizon(t *testing.T) {
	now := mustTime(t, "2026-01-31T09:00:00Z")
	rows := []string{"2026-01-31T08:00:00Z", "2026-01-31T08:59:54Z", "2026-01-31T08:59:56Z"}
	at := func(s string) time.Time { return mustTime(t, s) }
	show := func(s string) string { return s }
	sync := listQuery{UpdatedSince: at("2026-01-31T00:00:00Z")}
	got := page(sync, rows, "more", now.Add(-SyncLag), at, show)
	if diff := cmp.Diff(rows[:2], got.Data); diff != "" || got.NextCursor != nil {
		t.Errorf("sync page (-want +got):\n%s next %v", diff, got.NextCursor)
	}
	got = page(listQuery{}, rows, "more", time.Time{}, at, show)
	if len(got.Data) != 3 || got.NextCursor == nil {
		t.Errorf("a walk by name = %+v", got)
	}
	got = page(sync, rows[:2], "", now.Add(-SyncLag), at, show)
	if got.NextCursor != nil || got.Data == nil {
		t.Errorf("the last page = %+v", got)
	}
}

func mustTime(tb testing.TB, s string) time.Time {
	tb.Helper()
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

func TestProblemErrors(t *testing.T) {
	var v fieldportal.Validation
	v.Add("name", "Name is required.")
	v.Add("address.line1", "Address is required.")
	p := ProblemFor(v.Err())
	want := []FieldProblem{{"name", "Name is required."}, {"address.line1", "Address is required."}}
	if p.Status != http.StatusUnprocessableEntity || p.Code != fieldportal.EINVALID {
		t.Errorf("problem = %+v", p)
	}
	if diff := cmp.Diff(want, p.Errors); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	if p := ProblemFor(fieldportal.Errorf(CodePrecondition, "stale")); p.Status != http.StatusPreconditionFailed {
		t.Errorf("a stale If-Match = %d", p.Status)
	}
}

func TestCheckIfMatch(t *testing.T) {
	cur := Customer{ID: "c1", Name: "Acme"}
	tag := etagOf(cur)
	for _, tc := range []struct {
		name, ifMatch string
		current       any
		ok            bool
	}{
		{"no If-Match", "", cur, true},
		{"the current tag", tag, cur, true},
		{"one of a list", `"abc", ` + tag, cur, true},
		{"a stale tag", `"abc"`, cur, false},
		{"a weak tag never matches", "W/" + tag, cur, false},
		{"any version", "*", cur, true},
		{"any version of nothing", "*", nil, false},
		{"a tag of nothing", tag, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("PATCH", "/", nil)
			if tc.ifMatch != "" {
				req.Header.Set("If-Match", tc.ifMatch)
			}
			err := checkIfMatch(req, tc.current)
			if (err == nil) != tc.ok || (err != nil && fieldportal.ErrorCode(err) != CodePrecondition) {
				t.Errorf("= %v, want ok %v", err, tc.ok)
			}
		})
	}
	if etagOf(Customer{ID: "c1", Name: "Acme Ltd"}) == tag {
		t.Error("a change of name keeps the ETag")
	}
}

type fixedHorizon time.Time

func (h fixedHorizon) SyncHorizon(context.Context) (time.Time, error) { return time.Time(h), nil }

// A sync stops SyncLag before the oldest open transaction, or before now
// when none is older; other walks have no horizon.
func TestHorizon(t *testing.T) {
	req := httptest.NewRequest("GET", "/", nil)
	sync := listQuery{UpdatedSince: mustTime(t, "2026-01-01T00:00:00Z")}
	old := time.Now().Add(-time.Hour)
	a := &API{svc: Services{Sync: fixedHorizon(old)}}
	if h, err := a.horizon(req, sync); err != nil || !h.Equal(old.Add(-SyncLag)) {
		t.Errorf("with a transaction open an hour = %s %v, want %s", h, err, old.Add(-SyncLag))
	}
	a = &API{svc: Services{Sync: fixedHorizon(time.Now().Add(time.Hour))}}
	if h, _ := a.horizon(req, sync); h.After(time.Now().Add(-SyncLag)) {
		t.Errorf("with a database clock ahead = %s, after now less SyncLag", h)
	}
	if h, _ := a.horizon(req, listQuery{}); !h.IsZero() {
		t.Errorf("a walk by name has a horizon: %s", h)
	}
}
