package sqlstore_test

import (
	"context"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// world is the access fixture: organisation A with a customer tree
//
//	Parent (site P0)
//	├── Child1 (sites S1a, S1b)
//	│   └── Grandchild (site G1)
//	└── Child2 (site S2)
//	Solo (site X1)
//
// and organisation B with its own customer and site. Each viewer is a
// contact of one kind; want lists, per resource, what it must see.
type world struct {
	db      *sqlstore.DB
	orgA    string
	orgB    string
	staff   fieldportal.Viewer
	cust    map[string]*fieldportal.Customer
	site    map[string]*fieldportal.Site
	contact map[string]*fieldportal.Contact
	viewers map[string]fieldportal.Viewer
}

// The kinds of viewer of the matrix (SPEC §2 and issue 3).
var viewerKinds = []string{"parent", "child", "assigned", "nopage", "solo", "otherorg", "forged", "disabled", "anonymous", "staff"}

func mustWorld(t *testing.T, db *sqlstore.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{db: db, cust: map[string]*fieldportal.Customer{}, site: map[string]*fieldportal.Site{},
		contact: map[string]*fieldportal.Contact{}, viewers: map[string]fieldportal.Viewer{}}
	w.orgA, w.orgB = MustOrg(t, db, "Org A").ID, MustOrg(t, db, "Org B").ID
	sysA, sysB := fieldportal.SystemViewer(w.orgA, "test"), fieldportal.SystemViewer(w.orgB, "test")
	w.staff = fieldportal.NewStaffViewer(w.orgA, "", "", fieldportal.RoleStaff)
	cust := func(v fieldportal.Viewer, name, parent string) {
		p := ""
		if parent != "" {
			p = w.cust[parent].ID
		}
		w.cust[name] = MustCustomer(t, db, v, &fieldportal.Customer{Name: name, ParentID: p})
	}
	site := func(v fieldportal.Viewer, name, customer string) {
		w.site[name] = MustSite(t, db, v, &fieldportal.Site{Name: name, CustomerID: w.cust[customer].ID, Address: fieldportal.Address{Line1: "1 " + name}})
	}
	cust(sysA, "Parent", "")
	cust(sysA, "Child1", "Parent")
	cust(sysA, "Grandchild", "Child1")
	cust(sysA, "Child2", "Parent")
	cust(sysA, "Solo", "")
	cust(sysB, "OtherB", "")
	site(sysA, "P0", "Parent")
	site(sysA, "S1a", "Child1")
	site(sysA, "S1b", "Child1")
	site(sysA, "G1", "Grandchild")
	site(sysA, "S2", "Child2")
	site(sysA, "X1", "Solo")
	site(sysB, "B1", "OtherB")

	allPages := fieldportal.Modules(fieldportal.AllModules)
	// The contact without the page has the dashboard alone: every module
	// of the matrix is closed to it.
	noSites := fieldportal.Modules{fieldportal.ModuleDashboard}
	login := func(name, customer string, org fieldportal.Viewer, pages fieldportal.Modules, access fieldportal.SiteAccess, sites []string, status fieldportal.LoginStatus) {
		// Every contact of the matrix has the quote role, so that answering
		// a quote is decided by its reach (TestQuoteAnswers tests the role).
		c := &fieldportal.Contact{FirstName: name, CustomerID: w.cust[customer].ID, Email: name + "@example.test", QuoteContact: true}
		if err := db.CreateContact(ctx, org, c); err != nil {
			t.Fatalf("contact %s: %v", name, err)
		}
		w.contact[name] = c
		l := &fieldportal.PortalLogin{ContactID: c.ID, Username: name + "@example.test", Status: fieldportal.LoginActive,
			Pages: pages, SiteAccess: access, PasswordHash: "x"}
		for _, s := range sites {
			l.SiteIDs = append(l.SiteIDs, w.site[s].ID)
		}
		if err := db.CreatePortalLogin(ctx, org, l); err != nil {
			t.Fatalf("login %s: %v", name, err)
		}
		v, err := db.ViewerForLogin(ctx, org.OrgID, l.ID)
		if err != nil {
			t.Fatalf("viewer %s: %v", name, err)
		}
		if status == fieldportal.LoginDisabled {
			l.Status = fieldportal.LoginDisabled
			if err := db.UpdateLoginAccess(ctx, org, l); err != nil {
				t.Fatalf("disable %s: %v", name, err)
			}
		}
		w.viewers[name] = v // a disabled login keeps its old viewer: the store must still refuse it
	}
	login("parent", "Parent", sysA, allPages, fieldportal.SiteAccessAll, nil, fieldportal.LoginActive)
	login("child", "Child1", sysA, allPages, fieldportal.SiteAccessAll, nil, fieldportal.LoginActive)
	login("assigned", "Parent", sysA, allPages, fieldportal.SiteAccessAssigned, []string{"S1a", "S2"}, fieldportal.LoginActive)
	login("nopage", "Parent", sysA, noSites, fieldportal.SiteAccessAll, nil, fieldportal.LoginActive)
	login("solo", "Solo", sysA, allPages, fieldportal.SiteAccessAll, nil, fieldportal.LoginActive)
	login("otherorg", "OtherB", sysB, allPages, fieldportal.SiteAccessAll, nil, fieldportal.LoginActive)
	login("disabled", "Parent", sysA, allPages, fieldportal.SiteAccessAll, nil, fieldportal.LoginDisabled)
	// An anonymous viewer of organisation A, and a forged contact viewer
	// naming a login of organisation B on organisation A.
	w.viewers["anonymous"] = fieldportal.Viewer{OrgID: w.orgA}
	forged := w.viewers["otherorg"]
	forged.OrgID = w.orgA
	w.viewers["forged"] = forged
	w.viewers["staff"] = w.staff
	return w
}

// The reads a row of the matrix makes as each viewer.
type (
	listFn  = func(v fieldportal.Viewer) ([]string, error)
	countFn = func(v fieldportal.Viewer) (int, error)
	getFn   = func(v fieldportal.Viewer, id string) error
)

// resource is one row of the matrix: how to list and fetch one kind of
// record, and the names of the records each viewer must see.
type resource struct {
	name string
	// covers names the service methods ("Interface.Method") that the
	// reads below call, so that the matrix's coverage of the services is
	// read from the rows themselves.
	covers []string
	all    map[string]string // name -> id of every record of the kind in the fixture
	list   func(v fieldportal.Viewer) ([]string, error)
	get    func(v fieldportal.Viewer, id string) error
	count  func(v fieldportal.Viewer) (int, error)
	want   map[string][]string // viewer kind -> visible record names
	// moreLists, moreCounts and moreGets are other reads of the same
	// records (a report, a dashboard figure, a download): each must agree
	// with want exactly as list, count and get do.
	moreLists  map[string]listFn
	moreCounts map[string]countFn
	moreGets   map[string]getFn
}

func (w *world) ids(m map[string]string, names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, m[n])
	}
	slices.Sort(out)
	return out
}

func TestAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		for _, r := range w.readRows(t) {
			for _, kind := range viewerKinds {
				t.Run(r.name+"/"+kind, func(t *testing.T) {
					v := w.viewers[kind]
					want := w.ids(r.all, r.want[kind])
					for name, list := range withMain("list", r.list, true, r.moreLists) {
						got, err := list(v)
						if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
							t.Fatalf("%s: %v", name, err)
						}
						slices.Sort(got)
						if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
							t.Errorf("%s (-want +got):\n%s", name, diff)
						}
					}
					for name, count := range withMain("count", r.count, r.count != nil, r.moreCounts) {
						n, err := count(v)
						if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
							t.Fatalf("%s: %v", name, err)
						}
						if n != len(want) {
							t.Errorf("%s = %d, want %d", name, n, len(want))
						}
					}
					for name, get := range withMain("get", r.get, true, r.moreGets) {
						for record, id := range r.all {
							err := get(v, id)
							visible := slices.Contains(r.want[kind], record)
							switch {
							case visible && err != nil:
								t.Errorf("%s %s: %v, want visible", name, record, err)
							case !visible && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND:
								t.Errorf("%s %s: err = %v, want not found", name, record, err)
							}
						}
					}
				})
			}
		}
	})
}

// readRows are the rows of TestAccessMatrix, made over w's database.
func (w *world) readRows(t *testing.T) []resource {
	ctx := context.Background()
	db := w.db
	// The access service's reads of contacts are the Accounts'.
	acc := sqlstore.NewAccounts(db, sqlstore.AccountsConfig{})
	siteIDs := map[string]string{}
	for n, s := range w.site {
		siteIDs[n] = s.ID
	}
	custIDs := map[string]string{}
	for n, c := range w.cust {
		custIDs[n] = c.ID
	}
	contactIDs := map[string]string{}
	for n, c := range w.contact {
		contactIDs[n] = c.ID
	}
	resources := []resource{
		{
			name: "sites", all: siteIDs,
			covers: []string{"SiteService.FindSites", "SiteService.FindSiteByID", "SiteService.CountSites",
				"SiteService.FindSitesUnderCustomer", "SiteService.EachSite", "DashboardService.Dashboard"},
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					s, next, err := db.FindSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{After: after, Limit: 2}, WithActivity: true})
					return idsOf(s, func(s *fieldportal.Site) string { return s.ID }), next, err
				})
			},
			get:   func(v fieldportal.Viewer, id string) error { _, err := db.FindSiteByID(ctx, v, id); return err },
			count: func(v fieldportal.Viewer) (int, error) { return db.CountSites(ctx, v) },
			// The sites under the top customers of both organisations are
			// every site: the same rule must give the same ones, and none
			// to a contact without the Sites page.
			moreLists: map[string]listFn{"FindSites, many sites": func(v fieldportal.Viewer) ([]string, error) {
				// The walk of a contact of many sites (walkSites).
				return listAll(func(after string) ([]string, string, error) {
					s, next, err := db.FindSites(sqlstore.AsManySites(ctx), v, fieldportal.SiteFilter{Page: fieldportal.Page{After: after, Limit: 2}})
					return idsOf(s, func(s *fieldportal.Site) string { return s.ID }), next, err
				})
			}, "EachSite": func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				err := db.EachSite(ctx, v, fieldportal.SiteFilter{WithActivity: true}, func(s *fieldportal.Site) error {
					ids = append(ids, s.ID)
					return nil
				})
				return ids, err
			}, "FindSitesUnderCustomer": func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				for _, top := range []string{"Parent", "Solo", "OtherB"} {
					l, err := db.FindSitesUnderCustomer(ctx, v, w.cust[top].ID)
					if err != nil {
						return ids, err
					}
					ids = append(ids, idsOf(l, func(s *fieldportal.Site) string { return s.ID })...)
				}
				return ids, nil
			}},
			moreCounts: map[string]countFn{"Dashboard": dashboardCount(context.Background(), db, func(d *fieldportal.Dashboard) *int { return d.Sites }),
				"Dashboard, many sites": dashboardCount(sqlstore.AsManySites(context.Background()), db, func(d *fieldportal.Dashboard) *int { return d.Sites })},
			want: map[string][]string{
				"parent":   {"P0", "S1a", "S1b", "G1", "S2"},
				"child":    {"S1a", "S1b", "G1"},
				"assigned": {"S1a", "S2"},
				"solo":     {"X1"},
				"otherorg": {"B1"},
				"staff":    {"P0", "S1a", "S1b", "G1", "S2", "X1"},
			},
		},
		{
			name: "customers", all: custIDs,
			covers: []string{"SiteService.FindCustomers", "SiteService.FindCustomerByID"},
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					s, next, err := db.FindCustomers(ctx, v, fieldportal.CustomerFilter{Page: fieldportal.Page{After: after, Limit: 2}})
					return idsOf(s, func(c *fieldportal.Customer) string { return c.ID }), next, err
				})
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindCustomerByID(ctx, v, id); return err },
			want: map[string][]string{
				"parent":   {"Parent", "Child1", "Grandchild", "Child2"},
				"child":    {"Child1", "Grandchild"},
				"assigned": {"Parent", "Child1", "Grandchild", "Child2"},
				"nopage":   {"Parent", "Child1", "Grandchild", "Child2"},
				"solo":     {"Solo"},
				"otherorg": {"OtherB"},
				"staff":    {"Parent", "Child1", "Grandchild", "Child2", "Solo"},
			},
		},
		{
			name: "contacts", all: contactIDs,
			covers: []string{"AccessService.FindContactByID"},
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					s, next, err := db.FindContacts(ctx, v, fieldportal.ContactFilter{Page: fieldportal.Page{After: after, Limit: 2}})
					return idsOf(s, func(c *fieldportal.Contact) string { return c.ID }), next, err
				})
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindContactByID(ctx, v, id); return err },
			moreGets: map[string]getFn{"Accounts.FindContactByID": func(v fieldportal.Viewer, id string) error {
				_, err := acc.FindContactByID(ctx, v, id)
				return err
			}},
			want: map[string][]string{
				// Customer-level records need site access "all"; a contact always sees itself.
				"parent":   {"parent", "child", "assigned", "nopage", "disabled"},
				"child":    {"child"},
				"assigned": {"assigned"},
				"nopage":   {"parent", "child", "assigned", "nopage", "disabled"},
				"solo":     {"solo"},
				"otherorg": {"otherorg"},
				"staff":    {"parent", "child", "assigned", "nopage", "solo", "disabled"},
			},
		},
	}
	resources = append(resources, w.siteBoundResources(t)...)
	resources = append(resources, w.orgWideResources(t)...)
	return resources
}

// withMain returns a row's main read of one sort, when it has one, with
// its other reads of that sort, by name.
func withMain[F any](name string, main F, has bool, more map[string]F) map[string]F {
	out := maps.Clone(more)
	if out == nil {
		out = map[string]F{}
	}
	if has {
		out[name] = main
	}
	return out
}

// dashboardCount reads one figure of the dashboard as a count; a figure
// not shown (nil: the module is not usable) counts nothing.
// In a ctx of sqlstore.AsManySites it reads the big customer's way (the
// tallies).
func dashboardCount(ctx context.Context, db *sqlstore.DB, figure func(*fieldportal.Dashboard) *int) func(v fieldportal.Viewer) (int, error) {
	return func(v fieldportal.Viewer) (int, error) {
		d, err := db.Dashboard(ctx, v)
		if err != nil {
			return 0, err
		}
		if n := figure(d); n != nil {
			return *n, nil
		}
		return 0, nil
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || slices.Equal(a, b) })

// listAll pages through a list to the end, so paging is part of what the
// matrix checks.
func listAll(page func(after string) ([]string, string, error)) ([]string, error) {
	var out []string
	after := ""
	for range 1000 {
		ids, next, err := page(after)
		if err != nil {
			return out, err
		}
		out = append(out, ids...)
		if next == "" {
			return out, nil
		}
		after = next
	}
	return out, nil
}

func idsOf[T any](list []T, id func(T) string) []string {
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, id(x))
	}
	return out
}

// reach lists, per viewer kind, the sites the rules of SPEC §2.1-2.2 let
// it reach, before modules are considered.
var reach = map[string][]string{
	"parent":   {"P0", "S1a", "S1b", "G1", "S2"},
	"child":    {"S1a", "S1b", "G1"},
	"assigned": {"S1a", "S2"},
	"solo":     {"X1"},
	"otherorg": {"B1"},
	"staff":    {"P0", "S1a", "S1b", "G1", "S2", "X1"},
}

// customerReach lists the customers each viewer reaches (rule 1).
var customerReach = map[string][]string{
	"parent":   {"Parent", "Child1", "Grandchild", "Child2"},
	"child":    {"Child1", "Grandchild"},
	"assigned": {"Parent", "Child1", "Grandchild", "Child2"},
	"solo":     {"Solo"},
	"otherorg": {"OtherB"},
	"staff":    {"Parent", "Child1", "Grandchild", "Child2", "Solo"},
}

// mustAccessInvoice makes an unpaid invoice for a customer, at a site or
// (siteID "") for the customer alone.
func mustAccessInvoice(t *testing.T, db *sqlstore.DB, orgID, customerID, siteID string) string {
	t.Helper()
	today := fieldportal.DateOf(time.Now())
	x := &fieldportal.Invoice{CustomerID: customerID, SiteID: siteID, IssueDate: today, DueDate: today.AddDays(30),
		Subtotal: 10000, Tax: 2000, Total: 12000, Status: fieldportal.InvoiceUnpaid}
	if err := db.CreateInvoice(context.Background(), fieldportal.SystemViewer(orgID, "test"), x); err != nil {
		t.Fatalf("invoice: %v", err)
	}
	return x.ID
}

// siteBound describes a kind of record tied to a site: one is made at
// every site of the fixture, and each viewer must see exactly those at
// the sites it reaches (SPEC §2.3), unless it lacks the module.
type siteBound struct {
	name   string
	covers []string // as resource.covers
	create func(site *fieldportal.Site) string
	// createForCustomer, when set, also makes a record tied only to each
	// customer (no site), visible only with site access "all".
	createForCustomer func(c *fieldportal.Customer) string
	list              func(v fieldportal.Viewer, after string) ([]string, string, error)
	get               func(v fieldportal.Viewer, id string) error
	count             func(v fieldportal.Viewer) (int, error)
	// create may be nil (customer-level records only) or return "" for a
	// site where the kind cannot be made; that site then has no record.
	// extras, when set, is called after the records above are made and
	// returns further records, each with its own rule of who sees it.
	extras func() []extraRecord
	// as resource's
	moreLists  map[string]listFn
	moreCounts map[string]countFn
	moreGets   map[string]getFn
}

// extraRecord is a record of a siteBound kind outside the one-per-site
// pattern; visible says, from reach and customerReach, which viewer
// kinds must see it.
type extraRecord struct {
	name, id string
	visible  func(kind string) bool
}

// seesCustomerRecords reports whether a viewer kind's site access lets it
// see records tied only to a customer (SPEC §2.3: site access "all").
func (w *world) seesCustomerRecords(kind string) bool {
	return w.viewers[kind].SiteAccess != fieldportal.SiteAccessAssigned
}

func (w *world) siteBoundResources(t *testing.T) []resource {
	ctx := context.Background()
	db := w.db
	kinds := []siteBound{
		{
			name:   "jobs",
			covers: []string{"WorkService.FindJobs", "WorkService.FindJobByID", "WorkService.CountJobs", "DashboardService.Dashboard"},
			create: func(s *fieldportal.Site) string {
				j := &fieldportal.Job{SiteID: s.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Service at " + s.Name}
				if err := db.CreateJob(ctx, fieldportal.SystemViewer(s.OrgID, "test"), j); err != nil {
					t.Fatalf("job: %v", err)
				}
				return j.ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindJobs(ctx, v, fieldportal.JobFilter{Page: fieldportal.Page{After: after, Limit: 2}, Kind: fieldportal.JobService})
				return idsOf(l, func(x *fieldportal.Job) string { return x.ID }), next, err
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindJobByID(ctx, v, id); return err },
			count: func(v fieldportal.Viewer) (int, error) {
				return db.CountJobs(ctx, v, fieldportal.JobService, nil)
			},
			// Every job of the row is a pending service order: open.
			moreCounts: map[string]countFn{"Dashboard": dashboardCount(context.Background(), db, func(d *fieldportal.Dashboard) *int { return d.OpenService }),
				"Dashboard, many sites": dashboardCount(sqlstore.AsManySites(context.Background()), db, func(d *fieldportal.Dashboard) *int { return d.OpenService })},
		},
		{
			name: "quotes",
			covers: []string{"WorkService.FindQuotes", "WorkService.FindQuoteByID", "WorkService.CountQuotes", "DashboardService.Dashboard",
				"WorkService.EachQuote"},
			create: func(s *fieldportal.Site) string {
				q := &fieldportal.Quote{SiteID: s.ID, Stage: fieldportal.QuoteOutstanding, Description: "Quote at " + s.Name}
				if err := db.CreateQuote(ctx, fieldportal.SystemViewer(s.OrgID, "test"), q); err != nil {
					t.Fatalf("quote: %v", err)
				}
				return q.ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindQuotes(ctx, v, fieldportal.QuoteFilter{Page: fieldportal.Page{After: after, Limit: 2}})
				return idsOf(l, func(x *fieldportal.Quote) string { return x.ID }), next, err
			},
			get:   func(v fieldportal.Viewer, id string) error { _, err := db.FindQuoteByID(ctx, v, id); return err },
			count: func(v fieldportal.Viewer) (int, error) { return db.CountQuotes(ctx, v, nil) },
			// The CSV's rows (quotes_access_test.go).
			moreLists: quoteMoreLists(ctx, db),
			// Every quote of the row is outstanding.
			moreCounts: map[string]countFn{"Dashboard": dashboardCount(context.Background(), db, func(d *fieldportal.Dashboard) *int { return d.OutstandingQuotes }),
				"Dashboard, many sites": dashboardCount(sqlstore.AsManySites(context.Background()), db, func(d *fieldportal.Dashboard) *int { return d.OutstandingQuotes })},
		},
		{
			name:   "issues",
			covers: []string{"WorkService.FindIssues", "WorkService.FindIssueByID", "WorkService.CountIssues", "DashboardService.Dashboard"},
			create: func(s *fieldportal.Site) string {
				x := &fieldportal.Issue{SiteID: s.ID, Title: "Fault at " + s.Name, Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
				if err := db.CreateIssue(ctx, fieldportal.SystemViewer(s.OrgID, "test"), x); err != nil {
					t.Fatalf("issue: %v", err)
				}
				return x.ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindIssues(ctx, v, fieldportal.IssueFilter{Page: fieldportal.Page{After: after, Limit: 2}})
				return idsOf(l, func(x *fieldportal.Issue) string { return x.ID }), next, err
			},
			get:   func(v fieldportal.Viewer, id string) error { _, err := db.FindIssueByID(ctx, v, id); return err },
			count: func(v fieldportal.Viewer) (int, error) { return db.CountIssues(ctx, v, fieldportal.IssueOpen) },
			// Every issue of the row is open.
			moreCounts: map[string]countFn{"Dashboard": dashboardCount(context.Background(), db, func(d *fieldportal.Dashboard) *int { return d.OpenIssues }),
				"Dashboard, many sites": dashboardCount(sqlstore.AsManySites(context.Background()), db, func(d *fieldportal.Dashboard) *int { return d.OpenIssues })},
		},
	}
	kinds = append(kinds, siteBound{
		name: "invoices",
		covers: []string{"MoneyService.FindInvoices", "MoneyService.FindInvoiceByID", "MoneyService.CountInvoices",
			"MoneyService.InvoiceSummary", "MoneyService.Statement", "DashboardService.Dashboard", "MoneyService.EachInvoice",
			"MoneyService.EachStatementEntry"},
		create: func(s *fieldportal.Site) string {
			x := mustAccessInvoice(t, db, s.OrgID, s.CustomerID, s.ID)
			return x
		},
		createForCustomer: func(c *fieldportal.Customer) string { return mustAccessInvoice(t, db, c.OrgID, c.ID, "") },
		list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
			l, next, err := db.FindInvoices(ctx, v, fieldportal.InvoiceFilter{Page: fieldportal.Page{After: after, Limit: 2}})
			return idsOf(l, func(x *fieldportal.Invoice) string { return x.ID }), next, err
		},
		get: func(v fieldportal.Viewer, id string) error { _, err := db.FindInvoiceByID(ctx, v, id); return err },
		count: func(v fieldportal.Viewer) (int, error) {
			return db.CountInvoices(ctx, v, fieldportal.InvoiceFilter{})
		},
		// The CSV's rows and the list by due date (invoices_list_test.go),
		// and the statement of the month up to today, which lists them all.
		moreLists: func() map[string]listFn {
			m := invoiceMoreLists(ctx, db)
			m["Statement"] = func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				err := eachRecentStatementEntry(ctx, db, v, fieldportal.StatementInvoice, func(e fieldportal.StatementEntry) error {
					ids = append(ids, e.ID)
					return nil
				})
				return ids, err
			}
			// The same walked as for a contact of many sites (the
			// organisation's invoices in order, each checked).
			m["Statement, many sites"] = func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				err := eachRecentStatementEntry(sqlstore.AsManySites(ctx), db, v, fieldportal.StatementInvoice, func(e fieldportal.StatementEntry) error {
					ids = append(ids, e.ID)
					return nil
				})
				return ids, err
			}
			return m
		}(),
		// Every invoice of the row is unpaid or part paid (the payments
		// row pays a little of some), so the unpaid figures count them all.
		moreCounts: map[string]countFn{
			"InvoiceSummary": func(v fieldportal.Viewer) (int, error) {
				s, err := db.InvoiceSummary(ctx, v, fieldportal.DateOf(time.Now()))
				return s.Unpaid, err
			},
			"InvoiceSummary, many sites": func(v fieldportal.Viewer) (int, error) {
				s, err := db.InvoiceSummary(sqlstore.AsManySites(ctx), v, fieldportal.DateOf(time.Now()))
				return s.Unpaid, err
			},
			"Dashboard":             dashboardCount(context.Background(), db, func(d *fieldportal.Dashboard) *int { return d.UnpaidInvoices }),
			"Dashboard, many sites": dashboardCount(sqlstore.AsManySites(context.Background()), db, func(d *fieldportal.Dashboard) *int { return d.UnpaidInvoices }),
		},
	})
	kinds = append(kinds, w.moreSiteBound(t)...)
	kinds = append(kinds, w.issueSiteBound(t)...)
	kinds = append(kinds, w.reportSiteBound(t)...)
	var out []resource
	for _, k := range kinds {
		all := map[string]string{}
		if k.create != nil {
			for name, site := range w.site {
				if id := k.create(site); id != "" {
					all[name] = id
				}
			}
		}
		if k.createForCustomer != nil {
			for name, c := range w.cust {
				all["cust:"+name] = k.createForCustomer(c)
			}
		}
		want := map[string][]string{}
		for kind, sites := range reach {
			for _, s := range sites {
				if _, ok := all[s]; ok {
					want[kind] = append(want[kind], s)
				}
			}
			if k.createForCustomer != nil && w.seesCustomerRecords(kind) {
				for _, c := range customerReach[kind] {
					want[kind] = append(want[kind], "cust:"+c)
				}
			}
		}
		if k.extras != nil {
			for _, x := range k.extras() {
				all[x.name] = x.id
				for _, kind := range viewerKinds {
					if x.visible(kind) {
						want[kind] = append(want[kind], x.name)
					}
				}
			}
		}
		out = append(out, resource{
			name: k.name, covers: k.covers, all: all, get: k.get, count: k.count, want: want,
			moreLists: k.moreLists, moreCounts: k.moreCounts, moreGets: k.moreGets,
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) { return k.list(v, after) })
			},
		})
	}
	return out
}
