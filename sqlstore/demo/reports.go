package demo

import (
	"fmt"
	"slices"

	"github.com/fieldportal/fieldportal"
)

// ShowcaseSite is the site whose PPM report shows every kind of cell in
// the demo's current report year: the parent customer's head office.
const ShowcaseSite = "Harbourside House"

// ppmShowcase makes the PPM grid of the parent's head office (site-hq)
// show every kind of cell on any day, using only the week before this one
// and this week (which is always in the current report year):
//
//   - the week before this one, by rows: the smoke detectors, one failed
//     (still a current defect) and one not tested, on a completed job: red
//     with a yellow bubble; the emergency lights, one passed and one not
//     tested: yellow; the extinguishers, both passed: green;
//   - this week, the panel (one asset), the detectors (two) and the
//     extinguishers (four, two of them new and due through an open job)
//     are due: blue of three shades whatever else is due in the year, as
//     BuildPPM shades a cell by its share of the busiest one (1, 2 and 4
//     of 4); the emergency lights are due next week and the rest the week
//     after, as far as the year goes.
//
// When this week is week 1 of its year, the week before is the previous
// year's last: the past colours are on that year's grid (the browser
// journey looks there), the blue on this year's.
//
// It runs last and draws nothing from the random stream, so the rest of
// the demo is as it was.
func (g *gen) ppmShowcase() {
	const site = "site-hq"
	cur := fieldportal.WeekOf(g.today)
	weeks := fieldportal.WeeksIn(cur.Year)
	var active []string
	ofType := map[string][]string{}
	for _, a := range g.ds.Assets {
		if g.currentSite(a.ID) == site && a.Status == "active" {
			active = append(active, a.ID)
			ofType[a.Type] = append(ofType[a.Type], a.ID)
		}
	}
	offset := func(d fieldportal.Date) int { return g.today.DaysUntil(d) }
	n := 0
	job := func(stage fieldportal.JobStage, on fieldportal.Date, desc string, assets []string) string {
		n++
		j := fieldportal.Job{ID: fmt.Sprintf("job-ppm-%d", n), CustomerID: g.customerOf(site), SiteID: site, ContractorID: fireDivision,
			Kind: fieldportal.JobService, Stage: stage, Description: desc, Technician: technicians[0], AssetIDs: assets,
			PreferredWindow: "am", PreferredDate: on, ScheduledStart: g.at(offset(on), 8, 0), ScheduledEnd: g.at(offset(on), 11, 0),
			CreatedAt: g.at(min(offset(on)-7, -1), 10, 0)}
		if stage == fieldportal.StageComplete {
			j.CompletedAt = j.ScheduledEnd
		} else {
			j.DueDate = on
		}
		g.ds.Jobs = append(g.ds.Jobs, j)
		return j.ID
	}
	// replace drops the tests of the assets from the day on and adds the
	// given results on that day.
	replace := func(assets []string, on fieldportal.Date, jobID string, results []fieldportal.TestResult, notes []string) {
		g.ds.Tests = slices.DeleteFunc(g.ds.Tests, func(t fieldportal.AssetTest) bool {
			return slices.Contains(assets, t.AssetID) && !t.TestedOn.Before(on)
		})
		for i, a := range assets {
			if i >= len(results) {
				break
			}
			t := fieldportal.AssetTest{ID: fmt.Sprintf("test-ppm-%d", len(g.ds.Tests)+1), AssetID: a, JobID: jobID, TestedOn: on,
				Result: results[i], Technician: technicians[0], Notes: notes[i], CreatedAt: g.at(offset(on), 17, 30)}
			if t.CreatedAt.After(g.now) {
				t.CreatedAt = g.now
			}
			g.ds.Tests = append(g.ds.Tests, t)
		}
	}
	past := fieldportal.WeekOf(cur.Start.AddDays(-1))
	jobID := job(fieldportal.StageComplete, past.Start.AddDays(1),
		"Quarterly fire alarm service to BS 5839-1: test 25% of devices, check panel, standby batteries and logbook.", ofType[typeDetector])
	replace(ofType[typeDetector], past.Start.AddDays(1), jobID, []fieldportal.TestResult{fieldportal.TestFail, fieldportal.TestNotTested},
		[]string{"Detector failed smoke test: contaminated chamber", "No access: server room locked"})
	replace(ofType[typeEmergency], past.Start.AddDays(2), "", []fieldportal.TestResult{fieldportal.TestNotTested, fieldportal.TestPass},
		[]string{"Not tested: isolated for building works", "Satisfactory"})
	replace(ofType[typeExtinguisher], past.Start.AddDays(3), "", []fieldportal.TestResult{fieldportal.TestPass, fieldportal.TestPass},
		[]string{"Tested to schedule, no defects", "Logbook signed"})
	// Two extinguishers supplied for the refurbished kitchen three weeks
	// ago, untested yet: their first service is the open job's.
	var supplied []string
	for i := range 2 {
		a := fieldportal.Asset{ID: fmt.Sprintf("asset-ppm-%d", i+1), Number: fmt.Sprintf("A-%04d", 1001+len(g.ds.Assets)),
			CustomerID: g.customerOf(site), SiteID: site, Type: typeExtinguisher, Name: typeExtinguisher + " - P50 2 kg CO2",
			Location: "Kitchen (refurbished)", Serial: fmt.Sprintf("Br%07d", 4410+i), Make: "Britannia", Model: "P50 2 kg CO2",
			ServiceLevel: "Standard", ServiceInterval: "monthly", InstalledOn: g.day(-21), Status: "active", CreatedAt: g.at(-21, 15, 0)}
		g.ds.Assets = append(g.ds.Assets, a)
		supplied = append(supplied, a.ID)
	}
	// Due from this week on: the panel, the detectors and the
	// extinguishers this week, the emergency lights next week, the rest
	// the week after, or in the year's last week if it ends sooner.
	future := weeks[cur.N-1:]
	if len(future) > 3 {
		future = future[:3]
	}
	dueIn := func(k int) fieldportal.Date {
		w := future[min(k, len(future)-1)]
		if d := w.Start.AddDays(2); !d.Before(g.today) {
			return d
		}
		return g.today
	}
	for k := range g.ds.Assets {
		a := &g.ds.Assets[k]
		if !slices.Contains(active, a.ID) {
			continue
		}
		switch a.Type {
		case typePanel, typeDetector, typeExtinguisher:
			a.NextServiceDue = dueIn(0)
		case typeEmergency:
			a.NextServiceDue = dueIn(1)
		default:
			a.NextServiceDue = dueIn(2)
		}
	}
	job(fieldportal.StageScheduled, dueIn(0), "Annual extinguisher service to BS 5306-3: commission the new kitchen extinguishers.", supplied)
}
