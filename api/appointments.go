package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Appointment is a diary appointment as the API shows it: a technician's
// time at a site, for a job or a quote.
type Appointment struct {
	ID                    string     `json:"id"`
	ExternalID            *string    `json:"external_id" doc:"The back office's own id; null when none."`
	CustomerID            string     `json:"customer_id" doc:"The customer of the appointment's site."`
	SiteID                string     `json:"site_id"`
	JobID                 *string    `json:"job_id" doc:"The job the visit is for; null when none."`
	QuoteID               *string    `json:"quote_id" doc:"The quote the visit is for; null when none."`
	StartsAt              time.Time  `json:"starts_at"`
	EndsAt                time.Time  `json:"ends_at"`
	Technician            string     `json:"technician"`
	Description           string     `json:"description"`
	Status                string     `json:"status" doc:"Where the visit stands: scheduled, on_the_way, on_site, done or cancelled."`
	ETA                   *time.Time `json:"eta" doc:"The technician's expected arrival while on_the_way; null otherwise."`
	TechnicianStaffID     *string    `json:"technician_staff_id" doc:"The staff user who is the technician, whose display name and photo the customer sees; null when none."`
	TechnicianDisplayName string     `json:"technician_display_name" doc:"The technician's name as the customer sees it: the linked staff user's display name, else technician."`
	CreatedAt             time.Time  `json:"created_at"`
	UpdatedAt             time.Time  `json:"updated_at"`
}

// AppointmentInput is the body of an appointment's create, update (only
// the fields sent) or upsert. The job and the quote are given by id or by
// external id and must be at the appointment's site; the site, when left
// out, is the job's or else the quote's.
type AppointmentInput struct {
	ExternalID        string `json:"external_id"`
	SiteID            string `json:"site_id"`
	SiteExternalID    string `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	JobID             string `json:"job_id"`
	JobExternalID     string `json:"job_external_id" doc:"The job by the back office's id, instead of job_id."`
	QuoteID           string `json:"quote_id"`
	QuoteExternalID   string `json:"quote_external_id" doc:"The quote by the back office's id, instead of quote_id."`
	StartsAt          string `json:"starts_at" doc:"RFC 3339."`
	EndsAt            string `json:"ends_at" doc:"RFC 3339; after starts_at."`
	Technician        string `json:"technician" doc:"Unless the organisation allows overlaps, a POST or PATCH that clashes with another appointment of the technician is refused (409); a PUT by external id is the back office's diary and is not."`
	Description       string `json:"description"`
	Status            string `json:"status" doc:"scheduled, on_the_way, on_site, done or cancelled. A visit moves scheduled -> on_the_way -> on_site -> done; on_the_way may be skipped, sent again with a new eta, or go back to scheduled; on_site may end cancelled; a cancelled visit may be scheduled again; done is final. Any other move is refused (422 naming status). The first on_the_way of a visit for a job mails the site's job contacts once; every change sends appointment.status_changed."`
	ETA               string `json:"eta" doc:"RFC 3339: the expected arrival, required with status on_the_way and cleared by any other status."`
	TechnicianStaffID string `json:"technician_staff_id" doc:"Links the visit to a staff user (by id); empty unlinks it."`
	TechnicianEmail   string `json:"technician_email" doc:"Links the visit to the staff user of this email, instead of technician_staff_id (422 naming the field when none has it). With technician left empty, the staff user's name is taken."`
}

func init() {
	typeDocs[reflect.TypeFor[Appointment]()] = "A technician's visit to a site in the diary, for a job or a quote."
}

// ShowAppointment is the API's representation of an appointment.
func ShowAppointment(x *fieldportal.Appointment) Appointment {
	return Appointment{ID: x.ID, ExternalID: optional(x.ExternalID), CustomerID: x.CustomerID, SiteID: x.SiteID,
		JobID: optional(x.JobID), QuoteID: optional(x.QuoteID), StartsAt: x.StartsAt.UTC(), EndsAt: x.EndsAt.UTC(),
		Technician: x.Technician, Description: x.Description, CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC(),
		Status: string(x.Status), TechnicianStaffID: optional(x.TechnicianStaffID), TechnicianDisplayName: x.ShownTechnician(),
		ETA: optionalTime(x.ETA)}
}

// appointmentRoutes serve appointments; a POST books through the
// console's store method, so the diary's overlap rule applies as when the
// office books it.
func (a *API) appointmentRoutes() []route {
	res := &resource[fieldportal.Appointment, Appointment, AppointmentInput]{api: a,
		Path: "/appointments", Tag: "appointments", Singular: "Appointment", Plural: "Appointments",
		ListSummary: "List appointments in start order",
		Filters: []param{filter("site_id", "Only the appointments at this site."),
			filter("job_id", "Only the appointments for this job."),
			{Name: "from", Desc: "Only the appointments that end after this time (RFC 3339).",
				Schema: map[string]any{"type": "string", "format": "date-time"}},
			{Name: "to", Desc: "Only the appointments that start before this time (RFC 3339).",
				Schema: map[string]any{"type": "string", "format": "date-time"}},
			filter("technician", "Only this technician's appointments."),
			filter("external_id", "Only the appointment of this back-office id.")},
		Show:           func(_ *http.Request, x *fieldportal.Appointment) Appointment { return ShowAppointment(x) },
		UpdatedAt:      func(x *fieldportal.Appointment) time.Time { return x.UpdatedAt },
		ID:             func(x *fieldportal.Appointment) string { return x.ID },
		List:           a.listAppointments,
		Find:           a.svc.Diary.FindAppointmentByID,
		ByExternalID:   a.appointmentByExternalID,
		Fill:           a.fillAppointment,
		ExternalID:     func(in *AppointmentInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(x *fieldportal.Appointment, at time.Time) { x.IfUpdatedAt = at },
		Create:         a.svc.Diary.CreateAppointment,
		Update:         a.svc.Diary.UpdateAppointment,
		Upsert:         a.svc.Diary.UpsertAppointmentByExternalID,
		Delete:         a.svc.Diary.DeleteAppointment,
		Kind:           fieldportal.KindAppointment,
	}
	rts := res.routes()
	res.op(rts, http.MethodPost).Summary = "Book an appointment"
	return rts
}

// listAppointments reads a page of appointments, reading the times of
// the from and to filters.
func (a *API) listAppointments(r *http.Request, lq listQuery) ([]*fieldportal.Appointment, string, error) {
	f := fieldportal.AppointmentFilter{Page: lq.Page, UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"],
		JobID: lq.Filters["job_id"], Technician: lq.Filters["technician"], ExternalID: lq.Filters["external_id"]}
	var fails []fieldportal.FieldError
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if s, ok := lq.Filters[t.name]; ok {
			at, err := time.Parse(time.RFC3339, s)
			if err != nil {
				fails = append(fails, fieldportal.FieldError{Field: t.name,
					Message: t.name + " must be a time in RFC 3339, such as 2026-01-31T09:00:00Z."})
			}
			*t.dst = at
		}
	}
	if len(fails) > 0 {
		return nil, "", badRequest(fails...)
	}
	return a.svc.Diary.FindAppointments(r.Context(), viewer(r), f)
}

// appointmentByExternalID is the viewer's appointment with the back
// office's id ext, nil when none.
func (a *API) appointmentByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Appointment, error) {
	return firstByExternalID(func() ([]*fieldportal.Appointment, string, error) {
		return a.svc.Diary.FindAppointments(ctx, v, fieldportal.AppointmentFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}

// fillAppointment copies the sent fields of in onto x (all of them for a
// nil sn), reading the times and resolving the site, job and quote given
// by external id; a site left out is the job's or the quote's.
func (a *API) fillAppointment(r *http.Request, x *fieldportal.Appointment, in AppointmentInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&x.ExternalID, &in.ExternalID}, "site_id": {&x.SiteID, &in.SiteID},
		"job_id": {&x.JobID, &in.JobID}, "quote_id": {&x.QuoteID, &in.QuoteID},
		"technician": {&x.Technician, &in.Technician}, "description": {&x.Description, &in.Description},
		"technician_staff_id": {&x.TechnicianStaffID, &in.TechnicianStaffID}, "technician_email": {&x.TechnicianEmail, &in.TechnicianEmail},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	var bad fieldportal.Validation
	readTime(&bad, sn, "starts_at", in.StartsAt, &x.StartsAt)
	readTime(&bad, sn, "ends_at", in.EndsAt, &x.EndsAt)
	readTime(&bad, sn, "eta", in.ETA, &x.ETA)
	// A status left out or empty keeps the visit's (a new one is
	// scheduled); the store checks the move.
	if sn.has("status") {
		x.Status = fieldportal.VisitStatus(in.Status)
		if in.Status != "" && !x.Status.Valid() {
			bad.Add("status", "status must be one of scheduled, on_the_way, on_site, done or cancelled.")
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	ctx, v := r.Context(), viewer(r)
	if err := a.siteRef(ctx, v, &x.SiteID, in.SiteID, in.SiteExternalID); err != nil {
		return err
	}
	if err := a.jobRef(ctx, v, &x.JobID, in.JobID, in.JobExternalID); err != nil {
		return err
	}
	if err := a.quoteRef(ctx, v, &x.QuoteID, in.QuoteID, in.QuoteExternalID); err != nil {
		return err
	}
	if x.SiteID != "" {
		return nil
	}
	// The site left out: the job's, else the quote's (the store checks
	// that both are at it).
	if x.JobID != "" {
		j, err := a.svc.Work.FindJobByID(ctx, v, x.JobID)
		if err != nil {
			return notFoundAsField(err, "job_id", "No job has this id.")
		}
		x.SiteID = j.SiteID
	} else if x.QuoteID != "" {
		q, err := a.svc.Work.FindQuoteByID(ctx, v, x.QuoteID)
		if err != nil {
			return notFoundAsField(err, "quote_id", "No quote has this id.")
		}
		x.SiteID = q.SiteID
	}
	return nil
}

// notFoundAsField turns a reference that is not found into a 422 naming
// the field; other errors pass.
func notFoundAsField(err error, field, msg string) error {
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return fieldportal.FieldErrorf(field, "%s", msg)
	}
	return err
}

// jobRef resolves a job given by external id (job_external_id) into *id.
func (a *API) jobRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	return resolveRef("job", id, byID, ext, func() (string, error) {
		x, err := a.jobByExternalID(ctx, v, ext)
		if x == nil {
			return "", err
		}
		return x.ID, err
	})
}

// quoteRef resolves a quote given by external id (quote_external_id)
// into *id.
func (a *API) quoteRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	return resolveRef("quote", id, byID, ext, func() (string, error) {
		x, err := a.quoteByExternalID(ctx, v, ext)
		if x == nil {
			return "", err
		}
		return x.ID, err
	})
}
