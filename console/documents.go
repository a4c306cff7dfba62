package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Documents in the console: the files of one record (a customer, site,
// job, quote, invoice or asset) with their visible-to-customer flags and
// a form that uploads more; without a record, a site search to find one
// and the newest files of the organisation. A record's page links here
// (a job's Documents button). Staff downloads are always saved, never
// shown inline: a customer's upload must not render with a staff session.

// documentRoutes registers the routes of this file.
func (c *Console) documentRoutes() {
	c.kit.Handle("GET /console/documents", c.signedIn(c.handleDocuments))
	c.kit.Handle("POST /console/documents", c.signedIn(c.handleDocumentUpload))
	c.kit.Handle("POST /console/documents/{id}/visibility", c.signedIn(c.handleDocumentVisibility))
	c.kit.Handle("GET /console/documents/{id}/download", c.signedIn(c.handleDocumentDownload))
}

// consoleUploadKinds are the records staff attach files to here.
var consoleUploadKinds = []string{"customer", "site", "job", "quote", "invoice", "asset"}

// documentsView is the console's documents page.
type documentsView struct {
	web.Layout
	Header web.RecordHeader
	Notice string
	// Kind and Record are the record the files belong to ("" none).
	Kind, Record string
	Table        web.Table
	// Toggles are the rows' visibility forms, by the table's order.
	Docs []consoleDocument
	// The upload form, when a record is chosen.
	Errors    []fieldportal.FieldError
	FileError string
	Hint      string
	Visible   bool
	// The search, when no record is chosen: sites to open, and the files
	// whose name matches.
	Search string
	Sites  []web.NavLink
	Pager  web.Pager
}

// consoleDocument is one file in the console's list.
type consoleDocument struct {
	Name, URL, Type, Size, Added, Attached string
	ID                                     string
	Visible                                bool
}

// recordTitle names a record for the page's title; a record that does
// not exist (or of another organisation) is "not found".
func (c *Console) recordTitle(r *http.Request, v fieldportal.Viewer, kind, id string) (title, back string, err error) {
	ctx := r.Context()
	switch kind {
	case "customer":
		x, err := c.svc.Sites.FindCustomerByID(ctx, v, id)
		if err != nil {
			return "", "", err
		}
		return "Customer " + x.Name, "", nil
	case "site":
		x, err := c.svc.Sites.FindSiteByID(ctx, v, id)
		if err != nil {
			return "", "", err
		}
		return "Site " + x.Name, "", nil
	case "job":
		x, err := c.svc.Work.FindJobByID(ctx, v, id)
		if err != nil {
			return "", "", err
		}
		return kindLabel(x.Kind) + " order " + x.Number, "/console/jobs/" + url.PathEscape(x.ID), nil
	case "quote":
		x, err := c.svc.Work.FindQuoteByID(ctx, v, id)
		if err != nil {
			return "", "", err
		}
		return "Quote " + x.Number, "/console/quotes/" + url.PathEscape(x.ID), nil
	case "invoice":
		x, err := c.svc.Money.FindInvoiceByID(ctx, v, id)
		if err != nil {
			return "", "", err
		}
		return "Invoice " + x.Number, "/console/invoices/" + url.PathEscape(x.ID), nil
	case "asset":
		x, err := c.svc.Equipment.FindAssetByID(ctx, v, id)
		if err != nil {
			return "", "", err
		}
		return "Asset " + x.Number, "", nil
	}
	return "", "", fieldportal.NotFound("record")
}

func (c *Console) handleDocuments(w http.ResponseWriter, r *http.Request) {
	c.renderDocuments(w, r, http.StatusOK, r.URL.Query(), nil)
}

// renderDocuments shows the page for the record in q; uploadErr is a
// refused upload to it.
func (c *Console) renderDocuments(w http.ResponseWriter, r *http.Request, status int, q url.Values, uploadErr error) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	view := documentsView{Layout: c.layout(r, "Documents"), Kind: q.Get("attached"), Record: q.Get("record"), Visible: true}
	view.Header = web.RecordHeader{Title: "Documents"}
	switch q.Get("done") {
	case "uploaded":
		view.Notice = "The files were added."
	case "visibility":
		view.Notice = "The document's visibility was changed."
	}
	after := q.Get("after")
	f := fieldportal.DocumentFilter{Page: fieldportal.Page{Limit: 100, After: after}, Sort: fieldportal.DocumentSortNewest}
	if view.Kind != "" && view.Record != "" {
		title, back, err := c.recordTitle(r, v, view.Kind, view.Record)
		if err != nil {
			c.kit.Error(w, r, err)
			return
		}
		view.Title, view.Header.Title = "Documents of "+title, "Documents of "+title
		if back != "" {
			view.Header.BackURL, view.Header.BackLabel = back, title
		}
		switch view.Kind {
		case "customer":
			f.CustomerOnly = true
			f.AttachedTo = "customer"
		case "site":
			f.SiteID, f.AttachedTo = view.Record, "site"
		case "job":
			f.JobID = view.Record
		case "quote":
			f.QuoteID = view.Record
		case "invoice":
			f.InvoiceID = view.Record
		case "asset":
			f.AssetID = view.Record
		}
		view.Hint = c.kit.UploadTypesHint(r)
		if uploadErr != nil {
			errs := web.ErrorsOf(uploadErr)
			view.Errors, view.FileError = errs.List("files"), errs["files"]
			if view.FileError == "" {
				view.FileError = errs[""]
			}
			view.Visible = q.Get("visible") == "on"
		}
	} else {
		view.Kind, view.Record = "", ""
		view.Search = strings.TrimSpace(q.Get("q"))
		// The search finds the files by name too (the documents' text
		// index), newest first, as well as the sites to upload to.
		f.Search = view.Search
		if view.Search != "" {
			sites, _, err := c.svc.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Search: view.Search, Page: fieldportal.Page{Limit: 20}})
			if err != nil {
				c.kit.Error(w, r, err)
				return
			}
			for _, s := range sites {
				view.Sites = append(view.Sites, web.NavLink{Label: s.Name + ", " + s.CustomerName,
					URL: "/console/documents?attached=site&record=" + url.QueryEscape(s.ID)})
			}
		}
	}
	docs, next, err := c.svc.Equipment.FindDocuments(ctx, v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	page := url.Values{}
	for k, x := range map[string]string{"attached": view.Kind, "record": view.Record, "q": view.Search} {
		if x != "" {
			page.Set(k, x)
		}
	}
	if next != "" {
		page.Set("after", next)
		view.Pager.NextURL = "/console/documents?" + page.Encode()
		page.Del("after")
	}
	if after != "" {
		view.Pager.FirstURL = "/console/documents?" + page.Encode()
	}
	loc := web.OrgLocation(r)
	for _, d := range docs {
		view.Docs = append(view.Docs, consoleDocument{ID: d.ID, Name: d.Name, URL: "/console/documents/" + url.PathEscape(d.ID) + "/download",
			Type: fieldportal.DocumentTypeOf(d.ContentType).Label, Size: fileSize(d.Size), Added: web.FormatDate(d.CreatedAt.In(loc)),
			Attached: fieldportal.AttachedToLabel(d.AttachedTo) + siteSuffix(d.SiteName), Visible: d.VisibleToCustomer})
	}
	c.pages.Render(w, r, status, "documents", view)
}

func siteSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " at " + name
}

// fileSize is a file's size for people.
func fileSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatInt((n+1<<19)>>20, 10) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt((n+512)>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// documentsURL is the page of a record's documents.
func documentsURL(kind, id string) string {
	return "/console/documents?attached=" + url.QueryEscape(kind) + "&record=" + url.QueryEscape(id)
}

// handleDocumentUpload attaches files to the record the form names, with
// the visible-to-customer flag as ticked. A refused file shows the page
// again with the reason; nothing is saved unless every file is.
func (c *Console) handleDocumentUpload(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	form, files, err := c.kit.ReadUploadForm(w, r, "files")
	kind, record := form.Get("attached"), form.Get("record")
	if !validKind(kind) || record == "" {
		c.kit.Error(w, r, fieldportal.NotFound("record"))
		return
	}
	if err == nil && len(files) == 0 {
		err = fieldportal.FieldErrorf("files", "Choose at least one file to attach.")
	}
	if err == nil {
		// Staff files start hidden; ticked, they are shown from the moment
		// they are saved.
		for i := range files {
			files[i].VisibleToCustomer = form.Get("visible") == "on"
		}
		_, err = c.svc.Equipment.AttachFiles(r.Context(), v, kind, record, files)
	}
	if web.IsFormError(err) {
		q := url.Values{"attached": {kind}, "record": {record}, "visible": {form.Get("visible")}}
		c.renderDocuments(w, r, web.StatusFor(fieldportal.ErrorCode(err)), q, err)
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, documentsURL(kind, record)+"&done=uploaded", http.StatusSeeOther)
}

func validKind(k string) bool {
	for _, x := range consoleUploadKinds {
		if x == k {
			return true
		}
	}
	return false
}

// handleDocumentVisibility shows a document to customers or hides it.
func (c *Console) handleDocumentVisibility(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	d, err := c.svc.Equipment.FindDocumentByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	d.VisibleToCustomer = r.PostForm.Get("visible") == "true"
	if err := c.svc.Equipment.UpdateDocument(r.Context(), v, d); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	kind, record := r.PostForm.Get("attached"), r.PostForm.Get("record")
	back := "/console/documents?done=visibility"
	if validKind(kind) && record != "" {
		back = documentsURL(kind, record) + "&done=visibility"
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// handleDocumentDownload saves a file (never inline in the console).
func (c *Console) handleDocumentDownload(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	doc, rc, err := c.svc.Equipment.OpenDocument(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	web.ServeDocument(w, r, doc, rc, false)
}
