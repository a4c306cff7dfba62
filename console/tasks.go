package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Tasks for the office (issue 18 point 8): the list, a new task at a
// site, and a task's form to change it. The customer's contacts read
// them on the portal's Tasks page.

// taskRoutes registers the routes of this file.
func (c *Console) taskRoutes() {
	c.kit.Handle("GET /console/tasks", c.signedIn(c.handleTasks))
	c.kit.Handle("GET /console/tasks/new", c.signedIn(c.handleTaskNewForm))
	c.kit.Handle("POST /console/tasks/new", c.signedIn(c.handleTaskCreate))
	c.kit.Handle("GET /console/tasks/{id}", c.signedIn(c.handleTaskEditForm))
	c.kit.Handle("POST /console/tasks/{id}", c.signedIn(c.handleTaskUpdate))
}

// consoleTasksView is the list.
type consoleTasksView struct {
	web.Layout
	Header web.RecordHeader
	Notice string
	Table  web.Table
	Pager  web.Pager
}

// taskNotices are the messages after an action (?done=).
var taskNotices = map[string]string{"created": "The task has been added.", "saved": "The task has been saved."}

func (c *Console) handleTasks(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	after := r.URL.Query().Get("after")
	list, next, err := c.svc.Diary.FindTasks(r.Context(), v, fieldportal.TaskFilter{Page: fieldportal.Page{After: after}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := consoleTasksView{Layout: c.layout(r, "Tasks"), Notice: taskNotices[r.URL.Query().Get("done")],
		Header: web.RecordHeader{Title: "Tasks", Actions: []web.Action{{Label: "New task", URL: "/console/tasks/new"}}}}
	view.Table = web.Table{Caption: "Tasks, newest first", Columns: []web.Column{{Label: "Subject"}, {Label: "Status"},
		{Label: "Due"}, {Label: "Assignee"}, {Label: "Job"}}}
	for _, x := range list {
		due := ""
		if !x.DueDate.IsZero() {
			due = web.FormatDate(x.DueDate.Time())
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{web.LinkCell(x.Subject, "/console/tasks/"+url.PathEscape(x.ID)),
			web.TextCell(fieldportal.TaskStatusLabel(x.Status)), web.TextCell(due), web.TextCell(x.Assignee), web.TextCell(x.JobNumber)})
	}
	if next != "" {
		view.Pager.NextURL = "/console/tasks?after=" + url.QueryEscape(next)
	}
	if after != "" {
		view.Pager.FirstURL = "/console/tasks"
	}
	c.pages.Render(w, r, http.StatusOK, "tasks", view)
}

// taskFormView is the form of a new or an existing task.
type taskFormView struct {
	web.Layout
	Action, Submit string
	Notice         string
	Errors         []fieldportal.FieldError
	// SiteSearch finds the site of a new task.
	SiteSearch *web.FilterBar
	Site       web.SelectView
	Subject    web.FieldView
	Details    web.FieldView
	Status     web.SelectView
	DueDate    web.FieldView
	Assignee   web.FieldView
	// Job is the number of the job the task belongs to, at its site.
	Job web.FieldView
}

// taskFields are the form's fields, in the order of its error summary.
var taskFields = []string{"site_id", "customer_id", "subject", "description", "status", "due_date", "assignee", "job_number"}

func (c *Console) handleTaskNewForm(w http.ResponseWriter, r *http.Request) {
	c.renderTaskForm(w, r, http.StatusOK, nil, url.Values{"status": {"open"}}, web.FormErrors{})
}

// handleTaskEditForm shows a task's form filled with the task.
func (c *Console) handleTaskEditForm(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	t, err := c.svc.Diary.FindTaskByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "task"))
		return
	}
	form := url.Values{"site_id": {t.SiteID}, "subject": {t.Subject}, "description": {t.Description}, "status": {t.Status},
		"due_date": {t.DueDate.String()}, "assignee": {t.Assignee}, "job_number": {t.JobNumber}}
	c.renderTaskForm(w, r, http.StatusOK, t, form, web.FormErrors{})
}

func (c *Console) renderTaskForm(w http.ResponseWriter, r *http.Request, status int, t *fieldportal.Task, form url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	view := taskFormView{Layout: c.layout(r, "New task"), Action: "/console/tasks/new", Submit: "Add task", Errors: errs.List(taskFields...)}
	if t != nil {
		view.Layout = c.layout(r, "Task: "+t.Subject)
		view.Action, view.Submit = "/console/tasks/"+url.PathEscape(t.ID), "Save task"
		view.Notice = taskNotices[r.URL.Query().Get("done")]
	}
	q := strings.TrimSpace(r.URL.Query().Get("site_q"))
	if t == nil {
		view.SiteSearch = &web.FilterBar{Action: "/console/tasks/new", Label: "Find the site", Submit: "Find sites",
			Filters: []web.Filter{{Name: "site_q", Label: "Find the site", Type: "search", Value: q, Hint: "Name, address or postcode"}}}
	}
	var err error
	if view.Site, err = c.siteSelect(r, v, q, form.Get("site_id"), errs); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	if t != nil && t.SiteID == "" {
		// A task of the customer alone (from the back office) keeps it.
		view.Site.Options[0].Label = "None: the customer's task"
		view.Site.Required = false
	}
	if msg, ok := errs["customer_id"]; ok && view.Site.Error == "" {
		view.Site.Error = msg
	}
	view.Subject = web.Field("subject", "Subject", "text", form.Get("subject"), "off", errs)
	view.Details = web.Field("description", "Description", "textarea", form.Get("description"), "off", errs).Optional()
	view.Status = web.SelectView{FieldView: web.Field("status", "Status", "select", form.Get("status"), "", errs)}
	for _, s := range []string{"open", "in_progress", "done"} {
		view.Status.Options = append(view.Status.Options, web.CheckOption{Value: s, Label: fieldportal.TaskStatusLabel(s), Checked: s == form.Get("status")})
	}
	view.DueDate = web.Field("due_date", "Due date", "date", form.Get("due_date"), "off", errs).Optional()
	view.Assignee = web.Field("assignee", "Assignee", "text", form.Get("assignee"), "off", errs).Optional()
	view.Job = web.Field("job_number", "Job number", "text", form.Get("job_number"), "off", errs).Optional()
	view.Job.Hint = "A job at the task's site, such as J-000123."
	c.pages.Render(w, r, status, "task_form", view)
}

// taskFromForm reads the form into t, naming the fields it cannot read.
func taskFromForm(form url.Values, t *fieldportal.Task) web.FormErrors {
	errs := web.FormErrors{}
	t.SiteID = form.Get("site_id")
	t.Subject = strings.TrimSpace(form.Get("subject"))
	t.Description = strings.TrimSpace(form.Get("description"))
	t.Status = form.Get("status")
	t.Assignee = strings.TrimSpace(form.Get("assignee"))
	t.DueDate = fieldportal.Date{}
	if s := strings.TrimSpace(form.Get("due_date")); s != "" {
		d, err := fieldportal.ParseDate(s)
		if err != nil || d.Year < 1900 || d.Year > 2999 {
			errs["due_date"] = "Due date must be a date such as 2026-03-31."
		} else {
			t.DueDate = d
		}
	}
	if len(t.Subject) > 200 {
		errs["subject"] = "Subject must be at most 200 characters."
	}
	if len(t.Assignee) > 100 {
		errs["assignee"] = "Assignee must be at most 100 characters."
	}
	return errs
}

// taskJob sets t's job from the form's job number: a job of that exact
// number at the task's site (the store checks the customer and site
// again), or none when the field is empty. A number that names no such
// job is the field's error.
func (c *Console) taskJob(r *http.Request, v fieldportal.Viewer, form url.Values, t *fieldportal.Task, errs web.FormErrors) error {
	number := strings.TrimSpace(form.Get("job_number"))
	t.JobID = ""
	switch {
	case number == "":
		return nil
	case len(number) > 50:
		errs["job_number"] = "Job number must be at most 50 characters."
		return nil
	case t.SiteID == "":
		if _, ok := errs["site_id"]; !ok {
			errs["job_number"] = "Job number: choose the task's site first; the job must be at that site."
		}
		return nil
	}
	// The search matches parts of numbers and order numbers too (an
	// order "Re J-000123"), newest first: every page is read until the
	// exact number is found.
	f := fieldportal.JobFilter{SiteID: t.SiteID, NumberSearch: number, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}}
	for {
		jobs, next, err := c.svc.Work.FindJobs(r.Context(), v, f)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if strings.EqualFold(j.Number, number) {
				t.JobID = j.ID
				return nil
			}
		}
		if next == "" {
			break
		}
		f.Page.After = next
	}
	errs["job_number"] = "Job number: there is no job " + number + " at the task's site."
	return nil
}

// taskErrors turns the store's refusal of the job into the job number's
// error: the form names the job by its number, not its id.
func taskErrors(err error) web.FormErrors {
	errs := web.ErrorsOf(err)
	if msg, ok := errs["job_id"]; ok {
		errs["job_number"] = msg
		delete(errs, "job_id")
	}
	return errs
}

// handleTaskCreate adds a task at a site, or shows the form again.
func (c *Console) handleTaskCreate(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	t := &fieldportal.Task{}
	errs := taskFromForm(r.PostForm, t)
	if t.SiteID == "" {
		errs["site_id"] = "Site is required: find and choose the site the task is for."
	}
	if err := c.taskJob(r, v, r.PostForm, t, errs); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	if !errs.Has() {
		err := c.svc.Diary.CreateTask(r.Context(), v, t)
		switch {
		case err == nil:
			http.Redirect(w, r, "/console/tasks?done=created", http.StatusSeeOther)
			return
		case web.IsFormError(err):
			errs = taskErrors(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	c.renderTaskForm(w, r, http.StatusUnprocessableEntity, nil, r.PostForm, errs)
}

// handleTaskUpdate saves a task's fields (its customer and external id
// are kept), or shows the form again with what was typed.
func (c *Console) handleTaskUpdate(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	old, err := c.svc.Diary.FindTaskByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "task"))
		return
	}
	t := *old
	errs := taskFromForm(r.PostForm, &t)
	if t.SiteID == "" && old.SiteID != "" {
		// A site's task stays a site's: an empty choice would quietly
		// make it the customer's, seen by contacts of any of its sites.
		errs["site_id"] = "Site is required: choose the site the task is for."
	}
	// A customer's task (from the back office) keeps its job while the
	// number is unchanged: there is no site to look the number up at.
	keepJob := t.SiteID == "" && old.SiteID == "" && old.JobID != "" &&
		strings.EqualFold(strings.TrimSpace(r.PostForm.Get("job_number")), old.JobNumber)
	if !keepJob {
		if err := c.taskJob(r, v, r.PostForm, &t, errs); err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	if !errs.Has() {
		err := c.svc.Diary.UpdateTask(r.Context(), v, &t)
		switch {
		case err == nil:
			http.Redirect(w, r, "/console/tasks/"+url.PathEscape(t.ID)+"?done=saved", http.StatusSeeOther)
			return
		case web.IsFormError(err):
			errs = taskErrors(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	c.renderTaskForm(w, r, http.StatusUnprocessableEntity, old, r.PostForm, errs)
}
