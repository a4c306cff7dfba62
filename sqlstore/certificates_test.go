package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestCertificates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		north := mustAssetsSite(t, db, staff, cust.ID, "North")
		south := mustAssetsSite(t, db, staff, cust.ID, "South")
		gas := MustContractor(t, db, staff, "Gas Co")
		sparks := MustContractor(t, db, staff, "Sparks Ltd")
		mk := func(site *fieldportal.Site, typ, number string, k *fieldportal.Contractor, on fieldportal.Date) *fieldportal.Certificate {
			c := &fieldportal.Certificate{SiteID: site.ID, Type: typ, Number: number, IssuedOn: on, ExpiresOn: on.AddDays(365)}
			if k != nil {
				c.ContractorID = k.ID
			}
			if err := db.CreateCertificate(ctx, staff, c); err != nil {
				t.Fatalf("create certificate: %v", err)
			}
			return c
		}
		c1 := mk(north, "Gas safety", "C1", gas, day(1, 5))
		mk(north, "EICR", "C2", sparks, day(2, 5))
		mk(south, "Gas safety", "C3", gas, day(3, 5))
		mk(south, "Fire alarm", "C4", nil, day(4, 5))
		numbers := func(list []*fieldportal.Certificate) []string {
			var out []string
			for _, c := range list {
				out = append(out, c.Number)
			}
			return out
		}

		t.Run("create and find", func(t *testing.T) {
			doc := MustDocument(t, db, staff, &fieldportal.Document{Name: "cert.pdf", AttachedTo: "site", SiteID: north.ID})
			c := &fieldportal.Certificate{SiteID: north.ID, Type: "Legionella", Number: "C5", IssuedOn: day(5, 5),
				ContractorID: gas.ID, DocumentID: doc.ID, ExternalID: "ce-5"}
			if err := db.CreateCertificate(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
			if c.CustomerID != cust.ID || c.SiteName != "North" || c.ContractorName != "Gas Co" {
				t.Errorf("filled: %q %q %q", c.CustomerID, c.SiteName, c.ContractorName)
			}
			got, err := db.FindCertificateByID(ctx, staff, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c, got); diff != "" {
				t.Errorf("certificate differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid certificate names the field", func(t *testing.T) {
			for want, c := range map[string]*fieldportal.Certificate{
				"type":          {SiteID: north.ID, IssuedOn: day(1, 1)},
				"expires_on":    {SiteID: north.ID, Type: "X", IssuedOn: day(2, 1), ExpiresOn: day(1, 1)},
				"site_id":       {SiteID: "nope", Type: "X", IssuedOn: day(1, 1)},
				"contractor_id": {SiteID: north.ID, Type: "X", IssuedOn: day(1, 1), ContractorID: "nope"},
				"document_id":   {SiteID: north.ID, Type: "X", IssuedOn: day(1, 1), DocumentID: "nope"},
			} {
				if f := fieldOf(db.CreateCertificate(ctx, staff, c)); f != want {
					t.Errorf("field = %s, want %s", f, want)
				}
			}
		})
		t.Run("newest first, pages cover every certificate once", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.Certificate, string, error) {
				return db.FindCertificates(ctx, staff, fieldportal.CertificateFilter{Page: fieldportal.Page{After: after, Limit: 2}})
			}, func(c *fieldportal.Certificate) string { return c.Number })
			if diff := cmp.Diff([]string{"C5", "C4", "C3", "C2", "C1"}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for name, c := range map[string]struct {
				f    fieldportal.CertificateFilter
				want []string
			}{
				"site":       {fieldportal.CertificateFilter{SiteID: south.ID}, []string{"C4", "C3"}},
				"contractor": {fieldportal.CertificateFilter{ContractorID: gas.ID}, []string{"C5", "C3", "C1"}},
				"type":       {fieldportal.CertificateFilter{Type: "Gas safety"}, []string{"C3", "C1"}},
				"date range": {fieldportal.CertificateFilter{IssuedFrom: day(2, 5), IssuedTo: day(4, 4)}, []string{"C3", "C2"}},
			} {
				t.Run(name, func(t *testing.T) {
					list, _, err := db.FindCertificates(ctx, staff, c.f)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(c.want, numbers(list)); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
				})
			}
			types, err := db.FindCertificateTypes(ctx, staff)
			if err != nil || !cmp.Equal(types, []string{"EICR", "Fire alarm", "Gas safety", "Legionella"}) {
				t.Errorf("types = %v, %v", types, err)
			}
		})
		t.Run("update, updated since and upsert", func(t *testing.T) {
			since := time.Now().UTC()
			time.Sleep(2 * time.Millisecond)
			c1.ContractorID = sparks.ID
			if err := db.UpdateCertificate(ctx, staff, c1); err != nil {
				t.Fatal(err)
			}
			if c1.ContractorName != "Sparks Ltd" {
				t.Errorf("contractor name %q", c1.ContractorName)
			}
			list, _, err := db.FindCertificates(ctx, staff, fieldportal.CertificateFilter{UpdatedSince: since})
			if err != nil || !cmp.Equal(numbers(list), []string{"C1"}) {
				t.Errorf("updated since: %v %v", numbers(list), err)
			}
			x := &fieldportal.Certificate{ExternalID: "bo-1", SiteID: south.ID, Type: "EICR", IssuedOn: day(6, 1)}
			created, err := db.UpsertCertificateByExternalID(ctx, staff, x)
			if err != nil || !created {
				t.Fatalf("first upsert: %v %v", created, err)
			}
			y := &fieldportal.Certificate{ExternalID: "bo-1", SiteID: south.ID, Type: "EICR", IssuedOn: day(6, 2)}
			created, err = db.UpsertCertificateByExternalID(ctx, staff, y)
			if err != nil || created || y.ID != x.ID {
				t.Fatalf("second upsert: %v %v", created, err)
			}
		})
		t.Run("contact scope", func(t *testing.T) {
			southOnly := assetsContactViewer(t, db, org.ID, cust.ID, fieldportal.AllModules, south.ID)
			list, _, err := db.FindCertificates(ctx, southOnly, fieldportal.CertificateFilter{})
			if err != nil || !cmp.Equal(numbers(list), []string{"", "C4", "C3"}) {
				t.Errorf("south-only contact: %v %v", numbers(list), err)
			}
			if _, err := db.FindCertificateByID(ctx, southOnly, c1.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("south-only contact reads a north certificate: %v", err)
			}
			noTab := assetsContactViewer(t, db, org.ID, cust.ID, fieldportal.Modules{fieldportal.ModuleAssets})
			if _, _, err := db.FindCertificates(ctx, noTab, fieldportal.CertificateFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("contact without the Certificates tab: %v", err)
			}
			if err := db.CreateCertificate(ctx, southOnly, &fieldportal.Certificate{SiteID: south.ID, Type: "X", IssuedOn: day(1, 1)}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact creates a certificate: %v", err)
			}
		})
		t.Run("another organisation and anonymous see nothing", func(t *testing.T) {
			o2 := fieldportal.SystemViewer(MustOrg(t, db, "Other Org").ID, "test")
			list, _, err := db.FindCertificates(ctx, o2, fieldportal.CertificateFilter{})
			if err != nil || len(list) != 0 {
				t.Errorf("other org sees %d certificates (%v)", len(list), err)
			}
			if _, err := db.FindCertificateByID(ctx, o2, c1.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("other org reads a certificate: %v", err)
			}
			if _, _, err := db.FindCertificates(ctx, fieldportal.Viewer{}, fieldportal.CertificateFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("anonymous lists certificates: %v", err)
			}
		})
	})
}
