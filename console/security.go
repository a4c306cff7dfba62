package console

import "github.com/fieldportal/fieldportal/web"

// A staff user's own second factor, under My account (issue 21): the
// kit's web.SecurityPages under /console/account/security.

func (c *Console) securityRoutes() {
	(&web.SecurityPages{Kit: c.kit, Service: c.svc.SecondFactor, Pages: c.pages, Layout: c.layout, SignedIn: c.signedIn,
		Base: "/console/account/security", Back: "/console/account", BackLabel: "Back to my account"}).Routes()
}
