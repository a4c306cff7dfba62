package web

import (
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

	"github.com/fieldportal/fieldportal"
)

// InlineTypes are the content types a browser may show in the page
// rather than save: PDFs and raster images. Anything else (HTML, SVG,
// office files, text) is an attachment, so an uploaded page or script can
// never run as a page of the portal.
var InlineTypes = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true}

// ServeDocument answers a document's bytes, streaming them from rc (which
// it closes) with the stored content type, nosniff, a sandboxing CSP and
// a safe file name. The caller has found the document through the
// viewer's scope before opening rc. inline lets a PDF or raster image
// show in the browser; false (the console: a customer's file must never
// render with a staff session) always saves.
func ServeDocument(w http.ResponseWriter, r *http.Request, doc *fieldportal.Document, rc io.ReadCloser, inline bool) {
	defer rc.Close()
	h := w.Header()
	ctype, _, err := mime.ParseMediaType(doc.ContentType)
	if err != nil || ctype == "" {
		ctype = "application/octet-stream"
	}
	disposition := "attachment"
	if inline && InlineTypes[ctype] {
		disposition = "inline"
	}
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", ContentDisposition(disposition, doc.Name))
	h.Set("Content-Length", strconv.FormatInt(doc.Size, 10))
	// The file may not run script or load anything even when shown inline.
	h.Set("Content-Security-Policy", "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if doc.SHA256 != "" {
		h.Set("ETag", `"`+doc.SHA256+`"`)
	}
	if r.Method == http.MethodHead {
		return
	}
	if n, err := io.Copy(w, rc); err != nil {
		// Headers are gone: the client sees a short body, and we log.
		slog.ErrorContext(r.Context(), "download interrupted", "document", doc.ID, "sent", n, "err", err)
	}
}

// ContentDisposition is a Content-Disposition header naming the file by a
// safe form of name: no path, no control or invisible characters, at most
// 200 bytes with its extension kept; non-ASCII goes in filename*.
func ContentDisposition(disposition, name string) string {
	name = SafeFileName(name)
	if name == "" {
		name = "download"
	}
	return mime.FormatMediaType(disposition, map[string]string{"filename": name})
}

// ServePhoto answers one file of a visit report's photo as ServeDocument
// answers a document's: stored content type, nosniff, a sandboxing CSP,
// a safe name; inline lets the browser show it (a raster image only).
// The caller found the photo through the viewer's scope first.
func ServePhoto(w http.ResponseWriter, r *http.Request, id string, f *fieldportal.PhotoFile, rc io.ReadCloser, inline bool) {
	ServeDocument(w, r, &fieldportal.Document{ID: id, Name: f.Name, ContentType: f.ContentType, Size: f.Size, SHA256: f.SHA256}, rc, inline)
}
