package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// consoleInvoiceNumbers lists the invoice numbers a console list links to, in order.
func consoleInvoiceNumbers(body string) []string {
	return linkedInvoiceNumbers(body, "/console/invoices/")
}

// mustOfficeInvoice creates an invoice of the fixture's site on a day.
func (f *fixture) mustOfficeInvoice(site string, day fieldportal.Date, total fieldportal.Money) *fieldportal.Invoice {
	f.t.Helper()
	inv := &fieldportal.Invoice{SiteID: f.site[site].ID, IssueDate: day, DueDate: day.AddDays(30), Description: "Service",
		Subtotal: total, Total: total, Lines: []fieldportal.InvoiceLine{{Description: "Service", Quantity: 1, UnitPrice: total, Total: total}}}
	if err := f.db.CreateInvoice(context.Background(), f.sys, inv); err != nil {
		f.t.Fatal(err)
	}
	return inv
}

func TestConsoleInvoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		db.LinkBase = "http://portal.test" // as the program sets it (cmd/fieldportal)
		ctx := context.Background()
		jobs := f.addJobs()
		f.addStaff("office@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("office@example.test")
		// The child customer's invoice contact, who gets the mails.
		ic := &fieldportal.Contact{FirstName: "Ivy", LastName: "Invoice", Email: "ivy@example.test", InvoiceContact: true, CustomerID: f.cust["child"].ID}
		if err := db.CreateContact(ctx, f.sys, ic); err != nil {
			t.Fatal(err)
		}
		if err := db.CreatePortalLogin(ctx, f.sys, &fieldportal.PortalLogin{ContactID: ic.ID, Username: "ivy@example.test", Status: fieldportal.LoginActive,
			Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SQL().ExecContext(ctx, `UPDATE sites SET uprn = '100023336956' WHERE id = $1`, f.site["hq"].ID); err != nil {
			t.Fatal(err)
		}
		jan := func(d int) fieldportal.Date { return fieldportal.Date{Year: 2026, Month: 1, Day: d} }
		hq := f.mustOfficeInvoice("hq", jan(5), 12000)
		dock := f.mustOfficeInvoice("dock", jan(6), 4500)
		spare := f.mustOfficeInvoice("dock", jan(7), 900)
		complete := jobs["complete"]
		raise := "/console/jobs/" + complete.ID + "/invoice"

		t.Run("the job offers to raise an invoice, prefilled from its items", func(t *testing.T) {
			_, body := staff.get("/console/jobs/" + complete.ID)
			if !strings.Contains(body, `href="`+raise+`"`) {
				t.Error("the job page lacks Raise invoice")
			}
			res, body := staff.get(raise)
			wantStatus(t, "raise form", res, body, http.StatusOK)
			for _, s := range []string{`value="LAB Labour"`, `name="item_1_quantity" type="text" value="2"`, `value="45.00"`, `value="18.00"`} {
				if !strings.Contains(body, s) {
					t.Errorf("form lacks %s", s)
				}
			}
		})
		t.Run("a bad invoice names each field and keeps what was typed", func(t *testing.T) {
			res, body := staff.post(raise, url.Values{"lines": {"3"}, "item_1_description": {"Labour"}, "item_1_quantity": {"two"},
				"item_1_unit_price": {"45"}, "item_3_description": {""}, "item_3_unit_price": {"12.345"},
				"issue_date": {"2026-02-01"}, "due_date": {"2026-01-01"}})
			wantStatus(t, "bad invoice", res, body, http.StatusBadRequest)
			for _, s := range []string{`href="#item_1_quantity"`, `href="#item_3_unit_price"`, `href="#item_3_description"`,
				`href="#due_date"`, "Line 3: description is required.", `value="two"`, `value="12.345"`, `value="2026-01-01"`} {
				if !strings.Contains(body, s) {
					t.Errorf("refused form lacks %q", s)
				}
			}
			if n := f.count("invoices"); n != 3 {
				t.Errorf("%d invoices after a refused form", n)
			}
		})
		var issued string
		t.Run("issuing moves the complete job to Invoiced and mails the invoice contact", func(t *testing.T) {
			res, body := staff.post(raise, url.Values{"lines": {"2"}, "item_1_description": {"Labour"}, "item_1_quantity": {"2"},
				"item_1_unit_price": {"45.00"}, "item_1_tax": {"18.00"}, "issue_date": {"2026-02-01"}, "due_date": {"2026-03-03"}})
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("issue = %d:\n%s", res.StatusCode, body)
			}
			loc := res.Header.Get("Location")
			issued = strings.TrimSuffix(strings.TrimPrefix(loc, "/console/invoices/"), "?done=issued")
			inv, err := db.FindInvoiceByID(ctx, f.sys, issued)
			if err != nil || inv.Total != 10800 || inv.JobID != complete.ID || inv.Number != "INV-1004" {
				t.Fatalf("issued %+v %v", inv, err)
			}
			if j, _ := db.FindJobByID(ctx, f.sys, complete.ID); j.Stage != fieldportal.StageInvoiced {
				t.Errorf("job stage %s", j.Stage)
			}
			to, mail, n := f.outboxMail("invoice_issued")
			if n != 1 || to != "ivy@example.test" || !strings.Contains(mail, "http://portal.test/invoices/"+issued) {
				t.Errorf("%d mails, to %s:\n%s", n, to, mail)
			}
			_, body = staff.get(loc)
			if !strings.Contains(body, "£108.00") || !strings.Contains(body, "Issued by Staff staff") {
				t.Errorf("the issued invoice's page:\n%s", body)
			}
		})
		t.Run("the list filters by tab, number, UPRN and date", func(t *testing.T) {
			for _, tc := range []struct {
				query string
				want  []string
			}{
				{"", []string{"INV-1004", "INV-1003", "INV-1002", "INV-1001"}},
				{"?uprn=100023336956", []string{"INV-1001"}},
				{"?q=1002", []string{"INV-1002"}},
				{"?q=" + complete.Number, []string{"INV-1004"}},
				{"?from=2026-01-06&to=2026-01-07", []string{"INV-1003", "INV-1002"}},
				{"?tab=overdue", []string{"INV-1004", "INV-1003", "INV-1002", "INV-1001"}},
				{"?tab=paid", nil},
			} {
				res, body := staff.get("/console/invoices" + tc.query)
				wantStatus(t, tc.query, res, body, http.StatusOK)
				if got := consoleInvoiceNumbers(body); strings.Join(got, ",") != strings.Join(tc.want, ",") {
					t.Errorf("%s lists %v, want %v", tc.query, got, tc.want)
				}
			}
			if res, body := staff.get("/console/invoices?from=yesterday"); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "Issued from must be a date") {
				t.Errorf("a bad date = %d", res.StatusCode)
			}
		})
		t.Run("the CSV holds exactly the filtered rows", func(t *testing.T) {
			res, body := staff.get("/console/invoices.csv?from=2026-01-01&to=2026-01-31")
			wantStatus(t, "csv", res, body, http.StatusOK)
			golden(t, "console_invoices_january.csv", body)
		})
		payURL := "/console/invoices/" + dock.ID + "/payments"
		t.Run("a bad payment names its fields and keeps what was typed", func(t *testing.T) {
			res, body := staff.post(payURL, url.Values{"pay_amount": {"lots"}, "pay_date": {"2026-02-30"}, "pay_method": {"card"},
				"pay_reference": {"CHQ <1>"}, "alloc_" + dock.ID: {"10"}})
			wantStatus(t, "bad payment", res, body, http.StatusBadRequest)
			for _, s := range []string{`href="#pay_amount"`, `href="#pay_date"`, `value="lots"`, `value="CHQ &lt;1&gt;"`} {
				if !strings.Contains(body, s) {
					t.Errorf("refused payment lacks %q", s)
				}
			}
			res, body = staff.post(payURL, url.Values{"pay_amount": {"100"}, "pay_date": {"2026-02-02"}, "pay_method": {"cheque"},
				"alloc_" + dock.ID: {"45.01"}})
			wantStatus(t, "over the balance", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "more than the invoice") {
				t.Errorf("over the balance:\n%s", body)
			}
		})
		t.Run("a payment by cheque over two invoices", func(t *testing.T) {
			res, body := staff.post(payURL, url.Values{"pay_amount": {"50.00"}, "pay_date": {"2026-02-02"}, "pay_method": {"cheque"},
				"pay_reference": {"CHQ 100231"}, "alloc_" + dock.ID: {"45.00"}, "alloc_" + spare.ID: {"5.00"}})
			wantRedirect(t, "payment", res, "/console/invoices/"+dock.ID+"?done=paid")
			_ = body
			if got, _ := db.FindInvoiceByID(ctx, f.sys, dock.ID); got.Status != fieldportal.InvoicePaid {
				t.Errorf("dock %s", got.Status)
			}
			if got, _ := db.FindInvoiceByID(ctx, f.sys, spare.ID); got.AmountPaid != 500 {
				t.Errorf("spare paid %v", got.AmountPaid)
			}
			if _, _, n := f.outboxMail("receipt"); n != 1 {
				t.Errorf("%d receipts mailed", n)
			}
			_, body = staff.get("/console/payments?method=cheque")
			if !strings.Contains(body, "R-1001") || !strings.Contains(body, "CHQ 100231") || !strings.Contains(body, "Harbour Dock") {
				t.Errorf("payments list:\n%s", body)
			}
			if _, body = staff.get("/console/payments?method=cash"); strings.Contains(body, "R-1001") {
				t.Error("the cash filter lists a cheque")
			}
		})
		t.Run("a refund sent twice gives the balance back once", func(t *testing.T) {
			_, body := staff.get("/console/invoices/" + dock.ID)
			m := regexp.MustCompile(`name="refund_key" value="([^"]+)"`).FindStringSubmatch(body)
			p := regexp.MustCompile(`<option value="([^"]+)" selected>R-1001`).FindStringSubmatch(body)
			if m == nil || p == nil {
				t.Fatalf("no refund form:\n%s", body)
			}
			form := url.Values{"refund_key": {m[1]}, "refund_payment": {p[1]}, "refund_amount": {"10.00"}, "refund_reason": {"Overcharged"}}
			for range 2 {
				res, _ := staff.post("/console/invoices/"+dock.ID+"/refund", form)
				wantRedirect(t, "refund", res, "/console/invoices/"+dock.ID+"?done=refunded")
			}
			// 10.00 back: 5.00 from the newer invoice, 5.00 from this one.
			if got, _ := db.FindInvoiceByID(ctx, f.sys, spare.ID); got.AmountPaid != 0 {
				t.Errorf("spare paid %v", got.AmountPaid)
			}
			if got, _ := db.FindInvoiceByID(ctx, f.sys, dock.ID); got.AmountPaid != 4000 || got.Status != fieldportal.InvoicePartPaid {
				t.Errorf("dock paid %v %s", got.AmountPaid, got.Status)
			}
			form.Set("refund_key", "another")
			form.Set("refund_amount", "40.01")
			res, body := staff.post("/console/invoices/"+dock.ID+"/refund", form)
			wantStatus(t, "refund too much", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="#refund_amount"`) || !strings.Contains(body, `value="40.01"`) {
				t.Errorf("refused refund:\n%s", body)
			}
		})
		t.Run("void needs a reason and no payment", func(t *testing.T) {
			res, body := staff.post("/console/invoices/"+dock.ID+"/void", url.Values{"void_reason": {"Twice"}})
			wantStatus(t, "void a paid invoice", res, body, http.StatusBadRequest)
			res, body = staff.post("/console/invoices/"+hq.ID+"/void", url.Values{"void_reason": {" "}})
			wantStatus(t, "void without a reason", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="#void_reason"`) {
				t.Errorf("no reason:\n%s", body)
			}
			res, _ = staff.post("/console/invoices/"+hq.ID+"/void", url.Values{"void_reason": {"Raised twice"}})
			wantRedirect(t, "void", res, "/console/invoices/"+hq.ID+"?done=voided")
			_, body = staff.get("/console/invoices?tab=void")
			if got := consoleInvoiceNumbers(body); len(got) != 1 || got[0] != hq.Number {
				t.Errorf("void tab %v", got)
			}
			_, body = staff.get("/console/invoices/" + hq.ID)
			if !strings.Contains(body, "Voided by Staff staff") || !strings.Contains(body, "Raised twice") {
				t.Errorf("audit trail:\n%s", body)
			}
		})
		t.Run("a cross-site form is refused", func(t *testing.T) {
			req, _ := http.NewRequest("POST", f.srv.URL+"/console/invoices/"+spare.ID+"/void", strings.NewReader("void_reason=x"))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			res, _ := staff.do(req)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site void = %d", res.StatusCode)
			}
			if got, _ := db.FindInvoiceByID(ctx, f.sys, spare.ID); got.Status == fieldportal.InvoiceVoid {
				t.Error("a cross-site form voided the invoice")
			}
		})
		t.Run("contacts are sent to the staff sign-in", func(t *testing.T) {
			c := f.browser()
			c.login("parent@example.test", testPassword)
			for _, p := range []string{"/console/invoices", "/console/invoices/" + spare.ID, "/console/payments"} {
				res, _ := c.get(p)
				if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/console/login") {
					t.Errorf("a contact at %s = %d", p, res.StatusCode)
				}
			}
		})
		t.Run("staff of another organisation get 404", func(t *testing.T) {
			orgB := mustOrg(t, db, "Other Fire", "b.portal.test")
			h, _ := auth.TestHasher().Hash(testPassword)
			if err := db.CreateStaffUser(ctx, fieldportal.SystemViewer(orgB.ID, "test"), &fieldportal.StaffUser{Email: "eve@example.test",
				Name: "Eve", Role: fieldportal.RoleAdmin, PasswordHash: h}); err != nil {
				t.Fatal(err)
			}
			b := f.browser()
			b.host = "b.portal.test"
			b.consoleLogin("eve@example.test")
			for _, p := range []string{"/console/invoices/" + spare.ID, "/console/jobs/" + complete.ID + "/invoice"} {
				if res, _ := b.get(p); res.StatusCode != http.StatusNotFound {
					t.Errorf("B's staff at %s = %d", p, res.StatusCode)
				}
			}
			res, _ := b.post("/console/invoices/"+spare.ID+"/void", url.Values{"void_reason": {"mine now"}})
			if res.StatusCode != http.StatusNotFound {
				t.Errorf("B's staff void = %d", res.StatusCode)
			}
			if _, body := b.get("/console/invoices"); len(consoleInvoiceNumbers(body)) != 0 {
				t.Errorf("B's list shows A's invoices: %v", consoleInvoiceNumbers(body))
			}
			if _, body := b.get("/console/payments"); strings.Contains(body, "R-1001") {
				t.Error("B's payments list shows A's payment")
			}
		})
	})
}
