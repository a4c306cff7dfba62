package portal

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/fieldportal/fieldportal/web"
)

// Documents: the download of one file (SPEC §4's /documents/{id}/download).
// The service finds the document through the viewer's scope, so a file out
// of reach answers 404 like one that does not exist (SPEC §2.5).

// inlineTypes are the content types a browser may show in the page rather
// than save; anything else is downloaded, so an uploaded HTML or SVG file
// can never run as a page of the portal.
var inlineTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

func (p *Portal) handleDocumentDownload(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	doc, data, err := p.svc.Equipment.OpenDocument(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	h := w.Header()
	ctype := doc.ContentType
	disposition := "inline"
	if !inlineTypes[ctype] {
		ctype, disposition = "application/octet-stream", "attachment"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": doc.Name}))
	h.Set("Content-Length", strconv.Itoa(len(data)))
	// The file may not run script or load anything even when shown inline.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	if doc.SHA256 != "" {
		h.Set("ETag", `"`+doc.SHA256+`"`)
	}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}
