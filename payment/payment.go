// Package payment holds the payment providers the portal can use: Stripe,
// through the official stripe-go client, and test mode, whose "hosted
// page" is a clearly labelled page of the portal itself (for the demo and
// the browser tests). Both give the doors a fieldportal.PaymentGateway;
// neither ever sees or keeps a card number from a real payer.
package payment

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
)

// Config is how the gateways reach their providers.
type Config struct {
	// StripeURL replaces Stripe's API address (tests point it at
	// stripe-mock); empty is Stripe itself.
	StripeURL string
	// HTTPClient carries the calls to Stripe; nil is a client with a
	// 30-second timeout.
	HTTPClient *http.Client
	// TestModeSecret signs test mode's page addresses, so a payer cannot
	// make up a paid checkout; empty makes a random one per process.
	TestModeSecret []byte
}

// Gateways returns the factory the doors open an organisation's provider
// with (cmd/fieldportal gives it to the server).
func Gateways(cfg Config) fieldportal.PaymentGateways {
	tm := newTestMode(cfg.TestModeSecret)
	return func(provider string, keys fieldportal.PaymentKeys) (fieldportal.PaymentGateway, error) {
		switch provider {
		case fieldportal.ProviderTestMode:
			return tm, nil
		case fieldportal.ProviderStripe:
			return NewStripe(cfg, keys)
		case "":
			return nil, fieldportal.Errorf(fieldportal.EINVALID, "Online payment is off.")
		default:
			return nil, fieldportal.Errorf(fieldportal.EINVALID, "Unknown payment provider %q.", provider)
		}
	}
}
