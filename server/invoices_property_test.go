package server

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/web"
)

// TestInvoiceAmountsAgree is a property test over random invoices (any
// number of lines, amounts up to millions, part payments from several
// payments): the list, the invoice's page, the CSV and the PDF show the
// same total and balance to the cent, formatted the same, and the balance
// is the total less what the payments allocated.
func TestInvoiceAmountsAgree(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		seed := uint64(time.Now().UnixNano())
		t.Logf("seed %d", seed)
		rnd := rand.New(rand.NewPCG(seed, 17))
		type want struct{ total, balance fieldportal.Money }
		wants := map[string]want{}
		numbers := map[string]string{}
		for n := range 12 {
			inv := &fieldportal.Invoice{Number: fmt.Sprintf("INV-%d", 5000+n), SiteID: f.site["hq"].ID,
				IssueDate: invoiceDay(2025, 1, 1+n), DueDate: invoiceDay(2025, 2, 1+n), Status: fieldportal.InvoiceUnpaid}
			for range 1 + rnd.IntN(6) {
				qty := int64(1 + rnd.IntN(40))
				unit := fieldportal.Money(rnd.Int64N(5_000_000))
				tax := fieldportal.Money(rnd.Int64N(int64(unit)*qty/4 + 1))
				inv.Lines = append(inv.Lines, fieldportal.InvoiceLine{Description: "Line", Quantity: qty, UnitPrice: unit, Tax: tax,
					Total: unit * fieldportal.Money(qty)})
				inv.Subtotal += unit * fieldportal.Money(qty)
				inv.Tax += tax
			}
			inv.Total = inv.Subtotal + inv.Tax
			if err := db.CreateInvoice(ctx, f.sys, inv); err != nil {
				t.Fatal(err)
			}
			// Up to three payments, which may settle it.
			paid := fieldportal.Money(0)
			for range rnd.IntN(4) {
				left := inv.Total - paid
				if left <= 0 {
					break
				}
				amount := 1 + fieldportal.Money(rnd.Int64N(int64(left)))
				if rnd.IntN(4) == 0 {
					amount = left
				}
				p := &fieldportal.Payment{CustomerID: inv.CustomerID, Amount: amount, Method: "card", Provider: "manual",
					Status: fieldportal.PaymentSucceeded, Allocations: []fieldportal.PaymentAllocation{{InvoiceID: inv.ID, Amount: amount}}}
				if _, err := db.RecordPayment(ctx, f.sys, p); err != nil {
					t.Fatal(err)
				}
				paid += amount
			}
			wants[inv.ID] = want{inv.Total, inv.Total - paid}
			numbers[inv.ID] = inv.Number
		}
		b := f.browser()
		b.login("parent@example.test", testPassword)
		money := func(m fieldportal.Money) string { return web.MoneyText("GBP", m) }

		// The list, every page.
		listed := map[string][2]string{}
		row := regexp.MustCompile(`<a href="/invoices/([^"]+)">INV-\d+</a>.*?data-label="Total" class="num">([^<]*)</td><td data-label="Balance" class="num">([^<]*)</td>`)
		next := regexp.MustCompile(`<a class="pager-next" href="([^"]+)"`)
		for path := "/invoices"; path != ""; {
			res, body := b.get(path)
			wantStatus(t, path, res, body, http.StatusOK)
			for _, m := range row.FindAllStringSubmatch(body, -1) {
				listed[m[1]] = [2]string{m[2], m[3]}
			}
			path = ""
			if m := next.FindStringSubmatch(body); m != nil {
				path = htmlUnescape(m[1])
			}
		}
		// The CSV: plain decimals, which must be the same amounts.
		_, csvBody := b.get("/invoices.csv")
		inCSV := map[string][2]string{}
		for _, r := range csvRows(t, csvBody)[1:] {
			inCSV[r[1]] = [2]string{r[7], r[8]}
		}
		pdfTotal := regexp.MustCompile(`Total including tax\s+(\S+)`)
		pdfBalance := regexp.MustCompile(`Balance due\s+(\S+)`)
		pageTotal := regexp.MustCompile(`<dt>Total</dt><dd class="money">([^<]*)</dd>`)
		pageBalance := regexp.MustCompile(`<dt>Balance due</dt><dd class="money">([^<]*)</dd>`)
		for id, w := range wants {
			total, balance := money(w.total), money(w.balance)
			if got := listed[id]; got != [2]string{total, balance} {
				t.Errorf("%s: list shows %v, want %s %s", numbers[id], got, total, balance)
			}
			if got := inCSV[numbers[id]]; got != [2]string{w.total.Decimal(), w.balance.Decimal()} {
				t.Errorf("%s: CSV holds %v, want %s %s", numbers[id], got, w.total.Decimal(), w.balance.Decimal())
			}
			_, page := b.get("/invoices/" + id)
			if got := [2]string{submatch(pageTotal, page), submatch(pageBalance, page)}; got != [2]string{total, balance} {
				t.Errorf("%s: page shows %v, want %s %s", numbers[id], got, total, balance)
			}
			_, data := b.get("/invoices/" + id + ".pdf")
			text := pdftest.MustText(t, []byte(data))
			if got := [2]string{submatch(pdfTotal, text), submatch(pdfBalance, text)}; got != [2]string{total, balance} {
				t.Errorf("%s: PDF shows %v, want %s %s", numbers[id], got, total, balance)
			}
		}
	})
}

// submatch is re's first group in s, or "".
func submatch(re *regexp.Regexp, s string) string {
	if m := re.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// htmlUnescape undoes the escaping of a link's address in an attribute.
func htmlUnescape(s string) string {
	return regexp.MustCompile(`&amp;`).ReplaceAllString(s, "&")
}
