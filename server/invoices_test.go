package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/payment"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// invoiceDay is a date of the fixture's invoices: long past, so that an
// unpaid one due then is overdue whatever day the test runs, and far
// ahead (2099) for one that is never overdue.
func invoiceDay(y int, m time.Month, d int) fieldportal.Date {
	return fieldportal.Date{Year: y, Month: m, Day: d}
}

// addInvoices adds invoices to the fixture, by name:
//
//	hqOverdue  INV-2001 Harbour HQ, from a job, contractor North, unpaid, overdue
//	hqPart     INV-2002 Harbour HQ, contractor South, part paid (R-1001)
//	hqPaid     INV-2003 Harbour HQ, contractor North, paid
//	dock       INV-2004 Dock Warehouse (the child's), unpaid
//	customer   INV-2005 the parent customer, no site, unpaid
//	solo       INV-2006 Solo Office (another customer), unpaid
func (f *fixture) addInvoices() map[string]*fieldportal.Invoice {
	f.t.Helper()
	ctx := context.Background()
	contractors := map[string]string{}
	for _, name := range []string{"North", "South"} {
		c := &fieldportal.Contractor{Name: name}
		if err := f.db.CreateContractor(ctx, f.sys, c); err != nil {
			f.t.Fatalf("contractor: %v", err)
		}
		contractors[name] = c.ID
	}
	job := &fieldportal.Job{SiteID: f.site["hq"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StageInvoiced,
		Description: "Annual service"}
	if err := f.db.CreateJob(ctx, f.sys, job); err != nil {
		f.t.Fatalf("job: %v", err)
	}
	line := func(desc string, qty int64, unit, tax fieldportal.Money) fieldportal.InvoiceLine {
		return fieldportal.InvoiceLine{Description: desc, Quantity: qty, UnitPrice: unit, Tax: tax, Total: unit * fieldportal.Money(qty)}
	}
	specs := []struct {
		name, number, site, customer, contractor, job string
		issued, due                                   fieldportal.Date
		lines                                         []fieldportal.InvoiceLine
		paid                                          fieldportal.Money
	}{
		{"hqOverdue", "INV-2001", "hq", "", "North", job.ID, invoiceDay(2025, 1, 10), invoiceDay(2025, 2, 9),
			[]fieldportal.InvoiceLine{line("Service visit", 2, 4500, 1800), line("Filters, pack of 4", 1, 1000, 200)}, 0},
		{"hqPart", "INV-2002", "hq", "", "South", "", invoiceDay(2025, 2, 10), invoiceDay(2099, 3, 12),
			[]fieldportal.InvoiceLine{line("Sprinkler test", 1, 20000, 4000)}, 4000},
		{"hqPaid", "INV-2003", "hq", "", "North", "", invoiceDay(2025, 3, 10), invoiceDay(2025, 4, 9),
			[]fieldportal.InvoiceLine{line("Call-out", 1, 5000, 1000)}, 6000},
		{"dock", "INV-2004", "dock", "", "", "", invoiceDay(2025, 4, 10), invoiceDay(2099, 5, 10),
			[]fieldportal.InvoiceLine{line("Alarm check", 3, 1000, 600)}, 0},
		{"customer", "INV-2005", "", "parent", "", "", invoiceDay(2025, 5, 10), invoiceDay(2099, 6, 9),
			[]fieldportal.InvoiceLine{line("Account fee", 1, 1000, 200)}, 0},
		{"solo", "INV-2006", "solo", "", "", "", invoiceDay(2025, 6, 10), invoiceDay(2099, 7, 10),
			[]fieldportal.InvoiceLine{line("Solo visit", 1, 7000, 1400)}, 0},
	}
	hq := f.site["hq"]
	hq.UPRN = "100012345678"
	if err := f.db.UpdateSite(ctx, f.sys, hq); err != nil {
		f.t.Fatalf("site: %v", err)
	}
	out := map[string]*fieldportal.Invoice{}
	for _, s := range specs {
		inv := &fieldportal.Invoice{Number: s.number, IssueDate: s.issued, DueDate: s.due, JobID: s.job,
			ContractorID: contractors[s.contractor], Description: "Invoice for " + s.name, Lines: s.lines}
		if s.site != "" {
			inv.SiteID = f.site[s.site].ID
		} else {
			inv.CustomerID = f.cust[s.customer].ID
		}
		for _, l := range s.lines {
			inv.Subtotal += l.Total
			inv.Tax += l.Tax
		}
		inv.Total = inv.Subtotal + inv.Tax
		inv.Status = fieldportal.InvoiceUnpaid
		if err := f.db.CreateInvoice(ctx, f.sys, inv); err != nil {
			f.t.Fatalf("invoice %s: %v", s.name, err)
		}
		if s.paid > 0 {
			p := &fieldportal.Payment{CustomerID: inv.CustomerID, Amount: s.paid, Method: "bank_transfer", Provider: "manual",
				Status: fieldportal.PaymentSucceeded, PaidAt: time.Date(2025, 3, 20, 12, 0, 0, 0, time.UTC),
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: inv.ID, Amount: s.paid}}}
			if _, err := f.db.RecordPayment(ctx, f.sys, p); err != nil {
				f.t.Fatalf("payment %s: %v", s.name, err)
			}
			inv.AmountPaid = s.paid
		}
		out[s.name] = inv
	}
	return out
}

// invoiceNumbers lists the invoice numbers a portal page links to, in order.
func invoiceNumbers(body string) []string { return linkedInvoiceNumbers(body, "/invoices/") }

// linkedInvoiceNumbers lists the invoice numbers of the links under path
// in a page, in order.
func linkedInvoiceNumbers(body, path string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a href="`+regexp.QuoteMeta(path)+`[^"]+">(INV-\d+)</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestInvoicesPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		invs := f.addInvoices()
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)

		t.Run("tabs, search and filters", func(t *testing.T) {
			for _, c := range []struct {
				query string
				want  []string
			}{
				{"", []string{"INV-2005", "INV-2004", "INV-2003", "INV-2002", "INV-2001"}},
				{"tab=unpaid", []string{"INV-2005", "INV-2004", "INV-2002", "INV-2001"}},
				{"tab=paid", []string{"INV-2003"}},
				{"q=inv-2002", []string{"INV-2002"}},
				{"q=" + url.QueryEscape(strings.ToLower(invoiceJobNumber(t, db, f, invs["hqOverdue"]))), []string{"INV-2001"}},
				{"contractor=" + invs["hqOverdue"].ContractorID, []string{"INV-2003", "INV-2001"}},
				{"from=2025-02-10&to=2025-04-10", []string{"INV-2004", "INV-2003", "INV-2002"}},
				{"site=" + f.site["hq"].ID, []string{"INV-2003", "INV-2002", "INV-2001"}},
				{"sort=due", []string{"INV-2001", "INV-2003", "INV-2002", "INV-2004", "INV-2005"}},
				{"tab=unpaid&sort=due&site=" + f.site["hq"].ID, []string{"INV-2001", "INV-2002"}},
			} {
				t.Run(c.query, func(t *testing.T) {
					res, body := parent.get("/invoices?" + c.query)
					wantStatus(t, "list", res, body, http.StatusOK)
					if diff := cmp.Diff(c.want, invoiceNumbers(body)); diff != "" {
						t.Errorf("invoices (-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("the summary and the overdue status", func(t *testing.T) {
			_, body := parent.get("/invoices")
			// Unpaid: 120.00 + 200.00 + 36.00 + 12.00 = £368.00; overdue: INV-2001's £120.00.
			for _, want := range []string{"£368.00", "Balance outstanding on 4 invoices", "£120.00", "Overdue on 1 invoice",
				`<span class="badge badge-danger">Overdue</span>`, `<span class="badge badge-warning">Part paid</span>`} {
				if !strings.Contains(body, want) {
					t.Errorf("the list lacks %q", want)
				}
			}
			_, body = child.get("/invoices")
			if !strings.Contains(body, "£36.00") || strings.Contains(body, "£368.00") {
				t.Errorf("the child's summary is not its own site's balance")
			}
		})
		t.Run("the tabs keep the filters", func(t *testing.T) {
			_, body := parent.get("/invoices?q=inv&sort=due")
			for _, tab := range []string{"unpaid", "paid"} {
				if !strings.Contains(body, `href="/invoices?q=inv&amp;sort=due&amp;tab=`+tab+`"`) {
					t.Errorf("no %s tab keeping the search and order", tab)
				}
			}
		})
		t.Run("bad filters answer a message", func(t *testing.T) {
			for _, c := range []struct{ query, message string }{
				{"tab=lost", "There is no “lost” tab of invoices"},
				{"from=31/12/2025", "Issued from must be a date such as 2026-03-31."},
				{"to=yesterday", "Issued to must be a date such as 2026-03-31."},
				{"from=2025-05-01&to=2025-01-01", "Issued to cannot be before issued from."},
				{"sort=amount", "Invoices cannot be sorted by “amount”."},
			} {
				for _, path := range []string{"/invoices?", "/invoices.csv?"} {
					res, body := parent.get(path + c.query)
					wantStatus(t, path+c.query, res, body, http.StatusBadRequest)
					if !strings.Contains(body, c.message) {
						t.Errorf("%s%s does not say %q", path, c.query, c.message)
					}
				}
			}
		})
		t.Run("a cursor that is not one answers a message", func(t *testing.T) {
			// The CSV ignores the cursor: it is every page.
			res, body := parent.get("/invoices?after=not-a-cursor")
			wantStatus(t, "bad cursor", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "The page cursor is not valid") {
				t.Errorf("the page does not say what is wrong")
			}
		})
		t.Run("a site contact sees its own site's invoices only", func(t *testing.T) {
			_, body := child.get("/invoices")
			if diff := cmp.Diff([]string{"INV-2004"}, invoiceNumbers(body)); diff != "" {
				t.Errorf("invoices (-want +got):\n%s", diff)
			}
			for _, n := range []string{"hqOverdue", "customer", "solo"} {
				for _, suffix := range []string{"", ".pdf"} {
					res, body := child.get("/invoices/" + invs[n].ID + suffix)
					wantStatus(t, n+suffix, res, body, http.StatusNotFound)
				}
			}
		})
		t.Run("the site's Invoices tab", func(t *testing.T) {
			_, body := parent.get("/sites/" + f.site["dock"].ID)
			if !strings.Contains(body, `href="/invoices?site=`+f.site["dock"].ID+`"`) {
				t.Errorf("the site's page has no Invoices tab")
			}
			_, body = parent.get("/invoices?site=" + f.site["dock"].ID)
			if !strings.Contains(body, "<h1>Invoices at Dock Warehouse</h1>") || !slicesEqual(invoiceNumbers(body), []string{"INV-2004"}) {
				t.Errorf("the site's invoices: %v", invoiceNumbers(body))
			}
		})
		t.Run("the dashboard's tiles lead to the unpaid invoices", func(t *testing.T) {
			_, body := parent.get("/")
			if strings.Count(body, `href="/invoices?tab=unpaid"`) != 2 {
				t.Errorf("the dashboard's unpaid and balance tiles do not both link to the unpaid tab")
			}
		})
		t.Run("an invoice's page", func(t *testing.T) {
			res, body := parent.get("/invoices/" + invs["hqPart"].ID)
			wantStatus(t, "invoice", res, body, http.StatusOK)
			for _, want := range []string{"<h1>Invoice INV-2002</h1>", "Sprinkler test", "£200.00", "£40.00", "£240.00",
				"R-1001", "Bank transfer", "20 Mar 2025", "Balance due", "£200.00", "Contractor", "South", "/invoices/" + invs["hqPart"].ID + ".pdf"} {
				if !strings.Contains(body, want) {
					t.Errorf("the invoice's page lacks %q", want)
				}
			}
			_, body = parent.get("/invoices/" + invs["hqOverdue"].ID)
			if !regexp.MustCompile(`Raised from order <a href="/jobs/[^"]+">J-`).MatchString(body) {
				t.Errorf("the invoice does not link to its order")
			}
			// A contact without the Service page sees the order's number unlinked.
			f.addLogin("parent", "Ivy", "Invoicesonly", "invoices@example.test", fieldportal.LoginActive, testPassword, false,
				[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleInvoices})
			b := f.browser()
			b.login("invoices@example.test", testPassword)
			_, body = b.get("/invoices/" + invs["hqOverdue"].ID)
			if !strings.Contains(body, "Raised from order J-") || strings.Contains(body, `href="/jobs/`) {
				t.Errorf("the order is linked for a contact who cannot open it")
			}
		})
		t.Run("the CSV holds exactly the filtered rows", func(t *testing.T) {
			res, body := parent.get("/invoices.csv?tab=unpaid")
			wantStatus(t, "CSV", res, body, http.StatusOK)
			golden(t, "invoices_unpaid.csv", body)
			res, body = parent.get("/invoices.csv?site=" + f.site["hq"].ID + "&sort=due")
			wantStatus(t, "CSV", res, body, http.StatusOK)
			golden(t, "invoices_hq_by_due.csv", body)
		})
		t.Run("the PDF is a tax invoice", func(t *testing.T) {
			st, err := db.FindSettings(context.Background(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.Invoicing = fieldportal.Invoicing{TaxNumber: "GB 123 4567 89", Address: "Unit 4, Quay Street\nBristol BS1 4AA",
				PaymentInstructions: "Bank transfer to Acme Ltd, sort code 12-34-56, account 12345678."}
			if err := db.UpdateSettings(context.Background(), f.sys, st); err != nil {
				t.Fatal(err)
			}
			res, body := parent.get("/invoices/" + invs["hqPart"].ID + ".pdf")
			wantStatus(t, "PDF", res, body, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); ct != "application/pdf" {
				t.Fatalf("Content-Type %q", ct)
			}
			text := pdftest.MustText(t, []byte(body))
			for _, want := range []string{"Acme Fire & Security", "Unit 4, Quay Street, Bristol BS1 4AA", "Tax invoice INV-2002",
				"Tax number: GB 123 4567 89", "Harbour Properties", "Harbour HQ", "Sprinkler test", "£200.00", "£40.00", "£240.00",
				"Amount paid", "£40.00", "Balance due", "R-1001", "12 Mar 2099", "sort code 12-34-56", "Page 1 of 1"} {
				if !strings.Contains(text, want) {
					t.Errorf("the PDF lacks %q:\n%s", want, text)
				}
			}
		})
		t.Run("no pay buttons while online payment is off", func(t *testing.T) {
			for _, path := range []string{"/invoices", "/invoices/" + invs["hqOverdue"].ID} {
				_, body := parent.get(path)
				if strings.Contains(body, "/payments/checkout") || strings.Contains(body, `name="invoice"`) {
					t.Errorf("%s offers to pay with online payment off", path)
				}
			}
		})
	})
}

// invoiceJobNumber is the number of the job an invoice was raised from.
func invoiceJobNumber(t *testing.T, db *sqlstore.DB, f *fixture, inv *fieldportal.Invoice) string {
	t.Helper()
	j, err := db.FindJobByID(context.Background(), f.sys, inv.JobID)
	if err != nil {
		t.Fatal(err)
	}
	return j.Number
}

func slicesEqual(a, b []string) bool { return cmp.Equal(a, b) }

// TestInvoicesPayForms checks that the invoice list and page offer to pay
// exactly when payOnline holds: a provider is set up and chosen, and the
// Pay online button is not hidden.
func TestInvoicesPayForms(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		invs := f.addInvoices()
		// Test mode opens without keys: payOnline asks the provider to
		// open (a gateway that never does hides the buttons).
		s, _ := newTestServer(t, db, testConfig{BaseURL: "http://portal.test",
			Payments: payment.Gateways(payment.Config{TestModeSecret: []byte("server test")})})
		paying := httptest.NewServer(s.Handler())
		t.Cleanup(paying.Close)
		setProvider := func(provider string, hidden ...fieldportal.Action) {
			t.Helper()
			st, err := db.FindSettings(ctx, f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.PaymentProvider, st.HiddenActions = provider, hidden
			if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
				t.Fatal(err)
			}
		}
		browse := func(srv *httptest.Server) *browser {
			g := *f
			g.srv = srv
			b := g.browser()
			b.login("parent@example.test", testPassword)
			return b
		}
		for _, c := range []struct {
			name     string
			srv      *httptest.Server
			provider string
			hidden   []fieldportal.Action
			offered  bool
		}{
			{"on", paying, "testmode", nil, true},
			{"no provider chosen", paying, "", nil, false},
			{"button hidden", paying, "testmode", []fieldportal.Action{fieldportal.ActionPayOnline}, false},
			{"no payments on this site", f.srv, "testmode", nil, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				setProvider(c.provider, c.hidden...)
				b := browse(c.srv)
				_, body := b.get("/invoices")
				hasForm := strings.Contains(body, `<form id="pay-form" method="post" action="/payments/checkout"`)
				if hasForm != c.offered {
					t.Fatalf("pay-selected form offered: %v, want %v", hasForm, c.offered)
				}
				_, detail := b.get("/invoices/" + invs["hqOverdue"].ID)
				if got := strings.Contains(detail, `id="pay-now"`); got != c.offered {
					t.Errorf("Pay now offered: %v, want %v", got, c.offered)
				}
				if !c.offered {
					return
				}
				for _, want := range []string{`<input type="hidden" name="back" value="/invoices">`, `id="pay-selected"`, "Pay selected"} {
					if !strings.Contains(body, want) {
						t.Errorf("the list lacks %q", want)
					}
				}
				// Each unpaid row has its labelled checkbox; a paid one none.
				for _, n := range []string{"hqOverdue", "hqPart", "dock", "customer"} {
					id := invs[n].ID
					box := `<input type="checkbox" id="pay-` + id + `" name="invoice" value="` + id + `" form="pay-form">`
					label := `<label for="pay-` + id + `" class="visually-hidden">Pay ` + invs[n].Number + `</label>`
					if !strings.Contains(body, box) || !strings.Contains(body, label) {
						t.Errorf("%s has no labelled checkbox", n)
					}
				}
				if strings.Contains(body, `value="`+invs["hqPaid"].ID+`"`) {
					t.Errorf("the paid invoice can be selected")
				}
				if !strings.Contains(detail, `<input type="hidden" name="invoice" value="`+invs["hqOverdue"].ID+`">`) {
					t.Errorf("Pay now does not post the invoice")
				}
				_, paid := b.get("/invoices/" + invs["hqPaid"].ID)
				if strings.Contains(paid, `id="pay-now"`) {
					t.Errorf("a paid invoice offers Pay now")
				}
			})
		}
	})
}

// csvRows parses a CSV download (its byte order mark removed).
func csvRows(t *testing.T, body string) [][]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	return rows
}
