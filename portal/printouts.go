package portal

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
)

// Printouts: the PDFs of jobs and quotes, drawn by the pdf package. Their
// addresses are /jobs/{id}.pdf and /quotes/{id}.pdf; a pattern's wildcard
// is a whole segment, so the record pages' handlers pass an id ending in
// ".pdf" here, with the suffix removed.

// printoutRoutes registers the routes of this file.
func (p *Portal) printoutRoutes() {}

// handleJobPDF answers /jobs/{id}.pdf for the job id.
func (p *Portal) handleJobPDF(w http.ResponseWriter, r *http.Request, id string) {
	p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
}

// handleQuotePDF answers /quotes/{id}.pdf for the quote id.
func (p *Portal) handleQuotePDF(w http.ResponseWriter, r *http.Request, id string) {
	p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
}
