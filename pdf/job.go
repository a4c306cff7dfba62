package pdf

import (
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Job draws a job's printout: the job's fields, its description, its
// assets and items, and the items' total. customer and site are the
// parties it is for; assets are those of the job the reader may see, in
// the order to show them (none leaves the section out).
func Job(opt Options, j *fieldportal.Job, customer, site Party, assets []*fieldportal.Asset) ([]byte, error) {
	name := jobKindLabel(j.Kind) + " order " + j.Number
	return render(opt, name, func(d *doc) {
		d.title(name)
		d.parties(customer, site)
		d.fields(
			field{"Number", j.Number},
			field{"Kind", jobKindLabel(j.Kind)},
			field{"Stage", j.Stage.Label()},
			field{"Order number", j.OrderNo},
			field{"Preferred date", joinNonEmpty(" ", formatDate(j.PreferredDate), windowLabel(j.PreferredWindow))},
			field{"Scheduled", timeRange(j.ScheduledStart, j.ScheduledEnd, d.opt.Zone)},
			field{"Technician", j.Technician},
			field{"Due date", formatDate(j.DueDate)},
		)
		if strings.TrimSpace(j.Description) != "" {
			d.section("Description")
			d.paragraph(j.Description, style{})
		}
		if len(assets) > 0 {
			d.section("Assets")
			for _, a := range assets {
				d.paragraph(joinNonEmpty(" · ", a.Number, a.Name, a.Location), style{})
			}
		}
		d.section("Items")
		var items []lineItem
		var sum fieldportal.Money
		for _, it := range j.Items {
			items = append(items, d.lineItem(it.Code, it.Description, it.Quantity, it.UnitPrice, it.Total))
			sum += it.Total
		}
		d.lines(items)
		d.totals(total{label: "Items total", amount: d.money(sum), bold: true})
	})
}

// jobKindLabel is a job's kind in words.
func jobKindLabel(k fieldportal.JobKind) string {
	if k == fieldportal.JobInstall {
		return "Install"
	}
	return "Service"
}

// windowLabel is a preferred time window in words.
func windowLabel(w string) string {
	switch w {
	case "am":
		return "morning"
	case "pm":
		return "afternoon"
	case "all_day":
		return "all day"
	}
	return ""
}

// lineItem writes one line of the lines table.
func (d *doc) lineItem(code, description string, qty int64, unit, total fieldportal.Money) lineItem {
	return lineItem{code: code, description: description, quantity: strconv.FormatInt(qty, 10),
		unitPrice: d.money(unit), total: d.money(total)}
}

// money writes an amount in the organisation's currency, as its pages do
// (web.MoneyText), without its formatting's allocations: a statement
// writes two amounts an entry. The currency's prefixes, for amounts and
// for negative ones, are read once from MoneyText itself.
func (d *doc) money(m fieldportal.Money) string {
	if d.moneyPrefix == nil {
		// MoneyText writes the digits of m, or of -m, after a prefix.
		pos, neg := web.MoneyText(d.opt.Currency, 1), web.MoneyText(d.opt.Currency, -1)
		d.moneyPrefix = &[2]string{strings.TrimSuffix(pos, "0.01"), strings.TrimSuffix(neg, "0.01")}
	}
	prefix := d.moneyPrefix[0]
	if m < 0 {
		prefix, m = d.moneyPrefix[1], -m
	}
	if m < 0 { // the most negative amount has no positive
		return web.MoneyText(d.opt.Currency, -m)
	}
	var b [48]byte
	var w [20]byte
	out := append(b[:0], prefix...)
	whole := strconv.AppendInt(w[:0], int64(m)/100, 10)
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	cents := int64(m) % 100
	out = append(out, '.', byte('0'+cents/10), byte('0'+cents%10))
	return string(out)
}

// formatDate writes a calendar date as the pages do: 3 Mar 2026.
func formatDate(dt fieldportal.Date) string {
	if dt.IsZero() {
		return ""
	}
	return web.FormatDate(dt.Time())
}

// timeRange writes a span in the zone: "3 Mar 2026 09:00–12:00" within a
// day, both ends in full otherwise.
func timeRange(start, end time.Time, zone *time.Location) string {
	if start.IsZero() {
		return ""
	}
	start = start.In(zone)
	if end.IsZero() {
		return web.FormatDateTime(start)
	}
	end = end.In(zone)
	if fieldportal.DateOf(start) == fieldportal.DateOf(end) {
		return web.FormatDateTime(start) + "–" + end.Format("15:04")
	}
	return web.FormatDateTime(start) + " – " + web.FormatDateTime(end)
}

// joinNonEmpty joins the parts that are not blank.
func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
