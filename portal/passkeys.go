package portal

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Passkeys (issue 21): a contact adds, renames and removes its passkeys
// in Preferences, and signs in with one from the sign-in page. The kit's
// web.PasskeyPages and web.PasskeySignIn do the work for both doors.

// passkeyCookie keeps a passkey ceremony's token, scoped to the path of
// the form that answers it.
const passkeyCookie = "fp_passkey"

// passkeyRoutes registers the passkey pages and the passkey sign-in.
func (p *Portal) passkeyRoutes() {
	p.passkeys().Routes()
	(&web.PasskeySignIn{Kit: p.kit, Door: p.door, DoorName: fieldportal.DoorPortal, Service: p.svc.Passkeys,
		Path: "/login/passkey", Cookie: passkeyCookie, Dest: web.SafeNext,
		Fail: func(w http.ResponseWriter, r *http.Request, status int, next string, errs web.FormErrors) {
			if web.SafeNext(next) != next {
				next = ""
			}
			p.renderLogin(w, r, status, "", next, errs)
		}}).Routes()
}

// passkeys are the contact's passkey pages under Preferences.
func (p *Portal) passkeys() *web.PasskeyPages {
	return &web.PasskeyPages{Kit: p.kit, Service: p.svc.Passkeys, Pages: p.pages, Layout: p.layout, SignedIn: p.signedIn,
		Base: "/preferences/passkeys", Back: "/preferences", Cookie: passkeyCookie,
		Reshow: func(w http.ResponseWriter, r *http.Request, status int, list web.PasskeyList) {
			v, _ := web.ViewerFromContext(r.Context())
			c, err := p.svc.Access.FindContactByID(r.Context(), v, v.ContactID)
			if err != nil {
				p.kit.Error(w, r, err)
				return
			}
			p.renderPreferencesWith(w, r, status, c, prefsState{passkeys: &list})
		}}
}
