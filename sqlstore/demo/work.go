package demo

import (
	"fmt"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
)

// part is a catalogue line of a piece of work.
type part struct {
	code     string
	qty      int64
	optional bool
}

// workTemplate is a piece of work the contractor quotes for or installs.
type workTemplate struct {
	desc     string
	security bool
	parts    []part
}

var installWork = []workTemplate{
	{"Supply and install four additional optical smoke detectors in the new first-floor meeting rooms; extend loop 1, programme zone text and commission.", false,
		[]part{{"FA-DET-OPT", 4, false}, {"LAB-HR", 6, false}, {"FA-SNDR", 1, true}}},
	{"Replace twelve obsolete non-maintained fluorescent bulkheads with LED maintained fittings and re-test to BS 5266-1.", false,
		[]part{{"EL-BULK-LED", 12, false}, {"LAB-HR", 8, false}, {"EL-EXIT", 2, true}}},
	{"Replace the end-of-life fire alarm panel with a 2-loop addressable panel; transfer existing loop wiring, commission and issue BS 5839-1 certificate.", false,
		[]part{{"FA-PANEL-2L", 1, false}, {"FA-BATT", 1, false}, {"LAB-DAY", 2, false}}},
	{"Upgrade CCTV to 4K IP: eight dome cameras and a 16-channel NVR with 31-day retention.", true,
		[]part{{"CC-CAM-4K", 8, false}, {"CC-NVR-16", 1, false}, {"LAB-DAY", 3, false}}},
	{"Install a Grade 2 intruder alarm with ARC signalling in the vacant unit before it is re-let.", true,
		[]part{{"IA-PANEL", 1, false}, {"IA-PIR", 6, false}, {"LAB-DAY", 1, false}}},
	{"Fit sprinkler flow switches to each installation and connect them to the fire alarm panel inputs.", false,
		[]part{{"SP-FLOW", 2, false}, {"LAB-HR", 5, false}, {"SP-GAUGE", 2, true}}},
	{"Supply new extinguishers and stands for the refurbished kitchen and plant room, with ID signs.", false,
		[]part{{"FE-CO2-2", 2, false}, {"FE-FOAM-6", 2, false}, {"FE-STAND", 2, false}, {"LAB-HR", 1, false}}},
	{"Add heat detection to the kitchen and boiler room to stop false alarms from cooking fumes.", false,
		[]part{{"FA-DET-HEAT", 3, false}, {"LAB-HR", 4, false}}},
}

// serviceWork is maintenance and reactive work; types are the asset types it touches.
var serviceWork = []struct {
	desc     string
	security bool
	types    []string
}{
	{"Quarterly fire alarm service to BS 5839-1: test 25% of devices, check panel, standby batteries and logbook.", false, []string{typePanel, typeDetector}},
	{"Annual emergency lighting test to BS 5266-1: 3-hour duration test of all fittings, record results.", false, []string{typeEmergency}},
	{"Annual extinguisher service to BS 5306-3: inspect, weigh CO2 units, replace tamper tags.", false, []string{typeExtinguisher}},
	{"Fire alarm fault: panel showing 'Loop 2 open circuit'. Investigate and repair.", false, []string{typePanel}},
	{"False alarm investigation: detector in the kitchen activated during cooking. Assess and advise.", false, []string{typeDetector}},
	{"Replace failed standby batteries in the fire alarm panel.", false, []string{typePanel}},
	{"Emergency light in stairwell B failing monthly flick test: replace battery pack.", false, []string{typeEmergency}},
	{"Sprinkler quarterly inspection to BS EN 12845: test alarm valve, water motor alarm and pump start.", false, []string{typeSprinkler}},
	{"Recharge discharged CO2 extinguisher and replace tamper seal.", false, []string{typeExtinguisher}},
	{"Fire door hold-open devices not releasing on alarm: test interface and adjust.", false, []string{typePanel}},
	{"Replace damaged manual call point cover at the rear fire exit.", false, nil},
	{"Six-monthly CCTV maintenance: clean domes, check recording retention (31 days) and time sync.", true, []string{typeCCTV}},
	{"Intruder alarm routine maintenance (PD 6662): test detectors, signalling path and battery.", true, []string{typeIntruder}},
	{"CCTV camera offline: investigate PoE switch and camera, restore recording.", true, []string{typeCCTV}},
}

var requestedWork = []string{
	"Please quote to add smoke detection to the new storage mezzanine.",
	"We need a price to replace the emergency lighting in the car park.",
	"Quote for an additional CCTV camera covering the bin store, please.",
	"Can you quote for moving two call points for the new reception layout?",
	"Please quote to upgrade the intruder alarm to app control.",
	"Quote for fire extinguishers for the new staff kitchen.",
}

var declineReasons = []string{
	"Budget not approved this financial year.",
	"Landlord's contractor is doing this work.",
	"Postponed until the refurbishment next year.",
	"Too expensive; please re-quote with fewer cameras.",
}

// parts prices a template's parts as quote items.
func quoteItems(ps []part) []fieldportal.QuoteItem {
	var out []fieldportal.QuoteItem
	for _, p := range ps {
		name, price := item(p.code)
		out = append(out, fieldportal.QuoteItem{ItemID: "item-" + p.code, Code: p.code, Description: name,
			Quantity: p.qty, UnitPrice: price, Total: price * fieldportal.Money(p.qty), Optional: p.optional})
	}
	return out
}

// templateFor picks installation work that suits the site.
func (g *gen) templateFor(s *siteInfo) workTemplate {
	for {
		t := pick(g, installWork)
		if !t.security || s.security {
			return t
		}
	}
}

func (g *gen) orderNo(s *siteInfo) string {
	if g.chance(0.25) {
		return ""
	}
	return fmt.Sprintf("%s%05d", s.orderPrefix, g.r.IntN(100000))
}

// quotes makes forty quotes over every stage.
func (g *gen) quotes() {
	plan := []struct {
		stage fieldportal.QuoteStage
		n     int
	}{{fieldportal.QuoteRequested, 6}, {fieldportal.QuoteOutstanding, 10}, {fieldportal.QuoteApproved, 12}, {fieldportal.QuoteDeclined, 6}, {fieldportal.QuoteExpired, 6}}
	for _, p := range plan {
		for range p.n {
			s := g.site[pick(g, g.siteKeys)]
			q := fieldportal.Quote{CustomerID: s.customer, SiteID: s.key, ContractorID: fireDivision, Stage: p.stage, OrderNo: g.orderNo(s)}
			var created int
			switch p.stage {
			case fieldportal.QuoteRequested:
				created = g.between(1, 14)
				q.Description = pick(g, requestedWork)
				q.CreatedInPortal, q.RequestedBy = true, pick(g, s.contacts)
				q.PreferredDate = g.day(g.between(7, 40))
			case fieldportal.QuoteOutstanding:
				created = g.between(3, 25)
			case fieldportal.QuoteApproved, fieldportal.QuoteDeclined:
				created = g.between(30, 600)
			case fieldportal.QuoteExpired:
				created = g.between(60, 700)
			}
			q.CreatedAt = g.past(created)
			if p.stage != fieldportal.QuoteRequested {
				t := g.templateFor(s)
				if t.security {
					q.ContractorID = securityDivision
				}
				q.Description, q.Items = t.desc, quoteItems(t.parts)
				for _, it := range q.Items {
					if !it.Optional {
						q.TotalExTax += it.Total
					}
				}
				q.Tax = vat(q.TotalExTax)
				q.TotalIncTax = q.TotalExTax + q.Tax
				q.ValidUntil = g.day(-created + 30)
			}
			if p.stage == fieldportal.QuoteApproved || p.stage == fieldportal.QuoteDeclined {
				q.ActionedAt = g.past(created - g.between(3, 20))
				contact := pick(g, s.contacts)
				if p.stage == fieldportal.QuoteApproved {
					q.SignedByName = g.contactName(contact)
				} else {
					q.DeclineReason = pick(g, declineReasons)
				}
			}
			g.ds.Quotes = append(g.ds.Quotes, q)
		}
	}
	sortByCreated(g.ds.Quotes, func(q *fieldportal.Quote) time.Time { return q.CreatedAt })
	for i := range g.ds.Quotes {
		g.ds.Quotes[i].ID = fmt.Sprintf("quote-%03d", i+1)
	}
}

func (g *gen) contactName(key string) string {
	for _, c := range g.ds.Contacts {
		if c.ID == key {
			return c.Name()
		}
	}
	return ""
}

// daysAgo is how many whole days before today t falls (local time).
func (g *gen) daysAgo(t time.Time) int { return fieldportal.DateOf(t.In(g.loc)).DaysUntil(g.today) }

// jobs makes eighty jobs over every stage and both kinds, plus an
// installation for each approved quote.
func (g *gen) jobs() {
	plan := []struct {
		stage              fieldportal.JobStage
		n, schedLo, schedH int // scheduled day range (relative to today)
	}{
		{fieldportal.StagePending, 9, 0, 0},
		{fieldportal.StageScheduled, 14, 1, 42},
		{fieldportal.StageInProgress, 5, -2, 0},
		{fieldportal.StageComplete, 12, -25, -1},
		{fieldportal.StageInvoiced, 26, -360, -20},
		{fieldportal.StageArchived, 14, -700, -330},
	}
	for _, p := range plan {
		for i := range p.n {
			s := g.site[pick(g, g.siteKeys)]
			j := fieldportal.Job{CustomerID: s.customer, SiteID: s.key, ContractorID: fireDivision, Kind: fieldportal.JobService, Stage: p.stage, OrderNo: g.orderNo(s)}
			if i%4 == 1 {
				t := g.templateFor(s)
				j.Kind, j.Description = fieldportal.JobInstall, t.desc
				j.Items = jobItems(quoteItems(t.parts))
				if t.security {
					j.ContractorID = securityDivision
				}
			} else {
				w := pick(g, serviceWork)
				for w.security && !s.security {
					w = pick(g, serviceWork)
				}
				j.Description = w.desc
				if w.security {
					j.ContractorID = securityDivision
				}
				j.AssetIDs = g.assetsOf(s, w.types)
			}
			if p.stage == fieldportal.StagePending {
				created := g.between(1, 12)
				j.CreatedAt = g.past(created)
				j.PreferredDate = g.day(-created + g.between(4, 28))
				j.PreferredWindow = pick(g, []string{"am", "pm", "all_day", ""})
				if g.chance(0.6) {
					j.CreatedInPortal, j.RequestedBy = true, pick(g, s.contacts)
				}
			} else {
				g.schedule(&j, g.between(p.schedLo, p.schedH))
			}
			g.ds.Jobs = append(g.ds.Jobs, j)
		}
	}
	for _, q := range g.ds.Quotes {
		if q.Stage != fieldportal.QuoteApproved {
			continue
		}
		j := fieldportal.Job{CustomerID: q.CustomerID, SiteID: q.SiteID, ContractorID: q.ContractorID, QuoteID: q.ID,
			Kind: fieldportal.JobInstall, OrderNo: q.OrderNo, Description: q.Description}
		for _, it := range jobItems(q.Items) {
			if it.Quantity > 0 {
				j.Items = append(j.Items, it)
			}
		}
		ago := g.daysAgo(q.ActionedAt)
		switch {
		case ago >= 400:
			j.Stage = fieldportal.StageArchived
		case ago >= 60:
			j.Stage = fieldportal.StageInvoiced
		case ago >= 20:
			j.Stage = fieldportal.StageComplete
		default:
			j.Stage = fieldportal.StageScheduled
		}
		sched := -ago + g.between(7, 18)
		if j.Stage == fieldportal.StageScheduled {
			sched = max(sched, 2)
		} else {
			sched = min(sched, -1)
		}
		g.schedule(&j, sched)
		if created := q.ActionedAt.Add(26 * time.Hour); created.Before(g.now) {
			j.CreatedAt = created
		}
		g.ds.Jobs = append(g.ds.Jobs, j)
	}
	sortByCreated(g.ds.Jobs, func(j *fieldportal.Job) time.Time { return j.CreatedAt })
	for i := range g.ds.Jobs {
		g.ds.Jobs[i].ID = fmt.Sprintf("job-%03d", i+1)
	}
}

// schedule books a job on the day sched days from today, with a
// technician, and completes it when that day is past.
func (g *gen) schedule(j *fieldportal.Job, sched int) {
	techs := technicians
	if j.ContractorID == securityDivision {
		techs = securityTechnicians
	}
	j.Technician = pick(g, techs)
	created := g.between(1, 30)
	if sched <= 0 {
		created = min(-sched+g.between(3, 25), 729)
	}
	j.CreatedAt = g.past(created)
	j.PreferredDate = g.day(-created + g.between(2, 10))
	if j.Kind == fieldportal.JobService {
		j.PreferredWindow = pick(g, []string{"am", "pm", "all_day"})
	}
	startHour := 8
	if j.PreferredWindow == "pm" {
		startHour = 13
	}
	j.ScheduledStart = g.at(sched, startHour, 0)
	if j.Kind == fieldportal.JobInstall {
		j.ScheduledEnd = g.at(sched+g.between(0, 2), 16, 30)
	} else {
		j.ScheduledEnd = j.ScheduledStart.Add(time.Duration(g.between(2, 4)) * time.Hour)
	}
	if j.Stage == fieldportal.StageInProgress && j.ScheduledEnd.Before(g.now) {
		j.ScheduledEnd = g.at(1, 16, 30)
	}
	switch j.Stage {
	case fieldportal.StageComplete, fieldportal.StageInvoiced, fieldportal.StageArchived:
		j.CompletedAt = j.ScheduledEnd
		if j.CompletedAt.After(g.now) {
			j.CompletedAt = g.now.Add(-time.Hour)
		}
	}
}

func jobItems(qs []fieldportal.QuoteItem) []fieldportal.JobItem {
	var out []fieldportal.JobItem
	for _, q := range qs {
		if q.Optional {
			continue
		}
		out = append(out, fieldportal.JobItem{ItemID: q.ItemID, Code: q.Code, Description: q.Description,
			Quantity: q.Quantity, UnitPrice: q.UnitPrice, Total: q.Total})
	}
	return out
}

// assetsOf picks up to three assets of the given types at a site.
func (g *gen) assetsOf(s *siteInfo, types []string) []string {
	var out []string
	for _, k := range s.assets {
		for _, a := range g.ds.Assets {
			if a.ID == k && len(out) < 3 && slices.Contains(types, a.Type) {
				out = append(out, k)
			}
		}
	}
	return out
}
