package portal

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
)

// payOnline reports whether pay buttons are offered to this viewer: the
// site was given payment providers, the organisation chose one, and the
// viewer may pay, the organisation not having hidden the button (SPEC
// §2.4). The invoice list and the statement post the invoices chosen to
// POST /payments/checkout (field "invoice", repeated; "back", the page
// to return to when the payer cancels).
func (p *Portal) payOnline(r *http.Request, v fieldportal.Viewer) bool {
	return v.CanDo(fieldportal.ActionPayOnline) && p.providerReady(r, v)
}

// providerReady reports whether the site was given payment providers, the
// organisation chose one, and it opens with the keys saved (Stripe's
// missing keys hide the buttons too): what every pay or card button needs.
func (p *Portal) providerReady(r *http.Request, v fieldportal.Viewer) bool {
	if p.svc.Payments == nil {
		return false
	}
	st, err := p.kit.Settings(r)
	if err != nil || st.PaymentProvider == "" {
		return false
	}
	_, err = p.gateway(r, v)
	return err == nil
}
