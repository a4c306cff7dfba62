package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestStatementAccessMatrix checks SPEC §2 on the statement, its CSV and
// its printout for every kind of viewer: each shows exactly the invoices
// the viewer sees and only its part of a payment that settled others;
// a contact without the Statement page gets 404, and nobody signed in
// gets the sign-in page.
func TestStatementAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, sysB, custB := f.mustOtherOrg()
		mustLoginB(t, db, sysB, custB.ID, "other@example.test")
		_, assigned := f.addLogin("parent", "Ann", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		assigned.SiteAccess, assigned.SiteIDs = fieldportal.SiteAccessAssigned, []string{f.site["dock"].ID}
		if err := db.UpdateLoginAccess(ctx, f.sys, assigned); err != nil {
			t.Fatal(err)
		}
		f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleInvoices})
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		_, disabled := f.addLogin("parent", "Dee", "Disabled", "disabled@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)

		// An invoice at each site, one of the parent customer alone, one
		// in organisation B; the parent pays HQ's and the dock's at once.
		issued := fieldportal.Date{Year: 2025, Month: 2, Day: 3}
		numbers := map[string]string{}
		ids := map[string]string{}
		add := func(key string, sys fieldportal.Viewer, customerID, siteID string, total fieldportal.Money) {
			inv := &fieldportal.Invoice{CustomerID: customerID, SiteID: siteID, IssueDate: issued, DueDate: issued.AddDays(30),
				Subtotal: total, Total: total, Number: "INV-" + strings.ToUpper(key)}
			if err := db.CreateInvoice(ctx, sys, inv); err != nil {
				t.Fatal(err)
			}
			numbers[key], ids[key] = inv.Number, inv.ID
		}
		add("hq", f.sys, f.cust["parent"].ID, f.site["hq"].ID, 10000)
		add("dock", f.sys, f.cust["child"].ID, f.site["dock"].ID, 3300)
		add("solo", f.sys, f.cust["solo"].ID, f.site["solo"].ID, 5500)
		add("customer", f.sys, f.cust["parent"].ID, "", 7700)
		add("orgb", sysB, custB.ID, "", 9900)
		if _, err := db.RecordPayment(ctx, f.sys, &fieldportal.Payment{CustomerID: f.cust["parent"].ID, Amount: 13300, Method: "card",
			ReceiptNumber: "R-BOTH", Status: fieldportal.PaymentSucceeded, PaidAt: time.Date(2025, 2, 10, 12, 0, 0, 0, time.UTC),
			Allocations: []fieldportal.PaymentAllocation{{InvoiceID: ids["hq"], Amount: 10000}, {InvoiceID: ids["dock"], Amount: 3300}}}); err != nil {
			t.Fatal(err)
		}
		// paid is the payment's part each viewer sees, "" for none.
		viewers := []struct {
			name, user, host string
			signedIn, page   bool
			invoices         []string
			paid             string
		}{
			{"parent", "parent@example.test", "", true, true, []string{"hq", "dock", "customer"}, "133.00"},
			{"child", "child@example.test", "", true, true, []string{"dock"}, "33.00"},
			{"assigned", "assigned@example.test", "", true, true, []string{"dock"}, "33.00"},
			{"without the page", "nopage@example.test", "", true, false, nil, ""},
			{"solo", "solo@example.test", "", true, true, []string{"solo"}, ""},
			{"other organisation", "other@example.test", "b.portal.test", true, true, []string{"orgb"}, ""},
			{"disabled", "disabled@example.test", "", false, false, nil, ""},
			{"anonymous", "", "", false, false, nil, ""},
		}
		all := []string{"hq", "dock", "solo", "customer", "orgb"}
		for _, vw := range viewers {
			t.Run(vw.name, func(t *testing.T) {
				b := f.browser()
				b.host = vw.host
				if vw.user != "" {
					b.login(vw.user, testPassword)
				}
				if vw.name == "disabled" {
					disabled.Status = fieldportal.LoginDisabled
					if err := db.UpdateLoginAccess(ctx, f.sys, disabled); err != nil {
						t.Fatal(err)
					}
				}
				for _, path := range []string{"/statement", "/statement.csv", "/statement.pdf"} {
					res, body := b.get(path + statementRange)
					switch {
					case !vw.signedIn:
						if res.StatusCode != http.StatusFound || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
							t.Errorf("GET %s = %d %s, want the sign-in page", path, res.StatusCode, res.Header.Get("Location"))
						}
						continue
					case !vw.page:
						if res.StatusCode != http.StatusNotFound {
							t.Errorf("GET %s = %d, want 404", path, res.StatusCode)
						}
						continue
					case res.StatusCode != http.StatusOK:
						t.Errorf("GET %s = %d, want 200", path, res.StatusCode)
						continue
					}
					if path == "/statement.pdf" {
						body = pdftest.MustText(t, []byte(body))
					}
					for _, k := range all {
						if in := strings.Contains(body, numbers[k]); in != slices.Contains(vw.invoices, k) {
							t.Errorf("%s shows %s: %v, want %v", path, numbers[k], in, !in)
						}
					}
					if in := strings.Contains(body, "R-BOTH"); in != (vw.paid != "") {
						t.Errorf("%s shows the payment: %v, want %v", path, in, !in)
					} else if in && !strings.Contains(body, vw.paid) {
						t.Errorf("%s does not show the payment's part %s", path, vw.paid)
					}
					if vw.paid == "33.00" && strings.Contains(body, "133.00") {
						t.Errorf("%s shows the whole payment to a viewer of part of it", path)
					}
				}
			})
		}
	})
}
