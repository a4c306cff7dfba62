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
	res := &resource[fieldportal.Issue, Issue, IssueInput]{api: a,
		Path: "/issues", Tag: "issues", Singular: "Issue", Plural: "Issues",
		ListSummary: "List issues, most recently changed first",
		Filters: []param{filter("site_id", "Only the issues at this site."),
			filter("status", "Only issues of this status: open or closed."),
			filter("external_id", "Only the issue of this back-office id.")},
		Show:      func(_ *http.Request, x *fieldportal.Issue) Issue { return ShowIssue(x) },
		UpdatedAt: func(x *fieldportal.Issue) time.Time { return x.UpdatedAt },
		ID:        func(x *fieldportal.Issue) string { return x.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Issue, string, error) {
			if s, ok := lq.Filters["status"]; ok && s != fieldportal.IssueOpen && s != fieldportal.IssueClosed {
				return nil, "", badRequest(fieldportal.FieldError{Field: "status", Message: "status must be open or closed."})
			}
			return a.svc.Work.FindIssues(r.Context(), viewer(r), fieldportal.IssueFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"], Status: lq.Filters["status"],
				ExternalID: lq.Filters["external_id"]})
		},
		Find: a.svc.Work.FindIssueByID,
		ByExternalID: func(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Issue, error) {
			return firstByExternalID(func() ([]*fieldportal.Issue, string, error) {
				return a.svc.Work.FindIssues(ctx, v, fieldportal.IssueFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
			})
		},
		Fill:       a.fillIssue,
		ExternalID: func(in *IssueInput) *string { return &in.ExternalID },
		Keep: func(x, old *fieldportal.Issue, s sent) {
			if !s["status"] {
				x.Status = old.Status // a replace that leaves the status out keeps it
			}
		},
		SetIfUpdatedAt: func(x *fieldportal.Issue, at time.Time) { x.IfUpdatedAt = at },
		Create:         a.svc.Work.CreateIssue,
		Update:         a.svc.Work.UpdateIssue,
		Upsert:         a.svc.Work.UpsertIssueByExternalID,
	}
	rts := res.routes()
	res.op(rts, http.MethodPatch).Summary = "Change the fields sent of an issue, or close or reopen it"
	res.op(rts, http.MethodPatch).Handler = func(w http.ResponseWriter, r *http.Request) { a.updateIssue(res, w, r) }
	return rts
}

// updateIssue saves the fields sent. A status sent closes or reopens the
// issue through the console's service (SetIssueStatus: its history and
// audit), after the other fields are saved and checked. As the resource's
// PATCH, the save goes over the version read, read again when another
// change came first (without If-Match), so an issue a contact closed
// meanwhile is not reopened by a change of its title.
func (a *API) updateIssue(res *resource[fieldportal.Issue, Issue, IssueInput], w http.ResponseWriter, r *http.Request) {
	var in IssueInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := overVersionRead(r, func() error { return a.patchIssue(res, r, in, sn) }); err != nil {
		a.problem(w, r, err)
		return
	}
	res.answer(w, r, http.StatusOK, r.PathValue("id"))
}

// patchIssue reads the issue, puts the fields sent onto it and saves it
// (updateIssue).
func (a *API) patchIssue(res *resource[fieldportal.Issue, Issue, IssueInput], r *http.Request, in IssueInput, sn sent) error {
	v := viewer(r)
	x, err := a.svc.Work.FindIssueByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, res.Show(r, x)); err != nil {
		return err
	}
	from := x.Status
	if err := a.fillIssue(r, x, in, sn); err != nil {
		return err
	}
	to := x.Status
	if to != from && to != fieldportal.IssueOpen && to != fieldportal.IssueClosed {
		return fieldportal.FieldErrorf("status", "Status must be open or closed.")
	}
	x.Status = from
	// A close or reopen alone is one transaction of the console's service;
	// under If-Match, or with other fields, those are saved first, over
	// the version read.
	if to == from || len(sn) > 1 || !ifMatch(r, x.UpdatedAt).IsZero() {
		x.IfUpdatedAt = x.UpdatedAt
		if err := a.svc.Work.UpdateIssue(r.Context(), v, x); err != nil {
			return err
		}
	}
	if to != from {
		if _, err := a.svc.Work.SetIssueStatus(r.Context(), v, x.ID, to, ifMatch(r, x.UpdatedAt)); err != nil {
			return err
		}
	}
	return nil
}

// fillIssue copies the sent fields of in onto x (all of them for a nil
// sn: a new issue is open and of normal priority unless told), resolving a
// site given by external id.
func (a *API) fillIssue(r *http.Request, x *fieldportal.Issue, in IssueInput, sn sent) error {
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
	return a.siteRef(r.Context(), viewer(r), &x.SiteID, in.SiteID, in.SiteExternalID)
}
