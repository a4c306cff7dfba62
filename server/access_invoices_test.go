package server

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestPortalInvoicesAccessMatrix checks SPEC §2 on the invoice pages for
// every kind of viewer: the list, its CSV and each site's Invoices tab
// hold exactly the invoices the rules allow, and each invoice's page and
// PDF answer for those and 404 for the rest, never a hint of the record.
func TestPortalInvoicesAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		invs := f.addInvoices()
		_, sysB, custB := f.mustOtherOrg()
		siteB := &fieldportal.Site{Name: "Other Site", CustomerID: custB.ID, Address: fieldportal.Address{Line1: "9 Far Road"}}
		if err := db.CreateSite(ctx, sysB, siteB); err != nil {
			t.Fatal(err)
		}
		mustLoginB(t, db, sysB, custB.ID, "other@example.test")
		invB := &fieldportal.Invoice{Number: "INV-2901", SiteID: siteB.ID, IssueDate: invoiceDay(2025, 1, 1), DueDate: invoiceDay(2025, 2, 1),
			Subtotal: 1000, Tax: 200, Total: 1200, Status: fieldportal.InvoiceUnpaid}
		if err := db.CreateInvoice(ctx, sysB, invB); err != nil {
			t.Fatal(err)
		}
		invs["orgB"] = invB
		_, assigned := f.addLogin("parent", "Ann", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		assigned.SiteAccess, assigned.SiteIDs = fieldportal.SiteAccessAssigned, []string{f.site["dock"].ID}
		if err := db.UpdateLoginAccess(ctx, f.sys, assigned); err != nil {
			t.Fatal(err)
		}
		f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites})
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		sites := map[string]*fieldportal.Site{"hq": f.site["hq"], "dock": f.site["dock"], "solo": f.site["solo"], "orgB": siteB}

		viewers := []struct {
			name, user, host string
			signedIn         bool
			// sees are the invoices the viewer may read; nil: no Invoices page.
			sees []string
			// sites are the sites whose Invoices tab the viewer may open.
			sites []string
		}{
			{"parent", "parent@example.test", "", true, []string{"hqOverdue", "hqPart", "hqPaid", "dock", "customer"}, []string{"hq", "dock"}},
			{"child", "child@example.test", "", true, []string{"dock"}, []string{"dock"}},
			{"assigned sites", "assigned@example.test", "", true, []string{"dock"}, []string{"dock"}},
			{"no Invoices page", "nopage@example.test", "", true, nil, nil},
			{"another customer", "solo@example.test", "", true, []string{"solo"}, []string{"solo"}},
			{"another organisation", "other@example.test", "b.portal.test", true, []string{"orgB"}, []string{"orgB"}},
			{"anonymous", "", "", false, nil, nil},
			// Staff sign in to the console: the portal's pages are not theirs.
			{"staff", "", "", false, nil, nil},
		}
		for _, vw := range viewers {
			t.Run(vw.name, func(t *testing.T) {
				b := f.browser()
				b.host = vw.host
				if vw.user != "" {
					b.login(vw.user, testPassword)
				}
				if vw.name == "staff" {
					b.host = "127.0.0.1"
					b.consoleLogin("desk@example.test")
				}
				module := vw.sees != nil
				check := func(what string, visible bool) string {
					t.Helper()
					res, body := b.get(what)
					switch {
					case !vw.signedIn:
						if (res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther) || !strings.HasPrefix(res.Header.Get("Location"), "/login") {
							t.Errorf("%s = %d, want the sign-in page", what, res.StatusCode)
						}
						return ""
					case visible && res.StatusCode != http.StatusOK:
						t.Errorf("%s = %d, want 200", what, res.StatusCode)
					case !visible && res.StatusCode != http.StatusNotFound:
						t.Errorf("%s = %d, want 404", what, res.StatusCode)
					}
					for key, inv := range invs {
						if !slices.Contains(vw.sees, key) && (strings.Contains(body, inv.ID) || strings.Contains(body, inv.Number)) {
							t.Errorf("%s reveals invoice %s", what, key)
						}
					}
					return body
				}
				want := []string{}
				for key, inv := range invs {
					if slices.Contains(vw.sees, key) {
						want = append(want, inv.Number)
					}
				}
				slices.Sort(want)
				body := check("/invoices", module)
				csvBody := check("/invoices.csv", module)
				if vw.signedIn && module {
					listed := invoiceNumbers(body)
					slices.Sort(listed)
					if diff := cmp.Diff(want, listed); diff != "" {
						t.Errorf("list (-want +got):\n%s", diff)
					}
					var inCSV []string
					for _, r := range csvRows(t, csvBody)[1:] {
						inCSV = append(inCSV, r[1])
					}
					slices.Sort(inCSV)
					if diff := cmp.Diff(want, inCSV); diff != "" {
						t.Errorf("CSV (-want +got):\n%s", diff)
					}
				}
				for key, s := range sites {
					check("/invoices?site="+s.ID, slices.Contains(vw.sites, key))
				}
				for key, inv := range invs {
					visible := slices.Contains(vw.sees, key)
					check("/invoices/"+inv.ID, visible)
					check("/invoices/"+inv.ID+".pdf", visible)
				}
			})
		}
	})
}
