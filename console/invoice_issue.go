package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Raise an invoice from a job (the job's "Raise invoice"): its lines are
// the job's items, editable, and the store issues it with its number,
// the job's move to Invoiced, the customer's mail and the event.

// raiseBlankLines is how many empty lines the form offers below the job's.
const raiseBlankLines = 2

// defaultTaxPercent prefills each line's tax from the job's items.
const defaultTaxPercent = 20

// raiseView is the form.
type raiseView struct {
	web.Layout
	Job                *fieldportal.Job
	Action             string
	Errors             []fieldportal.FieldError
	Lines              []raiseLine
	IssueDate, DueDate web.FieldView
	Description        web.FieldView
}

// raiseLine is one line of the form.
type raiseLine struct {
	N                                 int
	Legend                            string
	Description, Quantity, Price, Tax web.FieldView
}

func (c *Console) handleRaiseForm(w http.ResponseWriter, r *http.Request) {
	c.renderRaise(w, r, http.StatusOK, nil, web.FormErrors{})
}

// renderRaise shows the form, prefilled from the job or with what was typed.
func (c *Console) renderRaise(w http.ResponseWriter, r *http.Request, status int, typed url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	j, err := c.svc.Work.FindJobByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "job"))
		return
	}
	today := orgToday(r)
	view := raiseView{Layout: c.layout(r, "Raise an invoice for "+j.Number), Job: j, Action: "/console/jobs/" + url.PathEscape(j.ID) + "/invoice"}
	get := func(k, def string) string {
		if typed != nil {
			return typed.Get(k)
		}
		return def
	}
	n := len(j.Items) + raiseBlankLines
	if typed != nil {
		n, _ = strconv.Atoi(typed.Get("lines"))
		n = min(max(n, 1), 200)
	}
	var order []string
	for i := range n {
		ln := i + 1
		var desc, qty, price, tax string
		if i < len(j.Items) {
			it := j.Items[i]
			desc = strings.TrimSpace(it.Code + " " + it.Description)
			qty, price = strconv.FormatInt(it.Quantity, 10), it.UnitPrice.Decimal()
			tax = taxOf(fieldportal.Money(it.Quantity)*it.UnitPrice, defaultTaxPercent).Decimal()
		}
		field := func(col, label, def string) web.FieldView {
			name := fieldportal.ItemField(ln, col)
			order = append(order, name)
			return web.FieldView{Name: name, Label: label, Type: "text", Value: get(name, def), Error: errs[name]}
		}
		l := raiseLine{N: ln, Legend: "Line " + strconv.Itoa(ln)}
		l.Description = field("description", "Description", desc)
		l.Quantity = field("quantity", "Quantity", qty)
		l.Quantity.Inputmode = "numeric"
		l.Price = field("unit_price", "Unit price", price)
		l.Price.Inputmode, l.Price.Hint = "decimal", "Excluding tax, such as 45.00"
		l.Tax = field("tax", "Tax", tax)
		l.Tax.Inputmode, l.Tax.Hint = "decimal", "The line's tax as an amount"
		view.Lines = append(view.Lines, l)
	}
	view.IssueDate = web.Field("issue_date", "Issue date", "date", get("issue_date", today.String()), "off", errs)
	view.DueDate = web.Field("due_date", "Due date", "date", get("due_date", today.AddDays(fieldportal.DefaultPaymentTerms).String()), "off", errs)
	view.DueDate.Hint = "Payment terms are " + strconv.Itoa(fieldportal.DefaultPaymentTerms) + " days unless agreed otherwise."
	view.Description = web.Field("description", "Description", "text", get("description", "Job "+j.Number), "off", errs).Optional()
	view.Errors = errs.List(append(append([]string{"lines"}, order...), "issue_date", "due_date", "description")...)
	c.pages.Render(w, r, status, "invoice_issue", view)
}

// taxOf is pct per cent of net, rounded half up to the minor unit.
func taxOf(net fieldportal.Money, pct int64) fieldportal.Money {
	return fieldportal.Money((int64(net)*pct + 50) / 100)
}

// handleRaise issues the invoice; a refusal shows the form again with
// every mistake and what was typed.
func (c *Console) handleRaise(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	inv, lines, verr := readRaiseForm(r.PostForm, web.RequestTime(r).In(web.OrgLocation(r)))
	inv.JobID = r.PathValue("id")
	var err error
	if verr != nil {
		err = mergeFieldErrors(verr, fieldportal.PriceIssuedLines(inv), lines)
	} else {
		err = mergeFieldErrors(c.svc.Money.IssueInvoice(r.Context(), v, inv), nil, lines)
	}
	if web.IsFormError(err) {
		c.renderRaise(w, r, web.StatusFor(fieldportal.ErrorCode(err)), r.PostForm, web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "job"))
		return
	}
	http.Redirect(w, r, "/console/invoices/"+url.PathEscape(inv.ID)+"?done=issued", http.StatusSeeOther)
}

// readRaiseForm reads the lines (a line left wholly empty is skipped;
// lines[i] is the form's number of inv.Lines[i]) and the dates; what is
// no number or date is refused naming its field, its example date now's
// (the request's time in the organisation's zone).
func readRaiseForm(form url.Values, now time.Time) (inv *fieldportal.Invoice, lines []int, err error) {
	var bad fieldportal.Validation
	inv = &fieldportal.Invoice{Description: strings.TrimSpace(form.Get("description"))}
	n, _ := strconv.Atoi(form.Get("lines"))
	n = min(max(n, 0), 200)
	for ln := 1; ln <= n; ln++ {
		get := func(col string) string { return strings.TrimSpace(form.Get(fieldportal.ItemField(ln, col))) }
		desc, qty, price, tax := get("description"), get("quantity"), get("unit_price"), get("tax")
		if desc == "" && qty == "" && price == "" && tax == "" {
			continue
		}
		l := fieldportal.InvoiceLine{Description: desc, Quantity: 1}
		if qty != "" {
			q, err := strconv.ParseInt(qty, 10, 64)
			if err != nil {
				bad.Add(fieldportal.ItemField(ln, "quantity"), "Line %d: quantity must be a whole number, such as 2.", ln)
			}
			l.Quantity = q
		}
		for _, m := range []struct {
			s, col, label string
			to            *fieldportal.Money
		}{{price, "unit_price", "unit price", &l.UnitPrice}, {tax, "tax", "tax", &l.Tax}} {
			if m.s == "" {
				continue
			}
			amount, err := fieldportal.ParseMoney(m.s)
			if err != nil {
				bad.Add(fieldportal.ItemField(ln, m.col), "Line %d: %s must be an amount such as 45.00.", ln, m.label)
			}
			*m.to = amount
		}
		if price == "" {
			bad.Add(fieldportal.ItemField(ln, "unit_price"), "Line %d: unit price is required.", ln)
		}
		inv.Lines = append(inv.Lines, l)
		lines = append(lines, ln)
	}
	if len(inv.Lines) == 0 {
		bad.Add("lines", "An invoice needs at least one line.")
	}
	for _, d := range []struct {
		field, label string
		to           *fieldportal.Date
	}{{"issue_date", "Issue date", &inv.IssueDate}, {"due_date", "Due date", &inv.DueDate}} {
		s := strings.TrimSpace(form.Get(d.field))
		if s == "" {
			bad.Add(d.field, "%s is required.", d.label)
			continue
		}
		day, err := fieldportal.ParseDate(s)
		if err != nil {
			bad.Add(d.field, "%s must be a date, such as %s.", d.label, now.Format(time.DateOnly))
			continue
		}
		*d.to = day
	}
	if !inv.IssueDate.IsZero() && !inv.DueDate.IsZero() && inv.DueDate.Before(inv.IssueDate) {
		bad.Add("due_date", "Due date cannot be before the issue date.")
	}
	return inv, lines, bad.Err()
}
