package console

import (
	"net/http"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The queue of sites contacts created or changed in the portal (SPEC §5's
// "queues of what customers sent", issue 20): newest first, each with
// what the contact typed, until staff mark it reviewed.

// portalSiteRoutes registers the routes of this file.
func (c *Console) portalSiteRoutes() {
	c.kit.Handle("GET /console/portal-sites", c.signedIn(c.handlePortalSites))
	c.kit.Handle("POST /console/portal-sites/{id}/reviewed", c.signedIn(c.handlePortalSiteReviewed))
}

// portalSitesView is the queue.
type portalSitesView struct {
	web.Layout
	Notice string
	Sites  []portalSiteRow
	Pager  web.Pager
}

// portalSiteRow is one site of the queue.
type portalSiteRow struct {
	ID, Name, Customer, Address, UPRN, When, ReviewURL string
	// New says the contact created it; else it changed it.
	New bool
}

func (c *Console) handlePortalSites(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	after := r.URL.Query().Get("after")
	list, next, err := c.svc.Sites.FindPortalSites(r.Context(), v, fieldportal.Page{After: after, Limit: 50})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	view := portalSitesView{Layout: c.layout(r, "Sites from the portal")}
	if r.URL.Query().Get("done") == "reviewed" {
		view.Notice = "The site was marked reviewed."
	}
	for _, s := range list {
		view.Sites = append(view.Sites, portalSiteRow{ID: s.ID, Name: s.Name, Customer: s.CustomerName, Address: s.Address.OneLine(),
			UPRN: s.UPRN, When: web.FormatDateTime(s.PortalPendingAt.In(loc)), New: s.CreatedInPortal && s.CreatedAt.Equal(s.UpdatedAt),
			ReviewURL: "/console/portal-sites/" + url.PathEscape(s.ID) + "/reviewed"})
	}
	if next != "" {
		view.Pager.NextURL = "/console/portal-sites?after=" + url.QueryEscape(next)
	}
	if after != "" {
		view.Pager.FirstURL = "/console/portal-sites"
	}
	c.pages.Render(w, r, http.StatusOK, "portal_sites", view)
}

func (c *Console) handlePortalSiteReviewed(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	if err := c.svc.Sites.MarkSiteReviewed(r.Context(), v, r.PathValue("id")); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/portal-sites?done=reviewed", http.StatusSeeOther)
}
