package sqlstore

import (
	"github.com/fieldportal/fieldportal"
)

// Access predicates for money records (payments, saved cards), written on
// the reach CTEs of scope.go. They live in this file only so that the money
// branch could be written beside scope.go without editing it; the lead is
// to fold them into scope.go, where every access rule belongs.

// customerOnlyVisible is the SQL condition of SPEC §2.3 for a record tied
// only to a customer: the customer is reachable and the contact's site
// access is "all". q.reach(v) must have been called. It is the second
// branch of scopeSiteOrCustomer, shared here by the predicates below.
func customerOnlyVisible(customerCol string) string {
	return "(" + customerCol + " IN (SELECT customer_id FROM reach_customers) AND (SELECT site_access FROM reach_login) = 'all')"
}

// invoiceVisible is scopeSiteOrCustomer's condition for an invoice alias,
// for use inside sub-queries (a payment's allocations). q.reach(v) must
// have been called.
func (q *query) invoiceVisible(alias string) string {
	return "((" + alias + ".site_id IS NOT NULL AND " + q.siteIDReachable(alias+".site_id") + ") OR (" + alias + ".site_id IS NULL AND " +
		customerOnlyVisible(alias+".customer_id") + "))"
}

// scopeCustomerRecord restricts a customer-level record that has no site
// column (a saved card): SPEC §2.3's rule for a record tied only to a
// customer.
func (q *query) scopeCustomerRecord(v fieldportal.Viewer, alias string) {
	if p, done := q.orgOnly(v, alias+".org_id"); done {
		q.and(p)
		return
	}
	q.reach(v)
	q.and(alias + ".org_id = " + q.arg(v.OrgID))
	q.and(customerOnlyVisible(alias + ".customer_id"))
}

// scopePayment restricts payments. A payment is a customer-level record,
// so it is visible when its customer is reachable with site access "all";
// a contact limited to assigned sites still sees a payment that settled an
// invoice it can see (it may have paid it itself), through the
// allocations. What such a payment allocated to invoices out of reach is
// hidden by reading allocations with scopeSiteOrCustomer (payments.go).
func (q *query) scopePayment(v fieldportal.Viewer, alias string) {
	if p, done := q.orgOnly(v, alias+".org_id"); done {
		q.and(p)
		return
	}
	q.reach(v)
	q.and(alias + ".org_id = " + q.arg(v.OrgID))
	q.and("(" + customerOnlyVisible(alias+".customer_id") + " OR EXISTS (SELECT 1 FROM payment_allocations pa_s" +
		" JOIN invoices iv_s ON iv_s.id = pa_s.invoice_id WHERE pa_s.payment_id = " + alias + ".id AND " + q.invoiceVisible("iv_s") + "))")
}
