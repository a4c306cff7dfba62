package portal

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/web"
)

// The planned preventative maintenance report (/reports/ppm): a site's
// year, asset types down, weeks across. Each cell carries its number and
// a letter of the key beside its colour (and its meaning in words for
// screen readers), so the grid reads without colour. A cell is a link to
// the same page with week and type in the query string, which shows the
// cell's details (the week's dates, the counts, the job numbers) under
// the grid; ppm.js fetches that page and shows its details in place, so a
// click or Enter opens them without leaving the page.

// ppmQuery is the report's query string as read.
type ppmQuery struct {
	Year, Site, Contract, Find string
	Filter                     fieldportal.PPMFilter
	// Week and Type choose a cell for its details (Week 0: none).
	Week int
	Type string
}

// readPPMQuery reads the query string; the year defaults to the report
// year of today (the one with the current week). A year that is no number
// is an error on the year.
func readPPMQuery(r *http.Request) (ppmQuery, error) {
	q := r.URL.Query()
	pq := ppmQuery{Year: strings.TrimSpace(q.Get("year")), Site: strings.TrimSpace(q.Get("site")),
		Contract: strings.TrimSpace(q.Get("contract")), Find: strings.TrimSpace(q.Get("site_q")), Type: q.Get("type")}
	pq.Week, _ = strconv.Atoi(q.Get("week"))
	pq.Filter = fieldportal.PPMFilter{SiteID: pq.Site, Contract: pq.Contract, Year: fieldportal.WeekOf(reportToday(r)).Year}
	if pq.Year == "" {
		pq.Year = strconv.Itoa(pq.Filter.Year)
		return pq, nil
	}
	y, err := strconv.Atoi(pq.Year)
	switch {
	case err != nil:
		return pq, fieldportal.FieldErrorf("year", "Year must be a year such as %d.", pq.Filter.Year)
	case y < fieldportal.PPMYearMin || y > fieldportal.PPMYearMax:
		return pq, fieldportal.FieldErrorf("year", "Year must be between %d and %d.", fieldportal.PPMYearMin, fieldportal.PPMYearMax)
	}
	pq.Filter.Year = y
	return pq, nil
}

// values is the query string of the grid (without a cell).
func (pq ppmQuery) values() url.Values {
	v := url.Values{"year": {strconv.Itoa(pq.Filter.Year)}, "site": {pq.Site}}
	if pq.Contract != "" {
		v.Set("contract", pq.Contract)
	}
	return v
}

// ppmView is the report's page.
type ppmView struct {
	web.Layout
	Tabs     []web.NavLink
	Errors   []fieldportal.FieldError
	Year     web.FieldView
	Sites    reportSiteFilter
	Contract web.SelectView
	// Prompt asks for a site when none is chosen yet.
	Prompt         bool
	Grid           *ppmGridView
	Detail         *ppmDetailView
	CSVURL, PDFURL string
}

// ppmGridView is the grid as the table shows it.
type ppmGridView struct {
	Caption string
	Weeks   []ppmWeekHead
	Rows    []ppmRowView
	// Current says which week is the current one, in words, or "".
	Current string
}

// ppmWeekHead is a week's column header.
type ppmWeekHead struct {
	N          int
	Start, End string
	Current    bool
}

// ppmRowView is one asset type's row; CellsHTML is its cells written in
// Go (ppmCellsHTML).
type ppmRowView struct {
	Type      string
	Cells     []ppmCellView
	CellsHTML template.HTML
}

// ppmCellView is one cell: its colour class, its number and key letter,
// its meaning in words, the bubble of a red cell, and its details' link.
type ppmCellView struct {
	Class, Number, Key, Label string
	Bubble                    int
	URL                       string
	Current                   bool
}

// ppmDetailView is one cell's details.
type ppmDetailView struct {
	Heading  string
	Details  []web.Detail
	Jobs     []string
	More     bool
	CloseURL string
}

// ppmKeys are the letters beside each kind of cell, explained in the
// key above the grid.
var ppmKeys = map[fieldportal.PPMCellKind]string{
	fieldportal.PPMPassed: "P", fieldportal.PPMUntest: "N", fieldportal.PPMFailed: "F", fieldportal.PPMDue: "D",
}

// ppmStatus is a cell's kind in words, for the CSV and the PDF.
var ppmStatus = map[fieldportal.PPMCellKind]string{
	fieldportal.PPMPassed: "Passed", fieldportal.PPMUntest: "Not tested", fieldportal.PPMFailed: "Failed",
	fieldportal.PPMDue: "Due", fieldportal.PPMEmpty: "",
}

// shortDate is a week's start or end in a column header: "5 Jan".
func shortDate(d fieldportal.Date) string { return d.Format("2 Jan") }

// newPPMGridView lays out the grid.
func newPPMGridView(g *fieldportal.PPMGrid, pq ppmQuery, siteName string) *ppmGridView {
	out := &ppmGridView{Caption: fmt.Sprintf("Planned maintenance at %s in %d, by asset type and week", siteName, g.Year)}
	for _, w := range g.Weeks {
		out.Weeks = append(out.Weeks, ppmWeekHead{N: w.N, Start: shortDate(w.Start), End: shortDate(w.End), Current: w.N == g.Current})
		if w.N == g.Current {
			out.Current = fmt.Sprintf("This week is week %d (%s to %s), marked by a red line.", w.N, reportDate(w.Start), reportDate(w.End))
		}
	}
	for _, r := range g.Rows {
		row := ppmRowView{Type: r.AssetType}
		for _, c := range r.Cells {
			cv := ppmCellView{Class: "ppm-" + string(c.Kind), Current: c.Week.N == g.Current, Label: c.Label()}
			if c.Kind != fieldportal.PPMEmpty {
				cv.Number, cv.Key = strconv.Itoa(c.Number()), ppmKeys[c.Kind]
				q := pq.values()
				q.Set("week", strconv.Itoa(c.Week.N))
				q.Set("type", r.AssetType)
				cv.URL = withQuery("/reports/ppm", q) + "#ppm-detail"
			}
			if c.Kind == fieldportal.PPMFailed {
				cv.Bubble = c.Untested
			}
			if c.Kind == fieldportal.PPMDue {
				cv.Class += fmt.Sprintf(" ppm-shade-%d", c.Shade)
			}
			row.Cells = append(row.Cells, cv)
		}
		row.CellsHTML = ppmCellsHTML(row.Cells)
		out.Rows = append(out.Rows, row)
	}
	return out
}

// ppmCellsHTML writes a row's cells. A year of them is 53 cells a row
// with a handful of values each, which html/template evaluates by
// reflection (some 15 ms for a site of ten types); written here, with
// every value escaped, it is a fraction of a millisecond. The classes,
// numbers and key letters are this file's; the label and the address
// (built by url.Values) are escaped.
func ppmCellsHTML(cells []ppmCellView) template.HTML {
	var b strings.Builder
	b.Grow(len(cells) * 160)
	for _, c := range cells {
		b.WriteString(`<td class="` + c.Class)
		if c.Current {
			b.WriteString(" ppm-now")
		}
		b.WriteString(`">`)
		if c.URL != "" {
			b.WriteString(`<a class="ppm-cell" href="` + html.EscapeString(c.URL) + `"><span aria-hidden="true">` + c.Number + "&nbsp;" + c.Key +
				`</span><span class="visually-hidden">` + html.EscapeString(c.Label) + `</span>`)
			if c.Bubble > 0 {
				b.WriteString(`<span class="ppm-bubble" aria-hidden="true">` + strconv.Itoa(c.Bubble) + "&nbsp;N</span>")
			}
			b.WriteString("</a>")
		}
		b.WriteString("</td>")
	}
	return template.HTML(b.String()) // #nosec G203 -- every value above is escaped or this file's own
}

// handlePPM shows the report, and a cell's details when one is chosen.
func (p *Portal) handlePPM(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleReports)
	if !ok {
		return
	}
	ctx := r.Context()
	view := ppmView{Layout: p.layout(r, "Planned preventative maintenance"), Tabs: reportTabs("ppm")}
	errs := web.FormErrors{}
	pq, err := readPPMQuery(r)
	if err == nil && pq.Site == "" && pq.Find == "" {
		// A contact of one site has nothing to choose.
		sites, next, ferr := p.svc.Reports.FindReportSites(ctx, v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: 1}})
		if ferr != nil {
			p.kit.Error(w, r, ferr)
			return
		}
		if len(sites) == 1 && next == "" {
			pq.Site, pq.Filter.SiteID = sites[0].ID, sites[0].ID
		}
	}
	var grid *fieldportal.PPMGrid
	if err == nil && pq.Site != "" {
		grid, err = p.svc.Reports.FindPPM(ctx, v, pq.Filter, reportToday(r))
	}
	if err != nil && !reportError(err, &view.Errors, errs) {
		p.kit.Error(w, r, err)
		return
	}
	view.Year = web.Field("year", "Year", "text", pq.Year, "off", errs)
	view.Year.Inputmode = "numeric"
	if view.Sites, err = p.reportSites(r, v, pq.Site, pq.Find, "Choose a site", errs); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	var contracts []string
	if grid != nil {
		if _, contracts, err = p.svc.Reports.FindReportChoices(ctx, v, pq.Site); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	view.Contract = web.SelectView{FieldView: web.Field("contract", "Contract", "select", pq.Contract, "", errs).Optional(),
		Options: optionsOf(contracts, pq.Contract, "All assets")}
	view.Contract.Hint = "The service level the assets are kept under."
	status := http.StatusOK
	if len(view.Errors) > 0 {
		view.Title, status = "Error: "+view.Title, http.StatusBadRequest
	}
	if grid == nil {
		view.Prompt = len(view.Errors) == 0
		p.pages.Render(w, r, status, "report_ppm", view)
		return
	}
	view.Title = "Planned preventative maintenance at " + view.Sites.Name + ", " + strconv.Itoa(grid.Year)
	view.Grid = newPPMGridView(grid, pq, view.Sites.Name)
	view.CSVURL, view.PDFURL = withQuery("/reports/ppm.csv", pq.values()), withQuery("/reports/ppm.pdf", pq.values())
	if pq.Week >= 1 && pq.Week <= len(grid.Weeks) && grid.Row(pq.Type) != nil {
		if view.Detail, err = p.ppmDetail(r, v, grid, pq); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	p.pages.Render(w, r, status, "report_ppm", view)
}

// ppmDetail is the details of the chosen cell.
func (p *Portal) ppmDetail(r *http.Request, v fieldportal.Viewer, g *fieldportal.PPMGrid, pq ppmQuery) (*ppmDetailView, error) {
	c := g.Row(pq.Type).Cells[pq.Week-1]
	jobs, err := p.svc.Reports.FindPPMJobs(r.Context(), v, pq.Filter, pq.Type, c.Week, c.Future)
	if err != nil {
		return nil, err
	}
	d := &ppmDetailView{Heading: fmt.Sprintf("Week %d: %s", c.Week.N, pq.Type), Jobs: jobs.Numbers, More: jobs.More,
		CloseURL: withQuery("/reports/ppm", pq.values())}
	d.Details = []web.Detail{{Label: "Week starts", Value: reportDate(c.Week.Start)}, {Label: "Week ends", Value: reportDate(c.Week.End)},
		{Label: "Asset type", Value: pq.Type}}
	if c.Future {
		d.Details = append(d.Details, web.Detail{Label: "Assets due", Value: strconv.Itoa(c.Due)})
	} else {
		d.Details = append(d.Details, web.Detail{Label: "Passed", Value: strconv.Itoa(c.Pass)},
			web.Detail{Label: "Failed", Value: strconv.Itoa(c.Fail)}, web.Detail{Label: "Not tested", Value: strconv.Itoa(c.Untested)})
	}
	return d, nil
}

// ppmLines are the grid's cells that hold something, one a line, for the
// CSV and the PDF: asset type, week, its dates, the status in words and
// the counts.
func ppmLines(g *fieldportal.PPMGrid) [][]string {
	var out [][]string
	for _, r := range g.Rows {
		for _, c := range r.Cells {
			if c.Kind == fieldportal.PPMEmpty {
				continue
			}
			when := "Past"
			if c.Future {
				when = "Future"
			}
			if c.Week.N == g.Current {
				when = "This week"
			}
			out = append(out, []string{r.AssetType, strconv.Itoa(c.Week.N), c.Week.Start.String(), c.Week.End.String(), when,
				ppmStatus[c.Kind], strconv.Itoa(c.Pass), strconv.Itoa(c.Fail), strconv.Itoa(c.Untested), strconv.Itoa(c.Due)})
		}
	}
	return out
}

// ppmFor reads the grid of a CSV or PDF request; an invalid query or a
// missing site is an error page naming the problem.
func (p *Portal) ppmFor(w http.ResponseWriter, r *http.Request) (*fieldportal.PPMGrid, ppmQuery, bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleReports)
	if !ok {
		return nil, ppmQuery{}, false
	}
	pq, err := readPPMQuery(r)
	if err == nil && pq.Site == "" {
		err = fieldportal.FieldErrorf("site", "Choose a site.")
	}
	var g *fieldportal.PPMGrid
	if err == nil {
		g, err = p.svc.Reports.FindPPM(r.Context(), v, pq.Filter, reportToday(r))
	}
	if err != nil {
		p.kit.Error(w, r, err)
		return nil, pq, false
	}
	return g, pq, true
}

// ppmHeader is the CSV's header row.
var ppmHeader = []string{"Asset type", "Week", "Week start", "Week end", "When", "Status", "Passed", "Failed", "Not tested", "Due"}

// handlePPMCSV downloads the grid's cells that hold something.
func (p *Portal) handlePPMCSV(w http.ResponseWriter, r *http.Request) {
	g, pq, ok := p.ppmFor(w, r)
	if !ok {
		return
	}
	out := p.kit.CSV(w, r, fmt.Sprintf("ppm-%d.csv", pq.Filter.Year), ppmHeader...)
	var err error
	for _, l := range ppmLines(g) {
		if err = out.Row(l...); err != nil {
			break
		}
	}
	out.Finish(err)
}

// handlePPMPDF prints the grid as a list of its cells, in words.
func (p *Portal) handlePPMPDF(w http.ResponseWriter, r *http.Request) {
	g, pq, ok := p.ppmFor(w, r)
	if !ok {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	site, err := p.svc.Reports.FindReportSite(r.Context(), v, pq.Site)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	doc := pdf.ReportDoc{Title: "Planned preventative maintenance", Fields: [][2]string{{"Site", site.Name},
		{"Year", strconv.Itoa(g.Year)}, {"Contract", pq.Contract}},
		Columns: []pdf.ReportColumn{{Label: "Asset type", N: 3}, {Label: "Week", N: 1, Numeric: true}, {Label: "Dates", N: 3},
			{Label: "Status", N: 2}, {Label: "Count", N: 1, Numeric: true}, {Label: "Not tested", N: 2, Numeric: true}},
		Note: "Past weeks count the tests dated that week: Passed when every test passed, Not tested when some were not " +
			"tested and none failed, Failed when at least one failed. From the current week on, Due counts the assets due."}
	if g.Current > 0 {
		w := g.Weeks[g.Current-1]
		doc.Fields = append(doc.Fields, [2]string{"Current week", fmt.Sprintf("Week %d, %s to %s", w.N, reportDate(w.Start), reportDate(w.End))})
	}
	for _, r := range g.Rows {
		for _, c := range r.Cells {
			if c.Kind == fieldportal.PPMEmpty {
				continue
			}
			untested := ""
			if c.Kind == fieldportal.PPMFailed && c.Untested > 0 {
				untested = strconv.Itoa(c.Untested)
			}
			doc.Rows = append(doc.Rows, []string{r.AssetType, strconv.Itoa(c.Week.N),
				reportDate(c.Week.Start) + " to " + reportDate(c.Week.End), ppmStatus[c.Kind], strconv.Itoa(c.Number()), untested})
		}
	}
	data, err := pdf.Report(p.printoutOptions(r), doc)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, fmt.Sprintf("ppm-%d", g.Year), data)
}
