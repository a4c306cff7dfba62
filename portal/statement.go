package portal

import (
	"bufio"
	"context"
	"encoding/gob"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/web"
)

// The statement (seed 003): the customer's account over a date range,
// with its CSV and its printout. All three read the same statement from
// the store for the same range; the page shows it a page of entries at a
// time, each page opening with the balance brought forward to it, so a
// year of a big customer's entries never makes one huge page.

// statementRoutes registers the routes of this file.
func (p *Portal) statementRoutes() {
	k := p.kit
	k.Handle("GET /statement", p.signedIn(p.handleStatement))
	k.Handle("GET /statement.csv", p.signedIn(p.handleStatementCSV))
	k.Handle("GET /statement.pdf", p.signedIn(p.handleStatementPDF))
}

// statementPageSize is how many entries a page of the statement shows.
const statementPageSize = 50

// statementDefaultMonths is the range shown when none is asked for: the
// last three months up to today.
const statementDefaultMonths = 3

// statementQuery is the statement's query string as typed.
type statementQuery struct {
	From, To string
	// After is the store's cursor of the page (Statement.Next); "" for
	// the first page.
	After string
}

// readStatementQuery reads the range, filling an absent one with the
// default: three months up to today in the organisation's zone.
func readStatementQuery(r *http.Request) statementQuery {
	q := r.URL.Query()
	sq := statementQuery{From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), After: q.Get("after")}
	if !q.Has("from") && !q.Has("to") {
		today := quoteToday(r)
		sq.To = today.String()
		sq.From = fieldportal.DateOf(today.Time().AddDate(0, -statementDefaultMonths, 1)).String()
	}
	return sq
}

// request checks the typed range: each date is a date, and the range is
// one the store accepts. The errors name the field.
func (sq statementQuery) request(r *http.Request) (fieldportal.StatementRequest, error) {
	req := fieldportal.StatementRequest{Zone: web.OrgLocation(r)}
	var v fieldportal.Validation
	var badFrom, badTo bool
	if sq.From != "" {
		d, err := fieldportal.ParseDate(sq.From)
		req.From, badFrom = d, err != nil
		if badFrom {
			v.Add("from", "From date must be a date, such as 2026-01-31.")
		}
	}
	if sq.To != "" {
		d, err := fieldportal.ParseDate(sq.To)
		req.To, badTo = d, err != nil
		if badTo {
			v.Add("to", "To date must be a date, such as 2026-03-31.")
		}
	}
	if badFrom || badTo {
		// The other field's own failure is reported with it.
		if sq.From == "" {
			v.Add("from", "From date is required.")
		}
		if sq.To == "" {
			v.Add("to", "To date is required.")
		}
		return req, v.Err()
	}
	return req, fieldportal.ValidateStatementRange(req.From, req.To, fieldportal.MaxStatementDays)
}

// values is the range as a query string.
func (sq statementQuery) values() url.Values {
	return url.Values{"from": {sq.From}, "to": {sq.To}}
}

// statementView is the statement page.
type statementView struct {
	web.Layout
	Errors   []fieldportal.FieldError
	From, To web.FieldView
	// Shown is false when the range failed: only the form is shown.
	Shown    bool
	Customer string
	Period   string
	Opening  string
	Closing  string
	// Brought is the balance at the start of this page, on a later page.
	Brought  string
	Ageing   web.Table
	Entries  []statementRow
	Pager    web.Pager
	CSVURL   string
	PrintURL string
	// Pay offers the invoices' checkboxes and the Pay selected form.
	Pay bool
}

// statementRow is one entry as the page shows it.
type statementRow struct {
	Date, Type, Number, URL, Site, Description, Due string
	Debit, Credit, Balance                          string
	// InvoiceID is set on an invoice still owed, which can be paid.
	InvoiceID string
}

// handleStatement shows the statement for the range asked for.
func (p *Portal) handleStatement(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleStatement)
	if !ok {
		return
	}
	sq := readStatementQuery(r)
	view := statementView{Layout: p.layout(r, "Statement")}
	req, err := sq.request(r)
	var st *fieldportal.Statement
	if err == nil {
		// One page of entries: the store reads no more of the range.
		req.Limit, req.After = statementPageSize, sq.After
		st, err = p.svc.Money.Statement(r.Context(), v, req)
	}
	errs := web.FormErrors{}
	switch {
	case err == nil:
	case fieldportal.ErrorCode(err) == fieldportal.EINVALID:
		errs = web.ErrorsOf(err)
		view.Errors = fieldErrorsOf(err)
	default:
		p.kit.Error(w, r, err)
		return
	}
	view.From = web.Field("from", "From", "date", sq.From, "", errs)
	view.To = web.Field("to", "To", "date", sq.To, "", errs)
	status := http.StatusOK
	if st == nil {
		view.Title = "Error: Statement"
		p.pages.Render(w, r, status, "statement", view)
		return
	}
	currency := quoteCurrency(r)
	m := func(x fieldportal.Money) string { return web.MoneyText(currency, x) }
	view.Shown = true
	view.Customer = p.statementCustomer(r.Context(), v)
	view.Period = quoteDateText(st.From) + " to " + quoteDateText(st.To)
	view.Opening, view.Closing = m(st.Opening), m(st.Closing)
	view.Ageing = statementAgeing(st.Ageing, m)
	view.Pay = p.payOnline(r, v)
	base := sq.values()
	view.CSVURL = withQuery("/statement.csv", base)
	view.PrintURL = withQuery("/statement.pdf", base)

	if sq.After != "" {
		view.Pager.FirstURL = withQuery("/statement", base)
		view.Brought = m(st.Brought)
	}
	for _, e := range st.Entries {
		row := statementRow{Date: quoteDateText(e.Date), Number: e.Number, Site: e.SiteName, Description: e.Description,
			Balance: m(e.Balance)}
		if e.Kind == fieldportal.StatementInvoice {
			row.Type, row.Debit, row.Due = "Invoice", m(e.Amount), quoteDateText(e.DueDate)
			row.URL = "/invoices/" + url.PathEscape(e.ID)
			if e.Unpaid > 0 {
				row.InvoiceID = e.ID
			}
		} else {
			row.Type, row.Credit = "Payment", m(e.Amount)
		}
		view.Entries = append(view.Entries, row)
	}
	if st.Next != "" {
		nq := sq.values()
		nq.Set("after", st.Next)
		view.Pager.NextURL = withQuery("/statement", nq)
	}
	p.pages.Render(w, r, status, "statement", view)
}

// fieldErrorsOf is the list of a validation error's fields, in form order.
func fieldErrorsOf(err error) []fieldportal.FieldError {
	if e, ok := err.(*fieldportal.Error); ok {
		return e.Fields
	}
	return nil
}

// statementAgeing is the ageing as a table of one row.
func statementAgeing(a fieldportal.Ageing, m func(fieldportal.Money) string) web.Table {
	return web.Table{Caption: "What is owed by how overdue it is",
		Columns: []web.Column{{Label: "Current", Numeric: true}, {Label: "1 to 30 days", Numeric: true},
			{Label: "31 to 60 days", Numeric: true}, {Label: "61 to 90 days", Numeric: true},
			{Label: "Over 90 days", Numeric: true}, {Label: "Total owed", Numeric: true}},
		Rows: [][]web.Cell{{web.TextCell(m(a.Current)), web.TextCell(m(a.Days1To30)), web.TextCell(m(a.Days31To60)),
			web.TextCell(m(a.Days61To90)), web.TextCell(m(a.Over90)), web.TextCell(m(a.Total()))}}}
}

// statementCustomer is the name of the viewer's customer, or "" when the
// viewer may not read it (a contact of assigned sites).
func (p *Portal) statementCustomer(ctx context.Context, v fieldportal.Viewer) string {
	if v.CustomerID == "" {
		return ""
	}
	c, err := p.svc.Sites.FindCustomerByID(ctx, v, v.CustomerID)
	if err != nil {
		return ""
	}
	return c.Name
}

// statementFor reads the whole statement for the query of the printout;
// a range that fails is answered as a bad request naming the field.
//
// The walk stops at the first entry past what a printout holds
// (pdf.MaxStatementEntries): three years of a big customer's entries
// (over half a million, a hundred MB or more) were read whole into
// memory before the printout refused them (found by review).
func (p *Portal) statementFor(w http.ResponseWriter, r *http.Request) (*fieldportal.Statement, bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleStatement)
	if !ok {
		return nil, false
	}
	req, err := readStatementQuery(r).request(r)
	var st *fieldportal.Statement
	if err == nil {
		most := pdf.MaxStatementEntries
		err = p.svc.Money.EachStatementEntry(r.Context(), v, req, func(s *fieldportal.Statement) error {
			st = s
			st.Brought = 0
			return nil
		}, func(e fieldportal.StatementEntry) error {
			if len(st.Entries) == most {
				return fieldportal.FieldErrorf("from", "This statement has more invoices and payments than a printout holds (%d). Choose a later from date, or download the CSV.", most)
			}
			st.Entries = append(st.Entries, e)
			return nil
		})
	}
	if err != nil {
		p.kit.Error(w, r, err)
		return nil, false
	}
	return st, true
}

// handleStatementCSV downloads the statement's entries, between a row of
// the opening balance and one of the closing balance, read by one walk of
// the store (EachStatementEntry): a year of a big customer's entries is
// never held in memory.
//
// The walk reads one snapshot in one read transaction, so its rows are
// spooled to a temporary file and sent only once it has ended: a client
// that reads slowly or not at all must hold no database connection nor
// snapshot (found by review: eight stalled downloads took SQLite's whole
// read pool, and each kept a snapshot, as streamChunks explains).
func (p *Portal) handleStatementCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleStatement)
	if !ok {
		return
	}
	req, err := readStatementQuery(r).request(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	spool, err := os.CreateTemp("", "fieldportal-statement-*.spool")
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	defer func() {
		spool.Close()
		os.Remove(spool.Name())
	}()
	// gob, not CSV, as the spool's format: it reads back every string
	// exactly (a CSV reader turns a cell's CRLF into LF).
	buf := bufio.NewWriter(spool)
	sw := gob.NewEncoder(buf)
	var closing fieldportal.Money
	err = p.svc.Money.EachStatementEntry(r.Context(), v, req, func(st *fieldportal.Statement) error {
		closing = st.Closing
		return sw.Encode([]string{st.From.String(), "Opening balance", "", "", "", "", "", "", st.Opening.Decimal()})
	}, func(e fieldportal.StatementEntry) error {
		typ, debit, credit := "Payment", "", e.Amount.Decimal()
		if e.Kind == fieldportal.StatementInvoice {
			typ, debit, credit = "Invoice", e.Amount.Decimal(), ""
		}
		return sw.Encode([]string{e.Date.String(), typ, e.Number, e.SiteName, e.Description, e.DueDate.String(), debit, credit, e.Balance.Decimal()})
	})
	if err == nil {
		err = sw.Encode([]string{req.To.String(), "Closing balance", "", "", "", "", "", "", closing.Decimal()})
	}
	if err == nil {
		err = buf.Flush()
	}
	if err == nil {
		_, err = spool.Seek(0, io.SeekStart)
	}
	if err != nil {
		// Nothing is sent yet: any error is answered as an error page.
		p.kit.Error(w, r, err)
		return
	}
	out := p.kit.CSV(w, r, "statement-"+req.From.String()+"-to-"+req.To.String()+".csv",
		"Date", "Type", "Number", "Site", "Description", "Due date", "Debit", "Credit", "Balance")
	rows := gob.NewDecoder(bufio.NewReader(spool))
	for {
		var cells []string
		if err = rows.Decode(&cells); err != nil {
			break
		}
		if err = out.Row(cells...); err != nil {
			break
		}
	}
	if errors.Is(err, io.EOF) {
		err = nil
	}
	out.Finish(err)
}

// handleStatementPDF answers the statement's printout.
func (p *Portal) handleStatementPDF(w http.ResponseWriter, r *http.Request) {
	st, ok := p.statementFor(w, r)
	if !ok {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	customer := pdf.Party{Label: "Customer", Name: p.statementCustomer(r.Context(), v)}
	if customer.Name == "" {
		customer.Name = v.Name
	}
	data, err := pdf.Statement(p.printoutOptions(r), st, customer)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, "statement-"+st.From.String()+"-to-"+st.To.String(), data)
}
