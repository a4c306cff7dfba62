package api

import (
	"context"
	"net/http"
	"reflect"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Task is a to-do of the office for a customer, as the API shows it.
type Task struct {
	ID          string            `json:"id"`
	ExternalID  *string           `json:"external_id" doc:"The back office's own id; null when none."`
	CustomerID  string            `json:"customer_id"`
	SiteID      *string           `json:"site_id" doc:"The customer's site the task is for; null for the customer as a whole."`
	JobID       *string           `json:"job_id" doc:"The job the task is for; null when none."`
	Subject     string            `json:"subject"`
	Description string            `json:"description"`
	Status      string            `json:"status" doc:"open, in_progress or done."`
	DueDate     *fieldportal.Date `json:"due_date"`
	Assignee    string            `json:"assignee"`
	CreatedAt   time.Time         `json:"created_at"`
	UpdatedAt   time.Time         `json:"updated_at"`
}

// TaskInput is the body of a task's create, update (only the fields
// sent) or upsert. The customer, site and job are given by id or by
// external id; with a site, the customer is the site's.
type TaskInput struct {
	ExternalID         string `json:"external_id"`
	CustomerID         string `json:"customer_id"`
	CustomerExternalID string `json:"customer_external_id" doc:"The customer by the back office's id, instead of customer_id."`
	SiteID             string `json:"site_id"`
	SiteExternalID     string `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	JobID              string `json:"job_id"`
	JobExternalID      string `json:"job_external_id" doc:"The job by the back office's id, instead of job_id."`
	Subject            string `json:"subject"`
	Description        string `json:"description"`
	Status             string `json:"status" doc:"open, in_progress or done; a new task is open unless told."`
	DueDate            string `json:"due_date" doc:"YYYY-MM-DD."`
	Assignee           string `json:"assignee"`
}

func init() {
	typeDocs[reflect.TypeFor[Task]()] = "A to-do of the office for a customer, one of its sites or a job."
}

// taskStatuses are a task's statuses, for the list's filter.
var taskStatuses = []string{"open", "in_progress", "done"}

// ShowTask is the API's representation of a task.
func ShowTask(t *fieldportal.Task) Task {
	return Task{ID: t.ID, ExternalID: optional(t.ExternalID), CustomerID: t.CustomerID, SiteID: optional(t.SiteID),
		JobID: optional(t.JobID), Subject: t.Subject, Description: t.Description, Status: t.Status,
		DueDate: optionalDate(t.DueDate), Assignee: t.Assignee, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func (a *API) taskRoutes() []route {
	res := &resource[fieldportal.Task, Task, TaskInput]{api: a,
		Path: "/tasks", Tag: "tasks", Singular: "Task", Plural: "Tasks", ListSummary: "List tasks, newest first",
		Filters: []param{filter("site_id", "Only the tasks of this site."),
			filter("customer_id", "Only the tasks of this customer."),
			filter("status", "Only tasks of this status: open, in_progress or done."),
			filter("job_id", "Only the tasks of this job."),
			filter("external_id", "Only the task of this back-office id.")},
		Show:      func(_ *http.Request, t *fieldportal.Task) Task { return ShowTask(t) },
		UpdatedAt: func(t *fieldportal.Task) time.Time { return t.UpdatedAt },
		ID:        func(t *fieldportal.Task) string { return t.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Task, string, error) {
			if s, ok := lq.Filters["status"]; ok && !slices.Contains(taskStatuses, s) {
				return nil, "", badRequest(fieldportal.FieldError{Field: "status", Message: "status must be open, in_progress or done."})
			}
			return a.svc.Diary.FindTasks(r.Context(), viewer(r), fieldportal.TaskFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"], CustomerID: lq.Filters["customer_id"],
				JobID: lq.Filters["job_id"], ExternalID: lq.Filters["external_id"], Status: lq.Filters["status"]})
		},
		Find: a.svc.Diary.FindTaskByID,
		ByExternalID: func(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Task, error) {
			return firstByExternalID(func() ([]*fieldportal.Task, string, error) {
				return a.svc.Diary.FindTasks(ctx, v, fieldportal.TaskFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
			})
		},
		Fill:       a.fillTask,
		ExternalID: func(in *TaskInput) *string { return &in.ExternalID },
		Keep: func(t, old *fieldportal.Task, s sent) {
			if !s["status"] {
				t.Status = old.Status // a replace that leaves the status out keeps it
			}
		},
		SetIfUpdatedAt: func(t *fieldportal.Task, at time.Time) { t.IfUpdatedAt = at },
		Create:         a.svc.Diary.CreateTask,
		Update:         a.svc.Diary.UpdateTask,
		Upsert:         a.svc.Diary.UpsertTaskByExternalID,
		Delete:         a.svc.Diary.DeleteTask,
		Kind:           fieldportal.KindTask,
	}
	return res.routes()
}

// fillTask copies the sent fields of in onto t (all of them for a nil
// sn), reading the due date and resolving the references given by
// external id.
func (a *API) fillTask(r *http.Request, t *fieldportal.Task, in TaskInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&t.ExternalID, &in.ExternalID}, "customer_id": {&t.CustomerID, &in.CustomerID},
		"site_id": {&t.SiteID, &in.SiteID}, "job_id": {&t.JobID, &in.JobID}, "subject": {&t.Subject, &in.Subject},
		"description": {&t.Description, &in.Description}, "status": {&t.Status, &in.Status},
		"assignee": {&t.Assignee, &in.Assignee},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	if sn == nil && in.Status == "" {
		t.Status = "open" // a new task is open unless told
	}
	var bad fieldportal.Validation
	readDate(&bad, sn, "due_date", in.DueDate, &t.DueDate)
	if err := bad.Err(); err != nil {
		return err
	}
	ctx, v := r.Context(), viewer(r)
	if err := a.customerRef(ctx, v, &t.CustomerID, in.CustomerID, in.CustomerExternalID); err != nil {
		return err
	}
	if err := a.siteRef(ctx, v, &t.SiteID, in.SiteID, in.SiteExternalID); err != nil {
		return err
	}
	return a.jobRef(ctx, v, &t.JobID, in.JobID, in.JobExternalID)
}
