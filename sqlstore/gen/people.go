package gen

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The operator: a fire and security contractor, as in the demo.
const orgName = "Brightwater Fire & Security"

// start is how many days of history the organisation has.
const start = 5 * 365

func (g *gen) organisations() *table {
	at := g.at(-start-30, 9, 0)
	return newTable("organisations", "id, name, host, currency, time_zone, created_at, updated_at",
		func(yield func([]any) bool) {
			yield([]any{g.org, orgName, nil, "GBP", "Europe/London", at, at})
		})
}

func (g *gen) settings() *table {
	s := fieldportal.DefaultSettings()
	s.PaymentProvider = "testmode" // "Pay online" works without a real provider, as in the demo
	s.Branding = fieldportal.Branding{DisplayName: orgName, AccentColour: "#b3261e",
		SupportEmail: "service@brightwater.example", SupportPhone: "0117 496 0123"}
	return newTable("organisation_settings", "org_id, data, updated_at", func(yield func([]any) bool) {
		b, err := json.Marshal(s)
		if err != nil {
			panic(err) // settings of plain values always marshal
		}
		yield([]any{g.org, string(b), g.at(-start-30, 9, 0)})
	})
}

// staffName is the name of staff user i; the first two are the personas.
func staffName(i int) string {
	return firstNames[(i*7)%len(firstNames)] + " " + lastNames[(i*11)%len(lastNames)]
}

func (g *gen) staffID(i int) string { return g.id(kStaff, i, g.at(-start-30+i, 9, 0)) }

func (g *gen) staff() *table {
	return newTable("staff_users", "id, org_id, email, name, role, password_hash, disabled, last_login_at, created_at, updated_at",
		func(yield func([]any) bool) {
			for i := range g.size.Staff {
				r := g.rec(kStaff, i)
				at := g.at(-start-30+i, 9, 0)
				email, role := fmt.Sprintf("staff%d@brightwater.example", i), "staff"
				switch i {
				case 0:
					email, role = Personas.Admin, "admin"
				case 1:
					email = Personas.Staff
				case 2, 3:
					role = "admin"
				}
				if !yield([]any{g.staffID(i), g.org, email, staffName(i), role, g.hash, i > 2 && r.chance(0.1),
					g.workTime(&r, -r.intn(30)), at, at}) {
					return
				}
			}
		})
}

// contractors: the operator's two divisions, then subcontractors.
var contractorNames = []string{"Brightwater Fire", "Brightwater Security Systems", "Severnside Electrical (sub)",
	"Cotswold Sprinklers (sub)", "West Country Access Control (sub)", "Avon Gas Services (sub)"}

func (g *gen) contractorID(i int) string { return g.id(kContractor, i, g.at(-start-30, 10, i)) }

// pickContractor is mostly the fire division, sometimes another.
func (g *gen) pickContractor(r *rec) string {
	if r.chance(0.7) {
		return g.contractorID(0)
	}
	return g.contractorID(r.intn(len(contractorNames)))
}

func (g *gen) contractors() *table {
	return newTable("contractors", "id, org_id, external_id, name, created_at, updated_at", func(yield func([]any) bool) {
		for i, n := range contractorNames {
			at := g.at(-start-30, 10, i)
			if !yield([]any{g.contractorID(i), g.org, fmt.Sprintf("DIV-%d", i+1), n, at, at}) {
				return
			}
		}
	})
}

func (g *gen) scripts() *table {
	return newTable("scripts", "id, org_id, external_id, title, body, created_at, updated_at", func(yield func([]any) bool) {
		for i, s := range scriptTexts {
			at := g.at(-start, 11, i)
			if !yield([]any{g.id(kScript, i, at), g.org, nil, s.title, s.body, at, at}) {
				return
			}
		}
	})
}

func (g *gen) itemID(i int) string { return g.id(kItem, i, g.at(-start, 12, i)) }

func (g *gen) items() *table {
	return newTable("items", "id, org_id, external_id, code, name, unit_price, active, created_at, updated_at",
		func(yield func([]any) bool) {
			for i, it := range catalogue {
				at := g.at(-start, 12, i)
				if !yield([]any{g.itemID(i), g.org, "ITEM-" + it.code, it.code, it.name, it.price, true, at, at}) {
					return
				}
			}
		})
}

// address is a made-up UK address.
func address(r *rec) (line1, city, region, postcode string) {
	t := pick(r, towns)
	return fmt.Sprintf("%d %s", r.between(1, 240), pick(r, streets)), t.name, t.region,
		fmt.Sprintf("%s%d %d%c%c", t.postcode, r.between(1, 40), r.intn(10), 'A'+r.intn(26), 'A'+r.intn(26))
}

func (g *gen) customerCreated(c int) int { return -start + c*300/max(1, len(g.l.custParent)) }

func (g *gen) customerID(c int) string {
	return g.id(kCustomer, c, g.at(g.customerCreated(c), 9, 30))
}

func (g *gen) customerName(r *rec, c int) string {
	switch {
	case c == 0:
		return "Harbourside Property Group"
	case c == g.l.siteChild:
		return "Parkway Cinemas Ltd"
	case g.l.custLevel[c] == 1:
		return fmt.Sprintf("Harbourside %s %s", pick(r, towns).name, pick(r, companyKinds))
	}
	return fmt.Sprintf("%s %s", pick(r, companyWords), pick(r, companyKinds))
}

func (g *gen) customers() *table {
	return newTable("customers", `id, org_id, external_id, parent_id, name, address_line1, address_line2, city, region,
		postcode, country, phone, email, tax_number, created_at, updated_at`, func(yield func([]any) bool) {
		for c, p := range g.l.custParent {
			r := g.rec(kCustomer, c)
			name := g.customerName(&r, c)
			var parent any
			if p >= 0 {
				parent = g.customerID(int(p))
			}
			line1, city, region, postcode := address(&r)
			vat := ""
			if r.chance(0.4) {
				vat = fmt.Sprintf("GB %03d %04d %02d", r.intn(1000), r.intn(10000), r.intn(100))
			}
			at := g.workTime(&r, g.customerCreated(c))
			if !yield([]any{g.customerID(c), g.org, fmt.Sprintf("CUST-%06d", c+1), parent, name, line1, "", city, region,
				postcode, "United Kingdom", fmt.Sprintf("0%d 496 %04d", r.between(113, 199), r.intn(10000)),
				fmt.Sprintf("accounts@c%d.example", c), vat, at, at}) {
				return
			}
		}
	})
}

func (g *gen) siteCreated(s int) int { return g.customerCreated(int(g.l.siteCust[s])) + s%30 }

func (g *gen) siteID(s int) string { return g.id(kSite, s, g.at(g.siteCreated(s), 10, 0)) }

func (g *gen) sites() *table {
	return newTable("sites", `id, org_id, external_id, customer_id, name, address_line1, address_line2, city, region,
		postcode, country, uprn, company_site, contractor_id, created_in_portal, notes, created_at, updated_at`,
		func(yield func([]any) bool) {
			for s, c := range g.l.siteCust {
				r := g.rec(kSite, s)
				line1, city, region, postcode := address(&r)
				name := fmt.Sprintf("%s %s", pick(&r, companyWords), pick(&r, siteKinds))
				if c == int32(g.l.siteChild) {
					name = "Parkway Cinema Swindon"
				}
				notes := ""
				if r.chance(0.2) {
					notes = "Sign in at reception and collect a contractor badge."
				}
				portal := r.chance(0.02)
				at := g.at(g.siteCreated(s), 10, 0)
				if !yield([]any{g.siteID(s), g.org, fmt.Sprintf("SITE-%06d", s+1), g.customerID(int(c)), name, line1, "",
					city, region, postcode, "United Kingdom", fmt.Sprintf("%012d", 100000000000+r.next()%90000000000),
					int(c) == 0 && r.chance(0.5), g.pickContractor(&r), portal, notes, at, at}) {
					return
				}
			}
		})
}

func (g *gen) contactID(k int) string {
	return g.id(kContact, k, g.at(g.customerCreated(int(g.l.contactCust[k]))+1, 11, 0))
}

// contactName is a contact's first and last name and email address.
func (g *gen) contactName(k int) (first, last, email string) {
	switch {
	case k == 0:
		return "Priya", "Shah", Personas.Parent
	case k == int(g.l.custContacts[g.l.siteChild]):
		return "Sophie", "Turner", Personas.Site
	}
	r := g.rec(kContact, k)
	first, last = pick(&r, firstNames), pick(&r, lastNames)
	return first, last, fmt.Sprintf("%s.%s.%d@c%d.example", strings.ToLower(first), strings.ToLower(last), k, g.l.contactCust[k])
}

func (g *gen) contacts() *table {
	return newTable("contacts", `id, org_id, external_id, customer_id, first_name, last_name, email, phone, mobile,
		position, quote_contact, job_contact, invoice_contact, statement_contact, is_primary, created_in_portal,
		created_at, updated_at`, func(yield func([]any) bool) {
		for k, c := range g.l.contactCust {
			r := g.rec(kContact, k)
			r.next()
			r.next() // the two names' draws (contactName)
			first, last, email := g.contactName(k)
			primary := k == int(g.l.custContacts[c])
			at := g.at(g.customerCreated(int(c))+1, 11, 0)
			if !yield([]any{g.contactID(k), g.org, fmt.Sprintf("CON-%06d", k+1), g.customerID(int(c)), first, last, email,
				fmt.Sprintf("0117 496 %04d", r.intn(10000)), fmt.Sprintf("07700 900%03d", r.intn(1000)), pick(&r, positions),
				primary || r.chance(0.5), primary || r.chance(0.5), primary || r.chance(0.3), primary, primary,
				r.chance(0.02), at, at}) {
				return
			}
		}
	})
}

func (g *gen) loginID(j int) string {
	k := int(g.l.loginContacts[j])
	return g.id(kLogin, j, g.at(g.customerCreated(int(g.l.contactCust[k]))+2, 12, 0))
}

// loginFacts says how login j is set up: site access "assigned" gives the
// first one or two sites of the contact's own customer.
type loginFacts struct {
	status   fieldportal.LoginStatus
	assigned int // number of assigned sites; 0: all sites
	pages    string
	manage   bool
}

func (g *gen) loginFacts(j int) loginFacts {
	all := fieldportal.Modules(fieldportal.AllModules).String()
	if j < 2 {
		return loginFacts{status: fieldportal.LoginActive, pages: all, manage: j == 0}
	}
	r := g.rec(kLogin, j)
	f := loginFacts{status: fieldportal.LoginActive, pages: all, manage: r.chance(0.1)}
	switch x := r.float(); {
	case x < 0.07:
		f.status = fieldportal.LoginInvited
	case x < 0.10:
		f.status = fieldportal.LoginDisabled
	}
	if r.chance(0.3) {
		f.pages = fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleSites, fieldportal.ModuleInvoices,
			fieldportal.ModuleStatement}.String()
	}
	c := g.l.contactCust[g.l.loginContacts[j]]
	if n := int(g.l.custSites[c+1] - g.l.custSites[c]); n > 0 && r.chance(0.1) {
		f.assigned = min(n, 1+r.intn(2))
	}
	return f
}

func (g *gen) logins() *table {
	return newTable("portal_logins", `id, org_id, contact_id, username, password_hash, status, must_change_password,
		page_access, site_access, may_manage_contacts, last_login_at, created_at, updated_at`, func(yield func([]any) bool) {
		for j, k := range g.l.loginContacts {
			f := g.loginFacts(j)
			r := g.rec(kLogin, j+1<<30)
			_, _, email := g.contactName(int(k))
			hash, last := g.hash, any(g.workTime(&r, -r.intn(90)))
			if f.status == fieldportal.LoginInvited {
				hash, last = "", nil
			}
			access := "all"
			if f.assigned > 0 {
				access = "assigned"
			}
			at := g.at(g.customerCreated(int(g.l.contactCust[k]))+2, 12, 0)
			if !yield([]any{g.loginID(j), g.org, g.contactID(int(k)), email, hash, string(f.status), false, f.pages,
				access, f.manage, last, at, at}) {
				return
			}
		}
	})
}

func (g *gen) loginSites() *table {
	return newTable("login_sites", "login_id, site_id, org_id", func(yield func([]any) bool) {
		for j, k := range g.l.loginContacts {
			f := g.loginFacts(j)
			first := int(g.l.custSites[g.l.contactCust[k]])
			for s := range f.assigned {
				if !yield([]any{g.loginID(j), g.siteID(first + s), g.org}) {
					return
				}
			}
		}
	})
}
