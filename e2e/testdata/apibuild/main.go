// Command apibuild builds a whole customer through fieldportal's API with
// a client generated from the served OpenAPI document by oapi-codegen
// (package fpclient, made by TestJourneyAPIBuild, never committed). It
// reads the portal's URL and a write key from FP_URL and FP_KEY, and
// prints what it made as JSON for the test to look for in the portal.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"time"

	"apibuild/fpclient"
)

// Made is what the build made, as the portal must show it.
type Made struct {
	ContactEmail string   `json:"contact_email"`
	ContactID    string   `json:"contact_id"`
	Sites        []string `json:"sites"`
	Jobs         []string `json:"jobs"`   // numbers
	Quotes       []string `json:"quotes"` // numbers
	Assets       []string `json:"assets"` // numbers
	Certificate  string   `json:"certificate"`
	Appointment  string   `json:"appointment"`
	Invoices     []string `json:"invoices"` // numbers
	Document     string   `json:"document"` // name
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "apibuild:", err)
		os.Exit(1)
	}
}

func p[T any](v T) *T { return &v }

// check turns a response other than want into an error with its body.
func check(step string, status int, want int, body []byte) error {
	if status != want {
		return fmt.Errorf("%s: status %d, want %d: %s", step, status, want, body)
	}
	return nil
}

func run(ctx context.Context) error {
	key := os.Getenv("FP_KEY")
	c, err := fpclient.NewClientWithResponses(os.Getenv("FP_URL")+"/api/v1", fpclient.WithRequestEditorFn(
		func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+key)
			return nil
		}))
	if err != nil {
		return err
	}
	var made Made

	// A customer tree: a parent, and a sub-customer given by the parent's
	// external id. The parent is pushed twice: an upsert leaves one.
	parent := fpclient.CustomerInput{Name: p("Northwind Estates"), Email: p("accounts@northwind.test"),
		BillingAddress: &fpclient.AddressInput{Line1: p("1 Quay Street"), City: p("Bristol"), Postcode: p("BS1 6AA")}}
	for i, want := range []int{201, 200} {
		res, err := c.UpsertCustomerWithResponse(ctx, "NW", nil, parent)
		if err != nil {
			return err
		}
		if err := check(fmt.Sprintf("upsert parent #%d", i+1), res.StatusCode(), want, res.Body); err != nil {
			return err
		}
	}
	child, err := c.CreateCustomerWithResponse(ctx, &fpclient.CreateCustomerParams{IdempotencyKey: p("child-1")},
		fpclient.CustomerInput{Name: p("Northwind Retail"), ExternalId: p("NW-R"), ParentExternalId: p("NW")})
	if err != nil {
		return err
	}
	if err := check("create child", child.StatusCode(), 201, child.Body); err != nil {
		return err
	}

	// Sites: two of the parent, one of the sub-customer.
	for _, s := range []struct{ ext, customer, name, line1, postcode string }{
		{"NW-S1", "NW", "Northwind Head Office", "1 Quay Street", "BS1 6AA"},
		{"NW-S2", "NW", "Northwind Depot", "Unit 4 Avonmouth Way", "BS11 9YA"},
		{"NW-S3", "NW-R", "Northwind Broadmead Store", "22 Broadmead", "BS1 3HA"},
	} {
		res, err := c.UpsertSiteWithResponse(ctx, s.ext, nil, fpclient.SiteInput{CustomerExternalId: p(s.customer), Name: p(s.name),
			Address: &fpclient.AddressInput{Line1: p(s.line1), City: p("Bristol"), Postcode: p(s.postcode)}})
		if err != nil {
			return err
		}
		if err := check("site "+s.ext, res.StatusCode(), 201, res.Body); err != nil {
			return err
		}
		made.Sites = append(made.Sites, s.name)
	}

	// The parent's facilities manager, who will sign in.
	made.ContactEmail = "facilities@northwind.test"
	contact, err := c.UpsertContactWithResponse(ctx, "NW-C1", nil, fpclient.ContactInput{CustomerExternalId: p("NW"),
		FirstName: p("Nadia"), LastName: p("Whitfield"), Email: p(made.ContactEmail), Primary: p(true),
		JobContact: p(true), QuoteContact: p(true), InvoiceContact: p(true), StatementContact: p(true)})
	if err != nil {
		return err
	}
	if err := check("contact", contact.StatusCode(), 201, contact.Body); err != nil {
		return err
	}
	made.ContactID = contact.JSON201.Id

	// Jobs in every stage, each at a site by its external id.
	for i, stage := range []string{"pending", "scheduled", "in_progress", "complete", "invoiced", "archived"} {
		number := fmt.Sprintf("NWJ-%d", 101+i)
		in := fpclient.JobInput{SiteExternalId: p([]string{"NW-S1", "NW-S2", "NW-S3"}[i%3]), Kind: p([]string{"service", "install"}[i%2]),
			Number: p(number), Stage: p(stage), Description: p("Fire alarm " + stage), Technician: p("Sam Patel"),
			Items: &[]fpclient.JobItemInput{{Code: p("FA-SVC"), Description: p("Fire alarm service"), Quantity: p(1), UnitPrice: p(12500)}}}
		res, err := c.UpsertJobWithResponse(ctx, number, nil, in)
		if err != nil {
			return err
		}
		if err := check("job "+number, res.StatusCode(), 201, res.Body); err != nil {
			return err
		}
		made.Jobs = append(made.Jobs, number)
	}

	// Quotes: one outstanding, one approved.
	for i, stage := range []string{"outstanding", "approved"} {
		number := fmt.Sprintf("NWQ-%d", 201+i)
		res, err := c.UpsertQuoteWithResponse(ctx, number, nil, fpclient.QuoteInput{SiteExternalId: p("NW-S2"), Number: p(number),
			Stage: p(stage), Description: p("Emergency lighting upgrade"), ValidUntil: p(time.Now().AddDate(0, 1, 0).Format("2006-01-02")),
			Items:      &[]fpclient.QuoteItemInput{{Code: p("EL-1"), Description: p("LED emergency bulkhead"), Quantity: p(4), UnitPrice: p(4500)}},
			TotalExTax: p(18000), Tax: p(3600)})
		if err != nil {
			return err
		}
		if err := check("quote "+number, res.StatusCode(), 201, res.Body); err != nil {
			return err
		}
		made.Quotes = append(made.Quotes, number)
	}

	// Assets with their tests: one passed, one failed.
	for i, result := range []string{"pass", "fail"} {
		number := fmt.Sprintf("NWA-%d", 301+i)
		res, err := c.UpsertAssetWithResponse(ctx, number, nil, fpclient.AssetInput{SiteExternalId: p("NW-S1"), Number: p(number),
			Name: p("Fire extinguisher " + number), AssetType: p("Fire extinguisher"), Location: p("Ground floor lobby")})
		if err != nil {
			return err
		}
		if err := check("asset "+number, res.StatusCode(), 201, res.Body); err != nil {
			return err
		}
		test, err := c.UpsertAssetTestWithResponse(ctx, number+"-T1", nil, fpclient.AssetTestInput{AssetExternalId: p(number),
			TestedOn: p(time.Now().AddDate(0, 0, -7).Format("2006-01-02")), Result: p(result), Technician: p("Sam Patel")})
		if err != nil {
			return err
		}
		if err := check("test of "+number, test.StatusCode(), 201, test.Body); err != nil {
			return err
		}
		made.Assets = append(made.Assets, number)
	}

	// A certificate of the head office.
	made.Certificate = "NWC-401"
	cert, err := c.UpsertCertificateWithResponse(ctx, "NWC-401", nil, fpclient.CertificateInput{SiteExternalId: p("NW-S1"),
		Number: p(made.Certificate), CertType: p("Fire alarm"), IssuedOn: p(time.Now().AddDate(0, 0, -7).Format("2006-01-02")),
		ExpiresOn: p(time.Now().AddDate(1, 0, 0).Format("2006-01-02"))})
	if err != nil {
		return err
	}
	if err := check("certificate", cert.StatusCode(), 201, cert.Body); err != nil {
		return err
	}

	// An appointment for the scheduled job, next week.
	start := time.Now().UTC().AddDate(0, 0, 7).Truncate(time.Hour)
	made.Appointment = "Fire alarm service visit"
	appt, err := c.UpsertAppointmentWithResponse(ctx, "NW-V1", nil, fpclient.AppointmentInput{JobExternalId: p("NWJ-102"),
		StartsAt: p(start.Format(time.RFC3339)), EndsAt: p(start.Add(2 * time.Hour).Format(time.RFC3339)),
		Description: p(made.Appointment), Technician: p("Sam Patel")})
	if err != nil {
		return err
	}
	if err := check("appointment", appt.StatusCode(), 201, appt.Body); err != nil {
		return err
	}

	// Invoices with lines, one of them paid in part through a payment
	// with its allocation (the one source of an invoice's amount paid).
	for i, n := range []int{2, 1} {
		number := fmt.Sprintf("NWI-%d", 501+i)
		res, err := c.UpsertInvoiceWithResponse(ctx, number, nil, fpclient.InvoiceInput{SiteExternalId: p("NW-S2"),
			JobExternalId: p("NWJ-105"), Number: p(number), IssueDate: p(time.Now().AddDate(0, 0, -3).Format("2006-01-02")),
			DueDate: p(time.Now().AddDate(0, 0, 27).Format("2006-01-02")), Description: p("Fire alarm service"),
			Lines: &[]fpclient.InvoiceLineInput{{Description: p("Fire alarm service"), Quantity: p(n), UnitPrice: p(12500), Tax: p(2500 * n)}}})
		if err != nil {
			return err
		}
		if err := check("invoice "+number, res.StatusCode(), 201, res.Body); err != nil {
			return err
		}
		made.Invoices = append(made.Invoices, number)
	}
	pay, err := c.CreatePaymentWithResponse(ctx, &fpclient.CreatePaymentParams{IdempotencyKey: p("pay-NWI-501")},
		fpclient.PaymentInput{CustomerExternalId: p("NW"), Amount: p(10000), Method: p("bank_transfer"), Reference: p("BACS 501"),
			Allocations: &[]fpclient.PaymentAllocationInput{{InvoiceExternalId: p("NWI-501"), Amount: p(10000)}}})
	if err != nil {
		return err
	}
	if err := check("payment", pay.StatusCode(), 201, pay.Body); err != nil {
		return err
	}

	// A document uploaded to the head office, which its contacts see.
	made.Document = "Fire risk assessment.pdf"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, v := range map[string]string{"attached_to": "site", "site_external_id": "NW-S1", "visible_to_customer": "true",
		"external_id": "NW-D1"} {
		if err := mw.WriteField(k, v); err != nil {
			return err
		}
	}
	fw, err := mw.CreateFormFile("file", made.Document)
	if err != nil {
		return err
	}
	fw.Write([]byte(minimalPDF))
	if err := mw.Close(); err != nil {
		return err
	}
	doc, err := c.UploadDocumentWithBodyWithResponse(ctx, nil, mw.FormDataContentType(), &body)
	if err != nil {
		return err
	}
	if err := check("document", doc.StatusCode(), 201, doc.Body); err != nil {
		return err
	}

	// The invite: the contact gets a login to every page and site of its
	// customer, and the setup mail.
	access, err := c.SetContactPortalAccessWithResponse(ctx, made.ContactID, nil, fpclient.PortalAccessInput{Action: p("invite"),
		SiteAccess: p("all"), PageAccess: &[]*string{p("dashboard"), p("sites"), p("issues"), p("service"), p("install"), p("quotes"),
			p("invoices"), p("statement"), p("assets"), p("documents"), p("certificates"), p("diary"), p("tasks"), p("reports")}})
	if err != nil {
		return err
	}
	if err := check("invite", access.StatusCode(), 200, access.Body); err != nil {
		return err
	}

	return json.NewEncoder(os.Stdout).Encode(made)
}

// minimalPDF is a one-page PDF, enough for the content check.
const minimalPDF = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
