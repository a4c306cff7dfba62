package portal

import "github.com/fieldportal/fieldportal/web"

// A contact's own second factor, in Preferences (issue 21): the kit's
// web.SecurityPages under /preferences/security.

func (p *Portal) securityRoutes() {
	(&web.SecurityPages{Kit: p.kit, Service: p.svc.SecondFactor, Pages: p.pages, Layout: p.layout, SignedIn: p.signedIn,
		Base: "/preferences/security", Back: "/preferences", BackLabel: "Back to preferences"}).Routes()
}
