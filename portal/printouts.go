package portal

// Printouts: the PDFs of jobs and quotes, drawn by the pdf package.

// printoutRoutes registers the routes of this file.
func (p *Portal) printoutRoutes() {}
