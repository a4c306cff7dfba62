package portal

import (
	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The second step of signing in (issue 21): the code page after a right
// password, and the set-up of an authenticator app that the organisation
// requires before the first session; the kit's web.ChallengePages under
// /login.

// challengeRoutes are the pages of the second step.
func (p *Portal) challengeRoutes() {
	(&web.ChallengePages{Kit: p.kit, Door: p.door, DoorName: fieldportal.DoorPortal, Service: p.svc.Challenges,
		Pages: p.pages, Layout: p.layout, Dest: web.SafeNext}).Routes()
}
