package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of paying online (issue 17): a checkout is
// started by a contact that may pay online for invoices in its reach; it
// belongs to the contact's login (only it and the operator find it); a
// confirmation of another organisation's or another login's checkout is
// refused; the payment keys are the admins' and the system's.
func (w *writeWorld) checkoutRows() []writeRow {
	ctx, db := w.ctx, w.db
	today := fieldportal.DateOf(w.clk.Now())
	invoiceAt := func(t *testing.T, target string) string {
		x := &fieldportal.Invoice{SiteID: w.siteID(target), IssueDate: today, DueDate: today.AddDays(30),
			Subtotal: 1000, Tax: 200, Total: 1200, Status: fieldportal.InvoiceUnpaid}
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateInvoice(ctx, v, x) })
		return x.ID
	}
	// A checkout of the parent contact's at S1a (organisation A).
	parentCheckout := func(t *testing.T) *fieldportal.Checkout {
		c, err := db.StartCheckout(ctx, w.kinds["parent"], fieldportal.StartCheckout{InvoiceIDs: []string{invoiceAt(t, "S1a")},
			Provider: fieldportal.ProviderTestMode})
		if err != nil {
			t.Fatalf("parent's checkout: %v", err)
		}
		return c
	}
	shared := once(func(t *testing.T, _ string) *fieldportal.Checkout { return parentCheckout(t) })
	// Only the login that started it, and the operator of its
	// organisation, find a checkout.
	ownerOrOperator := func(kind, _ string) outcome {
		switch kind {
		case "parent", "staff", "admin":
			return succeeds
		}
		return notFound
	}
	return []writeRow{
		{
			// A contact that may use Invoices (and pay online) pays what
			// it reaches; an invoice out of reach is not found, as one
			// that does not exist; staff do not pay through the portal.
			name: "StartCheckout", covers: []string{"MoneyService.StartCheckout"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.StartCheckout(ctx, v, fieldportal.StartCheckout{InvoiceIDs: []string{invoiceAt(t, target)},
					Provider: fieldportal.ProviderTestMode}))
			},
			want: func(kind, target string) outcome {
				a := actors[kind]
				switch {
				case !a.contact || !a.pages:
					return notFound
				case atSite(a, target):
					return succeeds
				}
				return noSuch("invoice")
			},
		},
		{
			name: "SetCheckoutPage", covers: []string{"MoneyService.SetCheckoutPage"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(db.SetCheckoutPage(ctx, v, shared(t, "").ID, "page-"+w.next()))
			},
			want: byKind(map[string]outcome{"parent": succeeds, "child": notFound, "assigned": notFound, "nopage": notFound,
				"solo": notFound, "otherorg": notFound, "forged": notFound, "disabled": notFound, "anonymous": notFound,
				"staff": notFound, "admin": notFound, "manager": notFound, "otheradmin": notFound}),
		},
		{
			name: "FindCheckout", covers: []string{"MoneyService.FindCheckout"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(db.FindCheckout(ctx, v, shared(t, "").ID))
			},
			want: ownerOrOperator,
		},
		{
			// A fresh checkout each time, confirmed paid: by its payer (the
			// return page), or the operator's side (the webhook's system
			// viewer); anyone else's confirmation is refused.
			name: "ConfirmCheckout", covers: []string{"MoneyService.ConfirmCheckout"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				c := parentCheckout(t)
				return errOnly(db.ConfirmCheckout(ctx, v, c.Provider, fieldportal.CheckoutOutcome{ProviderID: "p-" + w.next(),
					CheckoutID: c.ID, Paid: true, Amount: c.Amount, Currency: c.Currency, PaymentRef: "pi-" + w.next()}))
			},
			want: func(kind, target string) outcome {
				if ownerOrOperator(kind, target).same(succeeds) {
					return succeeds
				}
				return outcome{code: fieldportal.EINVALID}
			},
		},
		{
			name: "FindPaymentKeys", covers: []string{"MoneyService.FindPaymentKeys"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(db.FindPaymentKeys(ctx, v))
			},
			want: adminOnly(own, notFound),
		},
		{
			name: "SavePaymentSettings", covers: []string{"MoneyService.SavePaymentSettings"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return justErr(db.SavePaymentSettings(ctx, v, fieldportal.ProviderTestMode, fieldportal.PaymentKeys{}))
			},
			want: adminOnly(own, notFound),
		},
	}
}
