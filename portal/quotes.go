package portal

// Quotes (SPEC §4): the list, its CSV, a quote's page, and accepting or
// declining it online.

// quoteRoutes registers the routes of this file.
func (p *Portal) quoteRoutes() {}
