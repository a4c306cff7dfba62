package sqlstore_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of customer records: what contacts may do in
// the portal (report an issue, book a job, request and action a quote,
// create and edit sites, upload, cancel autopay, change the card), and
// the operator's writes of every other record.

func (w *writeWorld) siteRows() []writeRow {
	ctx, db := w.ctx, w.db
	site := func(target string) *fieldportal.Site {
		return &fieldportal.Site{Name: "New site " + w.next(), CustomerID: w.customerID(target), Address: fieldportal.Address{Line1: "2 New Road"}}
	}
	customer := func(target string) *fieldportal.Customer {
		return &fieldportal.Customer{Name: "New customer " + w.next(), ParentID: w.customerID(target)}
	}
	// A customer under each of the targets, which the rows edit; the
	// ghost is under Parent (not under itself).
	customerUnder := once(func(t *testing.T, target string) *fieldportal.Customer {
		c := customer(target)
		if target == ghost {
			c.ParentID = w.cust["Parent"].ID
		}
		w.made(t, target, &c.ID, func(v fieldportal.Viewer) error { return db.CreateCustomer(ctx, v, c) })
		return c
	})
	return []writeRow{
		{
			name: "CreateCustomer", covers: []string{"SiteService.CreateCustomer"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateCustomer(ctx, v, customer(target)))
			},
			want: operatorOnly(ofCustomer, noSuch("parent_id")),
		},
		{
			name: "UpdateCustomer", covers: []string{"SiteService.UpdateCustomer"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := *customerUnder(t, target)
				return justErr(db.UpdateCustomer(ctx, v, &c))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "UpsertCustomerByExternalID", covers: []string{"SiteService.UpsertCustomerByExternalID"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := customer(target)
				c.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertCustomerByExternalID(ctx, v, c))
			},
			want: operatorOnly(ofCustomer, noSuch("parent_id")),
		},
		{
			// A contact creates sites (when it may) for the customers it
			// reaches, with site access "all": one of assigned sites is
			// refused, as it could not see the site it made (rule 3).
			// Nobody signed in finds no customer at all.
			name: "CreateSite", covers: []string{"SiteService.CreateSite"}, targets: everyCustomer,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateSite(ctx, v, site(target)))
			},
			want: func(kind, target string) outcome {
				if a := actors[kind]; a.contact && !a.allSites {
					return forbidden
				}
				return contactAction(ofCustomer, noSuch("customer_id"), forbidden, noSuch("customer_id"))(kind, target)
			},
		},
		{
			// The world's own sites, saved as they are.
			name: "UpdateSite", covers: []string{"SiteService.UpdateSite"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				s := &fieldportal.Site{ID: w.ghostID, Name: "Ghost", CustomerID: w.cust["Parent"].ID, Address: fieldportal.Address{Line1: "0 Nowhere"}}
				if target != ghost {
					var err error
					if s, err = db.FindSiteByID(ctx, w.sysOf(target), w.siteID(target)); err != nil {
						t.Fatal(err)
					}
				}
				return justErr(db.UpdateSite(ctx, v, s))
			},
			want: contactAction(atSite, notFound, forbidden, notFound),
		},
		{
			name: "UpsertSiteByExternalID", covers: []string{"SiteService.UpsertSiteByExternalID"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				s := site(target)
				s.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertSiteByExternalID(ctx, v, s))
			},
			want: operatorOnly(ofCustomer, noSuch("customer_id")),
		},
		{
			name: "ArchiveCustomer", covers: []string{"SiteService.ArchiveCustomer"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.ArchiveCustomer(ctx, v, customerUnder(t, target).ID, true))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			// The world's own sites, restored at once so that the rows
			// after this one still find them in use.
			name: "ArchiveSite", covers: []string{"SiteService.ArchiveSite"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				err := db.ArchiveSite(ctx, v, w.siteID(target), true)
				if err == nil {
					if rerr := db.ArchiveSite(ctx, w.sysOf(target), w.siteID(target), false); rerr != nil {
						t.Fatal(rerr)
					}
				}
				return justErr(err)
			},
			want: operatorOnly(atSite, notFound),
		},
	}
}

func (w *writeWorld) workRows() []writeRow {
	ctx, db := w.ctx, w.db
	issue := func(target string) *fieldportal.Issue {
		return &fieldportal.Issue{SiteID: w.siteID(target), Title: "Fault " + w.next(), Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
	}
	job := func(target string) *fieldportal.Job {
		return &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Job " + w.next()}
	}
	quote := func(target string, stage fieldportal.QuoteStage) *fieldportal.Quote {
		return &fieldportal.Quote{SiteID: w.siteID(target), Stage: stage, Description: "Quote " + w.next()}
	}
	issueAt := once(func(t *testing.T, target string) *fieldportal.Issue {
		x := issue(target)
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateIssue(ctx, v, x) })
		return x
	})
	jobAt := once(func(t *testing.T, target string) *fieldportal.Job {
		j := job(target)
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		return j
	})
	quoteAt := once(func(t *testing.T, target string) *fieldportal.Quote {
		x := quote(target, fieldportal.QuoteRequested)
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateQuote(ctx, v, x) })
		return x
	})
	// An outstanding quote per attempt: accepting or declining one is
	// done once.
	outstanding := func(t *testing.T, target string) string {
		x := quote(target, fieldportal.QuoteOutstanding)
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateQuote(ctx, v, x) })
		return x.ID
	}
	contractorIn := once(func(t *testing.T, target string) *fieldportal.Contractor {
		c := &fieldportal.Contractor{Name: "Contractor " + w.next()}
		w.made(t, target, &c.ID, func(v fieldportal.Viewer) error { return db.CreateContractor(ctx, v, c) })
		return c
	})
	scriptIn := once(func(t *testing.T, target string) *fieldportal.Script {
		s := &fieldportal.Script{Title: "Script " + w.next(), Body: "Say hello."}
		w.made(t, target, &s.ID, func(v fieldportal.Viewer) error { return db.CreateScript(ctx, v, s) })
		return s
	})
	itemIn := once(func(t *testing.T, target string) *fieldportal.Item {
		i := &fieldportal.Item{Code: "I-" + w.next(), Name: "Item", UnitPrice: 100, Active: true}
		w.made(t, target, &i.ID, func(v fieldportal.Viewer) error { return db.CreateItem(ctx, v, i) })
		return i
	})
	// A contact acts on the portal's actions only; the buttons it may not
	// press are refused, what it does not reach is not found.
	portalAction := contactAction(atSite, noSuch("site_id"), forbidden, forbidden)
	return []writeRow{
		{
			name: "CreateIssue", covers: []string{"WorkService.CreateIssue"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateIssue(ctx, v, issue(target)))
			},
			want: portalAction,
		},
		{
			name: "UpdateIssue", covers: []string{"WorkService.UpdateIssue"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := *issueAt(t, target)
				x.Title += " (seen)"
				return justErr(db.UpdateIssue(ctx, v, &x))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertIssueByExternalID", covers: []string{"WorkService.UpsertIssueByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := issue(target)
				x.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertIssueByExternalID(ctx, v, x))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			// Commenting needs the Issues page and the issue in reach; it
			// is no button the organisation hides.
			name: "AddIssueComment", covers: []string{"WorkService.AddIssueComment"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.AddIssueComment(ctx, v, &fieldportal.IssueComment{IssueID: issueAt(t, target).ID, Body: "Any news?"}))
			},
			want: inModule(atSite),
		},
		{
			name: "CreateJob", covers: []string{"WorkService.CreateJob"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateJob(ctx, v, job(target)))
			},
			want: portalAction,
		},
		{
			name: "UpdateJob", covers: []string{"WorkService.UpdateJob"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				j := *jobAt(t, target)
				j.Technician = "Sam"
				return justErr(db.UpdateJob(ctx, v, &j))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertJobByExternalID", covers: []string{"WorkService.UpsertJobByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				j := job(target)
				j.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertJobByExternalID(ctx, v, j))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "CreateQuote", covers: []string{"WorkService.CreateQuote"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateQuote(ctx, v, quote(target, fieldportal.QuoteRequested)))
			},
			want: portalAction,
		},
		{
			name: "UpdateQuote", covers: []string{"WorkService.UpdateQuote"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := *quoteAt(t, target)
				x.Stage = fieldportal.QuoteOutstanding
				return justErr(db.UpdateQuote(ctx, v, &x))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertQuoteByExternalID", covers: []string{"WorkService.UpsertQuoteByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := quote(target, fieldportal.QuoteRequested)
				x.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertQuoteByExternalID(ctx, v, x))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			// Accepting and declining are in the Quotes page, not buttons
			// the organisation hides; staff may record them for the
			// customer.
			name: "AcceptQuote", covers: []string{"WorkService.AcceptQuote"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.AcceptQuote(ctx, v, outstanding(t, target), "Pat Signer"))
			},
			want: inModule(atSite),
		},
		{
			name: "DeclineQuote", covers: []string{"WorkService.DeclineQuote"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.DeclineQuote(ctx, v, outstanding(t, target), "Pat Signer", "Too dear"))
			},
			want: inModule(atSite),
		},
		{
			name: "CreateContractor", covers: []string{"WorkService.CreateContractor"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(db.CreateContractor(ctx, v, &fieldportal.Contractor{Name: "Contractor " + w.next()}))
			},
			want: operatorOnly(own, succeeds),
		},
		{
			name: "UpdateContractor", covers: []string{"WorkService.UpdateContractor"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := *contractorIn(t, target)
				return justErr(db.UpdateContractor(ctx, v, &c))
			},
			want: operatorOnly(inOrg, notFound),
		},
		{
			name: "UpsertContractorByExternalID", covers: []string{"WorkService.UpsertContractorByExternalID"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(db.UpsertContractorByExternalID(ctx, v, &fieldportal.Contractor{Name: "Contractor", ExternalID: "ext-" + w.next()}))
			},
			want: operatorOnly(own, succeeds),
		},
		{
			name: "CreateScript", covers: []string{"WorkService.CreateScript"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(db.CreateScript(ctx, v, &fieldportal.Script{Title: "Script " + w.next(), Body: "Hello."}))
			},
			want: operatorOnly(own, succeeds),
		},
		{
			name: "UpdateScript", covers: []string{"WorkService.UpdateScript"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				s := *scriptIn(t, target)
				return justErr(db.UpdateScript(ctx, v, &s))
			},
			want: operatorOnly(inOrg, notFound),
		},
		{
			name: "UpsertScriptByExternalID", covers: []string{"WorkService.UpsertScriptByExternalID"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(db.UpsertScriptByExternalID(ctx, v, &fieldportal.Script{Title: "Script", Body: "Hello.", ExternalID: "ext-" + w.next()}))
			},
			want: operatorOnly(own, succeeds),
		},
		{
			name: "CreateItem", covers: []string{"WorkService.CreateItem"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(db.CreateItem(ctx, v, &fieldportal.Item{Code: "I-" + w.next(), Name: "Item", UnitPrice: 100, Active: true}))
			},
			want: operatorOnly(own, succeeds),
		},
		{
			name: "UpdateItem", covers: []string{"WorkService.UpdateItem"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				i := *itemIn(t, target)
				return justErr(db.UpdateItem(ctx, v, &i))
			},
			want: operatorOnly(inOrg, notFound),
		},
		{
			name: "UpsertItemByExternalID", covers: []string{"WorkService.UpsertItemByExternalID"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				n := w.next()
				return errOnly(db.UpsertItemByExternalID(ctx, v, &fieldportal.Item{Code: "I-" + n, Name: "Item", UnitPrice: 100, Active: true, ExternalID: "ext-" + n}))
			},
			want: operatorOnly(own, succeeds),
		},
	}
}

func (w *writeWorld) moneyRows() []writeRow {
	ctx, db := w.ctx, w.db
	today := fieldportal.DateOf(w.clk.Now())
	invoice := func(target string) *fieldportal.Invoice {
		return &fieldportal.Invoice{SiteID: w.siteID(target), IssueDate: today, DueDate: today.AddDays(30),
			Subtotal: 1000, Tax: 200, Total: 1200, Status: fieldportal.InvoiceUnpaid}
	}
	payment := func(target string) *fieldportal.Payment {
		return &fieldportal.Payment{CustomerID: w.customerID(target), Amount: 100, Method: "bank_transfer", Status: fieldportal.PaymentPending}
	}
	schedule := func(target string) *fieldportal.RecurringInvoice {
		return &fieldportal.RecurringInvoice{SiteID: w.siteID(target), Name: "Plan " + w.next(), TotalIncTax: 5000,
			Frequency: fieldportal.Monthly, Active: true, Autopay: true}
	}
	invoiceAt := once(func(t *testing.T, target string) *fieldportal.Invoice {
		x := invoice(target)
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateInvoice(ctx, v, x) })
		return x
	})
	paymentOf := once(func(t *testing.T, target string) *fieldportal.Payment {
		p := payment(target)
		w.made(t, target, &p.ID, func(v fieldportal.Viewer) error { _, err := db.RecordPayment(ctx, v, p); return err })
		return p
	})
	// A schedule at each site, and one tied only to each customer.
	scheduleAt := once(func(t *testing.T, target string) *fieldportal.RecurringInvoice {
		r := &fieldportal.RecurringInvoice{Name: "Plan " + w.next(), TotalIncTax: 5000, Frequency: fieldportal.Monthly, Active: true, Autopay: true}
		if c, ok := w.cust[target]; ok {
			r.CustomerID = c.ID
		} else {
			r.SiteID = w.siteID(target)
		}
		w.made(t, target, &r.ID, func(v fieldportal.Viewer) error { return db.CreateRecurringInvoice(ctx, v, r) })
		return r
	})
	return []writeRow{
		{
			name: "CreateInvoice", covers: []string{"MoneyService.CreateInvoice"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateInvoice(ctx, v, invoice(target)))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "UpdateInvoice", covers: []string{"MoneyService.UpdateInvoice"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := *invoiceAt(t, target)
				x.Description = "Checked"
				return justErr(db.UpdateInvoice(ctx, v, &x))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertInvoiceByExternalID", covers: []string{"MoneyService.UpsertInvoiceByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := invoice(target)
				x.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertInvoiceByExternalID(ctx, v, x))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "RecordPayment", covers: []string{"MoneyService.RecordPayment"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.RecordPayment(ctx, v, payment(target)))
			},
			want: operatorOnly(ofCustomer, noSuch("customer_id")),
		},
		{
			name: "UpdatePayment", covers: []string{"MoneyService.UpdatePayment"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				p := *paymentOf(t, target)
				p.Method = "cheque"
				return justErr(db.UpdatePayment(ctx, v, &p))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "UpdatePaymentReference", covers: []string{"MoneyService.UpdatePaymentReference"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				p := *paymentOf(t, target)
				p.Reference = "CHQ " + w.next()
				return justErr(db.UpdatePaymentReference(ctx, v, &p))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
		{
			name: "UpsertPaymentByExternalID", covers: []string{"MoneyService.UpsertPaymentByExternalID"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				p := payment(target)
				p.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertPaymentByExternalID(ctx, v, p))
			},
			want: operatorOnly(ofCustomer, noSuch("customer_id")),
		},
		{
			name: "CreateRecurringInvoice", covers: []string{"MoneyService.CreateRecurringInvoice"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateRecurringInvoice(ctx, v, schedule(target)))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "UpdateRecurringInvoice", covers: []string{"MoneyService.UpdateRecurringInvoice"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				r := *scheduleAt(t, target)
				r.Name += " (checked)"
				return justErr(db.UpdateRecurringInvoice(ctx, v, &r))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertRecurringInvoiceByExternalID", covers: []string{"MoneyService.UpsertRecurringInvoiceByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				r := schedule(target)
				r.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertRecurringInvoiceByExternalID(ctx, v, r))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			// Cancelling is in the Automatic payments page; a schedule of a
			// customer alone needs site access "all". Cancelling again
			// changes nothing and succeeds, so attempts share schedules.
			name: "CancelAutopay", covers: []string{"MoneyService.CancelAutopay"},
			targets: slices.Concat(everySite, everyCustomer[:len(everyCustomer)-1]),
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.CancelAutopay(ctx, v, scheduleAt(t, target).ID))
			},
			want: inModule(siteOrCustomerRecord),
		},
		{
			// The one card of a customer is a record of the customer alone.
			name: "PutSavedCard", covers: []string{"MoneyService.PutSavedCard"}, targets: everyCustomer,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.PutSavedCard(ctx, v, &fieldportal.SavedCard{CustomerID: w.customerID(target), Provider: "stripe",
					ProviderRef: "pm_" + w.next(), Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030}))
			},
			want: contactAction(customerRecord, noSuch("customer_id"), notFound, notFound),
		},
		{
			// A provider's completed card set-up names the customer it was
			// for; it is kept only for a customer whose card the viewer
			// may hold, else "not found" (the card set-up is hidden).
			name: "ConfirmCardSetup", covers: []string{"MoneyService.ConfirmCardSetup"}, targets: everyCustomer,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.ConfirmCardSetup(ctx, v, fieldportal.CardSetupOutcome{ProviderID: "seti_" + w.next(),
					CustomerID: w.customerID(target), Done: true, Card: fieldportal.SavedCard{Provider: "stripe",
						ProviderRef: "pm_" + w.next(), Brand: "visa", Last4: "4242", ExpMonth: 12, ExpYear: 2030}}))
			},
			want: contactAction(customerRecord, notFound, notFound, notFound),
		},
	}
}

func (w *writeWorld) equipmentRows() []writeRow {
	ctx, db := w.ctx, w.db
	asset := func(target string) *fieldportal.Asset {
		n := w.next()
		return &fieldportal.Asset{SiteID: w.siteID(target), Number: "A-" + n, Type: "Extinguisher", Name: "Extinguisher " + n}
	}
	assetAt := once(func(t *testing.T, target string) *fieldportal.Asset {
		a := asset(target)
		w.made(t, target, &a.ID, func(v fieldportal.Viewer) error { return db.CreateAsset(ctx, v, a) })
		return a
	})
	test := func(t *testing.T, target string) *fieldportal.AssetTest {
		return &fieldportal.AssetTest{AssetID: assetAt(t, target).ID, TestedOn: day(time.March, 1), Result: fieldportal.TestPass}
	}
	testAt := once(func(t *testing.T, target string) *fieldportal.AssetTest {
		x := test(t, target)
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateAssetTest(ctx, v, x) })
		return x
	})
	certificate := func(target string) *fieldportal.Certificate {
		return &fieldportal.Certificate{SiteID: w.siteID(target), Number: "C-" + w.next(), Type: "Gas safety", IssuedOn: day(time.January, 5)}
	}
	certificateAt := once(func(t *testing.T, target string) *fieldportal.Certificate {
		c := certificate(target)
		w.made(t, target, &c.ID, func(v fieldportal.Viewer) error { return db.CreateCertificate(ctx, v, c) })
		return c
	})
	// A document at a site or of a customer (named by the target), or of
	// the invoice at S1a.
	invoiceAtS1a := once(func(t *testing.T, _ string) string {
		x := &fieldportal.Invoice{SiteID: w.siteID("S1a"), IssueDate: day(time.January, 1), DueDate: day(time.January, 31),
			Subtotal: 100, Tax: 20, Total: 120, Status: fieldportal.InvoiceUnpaid}
		w.made(t, "S1a", &x.ID, func(v fieldportal.Viewer) error { return db.CreateInvoice(ctx, v, x) })
		return x.ID
	})
	document := func(t *testing.T, target string) *fieldportal.Document {
		d := &fieldportal.Document{Name: "Upload " + w.next() + ".pdf", ContentType: "application/pdf", StorageKey: "k/" + w.next()}
		switch _, isCustomer := w.cust[target]; {
		case target == "invoice@S1a":
			d.AttachedTo, d.InvoiceID = "invoice", invoiceAtS1a(t, "")
		case isCustomer:
			d.AttachedTo, d.CustomerID = "customer", w.customerID(target)
		default:
			d.AttachedTo, d.SiteID = "site", w.siteID(target)
		}
		return d
	}
	documentAt := once(func(t *testing.T, target string) *fieldportal.Document {
		d := document(t, target)
		w.made(t, target, &d.ID, func(v fieldportal.Viewer) error { return db.CreateDocument(ctx, v, d) })
		return d
	})
	// A contact uploads (when it may) to its sites and to its customers,
	// only files it can then see (a customer's needs site access "all"),
	// and never to an invoice, which is the operator's.
	uploads := func(kind, target string) outcome {
		a := actors[kind]
		_, isCustomer := w.cust[target]
		switch {
		case !a.contact && !a.staff:
			return forbidden
		case a.contact && (!a.pages || target == "invoice@S1a"):
			return forbidden
		case target == "invoice@S1a":
			return operatorOnly(func(a actor, _ string) bool { return atSite(a, "S1a") }, noSuch("invoice_id"))(kind, target)
		case isCustomer && customerRecord(a, target), !isCustomer && atSite(a, target):
			return succeeds
		case isCustomer:
			return noSuch("customer_id")
		}
		return noSuch("site_id")
	}
	// An asset moved between two sites, "from>to", or the ghost asset.
	transfer := rule(func(kind, target string) outcome {
		a := actors[kind]
		from, to, _ := strings.Cut(target, ">")
		switch {
		case !a.staff:
			return forbidden
		case !atSite(a, from):
			return notFound
		case !atSite(a, to):
			return noSuch("to_site_id")
		}
		return succeeds
	})
	return []writeRow{
		{
			name: "CreateAsset", covers: []string{"EquipmentService.CreateAsset"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateAsset(ctx, v, asset(target)))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "UpdateAsset", covers: []string{"EquipmentService.UpdateAsset"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				a := *assetAt(t, target)
				a.Location = "Plant room"
				return justErr(db.UpdateAsset(ctx, v, &a))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertAssetByExternalID", covers: []string{"EquipmentService.UpsertAssetByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				a := asset(target)
				a.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertAssetByExternalID(ctx, v, a))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			// A fresh asset per attempt, moved within its organisation, or
			// to the other one.
			name: "TransferAsset", covers: []string{"EquipmentService.TransferAsset"}, targets: []string{"S1a>S1b", "B1>B2", "S1a>B1", ghost},
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				from, to, _ := strings.Cut(target, ">")
				if target == ghost {
					to = "S1b"
				}
				a := asset(from)
				w.made(t, from, &a.ID, func(v fieldportal.Viewer) error { return db.CreateAsset(ctx, v, a) })
				return errOnly(db.TransferAsset(ctx, v, a.ID, w.siteID(to), day(time.March, 2), "moved"))
			},
			want: transfer,
		},
		{
			name: "CreateAssetTest", covers: []string{"EquipmentService.CreateAssetTest"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateAssetTest(ctx, v, test(t, target)))
			},
			want: operatorOnly(atSite, noSuch("asset_id")),
		},
		{
			name: "UpdateAssetTest", covers: []string{"EquipmentService.UpdateAssetTest"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := *testAt(t, target)
				x.Notes = "Checked"
				return justErr(db.UpdateAssetTest(ctx, v, &x))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertAssetTestByExternalID", covers: []string{"EquipmentService.UpsertAssetTestByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := test(t, target)
				x.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertAssetTestByExternalID(ctx, v, x))
			},
			want: operatorOnly(atSite, noSuch("asset_id")),
		},
		{
			name: "CreateDocument", covers: []string{"EquipmentService.CreateDocument"},
			targets: slices.Concat(everySite, []string{"Parent", "Child1", "Solo", "OtherB", "invoice@S1a"}),
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateDocument(ctx, v, document(t, target)))
			},
			want: uploads,
		},
		{
			// Files sent with a form follow the same rule, all or none.
			name: "AttachFiles", covers: []string{"EquipmentService.AttachFiles"},
			targets: slices.Concat(everySite, []string{"Parent", "Child1", "Solo", "OtherB", "invoice@S1a"}),
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				d := document(t, target)
				id := map[string]string{"site": d.SiteID, "customer": d.CustomerID, "invoice": d.InvoiceID}[d.AttachedTo]
				return errOnly(db.AttachFiles(ctx, v, d.AttachedTo, id, []fieldportal.Upload{
					{Name: d.Name, ContentType: "application/pdf", Data: []byte("%PDF-1.7\n")}}))
			},
			want: uploads,
		},
		{
			name: "UpdateDocument", covers: []string{"EquipmentService.UpdateDocument"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				d := *documentAt(t, target)
				d.VisibleToCustomer = true
				return justErr(db.UpdateDocument(ctx, v, &d))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "CreateCertificate", covers: []string{"EquipmentService.CreateCertificate"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateCertificate(ctx, v, certificate(target)))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "IssueCertificate", covers: []string{"EquipmentService.IssueCertificate"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.IssueCertificate(ctx, v, certificate(target),
					[]fieldportal.Upload{{Name: "certificate.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7\n")}}, true))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "UpdateCertificate", covers: []string{"EquipmentService.UpdateCertificate"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := *certificateAt(t, target)
				c.ExpiresOn = day(time.December, 31)
				return justErr(db.UpdateCertificate(ctx, v, &c))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertCertificateByExternalID", covers: []string{"EquipmentService.UpsertCertificateByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				c := certificate(target)
				c.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertCertificateByExternalID(ctx, v, c))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
	}
}

func (w *writeWorld) diaryRows() []writeRow {
	ctx, db := w.ctx, w.db
	// No technician: the overlap rule has nothing to check.
	appointment := func(target string) *fieldportal.Appointment {
		return &fieldportal.Appointment{SiteID: w.siteID(target), StartsAt: writeAppointmentAt, EndsAt: writeAppointmentAt.Add(time.Hour), Description: "Visit " + w.next()}
	}
	appointmentAtSite := once(func(t *testing.T, target string) *fieldportal.Appointment {
		a := appointment(target)
		w.made(t, target, &a.ID, func(v fieldportal.Viewer) error { return db.CreateAppointment(ctx, v, a) })
		return a
	})
	task := func(target string) *fieldportal.Task {
		return &fieldportal.Task{SiteID: w.siteID(target), Subject: "Call " + w.next(), Status: "open"}
	}
	taskAt := once(func(t *testing.T, target string) *fieldportal.Task {
		x := task(target)
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateTask(ctx, v, x) })
		return x
	})
	return []writeRow{
		{
			name: "CreateAppointment", covers: []string{"DiaryService.CreateAppointment"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateAppointment(ctx, v, appointment(target)))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "UpdateAppointment", covers: []string{"DiaryService.UpdateAppointment"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				a := *appointmentAtSite(t, target)
				a.Description += " (moved)"
				return justErr(db.UpdateAppointment(ctx, v, &a))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertAppointmentByExternalID", covers: []string{"DiaryService.UpsertAppointmentByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				a := appointment(target)
				a.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertAppointmentByExternalID(ctx, v, a))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "CreateTask", covers: []string{"DiaryService.CreateTask"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.CreateTask(ctx, v, task(target)))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
		{
			name: "UpdateTask", covers: []string{"DiaryService.UpdateTask"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := *taskAt(t, target)
				x.Status = "done"
				return justErr(db.UpdateTask(ctx, v, &x))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			name: "UpsertTaskByExternalID", covers: []string{"DiaryService.UpsertTaskByExternalID"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := task(target)
				x.ExternalID = "ext-" + w.next()
				return errOnly(db.UpsertTaskByExternalID(ctx, v, x))
			},
			want: operatorOnly(atSite, noSuch("site_id")),
		},
	}
}
