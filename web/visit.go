package web

import (
	"net/url"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Visit is a visit's status as the customer sees it (issue 22), for the
// kit's "visitStatus" component: on the dashboard, the diary and the job.
type Visit struct {
	Label, Tone string
	Technician  string
	// PhotoURL is the technician's photo ("" none).
	PhotoURL string
	// ETA is the expected arrival in the organisation's zone, while on
	// the way ("" otherwise).
	ETA, ETADatetime string
}

// VisitOf is the visit of an appointment, times in loc; the photo is
// served under photoBase (the portal's "/technicians/"). now is the
// request's time (RequestTime): an ETA of that day in loc shows as a time
// alone, any other with its day.
func VisitOf(a *fieldportal.Appointment, loc *time.Location, now time.Time, photoBase string) *Visit {
	v := &Visit{Label: a.Status.Label(), Tone: visitTone(a.Status), Technician: a.ShownTechnician()}
	if a.TechnicianPhoto != "" && a.TechnicianStaffID != "" && photoBase != "" {
		v.PhotoURL = photoBase + url.PathEscape(a.TechnicianStaffID) + "/photo/" + url.PathEscape(a.TechnicianPhoto)
	}
	if a.Status == fieldportal.VisitOnTheWay && !a.ETA.IsZero() {
		at := a.ETA.In(loc)
		v.ETA, v.ETADatetime = at.Format("15:04"), at.Format("2006-01-02T15:04")
		if now := now.In(loc); at.YearDay() != now.YearDay() || at.Year() != now.Year() {
			v.ETA = at.Format("Mon 2 Jan, 15:04")
		}
	}
	return v
}

// visitTone is the badge colour of a status.
func visitTone(s fieldportal.VisitStatus) string {
	switch s {
	case fieldportal.VisitOnTheWay:
		return "info"
	case fieldportal.VisitOnSite:
		return "warning"
	case fieldportal.VisitDone:
		return "success"
	case fieldportal.VisitCancelled:
		return "danger"
	}
	return "neutral"
}

// FeedbackSection is the "visitFeedback" component's data.
type FeedbackSection struct {
	Notice string
	Given  []FeedbackGiven
	// Form shows the rating form for the visit AppointmentID, posting to
	// Action, with what was typed and its errors.
	Form                              bool
	Action, AppointmentID, VisitLabel string
	Rating                            Choices
	Comment                           FieldView
	Errors                            []fieldportal.FieldError
}

// FeedbackGiven is a rating shown on the job page.
type FeedbackGiven struct {
	Rating                   int
	Visit, Comment, By, When string
}

// FeedbackForm fills s's form: the rating as five radio buttons and the
// comment, keeping what was typed (rating, comment) and errs.
func (s *FeedbackSection) FeedbackForm(rating, comment string, errs FormErrors) {
	s.Form = true
	s.Rating = Choices{Name: "rating", Legend: "Your rating", Type: "radio", Error: errs["rating"],
		Hint: "1 is poor, 5 is excellent."}
	for _, n := range []string{"5", "4", "3", "2", "1"} {
		label := n + " out of 5"
		s.Rating.Options = append(s.Rating.Options, CheckOption{Value: n, Label: label, Checked: n == rating})
	}
	s.Comment = Field("comment", "Comment", "textarea", comment, "off", errs).Optional()
	s.Errors = errs.List("rating", "comment")
}

// StaffProfileForm is the "staffProfile" component's data.
type StaffProfileForm struct {
	Action, PhotoURL, PhotoError string
	DisplayName                  FieldView
	Errors                       []fieldportal.FieldError
}
