package pdf

import (
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Quote draws a quote's printout: its fields, description, items (the
// optional ones marked) and totals ex tax, tax and inc tax; once the
// customer has answered it online, who did and when. customer and site
// are the parties it is for.
func Quote(opt Options, q *fieldportal.Quote, customer, site Party) ([]byte, error) {
	name := "Quote " + q.Number
	return render(opt, name, func(d *doc) {
		d.title(name)
		d.parties(customer, site)
		d.fields(
			field{"Number", q.Number},
			field{"Stage", quoteStageLabel(q, d.opt)},
			field{"Valid until", formatDate(q.ValidUntil)},
			field{"Order number", q.OrderNo},
			field{"Preferred date", formatDate(q.PreferredDate)},
		)
		if strings.TrimSpace(q.Description) != "" {
			d.section("Description")
			d.paragraph(q.Description, style{})
		}
		d.section("Items")
		var items []lineItem
		for _, it := range q.Items {
			desc := it.Description
			if it.Optional {
				desc = "(Optional) " + desc
			}
			items = append(items, d.lineItem(it.Code, desc, it.Quantity, it.UnitPrice, it.Total))
		}
		d.lines(items)
		d.totals(
			total{label: "Total excluding tax", amount: d.money(q.TotalExTax)},
			total{label: "Tax", amount: d.money(q.Tax)},
			total{label: "Total including tax", amount: d.money(q.TotalIncTax), bold: true},
		)
		if answer := quoteAnswer(q, d); answer != "" {
			d.paragraph(answer, style{bold: true})
			if q.Stage == fieldportal.QuoteDeclined && strings.TrimSpace(q.DeclineReason) != "" {
				d.paragraph("Reason: "+q.DeclineReason, style{})
			}
		}
	})
}

// quoteStageLabel is a quote's stage in the words of its page: an
// outstanding quote past its validity on the day of printing is expired.
func quoteStageLabel(q *fieldportal.Quote, opt Options) string {
	switch q.Stage {
	case fieldportal.QuoteRequested:
		return "Awaiting price"
	case fieldportal.QuoteOutstanding:
		if !opt.Created.IsZero() && !q.ValidUntil.IsZero() && q.ValidUntil.Before(fieldportal.DateOf(opt.Created.In(opt.Zone))) {
			return "Expired"
		}
		return "Awaiting your answer"
	case fieldportal.QuoteApproved:
		return "Accepted"
	case fieldportal.QuoteDeclined:
		return "Declined"
	case fieldportal.QuoteExpired:
		return "Expired"
	}
	return ""
}

// quoteAnswer is the line saying who accepted or declined the quote
// online, and when (in the organisation's zone), or "".
func quoteAnswer(q *fieldportal.Quote, d *doc) string {
	var verb string
	switch q.Stage {
	case fieldportal.QuoteApproved:
		verb = "Accepted"
	case fieldportal.QuoteDeclined:
		verb = "Declined"
	default:
		return ""
	}
	if strings.TrimSpace(q.SignedByName) == "" {
		return ""
	}
	s := verb + " by " + oneLine(q.SignedByName)
	if !q.ActionedAt.IsZero() {
		s += " on " + web.FormatDateTime(q.ActionedAt.In(d.opt.Zone))
	}
	return s
}
