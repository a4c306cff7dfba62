package api

import (
	"time"

	"github.com/fieldportal/fieldportal"
)

// Feedback is a customer's rating of a done visit as the feedback.received
// webhook carries it (issue 22).
type Feedback struct {
	ID                string    `json:"id"`
	AppointmentID     string    `json:"appointment_id"`
	JobID             string    `json:"job_id"`
	CustomerID        string    `json:"customer_id"`
	SiteID            string    `json:"site_id"`
	ContactID         *string   `json:"contact_id"`
	Technician        string    `json:"technician"`
	TechnicianStaffID *string   `json:"technician_staff_id"`
	Rating            int       `json:"rating"`
	Comment           string    `json:"comment"`
	CreatedAt         time.Time `json:"created_at"`
}

// ShowFeedback is the API's representation of a rating.
func ShowFeedback(f *fieldportal.VisitFeedback) Feedback {
	return Feedback{ID: f.ID, AppointmentID: f.AppointmentID, JobID: f.JobID, CustomerID: f.CustomerID, SiteID: f.SiteID,
		ContactID: optional(f.ContactID), Technician: f.Technician, TechnicianStaffID: optional(f.TechnicianID),
		Rating: f.Rating, Comment: f.Comment, CreatedAt: f.CreatedAt.UTC()}
}
