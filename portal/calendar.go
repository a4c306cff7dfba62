package portal

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The personal calendar feed (issue 18): /calendar/{token}.ics, a secret
// address per login that a calendar program fetches without a session.
// The token finds its login (only the hash is kept); the login's scope
// then applies as on every page, so the feed holds exactly the diary the
// contact would see, from CalendarFeedDays ago, at most CalendarFeedMax
// appointments. A token that is no feed's, a disabled login's, or a
// login without the diary answers 404 alike.

// handleCalendarRenew makes a new feed address for the signed-in contact
// (voiding the old) and shows it once, on the diary page.
func (p *Portal) handleCalendarRenew(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleDiary)
	if !ok {
		return
	}
	token, err := p.svc.Diary.RenewCalendarFeed(r.Context(), v.OrgID, v.LoginID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	// The diary below is the default one: the form posts no range.
	r.URL.RawQuery = ""
	p.renderDiary(w, r, p.kit.PortalURL(r)+"/calendar/"+token+".ics")
}

// handleCalendarFeed answers the feed of a token.
func (p *Portal) handleCalendarFeed(w http.ResponseWriter, r *http.Request) {
	notFound := func() {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
	}
	token, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	org := web.OrganisationFromContext(r.Context())
	if !ok || token == "" || org == nil {
		notFound()
		return
	}
	ctx := r.Context()
	v, err := p.svc.Diary.CalendarFeedViewer(ctx, org.ID, token)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if !v.CanUse(fieldportal.ModuleDiary) {
		notFound()
		return
	}
	host := org.Host
	if host == "" {
		host = r.Host
	}
	var body bytes.Buffer
	iw := &icsWriter{w: &body}
	iw.line("BEGIN", "VCALENDAR")
	iw.line("VERSION", "2.0")
	iw.line("PRODID", "-//fieldportal//diary//EN")
	iw.line("CALSCALE", "GREGORIAN")
	iw.line("METHOD", "PUBLISH")
	iw.text("X-WR-CALNAME", org.Name+" appointments")
	n := 0
	from := web.RequestTime(r).AddDate(0, 0, -fieldportal.CalendarFeedDays)
	err = p.svc.Diary.EachAppointment(ctx, v, fieldportal.AppointmentFilter{From: from}, func(a *fieldportal.Appointment) error {
		if n == fieldportal.CalendarFeedMax {
			return errFeedFull
		}
		n++
		writeEvent(iw, a, host)
		return nil
	})
	if err != nil && err != errFeedFull {
		p.kit.Error(w, r, err)
		return
	}
	iw.line("END", "VCALENDAR")
	if iw.err != nil {
		p.kit.Error(w, r, iw.err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="diary.ics"`)
	h.Set("Content-Length", strconv.Itoa(body.Len()))
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	// The address is the secret: no page it is opened from learns it.
	h.Set("Referrer-Policy", "no-referrer")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body.Bytes())
}

// writeEvent writes one appointment as a VEVENT. Its UID is the
// appointment's id at the organisation's host, so it is the same on
// every fetch; DTSTAMP is when the appointment last changed, which is
// also stable until it does.
func writeEvent(iw *icsWriter, a *fieldportal.Appointment, host string) {
	summary := "Appointment at " + a.SiteName
	switch {
	case a.JobNumber != "":
		summary = kindLabel(a.JobKind) + " order " + a.JobNumber + " at " + a.SiteName
	case a.QuoteNumber != "":
		summary = "Quote " + a.QuoteNumber + " visit at " + a.SiteName
	}
	location := a.SiteName
	if addr := a.SiteAddress.OneLine(); addr != "" {
		location += ", " + addr
	}
	desc := a.Description
	if a.Technician != "" {
		if desc != "" {
			desc += "\n"
		}
		desc += "Technician: " + a.Technician
	}
	iw.line("BEGIN", "VEVENT")
	iw.text("UID", a.ID+"@"+host)
	iw.time("DTSTAMP", a.UpdatedAt)
	iw.time("DTSTART", a.StartsAt)
	iw.time("DTEND", a.EndsAt)
	iw.time("LAST-MODIFIED", a.UpdatedAt)
	iw.text("SUMMARY", summary)
	iw.text("LOCATION", location)
	if desc != "" {
		iw.text("DESCRIPTION", desc)
	}
	iw.line("END", "VEVENT")
}
