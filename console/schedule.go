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

// Scheduling a job (SPEC §5, issue 16 point 6): staff pick the
// technician, start and end in the organisation's zone; the store makes
// or moves the appointment under the technician's overlap rule, schedules
// the job and mails the customer's job contacts, in one transaction.

// scheduleRoutes registers the routes of this file.
func (c *Console) scheduleRoutes() {
	c.kit.Handle("GET /console/jobs/{id}/schedule", c.signedIn(c.handleScheduleForm))
	c.kit.Handle("POST /console/jobs/{id}/schedule", c.signedIn(c.handleSchedule))
}

// scheduleLayout is how the form reads and writes times: the browser's
// datetime-local value, in the organisation's zone.
const scheduleLayout = "2006-01-02T15:04"

// scheduleView is the form.
type scheduleView struct {
	web.Layout
	Job        *fieldportal.Job
	Details    []web.Detail
	Notice     string
	Summary    []fieldportal.FieldError
	Technician web.FieldView
	Start, End web.FieldView
	ZoneNote   string
}

// scheduleJob finds the job of the page; out of reach is not found.
func (c *Console) scheduleJob(w http.ResponseWriter, r *http.Request) (fieldportal.Viewer, *fieldportal.Job, bool) {
	v, _ := web.ViewerFromContext(r.Context())
	j, err := c.svc.Work.FindJobByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		err = web.NotFoundAs(err, "job")
		c.kit.Error(w, r, err)
		return v, nil, false
	}
	return v, j, true
}

// handleScheduleForm shows the form, filled with the job's schedule, or
// else the window the customer booked, or else its preferred date
// (morning or afternoon as the customer asked).
func (c *Console) handleScheduleForm(w http.ResponseWriter, r *http.Request) {
	_, j, ok := c.scheduleJob(w, r)
	if !ok {
		return
	}
	loc := web.OrgLocation(r)
	tech, start, end := j.Technician, "", ""
	switch {
	case !j.ScheduledStart.IsZero():
		start, end = j.ScheduledStart.In(loc).Format(scheduleLayout), j.ScheduledEnd.In(loc).Format(scheduleLayout)
	case !j.RequestedWindow.IsZero():
		start, end = j.RequestedWindow.Start.In(loc).Format(scheduleLayout), j.RequestedWindow.End.In(loc).Format(scheduleLayout)
	case !j.PreferredDate.IsZero():
		h := 9
		if j.PreferredWindow == "pm" {
			h = 13
		}
		s := time.Date(j.PreferredDate.Year, j.PreferredDate.Month, j.PreferredDate.Day, h, 0, 0, 0, loc)
		start, end = s.Format(scheduleLayout), s.Add(2*time.Hour).Format(scheduleLayout)
	}
	notice := ""
	if r.URL.Query().Get("done") == "scheduled" {
		notice = "Job " + j.Number + " is scheduled. " + scheduledMailNotice(r.URL.Query().Get("mailed"))
	}
	c.renderSchedule(w, r, http.StatusOK, j, tech, start, end, notice, nil)
}

// handleSchedule books the job in, or shows the form again with what
// failed and what was typed.
func (c *Console) handleSchedule(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, j, ok := c.scheduleJob(w, r)
	if !ok {
		return
	}
	loc := web.OrgLocation(r)
	tech, start, end := r.PostForm.Get("technician"), strings.TrimSpace(r.PostForm.Get("starts_at")), strings.TrimSpace(r.PostForm.Get("ends_at"))
	errs := web.FormErrors{}
	s := fieldportal.JobSchedule{JobID: j.ID, Technician: tech, PortalURL: c.kit.PortalURL(r)}
	for _, t := range []struct {
		field, value, label string
		to                  *time.Time
	}{{"starts_at", start, "Start", &s.Window.Start}, {"ends_at", end, "End", &s.Window.End}} {
		if t.value == "" {
			continue // the store says it is required
		}
		at, err := time.ParseInLocation(scheduleLayout, t.value, loc)
		if err != nil {
			errs[t.field] = t.label + " must be a date and time such as " + web.RequestTime(r).In(loc).Format("2006-01-02") + "T09:00."
			continue
		}
		*t.to = at
	}
	if !errs.Has() {
		_, mailed, err := c.svc.Work.ScheduleJob(r.Context(), v, s)
		switch fieldportal.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/console/jobs/"+url.PathEscape(j.ID)+"/schedule?done=scheduled&mailed="+strconv.Itoa(mailed), http.StatusSeeOther)
			return
		case fieldportal.EINVALID, fieldportal.ECONFLICT:
			errs = web.ErrorsOf(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	c.renderSchedule(w, r, http.StatusUnprocessableEntity, j, tech, start, end, "", errs)
}

func (c *Console) renderSchedule(w http.ResponseWriter, r *http.Request, status int, j *fieldportal.Job, tech, start, end, notice string, errs web.FormErrors) {
	loc := web.OrgLocation(r)
	view := scheduleView{Layout: c.layout(r, "Schedule job "+j.Number), Job: j, Notice: notice,
		Summary: errs.List("technician", "starts_at", "ends_at")}
	view.Details = []web.Detail{{Label: "Site", Value: j.SiteName}, {Label: "Stage", Value: j.Stage.Label()},
		{Label: "Kind", Value: j.Kind.Module().Label()}}
	if !j.PreferredDate.IsZero() {
		pref := j.PreferredDate.Format("Mon 2 Jan 2006")
		if !j.RequestedWindow.IsZero() {
			pref += ", " + j.RequestedWindow.Label(loc)
		} else if w := map[string]string{"am": "morning", "pm": "afternoon", "all_day": "all day"}[j.PreferredWindow]; w != "" {
			pref += ", " + w
		}
		view.Details = append(view.Details, web.Detail{Label: "Customer's preferred date", Value: pref})
	}
	if !j.ScheduledStart.IsZero() {
		view.Details = append(view.Details, web.Detail{Label: "Scheduled", Value: j.ScheduledStart.In(loc).Format("Mon 2 Jan 2006") + ", " +
			fieldportal.TimeWindow{Start: j.ScheduledStart, End: j.ScheduledEnd}.Label(loc) + " with " + j.Technician})
	}
	if strings.TrimSpace(j.Description) != "" {
		view.Details = append(view.Details, web.Detail{Label: "Description", Value: j.Description, Pre: true})
	}
	view.Technician = web.Field("technician", "Technician", "text", tech, "off", errs)
	view.Start = web.Field("starts_at", "Start", "datetime-local", start, "off", errs)
	view.End = web.Field("ends_at", "End", "datetime-local", end, "off", errs)
	view.ZoneNote = "Times are in " + loc.String() + "."
	c.pages.Render(w, r, status, "schedule", view)
}

// scheduledMailNotice says who was mailed the date and technician: mailed
// is the count the scheduling returned, carried in the address; anything
// but a number says nothing, so a crafted link cannot put words here.
func scheduledMailNotice(mailed string) string {
	n, err := strconv.Atoi(mailed)
	switch {
	case err != nil || n < 0:
		return ""
	case n == 0:
		return "None of its job contacts can open it in the portal, so nobody was mailed."
	case n == 1:
		return "Its job contact has been mailed the date and technician."
	}
	return strconv.Itoa(n) + " job contacts have been mailed the date and technician."
}
