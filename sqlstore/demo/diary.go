package demo

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// issueTexts are problems customers report, with the equipment involved.
var issueTexts = []struct {
	title, desc, assetType string
	priority               fieldportal.IssuePriority
}{
	{"Fire alarm panel showing fault on loop 2", "The panel in reception is beeping and shows 'Loop 2 open circuit'. We have silenced the buzzer.", typePanel, fieldportal.PriorityHigh},
	{"Emergency light out in stairwell B", "The bulkhead at the top of stairwell B is dark and its red LED is flashing.", typeEmergency, fieldportal.PriorityNormal},
	{"Extinguisher missing from kitchen", "The CO2 extinguisher has gone from its bracket by the kitchen door.", typeExtinguisher, fieldportal.PriorityNormal},
	{"CCTV camera in service yard offline", "No picture from the service yard camera since Tuesday night.", typeCCTV, fieldportal.PriorityHigh},
	{"Intruder alarm false activations overnight", "The alarm went off three times last night and the keyholder attended each time. Panel shows zone 4.", typeIntruder, fieldportal.PriorityUrgent},
	{"Sprinkler pressure gauge reading low", "The installation gauge reads 3 bar; it normally reads 6.", typeSprinkler, fieldportal.PriorityHigh},
	{"Call point cover cracked at rear exit", "The call point by the rear fire exit has a cracked cover.", "", fieldportal.PriorityLow},
	{"Sounder not audible in plant room", "During the weekly test nobody could hear the sounder in the plant room.", typePanel, fieldportal.PriorityNormal},
	{"Smoke detector chirping in server room", "The detector in the server room makes an intermittent chirp.", typeDetector, fieldportal.PriorityNormal},
	{"Fire exit sign not lit", "The exit sign over the main staircase door is not lit.", typeEmergency, fieldportal.PriorityNormal},
	{"Copy of fire alarm logbook needed", "Please upload a copy of the fire alarm logbook for our insurer's visit.", "", fieldportal.PriorityLow},
	{"Repeated false alarms from kitchen detector", "Two false alarms this month from cooking in the staff kitchen.", typeDetector, fieldportal.PriorityHigh},
	{"Extinguisher pressure gauge in the red", "The foam extinguisher at the first-floor fire point shows a pressure gauge in the red.", typeExtinguisher, fieldportal.PriorityNormal},
	{"Panel battery fault after power cut", "Since the power cut on Sunday the panel shows 'Battery fault'.", typePanel, fieldportal.PriorityHigh},
}

// issues makes fourteen issues: the older ones closed, the recent ones open,
// each with a conversation between the customer and the office.
func (g *gen) issues() {
	for i, t := range issueTexts {
		var s *siteInfo
		asset := ""
		for asset == "" {
			s = g.site[pick(g, g.siteKeys)]
			if t.assetType == "" {
				break
			}
			for _, k := range g.assetsOf(s, []string{t.assetType}) {
				asset = k
			}
		}
		open := i%7 == 0 || i%7 == 3 || i%7 == 5
		ago := g.between(40, 600)
		if open {
			ago = g.between(1, 20)
		}
		contact := pick(g, s.contacts)
		is := fieldportal.Issue{CustomerID: s.customer, SiteID: s.key, AssetID: asset, Title: t.title, Description: t.desc,
			Priority: t.priority, Status: fieldportal.IssueOpen, ReportedBy: contact, CreatedAt: g.past(ago)}
		staff := g.ds.Staff[1].User
		reply := fieldportal.IssueComment{AuthorStaff: staff.ID, AuthorName: staff.Name, CreatedAt: is.CreatedAt.Add(95 * time.Minute),
			Body: fmt.Sprintf("Thanks for reporting this. %s will attend; we will confirm the time by email.", pick(g, technicians))}
		thread := IssueThread{Issue: is, Comments: []fieldportal.IssueComment{reply}}
		if open {
			if g.chance(0.5) && ago > 2 {
				thread.Comments = append(thread.Comments, fieldportal.IssueComment{AuthorContact: contact, AuthorName: g.contactName(contact),
					CreatedAt: g.past(ago - 1), Body: "Any update on this? It is still showing."})
			}
		} else {
			closed := g.at(-ago+g.between(2, 10), 15, 40)
			thread.Issue.Status, thread.Issue.ClosedAt = fieldportal.IssueClosed, closed
			thread.Comments = append(thread.Comments,
				fieldportal.IssueComment{AuthorStaff: staff.ID, AuthorName: staff.Name, CreatedAt: closed,
					Body: "Our engineer attended and put this right; the report is on the job. Closing this issue: reply to reopen it if it comes back."},
				fieldportal.IssueComment{AuthorContact: contact, AuthorName: g.contactName(contact), CreatedAt: closed.Add(50 * time.Minute),
					Body: "Thank you, all working now."})
		}
		g.ds.Issues = append(g.ds.Issues, thread)
	}
	sortByCreated(g.ds.Issues, func(t *IssueThread) time.Time { return t.Issue.CreatedAt })
	for i := range g.ds.Issues {
		g.ds.Issues[i].Issue.ID = fmt.Sprintf("issue-%03d", i+1)
	}
}

// diary books an appointment for every job visit of the last four months
// and the months ahead, and a survey for each quote request; a technician
// is never booked twice at once (the default settings forbid overlaps).
func (g *gen) diary() {
	var apps []fieldportal.Appointment
	jobOf := map[int]int{} // appointment index -> job index, to keep the job's technician in step
	for i, j := range g.ds.Jobs {
		if j.ScheduledStart.IsZero() || j.ScheduledStart.Before(g.now.AddDate(0, 0, -120)) {
			continue
		}
		desc, _, _ := strings.Cut(j.Description, ":")
		desc, _, _ = strings.Cut(desc, ";")
		jobOf[len(apps)] = i
		apps = append(apps, fieldportal.Appointment{CustomerID: j.CustomerID, SiteID: j.SiteID, JobID: j.ID,
			StartsAt: j.ScheduledStart, EndsAt: j.ScheduledEnd, Technician: j.Technician, Description: desc, CreatedAt: j.CreatedAt})
	}
	for _, q := range g.ds.Quotes {
		if q.Stage != fieldportal.QuoteRequested {
			continue
		}
		start := g.at(g.between(3, 14), 10, 30)
		apps = append(apps, fieldportal.Appointment{CustomerID: q.CustomerID, SiteID: q.SiteID, QuoteID: q.ID,
			StartsAt: start, EndsAt: start.Add(time.Hour), Technician: pick(g, technicians),
			Description: "Site survey for quote request", CreatedAt: q.CreatedAt})
	}
	busy := map[string][]fieldportal.Appointment{}
	free := func(a fieldportal.Appointment, tech string) bool {
		return !slices.ContainsFunc(busy[tech], func(b fieldportal.Appointment) bool { return a.Overlaps(&b) })
	}
	for i, a := range apps {
		pool := technicians
		if slices.Contains(securityTechnicians, a.Technician) {
			pool = securityTechnicians
		}
		if !free(a, a.Technician) {
			for _, t := range pool {
				if free(a, t) {
					a.Technician = t
					break
				}
			}
		}
		if !free(a, a.Technician) {
			continue // everyone is out: the job keeps its date without a diary entry
		}
		if j, ok := jobOf[i]; ok {
			g.ds.Jobs[j].Technician = a.Technician
		}
		busy[a.Technician] = append(busy[a.Technician], a)
		a.ID = fmt.Sprintf("appointment-%03d", len(g.ds.Appointments)+1)
		g.ds.Appointments = append(g.ds.Appointments, a)
	}
}

// taskTexts are the office's follow-ups.
var taskTexts = []struct {
	subject, status string
	due             int
	withJob         bool
}{
	{"Chase purchase order for remedial works", "open", 3, true},
	{"Send revised quote with fewer cameras", "in_progress", 5, false},
	{"Book annual emergency lighting duration test", "open", 14, false},
	{"Upload BS 5839 certificate after the service", "done", -20, true},
	{"Confirm out-of-hours access for sprinkler inspection", "open", 7, false},
	{"Arrange keyholder for intruder alarm visit", "done", -45, true},
	{"Issue remedial quote for failed detectors", "open", -2, true},
	{"Update site contact details after staff change", "done", -90, false},
	{"Order replacement extinguishers for kitchen", "in_progress", 2, true},
	{"Review false alarm history with the customer", "open", 21, false},
}

func (g *gen) tasks() {
	for i, t := range taskTexts {
		sk := pick(g, g.siteKeys)
		task := fieldportal.Task{ID: fmt.Sprintf("task-%02d", i+1), CustomerID: g.customerOf(sk), SiteID: sk,
			Subject: t.subject, Status: t.status, DueDate: g.day(t.due), Assignee: pick(g, staffNames),
			CreatedAt: g.past(max(1, -t.due+g.between(5, 20)))}
		if t.withJob {
			for _, j := range g.ds.Jobs {
				if j.SiteID == sk {
					task.JobID = j.ID
				}
			}
		}
		g.ds.Tasks = append(g.ds.Tasks, task)
	}
}
