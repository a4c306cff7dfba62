package server

import (
	"net/http"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The printout's statement is read only up to the entries a printout
// holds: the walk stops at the first entry past pdf.MaxStatementEntries
// instead of reading every entry of the range into memory, then refusing
// them (found by review).
func TestStatementPDFStopsAtItsCap(t *testing.T) {
	old := pdf.MaxStatementEntries
	t.Cleanup(func() { pdf.MaxStatementEntries = old })
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newStatementFixture(t, db)
		parent := f.browser()
		parent.login("parent@example.test", testPassword)
		// February holds three entries: two invoices and a payment.
		t.Run("three entries under a cap of three", func(t *testing.T) {
			pdf.MaxStatementEntries = 3
			if res, body := parent.get("/statement.pdf" + statementRange); res.StatusCode != http.StatusOK {
				t.Errorf("status %d, want 200: %.300s", res.StatusCode, body)
			}
		})
		t.Run("three entries over a cap of two", func(t *testing.T) {
			pdf.MaxStatementEntries = 2
			res, body := parent.get("/statement.pdf" + statementRange)
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("status %d, want 400", res.StatusCode)
			}
			if want := "more invoices and payments than a printout holds (2)"; !strings.Contains(body, want) {
				t.Errorf("the answer lacks %q (the walk went on past the cap): %.2000s", want, body)
			}
		})
	})
}
