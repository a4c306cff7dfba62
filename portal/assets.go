package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Equipment (SPEC §4; seed 003's "View assets"): the list grouped by site
// and then by type with each group's count, its CSV, an asset's page
// (asset.go) and its labels (asset_labels.go). The list and the CSV read
// one filter from the query string, so the file holds exactly the rows
// the pages list. A site's Equipment tab is this list filtered to it.

// assetRoutes registers the routes of this file, asset.go and
// asset_labels.go.
func (p *Portal) assetRoutes() {
	k := p.kit
	k.Handle("GET /assets", p.signedIn(p.handleAssets))
	k.Handle("GET /assets.csv", p.signedIn(p.handleAssetsCSV))
	k.Handle("GET /assets/labels.pdf", p.signedIn(p.handleAssetLabels))
	k.Handle("GET /assets/{id}", p.signedIn(p.handleAsset))
	k.Handle("GET /assets/{id}/label.pdf", p.signedIn(p.handleAssetLabel))
}

// assetListParams is the list's query string as read, with what was
// wrong in it.
type assetListParams struct {
	Filter fieldportal.AssetFilter
	Errors []fieldportal.FieldError
}

// assetSorts are the list's orders as the sort filter offers them.
var assetSorts = []struct {
	sort  fieldportal.AssetSort
	value string
	label string
}{
	{fieldportal.AssetSortSite, "", "Site, then type"},
	{fieldportal.AssetSortNumber, "number", "Number"},
	{fieldportal.AssetSortType, "type", "Type, then number"},
}

// assetParams reads the list's query string; the page and its CSV share
// it. A status or service-due value the list does not know is a field
// error that names the filter (the list then shows nothing), never a
// quietly wider list.
func assetParams(r *http.Request) assetListParams {
	q := r.URL.Query()
	ap := assetListParams{Filter: fieldportal.AssetFilter{
		Page:   fieldportal.Page{After: q.Get("after")},
		Search: strings.TrimSpace(q.Get("q")),
		SiteID: strings.TrimSpace(q.Get("site")),
		Type:   strings.TrimSpace(q.Get("type")),
		Status: strings.TrimSpace(q.Get("status")),
		Sort:   fieldportal.AssetSortSite,
		Today:  fieldportal.DateOf(web.RequestTime(r).In(web.OrgLocation(r))),
	}}
	for _, s := range assetSorts {
		if s.value != "" && q.Get("sort") == s.value {
			ap.Filter.Sort = s.sort
		}
	}
	if ap.Filter.Status != "" && !slices.Contains(fieldportal.AssetStatuses, ap.Filter.Status) {
		ap.Errors = append(ap.Errors, fieldportal.FieldError{Field: "status", Message: "Status must be active, inactive or removed."})
		ap.Filter.Status = ""
	}
	due, err := fieldportal.ParseAssetDue(q.Get("due"))
	if err != nil {
		ap.Errors = append(ap.Errors, fieldportal.FieldError{Field: "due", Message: fieldportal.ErrorMessage(err)})
	}
	ap.Filter.Due = due
	return ap
}

// query is the list's query string without the cursor: the CSV's, the
// labels', the pager's base.
func (ap assetListParams) query() url.Values {
	q := url.Values{}
	f := ap.Filter
	for k, v := range map[string]string{"q": f.Search, "site": f.SiteID, "type": f.Type, "status": f.Status, "due": string(f.Due)} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for _, s := range assetSorts {
		if s.sort == f.Sort && s.value != "" {
			q.Set("sort", s.value)
		}
	}
	return q
}

// assetsView is the list of equipment.
type assetsView struct {
	web.Layout
	Errors []fieldportal.FieldError
	Filter web.FilterBar
	Count  web.Count
	// Groups are the page's sites, each with its types, when the list is
	// grouped; Table is the list otherwise.
	Groups  []assetSiteGroup
	Table   web.Table
	Pager   web.Pager
	CSVURL  string
	CSVWhat string
	// Filtered says the list is narrowed, for the empty state's words.
	Filtered bool
	// SiteName names the site the list is filtered to, or "".
	SiteName  string
	LabelsURL string
}

// assetSiteGroup is one site's part of a page: its heading with how many
// of its assets match, and its types.
type assetSiteGroup struct {
	ID, Name, URL string
	Count         int
	CountText     string
	Continued     bool
	Types         []assetTypeGroup
}

// assetTypeGroup is one type at a site: its heading, count and table.
type assetTypeGroup struct {
	Type, FilterURL string
	Count           int
	CountText       string
	Table           web.Table
}

// assetStatusTones colour the status badges; the words carry the meaning.
var assetStatusTones = map[string]string{"active": "success", "inactive": "neutral", "removed": "warning"}

// assetStatusLabel is a status in words.
func assetStatusLabel(s string) string {
	switch s {
	case "active":
		return "Active"
	case "inactive":
		return "Inactive"
	case "removed":
		return "Removed"
	}
	return s
}

// assetDueCell is an asset's next service date, marked when it is past.
func assetDueCell(a *fieldportal.Asset, today fieldportal.Date) web.Cell {
	if a.NextServiceDue.IsZero() {
		return web.TextCell("Not scheduled")
	}
	c := web.TextCell(web.FormatDate(a.NextServiceDue.Time()))
	if a.NextServiceDue.Before(today) {
		c.Hint = "Overdue"
	}
	return c
}

// assetRowCells are an asset's cells in a table; withGroup adds its site
// and type (the flat list's columns, which the grouped one has in its
// headings).
func assetRowCells(a *fieldportal.Asset, today fieldportal.Date, withGroup bool) []web.Cell {
	cells := []web.Cell{web.LinkCell(a.Number, "/assets/"+url.PathEscape(a.ID)), web.TextCell(a.Name)}
	if withGroup {
		cells = append(cells, web.TextCell(a.Type), web.TextCell(a.SiteName))
	}
	return append(cells, web.TextCell(a.Location), web.TextCell(a.Serial),
		web.BadgeCell(assetStatusLabel(a.Status), assetStatusTones[a.Status]), assetDueCell(a, today))
}

// assetColumns are the columns of assetRowCells.
func assetColumns(withGroup bool) []web.Column {
	cols := []web.Column{{Label: "Number"}, {Label: "Name"}}
	if withGroup {
		cols = append(cols, web.Column{Label: "Type"}, web.Column{Label: "Site"})
	}
	return append(cols, web.Column{Label: "Location"}, web.Column{Label: "Serial"}, web.Column{Label: "Status"},
		web.Column{Label: "Next service"})
}

// handleAssets lists the equipment the contact reaches, a page at a time.
func (p *Portal) handleAssets(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAssets)
	if !ok {
		return
	}
	ctx := r.Context()
	ap := assetParams(r)
	f := ap.Filter
	view := assetsView{Layout: p.layout(r, "Equipment"), CSVWhat: "of the equipment listed", Errors: ap.Errors}
	status := http.StatusOK
	if f.SiteID != "" {
		name, err := p.assetSiteName(r, v, f.SiteID)
		switch {
		case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
			view.Errors = append(view.Errors, fieldportal.FieldError{Field: "site", Message: "Site: we found no site of yours at this address; choose another or show every site."})
		case err != nil:
			p.kit.Error(w, r, err)
			return
		default:
			view.SiteName, view.Title = name, "Equipment at "+name
		}
	}
	var list []*fieldportal.Asset
	var next string
	if len(view.Errors) > 0 {
		status = http.StatusBadRequest
	} else {
		var err error
		if list, next, err = p.svc.Equipment.FindAssets(ctx, v, f); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	// A list filtered to a site (a site's Equipment tab) keeps the site
	// without offering the others: the page says how to show them all,
	// and a parent's first sites cost more to read than the tab itself.
	var sites []*fieldportal.Site
	var err error
	if f.SiteID == "" {
		if sites, err = p.assetSiteChoices(r, v); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	view.Filter = assetFilterBar(ap, sites)
	base := ap.query()
	view.Filtered = len(base) > 0 && !(len(base) == 1 && base.Has("sort"))
	if f.Sort == fieldportal.AssetSortSite {
		if view.Groups, err = p.assetGroups(r, v, f, list); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	} else {
		view.Table = web.Table{Caption: "Equipment", Columns: assetColumns(true)}
		for _, a := range list {
			view.Table.Rows = append(view.Table.Rows, assetRowCells(a, f.Today, true))
		}
	}
	view.CSVURL = withQuery("/assets.csv", base)
	if f.SiteID != "" && view.SiteName != "" {
		view.LabelsURL = withQuery("/assets/labels.pdf", base)
	}
	if next != "" {
		nq := ap.query()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/assets", nq)
	}
	if f.After != "" {
		view.Pager.FirstURL = withQuery("/assets", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "asset", Many: "assets"}
	if next == "" && f.After == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, status, "assets", view)
}

// assetGroups groups a page of the grouped list by site and type, with
// each group's count of matching assets: one indexed count of the page's
// sites, never of every site the contact reaches. A page that starts in
// the middle of a site says its heading is continued (one that holds all
// of its first site's assets does not).
func (p *Portal) assetGroups(r *http.Request, v fieldportal.Viewer, f fieldportal.AssetFilter, list []*fieldportal.Asset) ([]assetSiteGroup, error) {
	if len(list) == 0 {
		return nil, nil
	}
	var siteIDs []string
	for _, a := range list {
		if len(siteIDs) == 0 || siteIDs[len(siteIDs)-1] != a.SiteID {
			siteIDs = append(siteIDs, a.SiteID)
		}
	}
	counts, err := p.svc.Equipment.CountAssetGroups(r.Context(), v, f, siteIDs)
	if err != nil {
		return nil, err
	}
	n := map[[2]string]int{}
	for _, c := range counts {
		n[[2]string{c.SiteID, c.Type}] = c.Count
	}
	base := assetListParams{Filter: f}
	var groups []assetSiteGroup
	for i, a := range list {
		if len(groups) == 0 || groups[len(groups)-1].ID != a.SiteID {
			g := assetSiteGroup{ID: a.SiteID, Name: a.SiteName, Continued: i == 0 && f.After != ""}
			if v.CanUse(fieldportal.ModuleSites) {
				g.URL = "/sites/" + url.PathEscape(a.SiteID)
			}
			groups = append(groups, g)
		}
		g := &groups[len(groups)-1]
		if len(g.Types) == 0 || g.Types[len(g.Types)-1].Type != a.Type {
			q := base.query()
			q.Set("site", a.SiteID)
			q.Set("type", a.Type)
			count := n[[2]string{a.SiteID, a.Type}]
			g.Types = append(g.Types, assetTypeGroup{Type: a.Type, Count: count, CountText: countLabel(count), FilterURL: withQuery("/assets", q),
				Table: web.Table{Caption: a.Type + " at " + a.SiteName, Columns: assetColumns(false)}})
		}
		t := &g.Types[len(g.Types)-1]
		t.Table.Rows = append(t.Table.Rows, assetRowCells(a, f.Today, false))
	}
	// A site's count is of all its types, also those on other pages.
	for i := range groups {
		groups[i].Count = 0
		for _, c := range counts {
			if c.SiteID == groups[i].ID {
				groups[i].Count += c.Count
			}
		}
		groups[i].CountText = countLabel(groups[i].Count)
	}
	// The first site goes on from the page before only if the page does
	// not hold all of its assets: a page that starts exactly where a site
	// does has its own heading (the cursor is opaque here, the count not).
	if g := &groups[0]; g.Continued {
		shown := 0
		for _, t := range g.Types {
			shown += len(t.Table.Rows)
		}
		g.Continued = shown < g.Count
	}
	return groups, nil
}

// assetSiteName is the name of the site the list is filtered to, or "not
// found" for a site out of reach. A contact without the Sites page learns
// it from the site's equipment.
func (p *Portal) assetSiteName(r *http.Request, v fieldportal.Viewer, siteID string) (string, error) {
	if v.CanUse(fieldportal.ModuleSites) {
		s, err := p.svc.Sites.FindSiteByID(r.Context(), v, siteID)
		if err != nil {
			return "", err
		}
		return s.Name, nil
	}
	list, _, err := p.svc.Equipment.FindAssets(r.Context(), v, fieldportal.AssetFilter{SiteID: siteID, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		return "", err
	}
	if len(list) == 0 {
		return "", fieldportal.NotFound("site")
	}
	return list[0].SiteName, nil
}

// assetSiteChoices returns the viewer's sites when they are few enough
// for a select, else nil (the site filter then comes from a site's
// Equipment tab or a group's heading).
func (p *Portal) assetSiteChoices(r *http.Request, v fieldportal.Viewer) ([]*fieldportal.Site, error) {
	if !v.CanUse(fieldportal.ModuleSites) {
		return nil, nil
	}
	sites, next, err := p.svc.Sites.FindSites(r.Context(), v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: siteChoicesMax}})
	if err != nil || next != "" {
		return nil, err
	}
	return sites, nil
}

// assetFilterBar is the list's filters: search, site (a select for a
// contact of few sites), type, status, service due and sort.
func assetFilterBar(ap assetListParams, sites []*fieldportal.Site) web.FilterBar {
	f := ap.Filter
	bar := web.FilterBar{Action: "/assets", Label: "Filter equipment", Filters: []web.Filter{
		{Name: "q", Label: "Search equipment", Type: "search", Value: f.Search, Hint: "Number, name, location or serial"},
	}}
	if sites != nil {
		opts := []web.CheckOption{{Value: "", Label: "All sites", Checked: f.SiteID == ""}}
		for _, s := range sites {
			opts = append(opts, web.CheckOption{Value: s.ID, Label: s.Name, Checked: s.ID == f.SiteID})
		}
		bar.Filters = append(bar.Filters, web.Filter{Name: "site", Label: "Site", Type: "select", Options: opts})
	} else if f.SiteID != "" {
		bar.Keep = append(bar.Keep, web.Param{Name: "site", Value: f.SiteID})
	}
	status := []web.CheckOption{{Value: "", Label: "Any status", Checked: f.Status == ""}}
	for _, s := range fieldportal.AssetStatuses {
		status = append(status, web.CheckOption{Value: s, Label: assetStatusLabel(s), Checked: f.Status == s})
	}
	due := []web.CheckOption{{Value: "", Label: "Any time", Checked: f.Due == ""},
		{Value: string(fieldportal.AssetDueOverdue), Label: "Overdue", Checked: f.Due == fieldportal.AssetDueOverdue},
		{Value: string(fieldportal.AssetDueThisMonth), Label: "This month", Checked: f.Due == fieldportal.AssetDueThisMonth},
		{Value: string(fieldportal.AssetDueLater), Label: "Later", Checked: f.Due == fieldportal.AssetDueLater}}
	var sorts []web.CheckOption
	for _, s := range assetSorts {
		sorts = append(sorts, web.CheckOption{Value: s.value, Label: s.label, Checked: s.sort == f.Sort})
	}
	bar.Filters = append(bar.Filters,
		web.Filter{Name: "type", Label: "Type", Type: "text", Value: f.Type, Hint: "Exactly as a group's heading names it"},
		web.Filter{Name: "status", Label: "Status", Type: "select", Options: status},
		web.Filter{Name: "due", Label: "Service due", Type: "select", Options: due},
		web.Filter{Name: "sort", Label: "Sort by", Type: "select", Options: sorts})
	if len(ap.query()) > 0 {
		bar.ClearURL = "/assets"
	}
	return bar
}

// assetCSVHeader is the CSV's header row.
var assetCSVHeader = []string{"Number", "Name", "Type", "Site", "Location", "Serial", "Make", "Model", "Status",
	"Service interval", "Next service due", "Installed"}

// handleAssetsCSV downloads every asset the filters select, across all
// pages (the cursor is ignored), streamed from one store walk. A filter
// value the list does not know answers 400 with its message.
func (p *Portal) handleAssetsCSV(w http.ResponseWriter, r *http.Request) {
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
	out := p.kit.CSV(w, r, "equipment.csv", assetCSVHeader...)
	out.Finish(p.svc.Equipment.EachAsset(r.Context(), v, ap.Filter, func(a *fieldportal.Asset) error {
		return out.Row(a.Number, a.Name, a.Type, a.SiteName, a.Location, a.Serial, a.Make, a.Model, assetStatusLabel(a.Status),
			a.ServiceInterval, a.NextServiceDue.String(), a.InstalledOn.String())
	}))
}

// countLabel is "1 asset" or "12 assets".
func countLabel(n int) string {
	if n == 1 {
		return "1 asset"
	}
	return web.NumberText(n) + " assets"
}
