package bench

import (
	"context"
	"fmt"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The Documents pages (issue 18): the parent's list (a walk of the
// organisation's files in name order until a page of its own), the
// newest-first list, a type filter, the site contact's list (its one
// site's files through the site index), the CSV, and a download.

// benchFileName names the one file the benchmark stores itself: the
// generator makes document rows without bytes, and a download needs
// some. It is made once per database, by staff, visible to customers.
const benchFileName = "bench-download.pdf"

// discoverDocuments finds (or makes, the first time) a file the parent
// persona may download.
func discoverDocuments(ctx context.Context, svc server.Services, staff, parent fieldportal.Viewer, ids *IDs) error {
	site := ids.Site[Parent.Name]
	list, _, err := svc.Equipment.FindDocuments(ctx, parent, fieldportal.DocumentFilter{SiteID: site, Search: benchFileName, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		return fmt.Errorf("find the benchmark's file: %w", err)
	}
	if len(list) == 1 {
		ids.Document = list[0].ID
		return nil
	}
	data := make([]byte, 256<<10)
	copy(data, "%PDF-1.7\n")
	docs, err := svc.Equipment.AttachFiles(ctx, staff, "site", site, []fieldportal.Upload{{Name: benchFileName, ContentType: "application/pdf", Data: data}})
	if err != nil {
		return fmt.Errorf("store the benchmark's file: %w", err)
	}
	docs[0].VisibleToCustomer = true
	if err := svc.Equipment.UpdateDocument(ctx, staff, docs[0]); err != nil {
		return fmt.Errorf("show the benchmark's file: %w", err)
	}
	ids.Document = docs[0].ID
	return nil
}

// documentsPage is the store call of a /documents page.
func documentsPage(f fieldportal.DocumentFilter) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
		_, _, err := s.Equipment.FindDocuments(ctx, v, f)
		return err
	}
}
