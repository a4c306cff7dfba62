package demo

import (
	"fmt"

	"github.com/fieldportal/fieldportal"
)

// The asset types of the demo (at least five: the brief and the reports).
const (
	typePanel        = "Fire alarm panel"
	typeDetector     = "Smoke detector"
	typeEmergency    = "Emergency light"
	typeExtinguisher = "Fire extinguisher"
	typeSprinkler    = "Sprinkler valve"
	typeCCTV         = "CCTV camera"
	typeIntruder     = "Intruder alarm panel"
)

// assetKind is how a type of equipment is made, serviced and tested.
type assetKind struct {
	typ, interval, level string
	every                int // days between routine tests
	models               [][2]string
	locations            []string
	failNotes            []string
}

var assetKinds = map[string]assetKind{
	typePanel: {typePanel, "weekly", "Gold", 7,
		[][2]string{{"Advanced", "MxPro 5 (2-loop)"}, {"Kentec", "Syncro AS"}, {"Gent", "Vigilon Compact"}},
		[]string{"Main entrance lobby", "Reception", "Security office"},
		[]string{"Weekly test: call point did not register on the panel", "Earth fault on loop 1", "Standby battery failed load test", "Sounder circuit open-circuit fault"}},
	typeDetector: {typeDetector, "quarterly", "Standard", 91,
		[][2]string{{"Apollo", "XP95 Optical"}, {"Hochiki", "ALN-EN"}, {"Apollo", "Soteria Optical"}},
		[]string{"Ground floor corridor", "First floor open-plan office", "Plant room", "Kitchen", "Stairwell A, level 2", "Server room", "Staff room"},
		[]string{"Detector failed smoke test: contaminated chamber", "Detector head missing from base", "No response to test: device address conflict"}},
	typeEmergency: {typeEmergency, "monthly", "Standard", 30,
		[][2]string{{"Ansell", "Eiger LED maintained"}, {"Channel Safety", "Escape LED"}, {"Thorn", "Voyager Sport"}},
		[]string{"Stairwell B", "Fire exit, rear corridor", "Main staircase", "Car park level 1", "Toilet lobby", "Plant room door"},
		[]string{"Fitting failed monthly flick test: battery not holding charge", "Lamp failed: LED driver fault", "Fitting damaged, diffuser missing"}},
	typeExtinguisher: {typeExtinguisher, "monthly", "Standard", 30,
		[][2]string{{"Britannia", "P50 6 L Foam"}, {"Britannia", "P50 2 kg CO2"}, {"Chubb", "FX6 Water"}, {"Jewel", "JCO2-2 2 kg CO2"}},
		[]string{"Kitchen", "Server room", "Reception", "Fire point, ground floor", "Fire point, first floor", "Workshop"},
		[]string{"Tamper seal broken, pressure gauge in red", "Extinguisher missing from bracket", "Hose cracked"}},
	typeSprinkler: {typeSprinkler, "weekly", "Gold", 7,
		[][2]string{{"Tyco", "AV-1 alarm valve set"}, {"Viking", "J-1 alarm check valve"}},
		[]string{"Sprinkler valve room", "Pump house"},
		[]string{"Water motor alarm bell did not sound on weekly test", "Installation pressure below set point", "Main stop valve found unstrapped"}},
	typeCCTV: {typeCCTV, "quarterly", "Standard", 91,
		[][2]string{{"Hikvision", "DS-2CD2386G2"}, {"Axis", "P3265-LVE"}},
		[]string{"Car park, north", "Service yard", "Main entrance", "Loading bay"},
		[]string{"Camera offline: no video on recorder", "Image blurred: dome dirty or focus out", "IR illuminator failed, no night picture"}},
	typeIntruder: {typeIntruder, "quarterly", "Standard", 91,
		[][2]string{{"Texecom", "Premier Elite 48"}, {"Pyronix", "Enforcer 32-WE"}},
		[]string{"Security office", "Reception cupboard"},
		[]string{"Signalling path failed: ARC not receiving test signal", "Tamper fault on zone 4", "Panel battery low"}},
}

// assetPlan says what equipment a site has: 64 assets over the eight sites.
func (g *gen) assetPlan(s *siteInfo) []string {
	plan := []string{typePanel, typeDetector, typeDetector, typeEmergency, typeExtinguisher, typeExtinguisher}
	if s.sprinklers {
		plan = append(plan, typeSprinkler)
	}
	if s.security {
		plan = append(plan, typeCCTV)
	}
	switch s.key {
	case "site-hq", "site-cinema", "site-retail-park":
		plan = append(plan, typeIntruder, typeEmergency)
	}
	return plan
}

// assets makes the equipment and moves a few items between sites.
func (g *gen) assets() {
	n := 0
	for _, sk := range g.siteKeys {
		s := g.site[sk]
		for _, typ := range g.assetPlan(s) {
			n++
			k := assetKinds[typ]
			m := pick(g, k.models)
			installed := g.day(-g.between(760, 2400))
			a := fieldportal.Asset{
				ID: fmt.Sprintf("asset-%03d", n), Number: fmt.Sprintf("A-%04d", 1000+n),
				CustomerID: s.customer, SiteID: sk, Type: typ,
				Name: typ + " - " + m[1], Location: pick(g, k.locations),
				Serial: fmt.Sprintf("%s%07d", m[0][:2], g.r.IntN(10000000)), Make: m[0], Model: m[1],
				ServiceLevel: k.level, ServiceInterval: k.interval, InstalledOn: installed,
				Status: "active", CreatedAt: g.past(g.between(700, 729)),
			}
			if n == 9 {
				a.Status = "inactive" // taken out of use, kept on the register
			}
			g.ds.Assets = append(g.ds.Assets, a)
		}
	}
	// Extinguishers moved between buildings of the same customer.
	moves := []struct{ from, to, note string }{
		{"site-tq-north", "site-tq-south", "Moved to South Building kitchen after refit."},
		{"site-primary", "site-academy", "Spare CO2 unit moved to the academy's new server room."},
		{"site-retail-park", "site-retail-terrace", "Relocated to Unit 3 at the terrace while the park's Unit 7 is vacant."},
	}
	for i, mv := range moves {
		for _, a := range g.ds.Assets {
			if a.SiteID == mv.from && a.Type == typeExtinguisher {
				g.ds.Transfers = append(g.ds.Transfers, fieldportal.AssetTransfer{
					ID: fmt.Sprintf("transfer-%d", i+1), AssetID: a.ID, FromSiteID: mv.from, ToSiteID: mv.to,
					TransferredOn: g.day(-g.between(60, 400)), Note: mv.note, CreatedAt: g.past(g.between(1, 50)),
				})
				break
			}
		}
	}
	for _, a := range g.ds.Assets {
		s := g.site[g.currentSite(a.ID)]
		s.assets = append(s.assets, a.ID)
	}
}

// tests makes two years of routine results for every asset: mostly
// passes, some "not tested" (no access), and failures of which the older
// ones were mostly put right and the recent ones are still open.
func (g *gen) tests() {
	start := -728
	for i := range g.ds.Assets {
		a := &g.ds.Assets[i]
		k := assetKinds[a.Type]
		techs := technicians
		if a.Type == typeCCTV || a.Type == typeIntruder {
			techs = securityTechnicians
		}
		var last fieldportal.Date
		for d := start + g.r.IntN(k.every); d <= -1; d += k.every {
			t := fieldportal.AssetTest{
				ID: fmt.Sprintf("test-%05d", len(g.ds.Tests)+1), AssetID: a.ID,
				TestedOn: g.day(d), Result: fieldportal.TestPass, Technician: pick(g, techs),
				CreatedAt: g.at(d, 17, 30),
			}
			if t.CreatedAt.After(g.now) {
				t.CreatedAt = g.now
			}
			switch x := g.r.Float64(); {
			case x < 0.05:
				t.Result = fieldportal.TestNotTested
				t.Notes = pick(g, []string{"No access: area locked", "No access: occupied classroom / meeting", "Not tested: customer asked to postpone", "Not tested: isolated for building works"})
			case x < 0.11:
				t.Result = fieldportal.TestFail
				t.Notes = pick(g, k.failNotes)
				// Recent failures are awaiting parts; older ones were
				// fixed within a fortnight, bar a few left outstanding.
				if d < -21 && g.chance(0.8) {
					t.RectifiedAt = g.at(d+g.between(1, 14), g.between(9, 16), 0)
					t.Notes += ". Rectified on a follow-up visit."
				}
			default:
				t.Notes = pick(g, []string{"", "", "Satisfactory", "Tested to schedule, no defects", "Logbook signed"})
			}
			if a.Type == typePanel || a.Type == typeSprinkler {
				// Weekly tests are done by the site's own staff and logged
				// here; the engineer's name is on the quarterly visits.
				if -d%91 > 7 {
					t.Technician = "Site responsible person"
				}
			}
			g.ds.Tests = append(g.ds.Tests, t)
			if t.Result != fieldportal.TestNotTested {
				last = t.TestedOn
			}
		}
		if !last.IsZero() {
			a.NextServiceDue = last.AddDays(k.every)
		}
	}
}
