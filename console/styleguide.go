package console

import (
	"net/http"

	"github.com/fieldportal/fieldportal/web"
)

// styleguideView shows every component of the kit with demo values, so a
// change to the kit is seen on one page (and in the screenshot test).
type styleguideView struct {
	web.Layout
	web.Styleguide
}

// handleStyleguide shows the component kit (admins).
func (c *Console) handleStyleguide(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.needAdmin(w, r, "see the style guide"); !ok {
		return
	}
	org := web.OrganisationFromContext(r.Context())
	c.pages.Render(w, r, http.StatusOK, "styleguide", styleguideView{Layout: c.layout(r, "Style guide"), Styleguide: web.StyleguideDemo(org.Currency)})
}
