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
	filters := []param{filter("site_id", "Only the jobs at this site."),
		filter("customer_id", "Only the jobs of this customer."),
		filter("kind", "Only jobs of this kind: service or install."),
		filter("stage", "Only jobs at this stage."),
		filter("external_id", "Only the job of this back-office id.")}
	return []route{
		{Method: "GET", Path: "/jobs", ID: "listJobs", Summary: "List jobs, newest first", Tag: "jobs",
			Query: listParams(filters...), Resp: List[Job]{}, Handler: a.listJobs(filterNames(filters))},
		{Method: "POST", Path: "/jobs", ID: "createJob", Summary: "Create a job", Tag: "jobs",
			Body: JobInput{}, Resp: Job{}, Status: http.StatusCreated, ETag: true, Handler: a.createJob},
		{Method: "GET", Path: "/jobs/{id}", ID: "getJob", Summary: "Get a job", Tag: "jobs",
			Resp: Job{}, ETag: true, Handler: a.getJob},
		{Method: "PATCH", Path: "/jobs/{id}", ID: "updateJob", Summary: "Change the fields sent of a job, or move its stage",
			Tag: "jobs", Body: JobInput{}, Resp: Job{}, ETag: true, Handler: a.updateJob},
		{Method: "PUT", Path: "/jobs/by-external-id/{external_id}", ID: "upsertJob",
			Summary: "Create or replace a job by the back office's id", Tag: "jobs",
			Body: JobInput{}, Resp: Job{}, Upsert: true, ETag: true, Handler: a.upsertJob},
	}
}

func (a *API) listJobs(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
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
			a.problem(w, r, badRequest(fails...))
			return
		}
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Work.FindJobs(r.Context(), viewer(r), f)
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		cur := currency(r)
		a.json(w, r, http.StatusOK, page(lq, rows, next, horizon,
			func(j *fieldportal.Job) time.Time { return j.UpdatedAt },
			func(j *fieldportal.Job) Job { return ShowJob(j, cur) }))
	}
}

func (a *API) getJob(w http.ResponseWriter, r *http.Request) {
	a.answerJob(w, r, http.StatusOK, r.PathValue("id"))
}

func (a *API) createJob(w http.ResponseWriter, r *http.Request) {
	var in JobInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	j := &fieldportal.Job{}
	if err := a.fillJob(r, j, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Work.CreateJob(r.Context(), viewer(r), j); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/jobs/"+j.ID)
	a.answerJob(w, r, http.StatusCreated, j.ID)
}

// updateJob saves the fields sent. A stage sent is a move, by the same
// rules and service as the console's (fieldportal.JobStageMove,
// WorkService.MoveJobStage: its history and audit), checked before
// anything is saved, so a refused move changes nothing.
func (a *API) updateJob(w http.ResponseWriter, r *http.Request) {
	var in JobInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	j, err := a.svc.Work.FindJobByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowJob(j, currency(r))); err != nil {
		a.problem(w, r, err)
		return
	}
	from := j.Stage
	if err := a.fillJob(r, j, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	var move *fieldportal.JobStageMove
	if sn["stage"] && j.Stage != from {
		move = &fieldportal.JobStageMove{JobID: j.ID, To: j.Stage, Note: in.StageNote}
		if err := move.Validate(from); err != nil {
			a.problem(w, r, err)
			return
		}
		j.Stage = from // UpdateJob saves the other fields; the move moves
	} else if sn["stage_note"] {
		a.problem(w, r, fieldportal.FieldErrorf("stage_note", "stage_note goes with a stage the job moves to."))
		return
	}
	// A move alone is one transaction of the console's service; with
	// other fields, they are saved first and the move then goes only over
	// the version that save wrote. Either way under If-Match, so a stale
	// version is refused in the store's transaction, not just above.
	ifAt := ifMatch(r, j.UpdatedAt)
	if move == nil || !onlyStageSent(sn) {
		j.IfUpdatedAt = ifAt
		if err := a.svc.Work.UpdateJob(r.Context(), v, j); err != nil {
			a.problem(w, r, err)
			return
		}
		ifAt = j.UpdatedAt
	}
	if move != nil {
		move.IfUpdatedAt = ifAt
		if _, err := a.svc.Work.MoveJobStage(r.Context(), v, *move); err != nil {
			a.problem(w, r, err)
			return
		}
	}
	a.answerJob(w, r, http.StatusOK, j.ID)
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

func (a *API) upsertJob(w http.ResponseWriter, r *http.Request) {
	var in JobInput
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
	list, _, err := a.svc.Work.FindJobs(r.Context(), v, fieldportal.JobFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowJob(list[0], currency(r))
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	j := &fieldportal.Job{}
	if err := a.fillJob(r, j, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		if !sn["stage"] {
			j.Stage = list[0].Stage // a replace that leaves the stage out keeps it
		}
		j.IfUpdatedAt = ifMatch(r, list[0].UpdatedAt)
	}
	created, err := a.svc.Work.UpsertJobByExternalID(r.Context(), v, j)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/jobs/"+j.ID)
	}
	a.answerJob(w, r, status, j.ID)
}

// answerJob answers with the job as now stored.
func (a *API) answerJob(w http.ResponseWriter, r *http.Request, status int, id string) {
	j, err := a.svc.Work.FindJobByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowJob(j, currency(r)))
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
	if ext == "" {
		return nil
	}
	if byID != "" {
		return fieldportal.FieldErrorf("site_external_id", "Give the site by site_id or by site_external_id, not both.")
	}
	s, err := a.siteByExternalID(ctx, v, ext)
	if err != nil {
		return err
	} else if s == nil {
		return fieldportal.FieldErrorf("site_external_id", "No site has this external id.")
	}
	*id = s.ID
	return nil
}
