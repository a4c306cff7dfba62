package api

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// etagOf is the entity tag of a record's representation: a hash of the
// JSON the API shows, so any change a client could see changes it.
func etagOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("api: a representation that does not encode: " + err.Error())
	}
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:16]) + `"`
}

// checkIfMatch refuses a write whose If-Match names a version other than
// the current one (a stale read: 412). current is the representation of
// the record as stored, or nil when there is none; without If-Match any
// write goes, "*" needs a record to exist. Weak tags never match (RFC 9110
// §13.1.1: If-Match compares strongly).
func checkIfMatch(r *http.Request, current any) error {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return nil
	}
	stale := fieldportal.Errorf(CodePrecondition, "The record has changed since you read it (If-Match); read it again and retry.")
	if current == nil {
		return stale
	}
	if h == "*" {
		return nil
	}
	tag := etagOf(current)
	for _, t := range strings.Split(h, ",") {
		if strings.TrimSpace(t) == tag {
			return nil
		}
	}
	return stale
}

// ifMatch returns the updated_at a write under If-Match saves over (the
// store refuses it with fieldportal.ErrChanged if the record changed
// since checkIfMatch), the zero time without If-Match.
func ifMatch(r *http.Request, updatedAt time.Time) time.Time {
	if strings.TrimSpace(r.Header.Get("If-Match")) == "" {
		return time.Time{}
	}
	return updatedAt
}

// record answers one record with its ETag.
func (a *API) record(w http.ResponseWriter, r *http.Request, status int, v any) {
	w.Header().Set("ETag", etagOf(v))
	a.json(w, r, status, v)
}
