package demo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Issue 22 in the demo: the technicians as staff users with a display
// name and a photo, where each visit stands (past visits done, a few
// cancelled, today's and later ones scheduled, and the site contact's
// technician on the way), the reports of a few completed jobs with their
// photos, the customers' ratings, two threads with the office, and a
// quote that asks for a deposit.

// StaffPhoto is a staff user's profile: display name and photo (PNG).
type StaffPhoto struct {
	StaffID     string // staff key
	DisplayName string
	Photo       []byte
	At          time.Time
}

// Report is a job's visit report (JobID a job key) with its photos.
type Report struct {
	Report fieldportal.VisitReport
	Photos []ReportPhoto
}

// ReportPhoto is a photo of a report: its original (JPEG) and caption.
type ReportPhoto struct {
	Name, Caption string
	Data          []byte
}

// Rating is a contact's rating of a done visit (AppointmentID and JobID
// keys), given through the contact's portal login (Login, a login key).
type Rating struct {
	Feedback fieldportal.VisitFeedback
	Login    string
}

// ThreadMessage is one message of a thread with the office: from a
// contact's login (Login) or a staff user (Staff), on a record (kind and
// key).
type ThreadMessage struct {
	RecordKind, RecordID string
	Body                 string
	Login, Staff         string
	At                   time.Time
}

// Thread is a conversation on one record, in order.
type Thread []ThreadMessage

// The site contact's site, where the technician is on the way.
const onTheWaySite = "site-cinema"

// visits makes issue 22's data. It runs after every other step and draws
// nothing from the random stream, so the rest of the demo is unchanged;
// its choices follow the generated records by rule.
func (g *gen) visits() {
	staffOf := g.technicianStaff()
	today := g.at(0, 0, 0)
	pastDone := 0
	for i := range g.ds.Appointments {
		a := &g.ds.Appointments[i]
		a.TechnicianStaffID = staffOf[a.Technician]
		switch {
		case !a.EndsAt.After(g.now):
			a.Status = fieldportal.VisitDone
			// One past visit in nine was called off (the site was closed,
			// the customer rebooked).
			if pastDone%9 == 4 {
				a.Status = fieldportal.VisitCancelled
			}
			pastDone++
		case a.StartsAt.Before(today):
			// A visit of several days, begun before today: the
			// technician is there.
			a.Status = fieldportal.VisitOnSite
		default:
			a.Status = fieldportal.VisitScheduled
		}
	}
	g.onTheWay()
	g.reports()
	g.ratings()
	g.deposit()
	g.threads()
}

// technicianStaff adds a staff user for each technician, with a display
// name (the first name, as a customer would greet them) and a photo, and
// returns the staff key of each technician's name.
func (g *gen) technicianStaff() map[string]string {
	names := append(slices.Clone(technicians), securityTechnicians...)
	out := map[string]string{}
	for i, name := range names {
		if out[name] != "" {
			continue
		}
		first, last, _ := strings.Cut(name, " ")
		slug := strings.ToLower(first + "." + strings.NewReplacer("'", "", " ", "").Replace(last))
		key := "staff-tech-" + slug
		out[name] = key
		created := g.at(-690+60*i, 9, 0)
		g.ds.Staff = append(g.ds.Staff, StaffAccount{Password: Password, User: fieldportal.StaffUser{ID: key,
			Email: slug + "@brightwater.example", Name: name, Role: fieldportal.RoleStaff, CreatedAt: created}})
		g.ds.StaffPhotos = append(g.ds.StaffPhotos, StaffPhoto{StaffID: key, DisplayName: first,
			Photo: avatarPNG(first[:1]+last[:1], i), At: created.Add(30 * time.Minute)})
	}
	return out
}

// onTheWay puts the technician of the site contact's current visit on the
// way, expected in about half an hour: the visit at its site that runs
// today, or else its next one, moved to today when the technician is free.
func (g *gen) onTheWay() {
	eta := g.now.Add(25 * time.Minute).Truncate(5 * time.Minute).Add(5 * time.Minute)
	var next *fieldportal.Appointment
	for i := range g.ds.Appointments {
		a := &g.ds.Appointments[i]
		if a.SiteID != onTheWaySite || a.JobID == "" || !a.EndsAt.After(eta) {
			continue
		}
		if a.StartsAt.Before(g.at(1, 0, 0)) {
			a.Status, a.ETA = fieldportal.VisitOnTheWay, eta
			return
		}
		if next == nil {
			next = a
		}
	}
	if next == nil {
		return
	}
	moved := *next
	moved.StartsAt = eta.Add(-15 * time.Minute)
	moved.EndsAt = moved.StartsAt.Add(next.EndsAt.Sub(next.StartsAt))
	for _, b := range g.ds.Appointments {
		if b.ID != next.ID && b.Technician == moved.Technician && moved.Overlaps(&b) {
			return
		}
	}
	moved.Status, moved.ETA = fieldportal.VisitOnTheWay, eta
	*next = moved
	for i := range g.ds.Jobs {
		if j := &g.ds.Jobs[i]; j.ID == moved.JobID {
			j.ScheduledStart, j.ScheduledEnd = moved.StartsAt, moved.EndsAt
		}
	}
}

// job returns the job of a key.
func (g *gen) job(key string) *fieldportal.Job {
	for i := range g.ds.Jobs {
		if g.ds.Jobs[i].ID == key {
			return &g.ds.Jobs[i]
		}
	}
	return nil
}

// loginAt returns the key of a portal login with the job role that sees
// the site: the site contact at its cinema, the assigned contact at her
// school, the parent's contact anywhere in the group; "" for none.
func (g *gen) loginAt(site string) string {
	switch site {
	case onTheWaySite:
		return "login-sophie"
	case "site-primary":
		return "login-helen"
	case "site-dental":
		return ""
	}
	return "login-priya"
}

// doneVisits returns the indexes of the done visits of jobs, newest first.
func (g *gen) doneVisits() []int {
	var out []int
	for i := len(g.ds.Appointments) - 1; i >= 0; i-- {
		if a := g.ds.Appointments[i]; a.Status == fieldportal.VisitDone && a.JobID != "" {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(a, b int) int {
		return g.ds.Appointments[b].EndsAt.Compare(g.ds.Appointments[a].EndsAt)
	})
	return out
}

// reports writes the visit reports of three completed jobs: the site
// contact's latest and the two latest elsewhere in the parent's group.
func (g *gen) reports() {
	var chosen []int
	cinema := 0
	for _, i := range g.doneVisits() {
		a := g.ds.Appointments[i]
		j := g.job(a.JobID)
		if j == nil || j.Stage != fieldportal.StageComplete || g.loginAt(a.SiteID) == "" || slices.ContainsFunc(chosen, func(k int) bool {
			return g.ds.Appointments[k].JobID == a.JobID
		}) {
			continue
		}
		switch {
		case a.SiteID == onTheWaySite && cinema == 0:
			cinema++
			chosen = append(chosen, i)
		case a.SiteID != onTheWaySite && len(chosen)-cinema < 2:
			chosen = append(chosen, i)
		}
	}
	slices.Sort(chosen)
	for n, i := range chosen {
		a := g.ds.Appointments[i]
		j := g.job(a.JobID)
		w := workOf(j.Description)
		r := fieldportal.VisitReport{JobID: j.ID, Notes: fmt.Sprintf(w.notes, a.Technician),
			SignedBy: g.contactName(g.site[a.SiteID].contacts[0]), SignedAt: a.EndsAt.Add(-10 * time.Minute),
			CreatedAt: a.EndsAt.Add(40 * time.Minute)}
		for _, it := range j.Items {
			r.Parts = append(r.Parts, fieldportal.VisitPart{Code: it.Code, Description: it.Description, Quantity: it.Quantity})
		}
		if len(r.Parts) == 0 {
			r.Parts = w.parts
		}
		rep := Report{Report: r}
		shots := w.photos
		if n != 0 {
			shots = shots[:2]
		}
		for k, caption := range shots {
			rep.Photos = append(rep.Photos, ReportPhoto{Name: fmt.Sprintf("IMG_%04d.jpg", 2041+17*n+k), Caption: caption,
				Data: sitePhotoJPEG(w.kind, n*3+k)})
		}
		g.ds.Reports = append(g.ds.Reports, rep)
	}
}

// ratingTexts are ratings customers give, with their comments.
var ratingTexts = []struct {
	rating  int
	comment string
}{
	{5, "Arrived on time, explained what was wrong and left the plant room tidy. Thank you."},
	{4, "Good job. It would help to have a call half an hour before arrival."},
	{5, ""},
	{5, "Very helpful, took the time to show our duty manager how to silence and reset the panel."},
	{3, "The work was fine but the engineer arrived an hour after the slot we were given."},
	{5, "Quick and tidy, thank you."},
	{4, ""},
}

// ratings rates done visits of the last weeks, newest first, by the
// contact who would see each; the site contact's latest visit is left
// unrated, so the demo shows the rating form on its job.
func (g *gen) ratings() {
	reported := map[string]bool{}
	for _, r := range g.ds.Reports {
		reported[r.Report.JobID] = true
	}
	for _, i := range g.doneVisits() {
		if len(g.ds.Ratings) == len(ratingTexts) {
			break
		}
		a := g.ds.Appointments[i]
		login := g.loginAt(a.SiteID)
		if login == "" || a.SiteID == onTheWaySite && reported[a.JobID] {
			continue
		}
		t := ratingTexts[len(g.ds.Ratings)]
		g.ds.Ratings = append(g.ds.Ratings, Rating{Login: login, Feedback: fieldportal.VisitFeedback{
			AppointmentID: a.ID, JobID: a.JobID, Rating: t.rating, Comment: t.comment,
			CreatedAt: a.EndsAt.Add(time.Duration(2+len(g.ds.Ratings)%5) * time.Hour)}})
	}
	slices.SortStableFunc(g.ds.Ratings, func(a, b Rating) int { return a.Feedback.CreatedAt.Compare(b.Feedback.CreatedAt) })
}

// DepositShare is the percentage the demo's deposit quote asks for.
const DepositShare = 20

// deposit makes the newest outstanding quote the parent's contact can
// accept ask for a 20% deposit.
func (g *gen) deposit() {
	for i := len(g.ds.Quotes) - 1; i >= 0; i-- {
		q := &g.ds.Quotes[i]
		if q.Stage == fieldportal.QuoteOutstanding && g.loginAt(q.SiteID) == "login-priya" && q.ValidUntil.After(g.today) {
			q.DepositKind, q.DepositValue = fieldportal.DepositPercent, DepositShare
			g.depositQuote = q.ID
			return
		}
	}
}

// threads makes two conversations with the office: the parent's contact
// asks about the deposit and the office has answered (unread by her), and
// the school's estates manager asks about access on a coming visit, not
// answered yet (the console's queue).
func (g *gen) threads() {
	office := g.ds.Staff[1].User.ID
	if q := g.quote(g.depositQuote); q != nil {
		at := g.at(-2, 10, 15)
		if !at.After(q.CreatedAt) {
			at = q.CreatedAt.Add(time.Hour)
		}
		g.ds.Threads = append(g.ds.Threads, Thread{
			{RecordKind: "quote", RecordID: q.ID, Login: "login-priya", At: at,
				Body: "Before we accept: can the deposit be paid by card through the portal, and will it come off the final invoice? Our purchase order will follow."},
			{RecordKind: "quote", RecordID: q.ID, Staff: office, At: at.Add(100 * time.Minute),
				Body: "Yes to both. When you accept the quote here you pay the 20% deposit by card; it shows on the job and is deducted from the invoice when the work is done. Send the purchase order whenever it is ready."},
		})
	}
	kind, record := "site", "site-primary"
	for _, j := range g.ds.Jobs {
		if j.SiteID == "site-primary" && j.Stage == fieldportal.StageScheduled {
			kind, record = "job", j.ID
		}
	}
	g.ds.Threads = append(g.ds.Threads, Thread{
		{RecordKind: kind, RecordID: record, Login: "login-helen", At: g.at(-1, 14, 40),
			Body: "The visit falls in term time. Could the engineer arrive after 15:30, when the children have gone home, and sign in at the school office? Thank you."},
	})
}

// quote returns the quote of a key.
func (g *gen) quote(key string) *fieldportal.Quote {
	for i := range g.ds.Quotes {
		if g.ds.Quotes[i].ID == key && key != "" {
			return &g.ds.Quotes[i]
		}
	}
	return nil
}

// visitWork is what a report says of one kind of work.
type visitWork struct {
	kind   string // the picture's subject
	notes  string // %s: the technician
	parts  []fieldportal.VisitPart
	photos []string // captions
}

// workOf picks the report text for a job's description.
func workOf(desc string) visitWork {
	d := strings.ToLower(desc)
	for _, w := range visitWorks {
		if strings.Contains(d, w.kind) {
			return w
		}
	}
	return visitWorks[len(visitWorks)-1]
}

var visitWorks = []visitWork{
	{kind: "door", notes: "%s attended and signed in at reception.\n\nTested the hold-open devices on all fire doors: two magnets on the first-floor corridor did not release on alarm. Replaced the interface relay at the panel and adjusted the door closers; every door now closes fully on alarm and on the release button.\n\nPanel left in normal condition, logbook signed.",
		parts:  []fieldportal.VisitPart{{Code: "FA-RELAY", Description: "Interface relay unit, 24 V", Quantity: 1}, {Code: "LAB-HR", Description: "Engineer labour, per hour", Quantity: 2}},
		photos: []string{"Interface relay replaced at the panel", "First-floor corridor doors closed on alarm", "Logbook entry signed"}},
	{kind: "cctv", notes: "%s checked the recorder and every camera.\n\nThe service yard camera had lost power at the PoE switch; reseated the patch lead and renewed the weatherproof gland. All cameras record; retention 31 days; recorder clock synchronised.\n\nShowed the duty manager how to export footage.",
		parts:  []fieldportal.VisitPart{{Code: "CC-GLAND", Description: "Weatherproof cable gland", Quantity: 2}, {Code: "LAB-HR", Description: "Engineer labour, per hour", Quantity: 2}},
		photos: []string{"Service yard camera after the repair", "Recorder showing every channel recording", "PoE switch patch leads labelled"}},
	{kind: "emergency light", notes: "%s carried out the emergency lighting test.\n\nAll fittings passed the 3-hour duration test except the bulkhead at the top of stairwell B, whose battery pack was replaced and retested. Results entered in the logbook.",
		parts:  []fieldportal.VisitPart{{Code: "EL-BATT", Description: "Emergency light replacement battery pack", Quantity: 1}},
		photos: []string{"Stairwell B bulkhead with its new battery", "Fittings lit during the duration test", "Test results in the logbook"}},
	{kind: "extinguisher", notes: "%s serviced the extinguishers.\n\nAll units inspected, CO2 units weighed, tamper tags and service labels renewed. One foam unit in the kitchen was past its extended service and was replaced.",
		parts:  []fieldportal.VisitPart{{Code: "FE-FOAM-6", Description: "6 L AFFF-free foam fire extinguisher", Quantity: 1}, {Code: "FE-TAG", Description: "Tamper tags and service labels", Quantity: 12}},
		photos: []string{"Kitchen fire point after the service", "Replaced foam extinguisher", "Service labels renewed"}},
	{kind: "sprinkler", notes: "%s carried out the sprinkler inspection.\n\nAlarm valve tested, water motor alarm sounded, pump started on pressure drop and ran for 30 minutes. Installation gauge reads 6 bar. Valves strapped open.",
		parts:  []fieldportal.VisitPart{{Code: "SP-STRAP", Description: "Valve strap and padlock", Quantity: 1}},
		photos: []string{"Alarm valve set after the test", "Pump house during the pump start", "Installation gauge at 6 bar"}},
	{kind: "", notes: "%s attended and signed in at reception.\n\nTested the panel, the standby batteries and a quarter of the detectors and call points; every device responded. Cleaned the detector in the kitchen corridor, which had drifted. No faults on the panel on departure.\n\nLogbook signed by the responsible person.",
		parts:  []fieldportal.VisitPart{{Code: "FA-DET-OPT", Description: "Optical smoke detector (addressable) with base", Quantity: 1}, {Code: "LAB-HR", Description: "Engineer labour, per hour", Quantity: 3}},
		photos: []string{"Fire alarm panel clear of faults", "Detector head replaced in the kitchen corridor", "Logbook entry signed"}},
}
