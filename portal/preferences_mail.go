package portal

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// handleMailChoices saves which mails the contact gets: the ticked ones
// on, the other offered ones off (the service ignores kinds it does not
// offer this contact).
func (p *Portal) handleMailChoices(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	on := []fieldportal.MailKind{}
	for _, k := range r.PostForm["mail"] {
		on = append(on, fieldportal.MailKind(k))
	}
	if err := p.svc.Preferences.SaveMailChoices(r.Context(), v, on); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/preferences?done=mail", http.StatusSeeOther)
}
