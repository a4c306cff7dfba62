package portal

// Book a job and Request a quote: one shared form (seed 003).

// bookingRoutes registers the routes of this file.
func (p *Portal) bookingRoutes() {}
