package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The asset's two forms of their own pages: marking a failed test
// rectified, and transferring the asset to another site (found by a
// search, as an organisation may have tens of thousands of sites).

// rectifyView is the form that marks a failed test rectified.
type rectifyView struct {
	web.Layout
	Header      web.RecordHeader
	Errors      []fieldportal.FieldError
	RectifiedOn web.FieldView
	Action      string
	Test        string
}

func (c *Console) handleRectifyForm(w http.ResponseWriter, r *http.Request) {
	c.renderRectify(w, r, http.StatusOK, fieldportal.DateOf(web.RequestTime(r).In(web.OrgLocation(r))).String(), web.FormErrors{})
}

// rectifyTest finds the test of the path, of the path's asset.
func (c *Console) rectifyTest(r *http.Request) (*fieldportal.AssetTest, error) {
	v, _ := web.ViewerFromContext(r.Context())
	t, err := c.svc.Equipment.FindAssetTestByID(r.Context(), v, r.PathValue("test"))
	if err == nil && t.AssetID != r.PathValue("id") {
		err = fieldportal.NotFound("asset test")
	}
	return t, err
}

func (c *Console) renderRectify(w http.ResponseWriter, r *http.Request, status int, value string, errs web.FormErrors) {
	t, err := c.rectifyTest(r)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	base := "/console/assets/" + url.PathEscape(t.AssetID)
	view := rectifyView{Layout: c.layout(r, "Rectify a failed test"), Errors: errs.List("rectified_at"),
		Action: base + "/tests/" + url.PathEscape(t.ID) + "/rectify",
		Test:   t.TestedOn.String() + ": " + string(t.Result) + nonEmpty(" – ", t.Notes)}
	view.Header = web.RecordHeader{BackURL: base, BackLabel: t.AssetNumber + " " + t.AssetName, Title: "Rectify a failed test"}
	view.RectifiedOn = web.Field("rectified_at", "Rectified on", "date", value, "off", errs)
	view.RectifiedOn.Hint = "The day the fault was put right"
	c.pages.Render(w, r, status, "asset_rectify", view)
}

// handleRectify marks the test rectified on the day given.
func (c *Console) handleRectify(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	value := strings.TrimSpace(r.PostForm.Get("rectified_at"))
	t, err := c.rectifyTest(r)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	errs := web.FormErrors{}
	d, perr := fieldportal.ParseDate(value)
	switch {
	case value == "":
		errs["rectified_at"] = "Rectified on is required."
	case perr != nil:
		errs["rectified_at"] = "Rectified on must be a date, such as 2025-03-01."
	case d.Before(t.TestedOn):
		errs["rectified_at"] = "Rectified on cannot be before the test (" + t.TestedOn.String() + ")."
	case t.Result != fieldportal.TestFail:
		errs["rectified_at"] = "Only a failed test can be rectified."
	}
	if !errs.Has() {
		// Midday in the organisation's zone: the day stays the day typed
		// wherever it is read.
		t.RectifiedAt = time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, web.OrgLocation(r)).UTC()
		err = c.svc.Equipment.UpdateAssetTest(r.Context(), v, t)
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			errs = web.ErrorsOf(err)
		} else if err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	if errs.Has() {
		c.renderRectify(w, r, http.StatusBadRequest, value, errs)
		return
	}
	http.Redirect(w, r, "/console/assets/"+url.PathEscape(t.AssetID)+"?done=rectified", http.StatusSeeOther)
}

// transferView is the form that moves an asset to another site.
type transferView struct {
	web.Layout
	Header      web.RecordHeader
	Errors      []fieldportal.FieldError
	Search      web.FilterBar
	Site        web.SelectView
	Date, Note  web.FieldView
	Action      string
	NoSites     bool
	SearchQuery string
}

// transferForm is what the transfer form sent.
type transferForm struct{ SiteQ, ToSiteID, Date, Note string }

// transferSitesMax is how many sites the form offers; a search narrows them.
const transferSitesMax = 30

func (c *Console) handleTransferForm(w http.ResponseWriter, r *http.Request) {
	f := transferForm{SiteQ: strings.TrimSpace(r.URL.Query().Get("site_q")),
		Date: fieldportal.DateOf(web.RequestTime(r).In(web.OrgLocation(r))).String()}
	c.renderTransfer(w, r, http.StatusOK, f, web.FormErrors{})
}

func (c *Console) renderTransfer(w http.ResponseWriter, r *http.Request, status int, f transferForm, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	a, err := c.svc.Equipment.FindAssetByID(ctx, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	var sites []*fieldportal.Site
	if c.svc.Sites != nil {
		if sites, _, err = c.svc.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Search: f.SiteQ, Page: fieldportal.Page{Limit: transferSitesMax}}); err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	base := "/console/assets/" + url.PathEscape(a.ID)
	view := transferView{Layout: c.layout(r, "Transfer "+a.Number), Action: base + "/transfer", SearchQuery: f.SiteQ,
		Errors: errs.List("to_site_id", "transferred_on", "note")}
	view.Header = web.RecordHeader{BackURL: base, BackLabel: a.Number + " " + a.Name, Title: "Transfer " + a.Number,
		Subtitle: "Now at " + a.SiteName}
	view.Search = web.FilterBar{Action: base + "/transfer", Label: "Find the new site", Submit: "Find sites", Filters: []web.Filter{
		{Name: "site_q", Label: "Find the new site", Type: "search", Value: f.SiteQ, Hint: "Name, address, postcode or UPRN"}}}
	view.Site = web.SelectView{FieldView: web.Field("to_site_id", "New site", "select", f.ToSiteID, "", errs)}
	view.Site.Hint = "The first 30 sites that match; search to find another"
	for _, s := range sites {
		if s.ID == a.SiteID {
			continue
		}
		view.Site.Options = append(view.Site.Options, web.CheckOption{Value: s.ID, Label: s.Name + " (" + s.CustomerName + ")", Checked: s.ID == f.ToSiteID})
	}
	view.NoSites = len(view.Site.Options) == 0
	view.Date = web.Field("transferred_on", "Transfer date", "date", f.Date, "off", errs)
	view.Note = web.Field("note", "Note", "textarea", f.Note, "off", errs).Optional()
	c.pages.Render(w, r, status, "asset_transfer", view)
}

// handleTransfer moves the asset and records the transfer, in one
// transaction of the store.
func (c *Console) handleTransfer(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	pf := r.PostForm
	f := transferForm{SiteQ: strings.TrimSpace(pf.Get("site_q")), ToSiteID: pf.Get("to_site_id"),
		Date: strings.TrimSpace(pf.Get("transferred_on")), Note: strings.TrimSpace(pf.Get("note"))}
	errs := web.FormErrors{}
	var d fieldportal.Date
	if f.Date != "" {
		var err error
		if d, err = fieldportal.ParseDate(f.Date); err != nil {
			errs["transferred_on"] = "Transfer date must be a date, such as 2025-03-01."
		}
	}
	if f.ToSiteID == "" {
		errs["to_site_id"] = "New site is required: find it and choose it."
	}
	if len(f.Note) > 2000 {
		errs["note"] = "Note must be at most 2,000 characters."
	}
	if !errs.Has() {
		_, err := c.svc.Equipment.TransferAsset(r.Context(), v, r.PathValue("id"), f.ToSiteID, d, f.Note)
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			errs = web.ErrorsOf(err)
		} else if err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	if errs.Has() {
		c.renderTransfer(w, r, http.StatusBadRequest, f, errs)
		return
	}
	http.Redirect(w, r, "/console/assets/"+url.PathEscape(r.PathValue("id"))+"?done=transferred", http.StatusSeeOther)
}

// nonEmpty is sep+s, or "" when s is empty.
func nonEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}
