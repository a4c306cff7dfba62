package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/fieldportal/fieldportal"
)

// The operator's two trading divisions.
const (
	fireDivision     = "contractor-fire"
	securityDivision = "contractor-security"
)

// technicians are the operator's engineers, named on jobs, tests and visits.
var technicians = []string{"Craig Whitfield", "Liam O'Connor", "Megan Hughes", "Ravi Kumar", "Ellie Dawson"}

// securityTechnicians do the CCTV and intruder alarm work.
var securityTechnicians = []string{"Dan Fletcher", "Ravi Kumar"}

// staffNames are the office staff who own tasks and answer issues.
var staffNames = []string{"Alex Morgan", "Jamie Patel"}

func (g *gen) organisation() {
	g.ds.Organisation = fieldportal.Organisation{
		ID:       "org",
		Name:     "Brightwater Fire & Security",
		Currency: "GBP",
		TimeZone: "Europe/London",
	}
	s := fieldportal.DefaultSettings()
	s.PaymentProvider = "testmode" // "Pay online" works in the demo without a real provider
	s.Branding = fieldportal.Branding{
		DisplayName:   "Brightwater Fire & Security",
		AccentColour:  "#b3261e",
		SupportEmail:  "service@brightwater.example",
		SupportPhone:  "0117 496 0123",
		WelcomeNotice: "Welcome to the Brightwater customer portal. For a fire alarm emergency call 0117 496 0199, 24 hours a day.",
	}
	g.ds.Logo = pngLogo()
	sum := sha256.Sum256(g.ds.Logo)
	s.Branding.Logo, s.Branding.LogoType = hex.EncodeToString(sum[:]), "image/png"
	g.ds.Settings = s
	g.ds.Staff = []StaffAccount{
		{User: fieldportal.StaffUser{ID: "staff-admin", Email: "admin@demo.test", Name: staffNames[0], Role: fieldportal.RoleAdmin, CreatedAt: g.past(730)}, Password: Password},
		{User: fieldportal.StaffUser{ID: "staff-office", Email: "staff@demo.test", Name: staffNames[1], Role: fieldportal.RoleStaff, CreatedAt: g.past(600)}, Password: Password},
	}
	g.ds.Contractors = []fieldportal.Contractor{
		{ID: fireDivision, Name: "Brightwater Fire", CreatedAt: g.past(730)},
		{ID: securityDivision, Name: "Brightwater Security Systems", CreatedAt: g.past(730)},
	}
}

// customerSpec describes a customer, its sites and its people.
type customerSpec struct {
	key, parent, name, email, phone, vat, orderPrefix string
	billing                                           fieldportal.Address
	sites                                             []siteSpec
	contacts                                          []contactSpec
}

type siteSpec struct {
	key, name, line1, line2, city, region, postcode string
	company, sprinklers, security                   bool
	notes                                           string
}

type contactSpec struct {
	key, first, last, email, position string
	quote, job, invoice, statement    bool
	primary                           bool
}

func addr(line1, line2, city, region, postcode string) fieldportal.Address {
	return fieldportal.Address{Line1: line1, Line2: line2, City: city, Region: region, Postcode: postcode, Country: "United Kingdom"}
}

// customerSpecs is the customer tree: Harbourside Property Group with four
// child customers (and a head office of its own), one of them Parkway
// Cinemas, a child with exactly one site (site@demo.test, SPEC §8, seed
// 000's "site customer record"); plus Kingsmead Dental, a customer of its
// own with one site.
var customerSpecs = []customerSpec{
	{
		key: "cust-harbourside", name: "Harbourside Property Group", email: "facilities@harbourside.example",
		phone: "0117 496 0456", vat: "GB 284 1937 62", orderPrefix: "HPG-",
		billing: addr("Harbourside House", "12 Canons Way", "Bristol", "City of Bristol", "BS1 5UH"),
		sites: []siteSpec{
			{key: "site-hq", name: "Harbourside House", line1: "12 Canons Way", city: "Bristol", region: "City of Bristol", postcode: "BS1 5UH", company: true, sprinklers: true, security: true, notes: "Head office. Reception on ground floor; sign in and collect a contractor badge."},
		},
		contacts: []contactSpec{
			{key: "contact-priya", first: "Priya", last: "Shah", email: "parent@demo.test", position: "Head of Facilities", quote: true, job: true, invoice: true, statement: true, primary: true},
			{key: "contact-tom", first: "Tom", last: "Reeves", email: "tom.reeves@harbourside.example", position: "Finance Manager", invoice: true, statement: true},
		},
	},
	{
		key: "cust-retail", parent: "cust-harbourside", name: "Harbourside Retail Park Ltd", email: "centre@harbourside-retail.example",
		phone: "0117 496 0512", orderPrefix: "HRP/",
		billing: addr("Centre Management Suite", "Avonmouth Way", "Bristol", "City of Bristol", "BS11 9YA"),
		sites: []siteSpec{
			{key: "site-retail-park", name: "Avonmouth Way Retail Park", line1: "Avonmouth Way", line2: "Units 1-9", city: "Bristol", region: "City of Bristol", postcode: "BS11 9YA", sprinklers: true, security: true, notes: "Sprinkler pump house behind Unit 9. Keys from centre management."},
			{key: "site-retail-terrace", name: "Longwell Green Retail Terrace", line1: "Aldermoor Way", line2: "Longwell Green", city: "Bristol", region: "South Gloucestershire", postcode: "BS30 7DA", security: true},
		},
		contacts: []contactSpec{
			{key: "contact-gareth", first: "Gareth", last: "Lewis", email: "gareth.lewis@harbourside-retail.example", position: "Centre Manager", quote: true, job: true, primary: true},
		},
	},
	{
		key: "cust-academy", parent: "cust-harbourside", name: "Severn Vale Academy Trust", email: "estates@severnvale.example",
		phone: "0117 496 0733", orderPrefix: "SVAT/",
		billing: addr("Trust Office, Severn Vale Primary School", "Station Road, Filton", "Bristol", "South Gloucestershire", "BS34 7JW"),
		sites: []siteSpec{
			{key: "site-primary", name: "Severn Vale Primary School", line1: "Station Road", line2: "Filton", city: "Bristol", region: "South Gloucestershire", postcode: "BS34 7JW", notes: "Term time: work in the school day only by prior arrangement. DBS-checked engineers only."},
			{key: "site-academy", name: "Kingsweston Academy", line1: "Kings Weston Lane", city: "Bristol", region: "City of Bristol", postcode: "BS11 0UT", security: true},
		},
		contacts: []contactSpec{
			{key: "contact-helen", first: "Helen", last: "Carter", email: "helen.carter@severnvale.example", position: "Estates Manager", quote: true, job: true, primary: true},
			{key: "contact-owen", first: "Owen", last: "Price", email: "owen.price@severnvale.example", position: "School Business Manager", invoice: true, statement: true},
		},
	},
	{
		key: "cust-offices", parent: "cust-harbourside", name: "Temple Quay Office Campus Ltd", email: "building@templequay.example",
		phone: "0117 496 0845", orderPrefix: "TQ-",
		billing: addr("Management Suite, North Building", "1 Temple Quay", "Bristol", "City of Bristol", "BS1 6DZ"),
		sites: []siteSpec{
			{key: "site-tq-north", name: "Temple Quay Campus - North Building", line1: "1 Temple Quay", city: "Bristol", region: "City of Bristol", postcode: "BS1 6DZ", sprinklers: true, security: true},
			{key: "site-tq-south", name: "Temple Quay Campus - South Building", line1: "3 Temple Back East", city: "Bristol", region: "City of Bristol", postcode: "BS1 6DZ"},
		},
		contacts: []contactSpec{
			{key: "contact-daniel", first: "Daniel", last: "Okafor", email: "daniel.okafor@templequay.example", position: "Building Manager", quote: true, job: true, invoice: true, primary: true},
		},
	},
	{
		key: "cust-parkway", parent: "cust-harbourside", name: "Parkway Cinemas Ltd", email: "accounts@parkwaycinemas.example",
		phone: "01793 496 021", vat: "GB 519 4402 17", orderPrefix: "PCL-",
		billing: addr("Parkway Cinema", "Greenbridge Road", "Swindon", "Wiltshire", "SN3 3LH"),
		sites: []siteSpec{
			{key: "site-cinema", name: "Parkway Cinema Swindon", line1: "Greenbridge Road", city: "Swindon", region: "Wiltshire", postcode: "SN3 3LH", sprinklers: true, security: true, notes: "Screens 1-8. Avoid testing sounders during performances (first screening 10:30)."},
		},
		contacts: []contactSpec{
			{key: "contact-sophie", first: "Sophie", last: "Turner", email: "site@demo.test", position: "General Manager", quote: true, job: true, invoice: true, statement: true, primary: true},
			{key: "contact-mark", first: "Mark", last: "Jenkins", email: "mark.jenkins@parkwaycinemas.example", position: "Duty Manager", job: true},
		},
	},
	{
		key: "cust-kingsmead", name: "Kingsmead Dental Practice", email: "practice@kingsmeaddental.example",
		phone: "01225 448 390", vat: "GB 728 1150 62", orderPrefix: "KDP-",
		billing: addr("Kingsmead House", "4 Kingsmead Square", "Bath", "Somerset", "BA1 2AB"),
		sites: []siteSpec{
			{key: "site-dental", name: "Kingsmead Dental Practice", line1: "4 Kingsmead Square", city: "Bath", region: "Somerset", postcode: "BA1 2AB", security: true, notes: "Surgery hours 08:00-18:00. Alarm panel in the rear store; code held by the practice manager."},
		},
		contacts: []contactSpec{
			{key: "contact-helenp", first: "Helen", last: "Price", email: "helen.price@kingsmeaddental.example", position: "Practice Manager", quote: true, job: true, invoice: true, statement: true, primary: true},
		},
	},
}

func (g *gen) people() {
	ancestors := map[string][]string{} // customer key -> contact keys of it and its ancestors
	for _, cs := range customerSpecs {
		g.ds.Customers = append(g.ds.Customers, fieldportal.Customer{
			ID: cs.key, ParentID: cs.parent, Name: cs.name, Billing: cs.billing,
			Phone: cs.phone, Email: cs.email, TaxNumber: cs.vat, CreatedAt: g.past(g.between(700, 730)),
		})
		var contacts []string
		for _, c := range cs.contacts {
			contacts = append(contacts, c.key)
			g.ds.Contacts = append(g.ds.Contacts, fieldportal.Contact{
				ID: c.key, CustomerID: cs.key, FirstName: c.first, LastName: c.last, Email: c.email,
				Phone: cs.phone, Mobile: fmt.Sprintf("07700 900%03d", g.r.IntN(1000)), Position: c.position,
				QuoteContact: c.quote, JobContact: c.job, InvoiceContact: c.invoice, StatementContact: c.statement,
				Primary: c.primary, CreatedAt: g.past(g.between(650, 700)),
			})
		}
		ancestors[cs.key] = append(contacts, ancestors[cs.parent]...)
		for _, s := range cs.sites {
			g.ds.Sites = append(g.ds.Sites, fieldportal.Site{
				ID: s.key, CustomerID: cs.key, Name: s.name,
				Address:     addr(s.line1, s.line2, s.city, s.region, s.postcode),
				UPRN:        fmt.Sprintf("%012d", 100000000000+g.r.Int64N(90000000000)),
				CompanySite: s.company, ContractorID: fireDivision, Notes: s.notes,
				CreatedAt: g.past(g.between(690, 720)),
			})
			g.siteKeys = append(g.siteKeys, s.key)
			g.site[s.key] = &siteInfo{key: s.key, customer: cs.key, name: s.name, orderPrefix: cs.orderPrefix,
				contacts: ancestors[cs.key], sprinklers: s.sprinklers, security: s.security}
		}
	}
	active := func(key, email string, access fieldportal.SiteAccess, sites []string, manage bool) PortalAccount {
		return PortalAccount{Password: Password, Login: fieldportal.PortalLogin{
			ID: "login-" + key[len("contact-"):], ContactID: key, Username: email, Status: fieldportal.LoginActive,
			Pages: append(fieldportal.Modules(nil), fieldportal.AllModules...), SiteAccess: access, SiteIDs: sites,
			MayManageContacts: manage, CreatedAt: g.past(g.between(400, 600)),
		}}
	}
	invited := active("contact-tom", "tom.reeves@harbourside.example", fieldportal.SiteAccessAll, nil, false)
	invited.Password, invited.Login.Status = "", fieldportal.LoginInvited
	invited.Login.CreatedAt = g.past(2)
	invited.Login.Pages = fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleInvoices, fieldportal.ModuleStatement}
	helen := active("contact-helen", "helen.carter@severnvale.example", fieldportal.SiteAccessAssigned, []string{"site-primary"}, false)
	g.ds.Logins = []PortalAccount{
		active("contact-priya", "parent@demo.test", fieldportal.SiteAccessAll, nil, true),
		active("contact-sophie", "site@demo.test", fieldportal.SiteAccessAll, nil, false),
		helen,
		invited,
	}
	g.ds.Demo = Logins{
		Admin:  Login{Email: "admin@demo.test", Password: Password, Role: "Operator admin (console)"},
		Parent: Login{Email: "parent@demo.test", Password: Password, Role: "Contact at Harbourside Property Group (parent customer, every site)"},
		Site:   Login{Email: "site@demo.test", Password: Password, Role: "Contact at Parkway Cinemas Ltd (a child customer with one site)"},
	}
}

// catalogueItems are the operator's price list (pence, ex VAT).
var catalogueItems = []struct {
	code, name string
	price      fieldportal.Money
}{
	{"FA-DET-OPT", "Optical smoke detector (addressable) with base", 4850},
	{"FA-DET-HEAT", "Heat detector A1R (addressable) with base", 4200},
	{"FA-MCP", "Manual call point (addressable)", 3900},
	{"FA-SNDR", "Wall sounder beacon (addressable)", 6800},
	{"FA-PANEL-2L", "2-loop addressable fire alarm panel, supplied and commissioned", 245000},
	{"FA-BATT", "Panel standby batteries 12 V 7 Ah (pair)", 3600},
	{"EL-BULK-LED", "LED maintained emergency bulkhead, 3 h", 8900},
	{"EL-EXIT", "LED emergency exit sign with running-man legend", 9800},
	{"EL-BATT", "Emergency light replacement battery pack", 2400},
	{"FE-CO2-2", "2 kg CO2 fire extinguisher", 6500},
	{"FE-FOAM-6", "6 L AFFF-free foam fire extinguisher", 5200},
	{"FE-STAND", "Double extinguisher stand with ID sign", 3800},
	{"SP-FLOW", "Sprinkler flow switch, supplied and fitted", 18500},
	{"SP-GAUGE", "Sprinkler pressure gauge, 0-16 bar", 4600},
	{"CC-CAM-4K", "4K IP dome camera, supplied and fitted", 29500},
	{"CC-NVR-16", "16-channel NVR with 8 TB storage", 115000},
	{"IA-PIR", "Grade 2 PIR detector", 5400},
	{"IA-PANEL", "Grade 2 intruder alarm control panel", 59000},
	{"LAB-HR", "Engineer labour, per hour", 6500},
	{"LAB-DAY", "Engineer day rate", 48000},
	{"CALL-OUT", "Emergency call-out, first hour", 12500},
}

// scripts are canned descriptions a contact can insert when reporting work.
var scripts = []struct{ title, body string }{
	{"Fire alarm fault", "Fire alarm fault: panel showing fault. Fault message on the display: ... Zone/loop: ... Buzzer silenced: yes/no. Any building work or redecoration on site recently: ..."},
	{"False alarm", "False alarm: the fire alarm activated with no fire at ... (time). Device that triggered (from the panel): ... Fire service attended: yes/no. Alarm has been reset: yes/no."},
	{"Emergency light not working", "Emergency light not working. Location: ... The fitting is dark / flashing red / showing a fault LED. Number of fittings affected: ..."},
	{"Extinguisher used or missing", "Fire extinguisher discharged or missing. Location: ... Type (colour band): ... Please replace and record on the next service."},
	{"Sprinkler concern", "Sprinkler system: ... (pressure low / alarm bell ringing / visible leak at ...). Valve set location: ... Is the main stop valve open and strapped: yes/no."},
	{"CCTV camera offline", "CCTV: camera(s) ... showing no picture or 'video loss' on the recorder since ... (date/time). Recorder model (if known): ..."},
	{"Intruder alarm fault", "Intruder alarm: fault or false activations. Panel message: ... Zone: ... Times of activations: ... Keyholder contact for out-of-hours visit: ..."},
	{"Book annual service", "Please book the annual service of the fire alarm, emergency lighting and extinguishers. Preferred days: ... Access arrangements: ..."},
}

func (g *gen) catalogue() {
	for i, s := range scripts {
		g.ds.Scripts = append(g.ds.Scripts, fieldportal.Script{ID: fmt.Sprintf("script-%02d", i+1), Title: s.title, Body: s.body, CreatedAt: g.past(700)})
	}
	for _, it := range catalogueItems {
		g.ds.Items = append(g.ds.Items, fieldportal.Item{ID: "item-" + it.code, Code: it.code, Name: it.name, UnitPrice: it.price, Active: true, CreatedAt: g.past(700)})
	}
}

// item returns a catalogue entry by code; the codes are constants of this package.
func item(code string) (name string, price fieldportal.Money) {
	for _, it := range catalogueItems {
		if it.code == code {
			return it.name, it.price
		}
	}
	panic("demo: unknown catalogue code " + code)
}
