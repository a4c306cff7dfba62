package api

import (
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
	filters := []param{filter("site_id", "Only the tasks of this site."),
		filter("customer_id", "Only the tasks of this customer."),
		filter("status", "Only tasks of this status: open, in_progress or done."),
		filter("job_id", "Only the tasks of this job."),
		filter("external_id", "Only the task of this back-office id.")}
	return append([]route{
		{Method: "GET", Path: "/tasks", ID: "listTasks", Summary: "List tasks, newest first", Tag: "tasks",
			Query: listParams(filters...), Resp: List[Synced[Task]]{}, Handler: a.listTasks(filterNames(filters))},
		{Method: "POST", Path: "/tasks", ID: "createTask", Summary: "Create a task", Tag: "tasks",
			Body: TaskInput{}, Resp: Task{}, Status: http.StatusCreated, ETag: true, Handler: a.createTask},
		{Method: "GET", Path: "/tasks/{id}", ID: "getTask", Summary: "Get a task", Tag: "tasks",
			Resp: Task{}, ETag: true, Handler: a.getTask},
		{Method: "PATCH", Path: "/tasks/{id}", ID: "updateTask", Summary: "Change the fields sent of a task",
			Tag: "tasks", Body: TaskInput{}, Resp: Task{}, ETag: true, Handler: a.updateTask},
		{Method: "PUT", Path: "/tasks/by-external-id/{external_id}", ID: "upsertTask",
			Summary: "Create or replace a task by the back office's id", Tag: "tasks",
			Body: TaskInput{}, Resp: Task{}, Upsert: true, ETag: true, Handler: a.upsertTask},
	}, deleteRoute("/tasks", "tasks", "Task", "task", deleteHandler(a, a.svc.Diary.FindTaskByID,
		func(_ *http.Request, t *fieldportal.Task) Task { return ShowTask(t) },
		func(t *fieldportal.Task) time.Time { return t.UpdatedAt }, a.svc.Diary.DeleteTask)))
}

func (a *API) listTasks(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		f := fieldportal.TaskFilter{Page: lq.Page, UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"],
			CustomerID: lq.Filters["customer_id"], JobID: lq.Filters["job_id"], ExternalID: lq.Filters["external_id"],
			Status: lq.Filters["status"]}
		if s, ok := lq.Filters["status"]; ok && !slices.Contains(taskStatuses, s) {
			a.problem(w, r, badRequest(fieldportal.FieldError{Field: "status", Message: "status must be open, in_progress or done."}))
			return
		}
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Diary.FindTasks(r.Context(), viewer(r), f)
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		out, err := syncPage(r, a, fieldportal.KindTask, lq, rows, next, horizon,
			func(t *fieldportal.Task) time.Time { return t.UpdatedAt }, func(t *fieldportal.Task) string { return t.ID }, ShowTask)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		a.json(w, r, http.StatusOK, out)
	}
}

func (a *API) getTask(w http.ResponseWriter, r *http.Request) {
	a.answerTask(w, r, http.StatusOK, r.PathValue("id"))
}

func (a *API) createTask(w http.ResponseWriter, r *http.Request) {
	var in TaskInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	t := &fieldportal.Task{}
	if err := a.fillTask(r, t, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Diary.CreateTask(r.Context(), viewer(r), t); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/tasks/"+t.ID)
	a.answerTask(w, r, http.StatusCreated, t.ID)
}

func (a *API) updateTask(w http.ResponseWriter, r *http.Request) {
	var in TaskInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	t, err := a.svc.Diary.FindTaskByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowTask(t)); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.fillTask(r, t, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	t.IfUpdatedAt = ifMatch(r, t.UpdatedAt)
	if err := a.svc.Diary.UpdateTask(r.Context(), v, t); err != nil {
		a.problem(w, r, err)
		return
	}
	a.answerTask(w, r, http.StatusOK, t.ID)
}

func (a *API) upsertTask(w http.ResponseWriter, r *http.Request) {
	var in TaskInput
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
	list, _, err := a.svc.Diary.FindTasks(r.Context(), v, fieldportal.TaskFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowTask(list[0])
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	t := &fieldportal.Task{}
	if err := a.fillTask(r, t, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		if !sn["status"] {
			t.Status = list[0].Status // a replace that leaves the status out keeps it
		}
		t.IfUpdatedAt = ifMatch(r, list[0].UpdatedAt)
	}
	created, err := a.svc.Diary.UpsertTaskByExternalID(r.Context(), v, t)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/tasks/"+t.ID)
	}
	a.answerTask(w, r, status, t.ID)
}

// answerTask answers with the task as now stored.
func (a *API) answerTask(w http.ResponseWriter, r *http.Request, status int, id string) {
	t, err := a.svc.Diary.FindTaskByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowTask(t))
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
