package portal

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Documents (SPEC §4): every file the contact may see, filtered by what it
// is attached to, its type and its name, with its CSV; a site's Documents
// tab is the list filtered to the site, with an upload form where the
// contact may upload; and the download of one file. The service finds a
// document through the viewer's scope before it opens a byte of the file,
// so a file out of reach answers 404 like one that does not exist (SPEC
// §2.5); the bytes stream from the file store.

// documentRoutes registers the routes of this file.
func (p *Portal) documentRoutes() {
	k := p.kit
	k.Handle("GET /documents", p.signedIn(p.handleDocuments))
	k.Handle("GET /documents.csv", p.signedIn(p.handleDocumentsCSV))
	k.Handle("GET /documents/{id}/download", p.signedIn(p.handleDocumentDownload))
	k.Handle("POST /sites/{id}/documents", p.signedIn(p.handleSiteUpload))
	k.Handle("POST /quotes/{id}/attachments", p.signedIn(p.handleQuoteUpload))
	k.Handle("POST /documents/customer", p.signedIn(p.handleCustomerUpload))
}

// documentsView is the list of documents.
type documentsView struct {
	web.Layout
	Filter   web.FilterBar
	Count    web.Count
	Table    web.Table
	Pager    web.Pager
	CSVURL   string
	CSVWhat  string
	Filtered bool
	// SiteName names the site the list is filtered to, or "".
	SiteName, SiteURL string
	Notice            string
	// Upload is the form that adds files to the site, nil when the list
	// is not a site's or the contact may not upload.
	Upload *uploadForm
	// Errors are the filters the list could not use.
	Errors []fieldportal.FieldError
	// CustomerUpload adds files to the customer, on the list of customer
	// attachments (customer_documents.go); CustomerDocsURL links to that
	// list for a contact who may see them.
	CustomerUpload  *customerUpload
	CustomerDocsURL string
}

// documentListParams is the list's query string as read.
type documentListParams struct {
	Filter fieldportal.DocumentFilter
	// Errors are the filters that name nothing the list offers: the list
	// answers 400 with them rather than drop the filter and list (or
	// export) every document.
	Errors []fieldportal.FieldError
}

// documentParams reads the list's query string; the page and its CSV
// share it.
func documentParams(r *http.Request) documentListParams {
	q := r.URL.Query()
	f := fieldportal.DocumentFilter{
		Page:   fieldportal.Page{After: q.Get("after")},
		Search: strings.TrimSpace(q.Get("q")),
		SiteID: strings.TrimSpace(q.Get("site")),
		Sort:   fieldportal.ParseDocumentSort(q.Get("sort")),
	}
	var errs []fieldportal.FieldError
	for _, k := range fieldportal.DocumentKinds {
		if q.Get("attached") == k {
			f.AttachedTo = k
		}
	}
	if a := q.Get("attached"); a != "" && f.AttachedTo == "" {
		errs = append(errs, fieldportal.FieldError{Field: "attached", Message: "Attached to: choose a kind of record from the list."})
	}
	for _, t := range fieldportal.DocumentTypes {
		if q.Get("type") == t.Value {
			f.Type = t.Value
		}
	}
	if t := q.Get("type"); t != "" && f.Type == "" {
		errs = append(errs, fieldportal.FieldError{Field: "type", Message: "Type: choose a type of file from the list."})
	}
	if s := q.Get("sort"); s != "" && s != string(f.Sort) {
		errs = append(errs, fieldportal.FieldError{Field: "sort", Message: "Sort by: choose Name or Newest first."})
	}
	return documentListParams{Filter: f, Errors: errs}
}

// query is the list's query string without the cursor.
func (dp documentListParams) query() url.Values {
	q := url.Values{}
	f := dp.Filter
	for _, kv := range [][2]string{{"site", f.SiteID}, {"attached", f.AttachedTo}, {"type", f.Type}, {"q", f.Search}, {"sort", string(f.Sort)}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// documentRow is one document as the list and the CSV show it.
type documentRow struct {
	URL, Name, Type, AttachedTo, Site, Size, Added string
}

func newDocumentRow(d *fieldportal.Document, loc *time.Location) documentRow {
	return documentRow{
		URL: "/documents/" + url.PathEscape(d.ID) + "/download", Name: d.Name, Type: fieldportal.DocumentTypeOf(d.ContentType).Label,
		AttachedTo: fieldportal.AttachedToLabel(d.AttachedTo), Site: d.SiteName, Size: sizeText(d.Size),
		Added: web.FormatDate(d.CreatedAt.In(loc)),
	}
}

// documentsTable lays out a page of documents; the Name and Added headers
// sort the list.
func documentsTable(list []*fieldportal.Document, dp documentListParams, loc *time.Location) web.Table {
	t := web.Table{Caption: "Documents", Columns: []web.Column{{Label: "Name"}, {Label: "Type"}, {Label: "Attached to"},
		{Label: "Site"}, {Label: "Size"}, {Label: "Added"}}}
	sortURL := func(s fieldportal.DocumentSort) string {
		q := dp
		q.Filter.Sort = s
		return withQuery("/documents", q.query())
	}
	if dp.Filter.Sort == fieldportal.DocumentSortNewest {
		t.Columns[5].Sort, t.Columns[0].SortURL = "desc", sortURL(fieldportal.DocumentSortName)
	} else {
		t.Columns[0].Sort, t.Columns[5].SortURL = "asc", sortURL(fieldportal.DocumentSortNewest)
	}
	for _, d := range list {
		row := newDocumentRow(d, loc)
		t.Rows = append(t.Rows, []web.Cell{web.LinkCell(row.Name, row.URL), web.TextCell(row.Type), web.TextCell(row.AttachedTo),
			web.TextCell(row.Site), web.TextCell(row.Size), web.TextCell(row.Added)})
	}
	return t
}

// handleDocuments lists the documents the contact may see, a page at a
// time.
func (p *Portal) handleDocuments(w http.ResponseWriter, r *http.Request) {
	p.renderDocuments(w, r, http.StatusOK, nil)
}

// renderDocuments shows the list; uploadErr is a refused upload to the
// site the list is filtered to.
func (p *Portal) renderDocuments(w http.ResponseWriter, r *http.Request, status int, uploadErr error) {
	p.renderDocumentsWith(w, r, status, uploadErr, nil, "")
}

// renderDocumentsWith is renderDocuments with a refused upload to a
// customer (customerErr) and the customer it was for.
func (p *Portal) renderDocumentsWith(w http.ResponseWriter, r *http.Request, status int, uploadErr, customerErr error, customerID string) {
	v, ok := p.needModule(w, r, fieldportal.ModuleDocuments)
	if !ok {
		return
	}
	dp := documentParams(r)
	ctx := r.Context()
	var list []*fieldportal.Document
	var next string
	if len(dp.Errors) > 0 {
		status = http.StatusBadRequest
	} else {
		var err error
		if list, next, err = p.svc.Equipment.FindDocuments(ctx, v, dp.Filter); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	view := documentsView{Layout: p.layout(r, "Documents"), CSVWhat: "of the documents listed", Errors: dp.Errors}
	if r.URL.Query().Get("done") == "uploaded" {
		view.Notice = "Your files were added."
	}
	if dp.Filter.SiteID != "" {
		// A site out of reach names nothing: its list is empty anyway.
		if s, err := p.svc.Sites.FindSiteByID(ctx, v, dp.Filter.SiteID); err == nil {
			view.SiteName, view.Title = s.Name, "Documents at "+s.Name
			if v.CanUse(fieldportal.ModuleSites) {
				view.SiteURL = "/sites/" + url.PathEscape(s.ID)
			}
			if v.CanDo(fieldportal.ActionUpload) {
				view.Upload = &uploadForm{Action: "/sites/" + url.PathEscape(s.ID) + "/documents", Hint: p.kit.UploadTypesHint(r)}
				if uploadErr != nil {
					errs := web.ErrorsOf(uploadErr)
					view.Upload.Errors = errs.List("files")
					view.Upload.Error = or(errs["files"], errs[""])
				}
			}
		} else if c := fieldportal.ErrorCode(err); c != fieldportal.ENOTFOUND && c != fieldportal.EFORBIDDEN {
			p.kit.Error(w, r, err)
			return
		}
	}
	if dp.Filter.AttachedTo == "customer" && dp.Filter.SiteID == "" {
		view.Title = "Customer documents"
		cu, err := p.customerUploadForm(ctx, r, v, customerID, customerErr)
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		view.CustomerUpload = cu
	} else if v.IsContact() && seesCustomerDocuments(v) && dp.Filter.SiteID == "" {
		view.CustomerDocsURL = customerDocsQuery
	}
	view.Filter = documentFilterBar(dp)
	base := dp.query()
	view.Filtered = len(base) > 0 && !(len(base) == 1 && base.Has("sort"))
	view.Table = documentsTable(list, dp, web.OrgLocation(r))
	view.CSVURL = withQuery("/documents.csv", base)
	if next != "" {
		nq := dp.query()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/documents", nq)
	}
	if dp.Filter.After != "" {
		view.Pager.FirstURL = withQuery("/documents", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "document", Many: "documents"}
	if next == "" && dp.Filter.After == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, status, "documents", view)
}

// documentFilterBar is the list's filters: search, what the files are
// attached to, their type and the sort; a site chosen (from a site's
// Documents tab) is kept as it came.
func documentFilterBar(dp documentListParams) web.FilterBar {
	f := dp.Filter
	attached := []web.CheckOption{{Value: "", Label: "Anything", Checked: f.AttachedTo == ""}}
	for _, k := range fieldportal.DocumentKinds {
		attached = append(attached, web.CheckOption{Value: k, Label: fieldportal.AttachedToLabel(k), Checked: f.AttachedTo == k})
	}
	types := []web.CheckOption{{Value: "", Label: "Any type", Checked: f.Type == ""}}
	for _, t := range fieldportal.DocumentTypes {
		types = append(types, web.CheckOption{Value: t.Value, Label: t.Label, Checked: f.Type == t.Value})
	}
	bar := web.FilterBar{Action: "/documents", Label: "Filter documents", Filters: []web.Filter{
		{Name: "q", Label: "Search documents", Type: "search", Value: f.Search, Hint: "Part of the file's name"},
		{Name: "attached", Label: "Attached to", Type: "select", Options: attached},
		{Name: "type", Label: "Type", Type: "select", Options: types},
		{Name: "sort", Label: "Sort by", Type: "select", Options: []web.CheckOption{
			{Value: "", Label: "Name", Checked: f.Sort == fieldportal.DocumentSortName},
			{Value: string(fieldportal.DocumentSortNewest), Label: "Newest first", Checked: f.Sort == fieldportal.DocumentSortNewest}}},
	}}
	if f.SiteID != "" {
		bar.Keep = append(bar.Keep, web.Param{Name: "site", Value: f.SiteID})
	}
	if len(dp.query()) > 0 {
		bar.ClearURL = "/documents"
	}
	return bar
}

// handleDocumentsCSV downloads every document the filters select, across
// all pages (the cursor is ignored), streamed from one store walk.
func (p *Portal) handleDocumentsCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleDocuments)
	if !ok {
		return
	}
	dp := documentParams(r)
	if len(dp.Errors) > 0 {
		e := dp.Errors[0]
		p.kit.Error(w, r, fieldportal.FieldErrorf(e.Field, "%s", e.Message))
		return
	}
	loc := web.OrgLocation(r)
	out := p.kit.CSV(w, r, "documents.csv", "Name", "Type", "Attached to", "Site", "Size", "Added", "Content type", "SHA-256")
	out.Finish(p.svc.Equipment.EachDocument(r.Context(), v, dp.Filter, func(d *fieldportal.Document) error {
		row := newDocumentRow(d, loc)
		return out.Row(row.Name, row.Type, row.AttachedTo, row.Site, row.Size, row.Added, d.ContentType, d.SHA256)
	}))
}

// handleSiteUpload adds files to a site (its Documents tab). The site is
// found first, so a site out of reach is 404 before any byte is read; a
// refused file shows the list again with the reason, and nothing is saved
// unless every file is.
func (p *Portal) handleSiteUpload(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleDocuments)
	if !ok {
		return
	}
	site, err := p.svc.Sites.FindSiteByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "site"))
		return
	}
	if !v.CanDo(fieldportal.ActionUpload) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot upload files to this site."))
		return
	}
	_, files, err := p.kit.ReadUploadForm(w, r, "files")
	if err == nil && len(files) == 0 {
		err = fieldportal.FieldErrorf("files", "Choose at least one file to attach.")
	}
	if err == nil {
		_, err = p.svc.Equipment.AttachFiles(r.Context(), v, "site", site.ID, files)
	}
	list := "/documents?site=" + url.QueryEscape(site.ID)
	if web.IsFormError(err) {
		// The list is shown again for this site, with the reason.
		r2 := r.Clone(r.Context())
		r2.Method = http.MethodGet
		r2.URL, _ = url.Parse(list)
		p.renderDocuments(w, r2, web.StatusFor(fieldportal.ErrorCode(err)), err)
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, list+"&done=uploaded", http.StatusSeeOther)
}

// handleQuoteUpload attaches files to a quote, as handleJobUpload does
// to an order: the quote is found first (404 when out of reach or without
// the Quotes page), a refused file shows the quote again with the reason.
func (p *Portal) handleQuoteUpload(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleQuotes)
	if !ok {
		return
	}
	x, err := p.findQuote(r, v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if !v.CanUse(fieldportal.ModuleDocuments) || !v.CanDo(fieldportal.ActionUpload) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot upload files to this quote."))
		return
	}
	_, files, err := p.kit.ReadUploadForm(w, r, "files")
	if err == nil && len(files) == 0 {
		err = fieldportal.FieldErrorf("files", "Choose at least one file to attach.")
	}
	if err == nil {
		_, err = p.svc.Equipment.AttachFiles(r.Context(), v, "quote", x.ID, files)
	}
	if web.IsFormError(err) {
		errs := web.ErrorsOf(err)
		if errs["files"] == "" {
			errs["files"] = errs[""]
		}
		p.renderQuote(w, r, web.StatusFor(fieldportal.ErrorCode(err)), x, web.Notice{}, nil, errs)
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/quotes/"+url.PathEscape(x.ID)+"?done=uploaded", http.StatusSeeOther)
}

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
