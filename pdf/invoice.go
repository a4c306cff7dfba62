package pdf

import (
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// InvoiceExtras are what an invoice's printout says beyond the record:
// the organisation's tax number (printed under the title, as a tax
// invoice must show it) and how to pay, in its own words.
type InvoiceExtras struct {
	TaxNumber string
	HowToPay  string
}

// Invoice draws an invoice's printout as a tax invoice: the organisation
// (letterhead) and its tax number, the customer and site, the invoice's
// number and dates, its lines with their tax, the totals, what has been
// paid, the balance due and how to pay it. customer and site are the
// parties it is for.
func Invoice(opt Options, inv *fieldportal.Invoice, customer, site Party, x InvoiceExtras) ([]byte, error) {
	name := "Invoice " + inv.Number
	return render(opt, name, func(d *doc) {
		if inv.Status == fieldportal.InvoiceVoid {
			d.title("Tax invoice " + inv.Number + " (void)")
		} else {
			d.title("Tax invoice " + inv.Number)
		}
		if strings.TrimSpace(x.TaxNumber) != "" {
			d.paragraph("Tax number: "+x.TaxNumber, style{})
		}
		parties := []Party{customer}
		if site.Name != "" {
			parties = append(parties, site)
		}
		d.parties(parties...)
		fs := []field{
			{"Invoice number", inv.Number},
			{"Invoice date", formatDate(inv.IssueDate)},
			{"Due date", formatDate(inv.DueDate)},
			{"Order", inv.JobNumber},
		}
		if inv.SiteUPRN != "" {
			fs = append(fs, field{"UPRN", inv.SiteUPRN})
		}
		d.fields(fs...)
		if strings.TrimSpace(inv.Description) != "" {
			d.section("Description")
			d.paragraph(inv.Description, style{})
		}
		d.section("Lines")
		var items []lineItem
		for _, l := range inv.Lines {
			it := d.lineItem("", l.Description, l.Quantity, l.UnitPrice, l.Total)
			if l.Tax != 0 {
				it.description += " (tax " + d.money(l.Tax) + ")"
			}
			items = append(items, it)
		}
		d.lines(items)
		d.totals(
			total{label: "Total excluding tax", amount: d.money(inv.Subtotal)},
			total{label: "Tax", amount: d.money(inv.Tax)},
			total{label: "Total including tax", amount: d.money(inv.Total), bold: true},
			total{label: "Amount paid", amount: d.money(inv.AmountPaid)},
			total{label: "Balance due", amount: d.money(inv.Balance()), bold: true},
		)
		if len(inv.Payments) > 0 {
			d.section("Payments received")
			for _, p := range inv.Payments {
				line := web.FormatDate(p.PaidAt.In(d.opt.Zone)) + "  " + p.Label()
				if p.ReceiptNumber != "" {
					line += "  receipt " + p.ReceiptNumber
				}
				d.paragraph(line+"  "+d.money(p.Allocated), style{})
			}
		}
		if inv.Balance() > 0 {
			d.section("How to pay")
			d.paragraph("Please pay "+d.money(inv.Balance())+" by "+formatDate(inv.DueDate)+", quoting "+inv.Number+".", style{bold: true})
			if strings.TrimSpace(x.HowToPay) != "" {
				d.paragraph(x.HowToPay, style{})
			}
		}
	})
}
