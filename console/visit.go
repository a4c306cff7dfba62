package console

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Visit status (issue 22): staff set where a visit stands, its expected
// arrival and the staff user who is its technician; the store checks the
// move, mails the job contacts on the first "on the way" and tells the
// webhooks.

func (c *Console) visitRoutes() {
	c.kit.Handle("GET /console/appointments/{id}/visit", c.signedIn(c.handleVisitForm))
	c.kit.Handle("POST /console/appointments/{id}/visit", c.signedIn(c.handleVisit))
	c.kit.Handle("GET /console/feedback", c.signedIn(c.handleFeedback))
	c.kit.Handle("GET /console/staff/{id}/photo/{sha}", c.signedIn(c.handleStaffPhoto))
	c.kit.Handle("POST /console/staff/{id}/profile", c.signedIn(c.handleStaffProfile))
}

// visitLink is an appointment of the console's job page, linking to its
// visit status form.
type visitLink struct{ Label, URL string }

// visitLinks are the links of a job's appointments.
func visitLinks(appts []*fieldportal.Appointment, loc *time.Location) []visitLink {
	var out []visitLink
	for _, a := range appts {
		out = append(out, visitLink{Label: a.StartsAt.In(loc).Format("2 Jan 15:04") + ": " + a.Status.Label(),
			URL: "/console/appointments/" + url.PathEscape(a.ID) + "/visit"})
	}
	return out
}

// visitView is the visit status form.
type visitView struct {
	web.Layout
	Action     string
	BackURL    string
	Details    []web.Detail
	Notice     string
	Summary    []fieldportal.FieldError
	Status     web.SelectView
	ETA        web.FieldView
	Technician web.SelectView
}

func (c *Console) handleVisitForm(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	a, err := c.svc.Diary.FindAppointmentByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "appointment"))
		return
	}
	eta := ""
	if !a.ETA.IsZero() {
		eta = a.ETA.In(web.OrgLocation(r)).Format(scheduleLayout)
	}
	notice := ""
	if r.URL.Query().Get("done") == "saved" {
		notice = "The visit is now " + strings.ToLower(a.Status.Label()) + "."
	}
	c.renderVisit(w, r, http.StatusOK, a, string(a.Status), eta, a.TechnicianStaffID, notice, nil)
}

func (c *Console) handleVisit(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	a, err := c.svc.Diary.FindAppointmentByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "appointment"))
		return
	}
	status, eta, tech := r.PostForm.Get("status"), strings.TrimSpace(r.PostForm.Get("eta")), r.PostForm.Get("technician_staff_id")
	errs := web.FormErrors{}
	a.Status, a.ETA, a.TechnicianStaffID = fieldportal.VisitStatus(status), time.Time{}, tech
	if !a.Status.Valid() {
		errs["status"] = "Choose the visit's status."
	}
	if eta != "" {
		at, err := time.ParseInLocation(scheduleLayout, eta, web.OrgLocation(r))
		if err != nil {
			errs["eta"] = "Expected arrival must be a date and time such as " + web.RequestTime(r).In(web.OrgLocation(r)).Format("2006-01-02") + "T09:00."
		}
		a.ETA = at
	}
	if !errs.Has() {
		err := c.svc.Diary.UpdateAppointment(r.Context(), v, a)
		switch fieldportal.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/console/appointments/"+url.PathEscape(a.ID)+"/visit?done=saved", http.StatusSeeOther)
			return
		case fieldportal.EINVALID, fieldportal.ECONFLICT:
			errs = web.ErrorsOf(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	old, err := c.svc.Diary.FindAppointmentByID(r.Context(), v, a.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.renderVisit(w, r, http.StatusUnprocessableEntity, old, status, eta, tech, "", errs)
}

func (c *Console) renderVisit(w http.ResponseWriter, r *http.Request, code int, a *fieldportal.Appointment, status, eta, tech, notice string, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	loc := web.OrgLocation(r)
	view := visitView{Layout: c.layout(r, "Visit status"), Action: "/console/appointments/" + url.PathEscape(a.ID) + "/visit",
		BackURL: "/console", Notice: notice, Summary: errs.List("status", "eta", "technician_staff_id")}
	if a.JobID != "" {
		view.BackURL = "/console/jobs/" + url.PathEscape(a.JobID)
	}
	ref := "None"
	if a.JobNumber != "" {
		ref = "Job " + a.JobNumber
	} else if a.QuoteNumber != "" {
		ref = "Quote " + a.QuoteNumber
	}
	view.Details = []web.Detail{{Label: "When", Value: web.FormatDateTime(a.StartsAt.In(loc)) + " to " + web.FormatDateTime(a.EndsAt.In(loc))},
		{Label: "Site", Value: a.SiteName}, {Label: "For", Value: ref}, {Label: "Technician", Value: orNone(a.ShownTechnician())},
		{Label: "Status now", Value: a.Status.Label()}}
	view.Status = web.SelectView{FieldView: web.Field("status", "Status", "select", status, "off", errs)}
	view.Status.Hint = "A visit moves scheduled, on the way, on site, done. The first time it is on the way, the site's job contacts are mailed."
	for _, s := range fieldportal.VisitStatuses {
		view.Status.Options = append(view.Status.Options, web.CheckOption{Value: string(s), Label: s.Label(), Checked: string(s) == status})
	}
	view.ETA = web.Field("eta", "Expected arrival", "datetime-local", eta, "off", errs).Optional()
	view.ETA.Hint = "Required when the technician is on the way. In the organisation's time zone (" + loc.String() + ")."
	view.Technician = web.SelectView{FieldView: web.Field("technician_staff_id", "Technician's staff account", "select", tech, "off", errs).Optional()}
	view.Technician.Hint = "The customer sees this person's display name and photo."
	view.Technician.Options = []web.CheckOption{{Value: "", Label: "None (the technician's name only)", Checked: tech == ""}}
	if staff, err := c.svc.Staff.FindStaffUsers(r.Context(), v); err == nil {
		for _, u := range staff {
			if !u.Disabled {
				view.Technician.Options = append(view.Technician.Options, web.CheckOption{Value: u.ID, Label: u.ShownName() + " (" + u.Email + ")", Checked: u.ID == tech})
			}
		}
	}
	c.pages.Render(w, r, code, "visit", view)
}

// staffProfileForm is My account's profile form for u, taking its errors
// (display_name, photo) out of errs and keeping the typed display name of
// a refused post; the rest of errs is the password form's.
func staffProfileForm(r *http.Request, u *fieldportal.StaffUser, errs web.FormErrors) (*web.StaffProfileForm, web.FormErrors) {
	mine, rest := web.FormErrors{}, web.FormErrors{}
	for k, m := range errs {
		if k == "display_name" || k == "photo" {
			mine[k] = m
		} else {
			rest[k] = m
		}
	}
	typed := u.DisplayName
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/profile") {
		typed = r.PostForm.Get("display_name")
	}
	f := &web.StaffProfileForm{Action: "/console/staff/" + url.PathEscape(u.ID) + "/profile", PhotoError: mine["photo"],
		DisplayName: web.Field("display_name", "Display name", "text", typed, "nickname", mine).Optional(), Errors: mine.List("display_name", "photo")}
	f.DisplayName.Hint = "The name customers see, such as your first name; empty shows " + u.Name + "."
	if u.Photo != "" {
		f.PhotoURL = "/console/staff/" + url.PathEscape(u.ID) + "/photo/" + url.PathEscape(u.Photo)
	}
	return f, rest
}

// handleStaffPhoto serves a staff user's photo to the organisation's staff.
func (c *Console) handleStaffPhoto(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	data, ctype, err := c.svc.Staff.FindStaffPhoto(r.Context(), v, r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Write(data)
}

// handleStaffProfile saves the display name and photo of the staff user
// (one's own on My account; the store lets an admin change anyone's). The
// photo is checked as the logo is: by content, PNG or JPEG that decodes,
// at most 512 KB and 2000 by 2000 pixels.
func (c *Console) handleStaffProfile(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	fail := func(err error) {
		if web.IsFormError(err) && fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
			c.renderAccount(w, r, web.StatusFor(fieldportal.ErrorCode(err)), "", web.ErrorsOf(err))
			return
		}
		c.kit.Error(w, r, err)
	}
	if err := c.kit.ParseMultipartForm(w, r, fieldportal.StaffPhotoMax+64<<10, "The photo must be at most 512 KB."); err != nil {
		fail(fieldportal.FieldErrorf("photo", "%s", fieldportal.ErrorMessage(err)))
		return
	}
	p := fieldportal.StaffProfile{StaffID: r.PathValue("id"), DisplayName: r.PostForm.Get("display_name"),
		RemovePhoto: r.PostForm.Get("action") == "remove_photo"}
	if file, hdr, err := r.FormFile("photo"); err == nil && !p.RemovePhoto && hdr.Size > 0 {
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, fieldportal.StaffPhotoMax+1))
		switch {
		case err != nil:
			fail(fieldportal.FieldErrorf("photo", "The upload could not be read; choose the file again."))
			return
		case len(data) > fieldportal.StaffPhotoMax:
			fail(fieldportal.FieldErrorf("photo", "The photo must be at most 512 KB."))
			return
		}
		ctype, ok := logoType(data)
		if !ok {
			fail(fieldportal.FieldErrorf("photo", "The photo must be a PNG or JPEG image of at most 2000 by 2000 pixels."))
			return
		}
		p.Photo, p.PhotoType = data, ctype
	}
	if err := c.svc.Staff.SetStaffProfile(r.Context(), v, p); err != nil {
		fail(err)
		return
	}
	if p.StaffID == v.StaffID {
		http.Redirect(w, r, "/console/account?done=profile", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/staff", http.StatusSeeOther)
}

// feedbackView is the ratings page: the averages per technician and per
// site, and the ratings newest first, a page at a time.
type feedbackView struct {
	web.Layout
	Summary     []web.Detail
	Technicians web.Table
	Sites       web.Table
	Ratings     web.Table
	Pager       web.Pager
	FilterNote  string
	ClearURL    string
	FeedbackOff bool
}

// handleFeedback shows the ratings customers gave visits, filtered to a
// technician or a site from the averages' links.
func (c *Console) handleFeedback(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	f := fieldportal.FeedbackFilter{Page: fieldportal.Page{After: q.Get("after")}, Technician: q.Get("technician"),
		TechnicianStaffID: q.Get("technician_staff_id"), SiteID: q.Get("site_id")}
	sum, err := c.svc.Diary.SummariseFeedback(r.Context(), v)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	list, next, err := c.svc.Diary.FindFeedback(r.Context(), v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	view := feedbackView{Layout: c.layout(r, "Visit feedback")}
	if st, err := c.kit.Settings(r); err == nil {
		view.FeedbackOff = st.FeedbackOff
	}
	avg := func(a float64) string { return strconv.FormatFloat(a, 'f', 1, 64) + " out of 5" }
	view.Summary = []web.Detail{{Label: "Ratings", Value: strconv.Itoa(sum.Count)}, {Label: "Average", Value: avg(sum.Average)}}
	view.Technicians = web.Table{Caption: "Average per technician", Columns: []web.Column{{Label: "Technician"}, {Label: "Ratings"}, {Label: "Average"}}}
	names := map[string]int{}
	for _, a := range sum.ByTechnician {
		names[a.Name]++
	}
	techName := "" // the filtered technician's, when among the averages
	for _, a := range sum.ByTechnician {
		name, link := orNone(a.Name), url.Values{"technician": {a.Key}}
		if a.StaffID != "" {
			link = url.Values{"technician_staff_id": {a.StaffID}}
			if names[a.Name] > 1 {
				// Two staff users shown by the same name.
				name += " (" + a.Email + ")"
			}
			if a.StaffID == f.TechnicianStaffID {
				techName = a.Name
			}
		}
		cell := web.LinkCell(name, "/console/feedback?"+link.Encode())
		if a.StaffID == "" && a.Key == "" {
			cell = web.TextCell(name) // visits that named no technician: nothing to filter by
		}
		view.Technicians.Rows = append(view.Technicians.Rows, []web.Cell{cell, web.TextCell(strconv.Itoa(a.Count)), web.TextCell(avg(a.Average))})
	}
	view.Sites = web.Table{Caption: "Average per site", Columns: []web.Column{{Label: "Site"}, {Label: "Ratings"}, {Label: "Average"}}}
	for _, a := range sum.BySite {
		view.Sites.Rows = append(view.Sites.Rows, []web.Cell{web.LinkCell(orNone(a.Name), "/console/feedback?"+url.Values{"site_id": {a.Key}}.Encode()),
			web.TextCell(strconv.Itoa(a.Count)), web.TextCell(avg(a.Average))})
	}
	view.Ratings = web.Table{Caption: "Ratings, newest first", Columns: []web.Column{{Label: "Job"}, {Label: "Rating"}, {Label: "Comment"},
		{Label: "Technician"}, {Label: "Site"}, {Label: "By"}, {Label: "Date"}}}
	for _, x := range list {
		view.Ratings.Rows = append(view.Ratings.Rows, []web.Cell{web.LinkCell(orNone(x.JobNumber), "/console/jobs/"+url.PathEscape(x.JobID)),
			web.TextCell(strconv.Itoa(x.Rating) + " out of 5"), web.TextCell(x.Comment), web.TextCell(orNone(x.Technician)),
			web.TextCell(x.SiteName), web.TextCell(orNone(strings.TrimSpace(x.ContactName))), web.DateCell(x.CreatedAt.In(loc))})
	}
	base := url.Values{}
	switch {
	case f.TechnicianStaffID != "":
		base.Set("technician_staff_id", f.TechnicianStaffID)
		if techName == "" && len(list) > 0 {
			techName = list[0].Technician
		}
		if techName == "" {
			techName = "one technician"
		}
		view.FilterNote = "Showing the ratings of " + techName + "."
	case f.Technician != "":
		base.Set("technician", f.Technician)
		view.FilterNote = "Showing the ratings of " + f.Technician + "."
	case f.SiteID != "":
		base.Set("site_id", f.SiteID)
		view.FilterNote = "Showing the ratings of one site."
	}
	if view.FilterNote != "" {
		view.ClearURL = "/console/feedback"
	}
	if next != "" {
		nq := url.Values{}
		for k, vs := range base {
			nq[k] = vs
		}
		nq.Set("after", next)
		view.Pager.NextURL = "/console/feedback?" + nq.Encode()
	}
	if f.After != "" {
		view.Pager.FirstURL = "/console/feedback"
		if len(base) > 0 {
			view.Pager.FirstURL += "?" + base.Encode()
		}
	}
	c.pages.Render(w, r, http.StatusOK, "feedback", view)
}
