package portal

import (
	"net/http"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Tasks (issue 18, seed 003): the to-dos the operator keeps for work with
// the contact's customers, filtered by status and due band, and their
// CSV. Staff make and change them in the console.

// taskRoutes registers the routes of this file.
func (p *Portal) taskRoutes() {
	k := p.kit
	k.Handle("GET /tasks", p.signedIn(p.handleTasks))
	k.Handle("GET /tasks.csv", p.signedIn(p.handleTasksCSV))
}

// taskParams is the list's query string as typed.
type taskParams struct{ Status, Due, After string }

// values is the query string without the cursor.
func (tp taskParams) values() url.Values {
	q := url.Values{}
	if tp.Status != "" {
		q.Set("status", tp.Status)
	}
	if tp.Due != "" {
		q.Set("due", tp.Due)
	}
	return q
}

// readTaskParams reads the list's query string; a status or band that is
// not one is named (400).
func readTaskParams(r *http.Request) (taskParams, fieldportal.TaskFilter, error) {
	q := r.URL.Query()
	tp := taskParams{Status: q.Get("status"), Due: q.Get("due"), After: q.Get("after")}
	f := fieldportal.TaskFilter{Page: fieldportal.Page{After: tp.After}, Today: quoteToday(r)}
	var v fieldportal.Validation
	if st, err := fieldportal.ParseTaskStatus(tp.Status); err != nil {
		v.Add("status", "There is no “%s” status of tasks: choose Open, In progress or Done.", tp.Status)
	} else {
		f.Status = st
	}
	if due, err := fieldportal.ParseTaskDue(tp.Due); err != nil {
		v.Add("due", "There is no “%s” due date choice: choose Overdue, This week, Later or No due date.", tp.Due)
	} else {
		f.Due = due
	}
	return tp, f, v.Err()
}

// tasksView is the list of tasks.
type tasksView struct {
	web.Layout
	Filter   web.FilterBar
	Count    web.Count
	Table    web.Table
	Pager    web.Pager
	CSVURL   string
	Filtered bool
}

// taskRow is one task as the list and the CSV show it.
type taskRow struct {
	Subject, Status, Tone, Due, Assignee, Job, JobURL string
	Overdue                                           bool
}

// taskTones colour the status badges; the words carry the meaning.
var taskTones = map[string]string{"open": "info", "in_progress": "warning", "done": "neutral"}

func newTaskRow(t *fieldportal.Task, v fieldportal.Viewer, today fieldportal.Date) taskRow {
	row := taskRow{Subject: t.Subject, Status: fieldportal.TaskStatusLabel(t.Status), Tone: taskTones[t.Status], Assignee: t.Assignee}
	if !t.DueDate.IsZero() {
		row.Due = web.FormatDate(t.DueDate.Time())
		if t.Status != "done" && t.DueDate.Before(today) {
			row.Overdue, row.Due = true, row.Due+" (overdue)"
		}
	}
	if t.JobNumber != "" {
		row.Job = kindLabel(t.JobKind) + " order " + t.JobNumber
		if m := t.JobKind.Module(); v.CanUse(m) && pageReady[m] {
			row.JobURL = "/jobs/" + url.PathEscape(t.JobID)
		}
	}
	return row
}

// tasksTable lays out a page of tasks.
func tasksTable(list []*fieldportal.Task, v fieldportal.Viewer, today fieldportal.Date) web.Table {
	t := web.Table{Caption: "Tasks", Columns: []web.Column{{Label: "Subject"}, {Label: "Status"}, {Label: "Due"},
		{Label: "Assignee"}, {Label: "Job"}}}
	for _, x := range list {
		row := newTaskRow(x, v, today)
		job := web.TextCell(row.Job)
		if row.JobURL != "" {
			job = web.Cell{Text: row.Job, URL: row.JobURL}
		}
		status := web.BadgeCell(row.Status, row.Tone)
		due := web.TextCell(row.Due)
		if row.Overdue {
			due = web.BadgeCell(row.Due, "danger")
		}
		t.Rows = append(t.Rows, []web.Cell{{Text: row.Subject, Header: true}, status, due, web.TextCell(row.Assignee), job})
	}
	return t
}

// handleTasks lists the tasks the contact reaches, a page at a time.
func (p *Portal) handleTasks(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleTasks)
	if !ok {
		return
	}
	tp, f, err := readTaskParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	list, next, err := p.svc.Diary.FindTasks(r.Context(), v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := tasksView{Layout: p.layout(r, "Tasks")}
	opt := func(value, label, cur string) web.CheckOption {
		return web.CheckOption{Value: value, Label: label, Checked: value == cur}
	}
	view.Filter = web.FilterBar{Action: "/tasks", Label: "Filter tasks", Filters: []web.Filter{
		{Name: "status", Label: "Status", Type: "select", Options: []web.CheckOption{opt("", "Any status", tp.Status),
			opt("open", "Open", tp.Status), opt("in_progress", "In progress", tp.Status), opt("done", "Done", tp.Status)}},
		{Name: "due", Label: "Due", Type: "select", Options: []web.CheckOption{opt("", "Any time", tp.Due),
			opt(string(fieldportal.TaskDueOverdue), "Overdue", tp.Due), opt(string(fieldportal.TaskDueThisWeek), "This week", tp.Due),
			opt(string(fieldportal.TaskDueLater), "Later", tp.Due), opt(string(fieldportal.TaskDueNone), "No due date", tp.Due)}}}}
	base := tp.values()
	if len(base) > 0 {
		view.Filter.ClearURL, view.Filtered = "/tasks", true
	}
	view.Table = tasksTable(list, v, f.Today)
	view.CSVURL = withQuery("/tasks.csv", base)
	if next != "" {
		nq := tp.values()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/tasks", nq)
	}
	if tp.After != "" {
		view.Pager.FirstURL = withQuery("/tasks", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "task", Many: "tasks"}
	if next == "" && tp.After == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, http.StatusOK, "tasks", view)
}

// handleTasksCSV downloads every task the filters select.
func (p *Portal) handleTasksCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleTasks)
	if !ok {
		return
	}
	_, f, err := readTaskParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	out := p.kit.CSV(w, r, "tasks.csv", "Subject", "Status", "Due", "Assignee", "Job")
	out.Finish(p.svc.Diary.EachTask(r.Context(), v, f, func(t *fieldportal.Task) error {
		row := newTaskRow(t, v, f.Today)
		return out.Row(t.Subject, row.Status, t.DueDate.String(), t.Assignee, row.Job)
	}))
}
