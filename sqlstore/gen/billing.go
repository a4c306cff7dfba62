package gen

import (
	"fmt"
	"time"
)

// invoiceFacts are everything about an invoice that its lines, payment,
// allocation and documents must agree with.
type invoiceFacts struct {
	site, cust, job, day  int // site -1: a customer-level invoice; job -1: none
	lines, firstLine      int
	subtotal, tax, paid   int64
	status, method        string
	paidDay, hour, minute int
}

// invoiceLines is how many lines invoice i has: the even share of the
// size's lines, shifted within each pair of invoices so that counts vary
// from one to five while the total stays exact.
func (g *gen) invoiceLineCount(i int) (n, first int) {
	N, L := g.size.Invoices, g.size.InvoiceLines
	pair := i &^ 1
	first = int(int64(pair) * int64(L) / int64(N))
	if pair+1 >= N {
		return share(i, L, N), first
	}
	b0, b1 := share(pair, L, N), share(pair+1, L, N)
	r := g.rec(kLine, -1-pair/2)
	d := r.intn(min(b0-1, 5-b1) + 1)
	if i == pair {
		return b0 - d, first
	}
	return b1 + d, first + b0 - d
}

// invoiceLine is line pos of invoice i: description, quantity, unit
// price, tax (VAT at 20%) and total before tax, as the demo prices them.
func (g *gen) invoiceLine(line int) (desc string, qty, unit, tax, total int64) {
	r := g.rec(kLine, line)
	c := catalogue[r.intn(len(catalogue))]
	qty = int64(1 + r.intn(5))
	total = qty * c.price
	return c.name, qty, c.price, (total*20 + 50) / 100, total
}

func (g *gen) invoice(i int) invoiceFacts {
	r := g.rec(kInvoice, i)
	f := invoiceFacts{job: -1, day: spread(i, g.size.Invoices), hour: 8 + r.intn(10), minute: r.intn(60)}
	if jb := int(int64(i) * int64(g.size.Jobs) / int64(g.size.Invoices)); r.chance(0.3) {
		if jf := g.job(jb); jf.stage == "invoiced" && jf.day <= f.day {
			f.job, f.site = jb, jf.site
		}
	}
	if f.job < 0 {
		f.site = g.pickSite(&r)
	}
	f.cust = int(g.l.siteCust[f.site])
	if f.job < 0 && r.chance(0.01) {
		f.site = -1 // billed to the customer, not for a site
	}
	f.lines, f.firstLine = g.invoiceLineCount(i)
	for k := range f.lines {
		_, _, _, tax, total := g.invoiceLine(f.firstLine + k)
		f.subtotal += total
		f.tax += tax
	}
	age, x, y := -f.day, r.float(), r.float()
	switch {
	case x < 0.005:
		f.status = "void"
	case age <= 60 && y < 0.8, age > 60 && y < 0.025:
		f.status = "unpaid"
	case y > 0.99:
		f.status, f.paid = "part_paid", (f.subtotal+f.tax)/2
	default:
		f.status, f.paid = "paid", f.subtotal+f.tax
	}
	if f.paid > 0 {
		f.paidDay = min(f.day+r.between(1, 45), 0)
		switch z := r.float(); {
		case z < 0.4:
			f.method = "card"
		case z < 0.85:
			f.method = "bank_transfer"
		case z < 0.95:
			f.method = "direct_debit"
		default:
			f.method = "cheque"
		}
	}
	return f
}

func (f invoiceFacts) created(g *gen) time.Time { return g.at(f.day, f.hour, f.minute) }

func (g *gen) invoiceID(i int) string { return g.id(kInvoice, i, g.invoice(i).created(g)) }

func (g *gen) invoices() *table {
	return newTable("invoices", `id, org_id, external_id, number, customer_id, site_id, job_id, contractor_id, issue_date,
		due_date, description, subtotal, tax, total, amount_paid, status, created_at, updated_at`,
		func(yield func([]any) bool) {
			for i := range g.size.Invoices {
				f := g.invoice(i)
				r := g.rec(kInvoice, i+1<<30)
				var site, job any
				if f.site >= 0 {
					site = g.siteID(f.site)
				}
				desc := pick(&r, workDescriptions)
				if f.job >= 0 {
					job = g.jobID(f.job)
				}
				at := f.created(g)
				updated := at
				if f.paid > 0 {
					updated = g.at(f.paidDay, 12, 0)
				}
				if !yield([]any{g.id(kInvoice, i, at), g.org, fmt.Sprintf("SIM-%08d", i+1), fmt.Sprintf("INV-%d", 1001+i),
					g.customerID(f.cust), site, job, g.pickContractor(&r), g.date(f.day), g.date(f.day + 30), desc,
					f.subtotal, f.tax, f.subtotal + f.tax, f.paid, f.status, at, updated}) {
					return
				}
			}
		})
}

func (g *gen) invoiceLines() *table {
	return newTable("invoice_lines", "id, org_id, invoice_id, description, quantity, unit_price, tax, total, position",
		func(yield func([]any) bool) {
			for i := range g.size.Invoices {
				f := g.invoice(i)
				at := f.created(g)
				id := g.id(kInvoice, i, at)
				for k := range f.lines {
					desc, qty, unit, tax, total := g.invoiceLine(f.firstLine + k)
					if !yield([]any{g.id(kLine, f.firstLine+k, at), g.org, id, desc, qty, unit, tax, total, k}) {
						return
					}
				}
			}
		})
}

// payments: one per invoice that has money against it, allocated to it
// whole; so every invoice's amount paid is the sum of its allocations.
func (g *gen) payments() *table {
	return newTable("payments", `id, org_id, external_id, customer_id, amount, currency, method, provider, provider_ref,
		receipt_number, status, paid_at, paid_by, created_at, updated_at`, func(yield func([]any) bool) {
		n := 0
		for i := range g.size.Invoices {
			f := g.invoice(i)
			if f.paid == 0 {
				continue
			}
			r := g.rec(kPayment, i)
			at := g.at(f.paidDay, 8+r.intn(10), r.intn(60))
			provider, ref, by := "", any(nil), any(nil)
			if f.method == "card" {
				provider, ref = "testmode", fmt.Sprintf("tm_%016x", r.next())
				if f.site >= 0 {
					by = g.contactID(g.contactAt(&r, f.site))
				}
			}
			n++
			if !yield([]any{g.id(kPayment, i, at), g.org, nil, g.customerID(f.cust), f.paid, "GBP", f.method, provider,
				ref, fmt.Sprintf("R-%d", 1000+n), "succeeded", at, by, at, at}) {
				return
			}
		}
		g.receipts = n
	})
}

func (g *gen) paymentID(i int, f invoiceFacts) string {
	r := g.rec(kPayment, i)
	return g.id(kPayment, i, g.at(f.paidDay, 8+r.intn(10), r.intn(60)))
}

func (g *gen) allocations() *table {
	return newTable("payment_allocations", "payment_id, invoice_id, org_id, amount", func(yield func([]any) bool) {
		for i := range g.size.Invoices {
			f := g.invoice(i)
			if f.paid == 0 {
				continue
			}
			if !yield([]any{g.paymentID(i, f), g.id(kInvoice, i, f.created(g)), g.org, f.paid}) {
				return
			}
		}
	})
}

// recurring: schedules for evenly spread customers (one each), two in
// five paid automatically by a saved card.
func (g *gen) recurringCount() int { return min(g.size.Recurring, len(g.l.custParent)) }

func (g *gen) recurringCustomer(k int) int { return k * len(g.l.custParent) / g.recurringCount() }

func (g *gen) recurring() *table {
	return newTable("recurring_invoices", `id, org_id, external_id, customer_id, site_id, name, total_inc_tax, frequency,
		last_payment_date, next_due_date, autopay, active, created_at, updated_at`, func(yield func([]any) bool) {
		for k := range g.recurringCount() {
			r := g.rec(kRecurring, k)
			c := g.recurringCustomer(k)
			var site any
			if lo, hi := g.l.custSites[c], g.l.custSites[c+1]; hi > lo {
				site = g.siteID(int(lo))
			}
			freq := pick(&r, []string{"monthly", "monthly", "quarterly", "yearly"})
			last := -r.between(1, 28)
			next := map[string]int{"monthly": 30, "quarterly": 91, "yearly": 365}[freq] + last
			at := g.workTime(&r, -r.between(100, 700))
			if !yield([]any{g.id(kRecurring, k, at), g.org, nil, g.customerID(c), site, "Planned maintenance contract",
				int64(r.between(50, 2000)) * 1200, freq, g.date(last), g.date(next), k%5 < 2, r.chance(0.95), at, at}) {
				return
			}
		}
	})
}

func (g *gen) cards() *table {
	return newTable("saved_cards", `id, org_id, customer_id, provider, provider_ref, brand, last4, exp_month, exp_year,
		created_at, updated_at`, func(yield func([]any) bool) {
		for k := range g.recurringCount() {
			if k%5 >= 2 {
				continue
			}
			r := g.rec(kCard, k)
			at := g.workTime(&r, -r.between(30, 600))
			if !yield([]any{g.id(kCard, k, at), g.org, g.customerID(g.recurringCustomer(k)), "testmode",
				fmt.Sprintf("tm_card_%d", k), pick(&r, []string{"Visa", "Mastercard"}), fmt.Sprintf("%04d", r.intn(10000)),
				r.between(1, 12), g.today.Year + r.between(1, 4), at, at}) {
				return
			}
		}
	})
}
