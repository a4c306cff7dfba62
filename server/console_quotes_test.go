package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestConsoleQuotes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newQuoteFixture(t, db)
		ctx := context.Background()
		f.addStaff("staff@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("staff@example.test")
		// The child customer's quote contact, who gets the mail.
		qc := &fieldportal.Contact{FirstName: "Quinn", LastName: "Quote", Email: "quinn@example.test", QuoteContact: true, CustomerID: f.cust["child"].ID}
		if err := db.CreateContact(ctx, f.sys, qc); err != nil {
			t.Fatal(err)
		}
		// A login that reaches the record: the mail links to it.
		if err := db.CreatePortalLogin(ctx, f.sys, &fieldportal.PortalLogin{ContactID: qc.ID, Username: "quinn@example.test", Status: fieldportal.LoginActive,
			Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
			t.Fatal(err)
		}
		item := &fieldportal.Item{Code: "EXT-9", Name: "9l foam extinguisher", UnitPrice: 6250, Active: true}
		if err := db.CreateItem(ctx, f.sys, item); err != nil {
			t.Fatal(err)
		}
		x := f.q["requested"]
		page := "/console/quotes/" + x.ID

		t.Run("the queue starts with the requests", func(t *testing.T) {
			res, body := staff.get("/console/quotes")
			wantStatus(t, "queue", res, body, http.StatusOK)
			if got := quoteNumbers(strings.ReplaceAll(body, "/console/quotes/", "/quotes/")); len(got) != 1 || got[0] != x.Number {
				t.Errorf("requests tab lists %v, want [%s]", got, x.Number)
			}
			_, body = staff.get("/console/quotes?tab=outstanding&q=po-2")
			if got := quoteNumbers(strings.ReplaceAll(body, "/console/quotes/", "/quotes/")); len(got) != 1 || got[0] != f.q["open"].Number {
				t.Errorf("searched outstanding tab lists %v", got)
			}
			if !strings.Contains(body, `href="/console/quotes"`) {
				t.Error("the console navigation lacks Quotes")
			}
		})
		t.Run("a bad price names each field and keeps what was typed", func(t *testing.T) {
			res, body := staff.post(page, url.Values{"lines": {"3"}, "action": {"send"},
				"item_1_description": {"Labour"}, "item_1_quantity": {"two"}, "item_1_unit_price": {"40"},
				"item_3_description": {""}, "item_3_quantity": {"1"}, "item_3_unit_price": {"12.345"},
				"tax_rate": {"twenty"}, "valid_until": {"2020-01-01"}})
			wantStatus(t, "bad price", res, body, http.StatusBadRequest)
			for _, s := range []string{`href="#item_1_quantity"`, `href="#item_3_unit_price"`, `href="#item_3_description"`,
				`href="#tax_rate"`, `href="#valid_until"`, "Line 3: description is required.", `value="two"`, `value="twenty"`, `value="12.345"`} {
				if !strings.Contains(body, s) {
					t.Errorf("refused form lacks %q", s)
				}
			}
			if got, _ := db.FindQuoteByID(ctx, f.sys, x.ID); got.Stage != fieldportal.QuoteRequested || got.TotalIncTax != 0 {
				t.Errorf("refused price changed the quote: %+v", got)
			}
		})
		t.Run("pricing and sending mails the quote contact", func(t *testing.T) {
			res, body := staff.post(page, url.Values{"lines": {"4"}, "action": {"send"},
				"item_1_item_id": {item.ID}, "item_1_quantity": {"2"},
				"item_3_description": {"Labour"}, "item_3_quantity": {"3"}, "item_3_unit_price": {"40.00"},
				"item_4_description": {"Sign"}, "item_4_unit_price": {"5"}, "item_4_optional": {"1"},
				"tax_rate": {"20"}, "valid_until": {"2099-06-30"}})
			wantRedirect(t, "send", res, page+"?done=sent&mailed=1")
			got, err := db.FindQuoteByID(ctx, f.sys, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			// 2 × 62.50 + 3 × 40.00 = 245.00; 20% is 49.00.
			if got.Stage != fieldportal.QuoteOutstanding || got.TotalExTax != 24500 || got.Tax != 4900 || got.TotalIncTax != 29400 ||
				len(got.Items) != 3 || got.Items[0].Description != "9l foam extinguisher" || got.Items[0].Code != "EXT-9" || !got.Items[2].Optional {
				t.Errorf("sent quote %+v", got)
			}
			to, mail, n := f.outboxMail("quote_sent")
			if n != 1 || to != "quinn@example.test" || !strings.Contains(mail, "http://portal.test/quotes/"+x.ID+"\n") {
				t.Errorf("%d mails, last to %s:\n%s", n, to, mail)
			}
			_, body = staff.get(page + "?done=sent&mailed=1")
			if !strings.Contains(body, "its quote contact has been emailed") || !strings.Contains(body, "£294.00") {
				t.Errorf("page after sending:\n%s", body)
			}
			// The customer sees it priced and may answer it.
			c := f.browser()
			f.giveQuoteRole("child@example.test")
			c.login("child@example.test", testPassword)
			_, body = c.get("/quotes/" + x.ID)
			if !strings.Contains(body, "£294.00") || !strings.Contains(body, "/accept\"") {
				t.Errorf("the customer's page:\n%s", body)
			}
		})
		t.Run("an answered quote offers no pricing", func(t *testing.T) {
			_, body := staff.get("/console/quotes/" + f.q["accepted"].ID)
			if strings.Contains(body, `id="price"`) {
				t.Error("an accepted quote can be priced")
			}
			res, body := staff.post("/console/quotes/"+f.q["accepted"].ID, url.Values{"lines": {"1"}, "item_1_description": {"x"},
				"item_1_unit_price": {"1"}, "tax_rate": {"20"}, "valid_until": {"2099-01-01"}})
			wantStatus(t, "price an accepted quote", res, body, http.StatusConflict)
		})
		t.Run("contacts are not let in", func(t *testing.T) {
			c := f.browser()
			f.giveQuoteRole("child@example.test")
			c.login("child@example.test", testPassword)
			res, _ := c.get("/console/quotes")
			if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
				t.Errorf("a contact at the console queue = %d, want a redirect to the staff sign-in", res.StatusCode)
			}
		})
	})
}
