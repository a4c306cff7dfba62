package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal/auth"
)

// The throttles of a sign-in. Failures count per typed name (the account)
// and per client address. Anyone can fail an account's password, so the
// account's lock alone would let a stranger keep its owner out; a browser
// that signed in to the account before carries a device token (OWASP's
// device cookies, auth/device.go) and is held by a lock of its own
// instead: its failures count against the device, not the account. A
// device token is valid only under the password it was given with, so a
// change or reset of the password takes that standing from every browser.

// signInGate is one sign-in attempt's passage through the throttles.
type signInGate struct {
	a       *Accounts
	th      auth.Throttle // the scope's: the account and the address
	devices auth.Throttle // the scope's devices, limited like accounts
	account string        // org + typed name: the account's throttle key
	addr    string
	// device is the throttle key of the browser's device when its token
	// is valid for the typed name; token is then that token.
	device, token string
	realm, orgID  string
	name          string
	// credential is the stored password hash of the account the name
	// found, or "" (no such account, or none set up): device tokens are
	// bound to it.
	credential string
}

// openGate checks the throttles of an attempt at name from addr and counts
// it before the password is checked, so that parallel guesses see each
// other at once instead of all passing the check together; a success
// clears it. scope names the throttle ("login", "console"), realm the
// device tokens' realm ("portal", "console"); credential is the stored
// password hash of the account name found ("" when none). A device token
// that is not valid for the name and credential is ignored. The throttle
// keys are those of the handlers before: scope:acct:<org>:<name>,
// scope:ip:<addr>.
func (a *Accounts) openGate(ctx context.Context, scope, realm, orgID, name, credential, addr, deviceToken string) (*signInGate, error) {
	g := &signInGate{a: a, th: a.throttle(scope), devices: a.throttle(scope + ".device"),
		account: orgID + ":" + name, addr: addr, realm: realm, orgID: orgID, name: name, credential: credential}
	if deviceToken != "" && credential != "" {
		secret, err := a.devicesSecret(ctx)
		if err != nil {
			return nil, err
		}
		if id, ok := auth.CheckDeviceToken(secret, realm, orgID, name, credential, deviceToken); ok {
			g.device, g.token = orgID+":"+id, deviceToken
		}
	}
	if g.device == "" {
		if err := g.th.Check(ctx, g.account, addr); err != nil {
			return nil, err
		}
		return g, g.th.Fail(ctx, g.account, "")
	}
	// A known device: the account's lock does not hold it, its own does,
	// and so does its address's.
	if err := g.devices.Check(ctx, g.device, ""); err != nil {
		return nil, err
	}
	if err := g.th.Check(ctx, "", addr); err != nil {
		return nil, err
	}
	return g, g.devices.Fail(ctx, g.device, "")
}

// failed records a wrong password against the address (the account or
// device counted it on the way in).
func (g *signInGate) failed(ctx context.Context) error {
	return g.th.Fail(ctx, "", g.addr)
}

// succeeded clears the failures that the attempt counted. A known device
// clears only its own: the account's failures are others', and clearing
// them would give whoever caused them a fresh set of guesses.
func (g *signInGate) succeeded(ctx context.Context) {
	var err error
	if g.device != "" {
		err = g.devices.Succeed(ctx, g.device)
	} else {
		err = g.th.Succeed(ctx, g.account)
	}
	if err != nil {
		g.a.db.logger.WarnContext(ctx, "clear sign-in failures", "err", err)
	}
}

// deviceToken is the device token the browser keeps after a successful
// sign-in: the one it brought, when valid for this account, else a new one.
func (g *signInGate) deviceToken(ctx context.Context) (string, error) {
	if g.token != "" {
		return g.token, nil
	}
	secret, err := g.a.devicesSecret(ctx)
	if err != nil {
		return "", err
	}
	return auth.NewDeviceToken(secret, g.realm, g.orgID, g.name, g.credential)
}
