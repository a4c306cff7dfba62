package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

var quoteVersionField = regexp.MustCompile(`name="version" value="(\d+)"`)

// The answer form carries the version of the quote it shows: priced again
// by the office while the page was open, the quote is not accepted at a
// price the customer never saw; the page then shows it as it stands.
func TestQuoteAnswerIsTiedToTheQuoteShown(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newQuoteFixture(t, db)
		child := f.browser()
		f.giveQuoteRole("child@example.test")
		child.login("child@example.test", testPassword)
		open := "/quotes/" + f.q["open"].ID
		version := func() string {
			t.Helper()
			res, body := child.get(open)
			wantStatus(t, "quote", res, body, http.StatusOK)
			m := quoteVersionField.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("the answer form has no version:\n%s", body)
			}
			return m[1]
		}
		seen := version()
		if _, _, err := db.PriceQuote(context.Background(), f.sys, f.q["open"].ID, fieldportal.QuotePricing{
			Items:   []fieldportal.QuoteItem{{Description: "Labour", Quantity: 1, UnitPrice: 99900}},
			TaxRate: 2000, ValidUntil: fieldportal.Date{Year: 2099, Month: 3, Day: 31}, PortalURL: "https://portal.test"}); err != nil {
			t.Fatal(err)
		}
		res, body := child.post(open+"/accept", url.Values{"signed_by_name": {"Chris Child"}, "version": {seen}})
		wantStatus(t, "accept a changed quote", res, body, http.StatusConflict)
		if !strings.Contains(body, "has changed since you opened it") || !strings.Contains(body, "£1,198.80") {
			t.Errorf("refusal does not show the quote as it stands:\n%s", body)
		}
		res, body = child.post(open+"/accept", url.Values{"signed_by_name": {"Chris Child"}, "version": {version()}})
		wantRedirect(t, "accept as it stands", res, open+"?done=accepted")
	})
}
