package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestConsoleInvoicingSettings: an admin keeps the organisation's tax
// number, postal address and payment instructions, which its invoices
// print; a value too long is refused with a message naming the field and
// what was typed kept; a form without the part leaves it as saved.
func TestConsoleInvoicingSettings(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		base := func() url.Values {
			return url.Values{"modules": {"dashboard", "sites", "invoices"}, "password_policy.min_length": {"10"}, "invoicing_form": {"1"},
				"invoicing.tax_number": {" GB 123 4567 89 "}, "invoicing.address": {"Unit 4, Quay Street\nBristol BS1 4AA"},
				"invoicing.payment_instructions": {"Sort code 12-34-56, account 12345678."}}
		}
		t.Run("the form shows the fields", func(t *testing.T) {
			_, body := admin.get("/console/settings")
			for _, name := range []string{"invoicing.tax_number", "invoicing.address", "invoicing.payment_instructions"} {
				if !strings.Contains(body, `id="`+name+`"`) {
					t.Errorf("the settings page has no %s field", name)
				}
			}
		})
		t.Run("a tax number too long", func(t *testing.T) {
			form := base()
			long := strings.Repeat("9", 60)
			form.Set("invoicing.tax_number", long)
			res, body := admin.post("/console/settings", form)
			wantStatus(t, "too long", res, body, http.StatusBadRequest)
			if !strings.Contains(html.UnescapeString(body), "Tax number must be at most 50 characters.") ||
				!strings.Contains(body, `href="#invoicing.tax_number"`) || !strings.Contains(body, `value="`+long+`"`) {
				t.Errorf("the error or the typed value is missing:\n%s", body)
			}
		})
		t.Run("saved", func(t *testing.T) {
			res, _ := admin.post("/console/settings", base())
			wantRedirect(t, "save", res, "/console/settings?done=saved")
			st, err := db.FindSettings(context.Background(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := fieldportal.Invoicing{TaxNumber: "GB 123 4567 89", Address: "Unit 4, Quay Street\nBristol BS1 4AA",
				PaymentInstructions: "Sort code 12-34-56, account 12345678."}
			if st.Invoicing != want {
				t.Errorf("saved %+v, want %+v", st.Invoicing, want)
			}
			form := base()
			form.Del("invoicing_form")
			form.Del("invoicing.tax_number")
			admin.post("/console/settings", form)
			if st, _ := db.FindSettings(context.Background(), f.org.ID); st.Invoicing != want {
				t.Errorf("a form without the part changed it: %+v", st.Invoicing)
			}
		})
	})
}
