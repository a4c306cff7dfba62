package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Certificates for the office (issue 18 point 8): the newest certificates
// and the form that issues one at a site, with its file. The store issues
// the certificate and attaches its file in one transaction
// (IssueCertificate), so a failure leaves neither; the customer downloads
// the file from the portal's certificates list.

// certificateRoutes registers the routes of this file.
func (c *Console) certificateRoutes() {
	c.kit.Handle("GET /console/certificates", c.signedIn(c.handleCertificates))
	c.kit.Handle("GET /console/certificates/new", c.signedIn(c.handleCertificateForm))
	c.kit.Handle("POST /console/certificates/new", c.signedIn(c.handleCertificateIssue))
}

// consoleCertificatesView is the list.
type consoleCertificatesView struct {
	web.Layout
	Header web.RecordHeader
	Notice string
	Table  web.Table
	Pager  web.Pager
}

func (c *Console) handleCertificates(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	after := r.URL.Query().Get("after")
	list, next, err := c.svc.Equipment.FindCertificates(r.Context(), v, fieldportal.CertificateFilter{Page: fieldportal.Page{After: after}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	today := orgToday(r)
	view := consoleCertificatesView{Layout: c.layout(r, "Certificates"),
		Header: web.RecordHeader{Title: "Certificates", Actions: []web.Action{{Label: "Issue a certificate", URL: "/console/certificates/new"}}}}
	if r.URL.Query().Get("done") == "issued" {
		view.Notice = "The certificate has been issued. The customer's contacts see it, with its file, on their Certificates page."
	}
	view.Table = web.Table{Caption: "Certificates, newest first", Columns: []web.Column{{Label: "Type"}, {Label: "Number"},
		{Label: "Site"}, {Label: "Contractor"}, {Label: "Issued"}, {Label: "Expires"}, {Label: "Status"}, {Label: "File"}}}
	for _, x := range list {
		st := x.StatusOn(today)
		expires := ""
		if !x.ExpiresOn.IsZero() {
			expires = web.FormatDate(x.ExpiresOn.Time())
		}
		file := "None"
		if x.DocumentID != "" {
			file = quoteOr(x.DocumentName, "Kept from the customer")
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{{Text: x.Type, Header: true}, web.TextCell(x.Number),
			web.TextCell(x.SiteName), web.TextCell(x.ContractorName), web.DateCell(x.IssuedOn.Time()), web.TextCell(expires),
			web.BadgeCell(st.Label(), map[fieldportal.CertificateStatus]string{fieldportal.CertificateExpiring: "warning",
				fieldportal.CertificateExpired: "danger"}[st]), web.TextCell(file)})
	}
	if next != "" {
		view.Pager.NextURL = "/console/certificates?after=" + url.QueryEscape(next)
	}
	if after != "" {
		view.Pager.FirstURL = "/console/certificates"
	}
	c.pages.Render(w, r, http.StatusOK, "certificates", view)
}

// certificateFormView is the form that issues a certificate.
type certificateFormView struct {
	web.Layout
	Errors []fieldportal.FieldError
	// SiteSearch finds the site: the select lists the matches.
	SiteSearch web.FilterBar
	Site       web.SelectView
	Type       web.FieldView
	Number     web.FieldView
	Contractor web.SelectView
	IssuedOn   web.FieldView
	ExpiresOn  web.FieldView
	File       web.FieldView
	FileHint   string
	Visible    web.Choices
}

// siteChoicesLimit bounds the sites a form's select offers; the search
// above it narrows them.
const siteChoicesLimit = 30

// siteSelect is the select of sites matching q (the chosen one kept even
// when it no longer matches), for the certificate and task forms.
func (c *Console) siteSelect(r *http.Request, v fieldportal.Viewer, q, chosen string, errs web.FormErrors) (web.SelectView, error) {
	sel := web.SelectView{FieldView: web.Field("site_id", "Site", "select", chosen, "", errs)}
	sel.Options = []web.CheckOption{{Value: "", Label: "Choose a site", Checked: chosen == ""}}
	sites, _, err := c.svc.Sites.FindSites(r.Context(), v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: siteChoicesLimit}, Search: q})
	if err != nil {
		return sel, err
	}
	seen := false
	for _, s := range sites {
		label := s.Name
		if a := s.Address.OneLine(); a != "" {
			label += " (" + a + ")"
		}
		sel.Options = append(sel.Options, web.CheckOption{Value: s.ID, Label: label, Checked: s.ID == chosen})
		seen = seen || s.ID == chosen
	}
	if chosen != "" && !seen {
		if s, err := c.svc.Sites.FindSiteByID(r.Context(), v, chosen); err == nil {
			sel.Options = append(sel.Options, web.CheckOption{Value: s.ID, Label: s.Name, Checked: true})
		}
	}
	return sel, nil
}

func (c *Console) handleCertificateForm(w http.ResponseWriter, r *http.Request) {
	form := url.Values{"visible": {"yes"}}
	c.renderCertificateForm(w, r, http.StatusOK, form, web.FormErrors{})
}

func (c *Console) renderCertificateForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("site_q"))
	view := certificateFormView{Layout: c.layout(r, "Issue a certificate"),
		Errors: errs.List("site_id", "type", "number", "contractor_id", "issued_on", "expires_on", "file")}
	view.SiteSearch = web.FilterBar{Action: "/console/certificates/new", Label: "Find the site", Submit: "Find sites",
		Filters: []web.Filter{{Name: "site_q", Label: "Find the site", Type: "search", Value: q, Hint: "Name, address or postcode"}}}
	var err error
	if view.Site, err = c.siteSelect(r, v, q, form.Get("site_id"), errs); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view.Type = web.Field("type", "Type", "text", form.Get("type"), "off", errs)
	view.Type.Hint = "Such as Gas safety, EICR or Fire alarm."
	view.Number = web.Field("number", "Certificate number", "text", form.Get("number"), "off", errs).Optional()
	view.Contractor = web.SelectView{FieldView: web.Field("contractor_id", "Contractor", "select", form.Get("contractor_id"), "", errs).Optional()}
	view.Contractor.Options = []web.CheckOption{{Value: "", Label: "None", Checked: form.Get("contractor_id") == ""}}
	ks, _, err := c.svc.Work.FindContractors(r.Context(), v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: 100}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	for _, k := range ks {
		view.Contractor.Options = append(view.Contractor.Options, web.CheckOption{Value: k.ID, Label: k.Name, Checked: k.ID == form.Get("contractor_id")})
	}
	view.IssuedOn = web.Field("issued_on", "Issued on", "date", form.Get("issued_on"), "off", errs)
	view.ExpiresOn = web.Field("expires_on", "Expires on", "date", form.Get("expires_on"), "off", errs).Optional()
	view.File = web.Field("file", "Certificate file", "file", "", "off", errs).Optional()
	view.File.Hint = c.kit.UploadTypesHint(r) + " A file that failed to send must be chosen again."
	view.Visible = web.Choices{Name: "visible", Legend: "Who sees the file", Type: "checkbox",
		Options: []web.CheckOption{{Value: "yes", Label: "The customer's contacts may download it", Checked: form.Get("visible") == "yes"}}}
	c.pages.Render(w, r, status, "certificate_new", view)
}

// handleCertificateIssue issues the certificate and stores its file, or
// shows the form again with what failed and what was typed (a file must
// be chosen again: a browser cannot be given one back).
func (c *Console) handleCertificateIssue(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	form, files, err := c.kit.ReadUploadForm(w, r, "file")
	if err != nil {
		if !web.IsFormError(err) {
			c.kit.Error(w, r, err)
			return
		}
		c.renderCertificateForm(w, r, http.StatusUnprocessableEntity, form, web.ErrorsOf(err))
		return
	}
	errs := web.FormErrors{}
	cert := &fieldportal.Certificate{SiteID: form.Get("site_id"), Type: strings.TrimSpace(form.Get("type")),
		Number: strings.TrimSpace(form.Get("number")), ContractorID: form.Get("contractor_id")}
	for _, d := range []struct {
		field, label string
		into         *fieldportal.Date
	}{{"issued_on", "Issued on", &cert.IssuedOn}, {"expires_on", "Expires on", &cert.ExpiresOn}} {
		if s := strings.TrimSpace(form.Get(d.field)); s != "" {
			day, err := fieldportal.ParseDate(s)
			if err != nil || day.Year < 1900 || day.Year > 2999 {
				errs[d.field] = d.label + " must be a date such as 2026-03-31."
				continue
			}
			*d.into = day
		}
	}
	if len(files) > 1 {
		errs["file"] = "Choose one file for the certificate."
	}
	if !errs.Has() {
		err = c.svc.Equipment.IssueCertificate(r.Context(), v, cert, files, form.Get("visible") == "yes")
		switch {
		case err == nil:
			http.Redirect(w, r, "/console/certificates?done=issued", http.StatusSeeOther)
			return
		case web.IsFormError(err):
			errs = web.ErrorsOf(err)
		default:
			c.kit.Error(w, r, err)
			return
		}
	}
	c.renderCertificateForm(w, r, http.StatusUnprocessableEntity, form, errs)
}
