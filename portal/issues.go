package portal

// Issues (SPEC §4): the list, its CSV, a new issue, and an issue's page with
// its comments and attachments.

// issueRoutes registers the routes of this file.
func (p *Portal) issueRoutes() {}
