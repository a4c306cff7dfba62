package portal

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The diary (issue 18, seed 004): the appointments at the contact's
// sites, the next 14 days to begin with, widened to any range or to all;
// its CSV; and the contact's personal calendar feed, whose address the
// page makes (calendar.go serves the feed).

// diaryRoutes registers the routes of this file and calendar.go.
func (p *Portal) diaryRoutes() {
	k := p.kit
	k.Handle("GET /diary", p.signedIn(p.handleDiary))
	k.Handle("GET /diary.csv", p.signedIn(p.handleDiaryCSV))
	k.Handle("POST /diary/calendar", p.signedIn(p.handleCalendarRenew))
	k.Handle("GET /calendar/{file}", p.handleCalendarFeed)
}

// diaryParams is the diary's query string as typed: a range of dates, or
// All.
type diaryParams struct {
	From, To, After string
	All             bool
}

// values is the query string without the cursor.
func (dp diaryParams) values() url.Values {
	q := url.Values{}
	if dp.All {
		q.Set("range", "all")
		return q
	}
	if dp.From != "" {
		q.Set("from", dp.From)
	}
	if dp.To != "" {
		q.Set("to", dp.To)
	}
	return q
}

// readDiaryParams reads the query string into a filter: the range's
// dates are days in the organisation's zone, both included; a date that
// is not one, or a range backwards or too long, is named (400).
func readDiaryParams(r *http.Request) (diaryParams, fieldportal.AppointmentFilter, fieldportal.Date, fieldportal.Date, error) {
	q := r.URL.Query()
	dp := diaryParams{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), After: q.Get("after")}
	f := fieldportal.AppointmentFilter{Page: fieldportal.Page{After: dp.After}}
	switch rg := q.Get("range"); rg {
	case "all":
		dp.All = true
		return dp, f, fieldportal.Date{}, fieldportal.Date{}, nil
	case "":
	default:
		return dp, f, fieldportal.Date{}, fieldportal.Date{}, fieldportal.FieldErrorf("range", "There is no “%s” range of the diary: choose dates or All.", rg)
	}
	from, to, err := fieldportal.DiaryRange(dp.From, dp.To, quoteToday(r))
	if err != nil {
		return dp, f, from, to, err
	}
	loc := web.OrgLocation(r)
	f.From, f.To = from.In(loc), to.AddDays(1).In(loc)
	return dp, f, from, to, nil
}

// diaryView is the diary page.
type diaryView struct {
	web.Layout
	Filter  web.FilterBar
	Span    string
	Count   web.Count
	Table   web.Table
	Pager   web.Pager
	CSVURL  string
	AllURL  string
	NextURL string
	// The calendar feed: FeedURL is shown once, right after it is made;
	// FeedMade says when the current one was made ("" for none).
	FeedURL  string
	FeedMade string
}

// diaryRow is one appointment as the diary and its CSV show it.
type diaryRow struct {
	Date, Time, Reference, ReferenceURL, Site, Address, Description, Technician string
	Visit                                                                       *web.Visit
}

// newDiaryRow formats an appointment in loc at the request's time now;
// its job or quote is linked when the viewer may open it, and its
// technician's photo is served as on the dashboard and the job.
func newDiaryRow(a *fieldportal.Appointment, v fieldportal.Viewer, loc *time.Location, now time.Time) diaryRow {
	start, end := a.StartsAt.In(loc), a.EndsAt.In(loc)
	row := diaryRow{Date: start.Format("Mon 2 Jan 2006"), Time: start.Format("15:04") + "–" + end.Format("15:04"),
		Site: a.SiteName, Address: a.SiteAddress.OneLine(), Description: a.Description, Technician: a.ShownTechnician(),
		Visit: web.VisitOf(a, loc, now, technicianPhotoBase)}
	if fieldportal.DateOf(start) != fieldportal.DateOf(end) {
		row.Time = start.Format("15:04") + " to " + end.Format("Mon 2 Jan 15:04")
	}
	switch {
	case a.JobNumber != "":
		row.Reference = kindLabel(a.JobKind) + " order " + a.JobNumber
		if m := a.JobKind.Module(); v.CanUse(m) && pageReady[m] {
			row.ReferenceURL = "/jobs/" + url.PathEscape(a.JobID)
		}
	case a.QuoteNumber != "":
		row.Reference = "Quote " + a.QuoteNumber
		if v.CanUse(fieldportal.ModuleQuotes) && pageReady[fieldportal.ModuleQuotes] {
			row.ReferenceURL = "/quotes/" + url.PathEscape(a.QuoteID)
		}
	}
	return row
}

// diaryTable lays out a page of appointments.
func diaryTable(list []*fieldportal.Appointment, v fieldportal.Viewer, loc *time.Location, now time.Time) web.Table {
	t := web.Table{Caption: "Appointments", Columns: []web.Column{{Label: "Date"}, {Label: "Time"}, {Label: "Job or quote"},
		{Label: "Site"}, {Label: "Description"}, {Label: "Technician"}, {Label: "Status"}}}
	for _, a := range list {
		row := newDiaryRow(a, v, loc, now)
		ref := web.TextCell(row.Reference)
		if row.ReferenceURL != "" {
			ref = web.Cell{Text: row.Reference, URL: row.ReferenceURL}
		}
		t.Rows = append(t.Rows, []web.Cell{{Text: row.Date, Header: true}, web.TextCell(row.Time), ref,
			{Text: row.Site, Hint: row.Address}, web.TextCell(row.Description),
			{Text: row.Technician, Image: row.Visit.PhotoURL}, visitCell(row.Visit)})
	}
	return t
}

// handleDiary lists the appointments of the range, a page at a time.
func (p *Portal) handleDiary(w http.ResponseWriter, r *http.Request) {
	p.renderDiary(w, r, "")
}

// renderDiary renders the diary; feedURL is a feed address just made.
func (p *Portal) renderDiary(w http.ResponseWriter, r *http.Request, feedURL string) {
	v, ok := p.needModule(w, r, fieldportal.ModuleDiary)
	if !ok {
		return
	}
	ctx := r.Context()
	dp, f, from, to, err := readDiaryParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	list, next, err := p.svc.Diary.FindAppointments(ctx, v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	view := diaryView{Layout: p.layout(r, "Diary"), FeedURL: feedURL, AllURL: "/diary?range=all", NextURL: "/diary"}
	if dp.All {
		view.Span = "Every appointment, in date order."
	} else {
		view.Span = "From " + from.Format("Mon 2 Jan 2006") + " to " + to.Format("Mon 2 Jan 2006") + "."
	}
	if feed, err := p.svc.Diary.FindCalendarFeed(ctx, v.OrgID, v.LoginID); err == nil {
		view.FeedMade = web.FormatDateTime(feed.CreatedAt.In(loc))
	} else if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		p.kit.Error(w, r, err)
		return
	}
	view.Filter = web.FilterBar{Action: "/diary", Label: "Choose the diary's dates", Submit: "Show", Filters: []web.Filter{
		{Name: "from", Label: "From", Type: "date", Value: from.String()},
		{Name: "to", Label: "To", Type: "date", Value: to.String()}}}
	if dp.All || dp.From != "" || dp.To != "" {
		view.Filter.ClearURL = "/diary"
	}
	view.Table = diaryTable(list, v, loc, web.RequestTime(r))
	base := dp.values()
	view.CSVURL = withQuery("/diary.csv", base)
	if next != "" {
		nq := dp.values()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/diary", nq)
	}
	if dp.After != "" {
		view.Pager.FirstURL = withQuery("/diary", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "appointment", Many: "appointments"}
	if next == "" && dp.After == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, http.StatusOK, "diary", view)
}

// handleDiaryCSV downloads every appointment of the range, across all
// pages.
func (p *Portal) handleDiaryCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleDiary)
	if !ok {
		return
	}
	_, f, _, _, err := readDiaryParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	// The visit's status and, while the technician is on the way, the
	// expected arrival (a full time: a spreadsheet has no "today").
	out := p.kit.CSV(w, r, "diary.csv", "Date", "Start", "End", "Job or quote", "Site", "Address", "Description", "Technician",
		"Status", "Expected arrival")
	now := web.RequestTime(r)
	out.Finish(p.svc.Diary.EachAppointment(r.Context(), v, f, func(a *fieldportal.Appointment) error {
		row := newDiaryRow(a, v, loc, now)
		eta := ""
		if a.Status == fieldportal.VisitOnTheWay && !a.ETA.IsZero() {
			eta = a.ETA.In(loc).Format("2006-01-02 15:04")
		}
		return out.Row(fieldportal.DateOf(a.StartsAt.In(loc)).String(), a.StartsAt.In(loc).Format("2006-01-02 15:04"),
			a.EndsAt.In(loc).Format("2006-01-02 15:04"), row.Reference, row.Site, row.Address, row.Description, row.Technician,
			row.Visit.Label, eta)
	}))
}

// errFeedFull stops the feed's walk at its cap.
var errFeedFull = errors.New("calendar feed full")

// visitCell is a visit's status as a badge, with the expected arrival
// while the technician is on the way.
func visitCell(v *web.Visit) web.Cell {
	c := web.Cell{Badge: &web.Badge{Text: v.Label, Tone: v.Tone}}
	if v.ETA != "" {
		c.Hint = "expected at " + v.ETA
	}
	return c
}
