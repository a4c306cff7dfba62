package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// moneyDay is a short way to write a date in tests.
func moneyDay(y int, m time.Month, d int) fieldportal.Date {
	return fieldportal.Date{Year: y, Month: m, Day: d}
}

// MustInvoice creates an invoice.
func MustInvoice(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, inv *fieldportal.Invoice) *fieldportal.Invoice {
	tb.Helper()
	if err := db.CreateInvoice(context.Background(), v, inv); err != nil {
		tb.Fatalf("create invoice: %v", err)
	}
	return inv
}

// MustRecordPayment records a payment that must be new.
func MustRecordPayment(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, p *fieldportal.Payment) *fieldportal.Payment {
	tb.Helper()
	created, err := db.RecordPayment(context.Background(), v, p)
	if err != nil || !created {
		tb.Fatalf("record payment: created %v, %v", created, err)
	}
	return p
}

// MustRecurring creates a recurring invoice.
func MustRecurring(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, r *fieldportal.RecurringInvoice) *fieldportal.RecurringInvoice {
	tb.Helper()
	if err := db.CreateRecurringInvoice(context.Background(), v, r); err != nil {
		tb.Fatalf("create recurring invoice: %v", err)
	}
	return r
}

// MustInvoiceTotal reads an invoice's amount paid and status as staff.
func MustInvoiceTotal(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, id string) (fieldportal.Money, fieldportal.InvoiceStatus) {
	tb.Helper()
	inv, err := db.FindInvoiceByID(context.Background(), v, id)
	if err != nil {
		tb.Fatalf("find invoice: %v", err)
	}
	return inv.AmountPaid, inv.Status
}

// mustMoneyExec runs raw SQL for rows whose store methods live on other
// branches (contacts, logins, jobs, contractors).
func mustMoneyExec(tb testing.TB, db *sqlstore.DB, q string, args ...any) {
	tb.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), q, args...); err != nil {
		tb.Fatalf("exec %q: %v", q, err)
	}
}

// MustMoneyContact makes a contact with an active login at a customer and
// returns its viewer, with every module on unless pages are given.
func MustMoneyContact(tb testing.TB, db *sqlstore.DB, orgID, customerID string, access fieldportal.SiteAccess, siteIDs []string, pages ...fieldportal.Module) fieldportal.Viewer {
	tb.Helper()
	now := time.Now().UTC()
	contactID, loginID := sqlstore.NewID(), sqlstore.NewID()
	mustMoneyExec(tb, db, `INSERT INTO contacts (id, org_id, customer_id, first_name, created_at, updated_at) VALUES ($1, $2, $3, 'Pat', $4, $4)`,
		contactID, orgID, customerID, now)
	mustMoneyExec(tb, db, `INSERT INTO portal_logins (id, org_id, contact_id, username, status, site_access, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'active', $5, $6, $6)`, loginID, orgID, contactID, loginID+"@example.test", string(access), now)
	for _, s := range siteIDs {
		mustMoneyExec(tb, db, `INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, loginID, s, orgID)
	}
	mods := fieldportal.Modules(fieldportal.AllModules)
	if len(pages) > 0 {
		mods = pages
	}
	return fieldportal.NewContactViewer(orgID, fieldportal.ContactGrants{Name: "Pat", LoginID: loginID,
		ContactID: contactID, CustomerID: customerID, SiteAccess: access, Pages: mods},
		fieldportal.Settings{Modules: fieldportal.AllModules})
}

// MustMoneyJob inserts a job at a site and returns its id.
func MustMoneyJob(tb testing.TB, db *sqlstore.DB, orgID, customerID, siteID, number string) string {
	tb.Helper()
	id := sqlstore.NewID()
	mustMoneyExec(tb, db, `INSERT INTO jobs (id, org_id, number, customer_id, site_id, kind, stage, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, 'service', 'invoiced', $6, $6)`, id, orgID, number, customerID, siteID, time.Now().UTC())
	return id
}

// MustMoneyContractor inserts a contractor and returns its id.
func MustMoneyContractor(tb testing.TB, db *sqlstore.DB, orgID, name string) string {
	tb.Helper()
	id := sqlstore.NewID()
	mustMoneyExec(tb, db, `INSERT INTO contractors (id, org_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)`,
		id, orgID, name, time.Now().UTC())
	return id
}

// moneyWorld is a small organisation: a parent customer with two sites and
// a child customer with one site, and a second organisation.
type moneyWorld struct {
	org, other    *fieldportal.Organisation
	staff         fieldportal.Viewer
	parent, child *fieldportal.Customer
	siteA, siteB  *fieldportal.Site // the parent's
	siteC         *fieldportal.Site // the child's
}

func newMoneyWorld(tb testing.TB, db *sqlstore.DB) *moneyWorld {
	tb.Helper()
	w := &moneyWorld{org: MustOrg(tb, db, "Acme Fire"), other: MustOrg(tb, db, "Other Org")}
	w.staff = fieldportal.SystemViewer(w.org.ID, "test")
	w.parent = MustCustomer(tb, db, w.staff, &fieldportal.Customer{Name: "Group"})
	w.child = MustCustomer(tb, db, w.staff, &fieldportal.Customer{Name: "Child", ParentID: w.parent.ID})
	w.siteA = MustSite(tb, db, w.staff, &fieldportal.Site{CustomerID: w.parent.ID, Name: "Site A", Address: fieldportal.Address{Line1: "A Street"}})
	w.siteB = MustSite(tb, db, w.staff, &fieldportal.Site{CustomerID: w.parent.ID, Name: "Site B", Address: fieldportal.Address{Line1: "B Street"}})
	w.siteC = MustSite(tb, db, w.staff, &fieldportal.Site{CustomerID: w.child.ID, Name: "Site C", Address: fieldportal.Address{Line1: "C Street"}})
	return w
}

// invoice returns an unsaved invoice of total (tax 20% included).
func (w *moneyWorld) invoice(customerID, siteID string, issued fieldportal.Date, total fieldportal.Money) *fieldportal.Invoice {
	tax := total / 6
	return &fieldportal.Invoice{CustomerID: customerID, SiteID: siteID, IssueDate: issued, DueDate: issued.AddDays(30),
		Subtotal: total - tax, Tax: tax, Total: total}
}
