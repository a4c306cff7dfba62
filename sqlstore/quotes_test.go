package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestQuotes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		outstanding := func(site string) *fieldportal.Quote {
			return mustWorkQuote(t, db, staff, &fieldportal.Quote{SiteID: site, Stage: fieldportal.QuoteOutstanding,
				TotalExTax: 10000, Tax: 2000, TotalIncTax: 12000})
		}

		t.Run("create and find round trip with items and assets", func(t *testing.T) {
			x := mustWorkQuote(t, db, staff, &fieldportal.Quote{
				SiteID: w.SiteB.ID, Stage: fieldportal.QuoteOutstanding, OrderNo: "PO-9", Description: "Replace panel",
				PreferredDate: fieldportal.Date{Year: 2025, Month: 6, Day: 1}, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1},
				TotalExTax: 10000, Tax: 2000, TotalIncTax: 12000, ContractorID: w.Contractor, AssetIDs: []string{w.AssetB},
				Items: []fieldportal.QuoteItem{
					{Code: "P", Description: "Panel", Quantity: 1, UnitPrice: 8000},
					{Description: "Extended warranty", Quantity: 1, UnitPrice: 2000, Optional: true},
				},
			})
			if !strings.HasPrefix(x.Number, "Q-") || x.CustomerID != w.Child.ID {
				t.Fatalf("number %q customer %q", x.Number, x.CustomerID)
			}
			got, err := db.FindQuoteByID(ctx, staff, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			x.SiteName = w.SiteB.Name
			if diff := cmp.Diff(x, got); diff != "" {
				t.Errorf("quote differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid quote names the field", func(t *testing.T) {
			err := db.CreateQuote(ctx, staff, &fieldportal.Quote{SiteID: w.SiteA.ID, Stage: fieldportal.QuoteOutstanding, TotalExTax: 1, TotalIncTax: 2})
			wantWorkCode(t, err, fieldportal.EINVALID, "total_inc_tax")
			err = db.CreateQuote(ctx, staff, &fieldportal.Quote{SiteID: w.SiteA.ID, Stage: "maybe"})
			wantWorkCode(t, err, fieldportal.EINVALID, "stage")
		})

		t.Run("keyset pages, filters and counts", func(t *testing.T) {
			org := MustOrg(t, db, "Quotes Ltd")
			lv := fieldportal.SystemViewer(org.ID, "test")
			cust := MustCustomer(t, db, lv, &fieldportal.Customer{Name: "C"})
			s1 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "One", Address: fieldportal.Address{Line1: "1 A St"}})
			s2 := MustSite(t, db, lv, &fieldportal.Site{CustomerID: cust.ID, Name: "Two", Address: fieldportal.Address{Line1: "2 B St"}})
			var made []string
			for _, c := range []struct {
				site  string
				stage fieldportal.QuoteStage
				desc  string
			}{
				{s1.ID, fieldportal.QuoteRequested, "sprinkler heads"},
				{s1.ID, fieldportal.QuoteOutstanding, "alarm panel"},
				{s2.ID, fieldportal.QuoteOutstanding, "Sprinkler pump"},
				{s2.ID, fieldportal.QuoteApproved, "doors"},
				{s1.ID, fieldportal.QuoteDeclined, "lights"},
			} {
				made = append(made, mustWorkQuote(t, db, lv, &fieldportal.Quote{SiteID: c.site, Stage: c.stage, Description: c.desc}).ID)
			}
			ids := func(f fieldportal.QuoteFilter) []string {
				t.Helper()
				return workPages(t, func(after string) ([]*fieldportal.Quote, string, error) {
					f.Page = fieldportal.Page{After: after, Limit: 2}
					return db.FindQuotes(ctx, lv, f)
				}, func(x *fieldportal.Quote) string { return x.ID })
			}
			newest := slices.Clone(made)
			slices.Reverse(newest)
			if diff := cmp.Diff(newest, ids(fieldportal.QuoteFilter{})); diff != "" {
				t.Errorf("all (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{made[2], made[1]}, ids(fieldportal.QuoteFilter{Stages: []fieldportal.QuoteStage{fieldportal.QuoteOutstanding}})); diff != "" {
				t.Errorf("outstanding (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{made[2], made[0]}, ids(fieldportal.QuoteFilter{Search: "SPRINK"})); diff != "" {
				t.Errorf("search (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{made[3], made[2]}, ids(fieldportal.QuoteFilter{SiteID: s2.ID})); diff != "" {
				t.Errorf("site (-want +got):\n%s", diff)
			}
			n, err := db.CountQuotes(ctx, lv, []fieldportal.QuoteStage{fieldportal.QuoteOutstanding})
			if err != nil || n != 2 {
				t.Errorf("count outstanding = %d, %v", n, err)
			}
			page, _, err := db.FindQuotes(ctx, w.OtherStaff, fieldportal.QuoteFilter{})
			if err != nil || len(page) != 0 {
				t.Errorf("other organisation sees %d, %v", len(page), err)
			}
			db.Now = func() time.Time { return time.Now().Add(time.Hour) }
			defer func() { db.Now = time.Now }()
			if err := db.AcceptQuote(ctx, lv, made[1], "Jo"); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{made[1]}, ids(fieldportal.QuoteFilter{UpdatedSince: time.Now().Add(time.Minute)})); diff != "" {
				t.Errorf("updated since (-want +got):\n%s", diff)
			}
		})

		t.Run("accept and decline only from outstanding", func(t *testing.T) {
			x := outstanding(w.SiteA.ID)
			wantWorkCode(t, db.AcceptQuote(ctx, staff, x.ID, "  "), fieldportal.EINVALID, "signed_by_name")
			if err := db.AcceptQuote(ctx, staff, x.ID, "Jo Bloggs"); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindQuoteByID(ctx, staff, x.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Stage != fieldportal.QuoteApproved || got.SignedByName != "Jo Bloggs" || got.ActionedAt.IsZero() {
				t.Errorf("accepted quote: %+v", got)
			}
			err = db.DeclineQuote(ctx, staff, x.ID, "Jo", "changed mind")
			wantWorkCode(t, err, fieldportal.ECONFLICT)
			if !strings.Contains(fieldportal.ErrorMessage(err), "approved") {
				t.Errorf("message %q does not say why", fieldportal.ErrorMessage(err))
			}

			y := outstanding(w.SiteA.ID)
			if err := db.DeclineQuote(ctx, staff, y.ID, "Jo", "too dear"); err != nil {
				t.Fatal(err)
			}
			got, _ = db.FindQuoteByID(ctx, staff, y.ID)
			if got.Stage != fieldportal.QuoteDeclined || got.DeclineReason != "too dear" {
				t.Errorf("declined quote: %+v", got)
			}
			wantWorkCode(t, db.AcceptQuote(ctx, staff, y.ID, "Jo"), fieldportal.ECONFLICT)

			requested := mustWorkQuote(t, db, staff, &fieldportal.Quote{SiteID: w.SiteA.ID, Stage: fieldportal.QuoteRequested})
			wantWorkCode(t, db.AcceptQuote(ctx, staff, requested.ID, "Jo"), fieldportal.ECONFLICT)

			expired := mustWorkQuote(t, db, staff, &fieldportal.Quote{SiteID: w.SiteA.ID, Stage: fieldportal.QuoteOutstanding, ValidUntil: fieldportal.Date{Year: 2020, Month: 1, Day: 1}})
			err = db.AcceptQuote(ctx, staff, expired.ID, "Jo")
			wantWorkCode(t, err, fieldportal.ECONFLICT)
			if !strings.Contains(fieldportal.ErrorMessage(err), "expired") {
				t.Errorf("message %q does not say expired", fieldportal.ErrorMessage(err))
			}
		})

		t.Run("upsert by external id", func(t *testing.T) {
			x := &fieldportal.Quote{ExternalID: "BQ-1", SiteID: w.SiteA.ID, Stage: fieldportal.QuoteOutstanding}
			if created, err := db.UpsertQuoteByExternalID(ctx, staff, x); err != nil || !created {
				t.Fatalf("created %v, %v", created, err)
			}
			y := &fieldportal.Quote{ExternalID: "BQ-1", SiteID: w.SiteA.ID, Stage: fieldportal.QuoteExpired, Description: "later"}
			if created, err := db.UpsertQuoteByExternalID(ctx, staff, y); err != nil || created {
				t.Fatalf("created %v, %v", created, err)
			}
			got, err := db.FindQuoteByID(ctx, staff, x.ID)
			if err != nil || got.Stage != fieldportal.QuoteExpired || got.Number != x.Number {
				t.Errorf("after upsert %+v, %v", got, err)
			}
		})

		t.Run("contact", func(t *testing.T) {
			branch := withQuoteRole(t, db, mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil))
			noQuotes := mustWorkContact(t, db, w.Org.ID, w.Child.ID, fieldportal.Modules{fieldportal.ModuleService})
			atA, atB := outstanding(w.SiteA.ID), outstanding(w.SiteB.ID)

			t.Run("requests a quote, ignoring operator fields", func(t *testing.T) {
				x := &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteApproved, TotalExTax: 1, TotalIncTax: 1,
					SignedByName: "me", Description: "Please quote", AssetIDs: []string{w.AssetB},
					Items: []fieldportal.QuoteItem{{ItemID: w.ItemID, Quantity: 2, UnitPrice: 1}}}
				mustWorkQuote(t, db, branch, x)
				got, err := db.FindQuoteByID(ctx, branch, x.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Stage != fieldportal.QuoteRequested || !got.CreatedInPortal || got.RequestedBy != branch.ContactID ||
					got.TotalIncTax != 0 || got.SignedByName != "" {
					t.Errorf("portal quote kept operator fields: %+v", got)
				}
				if it := got.Items[0]; it.Description != "6kg extinguisher" || it.UnitPrice != 4500 || it.Total != 9000 {
					t.Errorf("item not priced from the catalogue: %+v", it)
				}
			})
			t.Run("cannot request at an unreachable site", func(t *testing.T) {
				wantWorkCode(t, db.CreateQuote(ctx, branch, &fieldportal.Quote{SiteID: w.SiteA.ID}), fieldportal.EINVALID, "site_id")
			})
			t.Run("accepts a reachable quote, not another's", func(t *testing.T) {
				wantWorkCode(t, db.AcceptQuote(ctx, branch, atA.ID, "Pat"), fieldportal.ENOTFOUND)
				wantWorkCode(t, db.AcceptQuote(ctx, noQuotes, atB.ID, "Pat"), fieldportal.ENOTFOUND)
				if err := db.AcceptQuote(ctx, branch, atB.ID, "Pat"); err != nil {
					t.Fatal(err)
				}
			})
			t.Run("needs the quotes module to read", func(t *testing.T) {
				if _, err := db.FindQuoteByID(ctx, noQuotes, atB.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("read without module: %v", err)
				}
				if _, err := db.FindQuoteByID(ctx, branch, atA.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("read unreachable quote: %v", err)
				}
				n, err := db.CountQuotes(ctx, branch, nil)
				if err != nil || n != 3 {
					t.Errorf("branch counts %d, %v; want 3", n, err)
				}
			})
			t.Run("cannot update", func(t *testing.T) {
				wantWorkCode(t, db.UpdateQuote(ctx, branch, atB), fieldportal.EFORBIDDEN)
			})
		})
	})
}
