package api

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Job is a service or install order as the API shows it, with its items.
type Job struct {
	ID              string            `json:"id"`
	ExternalID      *string           `json:"external_id" doc:"The back office's own id; null when none."`
	Number          string            `json:"number"`
	CustomerID      string            `json:"customer_id" doc:"The customer of the job's site."`
	SiteID          string            `json:"site_id"`
	ContractorID    *string           `json:"contractor_id"`
	QuoteID         *string           `json:"quote_id" doc:"The quote the job came from; null when none."`
	Kind            string            `json:"kind" doc:"service or install."`
	Stage           string            `json:"stage" doc:"pending, scheduled, in_progress, complete, invoiced or archived."`
	OrderNo         string            `json:"order_no" doc:"The customer's purchase order number."`
	PreferredDate   *fieldportal.Date `json:"preferred_date"`
	PreferredWindow string            `json:"preferred_window" doc:"am, pm, all_day, or empty."`
	ScheduledStart  *time.Time        `json:"scheduled_start"`
	ScheduledEnd    *time.Time        `json:"scheduled_end"`
	DueDate         *fieldportal.Date `json:"due_date"`
	Technician      string            `json:"technician"`
	Description     string            `json:"description"`
	RequestedBy     *string           `json:"requested_by" doc:"The contact who booked it in the portal; null otherwise."`
	CreatedInPortal bool              `json:"created_in_portal"`
	CompletedAt     *time.Time        `json:"completed_at"`
	AssetIDs        []string          `json:"asset_ids"`
	Items           []JobItem         `json:"items"`
	Currency        string            `json:"currency" doc:"The ISO 4217 currency of the items' amounts."`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// JobItem is an item on a job; amounts are in minor units of the job's
// currency.
type JobItem struct {
	ID          string  `json:"id"`
	ItemID      *string `json:"item_id" doc:"The catalogue item; null for a free-text line."`
	Code        string  `json:"code"`
	Description string  `json:"description"`
	Quantity    int64   `json:"quantity"`
	UnitPrice   int64   `json:"unit_price"`
	Total       int64   `json:"total"`
}

// JobInput is the body of a job's create, update (only the fields sent)
// or upsert. The site is given by id or by external id; the customer is
// the site's. Items replace the job's items when sent.
type JobInput struct {
	ExternalID      string         `json:"external_id"`
	Number          string         `json:"number" doc:"Made (J-1001, ...) when empty."`
	SiteID          string         `json:"site_id"`
	SiteExternalID  string         `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	ContractorID    string         `json:"contractor_id"`
	QuoteID         string         `json:"quote_id"`
	Kind            string         `json:"kind" doc:"service or install."`
	Stage           string         `json:"stage" doc:"A PATCH moves the job by the console's moves; a create or an upsert sets any stage."`
	StageNote       string         `json:"stage_note" doc:"PATCH only: the note of the stage change, in the job's history."`
	OrderNo         string         `json:"order_no"`
	PreferredDate   string         `json:"preferred_date" doc:"YYYY-MM-DD."`
	PreferredWindow string         `json:"preferred_window"`
	ScheduledStart  string         `json:"scheduled_start" doc:"RFC 3339."`
	ScheduledEnd    string         `json:"scheduled_end" doc:"RFC 3339."`
	DueDate         string         `json:"due_date" doc:"YYYY-MM-DD."`
	Technician      string         `json:"technician"`
	Description     string         `json:"description"`
	AssetIDs        []string       `json:"asset_ids"`
	Items           []JobItemInput `json:"items"`
	Currency        string         `json:"currency" doc:"When sent, must be the organisation's currency."`
}

// JobItemInput is an item of a job's body; total is quantity times unit
// price when left out.
type JobItemInput struct {
	ItemID      string `json:"item_id"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   int64  `json:"unit_price"`
	Total       int64  `json:"total"`
}

func init() {
	typeDocs[reflect.TypeFor[Job]()] = "A service or install order at a site, with its items."
}

// ShowJob is the API's representation of a job; currency is the
// organisation's.
func ShowJob(j *fieldportal.Job, currency string) Job {
	out := Job{ID: j.ID, ExternalID: optional(j.ExternalID), Number: j.Number, CustomerID: j.CustomerID, SiteID: j.SiteID,
		ContractorID: optional(j.ContractorID), QuoteID: optional(j.QuoteID), Kind: string(j.Kind), Stage: string(j.Stage),
		OrderNo: j.OrderNo, PreferredDate: optionalDate(j.PreferredDate), PreferredWindow: j.PreferredWindow,
		ScheduledStart: optionalTime(j.ScheduledStart), ScheduledEnd: optionalTime(j.ScheduledEnd),
		DueDate: optionalDate(j.DueDate), Technician: j.Technician, Description: j.Description,
		RequestedBy: optional(j.RequestedBy), CreatedInPortal: j.CreatedInPortal, CompletedAt: optionalTime(j.CompletedAt),
		AssetIDs: append([]string{}, j.AssetIDs...), Items: make([]JobItem, len(j.Items)), Currency: currency,
		CreatedAt: j.CreatedAt.UTC(), UpdatedAt: j.UpdatedAt.UTC()}
	for i, it := range j.Items {
		out.Items[i] = JobItem{ID: it.ID, ItemID: optional(it.ItemID), Code: it.Code, Description: it.Description,
			Quantity: it.Quantity, UnitPrice: int64(it.UnitPrice), Total: int64(it.Total)}
	}
	return out
}

// optionalDate is a zero date as null.
func optionalDate(d fieldportal.Date) *fieldportal.Date {
	if d.IsZero() {
		return nil
	}
	return &d
}

// optionalTime is a zero time as null, else the time in UTC.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// currency is the organisation's currency, in which amounts are counted.
func currency(r *http.Request) string {
	if o := web.OrganisationFromContext(r.Context()); o != nil {
		return o.Currency
	}
	return ""
}

func (a *API) jobRoutes() []route {
	res := &resource[fieldportal.Job, Job, JobInput]{api: a,
		Path: "/jobs", Tag: "jobs", Singular: "Job", Plural: "Jobs", ListSummary: "List jobs, newest first",
		Filters: []param{filter("site_id", "Only the jobs at this site."),
			filter("customer_id", "Only the jobs of this customer."),
			filter("kind", "Only jobs of this kind: service or install."),
			filter("stage", "Only jobs at this stage."),
			filter("external_id", "Only the job of this back-office id.")},
		Show:         func(r *http.Request, j *fieldportal.Job) Job { return ShowJob(j, currency(r)) },
		UpdatedAt:    func(j *fieldportal.Job) time.Time { return j.UpdatedAt },
		ID:           func(j *fieldportal.Job) string { return j.ID },
		List:         a.listJobs,
		Find:         a.svc.Work.FindJobByID,
		ByExternalID: a.jobByExternalID,
		Fill:         a.fillJob,
		ExternalID:   func(in *JobInput) *string { return &in.ExternalID },
		Keep: func(j, old *fieldportal.Job, s sent) {
			if !s["stage"] {
				j.Stage = old.Stage // a replace that leaves the stage out keeps it
			}
		},
		SetIfUpdatedAt: func(j *fieldportal.Job, at time.Time) { j.IfUpdatedAt = at },
		Create:         a.svc.Work.CreateJob,
		Update:         a.svc.Work.UpdateJob,
		Upsert:         a.svc.Work.UpsertJobByExternalID,
	}
	rts := res.routes()
	res.op(rts, http.MethodPatch).Summary = "Change the fields sent of a job, or move its stage"
	res.op(rts, http.MethodPatch).Handler = func(w http.ResponseWriter, r *http.Request) { a.updateJob(res, w, r) }
	return rts
}

// listJobs reads a page of jobs, checking the values of the kind and
// stage filters.
func (a *API) listJobs(r *http.Request, lq listQuery) ([]*fieldportal.Job, string, error) {
	f := fieldportal.JobFilter{Page: lq.Page, UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"],
		CustomerID: lq.Filters["customer_id"], ExternalID: lq.Filters["external_id"], Kind: fieldportal.JobKind(lq.Filters["kind"])}
	var fails []fieldportal.FieldError
	if k, ok := lq.Filters["kind"]; ok && k != string(fieldportal.JobService) && k != string(fieldportal.JobInstall) {
		fails = append(fails, fieldportal.FieldError{Field: "kind", Message: "kind must be service or install."})
	}
	if s, ok := lq.Filters["stage"]; ok {
		if !slices.Contains(fieldportal.JobStages, fieldportal.JobStage(s)) {
			fails = append(fails, fieldportal.FieldError{Field: "stage",
				Message: "stage must be one of pending, scheduled, in_progress, complete, invoiced, archived."})
		}
		f.Stages = []fieldportal.JobStage{fieldportal.JobStage(s)}
	}
	if len(fails) > 0 {
		return nil, "", badRequest(fails...)
	}
	return a.svc.Work.FindJobs(r.Context(), viewer(r), f)
}

// jobByExternalID returns the job of a back-office id, nil when there is
// none.
func (a *API) jobByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Job, error) {
	return firstByExternalID(func() ([]*fieldportal.Job, string, error) {
		return a.svc.Work.FindJobs(ctx, v, fieldportal.JobFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}

// updateJob saves the fields sent. A stage sent is a move, by the same
// rules and service as the console's (fieldportal.JobStageMove,
// WorkService.MoveJobStage: its history and audit), checked before
// anything is saved, so a refused move changes nothing.
func (a *API) updateJob(res *resource[fieldportal.Job, Job, JobInput], w http.ResponseWriter, r *http.Request) {
	var in JobInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	// As the resource's PATCH: the save goes over the version read, read
	// again when another change came first (without If-Match), so a
	// stage moved meanwhile in the console is not moved back.
	if err := overVersionRead(r, func() error { return a.patchJob(res, r, in, sn) }); err != nil {
		a.problem(w, r, err)
		return
	}
	res.answer(w, r, http.StatusOK, r.PathValue("id"))
}

// patchJob reads the job, puts the fields sent onto it and saves it over
// the version read (updateJob).
func (a *API) patchJob(res *resource[fieldportal.Job, Job, JobInput], r *http.Request, in JobInput, sn sent) error {
	v := viewer(r)
	j, err := a.svc.Work.FindJobByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, res.Show(r, j)); err != nil {
		return err
	}
	from := j.Stage
	if err := a.fillJob(r, j, in, sn); err != nil {
		return err
	}
	var move *fieldportal.JobStageMove
	if sn["stage"] && j.Stage != from {
		move = &fieldportal.JobStageMove{JobID: j.ID, To: j.Stage, Note: in.StageNote}
		if err := move.Validate(from); err != nil {
			return err
		}
		j.Stage = from // UpdateJob saves the other fields; the move moves
	} else if sn["stage_note"] {
		return fieldportal.FieldErrorf("stage_note", "stage_note goes with a stage the job moves to.")
	}
	// A move alone is the console's move (under If-Match, over that
	// version; else from the stage stored, by its rules); with other
	// fields, both go in one transaction, so a move refused (a concurrent
	// move) saves nothing. A save goes over the version read.
	switch {
	case move == nil:
		j.IfUpdatedAt = j.UpdatedAt
		return a.svc.Work.UpdateJob(r.Context(), v, j)
	case onlyStageSent(sn):
		move.IfUpdatedAt = ifMatch(r, j.UpdatedAt)
		_, err = a.svc.Work.MoveJobStage(r.Context(), v, *move)
		return err
	}
	j.IfUpdatedAt = j.UpdatedAt
	return a.svc.Work.UpdateJobAndMove(r.Context(), v, j, *move)
}

// onlyStageSent reports whether a PATCH sent nothing but the stage and
// its note.
func onlyStageSent(sn sent) bool {
	for name := range sn {
		if name != "stage" && name != "stage_note" {
			return false
		}
	}
	return true
}

// fillJob copies the sent fields of in onto j (all of them for a nil sn),
// reading dates and times, checking the currency and resolving a site
// given by external id.
func (a *API) fillJob(r *http.Request, j *fieldportal.Job, in JobInput, sn sent) error {
	if sn.has("currency") && in.Currency != "" && in.Currency != currency(r) {
		return fieldportal.FieldErrorf("currency", "currency must be %s, the organisation's currency.", currency(r))
	}
	for name, p := range map[string][2]*string{
		"external_id": {&j.ExternalID, &in.ExternalID}, "number": {&j.Number, &in.Number}, "site_id": {&j.SiteID, &in.SiteID},
		"contractor_id": {&j.ContractorID, &in.ContractorID}, "quote_id": {&j.QuoteID, &in.QuoteID},
		"order_no": {&j.OrderNo, &in.OrderNo}, "preferred_window": {&j.PreferredWindow, &in.PreferredWindow},
		"technician": {&j.Technician, &in.Technician}, "description": {&j.Description, &in.Description},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	if sn.has("kind") {
		j.Kind = fieldportal.JobKind(in.Kind)
	}
	if sn.has("stage") {
		j.Stage = fieldportal.JobStage(in.Stage)
		if sn == nil && in.Stage == "" {
			j.Stage = fieldportal.StagePending // a new job starts pending unless told
		}
	}
	if sn == nil && in.StageNote != "" {
		return fieldportal.FieldErrorf("stage_note", "stage_note goes with a PATCH that moves the job's stage.")
	}
	var bad fieldportal.Validation
	readDate(&bad, sn, "preferred_date", in.PreferredDate, &j.PreferredDate)
	readDate(&bad, sn, "due_date", in.DueDate, &j.DueDate)
	readTime(&bad, sn, "scheduled_start", in.ScheduledStart, &j.ScheduledStart)
	readTime(&bad, sn, "scheduled_end", in.ScheduledEnd, &j.ScheduledEnd)
	if err := bad.Err(); err != nil {
		return err
	}
	if sn.has("asset_ids") {
		j.AssetIDs = in.AssetIDs
	}
	if sn.has("items") {
		j.Items = make([]fieldportal.JobItem, len(in.Items))
		for i, it := range in.Items {
			j.Items[i] = fieldportal.JobItem{ItemID: it.ItemID, Code: it.Code, Description: it.Description,
				Quantity: it.Quantity, UnitPrice: fieldportal.Money(it.UnitPrice), Total: fieldportal.Money(it.Total)}
		}
	}
	return a.siteRef(r.Context(), viewer(r), &j.SiteID, in.SiteID, in.SiteExternalID)
}

// readDate reads a date field sent (YYYY-MM-DD, empty for none) into *dst.
func readDate(bad *fieldportal.Validation, sn sent, field, s string, dst *fieldportal.Date) {
	if !sn.has(field) {
		return
	}
	if s == "" {
		*dst = fieldportal.Date{}
		return
	}
	d, err := fieldportal.ParseDate(s)
	if err != nil {
		bad.Add(field, "%s must be a date as YYYY-MM-DD.", field)
		return
	}
	*dst = d
}

// readTime reads a time field sent (RFC 3339, empty for none) into *dst.
func readTime(bad *fieldportal.Validation, sn sent, field, s string, dst *time.Time) {
	if !sn.has(field) {
		return
	}
	if s == "" {
		*dst = time.Time{}
		return
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		bad.Add(field, "%s must be a time in RFC 3339, such as 2026-01-31T09:00:00Z.", field)
		return
	}
	*dst = t.UTC()
}

// siteRef resolves a record's site given by external id
// (site_external_id) into *id; given both ways, they must not both be set.
func (a *API) siteRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	return resolveRef("site", id, byID, ext, func() (string, error) {
		x, err := a.siteByExternalID(ctx, v, ext)
		if x == nil {
			return "", err
		}
		return x.ID, err
	})
}
