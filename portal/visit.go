package portal

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Visit status and feedback (issue 22): the technician's photo, and the
// rating of a done visit on the job page.

// technicianPhotoBase is where the portal serves the photos of the
// technicians of visits the contact can see.
const technicianPhotoBase = "/technicians/"

// feedbackNotice is what the job page says after a rating.
const feedbackNotice = "Thank you: your feedback was sent."

func (p *Portal) visitRoutes() {
	p.kit.Handle("GET /technicians/{id}/photo/{sha}", p.signedIn(p.handleTechnicianPhoto))
	p.kit.Handle("POST /jobs/{id}/feedback", p.signedIn(p.handleFeedback))
}

// handleTechnicianPhoto serves the photo of a technician of a visit the
// contact can see (any other is not found). The address holds the
// photo's hash, so a browser may keep it; privately, as it is a person's.
func (p *Portal) handleTechnicianPhoto(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	data, ctype, err := p.svc.Diary.FindTechnicianPhoto(r.Context(), v, r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "private, max-age=86400")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(data)
}

// feedbackPost is the rating form as it was posted, with its errors.
type feedbackPost struct {
	rating, comment string
	errs            web.FormErrors
}

// jobFeedback is the feedback section of a job page: nil when the
// organisation does not ask for feedback and none was given.
func (p *Portal) jobFeedback(r *http.Request, v fieldportal.Viewer, j *fieldportal.Job, fb *feedbackPost) (*web.FeedbackSection, error) {
	jf, err := p.svc.Diary.FindJobFeedback(r.Context(), v, j.ID)
	if err != nil {
		return nil, err
	}
	if !jf.Enabled && len(jf.Given) == 0 {
		return nil, nil
	}
	loc := web.OrgLocation(r)
	s := &web.FeedbackSection{}
	if r.URL.Query().Get("done") == "rated" {
		s.Notice = feedbackNotice
	}
	for _, f := range jf.Given {
		s.Given = append(s.Given, web.FeedbackGiven{Rating: f.Rating, Visit: "the visit by " + or(f.Technician, "the technician"),
			Comment: f.Comment, By: or(strings.TrimSpace(f.ContactName), "a contact"), When: web.FormatDate(f.CreatedAt.In(loc))})
	}
	if jf.Enabled && jf.CanRate && jf.Rateable != nil {
		a := jf.Rateable
		s.Action, s.AppointmentID = "/jobs/"+url.PathEscape(j.ID)+"/feedback", a.ID
		s.VisitLabel = "on " + a.StartsAt.In(loc).Format("Mon 2 Jan")
		if t := a.ShownTechnician(); t != "" {
			s.VisitLabel += " by " + t
		}
		if fb == nil {
			fb = &feedbackPost{errs: web.FormErrors{}}
		}
		s.FeedbackForm(fb.rating, fb.comment, fb.errs)
	} else if fb != nil {
		// Refused with no form left to show it on (the visit was rated
		// meanwhile): the reasons stand above the ratings.
		for _, e := range fb.errs.List() {
			s.Errors = append(s.Errors, fieldportal.FieldError{Message: e.Message})
		}
	}
	if !s.Form && len(s.Given) == 0 && len(s.Errors) == 0 {
		return nil, nil // nothing to rate or read: no section
	}
	return s, nil
}

// handleFeedback rates the job's done visit. A refused rating shows the
// page again with what was typed and the reason naming the field.
func (p *Portal) handleFeedback(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	if !p.kit.ParseForm(w, r) {
		return
	}
	fb := &feedbackPost{rating: strings.TrimSpace(r.PostForm.Get("rating")), comment: r.PostForm.Get("comment")}
	f := &fieldportal.VisitFeedback{JobID: id, AppointmentID: r.PostForm.Get("appointment_id"), Comment: fb.comment}
	var err error
	if fb.rating == "" {
		err = fieldportal.FieldErrorf("rating", "Choose a rating from 1 to 5.")
	} else if f.Rating, err = strconv.Atoi(fb.rating); err != nil {
		err = fieldportal.FieldErrorf("rating", "Rating must be a whole number from 1 to 5.")
	}
	if err == nil {
		err = p.svc.Diary.LeaveFeedback(r.Context(), v, f)
	}
	if web.IsFormError(err) && fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
		fb.errs = web.ErrorsOf(err)
		p.renderJobPage(w, r, web.StatusFor(fieldportal.ErrorCode(err)), id, "", nil, fb)
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/jobs/"+url.PathEscape(id)+"?done=rated#feedback-heading", http.StatusSeeOther)
}
