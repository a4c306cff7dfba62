package console

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Passkeys (issue 21): a staff user adds, renames and removes its
// passkeys in My account, and signs in with one from the console's
// sign-in page (the kit's web.PasskeyPages and web.PasskeySignIn).

// passkeyCookie keeps a passkey ceremony's token, scoped to the path of
// the form that answers it.
const passkeyCookie = "fp_console_passkey"

// passkeyRoutes registers the passkey pages and the passkey sign-in.
func (c *Console) passkeyRoutes() {
	c.passkeys().Routes()
	(&web.PasskeySignIn{Kit: c.kit, Door: c.door, DoorName: fieldportal.DoorConsole, Service: c.svc.Passkeys,
		Path: "/console/login/passkey", Cookie: passkeyCookie,
		Dest: consoleDest,
		Fail: func(w http.ResponseWriter, r *http.Request, status int, next string, errs web.FormErrors) {
			if !consoleNext(next) {
				next = ""
			}
			c.renderLogin(w, r, status, "", next, errs)
		}}).Routes()
}

// passkeys are the staff user's passkey pages under My account.
func (c *Console) passkeys() *web.PasskeyPages {
	return &web.PasskeyPages{Kit: c.kit, Service: c.svc.Passkeys, Pages: c.pages, Layout: c.layout, SignedIn: c.signedIn,
		Base: "/console/account/passkeys", Back: "/console/account", Cookie: passkeyCookie,
		Reshow: func(w http.ResponseWriter, r *http.Request, status int, list web.PasskeyList) {
			c.renderAccountWith(w, r, status, "", web.FormErrors{}, &list)
		}}
}
