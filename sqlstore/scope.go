package sqlstore

import (
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The access rules of SPEC §2, as SQL, in one place. Every portal query
// adds one of the predicates below for its table; nothing else filters by
// viewer. The contact's reach is read from the database on every query
// (the login's status, customer and site access), never trusted from the
// session, so disabling a login or changing its access takes effect on the
// next request. The reach is two common table expressions, never a list
// of ids in the SQL; the customers come from the customer tree
// (customertree.go), so a parent customer with 20,000 sites costs one
// index range of its 1,091 customers.
//
//   reach_login(id, site_access, customer_id): the viewer's login, only if active
//   reach_customers(customer_id): its customer and every descendant (rule 1)
//
// Sites are never listed into a set: a record's site is checked against
// the (small) set of reachable customers and, for "assigned" access, the
// login's assigned sites (rule 2). Both planners then drive a list from
// the record's own sort index and stop after one page, and a lookup by id
// costs a few index probes.

// reach adds the viewer's reach CTEs to q. Callers first handle viewers
// that see the whole organisation.
func (q *query) reach(v fieldportal.Viewer) {
	if q.ctes["reach_customers"] {
		return
	}
	org, login := q.arg(v.OrgID), q.arg(v.LoginID)
	q.loginArg, q.orgArg = login, org
	q.cte("reach_login", `SELECT pl.id, pl.site_access, pl.may_manage_contacts, ct.customer_id
		FROM portal_logins pl JOIN contacts ct ON ct.id = pl.contact_id
		WHERE pl.id = `+login+` AND pl.org_id = `+org+` AND pl.status = 'active'`)
	// The tree's rows are of the organisation too: a link between two
	// organisations (which the store's writes refuse) joins no reaches.
	q.cte("reach_customers", `SELECT ct.customer_id FROM customer_tree ct
		WHERE ct.ancestor_id = (SELECT customer_id FROM reach_login) AND ct.org_id = `+org)
}

// siteReachable is the predicate "the site whose id is in column siteCol,
// belonging to the customer in column customerCol, is reachable".
//
// Both planners start from the reachable customers when the test is
// written customer IN reach: right for a contact of a few sites, whose
// sites are found through sites_customer and sorted. For a contact of
// many (q.walkSites) it is written as siteIDReachable writes it, so the
// list walks its own index in order and stops after a page: a big
// parent's first page of sites went from 15 to 3 ms on SQLite and 17 to
// 2 ms on PostgreSQL; a contact of one site would walk every site of the
// organisation that way (200 ms), hence the choice (issue 15).
func (q *query) siteReachable(siteCol, customerCol string) string {
	customer := customerCol + " IN (SELECT customer_id FROM reach_customers)"
	switch {
	case q.probe:
		customer = q.reachProbe(customerCol)
	case q.walkSites:
		customer = "NOT (" + customerCol + " NOT IN (SELECT customer_id FROM reach_customers))"
	}
	return "(" + customer + " AND ((SELECT site_access FROM reach_login) = 'all'" +
		" OR EXISTS (SELECT 1 FROM login_sites ls WHERE ls.login_id = " + q.loginArg + " AND ls.site_id = " + siteCol + ")))"
}

// siteIDReachable is the predicate for a record that carries only a site
// id: its site's customer, looked up by primary key, is reachable, and so
// is the site itself ("all", or assigned).
//
// The customer test is written as NOT (x NOT IN reach) on purpose; it is
// x IN reach (customer_id is never NULL, and a missing site or an empty
// reach makes it false or NULL, both refusals). Written so, the list of
// reachable customers stays a condition of the record's own row: SQLite
// builds it once per statement, not once per record as it does inside a
// correlated EXISTS, and PostgreSQL probes it as a hashed sub-plan instead
// of joining every record with all 20,000 reachable sites. A big parent's
// five latest jobs went from 31 to 3 ms on SQLite and 24 to 2 ms on
// PostgreSQL (issue 15). SQLite reads the site's customer from
// sites_id_customer, which holds both: it would take the primary key's
// index and then the table's row, two descents into 100,000 sites for
// every record checked (1.5 times the time).
func (q *query) siteIDReachable(siteCol string) string {
	siteCustomer := "(SELECT rs.customer_id FROM sites rs" + sqliteOnly("INDEXED BY sites_id_customer") + " WHERE rs.id = " + siteCol + ")"
	customer := "NOT (" + siteCustomer + " NOT IN (SELECT customer_id FROM reach_customers))"
	if q.probe {
		customer = q.reachProbe(siteCustomer)
	}
	return "(" + customer +
		" AND ((SELECT site_access FROM reach_login) = 'all'" +
		" OR EXISTS (SELECT 1 FROM login_sites ls WHERE ls.login_id = " + q.loginArg + " AND ls.site_id = " + siteCol + ")))"
}

// reachProbe is the predicate "the customer customerExpr is in the
// viewer's reach" as one probe of the customer tree's index
// (customer_tree_reach): the same rows as reach_customers, which a
// statement otherwise builds whole, once, before its first record. For a
// parent of 20,000 sites that list costs about 0.5 ms on SQLite, more
// than a lookup by id itself; a probe costs a few microseconds a record
// (q.probe).
func (q *query) reachProbe(customerExpr string) string {
	return "EXISTS (SELECT 1 FROM customer_tree pt WHERE pt.ancestor_id = (SELECT customer_id FROM reach_login) AND pt.org_id = " +
		q.orgArg + " AND pt.customer_id = " + customerExpr + ")"
}

// contactScope starts every scope: a viewer who sees the whole
// organisation gets the organisation's rows, anyone who is not a signed-in
// contact gets none, and both return false. For a contact it adds the
// reach and the organisation and returns true: the caller then adds the
// rule of its table.
func (q *query) contactScope(v fieldportal.Viewer, alias string) bool {
	switch {
	case v.SeesWholeOrg():
		q.and(alias + ".org_id = " + q.arg(v.OrgID))
		return false
	case v.Kind() != fieldportal.ViewerContact || v.OrgID == "" || v.LoginID == "":
		q.and("1 = 0")
		return false
	}
	q.reach(v)
	q.and(alias + ".org_id = " + q.arg(v.OrgID))
	return true
}

// scopeSite restricts a record tied to a site (rule 3): visible when its
// site is reachable. alias is the table alias; the table has org_id and
// site_id columns (for the sites table itself pass siteCol "x.id").
func (q *query) scopeSite(v fieldportal.Viewer, alias, siteCol string) {
	if !q.contactScope(v, alias) {
		return
	}
	if siteCol == alias+".id" { // the sites table itself
		q.and(q.siteReachable(alias+".id", alias+".customer_id"))
		return
	}
	q.and(q.siteIDReachable(siteCol))
}

// scopeSiteOrCustomer restricts a record tied to a site or, when it has
// no site, only to a customer (rule 3): a customer-only record is visible
// when its customer is reachable and the contact's site access is "all".
func (q *query) scopeSiteOrCustomer(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	q.and(q.siteOrCustomerVisible(alias))
}

// siteOrCustomerVisible is scopeSiteOrCustomer's condition on its own, for
// use inside sub-queries (a payment's allocations). q.reach(v) must have
// been called.
func (q *query) siteOrCustomerVisible(alias string) string {
	return "(" + alias + ".site_id IS NOT NULL AND " + q.siteIDReachable(alias+".site_id") + " OR (" + alias + ".site_id IS NULL AND " +
		customerOnlyVisible(alias+".customer_id") + "))"
}

// customerOnlyVisible is rule 3 for a record tied only to a customer: the
// customer is reachable and the contact's site access is "all".
func customerOnlyVisible(customerCol string) string {
	return "(" + customerCol + " IN (SELECT customer_id FROM reach_customers) AND (SELECT site_access FROM reach_login) = 'all')"
}

// scopeCustomerRecord restricts a customer-level record that has no site
// column (a saved card): rule 3 for a record tied only to a customer.
func (q *query) scopeCustomerRecord(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	q.and(customerOnlyVisible(alias + ".customer_id"))
}

// scopePayment restricts payments. A payment is a customer-level record,
// so it is visible when its customer is reachable with site access "all";
// a contact limited to assigned sites still sees a payment that settled an
// invoice it can see, through the allocations. What such a payment
// allocated to invoices out of reach is hidden by reading allocations with
// scopeSiteOrCustomer (payments.go).
func (q *query) scopePayment(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	q.and("(" + customerOnlyVisible(alias+".customer_id") + " OR EXISTS (SELECT 1 FROM payment_allocations pa_s" +
		" JOIN invoices iv_s ON iv_s.id = pa_s.invoice_id WHERE pa_s.payment_id = " + alias + ".id AND " + q.siteOrCustomerVisible("iv_s") + "))")
}

// scopeCustomer restricts customers themselves: the reachable ones.
func (q *query) scopeCustomer(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	q.and(alias + ".id IN (SELECT customer_id FROM reach_customers)")
}

// scopeContact restricts contacts: those of reachable customers when the
// viewer's site access is "all" (a contact is a customer-level record) or
// when it manages contacts (SPEC §2.6: of its reachable customers), and
// always the viewer's own contact.
func (q *query) scopeContact(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	// The manage branch also needs the organisation not to hide the
	// button (the viewer's switches are read fresh for every request).
	manage := "may_manage_contacts"
	if !v.CanDo(fieldportal.ActionManageContacts) {
		manage = "FALSE"
	}
	q.and("(" + alias + ".id = " + q.arg(v.ContactID) + " AND EXISTS (SELECT 1 FROM reach_login) OR (" +
		alias + ".customer_id IN (SELECT customer_id FROM reach_customers) AND EXISTS (SELECT 1 FROM reach_login WHERE site_access = 'all' OR " + manage + ")))")
}

// scopeOrg restricts organisation-wide reference data that every signed-in
// viewer of the organisation may read (scripts, catalogue items,
// contractors' names).
func (q *query) scopeOrg(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	q.and("EXISTS (SELECT 1 FROM reach_login)")
}

// needModule answers "not found" when the viewer may not use the module
// that a record belongs to (SPEC §2.4, §2.5): a tab the contact cannot see
// has no records for it, through pages, downloads and the API alike.
func needModule(v fieldportal.Viewer, m fieldportal.Module, what string) error {
	if !v.CanUse(m) {
		return fieldportal.NotFound(what)
	}
	return nil
}

// needStaff refuses writes that only the operator side may make.
func needStaff(v fieldportal.Viewer) error {
	if !v.SeesWholeOrg() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only the operator can do that.")
	}
	return nil
}

// auditEntityModules are the kinds of record whose audit entries a
// contact may read on its activity page, with the modules it must use
// for each: an entry says a record exists, so it is shown only to whom
// the record's own tab would show it (SPEC §2.4). Contacts and logins
// need none beyond managing contacts. A job's entries need both kinds of
// job, as an entry does not say which kind its job is. A kind not listed
// (the organisation, staff, keys, webhooks) is the operator's alone.
var auditEntityModules = map[string][]fieldportal.Module{
	"contact": nil, "login": nil,
	"site":    {fieldportal.ModuleSites},
	"quote":   {fieldportal.ModuleQuotes},
	"issue":   {fieldportal.ModuleIssues},
	"invoice": {fieldportal.ModuleInvoices}, "payment": {fieldportal.ModuleInvoices}, "checkout": {fieldportal.ModuleInvoices},
	"recurring_invoice": {fieldportal.ModuleAutopay}, "customer": {fieldportal.ModuleAutopay},
	"asset": {fieldportal.ModuleAssets}, "asset_test": {fieldportal.ModuleAssets},
	"certificate": {fieldportal.ModuleCertificates},
	"document":    {fieldportal.ModuleDocuments},
	"task":        {fieldportal.ModuleTasks},
	"job":         {fieldportal.ModuleService, fieldportal.ModuleInstall}, "appointment": {fieldportal.ModuleService, fieldportal.ModuleInstall},
}

// scopeAudit restricts audit entries. Staff read the organisation's
// whole log. A contact reads an entry (its activity page) only when all
// of these hold:
//   - its login is active and may manage contacts, and the organisation
//     does not hide that button;
//   - the entry's customer (its record's customer when written, else the
//     acting contact's) is one it reaches (rule 1); an entry of no
//     customer is the operator's alone;
//   - the entry's record is of a kind listed in auditEntityModules whose
//     modules the contact uses;
//   - rule 3 for its site: an entry about a site's record needs the site
//     reachable; an entry about a customer-level record needs site access
//     "all", except contacts and logins, which a manager sees anyway
//     (scopeContact).
//
// For a contact of many sites (q.walkSites) the customer test is written
// NOT (x NOT IN reach), as siteIDReachable explains, so the log is walked
// newest first in its own index; for one of few, x IN reach starts from
// its customers' ranges of audit_log_customer.
func (q *query) scopeAudit(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	if !v.CanDo(fieldportal.ActionManageContacts) {
		q.and("1 = 0")
		return
	}
	var kinds []string
	for kind, mods := range auditEntityModules {
		ok := true
		for _, m := range mods {
			ok = ok && v.CanUse(m)
		}
		if ok {
			kinds = append(kinds, q.arg(kind))
		}
	}
	slices.Sort(kinds)
	q.and("EXISTS (SELECT 1 FROM reach_login WHERE may_manage_contacts)")
	if q.walkSites {
		q.and("NOT (" + alias + ".customer_id NOT IN (SELECT customer_id FROM reach_customers))")
	} else {
		q.and(alias + ".customer_id IN (SELECT customer_id FROM reach_customers)")
	}
	q.and(alias + ".entity IN (" + strings.Join(kinds, ", ") + ")")
	q.and("(" + alias + ".site_id IS NOT NULL AND ((SELECT site_access FROM reach_login) = 'all' OR EXISTS (SELECT 1 FROM login_sites ls WHERE ls.login_id = " +
		q.loginArg + " AND ls.site_id = " + alias + ".site_id)) OR " + alias + ".site_id IS NULL AND (" + alias + ".entity IN ('contact', 'login') OR (SELECT site_access FROM reach_login) = 'all'))")
}

// ownPasskeys is the rule of passkeys (issue 21): a contact or a staff
// user reaches its own and nobody else's, whatever its role; an API key
// or the system has none. It returns the owner column of passkeys and
// the owner's id, or ENOTFOUND.
func ownPasskeys(v fieldportal.Viewer) (column, owner string, err error) {
	switch {
	case v.Kind() == fieldportal.ViewerContact && v.LoginID != "":
		return "login_id", v.LoginID, nil
	case v.Kind() == fieldportal.ViewerStaff && v.StaffID != "":
		return "staff_id", v.StaffID, nil
	}
	return "", "", fieldportal.NotFound("passkey")
}

// scopeThread restricts message threads (issue 22): a thread is seen by
// whoever sees its record. The thread carries its record's customer, site
// and module, so rule 3 applies to it as to the record (a site's record,
// or an invoice tied only to its customer), and a contact sees only the
// threads of modules it may use (rule 4); a job's thread carries the
// job's kind's module. The customer test starts from the reachable
// customers (message_threads_customer), as a contact's threads are few.
func (q *query) scopeThread(v fieldportal.Viewer, alias string) {
	if !q.contactScope(v, alias) {
		return
	}
	var mods []string
	for _, m := range []fieldportal.Module{fieldportal.ModuleService, fieldportal.ModuleInstall, fieldportal.ModuleQuotes,
		fieldportal.ModuleInvoices, fieldportal.ModuleIssues, fieldportal.ModuleSites} {
		if v.CanUse(m) {
			mods = append(mods, q.arg(string(m)))
		}
	}
	if len(mods) == 0 {
		q.and("1 = 0")
		return
	}
	q.and(alias + ".module IN (" + strings.Join(mods, ", ") + ")")
	q.and("(" + alias + ".site_id IS NOT NULL AND " + q.siteReachable(alias+".site_id", alias+".customer_id") + " OR (" + alias + ".site_id IS NULL AND " +
		customerOnlyVisible(alias+".customer_id") + "))")
}

// threadsByReach is the FROM of a contact's message threads read from
// what it reaches, once scopeThread gave q its reach: its reachable
// customers' threads (message_threads_customer), or for a contact of
// assigned sites, which sees no customer-only thread, its sites' threads
// (message_threads_site) rather than those of every customer under its
// own. scopeThread's predicate still decides; the join only starts both
// planners from the viewer's few rows. A viewer without a reach (the
// whole organisation, or nobody) reads the table itself.
func (q *query) threadsByReach(v fieldportal.Viewer, alias string) string {
	switch {
	case !q.ctes["reach_customers"]:
		return "message_threads " + alias
	case v.SiteAccess == fieldportal.SiteAccessAssigned:
		return "login_sites ls_t JOIN message_threads " + alias + " ON " + alias + ".site_id = ls_t.site_id AND ls_t.login_id = " + q.loginArg
	}
	return "reach_customers rc_t JOIN message_threads " + alias + " ON " + alias + ".customer_id = rc_t.customer_id"
}

// reportVisible says whether v may see the visit report of job j, once j
// is found in v's reach and module: staff always, a contact once the job
// is complete (the report is what a finished visit left; a draft sent
// early is the office's until then). Hidden is "not found".
func reportVisible(v fieldportal.Viewer, j *fieldportal.Job) error {
	if v.SeesWholeOrg() || !j.Stage.Open() {
		return nil
	}
	return fieldportal.NotFound("visit report")
}
