package gen

import (
	"fmt"
	"time"
)

// quoteFacts are a quote's site, stage and day.
type quoteFacts struct {
	site, day, items int
	stage            string
}

func (g *gen) quote(q int) quoteFacts {
	r := g.rec(kQuote, q)
	f := quoteFacts{site: g.pickSite(&r), day: spread(q, g.size.Quotes), items: 1 + r.intn(4)}
	age := -f.day
	x := r.float()
	switch {
	case age < 14:
		f.stage = "outstanding"
		if x < 0.4 {
			f.stage = "requested"
		}
	case age < 60:
		f.stage = []string{"outstanding", "approved", "approved", "declined", "expired"}[int(x*5)]
	default:
		f.stage = []string{"approved", "approved", "declined", "expired"}[int(x*4)]
	}
	return f
}

func (g *gen) quoteID(q int) string {
	return g.id(kQuote, q, g.at(spread(q, g.size.Quotes), 9+q%8, q%60))
}

// quoteItem is line pos of quote q: catalogue item, quantity, total.
func (g *gen) quoteItem(q, pos int) (item int, qty, total int64) {
	r := g.rec(kQuoteItem, q<<3|pos)
	item = r.intn(len(catalogue))
	qty = int64(1 + r.intn(6))
	return item, qty, qty * catalogue[item].price
}

func (g *gen) quotes() *table {
	return newTable("quotes", `id, org_id, external_id, number, customer_id, site_id, contractor_id, stage, order_no,
		preferred_date, description, total_ex_tax, tax, total_inc_tax, valid_until, requested_by, signed_by_name,
		actioned_at, decline_reason, created_in_portal, created_at, updated_at, deposit_kind, deposit_value`, func(yield func([]any) bool) {
		for q := range g.size.Quotes {
			f := g.quote(q)
			r := g.rec(kQuote, q+1<<30)
			var ex int64
			for pos := range f.items {
				_, _, t := g.quoteItem(q, pos)
				ex += t
			}
			tax := (ex*20 + 50) / 100
			at := g.at(f.day, 9+q%8, q%60)
			portal := f.stage == "requested" || r.chance(0.2)
			var requested, actioned any
			if portal {
				requested = g.contactID(g.contactAt(&r, f.site))
			}
			// A few priced quotes ask for a deposit (issue 22): a
			// percentage or a quarter of the total as an amount.
			depositKind, depositValue := "", int64(0)
			if f.stage != "requested" {
				switch {
				case f.stage == "outstanding" && q%2 == 0, q%11 == 3:
					depositKind, depositValue = "percent", []int64{10, 20, 25}[q%3]
				case q%11 == 7:
					depositKind, depositValue = "amount", (ex+tax)/4
				}
			}
			signed, reason := "", ""
			switch f.stage {
			case "approved":
				signed, actioned = "A. Customer", g.workTime(&r, min(0, f.day+r.between(1, 10)))
			case "declined":
				reason, actioned = "Budget not approved this year", g.workTime(&r, min(0, f.day+r.between(1, 10)))
			}
			if !yield([]any{g.id(kQuote, q, at), g.org, nullable(fmt.Sprintf("QT-%07d", q+1)), fmt.Sprintf("Q-%d", 1001+q),
				g.customerID(int(g.l.siteCust[f.site])), g.siteID(f.site), g.pickContractor(&r), f.stage,
				fmt.Sprintf("PO-%06d", r.intn(1000000)), g.date(f.day + r.between(7, 30)), pick(&r, workDescriptions),
				ex, tax, ex + tax, g.date(f.day + 30), requested, signed, actioned, reason, portal, at, at,
				depositKind, depositValue}) {
				return
			}
		}
	})
}

func (g *gen) quoteItems() *table {
	return newTable("quote_items", `id, org_id, quote_id, item_id, code, description, quantity, unit_price, total,
		optional, position`, func(yield func([]any) bool) {
		n := 0
		for q := range g.size.Quotes {
			f := g.quote(q)
			id := g.quoteID(q)
			for pos := range f.items {
				it, qty, total := g.quoteItem(q, pos)
				c := catalogue[it]
				if !yield([]any{g.id(kQuoteItem, n, g.at(f.day, 9, 0)), g.org, id, g.itemID(it), c.code, c.name, qty,
					c.price, total, pos == 3, pos}) {
					return
				}
				n++
			}
		}
	})
}

func (g *gen) quoteAssets() *table {
	return newTable("quote_assets", "quote_id, asset_id, org_id", func(yield func([]any) bool) {
		for q := range g.size.Quotes {
			r := g.rec(kQuote, q+2<<30)
			if !r.chance(0.3) {
				continue
			}
			if a := g.siteAsset(&r, g.quote(q).site); a >= 0 {
				if !yield([]any{g.quoteID(q), g.assetID(a), g.org}) {
					return
				}
			}
		}
	})
}

// jobFacts are a job's site, stage, kind, quote and day.
type jobFacts struct {
	site, day, quote, items int
	stage, kind             string
	start                   time.Time
}

func (g *gen) job(j int) jobFacts {
	r := g.rec(kJob, j)
	f := jobFacts{site: g.pickSite(&r), day: spread(j, g.size.Jobs), quote: -1, kind: "service", items: r.intn(4)}
	if r.chance(0.3) {
		f.kind = "install"
	}
	if q := j * g.size.Quotes / g.size.Jobs; r.chance(0.5) {
		if qf := g.quote(q); qf.stage == "approved" && qf.day <= f.day {
			f.quote, f.site = q, qf.site
		}
	}
	age, x := -f.day, r.float()
	switch {
	case age < 7:
		f.stage = []string{"pending", "scheduled"}[int(x*2)]
	case age < 30:
		f.stage = []string{"scheduled", "scheduled", "in_progress", "complete", "complete"}[int(x*5)]
	default:
		f.stage = []string{"invoiced", "invoiced", "invoiced", "archived", "archived", "complete"}[int(x*6)]
		if x > 0.99 {
			f.stage = "pending" // the odd job nobody booked
		}
	}
	if f.stage != "pending" {
		f.start = g.when(f.day+r.between(1, 14), r.between(8, 15), 0)
	}
	return f
}

func (g *gen) jobID(j int) string { return g.id(kJob, j, g.at(spread(j, g.size.Jobs), 8+j%9, j%60)) }

func (g *gen) jobs() *table {
	return newTable("jobs", `id, org_id, external_id, number, customer_id, site_id, contractor_id, quote_id, kind, stage,
		order_no, preferred_date, preferred_window, scheduled_start, scheduled_end, due_date, technician, description,
		requested_by, created_in_portal, completed_at, created_at, updated_at`, func(yield func([]any) bool) {
		for j := range g.size.Jobs {
			f := g.job(j)
			r := g.rec(kJob, j+1<<30)
			var quote, end, completed, tech, requested any
			if f.quote >= 0 {
				quote = g.quoteID(f.quote)
			}
			if !f.start.IsZero() {
				e := f.start.Add(time.Duration(r.between(1, 8)) * time.Hour)
				end, tech = e, pick(&r, technicians)
				switch f.stage {
				case "complete", "invoiced", "archived":
					completed = e
				}
			} else {
				tech = ""
			}
			portal := r.chance(0.25)
			if portal {
				requested = g.contactID(g.contactAt(&r, f.site))
			}
			at := g.at(f.day, 8+j%9, j%60)
			if !yield([]any{g.id(kJob, j, at), g.org, nullable(fmt.Sprintf("JB-%07d", j+1)), fmt.Sprintf("J-%d", 1001+j),
				g.customerID(int(g.l.siteCust[f.site])), g.siteID(f.site), g.pickContractor(&r), quote, f.kind, f.stage,
				fmt.Sprintf("PO-%06d", r.intn(1000000)), g.date(f.day + r.between(1, 21)),
				pick(&r, []string{"", "am", "pm", "all_day"}), nullTime(f.start), end, g.date(f.day + 28), tech,
				pick(&r, workDescriptions), requested, portal, completed, at, at}) {
				return
			}
		}
	})
}

func (g *gen) jobItems() *table {
	return newTable("job_items", `id, org_id, job_id, item_id, code, description, quantity, unit_price, total, position`,
		func(yield func([]any) bool) {
			n := 0
			for j := range g.size.Jobs {
				f := g.job(j)
				id := g.jobID(j)
				for pos := range f.items {
					r := g.rec(kJobItem, n)
					c := catalogue[r.intn(len(catalogue))]
					qty := int64(1 + r.intn(4))
					if !yield([]any{g.id(kJobItem, n, g.at(f.day, 9, 0)), g.org, id, nil, c.code, c.name, qty, c.price,
						qty * c.price, pos}) {
						return
					}
					n++
				}
			}
		})
}

func (g *gen) jobAssets() *table {
	return newTable("job_assets", "job_id, asset_id, org_id", func(yield func([]any) bool) {
		for j := range g.size.Jobs {
			r := g.rec(kJob, j+2<<30)
			if !r.chance(0.5) {
				continue
			}
			if a := g.siteAsset(&r, g.job(j).site); a >= 0 {
				if !yield([]any{g.jobID(j), g.assetID(a), g.org}) {
					return
				}
			}
		}
	})
}
