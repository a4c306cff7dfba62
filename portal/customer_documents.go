package portal

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Customer attachments (seed 003's Preferences > Attachments, issue 20):
// files on the customer itself, not on one of its sites. They are listed
// where every other file is, on the Documents page, filtered by
// "Attached to: Customer" (a customer looks for its contract in
// Documents, not among its preferences), which the page links to; a
// contact who may upload adds files there. SPEC §2.3: a record tied only
// to a customer is for a contact whose site access is "all", so a contact
// of assigned sites neither sees nor adds them (the store decides; the
// form is not offered).

// customerUpload is the form that adds files to a customer.
type customerUpload struct {
	Hint   string
	Errors []fieldportal.FieldError
	Error  string
	// Customer chooses among the customers the contact reaches; nil
	// when it reaches one, CustomerID and CustomerName then.
	Customer                 *web.SelectView
	CustomerID, CustomerName string
}

// customerDocsQuery is the Documents list of customer attachments.
const customerDocsQuery = "/documents?attached=customer"

// seesCustomerDocuments reports whether the viewer may see files tied
// only to a customer (SPEC §2.3): site access "all".
func seesCustomerDocuments(v fieldportal.Viewer) bool {
	return v.SiteAccess == fieldportal.SiteAccessAll
}

// customerUploadForm is the upload form of the customer attachments'
// list, or nil when the contact may not upload to its customers.
func (p *Portal) customerUploadForm(ctx context.Context, r *http.Request, v fieldportal.Viewer, chosen string, uploadErr error) (*customerUpload, error) {
	if !v.IsContact() || !seesCustomerDocuments(v) || !v.CanDo(fieldportal.ActionUpload) {
		return nil, nil
	}
	f := &customerUpload{Hint: p.kit.UploadTypesHint(r)}
	errs := web.FormErrors{}
	if uploadErr != nil {
		errs = web.ErrorsOf(uploadErr)
		f.Errors = errs.List("customer_id", "files")
		f.Error = or(errs["files"], errs[""])
	}
	list, next, err := p.svc.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Page: fieldportal.Page{Limit: siteCustomerChoices}})
	if err != nil {
		return nil, err
	}
	if len(list) == 1 && next == "" {
		f.CustomerID, f.CustomerName = list[0].ID, list[0].Name
		return f, nil
	}
	if chosen == "" {
		chosen = v.CustomerID
	}
	sel := web.SelectView{FieldView: web.Field("customer_id", "Customer", "select", "", "", errs)}
	for _, c := range list {
		sel.Options = append(sel.Options, web.CheckOption{Value: c.ID, Label: c.Name, Checked: c.ID == chosen})
	}
	f.Customer = &sel
	return f, nil
}

// handleCustomerUpload adds files to a customer the contact reaches. The
// customer is found first, so one out of reach is 404 before any byte is
// stored; a refused file shows the list again with the reason.
func (p *Portal) handleCustomerUpload(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleDocuments)
	if !ok {
		return
	}
	if !seesCustomerDocuments(v) || !v.CanDo(fieldportal.ActionUpload) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot add files to your customer's documents."))
		return
	}
	// The customer is a field of the multipart form: the form is read
	// (streamed, size-limited and checked by content), then the customer
	// found before the files are kept.
	form, files, err := p.kit.ReadUploadForm(w, r, "files")
	customerID := strings.TrimSpace(form.Get("customer_id"))
	if err == nil {
		if _, ferr := p.svc.Sites.FindCustomerByID(r.Context(), v, customerID); ferr != nil {
			p.kit.Error(w, r, web.NotFoundAs(ferr, "customer"))
			return
		}
		if len(files) == 0 {
			err = fieldportal.FieldErrorf("files", "Choose at least one file to attach.")
		}
	}
	if err == nil {
		_, err = p.svc.Equipment.AttachFiles(r.Context(), v, "customer", customerID, files)
	}
	if web.IsFormError(err) {
		r2 := r.Clone(r.Context())
		r2.Method = http.MethodGet
		r2.URL, _ = url.Parse(customerDocsQuery)
		p.renderDocumentsWith(w, r2, web.StatusFor(fieldportal.ErrorCode(err)), nil, err, customerID)
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, customerDocsQuery+"&done=uploaded", http.StatusSeeOther)
}
