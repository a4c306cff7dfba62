package portal

import (
	"io"
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Documents: the download of one file (SPEC §4's /documents/{id}/download).
// The service finds the document through the viewer's scope before it
// opens a byte of the file, so a file out of reach answers 404 like one
// that does not exist (SPEC §2.5). The bytes stream from the file store.

func (p *Portal) handleDocumentDownload(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	doc, rc, err := p.svc.Equipment.OpenDocument(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	writeDocument(w, r, doc, rc)
}

// writeDocument answers a file with the headers of every download.
func writeDocument(w http.ResponseWriter, r *http.Request, doc *fieldportal.Document, rc io.ReadCloser) {
	web.ServeDocument(w, r, doc, rc, true)
}
