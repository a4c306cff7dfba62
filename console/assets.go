package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The staff side of equipment (issue 18): find an asset, record a test or
// service, mark a failed test rectified, and transfer the asset to another
// site of the organisation. Each write is one store method, audited there
// in its transaction (asset_test.created, asset_test.updated,
// asset.transferred); a refused form is shown again with what was typed
// and a message naming each field.

// assetRoutes registers the routes of this file.
func (c *Console) assetRoutes() {
	k := c.kit
	k.Handle("GET /console/assets", c.signedIn(c.handleAssets))
	k.Handle("GET /console/assets/{id}", c.signedIn(c.handleAsset))
	k.Handle("POST /console/assets/{id}/tests", c.signedIn(c.handleAssetTestRecord))
	k.Handle("GET /console/assets/{id}/tests/{test}/rectify", c.signedIn(c.handleRectifyForm))
	k.Handle("POST /console/assets/{id}/tests/{test}/rectify", c.signedIn(c.handleRectify))
	k.Handle("GET /console/assets/{id}/transfer", c.signedIn(c.handleTransferForm))
	k.Handle("POST /console/assets/{id}/transfer", c.signedIn(c.handleTransfer))
}

// assetsView is the console's search of assets.
type assetsView struct {
	web.Layout
	Filter web.FilterBar
	Table  web.Table
	Count  web.Count
	Pager  web.Pager
	Query  string
}

// handleAssets lists the organisation's assets by number, a page at a
// time, searched by number, name, location or serial.
func (c *Console) handleAssets(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	f := fieldportal.AssetFilter{Page: fieldportal.Page{After: q.Get("after")}, Search: strings.TrimSpace(q.Get("q")),
		Sort: fieldportal.AssetSortNumber}
	list, next, err := c.svc.Equipment.FindAssets(r.Context(), v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := assetsView{Layout: c.layout(r, "Equipment"), Query: f.Search}
	view.Filter = web.FilterBar{Action: "/console/assets", Label: "Search equipment", Submit: "Search", Filters: []web.Filter{
		{Name: "q", Label: "Search equipment", Type: "search", Value: f.Search, Hint: "Number, name, location or serial"}}}
	base := url.Values{}
	if f.Search != "" {
		base.Set("q", f.Search)
		view.Filter.ClearURL = "/console/assets"
	}
	view.Table = web.Table{Caption: "Equipment by number", Columns: []web.Column{{Label: "Number"}, {Label: "Name"}, {Label: "Type"},
		{Label: "Site"}, {Label: "Location"}, {Label: "Serial"}, {Label: "Status"}}}
	for _, a := range list {
		view.Table.Rows = append(view.Table.Rows, []web.Cell{web.LinkCell(a.Number, "/console/assets/"+url.PathEscape(a.ID)),
			web.TextCell(a.Name), web.TextCell(a.Type), web.TextCell(a.SiteName), web.TextCell(a.Location), web.TextCell(a.Serial),
			web.TextCell(a.Status)})
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		if f.Search != "" {
			nq.Set("q", f.Search)
		}
		view.Pager.NextURL = "/console/assets?" + nq.Encode()
	}
	if f.After != "" {
		view.Pager.FirstURL = "/console/assets"
		if len(base) > 0 {
			view.Pager.FirstURL += "?" + base.Encode()
		}
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "asset", Many: "assets"}
	if next == "" && f.After == "" {
		view.Count.Total = len(list)
	}
	c.pages.Render(w, r, http.StatusOK, "assets", view)
}

// assetView is one asset for staff, with the form to record a test.
type assetView struct {
	web.Layout
	Header    web.RecordHeader
	Details   []web.Detail
	Notice    string
	Tests     web.Table
	Pager     web.Pager
	Transfers web.Table
	Base      string
	// The record-a-test form.
	Errors                      []fieldportal.FieldError
	TestedOn, Technician, Notes web.FieldView
	Result, Job                 web.SelectView
}

// testForm is what the record-a-test form sent.
type testForm struct{ TestedOn, Result, Technician, Notes, JobID string }

// assetNotices are the messages after a write, by the ?done= value.
var assetNotices = map[string]string{"tested": "The test was recorded.", "rectified": "The failure is marked rectified.",
	"transferred": "The asset was transferred."}

func (c *Console) handleAsset(w http.ResponseWriter, r *http.Request) {
	form := testForm{TestedOn: fieldportal.DateOf(web.RequestTime(r).In(web.OrgLocation(r))).String(), Result: string(fieldportal.TestPass)}
	c.renderAsset(w, r, http.StatusOK, assetNotices[r.URL.Query().Get("done")], form, web.FormErrors{})
}

// renderAsset shows the asset, a page of its tests and its transfers.
func (c *Console) renderAsset(w http.ResponseWriter, r *http.Request, status int, notice string, form testForm, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	a, err := c.svc.Equipment.FindAssetByID(ctx, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	after := r.URL.Query().Get("after")
	tests, next, err := c.svc.Equipment.FindAssetServiceHistory(ctx, v, a.ID, fieldportal.Page{After: after, Limit: 20})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	transfers, _, err := c.svc.Equipment.FindAssetTransferPage(ctx, v, fieldportal.AssetTransferFilter{AssetID: a.ID, Page: fieldportal.Page{Limit: 20}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	jobs, _, err := c.svc.Work.FindJobs(ctx, v, fieldportal.JobFilter{SiteID: a.SiteID, Page: fieldportal.Page{Limit: 30}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	base := "/console/assets/" + url.PathEscape(a.ID)
	view := assetView{Layout: c.layout(r, a.Number+" "+a.Name), Notice: notice, Base: base,
		Errors: errs.List("tested_on", "result", "technician", "notes", "job_id")}
	view.Header = web.RecordHeader{BackURL: "/console/assets", BackLabel: "Equipment", Title: a.Number + " " + a.Name,
		Subtitle: a.Type + " at " + a.SiteName,
		Actions:  []web.Action{{Label: "Transfer to another site", URL: base + "/transfer", Style: "secondary"}}}
	view.Details = []web.Detail{{Label: "Number", Value: a.Number}, {Label: "Type", Value: a.Type}, {Label: "Site", Value: a.SiteName},
		{Label: "Location", Value: a.Location}, {Label: "Serial", Value: a.Serial}, {Label: "Status", Value: a.Status},
		{Label: "Next service due", Value: a.NextServiceDue.String()}}
	view.Tests = web.Table{Caption: "Service history, newest first", Columns: []web.Column{{Label: "Date"}, {Label: "Result"},
		{Label: "Rectified"}, {Label: "Job"}, {Label: "Technician"}, {Label: "Notes"}}}
	for _, t := range tests {
		rect := web.TextCell("")
		if t.Result == fieldportal.TestFail {
			if t.RectifiedAt.IsZero() {
				rect = web.TextCell("Rectify")
				rect.URL = base + "/tests/" + url.PathEscape(t.ID) + "/rectify"
			} else {
				rect = web.TextCell(web.FormatDate(t.RectifiedAt.In(loc)))
			}
		}
		view.Tests.Rows = append(view.Tests.Rows, []web.Cell{web.TextCell(t.TestedOn.String()), web.TextCell(string(t.Result)),
			rect, web.TextCell(t.JobNumber), web.TextCell(t.Technician), web.TextCell(t.Notes)})
	}
	if next != "" {
		view.Pager.NextURL = base + "?after=" + url.QueryEscape(next)
	}
	if after != "" {
		view.Pager.FirstURL = base
	}
	view.Transfers = web.Table{Caption: "Transfers, newest first", Columns: []web.Column{{Label: "Date"}, {Label: "From site"},
		{Label: "To site"}, {Label: "Note"}}}
	for _, t := range transfers {
		view.Transfers.Rows = append(view.Transfers.Rows, []web.Cell{web.TextCell(t.TransferredOn.String()),
			web.TextCell(t.FromSiteName), web.TextCell(t.ToSiteName), web.TextCell(t.Note)})
	}
	view.TestedOn = web.Field("tested_on", "Test date", "date", form.TestedOn, "off", errs)
	view.Technician = web.Field("technician", "Technician", "text", form.Technician, "off", errs).Optional()
	view.Notes = web.Field("notes", "Notes", "textarea", form.Notes, "off", errs).Optional()
	view.Result = web.SelectView{FieldView: web.Field("result", "Result", "select", form.Result, "", errs)}
	for _, res := range []fieldportal.TestResult{fieldportal.TestPass, fieldportal.TestFail, fieldportal.TestNotTested} {
		view.Result.Options = append(view.Result.Options, web.CheckOption{Value: string(res), Label: string(res), Checked: form.Result == string(res)})
	}
	view.Job = web.SelectView{FieldView: web.Field("job_id", "Job", "select", form.JobID, "", errs).Optional()}
	view.Job.Hint = "The site's latest jobs"
	view.Job.Options = []web.CheckOption{{Value: "", Label: "No job", Checked: form.JobID == ""}}
	for _, j := range jobs {
		view.Job.Options = append(view.Job.Options, web.CheckOption{Value: j.ID, Label: j.Number + " " + string(j.Kind) + " " + string(j.Stage),
			Checked: form.JobID == j.ID})
	}
	c.pages.Render(w, r, status, "asset", view)
}

// handleAssetTestRecord records a test of the asset.
func (c *Console) handleAssetTestRecord(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	pf := r.PostForm
	form := testForm{TestedOn: strings.TrimSpace(pf.Get("tested_on")), Result: pf.Get("result"),
		Technician: strings.TrimSpace(pf.Get("technician")), Notes: strings.TrimSpace(pf.Get("notes")), JobID: pf.Get("job_id")}
	t := &fieldportal.AssetTest{AssetID: r.PathValue("id"), Result: fieldportal.TestResult(form.Result), Technician: form.Technician,
		Notes: form.Notes, JobID: form.JobID}
	errs := web.FormErrors{}
	if form.TestedOn != "" {
		d, err := fieldportal.ParseDate(form.TestedOn)
		if err != nil {
			errs["tested_on"] = "Test date must be a date, such as 2025-03-01."
		}
		t.TestedOn = d
	}
	if len(form.Technician) > 200 {
		errs["technician"] = "Technician must be at most 200 characters."
	}
	if len(form.Notes) > 5000 {
		errs["notes"] = "Notes must be at most 5,000 characters."
	}
	var err error
	if !errs.Has() {
		err = c.svc.Equipment.CreateAssetTest(r.Context(), v, t)
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			errs = web.ErrorsOf(err)
		} else if err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	if errs.Has() {
		c.renderAsset(w, r, http.StatusBadRequest, "", form, errs)
		return
	}
	http.Redirect(w, r, "/console/assets/"+url.PathEscape(t.AssetID)+"?done=tested", http.StatusSeeOther)
}
