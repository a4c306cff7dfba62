package portal

// Service and install orders (SPEC §4): the list by stage, its CSV, and
// a job's page.

// jobRoutes registers the routes of this file.
func (p *Portal) jobRoutes() {}
