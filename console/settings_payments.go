package console

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Online payment in the settings (issue 17): the provider and its keys.
// The secret keys are written, never shown again: the page says only
// whether one is set and how it ends, with a field to replace it.

type paymentSettingsView struct {
	Provider                     web.Choices
	Publishable, Secret, Webhook web.FieldView
	Errors                       []fieldportal.FieldError
}

var providerLabels = []web.CheckOption{
	{Value: "", Label: "Off: no pay buttons in the portal"},
	{Value: fieldportal.ProviderStripe, Label: "Stripe"},
	{Value: fieldportal.ProviderTestMode, Label: "Test mode: a test payment page, no real money (for trying the portal)"},
}

// keyEnding describes a saved secret without showing it.
func keyEnding(k string) string {
	switch {
	case k == "":
		return "Not set."
	case len(k) <= 8:
		return "Set."
	default:
		return "Set, ending …" + k[len(k)-4:] + ". Type a new one to replace it; leave empty to keep it."
	}
}

// isStripeTestKey reports whether a secret key is one of a Stripe test
// account: Stripe's test cards pay with it, so a portal left on it marks
// invoices paid for nothing (found by review).
func isStripeTestKey(k string) bool {
	return strings.HasPrefix(k, "sk_test_") || strings.HasPrefix(k, "rk_test_")
}

// paymentSettings fills the payment form: the provider as saved (or as
// posted), the publishable key shown, the secret ones described.
func (c *Console) paymentSettings(r *http.Request, v fieldportal.Viewer, st fieldportal.Settings, errs web.FormErrors) (*paymentSettingsView, error) {
	keys, err := c.svc.Money.FindPaymentKeys(r.Context(), v)
	if err != nil {
		return nil, err
	}
	provider, publishable := st.PaymentProvider, keys.PublishableKey
	if r.Method == http.MethodPost && r.PostForm.Has("payment_provider") {
		provider, publishable = r.PostForm.Get("payment_provider"), r.PostForm.Get("publishable_key")
	}
	pv := &paymentSettingsView{Errors: errsOf(errs, paymentFields...).List(paymentFields...)}
	pv.Provider = web.Choices{Name: "payment_provider", Legend: "Online payment provider", Type: "radio", Error: errs["payment_provider"]}
	for _, o := range providerLabels {
		o.Checked = o.Value == provider
		pv.Provider.Options = append(pv.Provider.Options, o)
	}
	pv.Publishable = web.Field("publishable_key", "Stripe publishable key", "text", publishable, "off", errs).Optional()
	pv.Publishable.Hint = "Starts with pk_live_ or pk_test_."
	pv.Secret = web.Field("secret_key", "Stripe secret key", "password", "", "off", errs).Optional()
	pv.Secret.Hint = keyEnding(keys.SecretKey)
	if isStripeTestKey(keys.SecretKey) {
		pv.Secret.Hint += " This is a Stripe test key: payments through it are not real, yet invoices paid with a test card show as paid."
	}
	pv.Webhook = web.Field("webhook_secret", "Stripe webhook signing secret", "password", "", "off", errs).Optional()
	pv.Webhook.Hint = keyEnding(keys.WebhookSecret) + " Stripe's webhook goes to " + c.kit.PortalURL(r) + "/payments/webhook/stripe."
	return pv, nil
}

// handlePaymentSettings saves the provider and the keys typed (admins
// only); secret keys never come back in the page, even when it fails.
func (c *Console) handlePaymentSettings(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, "change settings")
	if !ok {
		return
	}
	f := r.PostForm
	err := c.svc.Money.SavePaymentSettings(r.Context(), v, f.Get("payment_provider"), fieldportal.PaymentKeys{
		PublishableKey: f.Get("publishable_key"), SecretKey: f.Get("secret_key"), WebhookSecret: f.Get("webhook_secret")})
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		st, serr := c.kit.Settings(r)
		if serr != nil {
			c.kit.Error(w, r, serr)
			return
		}
		c.renderSettings(w, r, http.StatusBadRequest, st, "", "", web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/settings?done=saved", http.StatusSeeOther)
}
