package sqlstore_test

import (
	"context"
	"slices"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// A file of a job, quote, issue, invoice or asset belongs to its record's
// module: a contact with the Documents page but not the record's page
// neither lists nor downloads its files (SPEC §2.4), while the files of
// its site and of the records it may see stay visible.
func TestDocumentsFollowTheirRecordsModule(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Acme Fire")
		sys := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "School"})
		site := mustAssetsSite(t, db, sys, cust.ID, "Campus")
		service := &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Service"}
		install := &fieldportal.Job{SiteID: site.ID, Kind: fieldportal.JobInstall, Stage: fieldportal.StagePending, Description: "Install"}
		for _, j := range []*fieldportal.Job{service, install} {
			if err := db.CreateJob(ctx, sys, j); err != nil {
				t.Fatal(err)
			}
		}
		quote := &fieldportal.Quote{SiteID: site.ID, Stage: fieldportal.QuoteOutstanding, Description: "Quote"}
		if err := db.CreateQuote(ctx, sys, quote); err != nil {
			t.Fatal(err)
		}
		issue := &fieldportal.Issue{SiteID: site.ID, Title: "Leak", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen}
		if err := db.CreateIssue(ctx, sys, issue); err != nil {
			t.Fatal(err)
		}
		asset := MustAsset(t, db, sys, &fieldportal.Asset{SiteID: site.ID, Type: "Boiler", Number: "B1", Name: "Boiler"})
		issued := fieldportal.Date{Year: 2026, Month: 5, Day: 1}
		invoice := MustInvoice(t, db, sys, &fieldportal.Invoice{CustomerID: cust.ID, SiteID: site.ID, IssueDate: issued,
			DueDate: issued.AddDays(30), Subtotal: 1000, Tax: 200, Total: 1200})
		doc := func(name string, d *fieldportal.Document) string {
			key := "m/" + sqlstore.NewID()
			if err := db.PutBlob(ctx, org.ID, key, []byte(name)); err != nil {
				t.Fatal(err)
			}
			d.Name, d.StorageKey, d.VisibleToCustomer = name, key, true
			return MustDocument(t, db, sys, d).ID
		}
		ids := map[string]string{
			"site":    doc("site", &fieldportal.Document{AttachedTo: "site", SiteID: site.ID}),
			"service": doc("service", &fieldportal.Document{AttachedTo: "job", JobID: service.ID}),
			"install": doc("install", &fieldportal.Document{AttachedTo: "job", JobID: install.ID}),
			"quote":   doc("quote", &fieldportal.Document{AttachedTo: "quote", QuoteID: quote.ID}),
			"issue":   doc("issue", &fieldportal.Document{AttachedTo: "issue", IssueID: issue.ID}),
			"asset":   doc("asset", &fieldportal.Document{AttachedTo: "asset", AssetID: asset.ID}),
			"invoice": doc("invoice", &fieldportal.Document{AttachedTo: "invoice", InvoiceID: invoice.ID}),
		}
		pages := fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleSites, fieldportal.ModuleDocuments, fieldportal.ModuleService}
		for _, tc := range []struct {
			name  string
			pages fieldportal.Modules
			want  []string
		}{
			{"documents and service only", pages, []string{"service", "site"}},
			{"install, not service", fieldportal.Modules{fieldportal.ModuleDocuments, fieldportal.ModuleInstall}, []string{"install", "site"}},
			{"no job page", fieldportal.Modules{fieldportal.ModuleDocuments}, []string{"site"}},
			{"every page", fieldportal.AllModules, []string{"asset", "install", "invoice", "issue", "quote", "service", "site"}},
			{"assets and invoices", fieldportal.Modules{fieldportal.ModuleDocuments, fieldportal.ModuleAssets, fieldportal.ModuleInvoices},
				[]string{"asset", "invoice", "site"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				v := assetsContactViewer(t, db, org.ID, cust.ID, tc.pages)
				list, _, err := db.FindDocuments(ctx, v, fieldportal.DocumentFilter{})
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, d := range list {
					got = append(got, d.Name)
				}
				slices.Sort(got)
				if !slices.Equal(got, tc.want) {
					t.Errorf("listed %v, want %v", got, tc.want)
				}
				for name, id := range ids {
					_, _, err := openBytes(db.OpenDocument(ctx, v, id))
					if visible := slices.Contains(tc.want, name); visible != (err == nil) ||
						(err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND) {
						t.Errorf("open the %s file: %v (visible %v)", name, err, visible)
					}
				}
			})
		}
	})
}
