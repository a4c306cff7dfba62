package gen

import (
	"encoding/hex"
	"fmt"
	"time"
)

// issueFacts are an issue's site, day and status.
type issueFacts struct {
	site, day, comments int
	open                bool
}

func (g *gen) issue(i int) issueFacts {
	r := g.rec(kIssue, i)
	f := issueFacts{site: g.pickSite(&r), day: spread(i, g.size.Issues), comments: r.intn(4)}
	f.open = (-f.day < 30 && r.chance(0.7)) || r.chance(0.03)
	return f
}

func (g *gen) issueCreated(i int) time.Time { return g.at(spread(i, g.size.Issues), 7+i%12, i%60) }

func (g *gen) issues() *table {
	return newTable("issues", `id, org_id, external_id, number, customer_id, site_id, asset_id, title, description,
		priority, status, reported_by, closed_at, created_at, updated_at`, func(yield func([]any) bool) {
		for i := range g.size.Issues {
			f := g.issue(i)
			r := g.rec(kIssue, i+1<<30)
			var asset, closed any
			if r.chance(0.3) {
				if a := g.siteAsset(&r, f.site); a >= 0 {
					asset = g.assetID(a)
				}
			}
			status, updated := "open", g.issueCreated(i)
			at := updated
			if !f.open {
				c := g.workTime(&r, min(0, f.day+r.between(1, 20)))
				status, closed, updated = "closed", c, c
			}
			title := pick(&r, issueTitles)
			if !yield([]any{g.id(kIssue, i, at), g.org, nil, fmt.Sprintf("I-%d", 1001+i), g.customerID(int(g.l.siteCust[f.site])),
				g.siteID(f.site), asset, title, title + ". Please send an engineer.",
				pick(&r, []string{"low", "normal", "normal", "normal", "high", "urgent"}), status,
				g.contactID(g.contactAt(&r, f.site)), closed, at, updated}) {
				return
			}
		}
	})
}

func (g *gen) comments() *table {
	return newTable("issue_comments", "id, org_id, issue_id, author_contact, author_staff, author_name, body, created_at",
		func(yield func([]any) bool) {
			n := 0
			for i := range g.size.Issues {
				f := g.issue(i)
				created := g.issueCreated(i)
				id := g.id(kIssue, i, created)
				for k := range f.comments {
					r := g.rec(kComment, n)
					at := created.Add(time.Duration(k+1) * time.Duration(r.between(10, 600)) * time.Minute)
					if at.After(g.now) {
						at = g.now
					}
					var contact, staff any
					name, body := "", "Engineer booked for the next available slot."
					if k%2 == 1 {
						c := g.contactAt(&r, f.site)
						first, last, _ := g.contactName(c)
						contact, name, body = g.contactID(c), first+" "+last, "Thanks, the site team will give access."
					} else {
						s := r.intn(g.size.Staff)
						staff, name = g.staffID(s), staffName(s)
					}
					if !yield([]any{g.id(kComment, n, at), g.org, id, contact, staff, name, body, at}) {
						return
					}
					n++
				}
			}
		})
}

// certificates: issued over the last two years; certificate c's file is
// document c.
func (g *gen) certDay(c int) int { return -730 + c*730/max(1, g.size.Certificates) }

func (g *gen) certificates() *table {
	return newTable("certificates", `id, org_id, external_id, number, cert_type, customer_id, site_id, contractor_id,
		job_id, issued_on, expires_on, document_id, created_at, updated_at`, func(yield func([]any) bool) {
		for c := range g.size.Certificates {
			r := g.rec(kCert, c)
			site, day := g.certSite(c), g.certDay(c)
			at := g.at(day, 12, 0)
			if !yield([]any{g.id(kCert, c, at), g.org, nil, fmt.Sprintf("CERT-%06d", c+1), pick(&r, certTypes),
				g.customerID(int(g.l.siteCust[site])), g.siteID(site), g.pickContractor(&r), nil, g.date(day),
				g.date(day + 365), g.id(kDocument, c, at), at, at}) {
				return
			}
		}
	})
}

func (g *gen) certSite(c int) int {
	r := g.rec(kCert, c+1<<30)
	return g.pickSite(&r)
}

// documents: the certificates' files first, then files attached to
// invoices, jobs, assets, sites, quotes, customers and issues; written in
// the order they were uploaded (see tests).
func (g *gen) documents() *table {
	return newTable("documents", `id, org_id, external_id, name, content_type, size, sha256, storage_key, attached_to,
		customer_id, site_id, job_id, quote_id, invoice_id, asset_id, certificate_id, issue_id, uploaded_by_contact,
		uploaded_by_staff, visible_to_customer, created_at, updated_at`, func(yield func([]any) bool) {
		day := func(d int) int { _, day := g.document(d); return day }
		for _, d := range inOrder(g.size.Documents, day) {
			if row, _ := g.document(d); !yield(row) {
				return
			}
		}
	})
}

// document is document d's row and the day it was uploaded.
func (g *gen) document(d int) ([]any, int) {
	var sum [32]byte
	r := g.rec(kDocument, d)
	var job, quote, invoice, asset, cert, issue any
	var to string
	site, cust, day := -1, -1, 0
	switch x := r.float(); {
	case d < g.size.Certificates:
		to, site, day, cert = "certificate", g.certSite(d), g.certDay(d), g.id(kCert, d, g.at(g.certDay(d), 12, 0))
	case x < 0.35:
		i := r.intn(g.size.Invoices)
		f := g.invoice(i)
		to, site, cust, day, invoice = "invoice", f.site, f.cust, f.day, g.id(kInvoice, i, f.created(g))
	case x < 0.55:
		j := r.intn(g.size.Jobs)
		f := g.job(j)
		to, site, day, job = "job", f.site, f.day, g.jobID(j)
	case x < 0.70:
		a := r.intn(g.size.Assets)
		f := g.asset(a)
		to, site, day, asset = "asset", f.site, f.created, g.assetID(a)
	case x < 0.80:
		q := r.intn(g.size.Quotes)
		f := g.quote(q)
		to, site, day, quote = "quote", f.site, f.day, g.quoteID(q)
	case x < 0.85:
		i := r.intn(g.size.Issues)
		f := g.issue(i)
		to, site, day, issue = "issue", f.site, f.day, g.id(kIssue, i, g.issueCreated(i))
	case x < 0.90:
		to, cust = "customer", r.intn(len(g.l.custParent))
		day = g.customerCreated(cust) + r.intn(300)
	default:
		to, site = "site", g.pickSite(&r)
		day = g.siteCreated(site) + r.intn(300)
	}
	if site >= 0 {
		cust = int(g.l.siteCust[site])
	}
	var siteID, byContact, byStaff any
	if site >= 0 {
		siteID = g.siteID(site)
	}
	day = min(day+r.intn(5), -1)
	at := g.workTime(&r, day)
	if d < g.size.Certificates {
		at = g.at(day, 12, 0)
	}
	if r.chance(0.15) && site >= 0 {
		byContact = g.contactID(g.contactAt(&r, site))
	} else {
		byStaff = g.staffID(r.intn(g.size.Staff))
	}
	for k := 0; k < 32; k += 8 {
		v := r.next()
		for b := range 8 {
			sum[k+b] = byte(v >> (8 * b))
		}
	}
	id := g.id(kDocument, d, at)
	name, ctype := pick(&r, docNames), "application/pdf"
	if name == "Photo" {
		name, ctype = fmt.Sprintf("IMG_%04d.jpg", r.intn(10000)), "image/jpeg"
	} else {
		name = fmt.Sprintf("%s %d.pdf", name, d+1)
	}
	return []any{id, g.org, nil, name, ctype, int64(r.between(20_000, 4_000_000)), hex.EncodeToString(sum[:]),
		"documents/" + id, to, g.customerID(cust), siteID, job, quote, invoice, asset, cert, issue, byContact,
		byStaff, !r.chance(0.1), at, at}, day
}

// appointment is the k-th appointment as its row and its feedback read it.
type appointment struct {
	id, customer, siteID string
	job, quote           any
	start, end, at       time.Time
	technician           string
	staff                any // the technician's staff user's id, nil for a technician in text
	status               string
	eta                  any
}

// appointment builds the k-th appointment: a visit of a booked job, or a
// survey visit for a quote where the job has none. Its status follows
// the clock: done once over (a few cancelled), on the way when it starts
// within the next two hours, else scheduled (issue 22).
func (g *gen) appointment(k int) appointment {
	r := g.rec(kAppointment, k)
	jb := int(int64(k) * int64(g.size.Jobs) / int64(g.size.Appointments))
	jf := g.job(jb)
	var a appointment
	site, startAt, day := jf.site, jf.start, jf.day
	if startAt.IsZero() {
		q := int(int64(k) * int64(g.size.Quotes) / int64(g.size.Appointments))
		qf := g.quote(q)
		site, day, a.quote = qf.site, qf.day, g.quoteID(q)
		startAt = g.when(day+r.between(1, 10), r.between(8, 15), 30)
	} else {
		a.job = g.jobID(jb)
	}
	a.at = g.workTime(&r, day)
	a.id, a.customer, a.siteID = g.id(kAppointment, k, a.at), g.customerID(int(g.l.siteCust[site])), g.siteID(site)
	a.start, a.end = startAt, startAt.Add(time.Duration(r.between(1, 6))*time.Hour)
	a.technician = pick(&r, technicians)
	// About 70% of visits are by the organisation's own engineers, linked
	// to their staff users as a back office sends them (the feedback per
	// staff user, issue 22); the rest name a subcontractor's technician in
	// text. The engineers are the staff users after the admin persona.
	if r.chance(0.7) {
		i := min(1, g.size.Staff-1) + r.intn(max(1, g.size.Staff-1))
		a.staff, a.technician = g.staffID(i), staffName(i)
	}
	a.status = "scheduled"
	switch {
	case a.end.Before(g.now) && r.chance(0.03):
		a.status = "cancelled"
	case a.end.Before(g.now):
		a.status = "done"
	case a.start.Sub(g.now) < 2*time.Hour:
		a.status, a.eta = "on_the_way", a.start.Add(-15*time.Minute)
	}
	return a
}

// appointments: visits of booked jobs, spread over the jobs in time, and
// survey visits for quotes where the job has none.
func (g *gen) appointments() *table {
	return newTable("appointments", `id, org_id, external_id, customer_id, site_id, job_id, quote_id, starts_at, ends_at,
		technician, description, created_at, updated_at, status, eta, technician_staff_id`, func(yield func([]any) bool) {
		for k := range g.size.Appointments {
			a := g.appointment(k)
			r := g.rec(kAppointment, k)
			if !yield([]any{a.id, g.org, nil, a.customer, a.siteID, a.job, a.quote, a.start, a.end, a.technician,
				pick(&r, workDescriptions), a.at, a.at, a.status, a.eta, a.staff}) {
				return
			}
		}
	})
}

// feedbackComments are what customers write beside a rating.
var feedbackComments = []string{"", "", "Quick and tidy, thank you.", "Arrived on time and explained everything.",
	"Had to chase the arrival time.", "Very helpful technician.", "Left some mess in the plant room."}

// feedback: a rating for about a third of the done visits of jobs, a day
// after the visit, mostly good (issue 22).
func (g *gen) feedback() *table {
	return newTable("visit_feedback", `id, org_id, appointment_id, job_id, customer_id, site_id, contact_id, technician,
		rating, comment, created_at, technician_staff_id`, func(yield func([]any) bool) {
		for k := range g.size.Appointments {
			a := g.appointment(k)
			r := g.rec(kFeedback, k)
			if a.status != "done" || a.job == nil || !r.chance(0.33) {
				continue
			}
			at := a.end.Add(time.Duration(r.between(1, 48)) * time.Hour)
			if at.After(g.now) {
				at = g.now
			}
			rating := []int{5, 5, 5, 5, 4, 4, 4, 3, 2, 1}[r.intn(10)]
			if !yield([]any{g.id(kFeedback, k, at), g.org, a.id, a.job, a.customer, a.siteID, nil, a.technician,
				rating, pick(&r, feedbackComments), at, a.staff}) {
				return
			}
		}
	})
}

func (g *gen) tasks() *table {
	return newTable("tasks", `id, org_id, external_id, customer_id, site_id, job_id, subject, description, status,
		due_date, assignee, created_at, updated_at`, func(yield func([]any) bool) {
		for k := range g.size.Tasks {
			r := g.rec(kTask, k)
			day := -r.between(1, 365)
			site := g.pickSite(&r)
			status := "done"
			if day > -30 {
				status = pick(&r, []string{"open", "open", "in_progress", "done"})
			}
			var job any
			if r.chance(0.3) {
				jb := int(int64(k) * int64(g.size.Jobs) / int64(max(1, g.size.Tasks)))
				job, site = g.jobID(jb), g.job(jb).site
			}
			at := g.workTime(&r, day)
			if !yield([]any{g.id(kTask, k, at), g.org, nil, g.customerID(int(g.l.siteCust[site])), g.siteID(site), job,
				pick(&r, taskSubjects), "", status, g.date(day + 14), staffName(r.intn(g.size.Staff)), at, at}) {
				return
			}
		}
	})
}

func (g *gen) webhooks() *table {
	return newTable("webhook_endpoints", "id, org_id, url, secret, events, active, created_at, updated_at",
		func(yield func([]any) bool) {
			r := g.rec(kWebhook, 0)
			at := g.workTime(&r, -400)
			yield([]any{g.id(kWebhook, 0, at), g.org, "https://backoffice.brightwater.example/hooks/fieldportal",
				fmt.Sprintf("%016x%016x", r.next(), r.next()),
				"issue.created,job.booked,quote.requested,quote.accepted,quote.declined,payment.succeeded", true, at, at})
		})
}

// outbox: the receipts mailed for the last card payments, all sent.
func (g *gen) outbox() *table {
	return newTable("outbox", `id, org_id, kind, topic, recipient, subject, payload, status, attempts, next_attempt_at,
		created_at, sent_at`, func(yield func([]any) bool) {
		for k := range min(50, len(g.l.loginContacts)) {
			r := g.rec(kOutbox, k)
			at := g.workTime(&r, -50+k)
			_, _, email := g.contactName(int(g.l.loginContacts[k]))
			if !yield([]any{g.id(kOutbox, k, at), g.org, "mail", "invite", email, "Your access to the " + orgName + " portal",
				"You have been invited to the customer portal.", "sent", 1, at, at, at.Add(time.Minute)}) {
				return
			}
		}
	})
}

// auditLog: what the audit log holds after a couple of years (issue 20):
// the staff's recent sign-ins to the console, twenty sign-ins to the
// portal by each login over the last 200 days, and the making of every
// site, each entry with its door and, for a customer's record, its
// customer (the activity page's reach).
func (g *gen) auditLog() *table {
	return newTable("audit_log", `id, org_id, at, actor_kind, actor_id, actor_name, action, entity, entity_id, detail, ip,
		user_agent, door, customer_id, site_id`,
		func(yield func([]any) bool) {
			const agent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
			for k := range 100 {
				r := g.rec(kAudit, k)
				s := r.intn(g.size.Staff)
				at := g.workTime(&r, -100+k)
				if !yield([]any{g.id(kAudit, k, at), g.org, at, "staff", g.staffID(s), staffName(s), "signin.succeeded",
					"staff", g.staffID(s), "", "192.0.2.10", agent, "console", nil, nil}) {
					return
				}
			}
			const perLogin = 20
			for j, ct := range g.l.loginContacts {
				first, last, _ := g.contactName(int(ct))
				cust := g.customerID(int(g.l.contactCust[ct]))
				for i := range perLogin {
					k := 100 + j*perLogin + i
					r := g.rec(kAudit, k)
					at := g.workTime(&r, -200+i*10+r.intn(10))
					if !yield([]any{g.id(kAudit, k, at), g.org, at, "contact", g.contactID(int(ct)), first + " " + last, "signin.succeeded",
						"login", g.loginID(j), "", fmt.Sprintf("198.51.100.%d", 1+r.intn(250)), agent, "portal", cust, nil}) {
						return
					}
				}
			}
			base := 100 + len(g.l.loginContacts)*perLogin
			for s, c := range g.l.siteCust {
				at := g.at(g.siteCreated(s), 10, 0)
				if !yield([]any{g.id(kAudit, base+s, at), g.org, at, "system", "import", "system", "site.created", "site", g.siteID(s),
					"", "", "", "system", g.customerID(int(c)), g.siteID(s)}) {
					return
				}
			}
		})
}

// counters: the last human number of each kind, so the store's next
// create continues after the generated ones (nextNumber starts at 1001).
func (g *gen) counters() *table {
	return newTable("counters", "org_id, name, value", func(yield func([]any) bool) {
		for _, c := range []struct {
			name string
			n    int
		}{{"invoice", g.size.Invoices}, {"job", g.size.Jobs}, {"quote", g.size.Quotes}, {"issue", g.size.Issues},
			{"receipt", g.receipts}} {
			if !yield([]any{g.org, c.name, int64(1000 + c.n)}) {
				return
			}
		}
	})
}
