package portal

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// handlePreferencesPassword changes the contact's password from the
// preferences, through the same service as /password: the current
// password, the organisation's policy, and every other session of the
// login ended, while this browser carries on in a new session.
func (p *Portal) handlePreferencesPassword(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	s, err := p.svc.SignIn.ChangePassword(r.Context(), v, p.kit.PasswordChange(p.door, r))
	if web.IsFormError(err) {
		c, ferr := p.svc.Access.FindContactByID(r.Context(), v, v.ContactID)
		if ferr != nil {
			p.kit.Error(w, r, ferr)
			return
		}
		errs := web.ErrorsOf(err)
		if msg, ok := errs[""]; ok {
			// A throttle or a clash: shown by the form's field.
			errs = web.FormErrors{"current": msg}
		}
		p.renderPreferencesWith(w, r, web.StatusFor(fieldportal.ErrorCode(err)), c, prefsState{errs: errs})
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.kit.StartSession(p.door, w, s)
	http.Redirect(w, r, "/preferences?done=password", http.StatusSeeOther)
}
