package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The audit log (issue 20 point 5): who did what, when, from where and
// through which door, newest first, with filters and a CSV of what they
// select. Every staff user reads it, as SPEC §5 has it: the office is
// asked "who accepted this quote, who changed this contact's access?",
// staff already read every record the entries are about, and an entry
// holds no secret (no password, token or key is ever written in one).

// auditRoutes registers the routes of this file.
func (c *Console) auditRoutes() {
	c.kit.Handle("GET /console/audit", c.signedIn(c.handleAudit))
	c.kit.Handle("GET /console/audit.csv", c.signedIn(c.handleAuditCSV))
}

// auditParams is the list's query string, as typed.
type auditParams struct {
	Door, Actor, Action, Entity, EntityID, From, To, After string
}

func readAuditParams(r *http.Request) auditParams {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return auditParams{Door: get("door"), Actor: get("actor"), Action: get("action"), Entity: get("entity"),
		EntityID: get("entity_id"), From: get("from"), To: get("to"), After: q.Get("after")}
}

// values is the query string of the filters (not the page).
func (ap auditParams) values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"door", ap.Door}, {"actor", ap.Actor}, {"action", ap.Action}, {"entity", ap.Entity},
		{"entity_id", ap.EntityID}, {"from", ap.From}, {"to", ap.To}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// auditFilter turns a query string into the store's filter, its days in
// the organisation's zone loc, naming each field it cannot read. The
// portal's activity page reads its own with the same rules.
func (ap auditParams) filter(loc *time.Location) (fieldportal.AuditFilter, error) {
	f := fieldportal.AuditFilter{Page: fieldportal.Page{After: ap.After}, Door: fieldportal.Door(ap.Door), ActorKind: ap.Actor,
		Action: ap.Action, Entity: ap.Entity, EntityID: ap.EntityID}
	var bad fieldportal.Validation
	for _, d := range []struct {
		s, field, label string
		to              *fieldportal.Date
	}{{ap.From, "from", "From", &f.From}, {ap.To, "to", "To", &f.To}} {
		if d.s == "" {
			continue
		}
		day, err := fieldportal.ParseDate(d.s)
		if err != nil {
			bad.Add(d.field, "%s must be a date, such as 2026-03-31.", d.label)
			continue
		}
		*d.to = day
	}
	if err := bad.Err(); err != nil {
		return f, err
	}
	if err := f.Validate(); err != nil {
		return f, err
	}
	f.Window(loc)
	return f, nil
}

// auditView is the list.
type auditView struct {
	web.Layout
	Filter   web.FilterBar
	Table    web.Table
	Count    web.Count
	Pager    web.Pager
	CSVURL   string
	Filtered bool
}

// auditDoors and auditActors are the filters' choices.
var (
	auditDoors  = []fieldportal.Door{fieldportal.DoorPortal, fieldportal.DoorConsole, fieldportal.DoorAPI, fieldportal.DoorSystem}
	auditActors = []struct{ value, label string }{{fieldportal.ActorContact, "Contact"}, {fieldportal.ActorStaff, "Staff"},
		{fieldportal.ActorAPI, "API key"}, {fieldportal.ActorSystem, "System"}, {fieldportal.ActorAnonymous, "Nobody signed in"}}
)

func (c *Console) handleAudit(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ap := readAuditParams(r)
	f, err := ap.filter(web.OrgLocation(r))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	list, next, err := c.svc.Orgs.FindAuditLog(r.Context(), v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	base := ap.values()
	view := auditView{Layout: c.layout(r, "Audit log"), Filtered: len(base) > 0, CSVURL: withQuery("/console/audit.csv", base)}
	doors := []web.CheckOption{{Value: "", Label: "Any door"}}
	for _, d := range auditDoors {
		doors = append(doors, web.CheckOption{Value: string(d), Label: d.Label()})
	}
	actors := []web.CheckOption{{Value: "", Label: "Anyone"}}
	for _, a := range auditActors {
		actors = append(actors, web.CheckOption{Value: a.value, Label: a.label})
	}
	view.Filter = web.FilterBar{Action: "/console/audit", Label: "Filter the audit log", Filters: []web.Filter{
		{Name: "door", Label: "Door", Type: "select", Options: checked(doors, ap.Door)},
		{Name: "actor", Label: "Actor", Type: "select", Options: checked(actors, ap.Actor)},
		{Name: "action", Label: "Action", Type: "search", Value: ap.Action, Hint: "Such as quote.accepted, or quote for every quote action"},
		{Name: "entity", Label: "Record", Type: "text", Value: ap.Entity, Hint: "A kind of record, such as site or contact"},
		{Name: "from", Label: "From", Type: "date", Value: ap.From},
		{Name: "to", Label: "To", Type: "date", Value: ap.To},
	}}
	if ap.EntityID != "" {
		view.Filter.Keep = append(view.Filter.Keep, web.Param{Name: "entity_id", Value: ap.EntityID})
	}
	if view.Filtered {
		view.Filter.ClearURL = "/console/audit"
	}
	view.Table = auditTable(list, web.OrgLocation(r))
	if next != "" {
		nq := ap.values()
		nq.Set("after", next)
		view.Pager.NextURL = "/console/audit?" + nq.Encode()
	}
	if ap.After != "" {
		view.Pager.FirstURL = withQuery("/console/audit", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "entry", Many: "entries"}
	if next == "" && ap.After == "" {
		view.Count.Total = len(list)
	}
	c.pages.Render(w, r, http.StatusOK, "audit", view)
}

// auditTable lays out entries: when in the organisation's zone, who, the
// door, what, the record, and where from (the address, and the start of
// the user agent).
func auditTable(list []*fieldportal.AuditEntry, loc *time.Location) web.Table {
	t := web.Table{Caption: "Audit log, newest first", Columns: []web.Column{{Label: "When"}, {Label: "Who"}, {Label: "Door"},
		{Label: "Action"}, {Label: "Record"}, {Label: "Detail"}, {Label: "From"}}}
	for _, a := range list {
		t.Rows = append(t.Rows, []web.Cell{web.TextCell(web.FormatDateTime(a.At.In(loc))), web.TextCell(auditWho(a)),
			web.TextCell(a.Door.Label()), web.TextCell(a.Action), auditRecord(a), web.TextCell(a.Detail),
			web.Cell{Text: a.IP, Hint: shortAgent(a.UserAgent)}})
	}
	return t
}

// shortAgent is the start of a user agent, enough to tell a phone from a
// script; the CSV has it whole.
func shortAgent(ua string) string {
	if r := []rune(ua); len(r) > 24 {
		return string(r[:24]) + "…"
	}
	return ua
}

// auditWho names the actor: its name and kind.
func auditWho(a *fieldportal.AuditEntry) string {
	for _, k := range auditActors {
		if k.value == a.ActorKind {
			if a.ActorName == "" {
				return k.label
			}
			return a.ActorName + " (" + strings.ToLower(k.label) + ")"
		}
	}
	return a.ActorName
}

// auditRecord is the entry's record, a link to every entry about it.
func auditRecord(a *fieldportal.AuditEntry) web.Cell {
	if a.Entity == "" {
		return web.TextCell("")
	}
	if a.EntityID == "" {
		return web.TextCell(a.Entity)
	}
	return web.Cell{Text: a.Entity, URL: "/console/audit?" + url.Values{"entity": {a.Entity}, "entity_id": {a.EntityID}}.Encode()}
}

// auditCSVHeader are the CSV's columns.
var auditCSVHeader = []string{"At", "Actor kind", "Actor id", "Actor", "Door", "Action", "Record", "Record id", "Detail",
	"Address", "User agent"}

// handleAuditCSV downloads every entry the filters select, across all
// pages, streamed from the store as it is read.
func (c *Console) handleAuditCSV(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ap := readAuditParams(r)
	ap.After = ""
	f, err := ap.filter(web.OrgLocation(r))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	out := c.kit.CSV(w, r, "audit.csv", auditCSVHeader...)
	out.Finish(c.svc.Orgs.EachAuditEntry(r.Context(), v, f, func(a *fieldportal.AuditEntry) error {
		return out.Row(a.At.UTC().Format(time.RFC3339), a.ActorKind, a.ActorID, a.ActorName, string(a.Door), a.Action, a.Entity,
			a.EntityID, a.Detail, a.IP, a.UserAgent)
	}))
}
