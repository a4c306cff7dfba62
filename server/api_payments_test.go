package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

func paymentID(p api.Payment) string { return p.ID }

// mustAPIInvoice makes an invoice of one line of amount at the site of
// external id site, with the external id ext ("" for none).
func mustAPIInvoice(t *testing.T, c *apiClient, site, ext string, amount int64) api.Invoice {
	t.Helper()
	var x api.Invoice
	if ext == "" {
		c.must(201, &x, "POST", "/api/v1/invoices", invoiceBody(site, 1, amount, 0))
	} else {
		c.must(201, &x, "PUT", "/api/v1/invoices/by-external-id/"+ext, invoiceBody(site, 1, amount, 0))
	}
	return x
}

// paidOf reads an invoice's amount paid, balance and status.
func paidOf(c *apiClient, id string) [3]any {
	c.t.Helper()
	var x api.Invoice
	c.must(200, &x, "GET", "/api/v1/invoices/"+id, "")
	return [3]any{x.AmountPaid, x.Balance, x.Status}
}

// TestAPIPayments walks the payments resource end to end on both engines:
// a payment with its allocations recorded as the console records one, the
// invoices' balances following it, what may change once it is recorded,
// upserts, the sync walk and bad input.
func TestAPIPayments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, _ := mustAPICustomerSite(t, c, "C-1", "S-1")
		inv1 := mustAPIInvoice(t, c, "S-1", "INV-1", 12000)
		inv2 := mustAPIInvoice(t, c, "S-1", "", 3000)

		var made api.Payment
		res := c.must(201, &made, "POST", "/api/v1/payments", `{"amount":8000,"method":"bank_transfer","reference":"TR-77",
			"currency":"`+f.org.Currency+`","paid_at":"2026-03-05T10:00:00Z",
			"allocations":[{"invoice_external_id":"INV-1","amount":5000},{"invoice_id":"`+inv2.ID+`","amount":3000}]}`)
		t.Run("create records the payment with a receipt and its allocations", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/payments/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.CustomerID != cu.ID || made.Amount != 8000 || made.Currency != f.org.Currency || made.Status != "succeeded" ||
				made.ReceiptNumber == "" || made.Reference != "TR-77" || made.Provider != "" || made.Unallocated != 0 ||
				made.PaidAt == nil || !made.PaidAt.Equal(time.Date(2026, 3, 5, 10, 0, 0, 0, time.UTC)) {
				t.Errorf("payment = %+v", made)
			}
			want := []api.PaymentAllocation{{InvoiceID: inv1.ID, Amount: 5000}, {InvoiceID: inv2.ID, Amount: 3000}}
			if diff := cmp.Diff(want, made.Allocations, sortAllocations); diff != "" {
				t.Errorf("allocations (-want +got):\n%s", diff)
			}
			var again api.Payment
			c.must(200, &again, "GET", "/api/v1/payments/"+made.ID, "")
			if diff := cmp.Diff(made, again); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
		})
		t.Run("the invoices' balances follow the payment", func(t *testing.T) {
			if got := paidOf(c, inv1.ID); got != [3]any{int64(5000), int64(7000), "part_paid"} {
				t.Errorf("invoice 1 = %v", got)
			}
			if got := paidOf(c, inv2.ID); got != [3]any{int64(3000), int64(0), "paid"} {
				t.Errorf("invoice 2 = %v", got)
			}
		})
		t.Run("an allocation over its invoice's balance is refused", func(t *testing.T) {
			c.problem(422, []string{"allocations[0].amount"}, "POST", "/api/v1/payments",
				`{"amount":8000,"method":"cash","allocations":[{"invoice_id":"`+inv1.ID+`","amount":7001}]}`)
			c.problem(422, []string{"allocations[1].amount"}, "POST", "/api/v1/payments",
				`{"amount":8000,"method":"cash","allocations":[{"invoice_id":"`+inv1.ID+`","amount":100},{"invoice_id":"`+inv2.ID+`","amount":1}]}`)
			c.problem(422, []string{"allocations"}, "POST", "/api/v1/payments",
				`{"amount":100,"method":"cash","allocations":[{"invoice_id":"`+inv1.ID+`","amount":200}]}`)
			if got := paidOf(c, inv1.ID); got != [3]any{int64(5000), int64(7000), "part_paid"} {
				t.Errorf("a refused payment changed invoice 1: %v", got)
			}
		})
		t.Run("an invoice with payments cannot be voided or priced under them", func(t *testing.T) {
			c.problem(422, []string{"void_reason"}, "PATCH", "/api/v1/invoices/"+inv1.ID, `{"status":"void","void_reason":"Wrong"}`)
			c.problem(422, []string{"lines"}, "PATCH", "/api/v1/invoices/"+inv1.ID, `{"lines":[{"description":"A","quantity":1,"unit_price":4000}]}`)
			c.problem(422, []string{"lines"}, "PUT", "/api/v1/invoices/by-external-id/INV-1", invoiceBody("S-1", 1, 4000, 0))
			// An edit keeps what is paid, whatever it sends.
			var x api.Invoice
			c.must(200, &x, "PUT", "/api/v1/invoices/by-external-id/INV-1", invoiceBody("S-1", 2, 6000, 0))
			if x.AmountPaid != 5000 || x.Balance != 7000 || x.Status != "part_paid" {
				t.Errorf("after a replace = %+v", x)
			}
		})
		t.Run("a patch changes the reference; amounts and allocations stay", func(t *testing.T) {
			var got api.Payment
			c.must(200, &got, "PATCH", "/api/v1/payments/"+made.ID, `{"reference":"TR-78","external_id":"PAY-0","amount":8000}`)
			if got.Reference != "TR-78" || got.ExternalID == nil || *got.ExternalID != "PAY-0" || got.Amount != 8000 ||
				len(got.Allocations) != 2 || got.ReceiptNumber != made.ReceiptNumber {
				t.Errorf("payment = %+v", got)
			}
			c.problem(422, []string{"amount"}, "PATCH", "/api/v1/payments/"+made.ID, `{"amount":9000}`)
			c.problem(422, []string{"allocations"}, "PATCH", "/api/v1/payments/"+made.ID,
				`{"allocations":[{"invoice_id":"`+inv1.ID+`","amount":8000}]}`)
			c.problem(422, []string{"method", "paid_at"}, "PATCH", "/api/v1/payments/"+made.ID,
				`{"method":"cash","paid_at":"2026-03-06T10:00:00Z"}`)
			if got := paidOf(c, inv1.ID); got != [3]any{int64(5000), int64(7000), "part_paid"} {
				t.Errorf("invoice 1 = %v", got)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/payments/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/payments/"+made.ID, `{"reference":"v2"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/payments/"+made.ID, `{"reference":"v3"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice records one payment", func(t *testing.T) {
			body := `{"customer_external_id":"C-1","amount":1500,"method":"cheque","paid_at":"2026-03-07T09:00:00Z",
				"allocations":[{"invoice_external_id":"INV-1","amount":1000}]}`
			var first, second api.Payment
			c.must(201, &first, "PUT", "/api/v1/payments/by-external-id/PAY-1", body)
			c.must(200, &second, "PUT", "/api/v1/payments/by-external-id/PAY-1", body)
			if first.ID != second.ID || second.Unallocated != 500 || first.ReceiptNumber != second.ReceiptNumber {
				t.Errorf("first %+v, second %+v", first, second)
			}
			if got := listIDs(c, "/api/v1/payments?external_id=PAY-1", paymentID); len(got) != 1 {
				t.Errorf("payments = %v", got)
			}
			if got := paidOf(c, inv1.ID); got != [3]any{int64(6000), int64(6000), "part_paid"} {
				t.Errorf("invoice 1 = %v", got)
			}
			c.problem(422, []string{"amount"}, "PUT", "/api/v1/payments/by-external-id/PAY-1",
				`{"customer_id":"`+cu.ID+`","amount":1600,"method":"cheque","allocations":[{"invoice_id":"`+inv1.ID+`","amount":1000}]}`)
			var ref api.Payment
			c.must(200, &ref, "PUT", "/api/v1/payments/by-external-id/PAY-1",
				`{"customer_id":"`+cu.ID+`","amount":1500,"method":"cheque","reference":"CHQ 100","allocations":[{"invoice_id":"`+inv1.ID+`","amount":1000}]}`)
			if ref.ID != first.ID || ref.Reference != "CHQ 100" {
				t.Errorf("payment = %+v", ref)
			}
		})
		t.Run("filters", func(t *testing.T) {
			other, _ := mustAPICustomerSite(t, c, "C-2", "S-2")
			x := mustAPIInvoice(t, c, "S-2", "", 100)
			var theirs api.Payment
			c.must(201, &theirs, "POST", "/api/v1/payments", `{"amount":100,"method":"cash","allocations":[{"invoice_id":"`+x.ID+`","amount":100}]}`)
			if theirs.CustomerID != other.ID {
				t.Errorf("customer = %s, want the invoice's", theirs.CustomerID)
			}
			if got := listIDs(c, "/api/v1/payments?customer_id="+other.ID, paymentID); !cmp.Equal(got, []string{theirs.ID}) {
				t.Errorf("other's payments = %v", got)
			}
			if got := listIDs(c, "/api/v1/payments?customer_id="+cu.ID, paymentID); len(got) != 2 {
				t.Errorf("C-1's payments = %v", got)
			}
		})
		t.Run("a payment recorded through the API is a payment.succeeded event from the api", func(t *testing.T) {
			e, err := db.CreateWebhookEndpoint(t.Context(), f.sys, fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/fp",
				Events: []string{"payment.succeeded"}})
			if err != nil {
				t.Fatal(err)
			}
			var p api.Payment
			c.must(201, &p, "POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","amount":100,"method":"cash"}`)
			ds, _, err := db.FindWebhookDeliveries(t.Context(), f.sys, e.ID, fieldportal.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				var body struct {
					Type, Source string
					Data         struct {
						ID            string
						ReceiptNumber string `json:"receipt_number"`
					}
				}
				if err := json.Unmarshal([]byte(d.Payload), &body); err != nil {
					t.Fatal(err)
				}
				got = append(got, body.Type+" "+body.Source+" "+body.Data.ID+" "+body.Data.ReceiptNumber)
			}
			if diff := cmp.Diff([]string{"payment.succeeded api " + p.ID + " " + p.ReceiptNumber}, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
		t.Run("a refund shows as refunded, not as unallocated", func(t *testing.T) {
			inv := mustAPIInvoice(t, c, "S-1", "INV-R", 2000)
			var p api.Payment
			c.must(201, &p, "POST", "/api/v1/payments", `{"amount":1000,"method":"cheque",
				"allocations":[{"invoice_id":"`+inv.ID+`","amount":1000}]}`)
			if _, err := db.RefundPayment(t.Context(), f.sys, &fieldportal.PaymentRefund{PaymentID: p.ID, Amount: 400,
				Reason: "Overpaid", Key: "refund-r"}); err != nil {
				t.Fatal(err)
			}
			var got api.Payment
			c.must(200, &got, "GET", "/api/v1/payments/"+p.ID, "")
			want := []api.PaymentAllocation{{InvoiceID: inv.ID, Amount: 600}}
			if got.Refunded != 400 || got.Unallocated != 0 || !cmp.Equal(want, got.Allocations) {
				t.Errorf("refunded %d, unallocated %d, allocations %+v; want 400, 0, %+v", got.Refunded, got.Unallocated, got.Allocations, want)
			}
			var list api.List[api.Payment]
			c.must(200, &list, "GET", "/api/v1/payments?limit=500", "")
			for _, x := range list.Data {
				if x.ID == p.ID && (x.Refunded != 400 || x.Unallocated != 0) {
					t.Errorf("listed: refunded %d, unallocated %d", x.Refunded, x.Unallocated)
				}
			}
		})
		t.Run("a refunded payment can be sent again as it was recorded", func(t *testing.T) {
			inv := mustAPIInvoice(t, c, "S-1", "INV-RR", 3000)
			body := `{"customer_external_id":"C-1","amount":1200,"method":"cheque","paid_at":"2026-03-09T09:00:00Z",
				"allocations":[{"invoice_external_id":"INV-RR","amount":1000}]}`
			var p api.Payment
			c.must(201, &p, "PUT", "/api/v1/payments/by-external-id/PAY-RR", body)
			// 200 of the refund come from the unallocated part, 300 off INV-RR.
			if _, err := db.RefundPayment(t.Context(), f.sys, &fieldportal.PaymentRefund{PaymentID: p.ID, Amount: 500,
				Reason: "Overpaid", Key: "refund-rr"}); err != nil {
				t.Fatal(err)
			}
			var again api.Payment
			c.must(200, &again, "PUT", "/api/v1/payments/by-external-id/PAY-RR", body)
			want := []api.PaymentAllocation{{InvoiceID: inv.ID, Amount: 700}}
			if again.ID != p.ID || again.Refunded != 500 || !cmp.Equal(want, again.Allocations) {
				t.Errorf("sent again: %+v; want the refunded payment with %+v", again, want)
			}
			c.must(200, nil, "PUT", "/api/v1/payments/by-external-id/PAY-RR", strings.Replace(body, `"amount":1000`, `"amount":700`, 1))
			c.problem(422, []string{"allocations"}, "PUT", "/api/v1/payments/by-external-id/PAY-RR",
				strings.Replace(body, `"amount":1000`, `"amount":1201`, 1))
			c.problem(422, []string{"allocations"}, "PUT", "/api/v1/payments/by-external-id/PAY-RR",
				strings.Replace(body, `"amount":1000`, `"amount":600`, 1))
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"currency"}, "POST", "/api/v1/payments", `{"amount":1,"method":"cash","currency":"XXX"}`)
			c.problem(422, []string{"method"}, "POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","amount":100,"method":"card"}`)
			c.problem(422, []string{"amount"}, "POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","method":"cash"}`)
			c.problem(422, []string{"customer_id"}, "POST", "/api/v1/payments", `{"amount":100,"method":"cash"}`)
			c.problem(422, []string{"paid_at"}, "POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","amount":100,"method":"cash","paid_at":"5 March"}`)
			c.problem(422, []string{"allocations[0].invoice_id", "allocations[1].invoice_external_id", "allocations[2].amount"},
				"POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","amount":100,"method":"cash","allocations":[
				{"invoice_id":"nope","amount":1},{"invoice_external_id":"NOPE","amount":1},{"invoice_id":"`+inv1.ID+`","amount":0}]}`)
			c.problem(400, []string{"allocations[0].invoice"}, "POST", "/api/v1/payments", `{"allocations":[{"invoice":"x"}]}`)
			c.problem(400, []string{"status"}, "POST", "/api/v1/payments", `{"status":"succeeded"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/payments/by-external-id/PAY-1", `{"external_id":"PAY-2"}`)
			c.problem(404, nil, "GET", "/api/v1/payments/no-such-payment", "")
		})
		t.Run("a read key reads payments and writes none", func(t *testing.T) {
			rd := mustAPIReadClient(t, f, f.org.ID, "portal.test")
			rd.must(200, nil, "GET", "/api/v1/payments/"+made.ID, "")
			rd.must(200, nil, "GET", "/api/v1/payments", "")
			body := `{"amount":1,"method":"cash","allocations":[{"invoice_id":"` + inv1.ID + `","amount":1}]}`
			rd.problem(403, nil, "POST", "/api/v1/payments", body)
			rd.problem(403, nil, "PATCH", "/api/v1/payments/"+made.ID, `{"reference":"No"}`)
			rd.problem(403, nil, "PUT", "/api/v1/payments/by-external-id/R-1", body)
			if got := paidOf(c, inv1.ID); got[0] != int64(6000) {
				t.Errorf("invoice 1 = %v", got)
			}
		})
	})
}

// sortAllocations compares allocations in any order.
var sortAllocations = cmp.Transformer("sort", func(in []api.PaymentAllocation) map[string]int64 {
	out := map[string]int64{}
	for _, a := range in {
		out[a.InvoiceID] += a.Amount
	}
	return out
})

// TestAPIPaymentsUpdatedSince walks the payments recorded or changed
// since a time, oldest change first and page by page.
func TestAPIPaymentsUpdatedSince(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, _ := mustAPICustomerSite(t, c, "C-1", "S-1")
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		at := base
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		var ids []string
		for i := range 3 {
			at = base.Add(time.Duration(i) * time.Minute)
			var p api.Payment
			c.must(201, &p, "POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","amount":100,"method":"cash"}`)
			ids = append(ids, p.ID)
		}
		at = base.Add(10 * time.Minute)
		c.must(200, nil, "PATCH", "/api/v1/payments/"+ids[0], `{"reference":"later"}`)
		db.Now = time.Now
		c.must(201, nil, "POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","amount":100,"method":"cash"}`)

		since := base.Add(time.Minute).Format(time.RFC3339)
		var got []string
		path := "/api/v1/payments?limit=2&updated_since=" + since
		for path != "" {
			var list api.List[api.Payment]
			c.must(200, &list, "GET", path, "")
			for _, p := range list.Data {
				got = append(got, p.ID)
			}
			path = ""
			if list.NextCursor != nil {
				path = "/api/v1/payments?limit=2&updated_since=" + since + "&cursor=" + url.QueryEscape(*list.NextCursor)
			}
		}
		if diff := cmp.Diff([]string{ids[1], ids[2], ids[0]}, got); diff != "" {
			t.Errorf("synced (-want +got):\n%s", diff)
		}
	})
}

// TestAPIPaymentsOtherOrganisation checks a key reaches its own
// organisation's payments alone, and cannot allocate to another's invoice.
func TestAPIPaymentsOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		cu, _ := mustAPICustomerSite(t, ours, "C-1", "S-1")
		inv := mustAPIInvoice(t, ours, "S-1", "INV-1", 1000)
		var p api.Payment
		ours.must(201, &p, "PUT", "/api/v1/payments/by-external-id/SHARED",
			`{"amount":400,"method":"cash","allocations":[{"invoice_id":"`+inv.ID+`","amount":400}]}`)

		theirCu, _ := mustAPICustomerSite(t, theirs, "C-9", "S-9")
		theirs.problem(404, nil, "GET", "/api/v1/payments/"+p.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/payments/"+p.ID, `{"reference":"Taken"}`)
		theirs.problem(422, []string{"allocations[0].invoice_id"}, "POST", "/api/v1/payments",
			`{"customer_id":"`+theirCu.ID+`","amount":400,"method":"cash","allocations":[{"invoice_id":"`+inv.ID+`","amount":400}]}`)
		theirs.problem(422, []string{"allocations[0].invoice_external_id"}, "POST", "/api/v1/payments",
			`{"customer_id":"`+theirCu.ID+`","amount":400,"method":"cash","allocations":[{"invoice_external_id":"INV-1","amount":400}]}`)
		theirs.problem(422, []string{"customer_id"}, "POST", "/api/v1/payments", `{"customer_id":"`+cu.ID+`","amount":400,"method":"cash"}`)
		theirs.problem(422, []string{"allocations[0].invoice_id"}, "PUT", "/api/v1/payments/by-external-id/SHARED",
			`{"customer_id":"`+theirCu.ID+`","amount":400,"method":"cash","allocations":[{"invoice_id":"`+inv.ID+`","amount":400}]}`)
		if got := listIDs(theirs, "/api/v1/payments", paymentID); len(got) != 0 {
			t.Errorf("their list shows ours: %v", got)
		}
		var tp api.Payment
		theirs.must(201, &tp, "PUT", "/api/v1/payments/by-external-id/SHARED", `{"customer_id":"`+theirCu.ID+`","amount":50,"method":"cash"}`)
		var again api.Payment
		ours.must(200, &again, "GET", "/api/v1/payments/"+p.ID, "")
		if tp.ID == p.ID || again.Amount != 400 {
			t.Errorf("their upsert touched ours: %+v / %+v", tp, again)
		}
		if got := paidOf(ours, inv.ID); got != [3]any{int64(400), int64(600), "part_paid"} {
			t.Errorf("our invoice = %v", got)
		}
	})
}
