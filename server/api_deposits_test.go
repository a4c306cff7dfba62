package server

import (
	"testing"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIQuoteDeposit sets a quote's deposit through the API (issue 22):
// as a percentage or an amount, answered with what it comes to and
// checked against the OpenAPI document (checkResponses); a deposit over
// the total, a percentage out of 1-100 and an unknown type are refused
// naming the field.
func TestAPIQuoteDeposit(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		_, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		var made api.Quote
		c.must(201, &made, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","total_ex_tax":100000,"tax":20000,
			"deposit_kind":"percent","deposit_value":20}`)
		t.Run("percentage of the total including tax", func(t *testing.T) {
			if made.DepositKind != "percent" || made.DepositValue != 20 || made.DepositAmount != 24000 {
				t.Errorf("quote = %+v", made)
			}
		})
		t.Run("patch to an amount", func(t *testing.T) {
			var got api.Quote
			c.must(200, &got, "PATCH", "/api/v1/quotes/"+made.ID, `{"deposit_kind":"amount","deposit_value":50000}`)
			if got.DepositKind != "amount" || got.DepositAmount != 50000 {
				t.Errorf("quote = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/quotes/"+made.ID, `{"deposit_kind":"","deposit_value":0}`)
			if got.DepositKind != "" || got.DepositAmount != 0 {
				t.Errorf("no deposit: %+v", got)
			}
		})
		t.Run("bad deposits name the field", func(t *testing.T) {
			c.problem(422, []string{"deposit_value"}, "PATCH", "/api/v1/quotes/"+made.ID, `{"deposit_kind":"amount","deposit_value":120001}`)
			c.problem(422, []string{"deposit_value"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","total_ex_tax":1000,
				"deposit_kind":"percent","deposit_value":101}`)
			c.problem(422, []string{"deposit_kind"}, "POST", "/api/v1/quotes", `{"site_id":"`+site.ID+`","deposit_kind":"half","deposit_value":5}`)
		})
	})
}
