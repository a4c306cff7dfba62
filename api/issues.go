package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Issue is a reported problem at a site as the API shows it.
type Issue struct {
	ID          string     `json:"id"`
	ExternalID  *string    `json:"external_id" doc:"The back office's own id; null when none."`
	Number      string     `json:"number"`
	CustomerID  string     `json:"customer_id" doc:"The customer of the issue's site."`
	SiteID      string     `json:"site_id"`
	AssetID     *string    `json:"asset_id" doc:"The equipment it is about; null when none."`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Priority    string     `json:"priority" doc:"low, normal, high or urgent."`
	Status      string     `json:"status" doc:"open or closed."`
	ReportedBy  *string    `json:"reported_by" doc:"The contact who reported it in the portal; null otherwise."`
	JobID       *string    `json:"job_id" doc:"The service order the issue was turned into; null when none."`
	ClosedAt    *time.Time `json:"closed_at"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// IssueInput is the body of an issue's create, update (only the fields
// sent) or upsert. The site is given by id or by external id; the
// customer is the site's.
type IssueInput struct {
	ExternalID     string `json:"external_id"`
	Number         string `json:"number" doc:"Made (I-1001, ...) when empty."`
	SiteID         string `json:"site_id"`
	SiteExternalID string `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	AssetID        string `json:"asset_id"`
	Title          string `json:"title"`
	Description    string `json:"description"`
	Priority       string `json:"priority" doc:"low, normal (when left out), high or urgent."`
	Status         string `json:"status" doc:"open (when left out) or closed; a PATCH closes or reopens as the console does."`
}

func init() {
	typeDocs[reflect.TypeFor[Issue]()] = "A problem reported at a site, by a customer's contact in the portal or by the back office."
}

// ShowIssue is the API's representation of an issue.
func ShowIssue(x *fieldportal.Issue) Issue {
	return Issue{ID: x.ID, ExternalID: optional(x.ExternalID), Number: x.Number, CustomerID: x.CustomerID,
		SiteID: x.SiteID, AssetID: optional(x.AssetID), Title: x.Title, Description: x.Description,
		Priority: string(x.Priority), Status: x.Status, ReportedBy: optional(x.ReportedBy), JobID: optional(x.JobID),
		ClosedAt: optionalTime(x.ClosedAt), CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC()}
}

func (a *API) issueRoutes() []route {
	filters := []param{filter("site_id", "Only the issues at this site."),
		filter("status", "Only issues of this status: open or closed."),
		filter("external_id", "Only the issue of this back-office id.")}
	return []route{
		{Method: "GET", Path: "/issues", ID: "listIssues", Summary: "List issues, most recently changed first", Tag: "issues",
			Query: listParams(filters...), Resp: List[Issue]{}, Handler: a.listIssues(filterNames(filters))},
		{Method: "POST", Path: "/issues", ID: "createIssue", Summary: "Create an issue", Tag: "issues",
			Body: IssueInput{}, Resp: Issue{}, Status: http.StatusCreated, ETag: true, Handler: a.createIssue},
		{Method: "GET", Path: "/issues/{id}", ID: "getIssue", Summary: "Get an issue", Tag: "issues",
			Resp: Issue{}, ETag: true, Handler: a.getIssue},
		{Method: "PATCH", Path: "/issues/{id}", ID: "updateIssue", Summary: "Change the fields sent of an issue, or close or reopen it",
			Tag: "issues", Body: IssueInput{}, Resp: Issue{}, ETag: true, Handler: a.updateIssue},
		{Method: "PUT", Path: "/issues/by-external-id/{external_id}", ID: "upsertIssue",
			Summary: "Create or replace an issue by the back office's id", Tag: "issues",
			Body: IssueInput{}, Resp: Issue{}, Upsert: true, ETag: true, Handler: a.upsertIssue},
	}
}

func (a *API) listIssues(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		if s, ok := lq.Filters["status"]; ok && s != fieldportal.IssueOpen && s != fieldportal.IssueClosed {
			a.problem(w, r, badRequest(fieldportal.FieldError{Field: "status", Message: "status must be open or closed."}))
			return
		}
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Work.FindIssues(r.Context(), viewer(r), fieldportal.IssueFilter{Page: lq.Page,
			UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"], Status: lq.Filters["status"],
			ExternalID: lq.Filters["external_id"]})
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		a.json(w, r, http.StatusOK, page(lq, rows, next, horizon,
			func(x *fieldportal.Issue) time.Time { return x.UpdatedAt }, ShowIssue))
	}
}

func (a *API) getIssue(w http.ResponseWriter, r *http.Request) {
	a.answerIssue(w, r, http.StatusOK, r.PathValue("id"))
}

func (a *API) createIssue(w http.ResponseWriter, r *http.Request) {
	var in IssueInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	x := &fieldportal.Issue{}
	if err := a.fillIssue(r.Context(), viewer(r), x, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Work.CreateIssue(r.Context(), viewer(r), x); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/issues/"+x.ID)
	a.answerIssue(w, r, http.StatusCreated, x.ID)
}

// updateIssue saves the fields sent. A status sent closes or reopens the
// issue through the console's service (SetIssueStatus: its history and
// audit), after the other fields are saved and checked.
func (a *API) updateIssue(w http.ResponseWriter, r *http.Request) {
	var in IssueInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	x, err := a.svc.Work.FindIssueByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowIssue(x)); err != nil {
		a.problem(w, r, err)
		return
	}
	from := x.Status
	if err := a.fillIssue(r.Context(), v, x, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	to := x.Status
	if to != from && to != fieldportal.IssueOpen && to != fieldportal.IssueClosed {
		a.problem(w, r, fieldportal.FieldErrorf("status", "Status must be open or closed."))
		return
	}
	x.Status = from
	// A close or reopen alone is one transaction of the console's service;
	// under If-Match, or with other fields, those are saved first.
	if x.IfUpdatedAt = ifMatch(r, x.UpdatedAt); to == from || len(sn) > 1 || !x.IfUpdatedAt.IsZero() {
		if err := a.svc.Work.UpdateIssue(r.Context(), v, x); err != nil {
			a.problem(w, r, err)
			return
		}
	}
	if to != from {
		if _, err := a.svc.Work.SetIssueStatus(r.Context(), v, x.ID, to); err != nil {
			a.problem(w, r, err)
			return
		}
	}
	a.answerIssue(w, r, http.StatusOK, x.ID)
}

func (a *API) upsertIssue(w http.ResponseWriter, r *http.Request) {
	var in IssueInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v, ext := viewer(r), r.PathValue("external_id")
	if sn["external_id"] && in.ExternalID != ext {
		a.problem(w, r, fieldportal.FieldErrorf("external_id", "external_id differs from the one in the address; leave it out."))
		return
	}
	in.ExternalID = ext
	list, _, err := a.svc.Work.FindIssues(r.Context(), v, fieldportal.IssueFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowIssue(list[0])
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	x := &fieldportal.Issue{}
	if err := a.fillIssue(r.Context(), v, x, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		if !sn["status"] {
			x.Status = list[0].Status // a replace that leaves the status out keeps it
		}
		x.IfUpdatedAt = ifMatch(r, list[0].UpdatedAt)
	}
	created, err := a.svc.Work.UpsertIssueByExternalID(r.Context(), v, x)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/issues/"+x.ID)
	}
	a.answerIssue(w, r, status, x.ID)
}

// answerIssue answers with the issue as now stored.
func (a *API) answerIssue(w http.ResponseWriter, r *http.Request, status int, id string) {
	x, err := a.svc.Work.FindIssueByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowIssue(x))
}

// fillIssue copies the sent fields of in onto x (all of them for a nil
// sn: a new issue is open and of normal priority unless told), resolving a
// site given by external id.
func (a *API) fillIssue(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue, in IssueInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&x.ExternalID, &in.ExternalID}, "number": {&x.Number, &in.Number}, "site_id": {&x.SiteID, &in.SiteID},
		"asset_id": {&x.AssetID, &in.AssetID}, "title": {&x.Title, &in.Title}, "description": {&x.Description, &in.Description},
		"status": {&x.Status, &in.Status},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	if sn.has("priority") {
		x.Priority = fieldportal.IssuePriority(in.Priority)
	}
	if sn == nil && x.Priority == "" {
		x.Priority = fieldportal.PriorityNormal
	}
	if sn == nil && x.Status == "" {
		x.Status = fieldportal.IssueOpen
	}
	return a.siteRef(ctx, v, &x.SiteID, in.SiteID, in.SiteExternalID)
}
