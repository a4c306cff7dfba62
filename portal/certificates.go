package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Certificates (issue 18, seed 004): the compliance certificates at the
// contact's sites with their status on today, filtered by contractor,
// type, site, status and issue date; their CSV; and the download of a
// certificate's file. The page and its CSV read one filter from the query
// string, so the file holds exactly the rows the pages list.

// certificateRoutes registers the routes of this file.
func (p *Portal) certificateRoutes() {
	k := p.kit
	k.Handle("GET /certificates", p.signedIn(p.handleCertificates))
	k.Handle("GET /certificates.csv", p.signedIn(p.handleCertificatesCSV))
	k.Handle("GET /certificates/{id}/download", p.signedIn(p.handleCertificateDownload))
}

// certificateParams is the list's query string as typed.
type certificateParams struct {
	SiteID, Contractor, Type, Status, From, To, After string
}

// values is the query string without the cursor: the CSV's, the pager's
// base.
func (cp certificateParams) values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"site", cp.SiteID}, {"contractor", cp.Contractor}, {"type", cp.Type},
		{"status", cp.Status}, {"from", cp.From}, {"to", cp.To}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// readCertificateParams reads the list's query string; a status or date
// that is not one answers with a message naming it (400), not a page.
func readCertificateParams(r *http.Request) (certificateParams, fieldportal.CertificateFilter, error) {
	q := r.URL.Query()
	cp := certificateParams{SiteID: strings.TrimSpace(q.Get("site")), Contractor: strings.TrimSpace(q.Get("contractor")),
		Type: strings.TrimSpace(q.Get("type")), Status: q.Get("status"), From: strings.TrimSpace(q.Get("from")),
		To: strings.TrimSpace(q.Get("to")), After: q.Get("after")}
	f := fieldportal.CertificateFilter{Page: fieldportal.Page{After: cp.After}, SiteID: cp.SiteID,
		ContractorID: cp.Contractor, Type: cp.Type, Today: quoteToday(r)}
	var v fieldportal.Validation
	st, err := fieldportal.ParseCertificateStatus(cp.Status)
	if err != nil {
		v.Add("status", "There is no “%s” status of certificates: choose Valid, Expiring soon or Expired.", cp.Status)
	}
	f.Status = st
	for _, d := range []struct {
		field, label, value string
		into                *fieldportal.Date
	}{{"from", "Issued from", cp.From, &f.IssuedFrom}, {"to", "Issued to", cp.To, &f.IssuedTo}} {
		if d.value == "" {
			continue
		}
		day, err := fieldportal.ParseDate(d.value)
		if err != nil || day.Year < 1900 || day.Year > 2999 {
			v.Add(d.field, "%s must be a date such as 2026-03-31.", d.label)
			continue
		}
		*d.into = day
	}
	if !f.IssuedFrom.IsZero() && !f.IssuedTo.IsZero() && f.IssuedTo.Before(f.IssuedFrom) {
		v.Add("to", "Issued to cannot be before issued from.")
	}
	return cp, f, v.Err()
}

// certificatesView is the list of certificates.
type certificatesView struct {
	web.Layout
	Filter   web.FilterBar
	Count    web.Count
	Table    web.Table
	Pager    web.Pager
	CSVURL   string
	Filtered bool
	SiteName string
}

// certificateRow is one certificate as the list and the CSV show it.
type certificateRow struct {
	Number, Type, Site, Contractor, Issued, Expires, Status, Tone, FileURL, FileName string
}

// certificateTones colour the status badges; the words carry the meaning.
var certificateTones = map[fieldportal.CertificateStatus]string{fieldportal.CertificateValid: "success",
	fieldportal.CertificateExpiring: "warning", fieldportal.CertificateExpired: "danger"}

func newCertificateRow(c *fieldportal.Certificate, today fieldportal.Date) certificateRow {
	st := c.StatusOn(today)
	row := certificateRow{Number: c.Number, Type: c.Type, Site: c.SiteName, Contractor: c.ContractorName,
		Issued: web.FormatDate(c.IssuedOn.Time()), Status: st.Label(), Tone: certificateTones[st]}
	if !c.ExpiresOn.IsZero() {
		row.Expires = web.FormatDate(c.ExpiresOn.Time())
	}
	if c.DocumentName != "" {
		row.FileURL, row.FileName = "/certificates/"+url.PathEscape(c.ID)+"/download", c.DocumentName
	}
	return row
}

// certificatesTable lays out a page of certificates.
func certificatesTable(list []*fieldportal.Certificate, today fieldportal.Date) web.Table {
	t := web.Table{Caption: "Certificates", Columns: []web.Column{{Label: "Type"}, {Label: "Number"}, {Label: "Site"},
		{Label: "Contractor"}, {Label: "Issued"}, {Label: "Expires"}, {Label: "Status"}, {Label: "File"}}}
	for _, c := range list {
		row := newCertificateRow(c, today)
		file := web.TextCell("No file")
		if row.FileURL != "" {
			file = web.Cell{Text: "Download " + row.FileName, URL: row.FileURL}
		}
		t.Rows = append(t.Rows, []web.Cell{{Text: row.Type, Header: true}, web.TextCell(row.Number), web.TextCell(row.Site),
			web.TextCell(row.Contractor), web.TextCell(row.Issued), web.TextCell(row.Expires),
			web.BadgeCell(row.Status, row.Tone), file})
	}
	return t
}

// handleCertificates lists the certificates the contact reaches, a page
// at a time.
func (p *Portal) handleCertificates(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleCertificates)
	if !ok {
		return
	}
	ctx := r.Context()
	cp, f, err := readCertificateParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := certificatesView{Layout: p.layout(r, "Certificates")}
	if cp.SiteID != "" {
		// A site that is not one of the contact's is named as such, not
		// listed as an empty page.
		s, err := p.filterSite(r, v, cp.SiteID)
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		view.SiteName, view.Title = s.Name, "Certificates at "+s.Name
	}
	list, next, err := p.svc.Equipment.FindCertificates(ctx, v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.Filter = p.certificateFilterBar(r, v, cp)
	base := cp.values()
	view.Filtered = len(base) > 0
	view.Table = certificatesTable(list, f.Today)
	view.CSVURL = withQuery("/certificates.csv", base)
	if next != "" {
		nq := cp.values()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/certificates", nq)
	}
	if cp.After != "" {
		view.Pager.FirstURL = withQuery("/certificates", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "certificate", Many: "certificates"}
	if next == "" && cp.After == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, http.StatusOK, "certificates", view)
}

// certificateFilterBar is the list's filters. The sites are a select when
// the contact has few; a contact of many filters by site from a link (the
// choice is kept). Types and contractors are the operator's few; a
// failure to read them leaves that filter out rather than the page.
func (p *Portal) certificateFilterBar(r *http.Request, v fieldportal.Viewer, cp certificateParams) web.FilterBar {
	ctx := r.Context()
	bar := web.FilterBar{Action: "/certificates", Label: "Filter certificates"}
	status := web.Filter{Name: "status", Label: "Status", Type: "select", Options: []web.CheckOption{{Value: "", Label: "Any status", Checked: cp.Status == ""}}}
	for _, st := range []fieldportal.CertificateStatus{fieldportal.CertificateValid, fieldportal.CertificateExpiring, fieldportal.CertificateExpired} {
		status.Options = append(status.Options, web.CheckOption{Value: string(st), Label: st.Label(), Checked: string(st) == cp.Status})
	}
	bar.Filters = append(bar.Filters, status)
	if types, err := p.svc.Equipment.FindCertificateTypes(ctx, v); err == nil && len(types) > 0 {
		f := web.Filter{Name: "type", Label: "Type", Type: "select", Options: []web.CheckOption{{Value: "", Label: "Any type", Checked: cp.Type == ""}}}
		for _, t := range types {
			f.Options = append(f.Options, web.CheckOption{Value: t, Label: t, Checked: t == cp.Type})
		}
		bar.Filters = append(bar.Filters, f)
	} else if cp.Type != "" {
		bar.Keep = append(bar.Keep, web.Param{Name: "type", Value: cp.Type})
	}
	if ks, _, err := p.svc.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: 100}}); err == nil && len(ks) > 0 {
		f := web.Filter{Name: "contractor", Label: "Contractor", Type: "select", Options: []web.CheckOption{{Value: "", Label: "Any contractor", Checked: cp.Contractor == ""}}}
		for _, k := range ks {
			f.Options = append(f.Options, web.CheckOption{Value: k.ID, Label: k.Name, Checked: k.ID == cp.Contractor})
		}
		bar.Filters = append(bar.Filters, f)
	} else if cp.Contractor != "" {
		bar.Keep = append(bar.Keep, web.Param{Name: "contractor", Value: cp.Contractor})
	}
	if sites, _ := p.fewIssueSites(r, v); sites != nil {
		f := web.Filter{Name: "site", Label: "Site", Type: "select", Options: []web.CheckOption{{Value: "", Label: "All sites", Checked: cp.SiteID == ""}}}
		for _, s := range sites {
			f.Options = append(f.Options, web.CheckOption{Value: s.ID, Label: s.Name, Checked: s.ID == cp.SiteID})
		}
		bar.Filters = append(bar.Filters, f)
	} else if cp.SiteID != "" {
		bar.Keep = append(bar.Keep, web.Param{Name: "site", Value: cp.SiteID})
	}
	bar.Filters = append(bar.Filters, web.Filter{Name: "from", Label: "Issued from", Type: "date", Value: cp.From},
		web.Filter{Name: "to", Label: "Issued to", Type: "date", Value: cp.To})
	if len(cp.values()) > 0 {
		bar.ClearURL = "/certificates"
	}
	return bar
}

// handleCertificatesCSV downloads every certificate the filters select,
// across all pages (the cursor is ignored), streamed a page at a time.
func (p *Portal) handleCertificatesCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleCertificates)
	if !ok {
		return
	}
	_, f, err := readCertificateParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	out := p.kit.CSV(w, r, "certificates.csv", "Type", "Number", "Site", "Contractor", "Issued", "Expires", "Status")
	out.Finish(p.svc.Equipment.EachCertificate(r.Context(), v, f, func(c *fieldportal.Certificate) error {
		return out.Row(c.Type, c.Number, c.SiteName, c.ContractorName, c.IssuedOn.String(), c.ExpiresOn.String(), c.StatusOn(f.Today).Label())
	}))
}

// handleCertificateDownload answers a certificate's file: the
// certificate's scope decides first (a certificate out of reach is 404),
// then the file is sent with the headers of /documents/{id}/download.
func (p *Portal) handleCertificateDownload(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleCertificates)
	if !ok {
		return
	}
	doc, data, err := p.svc.Equipment.OpenCertificateFile(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	writeDocument(w, r, doc, data)
}

// filterSite finds the site a list is filtered to, through whichever
// page of sites the contact may use; a site out of reach (or no such
// site) is a mistake of the filter, named as such (400), as the list
// itself would only be empty.
func (p *Portal) filterSite(r *http.Request, v fieldportal.Viewer, id string) (*fieldportal.Site, error) {
	var s *fieldportal.Site
	var err error = fieldportal.NotFound("site")
	switch {
	case v.CanUse(fieldportal.ModuleSites):
		s, err = p.svc.Sites.FindSiteByID(r.Context(), v, id)
	case v.CanUse(fieldportal.ModuleIssues):
		s, err = p.svc.Work.FindIssueSite(r.Context(), v, id)
	}
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, fieldportal.FieldErrorf("site", "There is no such site among yours: choose a site from the list.")
	}
	return s, err
}
