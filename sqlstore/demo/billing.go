package demo

import (
	"fmt"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// line prices one invoice line at 20% VAT. Total is the line's amount
// before tax, as on a quote item; the invoice's Total adds the tax.
func line(desc string, qty int64, unit fieldportal.Money) fieldportal.InvoiceLine {
	ex := unit * fieldportal.Money(qty)
	return fieldportal.InvoiceLine{Description: desc, Quantity: qty, UnitPrice: unit, Tax: vat(ex), Total: ex}
}

// newInvoice sums its lines.
func newInvoice(customer, site string, issue fieldportal.Date, desc string, lines ...fieldportal.InvoiceLine) fieldportal.Invoice {
	inv := fieldportal.Invoice{CustomerID: customer, SiteID: site, ContractorID: fireDivision, IssueDate: issue,
		DueDate: issue.AddDays(30), Description: desc, Lines: lines, Status: fieldportal.InvoiceUnpaid}
	for _, l := range lines {
		inv.Subtotal += l.Total
		inv.Tax += l.Tax
	}
	inv.Total = inv.Subtotal + inv.Tax
	return inv
}

// ppmDescription describes the group's quarterly contract invoices.
const ppmDescription = "Planned preventative maintenance, portfolio contract: quarter in advance"

// serviceParts are what a service visit may use besides labour.
var serviceParts = []string{"FA-BATT", "EL-BATT", "FE-CO2-2", "FA-DET-OPT", "FA-MCP", "CALL-OUT"}

// invoices bills every invoiced or archived job, the group's quarterly
// maintenance contract and the trust's annual one (both customer-level:
// no site), and the cinema's monthly contract; then settles them.
func (g *gen) invoices() {
	var all []fieldportal.Invoice
	for _, j := range g.ds.Jobs {
		if j.Stage != fieldportal.StageInvoiced && j.Stage != fieldportal.StageArchived {
			continue
		}
		issue := fieldportal.DateOf(j.CompletedAt.In(g.loc)).AddDays(g.between(1, 6))
		var lines []fieldportal.InvoiceLine
		if j.Kind == fieldportal.JobInstall {
			for _, it := range j.Items {
				lines = append(lines, line(it.Description, it.Quantity, it.UnitPrice))
			}
		} else {
			desc, _, _ := strings.Cut(j.Description, ":")
			desc, _, _ = strings.Cut(desc, ".")
			lines = append(lines, line("Labour: "+desc, int64(g.between(2, 6)), 6500))
			if g.chance(0.5) {
				name, price := item(pick(g, serviceParts))
				lines = append(lines, line(name, int64(g.between(1, 2)), price))
			}
		}
		inv := newInvoice(j.CustomerID, j.SiteID, issue, j.Description, lines...)
		inv.JobID, inv.ContractorID = j.ID, j.ContractorID
		all = append(all, inv)
		if len(all) == 4 {
			void := inv
			void.SiteID = ""
			void.Description = "Raised in error against the wrong account; re-issued."
			void.Status = fieldportal.InvoiceVoid
			all = append(all, void)
		}
	}
	var ppm []fieldportal.InvoiceLine
	for _, sk := range g.siteKeys {
		if sk != "site-cinema" {
			ppm = append(ppm, line("Planned maintenance visits: "+g.site[sk].name, 1, fieldportal.Money(g.between(15, 35))*1000))
		}
	}
	for k := range 8 {
		all = append(all, newInvoice("cust-harbourside", "", g.day(-10-91*k), ppmDescription, ppm...))
	}
	for k := range 2 {
		all = append(all, newInvoice("cust-academy", "", g.day(-335-365*k),
			"Annual maintenance contract: fire alarm, emergency lighting and extinguishers, both schools",
			line("Annual maintenance contract, Severn Vale Primary School", 1, 96000),
			line("Annual maintenance contract, Kingsweston Academy", 1, 144000)))
	}
	first := fieldportal.Date{Year: g.today.Year, Month: g.today.Month, Day: 1}
	for k := range 12 {
		issue := fieldportal.DateOf(first.Time().AddDate(0, -k, 0))
		inv := newInvoice("cust-parkway", "site-cinema", issue, "Monthly fire alarm and emergency lighting maintenance",
			line("Monthly maintenance contract: fire alarm, emergency lighting, extinguishers", 1, 17500))
		inv.DueDate = issue.AddDays(13) // paid automatically on the 14th
		all = append(all, inv)
	}
	sortByCreated(all, func(i *fieldportal.Invoice) time.Time { return i.IssueDate.Time() })
	for i := range all {
		inv := &all[i]
		inv.ID, inv.Number = fmt.Sprintf("invoice-%03d", i+1), fmt.Sprintf("INV-%05d", 24001+i)
		inv.CreatedAt = g.at(-inv.IssueDate.DaysUntil(g.today), 9, 0)
		if inv.CreatedAt.After(g.now) {
			inv.CreatedAt = g.now
		}
	}
	g.ds.Invoices = all
	g.settle()
}

// settle decides how much of each invoice is paid, making payments (with
// their allocations) that add up: old invoices are mostly paid, a few are
// long overdue, recent ones are a mix; the trust pays by quarterly BACS
// remittance covering several invoices, the cinema by saved card.
func (g *gen) settle() {
	receipts := 0
	newPayment := func(inv *fieldportal.Invoice, method string, paid time.Time) fieldportal.Payment {
		receipts++
		p := fieldportal.Payment{ID: fmt.Sprintf("payment-%03d", receipts), CustomerID: inv.CustomerID, Currency: "GBP",
			Method: method, ReceiptNumber: fmt.Sprintf("R-%05d", 10000+receipts), Status: fieldportal.PaymentSucceeded,
			PaidAt: paid, CreatedAt: paid}
		switch method {
		case "card":
			p.Provider, p.ProviderRef = "testmode", fmt.Sprintf("pi_demo_%06d", receipts)
		case "cheque":
			p.ProviderRef = fmt.Sprintf("CHQ-%06d", 300000+receipts)
		default:
			p.ProviderRef = fmt.Sprintf("BACS-%06d", 700000+receipts)
		}
		return p
	}
	batch := map[string]int{} // trust's quarter -> index of its remittance in Payments
	for i := range g.ds.Invoices {
		inv := &g.ds.Invoices[i]
		if inv.Status == fieldportal.InvoiceVoid || !inv.IssueDate.Before(g.today) {
			continue
		}
		overdueBy := inv.DueDate.DaysUntil(g.today)
		// Chances of being paid in full and in part, by how late it is.
		full, part := 0.2, 0.2
		switch {
		case overdueBy > 60:
			full, part = 0.6, 0.15
		case overdueBy > 0:
			full, part = 0.4, 0.25
		}
		var pay fieldportal.Money
		switch x := g.r.Float64(); {
		case inv.CustomerID == "cust-parkway":
			if inv.DueDate.Before(g.today) {
				pay = inv.Total
			}
		case x < full:
			pay = inv.Total
		case x < full+part:
			pay = inv.Total * fieldportal.Money(g.between(3, 7)) / 1000 * 100 // 30-70%, in whole pounds
		}
		if pay == 0 {
			continue
		}
		days := inv.IssueDate.DaysUntil(g.today)
		paidDay := -days + min(g.between(5, 45), days-1)
		paid := g.at(paidDay, g.between(9, 16), g.between(0, 59))
		if inv.CustomerID == "cust-parkway" {
			paid = g.at(-inv.DueDate.DaysUntil(g.today), 6, 0)
		}
		inv.AmountPaid = pay
		inv.Status = inv.StatusFor()
		alloc := fieldportal.PaymentAllocation{InvoiceID: inv.ID, Amount: pay}
		if inv.CustomerID == "cust-academy" && pay == inv.Total {
			d := fieldportal.DateOf(paid.In(g.loc))
			q := fmt.Sprintf("%d-%d", d.Year, (d.Month-1)/3)
			if k, ok := batch[q]; ok {
				p := &g.ds.Payments[k]
				p.Amount += pay
				p.Allocations = append(p.Allocations, alloc)
				if paid.After(p.PaidAt) {
					p.PaidAt, p.CreatedAt = paid, paid
				}
				continue
			}
			batch[q] = len(g.ds.Payments)
		}
		method := "bank_transfer"
		switch inv.CustomerID {
		case "cust-parkway":
			method = "card"
		case "cust-retail", "cust-offices":
			method = pick(g, []string{"card", "bank_transfer", "cheque"})
		}
		p := newPayment(inv, method, paid)
		p.Amount, p.Allocations = pay, []fieldportal.PaymentAllocation{alloc}
		if method == "card" && inv.CustomerID != "cust-parkway" {
			p.PaidBy = g.site[g.firstSiteOf(inv.CustomerID)].contacts[0]
		}
		g.ds.Payments = append(g.ds.Payments, p)
	}
	sortByCreated(g.ds.Payments, func(p *fieldportal.Payment) time.Time { return p.PaidAt })
}

func (g *gen) firstSiteOf(customer string) string {
	for _, sk := range g.siteKeys {
		if g.site[sk].customer == customer {
			return sk
		}
	}
	return ""
}

// recurring sets up the cinema's monthly contract, paid automatically by
// its saved card, and the group's quarterly one, paid by transfer.
func (g *gen) recurring() {
	monthly := fieldportal.RecurringInvoice{ID: "recurring-cinema", CustomerID: "cust-parkway", SiteID: "site-cinema",
		Name: "Monthly fire alarm and emergency lighting maintenance", TotalIncTax: 21000, Frequency: fieldportal.Monthly,
		Autopay: true, Active: true, CreatedAt: g.past(400)}
	quarterly := fieldportal.RecurringInvoice{ID: "recurring-portfolio", CustomerID: "cust-harbourside",
		Name: "Quarterly planned preventative maintenance, portfolio contract", Frequency: fieldportal.Quarterly,
		Active: true, CreatedAt: g.past(729)}
	for _, inv := range g.ds.Invoices {
		r := &quarterly
		if inv.CustomerID == "cust-parkway" {
			r = &monthly
		} else if inv.Description != ppmDescription {
			continue
		}
		r.TotalIncTax = inv.Total
		if r.Frequency == fieldportal.Monthly {
			r.NextDueDate = fieldportal.DateOf(inv.DueDate.Time().AddDate(0, 1, 0))
			if inv.Status != fieldportal.InvoicePaid {
				r.NextDueDate = inv.DueDate
			}
		} else {
			r.NextDueDate = inv.IssueDate.AddDays(91)
		}
		for _, p := range g.ds.Payments {
			for _, a := range p.Allocations {
				if a.InvoiceID == inv.ID {
					r.LastPaymentDate = fieldportal.DateOf(p.PaidAt.In(g.loc))
				}
			}
		}
	}
	g.ds.Recurring = []fieldportal.RecurringInvoice{monthly, quarterly}
	g.ds.Cards = []fieldportal.SavedCard{{ID: "card-cinema", CustomerID: "cust-parkway", Provider: "testmode",
		ProviderRef: "pm_demo_parkway_visa", Brand: "visa", Last4: "4242", ExpMonth: 8, ExpYear: g.today.Year + 2, CreatedAt: g.past(400)}}
}
