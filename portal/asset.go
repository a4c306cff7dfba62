package portal

import (
	"net/http"
	"net/url"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// One asset's page (seed 003: "View detailed information about your
// assets, including service and transfer history, and request a quote or
// book a job directly from an asset"): its fields, its service history
// (every test, failures with whether and when they were put right), its
// transfers, its documents, its open issues and jobs, and the buttons that
// open the issue, booking and quote forms with the asset chosen. The asset
// is found first, through the viewer's scope, so an asset out of reach is
// the same 404 as one that does not exist and none of its history is read.

// assetHistoryPage is how many tests or transfers the page shows at once;
// an asset with hundreds of tests pages them.
const assetHistoryPage = 20

// assetOpenMax is how many open issues or jobs the page lists.
const assetOpenMax = 10

// assetView is an asset's page.
type assetView struct {
	web.Layout
	Header  web.RecordHeader
	Details []web.Detail
	// Tests and Transfers are a page of each history, with their pagers.
	Tests          web.Table
	TestsPager     web.Pager
	Transfers      web.Table
	TransfersPager web.Pager
	// Documents is nil without the Documents page; Issues and Jobs are
	// nil without their pages.
	ShowDocuments bool
	Documents     []attachmentRow
	ShowIssues    bool
	Issues        []assetLink
	ShowJobs      bool
	Jobs          []assetLink
}

// handleAsset shows one asset.
func (p *Portal) handleAsset(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleAssets)
	if !ok {
		return
	}
	ctx := r.Context()
	a, err := p.svc.Equipment.FindAssetByID(ctx, v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "asset"))
		return
	}
	q := r.URL.Query()
	loc := web.OrgLocation(r)
	title := a.Number + " " + a.Name
	self := "/assets/" + url.PathEscape(a.ID)
	view := assetView{Layout: p.layout(r, title)}
	view.Header = web.RecordHeader{BackURL: "/assets?site=" + url.QueryEscape(a.SiteID), BackLabel: "Equipment at " + a.SiteName,
		Title: title, Subtitle: a.Type + " at " + a.SiteName,
		Badges: []web.Badge{{Text: assetStatusLabel(a.Status), Tone: assetStatusTones[a.Status]}}}
	view.Header.Actions = assetActions(v, a)
	today := fieldportal.DateOf(web.RequestTime(r).In(loc))
	due := "Not scheduled"
	if !a.NextServiceDue.IsZero() {
		due = web.FormatDate(a.NextServiceDue.Time())
		if a.NextServiceDue.Before(today) {
			due += " (overdue)"
		}
	}
	view.Details = []web.Detail{
		{Label: "Number", Value: a.Number}, {Label: "Name", Value: a.Name}, {Label: "Type", Value: a.Type},
		{Label: "Site", Value: a.SiteName}, {Label: "Location", Value: orNone(a.Location)},
		{Label: "Serial", Value: orNone(a.Serial)}, {Label: "Make", Value: orNone(a.Make)}, {Label: "Model", Value: orNone(a.Model)},
		{Label: "Service level", Value: orNone(a.ServiceLevel)}, {Label: "Service interval", Value: orNone(a.ServiceInterval)},
		{Label: "Next service due", Value: due}, {Label: "Installed", Value: orNone(web.FormatDate(a.InstalledOn.Time()), a.InstalledOn.IsZero())},
	}

	testsAfter, transfersAfter := q.Get("tests_after"), q.Get("transfers_after")
	tests, next, err := p.svc.Equipment.FindAssetServiceHistory(ctx, v, a.ID, fieldportal.Page{After: testsAfter, Limit: assetHistoryPage})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.Tests = assetTestsTable(v, tests, loc)
	view.TestsPager = historyPager(self, "tests_after", testsAfter, next, "#service-heading")
	transfers, next, err := p.svc.Equipment.FindAssetTransferPage(ctx, v, fieldportal.AssetTransferFilter{AssetID: a.ID,
		Page: fieldportal.Page{After: transfersAfter, Limit: assetHistoryPage}})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.Transfers = assetTransfersTable(transfers)
	view.TransfersPager = historyPager(self, "transfers_after", transfersAfter, next, "#transfers-heading")

	if v.CanUse(fieldportal.ModuleDocuments) {
		view.ShowDocuments = true
		docs, _, err := p.svc.Equipment.FindDocuments(ctx, v, fieldportal.DocumentFilter{AssetID: a.ID, Page: fieldportal.Page{Limit: 50}})
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		for _, d := range docs {
			view.Documents = append(view.Documents, attachmentRow{Name: d.Name, URL: "/documents/" + url.PathEscape(d.ID) + "/download", Size: sizeText(d.Size)})
		}
	}
	if v.CanUse(fieldportal.ModuleIssues) {
		view.ShowIssues = true
		issues, _, err := p.svc.Equipment.FindAssetOpenIssues(ctx, v, a.ID, fieldportal.Page{Limit: assetOpenMax})
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		for _, x := range issues {
			view.Issues = append(view.Issues, assetLink{Name: x.Number + " " + x.Title, URL: "/issues/" + url.PathEscape(x.ID)})
		}
	}
	if v.CanUse(fieldportal.ModuleService) || v.CanUse(fieldportal.ModuleInstall) {
		view.ShowJobs = true
		jobs, _, err := p.svc.Equipment.FindAssetOpenJobs(ctx, v, a.ID, fieldportal.Page{Limit: assetOpenMax})
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		for _, j := range jobs {
			view.Jobs = append(view.Jobs, assetLink{Name: kindLabel(j.Kind) + " order " + j.Number + " · " + j.Stage.Label(),
				URL: "/jobs/" + url.PathEscape(j.ID)})
		}
	}
	p.pages.Render(w, r, http.StatusOK, "asset", view)
}

// assetActions are the asset's buttons, each where the contact may use
// it: the forms open with this asset and its site chosen, and the label.
func assetActions(v fieldportal.Viewer, a *fieldportal.Asset) []web.Action {
	id := url.QueryEscape(a.ID)
	var out []web.Action
	if v.CanDo(fieldportal.ActionNewIssue) {
		out = append(out, web.Action{Label: "Report an issue", URL: "/issues/new?asset=" + id})
	}
	if v.CanDo(fieldportal.ActionBookJob) {
		out = append(out, web.Action{Label: "Book a job", URL: "/jobs/new?asset=" + id, Style: "secondary"})
	}
	if v.CanDo(fieldportal.ActionRequestQuote) {
		out = append(out, web.Action{Label: "Request a quote", URL: "/quotes/new?asset=" + id, Style: "secondary"})
	}
	return append(out, web.Action{Label: "Print label (PDF)", URL: "/assets/" + url.PathEscape(a.ID) + "/label.pdf", Style: "secondary"})
}

// assetTestsTable is a page of the service history. A failure says
// whether and when it was put right; a job's number links to its page
// when the contact may open that kind of job.
func assetTestsTable(v fieldportal.Viewer, tests []*fieldportal.AssetTest, loc *time.Location) web.Table {
	t := web.Table{Caption: "Service history, newest first", Columns: []web.Column{{Label: "Date"}, {Label: "Result"},
		{Label: "Rectified"}, {Label: "Job"}, {Label: "Technician"}, {Label: "Notes"}}}
	for _, x := range tests {
		result := web.BadgeCell(testResultLabel(x.Result), testResultTones[x.Result])
		rectified := web.TextCell("")
		if x.Result == fieldportal.TestFail {
			if x.RectifiedAt.IsZero() {
				rectified = web.BadgeCell("Not yet rectified", "danger")
			} else {
				rectified = web.TextCell("Rectified " + web.FormatDate(x.RectifiedAt.In(loc)))
			}
		}
		job := web.TextCell(x.JobNumber)
		if x.JobNumber != "" && x.JobKind != "" && v.CanUse(x.JobKind.Module()) {
			job.URL = "/jobs/" + url.PathEscape(x.JobID)
		}
		t.Rows = append(t.Rows, []web.Cell{web.TextCell(web.FormatDate(x.TestedOn.Time())), result, rectified, job,
			web.TextCell(x.Technician), web.TextCell(x.Notes)})
	}
	return t
}

// assetTransfersTable is a page of the transfer history; a site out of
// the contact's reach is never named.
func assetTransfersTable(list []*fieldportal.AssetTransfer) web.Table {
	t := web.Table{Caption: "Transfer history, newest first", Columns: []web.Column{{Label: "Date"}, {Label: "From site"},
		{Label: "To site"}, {Label: "Note"}}}
	name := func(s string) string {
		if s == "" {
			return "Another site"
		}
		return s
	}
	for _, x := range list {
		t.Rows = append(t.Rows, []web.Cell{web.TextCell(web.FormatDate(x.TransferredOn.Time())), web.TextCell(name(x.FromSiteName)),
			web.TextCell(name(x.ToSiteName)), web.TextCell(x.Note)})
	}
	return t
}

// historyPager pages one of the page's histories by its own cursor
// parameter, back to the section it is in.
func historyPager(self, param, after, next, anchor string) web.Pager {
	var pg web.Pager
	if next != "" {
		pg.NextURL = self + "?" + url.Values{param: {next}}.Encode() + anchor
	}
	if after != "" {
		pg.FirstURL = self + anchor
	}
	return pg
}

// testResultLabel is a test's result in words.
func testResultLabel(r fieldportal.TestResult) string {
	switch r {
	case fieldportal.TestPass:
		return "Pass"
	case fieldportal.TestFail:
		return "Fail"
	case fieldportal.TestNotTested:
		return "Not tested"
	}
	return string(r)
}

// testResultTones colour the result badges; the words carry the meaning.
var testResultTones = map[fieldportal.TestResult]string{fieldportal.TestPass: "success", fieldportal.TestFail: "danger",
	fieldportal.TestNotTested: "neutral"}

// orNone is s, or "Not recorded" when it is empty (or blank is true).
func orNone(s string, blank ...bool) string {
	if s == "" || (len(blank) > 0 && blank[0]) {
		return "Not recorded"
	}
	return s
}
