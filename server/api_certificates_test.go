package server

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPICertificates walks the certificates resource on both engines:
// the file as a document of the same site (another site's refused by the
// store), filters by contractor, type and status, If-Match, upserts and
// bad input.
func TestAPICertificates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		sys := fieldportal.SystemViewer(f.org.ID, "test")
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		_, other := mustAPICustomerSite(t, c, "C-2", "S-2")
		doc := mustDocument(t, db, sys, "gas.pdf", cu.ID, site.ID, true)
		otherDoc := mustDocument(t, db, sys, "other.pdf", other.CustomerID, other.ID, true)
		gas := &fieldportal.Contractor{Name: "Gas Co"}
		if err := db.CreateContractor(t.Context(), sys, gas); err != nil {
			t.Fatal(err)
		}

		var made api.Certificate
		res := c.must(201, &made, "POST", "/api/v1/certificates", `{"site_external_id":"S-1","cert_type":"Gas safety",
			"number":"GS-1","issued_on":"2026-01-10","expires_on":"2027-01-10","contractor_id":"`+gas.ID+`","document_id":"`+doc.ID+`"}`)
		t.Run("create takes the site's customer and keeps the file", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/certificates/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.CustomerID != cu.ID || made.SiteID != site.ID || made.CertType != "Gas safety" ||
				made.DocumentID == nil || *made.DocumentID != doc.ID || made.ExpiresOn == nil ||
				made.ExpiresOn.String() != "2027-01-10" || made.ContractorID == nil || *made.ContractorID != gas.ID {
				t.Errorf("certificate = %+v", made)
			}
			var got api.Certificate
			c.must(200, &got, "GET", "/api/v1/certificates/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("(-created +got):\n%s", diff)
			}
		})
		t.Run("another site's document is refused", func(t *testing.T) {
			c.problem(422, []string{"document_id"}, "PATCH", "/api/v1/certificates/"+made.ID, `{"document_id":"`+otherDoc.ID+`"}`)
			c.problem(422, []string{"document_id"}, "POST", "/api/v1/certificates",
				`{"site_id":"`+site.ID+`","cert_type":"EICR","issued_on":"2026-01-10","document_id":"no-such-document"}`)
		})
		t.Run("patch changes only the fields sent; If-Match refuses a stale version", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/certificates/"+made.ID, "").Header.Get("ETag")
			var got api.Certificate
			c.must(200, &got, "PATCH", "/api/v1/certificates/"+made.ID, `{"number":"GS-2","document_id":""}`, "If-Match", stale)
			if got.Number != "GS-2" || got.DocumentID != nil || got.CertType != "Gas safety" || got.ExpiresOn == nil {
				t.Errorf("certificate = %+v", got)
			}
			c.problem(412, nil, "PATCH", "/api/v1/certificates/"+made.ID, `{"number":"GS-3"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one certificate", func(t *testing.T) {
			body := `{"site_id":"` + other.ID + `","cert_type":"EICR","issued_on":"2020-01-01","expires_on":"2021-01-01"}`
			var first, second api.Certificate
			c.must(201, &first, "PUT", "/api/v1/certificates/by-external-id/K-1", body)
			c.must(200, &second, "PUT", "/api/v1/certificates/by-external-id/K-1", body)
			if first.ID != second.ID || second.ExternalID == nil || *second.ExternalID != "K-1" || second.CustomerID != other.CustomerID {
				t.Errorf("first %+v, second %+v", first, second)
			}
		})
		t.Run("filters", func(t *testing.T) {
			ids := func(path string) []string {
				var list api.List[api.Certificate]
				c.must(200, &list, "GET", path, "")
				var out []string
				for _, x := range list.Data {
					out = append(out, x.CertType+" "+x.SiteID)
				}
				return out
			}
			for path, want := range map[string][]string{
				"/api/v1/certificates?site_id=" + site.ID:                {"Gas safety " + site.ID},
				"/api/v1/certificates?contractor_id=" + gas.ID:           {"Gas safety " + site.ID},
				"/api/v1/certificates?cert_type=EICR":                    {"EICR " + other.ID},
				"/api/v1/certificates?status=expired":                    {"EICR " + other.ID},
				"/api/v1/certificates?external_id=K-1":                   {"EICR " + other.ID},
				"/api/v1/certificates?cert_type=EICR&site_id=" + site.ID: nil,
			} {
				if diff := cmp.Diff(want, ids(path)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
			c.problem(400, []string{"status"}, "GET", "/api/v1/certificates?status=lapsed", "")
			c.problem(400, []string{"customer_id"}, "GET", "/api/v1/certificates?customer_id="+cu.ID, "")
		})
		t.Run("a read key reads certificates and writes none", func(t *testing.T) {
			key, _, err := db.CreateAPIKey(t.Context(), sys, "Reader", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			reader := &apiClient{t: t, h: c.h, host: c.host, key: key, onResponse: c.onResponse}
			reader.must(200, nil, "GET", "/api/v1/certificates/"+made.ID, "")
			reader.must(200, nil, "GET", "/api/v1/certificates", "")
			reader.problem(403, nil, "POST", "/api/v1/certificates", `{"site_id":"`+site.ID+`"}`)
			reader.problem(403, nil, "PATCH", "/api/v1/certificates/"+made.ID, `{"number":"No"}`)
			reader.problem(403, nil, "PUT", "/api/v1/certificates/by-external-id/R-1", `{"site_id":"`+site.ID+`"}`)
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"cert_type", "site_id", "issued_on"}, "POST", "/api/v1/certificates", `{}`)
			c.problem(422, []string{"expires_on"}, "POST", "/api/v1/certificates",
				`{"site_id":"`+site.ID+`","cert_type":"EICR","issued_on":"2026-01-10","expires_on":"2025-01-10"}`)
			c.problem(422, []string{"issued_on"}, "POST", "/api/v1/certificates", `{"site_id":"`+site.ID+`","cert_type":"EICR","issued_on":"10/01/2026"}`)
			c.problem(422, []string{"contractor_id"}, "POST", "/api/v1/certificates",
				`{"site_id":"`+site.ID+`","cert_type":"EICR","issued_on":"2026-01-10","contractor_id":"nope"}`)
			c.problem(422, []string{"cert_type"}, "PUT", "/api/v1/certificates/by-external-id/K-2", `{"site_id":"`+site.ID+`","issued_on":"2026-01-10"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/certificates/by-external-id/K-1", `{"external_id":"K-2"}`)
			c.problem(400, []string{"type"}, "POST", "/api/v1/certificates", `{"type":"EICR"}`)
			c.problem(404, nil, "GET", "/api/v1/certificates/no-such-certificate", "")
		})
	})
}

// TestAPICertificatesOtherOrganisation checks a key reaches its own
// organisation's certificates alone, by id, by external id and as the
// document a certificate refers to.
func TestAPICertificatesOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ourOrg := mustOrg(t, db, "Our Org", "ours.example.test")
		ours := mustAPIClient(t, f, ourOrg.ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		cu, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		doc := mustDocument(t, db, fieldportal.SystemViewer(ourOrg.ID, "test"), "gas.pdf", cu.ID, site.ID, true)
		var x api.Certificate
		ours.must(201, &x, "PUT", "/api/v1/certificates/by-external-id/SHARED",
			`{"site_id":"`+site.ID+`","cert_type":"Gas safety","issued_on":"2026-01-10","document_id":"`+doc.ID+`"}`)

		theirs.problem(404, nil, "GET", "/api/v1/certificates/"+x.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/certificates/"+x.ID, `{"number":"Taken"}`)
		theirs.problem(422, []string{"site_id"}, "POST", "/api/v1/certificates",
			`{"site_id":"`+site.ID+`","cert_type":"EICR","issued_on":"2026-01-10"}`)
		var list api.List[api.Certificate]
		theirs.must(200, &list, "GET", "/api/v1/certificates?external_id=SHARED", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		theirs.problem(422, []string{"document_id"}, "POST", "/api/v1/certificates",
			`{"site_id":"`+theirSite.ID+`","cert_type":"EICR","issued_on":"2026-01-10","document_id":"`+doc.ID+`"}`)
		var tx api.Certificate
		theirs.must(201, &tx, "PUT", "/api/v1/certificates/by-external-id/SHARED",
			`{"site_id":"`+theirSite.ID+`","cert_type":"EICR","issued_on":"2026-01-10"}`)
		var again api.Certificate
		ours.must(200, &again, "GET", "/api/v1/certificates/"+x.ID, "")
		if tx.ID == x.ID || again.CertType != "Gas safety" || again.DocumentID == nil {
			t.Errorf("their upsert touched ours: %+v / %+v", tx, again)
		}
	})
}
