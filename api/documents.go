package api

import (
	"context"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Documents: files attached to one record each. A file is uploaded as
// multipart/form-data through the same reader as the console's and the
// portal's forms (web.Kit.ReadUploadForm: streamed to a temporary file,
// within the organisation's upload limit, its type detected from its
// bytes against the one allow-list) and stored by the same service call
// (AttachFiles), so the API is no second way in for a file the pages
// would refuse. It downloads at /documents/{id}/content like the console,
// always as an attachment.
//
// There is no PUT /documents/by-external-id: a document's bytes and the
// record it is attached to are fixed once uploaded (the store changes
// only its name, visibility and external id), so an upsert could not
// replace what it names. A back office uploads once with external_id (a
// second upload with it is a 409), finds the document by ?external_id=
// and PATCHes it. DELETE removes a document (its bytes stay in the file
// store for a sweep, but no longer download), and the list by
// updated_since carries its tombstone.

// Document is a file as the API shows it; its bytes are at ContentURL.
type Document struct {
	ID                  string    `json:"id"`
	ExternalID          *string   `json:"external_id" doc:"The back office's own id; null when none."`
	Name                string    `json:"name"`
	ContentType         string    `json:"content_type" doc:"Detected from the file's bytes when it was uploaded."`
	Type                string    `json:"type" doc:"The kind of file, from its content type: pdf, image, office, text or other."`
	Size                int64     `json:"size" doc:"In bytes."`
	SHA256              string    `json:"sha256" doc:"The hex SHA-256 of the bytes."`
	AttachedTo          string    `json:"attached_to" doc:"The kind of record it is attached to: customer, site, job, quote, invoice, asset, certificate or issue."`
	CustomerID          string    `json:"customer_id" doc:"The customer of the record it is attached to."`
	SiteID              *string   `json:"site_id" doc:"The site of the record it is attached to; null for a customer's file."`
	JobID               *string   `json:"job_id"`
	QuoteID             *string   `json:"quote_id"`
	InvoiceID           *string   `json:"invoice_id"`
	AssetID             *string   `json:"asset_id"`
	CertificateID       *string   `json:"certificate_id"`
	IssueID             *string   `json:"issue_id"`
	UploadedByContactID *string   `json:"uploaded_by_contact_id" doc:"The contact who uploaded it in the portal; null for the operator's files."`
	VisibleToCustomer   bool      `json:"visible_to_customer" doc:"Whether the customer's contacts see it in the portal (a contact's own uploads always are)."`
	ContentURL          string    `json:"content_url" doc:"Where its bytes download."`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// DocumentUpload is the multipart/form-data body of an upload: one file
// and text fields. The record is named by attached_to and its id (or its
// external id).
type DocumentUpload struct {
	File                  FilePart `json:"file" doc:"Required: the file, one only; its filename is the document's name unless name is given. Its type is detected from its bytes: PDF, photos, text or CSV and office files are taken, anything a browser could run is refused. At most the organisation's upload limit (25 MB unless it set another)."`
	AttachedTo            string   `json:"attached_to" doc:"Required: customer, site, job, quote, invoice, asset, certificate or issue."`
	CustomerID            string   `json:"customer_id"`
	CustomerExternalID    string   `json:"customer_external_id"`
	SiteID                string   `json:"site_id"`
	SiteExternalID        string   `json:"site_external_id"`
	JobID                 string   `json:"job_id"`
	JobExternalID         string   `json:"job_external_id"`
	QuoteID               string   `json:"quote_id"`
	QuoteExternalID       string   `json:"quote_external_id"`
	InvoiceID             string   `json:"invoice_id"`
	InvoiceExternalID     string   `json:"invoice_external_id"`
	AssetID               string   `json:"asset_id"`
	AssetExternalID       string   `json:"asset_external_id"`
	CertificateID         string   `json:"certificate_id"`
	CertificateExternalID string   `json:"certificate_external_id"`
	IssueID               string   `json:"issue_id"`
	IssueExternalID       string   `json:"issue_external_id"`
	Name                  string   `json:"name" doc:"The document's name; by default the file's name."`
	ExternalID            string   `json:"external_id" doc:"The back office's own id, unique in the organisation."`
	VisibleToCustomer     bool     `json:"visible_to_customer" doc:"true or false (the default): whether the customer's contacts see it."`
}

// FilePart is a file part of a multipart body, in the OpenAPI document.
type FilePart struct{}

// DocumentInput is the body of a document's PATCH: what may change of a
// stored file. Its type follows from its bytes and cannot be set.
type DocumentInput struct {
	Name              string `json:"name"`
	ExternalID        string `json:"external_id"`
	VisibleToCustomer bool   `json:"visible_to_customer"`
}

func init() {
	typeDocs[reflect.TypeFor[Document]()] = "A file attached to one record; its bytes download at content_url."
}

// ShowDocument is the API's representation of a document.
func ShowDocument(d *fieldportal.Document) Document {
	return Document{ID: d.ID, ExternalID: optional(d.ExternalID), Name: d.Name, ContentType: d.ContentType,
		Type: fieldportal.DocumentTypeOf(d.ContentType).Value, Size: d.Size, SHA256: d.SHA256, AttachedTo: d.AttachedTo,
		CustomerID: d.CustomerID, SiteID: optional(d.SiteID), JobID: optional(d.JobID), QuoteID: optional(d.QuoteID),
		InvoiceID: optional(d.InvoiceID), AssetID: optional(d.AssetID), CertificateID: optional(d.CertificateID),
		IssueID: optional(d.IssueID), UploadedByContactID: optional(d.UploadedByContact), VisibleToCustomer: d.VisibleToCustomer,
		ContentURL: Prefix + "/documents/" + url.PathEscape(d.ID) + "/content", CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC()}
}

func (a *API) documentRoutes() []route {
	filters := []param{filter("attached_to", "Only the files attached to this kind of record: customer, site, job, quote, "+
		"invoice, asset, certificate or issue."),
		filter("customer_id", "Only this customer's files, whatever they are attached to."),
		filter("site_id", "Only the files of this site's records.")}
	for _, kind := range []string{"job", "quote", "invoice", "asset", "certificate", "issue"} {
		filters = append(filters, filter(kind+"_id", "Only the files attached to this "+kind+"."))
	}
	filters = append(filters, filter("type", "Only files of this type: pdf, image, office, text or other."),
		filter("external_id", "Only the document of this back-office id."))
	return []route{
		{Method: "GET", Path: "/documents", ID: "listDocuments", Summary: "List documents by name", Tag: "documents",
			Query: listParams(filters...), Resp: List[Synced[Document]]{}, Handler: a.listDocuments(filterNames(filters))},
		{Method: "POST", Path: "/documents", ID: "uploadDocument", Summary: "Upload a file attached to a record",
			Tag: "documents", Body: DocumentUpload{}, Multipart: true, Resp: Document{}, Status: http.StatusCreated,
			ETag: true, Handler: a.uploadDocument},
		{Method: "GET", Path: "/documents/{id}", ID: "getDocument", Summary: "Get a document's details", Tag: "documents",
			Resp: Document{}, ETag: true, Handler: a.getDocument},
		{Method: "GET", Path: "/documents/{id}/content", ID: "getDocumentContent", Summary: "Download a document's bytes",
			Tag: "documents", Binary: true, Handler: a.getDocumentContent},
		{Method: "PATCH", Path: "/documents/{id}", ID: "updateDocument", Summary: "Change the fields sent of a document",
			Tag: "documents", Body: DocumentInput{}, Resp: Document{}, ETag: true, Handler: a.updateDocument},
		deleteRoute("/documents", "documents", "Document", "document", deleteHandler(a, a.svc.Equipment.FindDocumentByID,
			func(_ *http.Request, d *fieldportal.Document) Document { return ShowDocument(d) },
			func(d *fieldportal.Document) time.Time { return d.UpdatedAt }, a.svc.Equipment.DeleteDocument)),
	}
}

func (a *API) listDocuments(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		fl := lq.Filters
		if k := fl["attached_to"]; k != "" && !slices.Contains(fieldportal.DocumentKinds, k) {
			a.problem(w, r, badRequest(fieldportal.FieldError{Field: "attached_to",
				Message: "attached_to must be customer, site, job, quote, invoice, asset, certificate or issue."}))
			return
		}
		if t := fl["type"]; t != "" && !knownDocumentType(t) {
			a.problem(w, r, badRequest(fieldportal.FieldError{Field: "type", Message: "type must be pdf, image, office, text or other."}))
			return
		}
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Equipment.FindDocuments(r.Context(), viewer(r), fieldportal.DocumentFilter{Page: lq.Page,
			UpdatedSince: lq.Since(), AttachedTo: fl["attached_to"], CustomerID: fl["customer_id"], SiteID: fl["site_id"],
			JobID: fl["job_id"], QuoteID: fl["quote_id"], InvoiceID: fl["invoice_id"], AssetID: fl["asset_id"],
			CertificateID: fl["certificate_id"], IssueID: fl["issue_id"], Type: fl["type"], ExternalID: fl["external_id"]})
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		out, err := syncPage(r, a, fieldportal.KindDocument, lq, rows, next, horizon,
			func(d *fieldportal.Document) time.Time { return d.UpdatedAt }, func(d *fieldportal.Document) string { return d.ID }, ShowDocument)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		a.json(w, r, http.StatusOK, out)
	}
}

// knownDocumentType reports whether t is a value of fieldportal.DocumentTypes.
func knownDocumentType(t string) bool {
	for _, x := range fieldportal.DocumentTypes {
		if x.Value == t {
			return true
		}
	}
	return false
}

func (a *API) getDocument(w http.ResponseWriter, r *http.Request) {
	a.answerDocument(w, r, http.StatusOK, r.PathValue("id"))
}

// getDocumentContent streams a document's bytes with its stored content
// type, nosniff and a safe file name, always as an attachment: the same
// answer as the console's download (web.ServeDocument).
func (a *API) getDocumentContent(w http.ResponseWriter, r *http.Request) {
	doc, rc, err := a.svc.Equipment.OpenDocument(r.Context(), viewer(r), r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	web.ServeDocument(w, r, doc, rc, false)
}

// uploadFields are the text fields an upload takes.
var uploadFields = jsonFields(reflect.TypeFor[DocumentUpload]())

// uploadDocument reads an upload and attaches its one file to the record
// named, with its name, external id and visibility, in one transaction.
func (a *API) uploadDocument(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		a.problem(w, r, fieldportal.Errorf(CodeUnsupportedMedia, "Send the file as multipart/form-data, in a part named file."))
		return
	}
	form, files, err := a.kit.ReadUploadForm(w, r, "file")
	if err != nil {
		a.problem(w, r, err)
		return
	}
	bad := checkUploadFields(form, uploadFields, "file")
	if err := bad.Err(); err != nil {
		a.problem(w, r, err)
		return
	}
	switch len(files) {
	case 0:
		bad.Add("file", "Send the file in a part named file.")
	case 1:
	default:
		bad.Add("file", "Send one file per upload.")
	}
	kind := form.Get("attached_to")
	known := slices.Contains(fieldportal.DocumentKinds, kind)
	if !known {
		bad.Add("attached_to", "attached_to must be customer, site, job, quote, invoice, asset, certificate or issue.")
	}
	visible := false
	switch form.Get("visible_to_customer") {
	case "", "false":
	case "true":
		visible = true
	default:
		bad.Add("visible_to_customer", "visible_to_customer must be true or false.")
	}
	for _, k := range fieldportal.DocumentKinds {
		if known && k != kind && (form.Get(k+"_id") != "" || form.Get(k+"_external_id") != "") {
			bad.Add(k+"_id", "Name only the record of attached_to, by %s_id or %s_external_id.", kind, kind)
		}
	}
	if err := bad.Err(); err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	recordID := form.Get(kind + "_id")
	if err := a.documentRef(r.Context(), v, kind, &recordID, form.Get(kind+"_external_id")); err != nil {
		a.problem(w, r, err)
		return
	}
	up := files[0]
	if name := strings.TrimSpace(form.Get("name")); name != "" {
		up.Name = name
	}
	up.VisibleToCustomer, up.ExternalID = visible, strings.TrimSpace(form.Get("external_id"))
	docs, err := a.svc.Equipment.AttachFiles(r.Context(), v, kind, recordID, []fieldportal.Upload{up})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/documents/"+docs[0].ID)
	a.answerDocument(w, r, http.StatusCreated, docs[0].ID)
}

// documentRef resolves the record an upload names by external id into
// *id.
func (a *API) documentRef(ctx context.Context, v fieldportal.Viewer, kind string, id *string, ext string) error {
	var find func() (string, error)
	switch {
	case kind == "customer":
		return a.customerRef(ctx, v, id, *id, ext)
	case kind == "site":
		return a.siteRef(ctx, v, id, *id, ext)
	case kind == "asset":
		return a.assetRef(ctx, v, id, *id, ext)
	case kind == "job" && a.svc.Work != nil:
		return a.jobRef(ctx, v, id, *id, ext)
	case kind == "quote" && a.svc.Work != nil:
		return a.quoteRef(ctx, v, id, *id, ext)
	case kind == "certificate":
		find = func() (string, error) {
			list, _, err := a.svc.Equipment.FindCertificates(ctx, v, fieldportal.CertificateFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
			if len(list) == 0 {
				return "", err
			}
			return list[0].ID, err
		}
	case kind == "invoice" && a.svc.Money != nil:
		find = func() (string, error) {
			inv, err := a.invoiceByExternalID(ctx, v, ext)
			if inv == nil {
				return "", err
			}
			return inv.ID, err
		}
	case kind == "issue" && a.svc.Work != nil:
		find = func() (string, error) {
			list, _, err := a.svc.Work.FindIssues(ctx, v, fieldportal.IssueFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
			if len(list) == 0 {
				return "", err
			}
			return list[0].ID, err
		}
	default:
		if ext != "" && *id == "" {
			return fieldportal.FieldErrorf(kind+"_external_id", "Give the %s by %s_id.", kind, kind)
		}
		find = func() (string, error) { return "", nil }
	}
	return resolveRef(kind, id, *id, ext, find)
}

// updateDocument saves the fields sent. As the resource's PATCH, the save
// goes over the version read, read again when another change came first
// (without If-Match).
func (a *API) updateDocument(w http.ResponseWriter, r *http.Request) {
	var in DocumentInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := overVersionRead(r, func() error { return a.patchDocument(r, in, sn) }); err != nil {
		a.problem(w, r, err)
		return
	}
	a.answerDocument(w, r, http.StatusOK, r.PathValue("id"))
}

// patchDocument reads the document, puts the fields sent onto it and
// saves it over the version read.
func (a *API) patchDocument(r *http.Request, in DocumentInput, sn sent) error {
	v := viewer(r)
	d, err := a.svc.Equipment.FindDocumentByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := checkIfMatch(r, ShowDocument(d)); err != nil {
		return err
	}
	if sn.has("name") {
		d.Name = strings.TrimSpace(in.Name)
	}
	if sn.has("external_id") {
		d.ExternalID = strings.TrimSpace(in.ExternalID)
	}
	if sn.has("visible_to_customer") {
		d.VisibleToCustomer = in.VisibleToCustomer
	}
	d.IfUpdatedAt = d.UpdatedAt
	return a.svc.Equipment.UpdateDocument(r.Context(), v, d)
}

// answerDocument answers with the document as now stored.
func (a *API) answerDocument(w http.ResponseWriter, r *http.Request, status int, id string) {
	d, err := a.svc.Equipment.FindDocumentByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowDocument(d))
}

// checkUploadFields checks the text parts of a multipart upload against
// the fields it takes (the file's own part is not one): each unknown or
// repeated part is named, in name order.
func checkUploadFields(form url.Values, fields map[string]int, filePart string) fieldportal.Validation {
	var bad fieldportal.Validation
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if _, ok := fields[name]; !ok || name == filePart {
			bad.Add(name, "This field is unknown.")
		} else if len(form[name]) != 1 {
			bad.Add(name, "Give this field once.")
		}
	}
	return bad
}
