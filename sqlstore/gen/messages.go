package gen

import (
	"fmt"
	"time"
)

// Messages with the office (issue 22): one job in threadEvery has a
// thread of one to four messages, the customer's first and the two sides
// in turn; a thread whose last message is the customer's waits in the
// office's queue. Large has 25,000 threads and about 62,000 messages.
const threadEvery = 8

var (
	customerMessages = []string{"Can you confirm the time of the visit?", "The engineer will need the gate code: 4471.",
		"The fault is back since this morning.", "Please call the site manager on arrival.", "Is there a report from the last visit?"}
	officeMessages = []string{"Thanks, we have passed this to the engineer.", "The visit is confirmed for the morning.",
		"The report is attached to the job now.", "We will call ahead on the day."}
)

// threadFacts are a thread's job, messages and times.
type threadFacts struct {
	job, messages int
	at            []time.Time
}

func (g *gen) threadCount() int { return g.size.Jobs / threadEvery }

func (g *gen) thread(t int) threadFacts {
	r := g.rec(kThread, t)
	j := t * threadEvery
	f := threadFacts{job: j, messages: r.between(1, 4)}
	start := g.at(g.job(j).day, 8+j%9, j%60)
	for k := range f.messages {
		at := start.Add(time.Duration(k+1) * time.Duration(r.between(20, 900)) * time.Minute)
		if at.After(g.now) {
			at = g.now
		}
		f.at = append(f.at, at)
	}
	return f
}

func (g *gen) threadID(t int, f threadFacts) string { return g.id(kThread, t, f.at[0]) }

func (g *gen) threads() *table {
	return newTable("message_threads", `id, org_id, record_kind, record_id, module, record_label, customer_id, site_id,
		message_count, last_message_at, last_from, waiting_since, created_at, updated_at`, func(yield func([]any) bool) {
		for t := range g.threadCount() {
			f := g.thread(t)
			jf := g.job(f.job)
			last := f.at[len(f.at)-1]
			from, waiting := "office", any(nil)
			if f.messages%2 == 1 {
				from, waiting = "customer", last
			}
			if !yield([]any{g.threadID(t, f), g.org, "job", g.jobID(f.job), jf.kind, fmt.Sprintf("Job J-%d", 1001+f.job),
				g.customerID(int(g.l.siteCust[jf.site])), g.siteID(jf.site), f.messages, last, from, waiting, f.at[0], last}) {
				return
			}
		}
	})
}

func (g *gen) messages() *table {
	return newTable("messages", "id, org_id, thread_id, body, from_side, author_name, contact_id, staff_id, created_at, updated_at",
		func(yield func([]any) bool) {
			n := 0
			for t := range g.threadCount() {
				f := g.thread(t)
				site := g.job(f.job).site
				id := g.threadID(t, f)
				for k, at := range f.at {
					r := g.rec(kMessage, n)
					var row []any
					if k%2 == 0 {
						c := g.contactAt(&r, site)
						first, last, _ := g.contactName(c)
						row = []any{"customer", first + " " + last, g.contactID(c), nil}
						row = append([]any{pick(&r, customerMessages)}, row...)
					} else {
						s := r.intn(g.size.Staff)
						row = []any{pick(&r, officeMessages), "office", staffName(s), nil, g.staffID(s)}
					}
					if !yield(append(append([]any{g.id(kMessage, n, at), g.org, id}, row...), at, at)) {
						return
					}
					n++
				}
			}
		})
}
