package portal

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/web"
)

// Printouts: the PDFs of jobs and quotes, drawn by the pdf package. Their
// addresses are /jobs/{id}.pdf and /quotes/{id}.pdf; a pattern's wildcard
// is a whole segment, so the record pages' handlers pass an id ending in
// ".pdf" here, with the suffix removed. The record is found through the
// viewer's scope like its page, so a printout out of reach is "not found".

// printoutRoutes registers the routes of this file: none, as the record
// pages' handlers hand their ".pdf" addresses over.
func (p *Portal) printoutRoutes() {}

// handleJobPDF answers /jobs/{id}.pdf for the job id. The store refuses a
// job whose kind's module the contact cannot use.
func (p *Portal) handleJobPDF(w http.ResponseWriter, r *http.Request, id string) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	j, err := p.svc.Work.FindJobByID(ctx, v, id)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	customer, site, err := p.printoutParties(ctx, v, j.CustomerID, j.SiteID, j.SiteName)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	assets, err := p.printoutAssets(ctx, v, j.AssetIDs)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	data, err := pdf.Job(p.printoutOptions(r), j, customer, site, assets)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, "job-"+j.Number, data)
}

// handleQuotePDF answers /quotes/{id}.pdf for the quote id.
func (p *Portal) handleQuotePDF(w http.ResponseWriter, r *http.Request, id string) {
	v, ok := p.needModule(w, r, fieldportal.ModuleQuotes)
	if !ok {
		return
	}
	ctx := r.Context()
	q, err := p.svc.Work.FindQuoteByID(ctx, v, id)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	customer, site, err := p.printoutParties(ctx, v, q.CustomerID, q.SiteID, q.SiteName)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	data, err := pdf.Quote(p.printoutOptions(r), q, customer, site)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, "quote-"+q.Number, data)
}

// printoutParties are the customer and the site a record is for, found
// through the viewer's scope. A contact without the Sites page cannot
// read the site, so its printout has the site's name from the record
// alone.
func (p *Portal) printoutParties(ctx context.Context, v fieldportal.Viewer, customerID, siteID, siteName string) (customer, site pdf.Party, err error) {
	customer = pdf.Party{Label: "Customer"}
	site = pdf.Party{Label: "Site", Name: siteName}
	c, err := p.svc.Sites.FindCustomerByID(ctx, v, customerID)
	switch {
	case err == nil:
		customer.Name = c.Name
		customer.Lines = []string{c.Billing.OneLine()}
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		// The record is in the viewer's scope, so its customer is too; a
		// customer that went missing costs the block, not the printout.
	default:
		return customer, site, err
	}
	if v.CanUse(fieldportal.ModuleSites) {
		s, err := p.svc.Sites.FindSiteByID(ctx, v, siteID)
		switch {
		case err == nil:
			site.Name = s.Name
			site.Lines = []string{s.Address.OneLine()}
		case fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND:
			return customer, site, err
		}
	}
	return customer, site, nil
}

// printoutAssets are the job's assets the viewer may read: none without
// the Assets page.
func (p *Portal) printoutAssets(ctx context.Context, v fieldportal.Viewer, ids []string) ([]*fieldportal.Asset, error) {
	if !v.CanUse(fieldportal.ModuleAssets) {
		return nil, nil
	}
	var out []*fieldportal.Asset
	for _, id := range ids {
		a, err := p.svc.Equipment.FindAssetByID(ctx, v, id)
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// printoutOptions are the request's organisation as its printouts show
// it: its name, logo and contact details, currency and time zone. A
// logo that cannot be read costs the logo, never the printout.
func (p *Portal) printoutOptions(r *http.Request) pdf.Options {
	org := web.OrganisationFromContext(r.Context())
	opt := pdf.Options{Currency: org.Currency, Zone: web.OrgLocation(r), Created: web.RequestTime(r)}
	opt.Letterhead.Name = org.Name
	st, err := p.kit.Settings(r)
	if err != nil {
		p.kit.Logger().WarnContext(r.Context(), "read settings for a printout", "err", err)
		return opt
	}
	b := st.Branding
	if strings.TrimSpace(b.DisplayName) != "" {
		opt.Letterhead.Name = b.DisplayName
	}
	opt.Letterhead.Details = []string{b.SupportPhone, b.SupportEmail}
	opt.Letterhead.Accent = b.AccentColour
	if b.Logo != "" {
		if data, _, err := p.svc.Orgs.FindLogo(r.Context(), org.ID, b.Logo); err != nil {
			p.kit.Logger().WarnContext(r.Context(), "read the logo for a printout", "err", err)
		} else {
			opt.Letterhead.Logo = data
		}
	}
	return opt
}

// writePDF sends a printout to be shown in the browser, saved as
// name.pdf. It is private to the viewer and may load or run nothing.
func (p *Portal) writePDF(w http.ResponseWriter, r *http.Request, name string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="`+safeFilename(name)+`.pdf"`)
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Content-Security-Policy", "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
	h.Set("Cache-Control", "private, no-store")
	if r.Method == http.MethodHead {
		return
	}
	w.Write(data)
}

// safeFilename keeps the letters, digits, dots, hyphens and underscores
// of a record number, so the header's quoted filename needs no escaping.
func safeFilename(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}

// handleInvoicePDF answers /invoices/{id}.pdf for the invoice id: a tax
// invoice with the organisation's postal address, tax number and how to
// pay from its settings (Settings.Invoicing).
func (p *Portal) handleInvoicePDF(w http.ResponseWriter, r *http.Request, v fieldportal.Viewer, id string) {
	ctx := r.Context()
	inv, err := p.svc.Money.FindInvoiceByID(ctx, v, id)
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "invoice"))
		return
	}
	customer, site, err := p.printoutParties(ctx, v, inv.CustomerID, inv.SiteID, inv.SiteName)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if len(site.Lines) == 0 && inv.SiteAddress.OneLine() != "" {
		// The invoice's own copy of the site's address, for a contact
		// without the Sites page.
		site.Lines = []string{inv.SiteAddress.OneLine()}
	}
	opt := p.printoutOptions(r)
	var extras pdf.InvoiceExtras
	if st, err := p.kit.Settings(r); err == nil {
		in := st.Invoicing
		var address []string
		for _, l := range strings.Split(in.Address, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				address = append(address, l)
			}
		}
		if len(address) > 0 {
			opt.Letterhead.Details = append([]string{strings.Join(address, ", ")}, opt.Letterhead.Details...)
		}
		extras = pdf.InvoiceExtras{TaxNumber: in.TaxNumber, HowToPay: in.PaymentInstructions}
	}
	data, err := pdf.Invoice(opt, inv, customer, site, extras)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, "invoice-"+inv.Number, data)
}
