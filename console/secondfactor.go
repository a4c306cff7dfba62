package console

import (
	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The console's second step of signing in (issue 21), as the portal's:
// the code page after a right password, and the set-up of an
// authenticator app that the organisation requires of staff; the kit's
// web.ChallengePages under /console/login.

// challengeRoutes are the pages of the second step.
func (c *Console) challengeRoutes() {
	(&web.ChallengePages{Kit: c.kit, Door: c.door, DoorName: fieldportal.DoorConsole, Service: c.svc.Challenges,
		Pages: c.pages, Layout: c.layout, Dest: consoleDest}).Routes()
}

// consoleDest is where a staff sign-in goes: next when it is a console
// page, else the console's home.
func consoleDest(next string) string {
	if !consoleNext(next) {
		return "/console"
	}
	return next
}
