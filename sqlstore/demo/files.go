package demo

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/fieldportal/fieldportal"
)

// certKinds are the compliance certificates the contractor issues.
var certKinds = []struct {
	typ, standard, division string
	needs                   string // asset type a site must have, "" for every site
}{
	{"Fire alarm certificate (BS 5839-1)", "BS 5839-1:2025", fireDivision, ""},
	{"Emergency lighting certificate (BS 5266-1)", "BS 5266-1:2016", fireDivision, ""},
	{"Fire extinguisher service (BS 5306-3)", "BS 5306-3:2017", fireDivision, ""},
	{"Sprinkler inspection (BS EN 12845)", "BS EN 12845:2015+A1:2019", fireDivision, typeSprinkler},
	{"Intruder alarm certificate (PD 6662)", "PD 6662:2017", securityDivision, typeIntruder},
}

// certificates issues, per site and kind, last year's certificate (now
// expired) and this year's; a few sites have let one lapse, so their
// latest certificate shows as expired.
func (g *gen) certificates() {
	n := 0
	for _, sk := range g.siteKeys {
		s := g.site[sk]
		for _, ck := range certKinds {
			if ck.needs != "" && len(g.assetsOf(s, []string{ck.needs})) == 0 {
				continue
			}
			issued := []int{g.between(375, 440)}
			if g.chance(0.85) {
				issued = append(issued, g.between(10, 340))
			}
			for _, ago := range issued {
				n++
				on := g.day(-ago)
				g.ds.Certificates = append(g.ds.Certificates, fieldportal.Certificate{
					ID: fmt.Sprintf("certificate-%03d", n), Number: fmt.Sprintf("BW-C-%05d", 20000+n*7),
					Type: ck.typ, CustomerID: s.customer, SiteID: sk, ContractorID: ck.division,
					IssuedOn: on, ExpiresOn: on.AddDays(365), CreatedAt: g.at(-ago, 16, 0),
				})
			}
		}
	}
}

// files makes the documents: a PDF for every certificate, contracts at
// customer level, a fire risk assessment and a zone plan for every site,
// and reports and photos on recent jobs (one kept from the customer).
func (g *gen) files() {
	add := func(d fieldportal.Document, data []byte) {
		sum := sha256.Sum256(data)
		d.ID = fmt.Sprintf("document-%03d", len(g.ds.Files)+1)
		d.Size, d.SHA256 = int64(len(data)), hex.EncodeToString(sum[:])
		if d.UploadedByContact == "" {
			d.UploadedByStaff = "staff-office"
		}
		g.ds.Files = append(g.ds.Files, File{Document: d, Data: data})
	}
	for i := range g.ds.Certificates {
		c := &g.ds.Certificates[i]
		site := g.site[c.SiteID]
		body := []string{
			"Certificate number: " + c.Number,
			"Premises: " + site.name,
			"Date of inspection: " + c.IssuedOn.Format("2 January 2006"),
			"Next inspection due by: " + c.ExpiresOn.Format("2 January 2006"),
			"",
			"We certify that the system at the premises above was inspected and",
			"serviced in accordance with the standard named above, and that",
			"defects found, if any, are listed on the attached schedule.",
			"",
			"Issued by Brightwater Fire & Security, Bristol.",
		}
		c.DocumentID = fmt.Sprintf("document-%03d", len(g.ds.Files)+1)
		add(fieldportal.Document{Name: c.Number + ".pdf", ContentType: "application/pdf", AttachedTo: "certificate",
			CustomerID: c.CustomerID, SiteID: c.SiteID, CertificateID: c.ID, VisibleToCustomer: true, CreatedAt: c.CreatedAt},
			pdfDocument(c.Type, body...))
	}
	contracts := []struct{ customer, name, title string }{
		{"cust-harbourside", "Planned maintenance contract.pdf", "Planned Maintenance Contract - Harbourside Property Group"},
		{"cust-harbourside", "Terms and conditions.pdf", "Brightwater Fire & Security - Terms and Conditions"},
		{"cust-academy", "Fire strategy summary.pdf", "Fire Strategy Summary - Severn Vale Academy Trust"},
		{"cust-parkway", "Maintenance agreement.pdf", "Maintenance Agreement - Parkway Cinemas Ltd"},
	}
	for _, c := range contracts {
		add(fieldportal.Document{Name: c.name, ContentType: "application/pdf", AttachedTo: "customer", CustomerID: c.customer,
			VisibleToCustomer: true, CreatedAt: g.past(g.between(300, 700))},
			pdfDocument(c.title, "Agreement period: two years from the start date.",
				"Visits: quarterly fire alarm, annual emergency lighting and extinguishers.",
				"Response: 4 hours for emergencies, next working day otherwise."))
	}
	for _, sk := range g.siteKeys {
		s := g.site[sk]
		add(fieldportal.Document{Name: "Fire risk assessment review.pdf", ContentType: "application/pdf", AttachedTo: "site",
			CustomerID: s.customer, SiteID: sk, VisibleToCustomer: true, CreatedAt: g.past(g.between(100, 500))},
			pdfDocument("Fire Risk Assessment Review - "+s.name, "Risk rating: tolerable.",
				"Actions: keep escape routes clear; test the alarm weekly; log every test."))
		add(fieldportal.Document{Name: "Fire alarm zone plan.png", ContentType: "image/png", AttachedTo: "site",
			CustomerID: s.customer, SiteID: sk, VisibleToCustomer: true, CreatedAt: g.past(g.between(200, 700))},
			g.zonePlan())
	}
	reports := 0
	for i := len(g.ds.Jobs) - 1; i >= 0 && reports < 14; i-- {
		j := g.ds.Jobs[i]
		if j.CompletedAt.IsZero() {
			continue
		}
		reports++
		done := fieldportal.DateOf(j.CompletedAt.In(g.loc))
		d := fieldportal.Document{AttachedTo: "job", CustomerID: j.CustomerID, SiteID: j.SiteID, JobID: j.ID,
			VisibleToCustomer: true, CreatedAt: j.CompletedAt}
		d.Name, d.ContentType = "Engineer's report "+done.String()+".pdf", "application/pdf"
		add(d, pdfDocument("Engineer's Report", "Site: "+g.site[j.SiteID].name, "Engineer: "+j.Technician,
			"Date: "+done.Format("2 January 2006"), "Work: "+j.Description, "Outcome: completed, system left operational."))
		if reports%4 == 1 {
			d.Name, d.ContentType = "Photo "+done.String()+".png", "image/png"
			add(d, g.zonePlan())
		}
		if reports == 2 {
			// Office notes stay in the console: the customer never sees them.
			d.Name, d.ContentType, d.VisibleToCustomer = "Engineer notes (internal).pdf", "application/pdf", false
			add(d, pdfDocument("Internal notes", "Customer asked about upgrading the panel; follow up with a quote.",
				"Access: ask for the facilities manager, not reception."))
		}
	}
}

// zonePlan draws a small floor plan: rooms, and the fire alarm devices.
func (g *gen) zonePlan() []byte {
	rooms := g.between(2, 5)
	var devices [][2]int
	for range g.between(4, 9) {
		devices = append(devices, [2]int{g.between(12, 228), g.between(12, 148)})
	}
	return pngPlan(240, 160, rooms, devices)
}
