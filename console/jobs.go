package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The staff side of jobs: the queue of bookings, and moving a job
// through its stages. Scheduling, with the overlap rule, is the schedule
// page's (/console/jobs/{id}/schedule), which a job's page links to.

// jobRoutes registers the routes of this file.
func (c *Console) jobRoutes() {
	c.kit.Handle("GET /console/jobs", c.signedIn(c.handleJobs))
	c.kit.Handle("GET /console/jobs/{id}", c.signedIn(c.handleJob))
	c.kit.Handle("POST /console/jobs/{id}/stage", c.signedIn(c.handleJobStage))
}

// bookingsShown is how many new bookings the queue's start shows above
// the list of every order; "Show every new booking" pages through them.
const bookingsShown = 20

// jobsView is the queue: the new bookings from the portal first, then
// every order, filtered.
type jobsView struct {
	web.Layout
	Filter web.FilterBar
	// Bookings are the newest pending bookings made in the portal, shown
	// above the list when nothing is filtered; MoreBookings links to all.
	Bookings     web.Table
	ShowBookings bool
	MoreBookings string
	Heading      string
	Table        web.Table
	Count        web.Count
	Pager        web.Pager
	Filtered     bool
}

// queueParams is the queue's query string.
type queueParams struct {
	Show, Kind, Search, After string
}

func (qp queueParams) values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"show", qp.Show}, {"kind", qp.Kind}, {"q", qp.Search}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// showOptions are the queue's views: the bookings, or orders by stage.
var showOptions = []web.CheckOption{{Value: "", Label: "Every order"}, {Value: "bookings", Label: "New bookings from the portal"}}

func init() {
	for _, s := range fieldportal.JobStages {
		showOptions = append(showOptions, web.CheckOption{Value: string(s), Label: s.Label()})
	}
}

// jobFilterOf turns the query string into the store's filter.
func jobFilterOf(qp queueParams) (fieldportal.JobFilter, error) {
	f := fieldportal.JobFilter{Page: fieldportal.Page{After: qp.After}, NumberSearch: qp.Search}
	switch qp.Kind {
	case "", string(fieldportal.JobService), string(fieldportal.JobInstall):
		f.Kind = fieldportal.JobKind(qp.Kind)
	default:
		return f, fieldportal.FieldErrorf("kind", "Kind must be service or install.")
	}
	switch qp.Show {
	case "":
	case "bookings":
		f.FromPortal = true
	default:
		stage := fieldportal.JobStage(qp.Show)
		if _, ok := stageIndex(stage); !ok {
			return f, fieldportal.FieldErrorf("show", "There is no “%s” stage.", qp.Show)
		}
		f.Stages = []fieldportal.JobStage{stage}
	}
	return f, nil
}

// stageIndex finds a stage among the stages.
func stageIndex(s fieldportal.JobStage) (int, bool) {
	for i, x := range fieldportal.JobStages {
		if x == s {
			return i, true
		}
	}
	return 0, false
}

func (c *Console) handleJobs(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	qp := queueParams{Show: q.Get("show"), Kind: q.Get("kind"), Search: strings.TrimSpace(q.Get("q")), After: q.Get("after")}
	f, err := jobFilterOf(qp)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	view := jobsView{Layout: c.layout(r, "Jobs"), Heading: "Every order", Filtered: qp.Show != "" || qp.Kind != "" || qp.Search != ""}
	if !view.Filtered && qp.After == "" {
		bookings, next, err := c.svc.Work.FindJobs(r.Context(), v, fieldportal.JobFilter{FromPortal: true, Page: fieldportal.Page{Limit: bookingsShown}})
		if err != nil {
			c.kit.Error(w, r, err)
			return
		}
		view.ShowBookings, view.Bookings = true, queueTable("New bookings from the portal", bookings, loc)
		if next != "" {
			view.MoreBookings = "/console/jobs?show=bookings"
		}
	}
	list, next, err := c.svc.Work.FindJobs(r.Context(), v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	if qp.Show == "bookings" {
		view.Heading = "New bookings from the portal"
	} else if s := fieldportal.JobStage(qp.Show); qp.Show != "" {
		view.Heading = s.Label() + " orders"
	}
	view.Table = queueTable(view.Heading, list, loc)
	view.Filter = web.FilterBar{Action: "/console/jobs", Label: "Filter orders", Filters: []web.Filter{
		{Name: "q", Label: "Search", Type: "search", Value: qp.Search, Hint: "Job or order number"},
		{Name: "show", Label: "Show", Type: "select", Options: checked(showOptions, qp.Show)},
		{Name: "kind", Label: "Kind", Type: "select", Options: checked([]web.CheckOption{{Value: "", Label: "Service and install"},
			{Value: "service", Label: "Service"}, {Value: "install", Label: "Install"}}, qp.Kind)},
	}}
	if view.Filtered {
		view.Filter.ClearURL = "/console/jobs"
	}
	if next != "" {
		nq := qp.values()
		nq.Set("after", next)
		view.Pager.NextURL = "/console/jobs?" + nq.Encode()
	}
	if qp.After != "" {
		view.Pager.FirstURL = withQuery("/console/jobs", qp.values())
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "order", Many: "orders"}
	if next == "" && qp.After == "" {
		view.Count.Total = len(list)
	}
	c.pages.Render(w, r, http.StatusOK, "jobs", view)
}

// checked marks the option whose value is v.
func checked(opts []web.CheckOption, v string) []web.CheckOption {
	out := make([]web.CheckOption, len(opts))
	for i, o := range opts {
		o.Checked = o.Value == v
		out[i] = o
	}
	return out
}

// withQuery joins a path and a query string.
func withQuery(path string, q url.Values) string {
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

// stageTones colours a stage's badge.
var stageTones = map[fieldportal.JobStage]string{
	fieldportal.StagePending: "warning", fieldportal.StageScheduled: "info", fieldportal.StageInProgress: "info",
	fieldportal.StageComplete: "success",
}

// kindLabel is a job's kind in words.
func kindLabel(k fieldportal.JobKind) string {
	if k == fieldportal.JobInstall {
		return "Install"
	}
	return "Service"
}

// queueTable lays out orders for staff.
func queueTable(caption string, jobs []*fieldportal.Job, loc *time.Location) web.Table {
	t := web.Table{Caption: caption, Columns: []web.Column{{Label: "Job"}, {Label: "Kind"}, {Label: "Site"}, {Label: "Order no."},
		{Label: "Stage"}, {Label: "Booked"}, {Label: "Scheduled"}}}
	for _, j := range jobs {
		sched := ""
		if !j.ScheduledStart.IsZero() {
			sched = web.FormatDateTime(j.ScheduledStart.In(loc))
		}
		t.Rows = append(t.Rows, []web.Cell{web.LinkCell(j.Number, "/console/jobs/"+url.PathEscape(j.ID)), web.TextCell(kindLabel(j.Kind)),
			web.TextCell(j.SiteName), web.TextCell(j.OrderNo), web.BadgeCell(j.Stage.Label(), stageTones[j.Stage]),
			web.DateCell(j.CreatedAt.In(loc)), web.TextCell(sched)})
	}
	return t
}

// jobView is one order for staff, with the form that moves its stage.
type jobView struct {
	web.Layout
	Header       web.RecordHeader
	Job          *fieldportal.Job
	Details      []web.Detail
	Items        web.Table
	History      []historyRow
	Appointments []string
	// Visits link each appointment to its visit status form (visit.go).
	Visits []visitLink
	Notice string
	Errors []fieldportal.FieldError
	Stage  web.SelectView
	Note   web.FieldView
	// CanMove is false for a job no move leads from (archived).
	CanMove bool
	// Report is the job's visit report; nil for none.
	Report *web.VisitReportView
}

// historyRow is one stage change.
type historyRow struct {
	At               time.Time
	When, Text, Note string
}

// jobNotices are the messages after an action (?done=).
var jobNotices = map[string]string{"moved": "The order's stage has been changed."}

func (c *Console) handleJob(w http.ResponseWriter, r *http.Request) {
	c.renderJob(w, r, http.StatusOK, nil, web.FormErrors{})
}

// renderJob shows a job; typed is the posted form to keep after a
// failure (nil: an empty form).
func (c *Console) renderJob(w http.ResponseWriter, r *http.Request, status int, typed url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	j, err := c.svc.Work.FindJobByID(ctx, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	history, err := c.svc.Work.FindJobHistory(ctx, v, j.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	appts, _, err := c.svc.Diary.FindAppointments(ctx, v, fieldportal.AppointmentFilter{JobID: j.ID, Page: fieldportal.Page{Limit: 100}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	org := web.OrganisationFromContext(ctx)
	title := kindLabel(j.Kind) + " order " + j.Number
	id := url.PathEscape(j.ID)
	view := jobView{Layout: c.layout(r, title), Job: j, Notice: jobNotices[r.URL.Query().Get("done")],
		Errors: errs.List("stage", "note")}
	view.Header = web.RecordHeader{BackURL: "/console/jobs", BackLabel: "Jobs", Title: title, Subtitle: j.SiteName,
		Badges: []web.Badge{{Text: j.Stage.Label(), Tone: stageTones[j.Stage]}},
		Actions: []web.Action{{Label: "Schedule", URL: "/console/jobs/" + id + "/schedule"},
			{Label: "Raise invoice", URL: "/console/jobs/" + id + "/invoice", Style: "secondary"},
			{Label: "Documents", URL: documentsURL("job", j.ID), Style: "secondary"}}}
	scheduled, preferred := "Not scheduled", "None"
	if !j.ScheduledStart.IsZero() {
		scheduled = web.FormatDateTime(j.ScheduledStart.In(loc))
		if !j.ScheduledEnd.IsZero() {
			scheduled += " to " + web.FormatDateTime(j.ScheduledEnd.In(loc))
		}
	}
	if !j.PreferredDate.IsZero() {
		preferred = web.FormatDate(j.PreferredDate.Time()) + map[string]string{"am": ", morning", "pm": ", afternoon", "all_day": ", all day"}[j.PreferredWindow]
	}
	from := "Staff or the back office"
	if j.CreatedInPortal {
		from = "Booked in the portal"
	}
	view.Details = []web.Detail{{Label: "Site", Value: j.SiteName}, {Label: "Order no.", Value: orNone(j.OrderNo)},
		{Label: "Preferred date", Value: preferred}, {Label: "Scheduled", Value: scheduled},
		{Label: "Technician", Value: orNone(j.Technician)}, {Label: "Made by", Value: from},
		{Label: "Description", Value: orNone(j.Description), Pre: true}}
	if err := c.depositDetails(r, v, &view.Details, fieldportal.DepositFilter{JobID: j.ID}); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view.Items = web.Table{Caption: "Items", Columns: []web.Column{{Label: "Item"}, {Label: "Quantity", Numeric: true},
		{Label: "Unit price", Numeric: true}, {Label: "Total", Numeric: true}}}
	for _, it := range j.Items {
		view.Items.Rows = append(view.Items.Rows, []web.Cell{{Text: strings.TrimSpace(it.Code + " " + it.Description), Header: true},
			web.TextCell(strconv.FormatInt(it.Quantity, 10)), web.MoneyCell(org.Currency, it.UnitPrice), web.MoneyCell(org.Currency, it.Total)})
	}
	for _, h := range history {
		text := h.To.Label()
		if h.From != "" {
			text = h.From.Label() + " → " + h.To.Label()
		}
		view.History = append(view.History, historyRow{At: h.At.In(loc), When: web.FormatDateTime(h.At.In(loc)), Text: text + " by " + h.By, Note: h.Note})
	}
	view.Visits = visitLinks(appts, loc)
	for _, a := range appts {
		view.Appointments = append(view.Appointments, web.FormatDateTime(a.StartsAt.In(loc))+" to "+web.FormatDateTime(a.EndsAt.In(loc))+
			" – "+orNone(a.Technician))
	}
	next := j.Stage.NextStages()
	view.CanMove = len(next) > 0
	chosen := typed.Get("stage")
	view.Stage = web.SelectView{FieldView: web.Field("stage", "Move to", "select", chosen, "", errs)}
	view.Stage.Options = []web.CheckOption{{Value: "", Label: "Choose a stage"}}
	for _, s := range next {
		view.Stage.Options = append(view.Stage.Options, web.CheckOption{Value: string(s), Label: s.Label(), Checked: string(s) == chosen})
	}
	view.Note = web.Field("note", "Note", "textarea", typed.Get("note"), "", errs).Optional()
	view.Note.Hint = "Shown in the order's history, also to the customer."
	if view.Report, err = c.visitReportView(r, v, j); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, status, "job", view)
}

// orNone is s, or "None" when it is blank.
func orNone(s string) string {
	if strings.TrimSpace(s) == "" {
		return "None"
	}
	return s
}

// handleJobStage moves a job to another stage; a refused move shows the
// page again with the reason and what was typed.
func (c *Console) handleJobStage(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	_, err := c.svc.Work.MoveJobStage(r.Context(), v, fieldportal.JobStageMove{JobID: id,
		To: fieldportal.JobStage(r.PostForm.Get("stage")), Note: strings.TrimSpace(r.PostForm.Get("note"))})
	if web.IsFormError(err) {
		c.renderJob(w, r, web.StatusFor(fieldportal.ErrorCode(err)), r.PostForm, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/jobs/"+url.PathEscape(id)+"?done=moved", http.StatusSeeOther)
}
