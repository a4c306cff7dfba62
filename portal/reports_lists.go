package portal

import (
	"net/http"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/web"
)

// The Current defects (/reports/defects) and Test history
// (/reports/tests) reports: lists a page at a time, by site and asset
// type (and for the history, dates and result), the latest first. Their
// CSVs walk every page of the same query; their PDFs draw at most
// pdf.MaxReportRows rows and say so when there are more.

// reportListView is either list's page.
type reportListView struct {
	web.Layout
	Tabs   []web.NavLink
	Errors []fieldportal.FieldError
	Sites  reportSiteFilter
	Type   web.SelectView
	// TypeText is the asset type as typed, when no site is chosen (the
	// types are listed for a chosen site).
	TypeText       *web.FieldView
	From, To       *web.FieldView
	Result         *web.SelectView
	Table          web.Table
	Count          web.Count
	Pager          web.Pager
	CSVURL, PDFURL string
	CSVWhat        string
	Empty          web.EmptyState
	Action, Label  string
}

// reportListQuery is a list report's query string as read.
type reportListQuery struct {
	Values url.Values // the query without the cursor
	After  string
	Site   string
	Find   string
	Type   string
	From   fieldportal.Date
	To     fieldportal.Date
	Result fieldportal.TestResult
}

// testResults are the Result filter's choices.
var testResults = []web.CheckOption{{Value: "", Label: "Any result"}, {Value: string(fieldportal.TestPass), Label: "Passed"},
	{Value: string(fieldportal.TestFail), Label: "Failed"}, {Value: string(fieldportal.TestNotTested), Label: "Not tested"}}

// resultLabel is a test result in words.
func resultLabel(r fieldportal.TestResult) string {
	for _, o := range testResults[1:] {
		if o.Value == string(r) {
			return o.Label
		}
	}
	return string(r)
}

// readReportList reads a list report's query string; dates that are not
// dates, a range that ends before it starts and an unknown result are
// errors on their fields.
func readReportList(r *http.Request, withTests bool) (reportListQuery, error) {
	names := []string{"site", "type", "site_q"}
	if withTests {
		names = append(names, "from", "to", "result")
	}
	q := reportListQuery{Values: reportQuery(r, names...), After: r.URL.Query().Get("after")}
	q.Site, q.Type, q.Find = q.Values.Get("site"), q.Values.Get("type"), q.Values.Get("site_q")
	q.Values.Del("site_q")
	if !withTests {
		return q, nil
	}
	var v fieldportal.Validation
	for _, d := range []struct {
		name, label string
		to          *fieldportal.Date
	}{{"from", "From", &q.From}, {"to", "To", &q.To}} {
		if s := q.Values.Get(d.name); s != "" {
			t, err := fieldportal.ParseDate(s)
			if err != nil {
				v.Add(d.name, "%s must be a date such as 2026-01-31.", d.label)
			}
			*d.to = t
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		v.Add("to", "To must be on or after From.")
	}
	q.Result = fieldportal.TestResult(q.Values.Get("result"))
	switch q.Result {
	case "", fieldportal.TestPass, fieldportal.TestFail, fieldportal.TestNotTested:
	default:
		v.Add("result", "Result must be passed, failed or not tested.")
	}
	return q, v.Err()
}

// filter is the store's filter of the test history.
func (q reportListQuery) testFilter(page fieldportal.Page) fieldportal.AssetTestFilter {
	return fieldportal.AssetTestFilter{Page: page, SiteID: q.Site, AssetType: q.Type, From: q.From, To: q.To, Result: q.Result}
}

// defectFilter is the store's filter of the defects.
func (q reportListQuery) defectFilter(page fieldportal.Page) fieldportal.DefectFilter {
	return fieldportal.DefectFilter{Page: page, SiteID: q.Site, AssetType: q.Type}
}

// listFilters fills a list report's filters.
func (p *Portal) listFilters(r *http.Request, v fieldportal.Viewer, view *reportListView, q reportListQuery, errs web.FormErrors, withTests bool) error {
	var err error
	if view.Sites, err = p.reportSites(r, v, q.Site, q.Find, "All sites", errs); err != nil {
		return err
	}
	if q.Site != "" && view.Sites.Name != "" {
		types, _, err := p.svc.Reports.FindReportChoices(r.Context(), v, q.Site)
		if err != nil {
			return err
		}
		view.Type = web.SelectView{FieldView: web.Field("type", "Asset type", "select", q.Type, "", errs).Optional(),
			Options: optionsOf(types, q.Type, "All types")}
	} else {
		f := web.Field("type", "Asset type", "text", q.Type, "off", errs).Optional()
		f.Hint = "Choose a site to pick from its types, or type one."
		view.TypeText = &f
	}
	if withTests {
		from := web.Field("from", "From", "date", q.Values.Get("from"), "", errs).Optional()
		to := web.Field("to", "To", "date", q.Values.Get("to"), "", errs).Optional()
		view.From, view.To = &from, &to
		res := web.SelectView{FieldView: web.Field("result", "Result", "select", string(q.Result), "", errs).Optional()}
		for _, o := range testResults {
			o.Checked = o.Value == string(q.Result)
			res.Options = append(res.Options, o)
		}
		view.Result = &res
	}
	return nil
}

// assetURL links an asset's page when the contact has the assets pages.
func assetURL(v fieldportal.Viewer, id string) string {
	if !v.CanUse(fieldportal.ModuleAssets) || !pageReady[fieldportal.ModuleAssets] {
		return ""
	}
	return "/assets/" + url.PathEscape(id)
}

// defectLine is one defect in words: asset number, name, type, site,
// location, the date checked (the date the technician failed it), the
// technician and the notes.
func defectLine(x *fieldportal.AssetDefect) []string {
	return []string{x.Asset.Number, x.Asset.Name, x.Asset.Type, x.Asset.SiteName, x.Asset.Location,
		reportDate(x.Test.TestedOn), x.Test.Technician, x.Test.Notes}
}

var defectHeader = []string{"Asset", "Name", "Type", "Site", "Location", "Date checked", "Technician", "Notes"}

// testLine is one test in words.
func testLine(x *fieldportal.AssetTest) []string {
	return []string{reportDate(x.TestedOn), x.AssetNumber, x.AssetName, x.AssetType, x.SiteName, resultLabel(x.Result), x.Technician, x.Notes}
}

var testHeader = []string{"Date", "Asset", "Name", "Type", "Site", "Result", "Technician", "Notes"}

// reportTable lays out lines under a header, the first cell a link.
func reportTable(caption string, header []string, lines [][]string, urls []string) web.Table {
	t := web.Table{Caption: caption}
	for _, h := range header {
		t.Columns = append(t.Columns, web.Column{Label: h})
	}
	for i, l := range lines {
		var row []web.Cell
		for k, s := range l {
			c := web.TextCell(s)
			if k == 0 && urls[i] != "" {
				c = web.LinkCell(s, urls[i])
			}
			row = append(row, c)
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// handleDefects lists the current defects.
func (p *Portal) handleDefects(w http.ResponseWriter, r *http.Request) {
	p.reportList(w, r, false)
}

// handleTests lists the test history.
func (p *Portal) handleTests(w http.ResponseWriter, r *http.Request) {
	p.reportList(w, r, true)
}

// reportList answers either list report's page.
func (p *Portal) reportList(w http.ResponseWriter, r *http.Request, tests bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleReports)
	if !ok {
		return
	}
	view := reportListView{Layout: p.layout(r, "Current defects"), Tabs: reportTabs("defects"), Action: "/reports/defects",
		Label: "Filter the defects", CSVWhat: "of the defects"}
	path := "/reports/defects"
	if tests {
		view.Layout, view.Tabs, view.Action = p.layout(r, "Test history"), reportTabs("tests"), "/reports/tests"
		view.Label, view.CSVWhat, path = "Filter the tests", "of the tests", "/reports/tests"
	}
	errs := web.FormErrors{}
	q, err := readReportList(r, tests)
	var lines [][]string
	var urls []string
	next := ""
	if err == nil {
		page := fieldportal.Page{After: q.After}
		if tests {
			var list []*fieldportal.AssetTest
			list, next, err = p.svc.Reports.FindTestHistory(r.Context(), v, q.testFilter(page))
			for _, x := range list {
				lines, urls = append(lines, testLine(x)), append(urls, assetURL(v, x.AssetID))
			}
		} else {
			var list []*fieldportal.AssetDefect
			list, next, err = p.svc.Reports.FindDefects(r.Context(), v, q.defectFilter(page))
			for _, x := range list {
				lines, urls = append(lines, defectLine(x)), append(urls, assetURL(v, x.Asset.ID))
			}
		}
	}
	if err != nil && !reportError(err, &view.Errors, errs) {
		p.kit.Error(w, r, err)
		return
	}
	if err := p.listFilters(r, v, &view, q, errs, tests); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	status := http.StatusOK
	if len(view.Errors) > 0 {
		view.Title, status = "Error: "+view.Title, http.StatusBadRequest
		p.pages.Render(w, r, status, "report_list", view)
		return
	}
	if tests {
		view.Table = reportTable("Tests, newest first", testHeader, lines, urls)
		view.Count = web.Count{Shown: len(lines), Total: -1, One: "test", Many: "tests"}
		view.Empty = web.EmptyState{Title: "No tests match", Text: "Try another site, type, result or a wider date range."}
	} else {
		view.Table = reportTable("Assets whose latest test failed and is not rectified, latest failure first", defectHeader, lines, urls)
		view.Count = web.Count{Shown: len(lines), Total: -1, One: "defect", Many: "defects"}
		view.Empty = web.EmptyState{Title: "No current defects", Text: "Every asset that failed its latest test has been put right."}
	}
	if next == "" && q.After == "" {
		view.Count.Total = len(lines)
	}
	view.CSVURL, view.PDFURL = withQuery(path+".csv", q.Values), withQuery(path+".pdf", q.Values)
	if next != "" {
		nq := url.Values{}
		for k, vs := range q.Values {
			nq[k] = vs
		}
		nq.Set("after", next)
		view.Pager.NextURL = withQuery(path, nq)
	}
	if q.After != "" {
		view.Pager.FirstURL = withQuery(path, q.Values)
	}
	p.pages.Render(w, r, status, "report_list", view)
}

// eachReportLine walks every page of a list report's query, up to max
// lines (0: all), calling fn with each line in words; more is true when
// there were more than max.
func (p *Portal) eachReportLine(r *http.Request, v fieldportal.Viewer, q reportListQuery, tests bool, max int, fn func([]string) error) (more bool, err error) {
	n, after := 0, ""
	for {
		page := fieldportal.Page{After: after, Limit: fieldportal.MaxLimit}
		var lines [][]string
		if tests {
			list, next, err := p.svc.Reports.FindTestHistory(r.Context(), v, q.testFilter(page))
			if err != nil {
				return false, err
			}
			for _, x := range list {
				lines = append(lines, testLine(x))
			}
			after = next
		} else {
			list, next, err := p.svc.Reports.FindDefects(r.Context(), v, q.defectFilter(page))
			if err != nil {
				return false, err
			}
			for _, x := range list {
				lines = append(lines, defectLine(x))
			}
			after = next
		}
		for _, l := range lines {
			if max > 0 && n == max {
				return true, nil
			}
			if err := fn(l); err != nil {
				return false, err
			}
			n++
		}
		if after == "" {
			return false, nil
		}
	}
}

// reportListFile reads a CSV or PDF request's query; a bad one is an
// error page naming the problem.
func (p *Portal) reportListFile(w http.ResponseWriter, r *http.Request, tests bool) (fieldportal.Viewer, reportListQuery, bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleReports)
	if !ok {
		return v, reportListQuery{}, false
	}
	q, err := readReportList(r, tests)
	if err != nil {
		p.kit.Error(w, r, err)
		return v, q, false
	}
	return v, q, true
}

func (p *Portal) reportCSV(w http.ResponseWriter, r *http.Request, tests bool) {
	v, q, ok := p.reportListFile(w, r, tests)
	if !ok {
		return
	}
	name, header := "defects.csv", defectHeader
	if tests {
		name, header = "tests.csv", testHeader
	}
	// A bad site is an error page, before the file starts.
	if _, _, err := p.firstReportPage(r, v, q, tests); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	out := p.kit.CSV(w, r, name, header...)
	_, err := p.eachReportLine(r, v, q, tests, 0, func(l []string) error { return out.Row(l...) })
	out.Finish(err)
}

// firstReportPage asks for one row of the query, so that an unknown site
// is answered before a file is started.
func (p *Portal) firstReportPage(r *http.Request, v fieldportal.Viewer, q reportListQuery, tests bool) (int, string, error) {
	one := fieldportal.Page{Limit: 1}
	if tests {
		l, next, err := p.svc.Reports.FindTestHistory(r.Context(), v, q.testFilter(one))
		return len(l), next, err
	}
	l, next, err := p.svc.Reports.FindDefects(r.Context(), v, q.defectFilter(one))
	return len(l), next, err
}

func (p *Portal) reportPDF(w http.ResponseWriter, r *http.Request, tests bool) {
	v, q, ok := p.reportListFile(w, r, tests)
	if !ok {
		return
	}
	doc := pdf.ReportDoc{Title: "Current defects", Columns: []pdf.ReportColumn{{Label: "Asset", N: 1}, {Label: "Name", N: 2},
		{Label: "Type", N: 2}, {Label: "Site", N: 2}, {Label: "Location", N: 1}, {Label: "Date checked", N: 2}, {Label: "Technician", N: 2}}}
	// pick is which of a line's cells the printout shows (the notes never:
	// they do not fit a row of the page's twelve columns).
	pick := []int{0, 1, 2, 3, 4, 5, 6}
	if tests {
		// The asset's name gives way to its site: a parent's tests come
		// from many sites, and the number and type name the asset.
		doc = pdf.ReportDoc{Title: "Test history", Columns: []pdf.ReportColumn{{Label: "Date", N: 2}, {Label: "Asset", N: 1},
			{Label: "Type", N: 2}, {Label: "Site", N: 3}, {Label: "Result", N: 2}, {Label: "Technician", N: 2}}}
		pick = []int{0, 1, 3, 4, 5, 6}
	}
	site := "All sites"
	if q.Site != "" {
		s, err := p.svc.Reports.FindReportSite(r.Context(), v, q.Site)
		if err != nil {
			p.kit.Error(w, r, reportSiteError(err))
			return
		}
		site = s.Name
	}
	typ := q.Type
	if typ == "" {
		typ = "All types"
	}
	doc.Fields = [][2]string{{"Site", site}, {"Asset type", typ}}
	if tests {
		doc.Fields = append(doc.Fields, [2]string{"From", reportDate(q.From)}, [2]string{"To", reportDate(q.To)},
			[2]string{"Result", resultLabel(q.Result)})
	}
	more, err := p.eachReportLine(r, v, q, tests, pdf.MaxReportRows, func(l []string) error {
		row := make([]string, len(pick))
		for i, k := range pick {
			row[i] = l[k]
		}
		doc.Rows = append(doc.Rows, row)
		return nil
	})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if more {
		doc.Note = "This printout shows the first " + itoa(pdf.MaxReportRows) + " rows. Narrow the filters, or download the CSV for every row."
	}
	data, err := pdf.Report(p.printoutOptions(r), doc)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	name := "defects"
	if tests {
		name = "tests"
	}
	p.writePDF(w, r, name, data)
}

// reportSiteError turns a site out of reach into the site filter's
// message.
func reportSiteError(err error) error {
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return fieldportal.FieldErrorf("site", "There is no such site among yours: choose one from the list.")
	}
	return err
}

func (p *Portal) handleDefectsCSV(w http.ResponseWriter, r *http.Request) { p.reportCSV(w, r, false) }
func (p *Portal) handleTestsCSV(w http.ResponseWriter, r *http.Request)   { p.reportCSV(w, r, true) }
func (p *Portal) handleDefectsPDF(w http.ResponseWriter, r *http.Request) { p.reportPDF(w, r, false) }
func (p *Portal) handleTestsPDF(w http.ResponseWriter, r *http.Request)   { p.reportPDF(w, r, true) }
