package fieldportal

import (
	"context"
	"strings"
	"time"
	"unicode"
)

// The audit log's vocabulary: through which door something was done, and
// what the request said about where it came from. The web kit puts a
// RequestInfo in every request's context; the store reads it when it
// writes an entry, so no service method needs another parameter.

// Door is how an actor came in.
type Door string

// The doors.
const (
	DoorPortal  Door = "portal"  // the customer portal
	DoorConsole Door = "console" // the staff console
	DoorAPI     Door = "api"     // the back-office API, with an API key
	DoorSystem  Door = "system"  // the program itself (workers, init, demo)
)

// Valid reports whether d is a known door.
func (d Door) Valid() bool {
	switch d {
	case DoorPortal, DoorConsole, DoorAPI, DoorSystem:
		return true
	}
	return false
}

// Label is the door as the console names it.
func (d Door) Label() string {
	switch d {
	case DoorPortal:
		return "Portal"
	case DoorConsole:
		return "Console"
	case DoorAPI:
		return "API key"
	case DoorSystem:
		return "System"
	}
	return string(d)
}

// DoorOf is the door a viewer's kind implies, for an entry written with
// no request behind it (a worker) or a request that named none.
func DoorOf(v Viewer) Door {
	switch v.Kind() {
	case ViewerContact:
		return DoorPortal
	case ViewerStaff:
		return DoorConsole
	case ViewerAPI:
		return DoorAPI
	}
	return DoorSystem
}

// The audit log's actor kinds. An anonymous actor is a failed sign-in:
// nobody is known, only the address.
const (
	ActorContact   = "contact"
	ActorStaff     = "staff"
	ActorAPI       = "api"
	ActorSystem    = "system"
	ActorAnonymous = "anonymous"
)

// RequestInfo is what a request says about where it came from: the
// client's address (the kit's ClientIP, which believes X-Forwarded-For
// only from trusted proxies), its user agent and the door it came in by.
type RequestInfo struct {
	Addr      string
	UserAgent string
	Door      Door
}

// maxUserAgent bounds the user agent kept: a client writes what it likes
// there, and an entry is kept for ever.
const maxUserAgent = 256

// requestInfoKey is the context key of RequestInfo; private, so no other
// package collides with it.
type requestInfoKey struct{}

// WithRequestInfo returns ctx carrying ri, its user agent cut to a
// bounded length and stripped of control characters.
func WithRequestInfo(ctx context.Context, ri RequestInfo) context.Context {
	ri.UserAgent = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(ri.UserAgent, ""))
	if len(ri.UserAgent) > maxUserAgent {
		ri.UserAgent = strings.ToValidUTF8(ri.UserAgent[:maxUserAgent], "")
	}
	if len(ri.Addr) > 64 {
		ri.Addr = ri.Addr[:64]
	}
	return context.WithValue(ctx, requestInfoKey{}, ri)
}

// RequestInfoFrom returns the request's information; the zero value when
// ctx carries none (a worker, a test calling the store).
func RequestInfoFrom(ctx context.Context) RequestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(RequestInfo)
	return ri
}

// ValidActorKind reports whether k is an actor kind of the audit log.
func ValidActorKind(k string) bool {
	switch k {
	case ActorContact, ActorStaff, ActorAPI, ActorSystem, ActorAnonymous:
		return true
	}
	return false
}

// Validate checks the filter's choices, naming the field of each that
// is wrong (the page's and the CSV's query string).
func (f AuditFilter) Validate() error {
	var bad Validation
	if f.Door != "" && !f.Door.Valid() {
		bad.Add("door", "Door must be one of portal, console, api or system.")
	}
	if f.ActorKind != "" && !ValidActorKind(f.ActorKind) {
		bad.Add("actor", "Actor must be one of contact, staff, api, system or anonymous.")
	}
	if len(f.Action) > 80 || strings.ContainsFunc(f.Action, func(r rune) bool { return !(r == '.' || r == '_' || unicode.IsLower(r) || unicode.IsDigit(r)) }) {
		bad.Add("action", "Action must be an action such as quote.accepted, or its start such as quote.")
	}
	if len(f.Entity) > 40 || strings.ContainsFunc(f.Entity, func(r rune) bool { return !(r == '_' || unicode.IsLower(r)) }) {
		bad.Add("entity", "Record must be a kind of record such as quote or site.")
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Time().Before(f.From.Time()) {
		bad.Add("to", "To must be on or after From.")
	}
	return bad.Err()
}

// Window sets FromAt and ToAt from the days From and To in the
// organisation's time zone loc: To's day is included whole.
func (f *AuditFilter) Window(loc *time.Location) {
	if !f.From.IsZero() {
		f.FromAt = f.From.In(loc)
	}
	if !f.To.IsZero() {
		f.ToAt = f.To.AddDays(1).In(loc)
	}
}

// ActionPrefix reports whether the filter's action is the start of
// actions (ends with a dot or has none: "quote." or "quote") rather than
// one action.
func (f AuditFilter) ActionPrefix() (prefix string, ok bool) {
	if f.Action == "" {
		return "", false
	}
	if !strings.Contains(f.Action, ".") {
		return f.Action + ".", true
	}
	if strings.HasSuffix(f.Action, ".") {
		return f.Action, true
	}
	return "", false
}
