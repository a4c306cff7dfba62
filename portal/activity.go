package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Activity (issue 20 point 5): a contact who manages contacts reads the
// audit log's part about its reachable customers: sign-ins to their
// logins, changes of their contacts, access, sites, quotes and payments,
// whoever made them. Which entries those are is the store's rule
// (scopeAudit in sqlstore/scope.go); the page shows no entry's free-text
// detail (the office writes it for itself) and the address only of what
// the customer's own people did or tried.

// activityRoutes registers the routes of this file.
func (p *Portal) activityRoutes() {
	p.kit.Handle("GET /preferences/activity", p.signedIn(p.handleActivity))
}

// activityView is the list.
type activityView struct {
	web.Layout
	Filter   web.FilterBar
	Table    web.Table
	Pager    web.Pager
	Filtered bool
}

func (p *Portal) handleActivity(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	if !v.CanDo(fieldportal.ActionManageContacts) {
		p.kit.Error(w, r, fieldportal.NotFound("page"))
		return
	}
	q := r.URL.Query()
	from, to, after := strings.TrimSpace(q.Get("from")), strings.TrimSpace(q.Get("to")), q.Get("after")
	f := fieldportal.AuditFilter{Page: fieldportal.Page{After: after}}
	var bad fieldportal.Validation
	for _, d := range []struct {
		s, field, label string
		to              *fieldportal.Date
	}{{from, "from", "From", &f.From}, {to, "to", "To", &f.To}} {
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
		p.kit.Error(w, r, err)
		return
	}
	f.Window(web.OrgLocation(r))
	list, next, err := p.svc.Orgs.FindActivity(r.Context(), v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	base := url.Values{}
	if from != "" {
		base.Set("from", from)
	}
	if to != "" {
		base.Set("to", to)
	}
	view := activityView{Layout: p.layout(r, "Activity"), Filtered: len(base) > 0}
	view.Filter = web.FilterBar{Action: "/preferences/activity", Label: "Filter the activity", Filters: []web.Filter{
		{Name: "from", Label: "From", Type: "date", Value: from},
		{Name: "to", Label: "To", Type: "date", Value: to},
	}}
	if view.Filtered {
		view.Filter.ClearURL = "/preferences/activity"
	}
	org := web.OrganisationFromContext(r.Context()).Name
	loc := web.OrgLocation(r)
	view.Table = web.Table{Caption: "Activity, newest first", Columns: []web.Column{{Label: "When"}, {Label: "Who"},
		{Label: "What"}, {Label: "Record"}, {Label: "From"}}}
	for _, a := range list {
		view.Table.Rows = append(view.Table.Rows, []web.Cell{web.TextCell(web.FormatDateTime(a.At.In(loc))),
			web.TextCell(activityWho(a, org)), web.TextCell(activityAction(a.Action)), web.TextCell(activityRecord(a.Entity)),
			web.TextCell(activityFrom(a))})
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		for k, vs := range base {
			nq[k] = vs
		}
		view.Pager.NextURL = "/preferences/activity?" + nq.Encode()
	}
	if after != "" {
		view.Pager.FirstURL = "/preferences/activity"
		if len(base) > 0 {
			view.Pager.FirstURL += "?" + base.Encode()
		}
	}
	p.pages.Render(w, r, http.StatusOK, "activity", view)
}

// activityWho names who acted, as a customer knows them: its own people
// by name, the operator's staff and systems by the operator's name.
func activityWho(a *fieldportal.AuditEntry, org string) string {
	switch a.ActorKind {
	case fieldportal.ActorContact:
		return a.ActorName
	case fieldportal.ActorStaff:
		return org + " (staff)"
	case fieldportal.ActorAPI:
		return org + " (office system)"
	case fieldportal.ActorAnonymous:
		return "Someone not signed in"
	}
	return org + " (automatic)"
}

// activityAction words an action: "quote.accepted" is "Quote accepted".
func activityAction(action string) string {
	s := strings.NewReplacer(".", " ", "_", " ").Replace(action)
	switch action {
	case "signin.succeeded":
		return "Signed in"
	case "signin.failed":
		// A wrong password, or any password for a login that is not
		// active: the entry does not say which.
		return "Sign-in failed"
	}
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// activityRecord words a kind of record.
func activityRecord(entity string) string {
	switch entity {
	case "login", "contact":
		return "Contact"
	case "asset", "asset_test":
		return "Equipment"
	case "recurring_invoice":
		return "Automatic payment"
	case "customer":
		return "Account"
	}
	s := strings.ReplaceAll(entity, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// activityFrom is the address an entry came from, shown only for what
// the customer's own people did or tried: the operator's are its own.
func activityFrom(a *fieldportal.AuditEntry) string {
	if a.ActorKind == fieldportal.ActorContact || a.ActorKind == fieldportal.ActorAnonymous {
		return a.IP
	}
	return ""
}
