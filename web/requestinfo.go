package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The audit log records where each change came from: the kit puts a
// fieldportal.RequestInfo in every request's context, with the client's
// address found as the throttles find it (so a trusted proxy's
// X-Forwarded-For is believed and no one else's), the user agent, and the
// door the request's path belongs to. The store reads it when it writes
// an entry.

// DoorUnder names the door of the requests whose path starts with prefix
// ("/" for the portal, "/console" for the console, the API's prefix): the
// longest prefix registered wins.
func (k *Kit) DoorUnder(prefix string, d fieldportal.Door) {
	if k.doors == nil {
		k.doors = map[string]fieldportal.Door{}
	}
	k.doors[prefix] = d
}

// doorOf is the door of a path, "" when no prefix is registered for it
// (the store then takes the viewer's kind's).
func (k *Kit) doorOf(path string) fieldportal.Door {
	best, door := -1, fieldportal.Door("")
	for p, d := range k.doors {
		if len(p) > best && (path == strings.TrimSuffix(p, "/") || strings.HasPrefix(path, p)) {
			best, door = len(p), d
		}
	}
	return door
}

// requestInfo puts the request's RequestInfo in its context.
func (k *Kit) requestInfo(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ri := fieldportal.RequestInfo{Addr: k.ClientIP(r), UserAgent: r.UserAgent(), Door: k.doorOf(r.URL.Path)}
		ctx := context.WithValue(fieldportal.WithRequestInfo(r.Context(), ri), requestTimeKey{}, k.now())
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// now is the kit's clock (Config.Now).
func (k *Kit) now() time.Time {
	if k.cfg.Now != nil {
		return k.cfg.Now()
	}
	return time.Now()
}

// requestTimeKey keys the time a request arrived in its context.
type requestTimeKey struct{}

// RequestTime is the time the request arrived, taken once by the kit so
// every part of a page reads the same "now" (which day is today, as the
// ETA of a visit shows it); the clock for a request the kit did not see.
func RequestTime(r *http.Request) time.Time {
	if t, ok := r.Context().Value(requestTimeKey{}).(time.Time); ok {
		return t
	}
	return time.Now()
}
