package bench

import (
	"context"
	"net/url"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// Entry is one page the benchmark drives. Adding a page to the benchmark
// is adding one Entry to Entries: later issues add theirs (PDFs, the PPM
// report, API lists) the same way.
type Entry struct {
	// Name is the page as the table shows it.
	Name string
	// Persona is who asks for it.
	Persona Persona
	// Path builds the request's path and query from the ids found once
	// the data is there.
	Path func(ids *IDs) string
	// SQL runs the store calls the page's handler makes, with the same
	// arguments, against the same database: the page's own SQL, timed on
	// its own. The session lookup every request makes is timed with it
	// by the benchmark, so SQL lists only the page's calls.
	SQL func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error
	// Dashboard marks the start page, whose throughput must reach a
	// quarter of the bare handler's (issue 15's targets).
	Dashboard bool
}

// IDs are the records the pages are about, found in the data before the
// load starts (see discover), so the table works on any data set.
type IDs struct {
	// OrgID is the organisation the personas belong to.
	OrgID string
	// OrgZone is its time zone, in which its pages take days.
	OrgZone *time.Location
	// Site is, per persona name, a site that persona reaches.
	Site map[string]string
	// SiteSearch is a realistic and heavy search of the sites list: the
	// postcode of a site several pages in, which matches few rows, so
	// the store cannot stop early after a page of matches.
	SiteSearch string
	// SitesAfter is the cursor of a later page of the parent's sites,
	// as the list's Next link carries it.
	SitesAfter string
	// Contact is the parent persona's contact, the one with the most
	// sites to choose from on its access page.
	Contact string
	// ContactSearch is a surname, as staff look a contact up.
	ContactSearch string
	// PrintedJob and PrintedQuote are a service job and a quote the
	// parent persona reaches: their printouts are benchmarked.
	PrintedJob, PrintedQuote string
	// DepositQuote is an outstanding quote of the parent persona that
	// asks for a deposit (see discoverDepositQuote).
	DepositQuote string
	// Quote is an outstanding quote of the parent persona several pages
	// into its list, and QuoteSearch its number (see discoverQuotes).
	Quote, QuoteSearch string
	// Job is, per persona name, a service order that persona reaches.
	Job map[string]string
	// JobSearch is the number of one of the parent's service orders a few
	// pages in, as a contact looks an order up.
	JobSearch string
	// Issue is an issue the parent reaches with the longest thread found
	// on its first page; IssueSearch is the number of an issue a few pages
	// into its list (a search that matches one row). See discoverIssues.
	Issue, IssueSearch string
	// Invoice is a paid invoice of the parent with the most lines on its
	// list's first page; InvoiceSearch the number of an invoice a few
	// pages in; InvoicesAfter the cursor of the Unpaid tab's fourth page
	// (see discoverInvoices).
	Invoice, InvoiceSearch, InvoicesAfter string
	// Office are the console's invoice records (discoverOffice).
	Office officeIDs
	// CalendarToken is the parent persona's calendar feed token, made
	// by discoverCalendar.
	CalendarToken string
	// Reports are the reports' site and type (discoverReports).
	Reports reportIDs
	// Assets are the equipment records (discoverAssets).
	Assets assetIDs
	// Report is the visit report's job and photo (issue 22).
	Report visitReportIDs
	// FeedbackSite is the site with the most ratings (discoverFeedback).
	FeedbackSite string
	// Document is a file of the parent's site with its bytes stored
	// (discoverDocuments).
	Document string
	// API is, per API collection path ("/sites"), a record on the
	// benchmark key's first page (discoverAPI).
	API map[string]string
	// Customers are the console's customer tree records (discoverCustomers).
	Customers customerIDs
	// MessageJob is an order of the parent's with a thread (issue 22,
	// discoverMessages).
	MessageJob string
}

// q escapes a query value.
func q(s string) string { return url.QueryEscape(s) }

// fixed is a Path that needs no ids.
func fixed(p string) func(*IDs) string { return func(*IDs) string { return p } }

// Entries are every page that exists, each with its heaviest realistic
// request, for the persona that makes it heaviest.
var Entries = []Entry{
	// The portal, as the contact of the biggest parent customer.
	{Name: "dashboard", Persona: Parent, Path: fixed("/"), Dashboard: true,
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, err := s.Dashboard.Dashboard(ctx, v)
			return err
		}},
	{Name: "sites", Persona: Parent, Path: fixed("/sites"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Sites.FindSites(ctx, v, fieldportal.SiteFilter{WithActivity: true})
			return err
		}},
	{Name: "sites search", Persona: Parent, Path: func(ids *IDs) string { return "/sites?q=" + q(ids.SiteSearch) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, _, err := s.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Search: ids.SiteSearch, WithActivity: true})
			return err
		}},
	{Name: "sites later page", Persona: Parent, Path: func(ids *IDs) string { return "/sites?after=" + q(ids.SitesAfter) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, _, err := s.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{After: ids.SitesAfter}, WithActivity: true})
			return err
		}},
	{Name: "site", Persona: Parent, Path: func(ids *IDs) string { return "/sites/" + url.PathEscape(ids.Site[Parent.Name]) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			if _, err := s.Sites.FindSiteByID(ctx, v, ids.Site[Parent.Name]); err != nil {
				return err
			}
			_, err := s.Sites.FindSiteContacts(ctx, v, ids.Site[Parent.Name]) // its contacts (issue 20)
			return err
		}},
	{Name: "sites CSV", Persona: Parent, Path: fixed("/sites.csv"), SQL: allSites},
	// The printouts (issue 16); they answer once the jobs' and quotes'
	// record routes hand their .pdf addresses to the printout handlers.
	{Name: "job PDF", Persona: Parent, Path: func(ids *IDs) string { return "/jobs/" + url.PathEscape(ids.PrintedJob) + ".pdf" },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			j, err := s.Work.FindJobByID(ctx, v, ids.PrintedJob)
			if err != nil {
				return err
			}
			for _, id := range j.AssetIDs {
				if _, err := s.Equipment.FindAssetByID(ctx, v, id); err != nil {
					return err
				}
			}
			return printoutParties(ctx, s, v, j.CustomerID, j.SiteID)
		}},
	{Name: "quote PDF", Persona: Parent, Path: func(ids *IDs) string { return "/quotes/" + url.PathEscape(ids.PrintedQuote) + ".pdf" },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			x, err := s.Work.FindQuoteByID(ctx, v, ids.PrintedQuote)
			if err != nil {
				return err
			}
			return printoutParties(ctx, s, v, x.CustomerID, x.SiteID)
		}},
	{Name: "password", Persona: Parent, Path: fixed("/password"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, err := s.SignIn.PasswordPolicyHint(ctx, v.OrgID)
			return err
		}},
	{Name: "preferences", Persona: Parent, Path: fixed("/preferences"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			if _, err := s.Access.FindContactByID(ctx, v, v.ContactID); err != nil {
				return err
			}
			if _, err := s.Access.FindMyLogin(ctx, v); err != nil {
				return err
			}
			// The pending email change and the mail choices (issue 20).
			if prefs, ok := s.Access.(fieldportal.PreferencesService); ok {
				if _, err := prefs.FindMyPreferences(ctx, v); err != nil {
					return err
				}
			}
			_, err := s.SignIn.PasswordPolicyHint(ctx, v.OrgID)
			return err
		}},
	// Contacts and users (issue 20): the list, a search, a contact's
	// page (the parent's own: its customer has the most sites to offer)
	// and the new-contact form.
	{Name: "portal contacts", Persona: Parent, Path: fixed("/preferences/contacts"), SQL: portalContacts(fixed(""))},
	{Name: "portal contacts search", Persona: Parent, Path: func(ids *IDs) string { return "/preferences/contacts?q=" + q(ids.ContactSearch) },
		SQL: portalContacts(func(ids *IDs) string { return ids.ContactSearch })},
	{Name: "portal contact", Persona: Parent, Path: func(ids *IDs) string { return "/preferences/contacts/" + url.PathEscape(ids.Contact) },
		SQL: portalContact},
	{Name: "portal new contact", Persona: Parent, Path: fixed("/preferences/contacts/new"), SQL: portalNewContact},

	// Quotes (issue 16), as the parent: both tabs, a search by number,
	// a quote's page (with its attachments) and the CSV.
	{Name: "quotes", Persona: Parent, Path: fixed("/quotes"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Work.FindQuotes(ctx, v, fieldportal.QuoteFilter{Stages: outstandingQuotes})
			return err
		}},
	{Name: "quotes actioned", Persona: Parent, Path: fixed("/quotes?tab=actioned"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Work.FindQuotes(ctx, v, fieldportal.QuoteFilter{Stages: actionedQuotes})
			return err
		}},
	{Name: "quotes search", Persona: Parent, Path: func(ids *IDs) string { return "/quotes?q=" + q(ids.QuoteSearch) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, _, err := s.Work.FindQuotes(ctx, v, fieldportal.QuoteFilter{Stages: outstandingQuotes, Number: ids.QuoteSearch})
			return err
		}},
	{Name: "quote", Persona: Parent, Path: func(ids *IDs) string { return "/quotes/" + url.PathEscape(ids.Quote) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			if _, err := s.Work.FindQuoteByID(ctx, v, ids.Quote); err != nil {
				return err
			}
			_, _, err := s.Equipment.FindDocuments(ctx, v, fieldportal.DocumentFilter{QuoteID: ids.Quote, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
			return err
		}},
	{Name: "quotes CSV", Persona: Parent, Path: fixed("/quotes.csv"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			return s.Work.EachQuote(ctx, v, fieldportal.QuoteFilter{Stages: outstandingQuotes}, func(*fieldportal.Quote) error { return nil })
		}},
	// Issues (issue 16): the heaviest realistic list (every status, by
	// priority), the default list, a search, an issue, the CSV of every
	// issue, and the new-issue form.
	{Name: "issues all by priority", Persona: Parent, Path: fixed("/issues?status=all&sort=priority"),
		SQL: issuesPage(fieldportal.IssueFilter{Sort: fieldportal.IssueSortPriority})},
	{Name: "issues", Persona: Parent, Path: fixed("/issues"), SQL: issuesPage(fieldportal.IssueFilter{Status: fieldportal.IssueOpen})},
	{Name: "issues search", Persona: Parent, Path: func(ids *IDs) string { return "/issues?status=all&q=" + q(ids.IssueSearch) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return issuesPage(fieldportal.IssueFilter{Search: ids.IssueSearch})(ctx, s, v, ids)
		}},
	{Name: "issue", Persona: Parent, Path: func(ids *IDs) string { return "/issues/" + url.PathEscape(ids.Issue) }, SQL: issuePage},
	{Name: "issues CSV", Persona: Parent, Path: fixed("/issues.csv?status=all"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			return s.Work.EachIssue(ctx, v, fieldportal.IssueFilter{}, func(*fieldportal.Issue) error { return nil })
		}},
	{Name: "new issue", Persona: Parent, Path: fixed("/issues/new"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Work.FindIssueSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 30}})
			return err
		}},

	// The portal, as the contact of a customer with one site.
	{Name: "dashboard", Persona: SiteContact, Path: fixed("/"), Dashboard: true,
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, err := s.Dashboard.Dashboard(ctx, v)
			return err
		}},
	{Name: "site", Persona: SiteContact, Path: func(ids *IDs) string { return "/sites/" + url.PathEscape(ids.Site[SiteContact.Name]) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			if _, err := s.Sites.FindSiteByID(ctx, v, ids.Site[SiteContact.Name]); err != nil {
				return err
			}
			_, err := s.Sites.FindSiteContacts(ctx, v, ids.Site[SiteContact.Name]) // its contacts (issue 20)
			return err
		}},

	// The invoice pages (issue 17): the parent's unpaid invoices by due
	// date (the heaviest realistic filter: a tab, an order other than the
	// default), a later page, a search, an invoice's page, its PDF, and the
	// CSV of every invoice; the site contact's list.
	{Name: "invoices unpaid by due date", Persona: Parent, Path: fixed("/invoices?tab=unpaid&sort=due"),
		SQL: invoicesPage(func(*IDs) fieldportal.InvoiceFilter {
			return fieldportal.InvoiceFilter{Statuses: unpaidStatuses, Sort: fieldportal.InvoiceSortDue}
		})},
	{Name: "invoices later page", Persona: Parent, Path: func(ids *IDs) string { return "/invoices?tab=unpaid&after=" + q(ids.InvoicesAfter) },
		SQL: invoicesPage(func(ids *IDs) fieldportal.InvoiceFilter {
			return fieldportal.InvoiceFilter{Statuses: unpaidStatuses, Page: fieldportal.Page{After: ids.InvoicesAfter}}
		})},
	{Name: "invoices search", Persona: Parent, Path: func(ids *IDs) string { return "/invoices?q=" + q(ids.InvoiceSearch) },
		SQL: invoicesPage(func(ids *IDs) fieldportal.InvoiceFilter { return fieldportal.InvoiceFilter{Search: ids.InvoiceSearch} })},
	{Name: "invoice", Persona: Parent, Path: func(ids *IDs) string { return "/invoices/" + url.PathEscape(ids.Invoice) }, SQL: invoicePage},
	{Name: "invoice PDF", Persona: Parent, Path: func(ids *IDs) string { return "/invoices/" + url.PathEscape(ids.Invoice) + ".pdf" },
		SQL: invoicePage},
	{Name: "invoices CSV", Persona: Parent, Path: fixed("/invoices.csv"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			return s.Money.EachInvoice(ctx, v, fieldportal.InvoiceFilter{}, func(*fieldportal.Invoice) error { return nil })
		}},
	{Name: "invoices", Persona: SiteContact, Path: fixed("/invoices"),
		SQL: invoicesPage(func(*IDs) fieldportal.InvoiceFilter { return fieldportal.InvoiceFilter{} })},

	// Certificates, the diary and its calendar feed, and tasks (issue 18),
	// as the parent: the lists by their heaviest filters and their CSVs.
	{Name: "certificates", Persona: Parent, Path: fixed("/certificates"), SQL: certificatesPage("")},
	{Name: "certificates expiring", Persona: Parent, Path: fixed("/certificates?status=expiring"),
		SQL: certificatesPage(fieldportal.CertificateExpiring)},
	{Name: "certificates CSV", Persona: Parent, Path: fixed("/certificates.csv"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return s.Equipment.EachCertificate(ctx, v, fieldportal.CertificateFilter{Today: orgToday(ids)}, func(*fieldportal.Certificate) error { return nil })
		}},
	{Name: "diary", Persona: Parent, Path: fixed("/diary"), SQL: diaryPage(false)},
	{Name: "diary all", Persona: Parent, Path: fixed("/diary?range=all"), SQL: diaryPage(true)},
	{Name: "diary CSV", Persona: Parent, Path: fixed("/diary.csv"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			f := fieldportal.AppointmentFilter{}
			f.From, f.To = fieldportal.DiaryDefaultRange(orgToday(ids), ids.OrgZone)
			return s.Diary.EachAppointment(ctx, v, f, func(*fieldportal.Appointment) error { return nil })
		}},
	{Name: "calendar feed", Persona: Parent, Path: func(ids *IDs) string { return "/calendar/" + ids.CalendarToken + ".ics" }, SQL: calendarFeed},
	{Name: "tasks", Persona: Parent, Path: fixed("/tasks"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, _, err := s.Diary.FindTasks(ctx, v, fieldportal.TaskFilter{Today: orgToday(ids)})
			return err
		}},
	{Name: "tasks CSV", Persona: Parent, Path: fixed("/tasks.csv"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return s.Diary.EachTask(ctx, v, fieldportal.TaskFilter{Today: orgToday(ids)}, func(*fieldportal.Task) error { return nil })
		}},
	{Name: "diary", Persona: SiteContact, Path: fixed("/diary"), SQL: diaryPage(false)},
	{Name: "certificates", Persona: SiteContact, Path: fixed("/certificates"), SQL: certificatesPage("")},

	// The jobs pages (issue 16): the parent's service orders, each heavy
	// tab, a search, an order's page and the CSV; the site contact's list.
	{Name: "jobs", Persona: Parent, Path: fixed("/jobs?kind=service"), SQL: jobsTab("")},
	{Name: "jobs progress", Persona: Parent, Path: fixed("/jobs?kind=service&stage=progress"), SQL: jobsTab(fieldportal.TabProgress)},
	{Name: "jobs pending", Persona: Parent, Path: fixed("/jobs?kind=service&stage=pending"), SQL: jobsTab(fieldportal.TabPending)},
	{Name: "jobs archive", Persona: Parent, Path: fixed("/jobs?kind=service&stage=archive"), SQL: jobsTab(fieldportal.TabArchive)},
	{Name: "jobs search", Persona: Parent, Path: func(ids *IDs) string { return "/jobs?kind=service&q=" + q(ids.JobSearch) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return jobsList(ctx, s, v, fieldportal.JobFilter{Kind: fieldportal.JobService, NumberSearch: ids.JobSearch})
		}},
	{Name: "job", Persona: Parent, Path: func(ids *IDs) string { return "/jobs/" + url.PathEscape(ids.Job[Parent.Name]) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return jobPage(ctx, s, v, ids.Job[Parent.Name])
		}},
	{Name: "jobs CSV", Persona: Parent, Path: fixed("/jobs.csv?kind=service"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			return s.Work.EachJob(ctx, v, fieldportal.JobFilter{Kind: fieldportal.JobService}, func(*fieldportal.Job) error { return nil })
		}},
	// The statement (issue 17): the page's default range, its CSV, and the
	// printout of a year, the heaviest the parent asks for (≤ 2 s).
	{Name: "statement", Persona: Parent, Path: fixed("/statement"), SQL: statementPage},
	{Name: "statement CSV", Persona: Parent, Path: fixed("/statement.csv"), SQL: statementWalk},
	{Name: "statement PDF year", Persona: Parent, Path: func(*IDs) string { return "/statement.pdf?" + statementYear().Encode() },
		SQL: statement(365)},
	{Name: "jobs", Persona: SiteContact, Path: fixed("/jobs?kind=service"), SQL: jobsTab("")},
	{Name: "job", Persona: SiteContact, Path: func(ids *IDs) string { return "/jobs/" + url.PathEscape(ids.Job[SiteContact.Name]) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return jobPage(ctx, s, v, ids.Job[SiteContact.Name])
		}},
	{Name: "console jobs", Persona: Staff, Path: fixed("/console/jobs"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			if _, _, err := s.Work.FindJobs(ctx, v, fieldportal.JobFilter{FromPortal: true, Page: fieldportal.Page{Limit: 20}}); err != nil {
				return err
			}
			_, _, err := s.Work.FindJobs(ctx, v, fieldportal.JobFilter{})
			return err
		}},
	{Name: "issues all", Persona: SiteContact, Path: fixed("/issues?status=all"), SQL: issuesPage(fieldportal.IssueFilter{})},
	// The booking form (booking.go), for both: the parent's site list is
	// a page of its 20,000, the one site's form has its windows.
	{Name: "book a job", Persona: Parent, Path: func(ids *IDs) string { return bookingPath("/jobs/new", ids.Site[Parent.Name]) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return bookingForm(ctx, s, v, ids.Site[Parent.Name])
		}},
	{Name: "request a quote", Persona: Parent, Path: fixed("/quotes/new"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			return bookingForm(ctx, s, v, "")
		}},
	{Name: "book a job", Persona: SiteContact, Path: func(ids *IDs) string { return bookingPath("/jobs/new", ids.Site[SiteContact.Name]) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return bookingForm(ctx, s, v, ids.Site[SiteContact.Name])
		}},
	{Name: "request a quote", Persona: SiteContact, Path: fixed("/quotes/new"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return bookingForm(ctx, s, v, ids.Site[SiteContact.Name]) // its one site is chosen for it
		}},

	// The console, as staff; the admin-only screens as the admin.
	{Name: "console home", Persona: Staff, Path: fixed("/console"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, err := s.Orgs.CountOutbox(ctx, v, "mail", fieldportal.OutboxPending)
			return err
		}},
	{Name: "contacts", Persona: Staff, Path: fixed("/console/contacts"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Access.FindContacts(ctx, v, fieldportal.ContactFilter{})
			return err
		}},
	{Name: "contacts search", Persona: Staff, Path: func(ids *IDs) string { return "/console/contacts?q=" + q(ids.ContactSearch) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, _, err := s.Access.FindContacts(ctx, v, fieldportal.ContactFilter{Search: ids.ContactSearch})
			return err
		}},
	{Name: "contact", Persona: Staff, Path: func(ids *IDs) string { return "/console/contacts/" + url.PathEscape(ids.Contact) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, err := s.Access.FindContactAccess(ctx, v, ids.Contact, "")
			return err
		}},
	{Name: "contact site search", Persona: Staff, Path: func(ids *IDs) string {
		return "/console/contacts/" + url.PathEscape(ids.Contact) + "?site_q=" + q(ids.SiteSearch)
	},
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, err := s.Access.FindContactAccess(ctx, v, ids.Contact, ids.SiteSearch)
			return err
		}},
	{Name: "revoke", Persona: Staff, Path: func(ids *IDs) string { return "/console/contacts/" + url.PathEscape(ids.Contact) + "/revoke" },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, err := s.Access.FindContactByID(ctx, v, ids.Contact)
			return err
		}},
	{Name: "console issues", Persona: Staff, Path: fixed("/console/issues"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Work.FindIssues(ctx, v, fieldportal.IssueFilter{Status: fieldportal.IssueOpen, Sort: fieldportal.IssueSortNewest})
			return err
		}},
	{Name: "console issue", Persona: Staff, Path: func(ids *IDs) string { return "/console/issues/" + url.PathEscape(ids.Issue) }, SQL: issuePage},
	{Name: "account", Persona: Staff, Path: fixed("/console/account"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			if _, err := s.Staff.FindStaffUser(ctx, v, v.StaffID); err != nil {
				return err
			}
			_, err := s.SignIn.PasswordPolicyHint(ctx, v.OrgID)
			return err
		}},
	// Equipment (issue 18): the grouped list with its group counts, its
	// filters and CSV, a site's Equipment tab, an asset's page and labels.
	{Name: "assets", Persona: Parent, Path: fixed("/assets"), SQL: assetsPage(fieldportal.AssetFilter{}, nil)},
	{Name: "assets overdue", Persona: Parent, Path: fixed("/assets?due=overdue"),
		SQL: assetsPage(fieldportal.AssetFilter{Due: fieldportal.AssetDueOverdue}, nil)},
	{Name: "assets search", Persona: Parent, Path: func(ids *IDs) string { return "/assets?q=" + q(ids.Assets.Search) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return assetsPage(fieldportal.AssetFilter{Search: ids.Assets.Search}, nil)(ctx, s, v, ids)
		}},
	{Name: "assets CSV", Persona: Parent, Path: fixed("/assets.csv"), SQL: assetsCSV},
	{Name: "site equipment", Persona: Parent, Path: func(ids *IDs) string { return "/assets?site=" + q(ids.Assets.Site) },
		SQL: assetsPage(fieldportal.AssetFilter{}, func(ids *IDs) string { return ids.Assets.Site })},
	{Name: "asset", Persona: Parent, Path: assetPath(""), SQL: assetPage},
	{Name: "asset label PDF", Persona: Parent, Path: assetPath("/label.pdf"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, err := s.Equipment.FindAssetByID(ctx, v, ids.Assets.Asset)
			return err
		}},
	{Name: "asset labels PDF", Persona: Parent, Path: func(ids *IDs) string { return "/assets/labels.pdf?site=" + q(ids.Assets.Site) },
		SQL: assetLabels},
	{Name: "assets", Persona: SiteContact, Path: fixed("/assets"), SQL: assetsPage(fieldportal.AssetFilter{}, nil)},
	// Automatic payments (issue 17): the recurring invoices with their
	// customers' saved cards, and the console's list of them.
	// The reports (issue 18): the PPM grid of the parent's busiest site for
	// the current year, a cell's details, its CSV and PDF; the defects and
	// the test history of every site, their CSVs (the tests CSV of the
	// busy site's year) and PDFs (at most pdf.MaxReportRows rows).
	{Name: "PPM report", Persona: Parent, Path: ppmPath("/reports/ppm", false), SQL: ppmSQL(false)},
	{Name: "PPM report cell", Persona: Parent, Path: ppmPath("/reports/ppm", true), SQL: ppmSQL(true)},
	{Name: "PPM report CSV", Persona: Parent, Path: ppmPath("/reports/ppm.csv", false), SQL: ppmSQL(false)},
	{Name: "PPM report PDF", Persona: Parent, Path: ppmPath("/reports/ppm.pdf", false), SQL: ppmSQL(false)},
	{Name: "defects report", Persona: Parent, Path: fixed("/reports/defects"), SQL: reportListSQL(false)},
	{Name: "defects report CSV", Persona: Parent, Path: fixed("/reports/defects.csv"), SQL: reportWalk(false, false)},
	{Name: "defects report PDF", Persona: Parent, Path: fixed("/reports/defects.pdf"), SQL: reportWalk(false, false)},
	{Name: "test history", Persona: Parent, Path: fixed("/reports/tests"), SQL: reportListSQL(true)},
	{Name: "test history CSV", Persona: Parent, Path: testsYearPath("/reports/tests.csv"), SQL: reportWalk(true, true)},
	{Name: "test history PDF", Persona: Parent, Path: testsYearPath("/reports/tests.pdf"), SQL: reportWalk(true, true)},
	{Name: "defects report", Persona: SiteContact, Path: fixed("/reports/defects"), SQL: reportListSQL(false)},
	{Name: "test history", Persona: SiteContact, Path: fixed("/reports/tests"), SQL: reportListSQL(true)},

	{Name: "automatic payments", Persona: Parent, Path: fixed("/payments/automatic"), SQL: autopaySQL},
	{Name: "automatic payments", Persona: SiteContact, Path: fixed("/payments/automatic"), SQL: autopaySQL},
	{Name: "console recurring invoices", Persona: Staff, Path: fixed("/console/recurring"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Money.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{})
			return err
		}},
	{Name: "console quotes", Persona: Staff, Path: fixed("/console/quotes"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Work.FindQuotes(ctx, v, fieldportal.QuoteFilter{Stages: []fieldportal.QuoteStage{fieldportal.QuoteRequested}})
			return err
		}},
	{Name: "schedule job", Persona: Staff, Path: func(ids *IDs) string { return "/console/jobs/" + url.PathEscape(ids.PrintedJob) + "/schedule" },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, err := s.Work.FindJobByID(ctx, v, ids.PrintedJob)
			return err
		}},
	// The office's invoices and payments (issue 17, point 5; office_money.go).
	{Name: "console invoices overdue by contractor", Persona: Staff, Path: func(ids *IDs) string {
		f := officeInvoicesHeaviest(ids)
		return "/console/invoices?tab=overdue&contractor=" + q(f.ContractorID) + "&from=" + f.IssuedFrom.String()
	},
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return officeList(ctx, s, v, officeInvoicesHeaviest(ids))
		}},
	{Name: "console invoices search", Persona: Staff, Path: func(ids *IDs) string { return "/console/invoices?q=" + q(ids.Office.InvoiceNumber) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			return officeList(ctx, s, v, fieldportal.InvoiceFilter{Number: ids.Office.InvoiceNumber})
		}},
	{Name: "console invoice", Persona: Staff, Path: func(ids *IDs) string { return "/console/invoices/" + url.PathEscape(ids.Office.Invoice) },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			inv, err := s.Money.FindInvoiceByID(ctx, v, ids.Office.Invoice)
			if err != nil {
				return err
			}
			if _, err := s.Money.FindInvoicePayments(ctx, v, inv.ID); err != nil {
				return err
			}
			if _, _, err := s.Orgs.FindAuditLog(ctx, v, fieldportal.AuditFilter{Entity: "invoice", EntityID: inv.ID, Page: fieldportal.Page{Limit: 100}}); err != nil {
				return err
			}
			if _, _, err := s.Money.FindInvoiceRows(ctx, v, fieldportal.InvoiceFilter{CustomerID: inv.CustomerID, Page: fieldportal.Page{Limit: 1}}); err != nil {
				return err
			}
			_, _, err = s.Money.FindInvoiceRows(ctx, v, fieldportal.InvoiceFilter{CustomerID: inv.CustomerID,
				Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid}, Page: fieldportal.Page{Limit: 20}})
			return err
		}},
	{Name: "console invoices CSV", Persona: Staff, Path: fixed("/console/invoices.csv?tab=unpaid"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			return s.Money.EachInvoiceRow(ctx, v, fieldportal.InvoiceFilter{Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid}},
				func(*fieldportal.InvoiceRow) error { return nil })
		}},
	{Name: "console payments", Persona: Staff, Path: fixed("/console/payments"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Money.FindPaymentRows(ctx, v, fieldportal.PaymentFilter{})
			return err
		}},
	{Name: "mail log", Persona: Admin, Path: fixed("/console/mail"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, _, err := s.Orgs.FindOutbox(ctx, v, fieldportal.OutboxFilter{Kind: "mail"})
			return err
		}},
	{Name: "staff", Persona: Admin, Path: fixed("/console/staff"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			_, err := s.Staff.FindStaffUsers(ctx, v)
			return err
		}},
	{Name: "settings", Persona: Admin, Path: fixed("/console/settings"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, err := s.Orgs.FindSettings(ctx, ids.OrgID)
			return err
		}},
	// Documents (issue 18 point 3; bench/documents.go).
	{Name: "documents", Persona: Parent, Path: fixed("/documents"), SQL: documentsPage(fieldportal.DocumentFilter{})},
	{Name: "documents newest", Persona: Parent, Path: fixed("/documents?sort=newest"),
		SQL: documentsPage(fieldportal.DocumentFilter{Sort: fieldportal.DocumentSortNewest})},
	{Name: "documents office files", Persona: Parent, Path: fixed("/documents?type=office"),
		SQL: documentsPage(fieldportal.DocumentFilter{Type: "office"})},
	{Name: "documents", Persona: SiteContact, Path: fixed("/documents"), SQL: documentsPage(fieldportal.DocumentFilter{})},
	{Name: "documents CSV", Persona: Parent, Path: fixed("/documents.csv"),
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
			return s.Equipment.EachDocument(ctx, v, fieldportal.DocumentFilter{}, func(*fieldportal.Document) error { return nil })
		}},
	{Name: "document download", Persona: Parent, Path: func(ids *IDs) string { return "/documents/" + url.PathEscape(ids.Document) + "/download" },
		SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
			_, rc, err := s.Equipment.OpenDocument(ctx, v, ids.Document)
			if err == nil {
				rc.Close()
			}
			return err
		}},
}

// allSites is the CSV's store work: the one walk of every site the
// handler streams.
func allSites(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
	return s.Sites.EachSite(ctx, v, fieldportal.SiteFilter{WithActivity: true}, func(*fieldportal.Site) error { return nil })
}

// printoutParties is a printout's store work beside its record: the
// customer, the site, and the organisation's settings and logo.
func printoutParties(ctx context.Context, s server.Services, v fieldportal.Viewer, customerID, siteID string) error {
	if _, err := s.Sites.FindCustomerByID(ctx, v, customerID); err != nil {
		return err
	}
	if _, err := s.Sites.FindSiteByID(ctx, v, siteID); err != nil {
		return err
	}
	st, err := s.Orgs.FindSettings(ctx, v.OrgID)
	if err != nil {
		return err
	}
	if st.Branding.Logo != "" {
		_, _, err = s.Orgs.FindLogo(ctx, v.OrgID, st.Branding.Logo)
	}
	return err
}

// jobsTab is the store work of a tab of the service orders list.
func jobsTab(tab fieldportal.JobTab) func(context.Context, server.Services, fieldportal.Viewer, *IDs) error {
	stages, _ := tab.Stages()
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
		return jobsList(ctx, s, v, fieldportal.JobFilter{Kind: fieldportal.JobService, Stages: stages})
	}
}

// jobsList is the list's calls: a page of orders and the contractors of
// the filter.
func jobsList(ctx context.Context, s server.Services, v fieldportal.Viewer, f fieldportal.JobFilter) error {
	if _, _, err := s.Work.FindJobs(ctx, v, f); err != nil {
		return err
	}
	_, _, err := s.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: 100}})
	return err
}

// jobPage is an order's page's calls.
func jobPage(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
	j, err := s.Work.FindJobByID(ctx, v, id)
	if err != nil {
		return err
	}
	if _, err := s.Work.FindJobHistory(ctx, v, id); err != nil {
		return err
	}
	for _, a := range j.AssetIDs {
		if _, err := s.Equipment.FindAssetByID(ctx, v, a); err != nil {
			return err
		}
	}
	if j.ContractorID != "" {
		if _, err := s.Work.FindContractorByID(ctx, v, j.ContractorID); err != nil {
			return err
		}
	}
	if _, _, err := s.Diary.FindAppointments(ctx, v, fieldportal.AppointmentFilter{JobID: id, Page: fieldportal.Page{Limit: 100}}); err != nil {
		return err
	}
	if _, err := s.Diary.FindJobFeedback(ctx, v, id); err != nil { // the visits' feedback (issue 22)
		return err
	}
	if _, err := s.Work.FindJobInvoices(ctx, v, id); err != nil {
		return err
	}
	_, _, err = s.Equipment.FindDocuments(ctx, v, fieldportal.DocumentFilter{JobID: id, Page: fieldportal.Page{Limit: 100}})
	return err
}

// statementYear is the query of a statement of the year up to today.
func statementYear() url.Values {
	today := fieldportal.DateOf(time.Now())
	return url.Values{"from": {today.AddDays(-364).String()}, "to": {today.String()}}
}

// statementRange is the page's default range: the last three months up
// to today.
func statementRange(ids *IDs) fieldportal.StatementRequest {
	today := fieldportal.DateOf(time.Now().In(ids.OrgZone))
	return fieldportal.StatementRequest{From: fieldportal.DateOf(today.Time().AddDate(0, -3, 1)), To: today, Zone: ids.OrgZone}
}

// statementPage reads what the statement's page reads: the totals and
// its first page of entries.
func statementPage(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	r := statementRange(ids)
	r.Limit = 50
	_, err := s.Money.Statement(ctx, v, r)
	return err
}

// statementWalk reads what the statement's CSV reads: every entry of the
// page's range, in one walk.
func statementWalk(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return s.Money.EachStatementEntry(ctx, v, statementRange(ids), func(*fieldportal.Statement) error { return nil },
		func(fieldportal.StatementEntry) error { return nil })
}

// statement reads the whole statement of days up to today (the
// printout's).
func statement(days int) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		today := fieldportal.DateOf(time.Now().In(ids.OrgZone))
		_, err := s.Money.Statement(ctx, v, fieldportal.StatementRequest{From: today.AddDays(1 - days), To: today, Zone: ids.OrgZone})
		return err
	}
}
