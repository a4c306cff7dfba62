package portal

import (
	"net/http"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/web"
)

// Asset labels: one asset's label, and a sheet of a site's assets, each
// with a QR code of the asset's absolute portal address on the
// organisation's own host (as the links in its mail are), so a phone that
// scans it opens sign-in and then the asset's page.

// labelSheetMax bounds a sheet: twenty pages of labels. A site with more
// assets prints them a filter at a time, and the sheet says so.
const labelSheetMax = 200

// assetLabel is an asset's label as the PDF draws it.
func (p *Portal) assetLabel(r *http.Request, a *fieldportal.Asset) pdf.AssetLabel {
	return pdf.AssetLabel{URL: p.kit.PortalURL(r) + "/assets/" + url.PathEscape(a.ID), Number: a.Number, Name: a.Name,
		Type: a.Type, Site: a.SiteName, Location: a.Location, Serial: a.Serial}
}

// handleAssetLabel answers /assets/{id}/label.pdf: one label.
func (p *Portal) handleAssetLabel(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAssets)
	if !ok {
		return
	}
	a, err := p.svc.Equipment.FindAssetByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "asset"))
		return
	}
	data, err := pdf.Labels(p.printoutOptions(r), "Label "+a.Number, []pdf.AssetLabel{p.assetLabel(r, a)}, "")
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, "label-"+a.Number, data)
}

// handleAssetLabels answers /assets/labels.pdf?site=...: the labels of a
// site's assets that the list's filters select, at most labelSheetMax.
func (p *Portal) handleAssetLabels(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAssets)
	if !ok {
		return
	}
	ap := assetParams(r)
	if len(ap.Errors) > 0 {
		e := ap.Errors[0]
		p.kit.Error(w, r, fieldportal.FieldErrorf(e.Field, "%s", e.Message))
		return
	}
	f := ap.Filter
	if f.SiteID == "" {
		p.kit.Error(w, r, fieldportal.FieldErrorf("site", "Site: choose the site whose labels to print, from its Equipment list."))
		return
	}
	name, err := p.assetSiteName(r, v, f.SiteID)
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "site"))
		return
	}
	f.Page = fieldportal.Page{Limit: labelSheetMax}
	list, next, err := p.svc.Equipment.FindAssets(r.Context(), v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	labels := make([]pdf.AssetLabel, len(list))
	for i, a := range list {
		labels[i] = p.assetLabel(r, a)
	}
	note := ""
	if next != "" {
		note = "This sheet holds the first " + web.NumberText(labelSheetMax) + " assets at " + name +
			"; filter the list by type or search to print the others."
	}
	data, err := pdf.Labels(p.printoutOptions(r), "Labels for "+name, labels, note)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, "labels-"+name, data)
}
