package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// ScheduleJob books a job into the diary (staff only), in one
// transaction: the job's appointment is made, or moved if the job was
// scheduled before; the technician's overlap rule holds (unless the
// organisation allows overlaps) under a per-technician lock; the job
// becomes scheduled with the start, end and technician; the customer's
// job contacts are mailed a link to the job; and both are audited.
func (d *DB) ScheduleJob(ctx context.Context, v fieldportal.Viewer, s fieldportal.JobSchedule) (*fieldportal.Job, int, error) {
	if err := needStaff(v); err != nil {
		return nil, 0, err
	}
	s.Technician = strings.TrimSpace(s.Technician)
	s.Window.Start, s.Window.End = s.Window.Start.UTC().Truncate(time.Minute), s.Window.End.UTC().Truncate(time.Minute)
	if err := s.Validate(); err != nil {
		return nil, 0, err
	}
	rules, err := d.bookingRules(ctx, v.OrgID)
	if err != nil {
		return nil, 0, err
	}
	org, err := d.FindOrganisationByID(ctx, v.OrgID)
	if err != nil {
		return nil, 0, err
	}
	var job *fieldportal.Job
	var mailed int
	err = d.inTx(ctx, func(tx *Tx) error {
		if !rules.settings.DiaryOverlap {
			// Two staff booking one technician at once: one waits.
			if err := tx.diaryLocks(ctx, v.OrgID, s.Technician, ""); err != nil {
				return err
			}
		}
		// The job locked before its stage is checked: one archived or
		// started meanwhile is not scheduled.
		if err := tx.tallyStored(ctx, "jobs", s.JobID); err != nil {
			return err
		}
		j, err := tx.findJob(ctx, v, s.JobID)
		if err != nil {
			return err
		}
		if j.Stage != fieldportal.StagePending && j.Stage != fieldportal.StageScheduled {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Job %s is %s; only a pending or scheduled job can be scheduled.",
				j.Number, strings.ToLower(j.Stage.Label()))
		}
		a := &fieldportal.Appointment{SiteID: j.SiteID, CustomerID: j.CustomerID, JobID: j.ID, StartsAt: s.Window.Start,
			EndsAt: s.Window.End, Technician: s.Technician, Description: jobAppointmentText(j)}
		old, err := tx.jobAppointment(ctx, v, j)
		if err != nil {
			return err
		}
		if old != nil {
			a.ID, a.ExternalID = old.ID, old.ExternalID
			err = tx.updateAppointment(ctx, v, a, rules.settings.DiaryOverlap)
		} else {
			err = tx.createAppointment(ctx, v, a, rules.settings.DiaryOverlap)
		}
		if err != nil {
			return clashInZone(err, s.Technician, a, rules.loc)
		}
		j.Stage, j.ScheduledStart, j.ScheduledEnd, j.Technician = fieldportal.StageScheduled, a.StartsAt, a.EndsAt, a.Technician
		if err := tx.updateJob(ctx, v, j); err != nil {
			return err
		}
		n, err := tx.mailJobScheduled(ctx, org, rules.loc, j, s.PortalURL)
		if err != nil {
			return err
		}
		job, mailed = j, n
		return tx.audit(ctx, v, "job.scheduled", "job", j.ID, j.Number+" "+a.StartsAt.Format(time.RFC3339)+" "+a.Technician)
	})
	if err != nil {
		return nil, 0, err
	}
	return job, mailed, nil
}

// jobAppointmentText is the diary line of a job's visit: its number and
// the first line of its description.
func jobAppointmentText(j *fieldportal.Job) string {
	first, _, _ := strings.Cut(strings.TrimSpace(j.Description), "\n")
	if len(first) > 120 {
		first = first[:120]
	}
	return strings.TrimSpace(j.Number + " " + first)
}

// jobAppointment is the appointment of the job's current schedule (the
// one at its scheduled start), or nil when it has none: scheduling again
// moves it instead of adding another visit.
func (tx *Tx) jobAppointment(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job) (*fieldportal.Appointment, error) {
	if j.ScheduledStart.IsZero() {
		return nil, nil
	}
	var q query
	q.scopeSite(v, "a", "a.site_id")
	q.and("a.job_id = " + q.arg(j.ID))
	q.and("a.starts_at = " + q.arg(j.ScheduledStart.UTC()))
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+appointmentColumns+appointmentFrom, "ORDER BY a.id LIMIT 1"), q.args...)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, scanAppointment)
	if err != nil || len(list) == 0 {
		return nil, err
	}
	return list[0], nil
}

// clashInZone rewrites the diary's overlap refusal in the organisation's
// zone and on the console form's start field.
func clashInZone(err error, technician string, a *fieldportal.Appointment, loc *time.Location) error {
	if fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
		return err
	}
	msg := technician + " is already booked at that time (" + fieldportal.TimeWindow{Start: a.StartsAt, End: a.EndsAt}.Label(loc) +
		" on " + a.StartsAt.In(loc).Format("Mon 2 Jan") + " overlaps another appointment); choose another time or technician."
	return &fieldportal.Error{Code: fieldportal.ECONFLICT, Field: "starts_at", Message: msg,
		Fields: []fieldportal.FieldError{{Field: "starts_at", Message: msg}}}
}

// mailJobScheduled queues the "job scheduled" mail to each job contact
// of the job's customer who can follow its link to the job
// (portalRecipients: an active login with the job's page, reaching its
// site).
func (tx *Tx) mailJobScheduled(ctx context.Context, org *fieldportal.Organisation, loc *time.Location, j *fieldportal.Job, portalURL string) (int, error) {
	if ok, err := tx.orgUses(ctx, j.OrgID, j.Kind.Module()); err != nil || !ok {
		return 0, err
	}
	list, err := tx.portalRecipients(ctx, j.OrgID, j.SiteID, j.CustomerID, j.Kind.Module(), "c.job_contact = TRUE AND c.customer_id = $3"+wantsMail(fieldportal.MailJobScheduled), j.CustomerID)
	if err != nil {
		return 0, err
	}
	when := j.ScheduledStart.In(loc).Format("Mon 2 Jan 2006") + ", " +
		fieldportal.TimeWindow{Start: j.ScheduledStart, End: j.ScheduledEnd}.Label(loc)
	link := strings.TrimSuffix(portalURL, "/") + "/jobs/" + j.ID
	for _, t := range list {
		m := mail.JobScheduled(org.Name, t.name, j.Number, when, j.Technician, link)
		m.To = t.email
		if err := tx.enqueue(ctx, mail.Outbox(org.ID, "job.scheduled", m)); err != nil {
			return 0, err
		}
	}
	return len(list), nil
}
