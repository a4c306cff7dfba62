package sqlstore_test

import (
	"context"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// The rest of the access matrix: every other kind of record of the store,
// made at every site of the fixture (and for every customer where the
// table allows a customer-only record), with the same expectations as
// siteBoundResources derives from reach and customerReach.

// reaches is the visibility rule of a record at a site, for an extra record.
func reaches(site string) func(kind string) bool {
	return func(kind string) bool { return slices.Contains(reach[kind], site) }
}

// page2 is the page every list of the matrix asks for, so that paging to
// the end is part of what is checked.
func page2(after string) fieldportal.Page { return fieldportal.Page{After: after, Limit: 2} }

// notInList is the error of a synthetic lookup (a record without a find
// by id of its own) whose parent answered but did not hold the record: it
// is not ENOTFOUND, so a row expecting "not found" fails on it.
func notInList(what, id string) error {
	return fmt.Errorf("%s %s: its parent answered without it", what, id)
}

// sortedValues returns a map's values in order.
func sortedValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (w *world) moreSiteBound(t *testing.T) []siteBound {
	ctx := context.Background()
	db := w.db
	sys := func(orgID string) fieldportal.Viewer { return fieldportal.SystemViewer(orgID, "test") }
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}

	// Records made by one kind and used by later ones (kinds are made in
	// order): the asset at each site, and which asset each transfer is of.
	assetAt := map[string]string{}
	transferAsset := map[string]string{}
	var transferExtras []extraRecord

	// The only invoice of the invoices row at a site, or the customer-only
	// one of a customer (site "").
	invoiceOf := func(orgID, customerID, siteID string) string {
		t.Helper()
		l, _, err := db.FindInvoices(ctx, sys(orgID), fieldportal.InvoiceFilter{CustomerID: customerID, SiteID: siteID})
		fail("find invoice", err)
		var ids []string
		for _, x := range l {
			if x.SiteID == siteID {
				ids = append(ids, x.ID)
			}
		}
		if len(ids) != 1 {
			t.Fatalf("invoices of customer %s at site %q: %d, want 1", customerID, siteID, len(ids))
		}
		return ids[0]
	}
	// The allocations each payment was recorded with.
	allocated := map[string][]string{}
	// statementPayments lists the payments of the viewer's statement
	// walked in sctx, each for no more than its allocations to the
	// invoices the viewer sees (100 each).
	statementPayments := func(sctx context.Context) listFn {
		return func(v fieldportal.Viewer) ([]string, error) {
			var ids []string
			err := eachRecentStatementEntry(sctx, db, v, fieldportal.StatementPayment, func(e fieldportal.StatementEntry) error {
				var seen fieldportal.Money
				for _, inv := range allocated[e.ID] {
					if _, err := db.FindInvoiceByID(ctx, v, inv); err == nil {
						seen += 100
					}
				}
				if e.Amount != seen {
					return fmt.Errorf("statement shows payment %s for %v, want %v", e.ID, e.Amount, seen)
				}
				ids = append(ids, e.ID)
				return nil
			})
			return ids, err
		}
	}
	pay := func(orgID, customerID string, invoices ...string) string {
		t.Helper()
		p := &fieldportal.Payment{CustomerID: customerID, Amount: 1000, Method: "bank_transfer", Status: fieldportal.PaymentSucceeded}
		for _, inv := range invoices {
			p.Allocations = append(p.Allocations, fieldportal.PaymentAllocation{InvoiceID: inv, Amount: 100})
		}
		_, err := db.RecordPayment(ctx, sys(orgID), p)
		fail("payment", err)
		allocated[p.ID] = invoices
		return p.ID
	}

	// The issue of the issues row at each site, and each comment's issue.
	issueAt := map[string]string{}
	commentIssue := map[string]string{}
	// The customer of each saved card.
	cardCustomer := map[string]string{}

	appointmentAt := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

	// Each site's asset and certificate has a type of its own, so that the
	// lists of types name the records they come from.
	assetOfType, certificateOfType := map[string]string{}, map[string]string{}
	certificateFile := map[string]string{} // certificate id -> its document
	typesAs := func(byType map[string]string, types []string, err error) ([]string, error) {
		var ids []string
		for _, ty := range types {
			id, ok := byType[ty]
			if !ok {
				id = "type " + ty // not a record of the row: the diff shows it
			}
			ids = append(ids, id)
		}
		return ids, err
	}
	// The bytes stored for each document, which opening it must return.
	stored := map[string]string{}
	document := func(orgID string, d *fieldportal.Document) string {
		t.Helper()
		d.StorageKey = "matrix/" + sqlstore.NewID()
		fail("document bytes", db.PutBlob(ctx, orgID, d.StorageKey, []byte(d.Name)))
		d = MustDocument(t, db, sys(orgID), d)
		stored[d.ID] = d.Name
		return d.ID
	}

	return append([]siteBound{
		{
			name: "assets",
			covers: []string{"EquipmentService.FindAssets", "EquipmentService.FindAssetByID", "EquipmentService.FindAssetTypes",
				"EquipmentService.EachAsset", "EquipmentService.CountAssetGroups"}, // access_assets_test.go
			create: func(s *fieldportal.Site) string {
				a := MustAsset(t, db, sys(s.OrgID), &fieldportal.Asset{SiteID: s.ID, Number: "A-" + s.Name, Type: "Extinguisher " + s.Name, Name: "Extinguisher at " + s.Name})
				assetAt[s.Name], assetOfType[a.Type] = a.ID, a.ID
				return a.ID
			},
			moreLists: assetMoreLists(ctx, db, map[string]listFn{"FindAssetTypes": func(v fieldportal.Viewer) ([]string, error) {
				types, err := db.FindAssetTypes(ctx, v)
				return typesAs(assetOfType, types, err)
			}}),
			moreCounts: assetGroupCount(ctx, db, w),
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindAssets(ctx, v, fieldportal.AssetFilter{Page: page2(after)})
				return idsOf(l, func(x *fieldportal.Asset) string { return x.ID }), next, err
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindAssetByID(ctx, v, id); return err },
		},
		{
			// Each asset's one test failed and is not rectified, so it is
			// also the asset's current defect.
			name: "asset tests",
			covers: []string{"EquipmentService.FindAssetTests", "EquipmentService.FindAssetTestByID", "ReportService.FindCurrentDefects",
				"EquipmentService.FindAssetServiceHistory"},
			create: func(s *fieldportal.Site) string {
				return MustAssetTest(t, db, sys(s.OrgID), &fieldportal.AssetTest{AssetID: assetAt[s.Name], TestedOn: day(time.February, 1), Result: fieldportal.TestFail}).ID
			},
			moreLists: assetTestMoreLists(ctx, db, assetAt, map[string]listFn{"FindCurrentDefects": func(v fieldportal.Viewer) ([]string, error) {
				l, err := db.FindCurrentDefects(ctx, v, "", "")
				return idsOf(l, func(x *fieldportal.AssetDefect) string { return x.Test.ID }), err
			}}),
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindAssetTests(ctx, v, fieldportal.AssetTestFilter{Page: page2(after)})
				return idsOf(l, func(x *fieldportal.AssetTest) string { return x.ID }), next, err
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindAssetTestByID(ctx, v, id); return err },
		},
		{
			// Transfers are listed per asset and scoped by the asset's
			// current site. Each site's asset goes to another site of its
			// organisation and back: the transfer back is the site's
			// record, the one out an extra seen by the same viewers
			// (whoever sees the asset sees its whole history). Org B has a
			// single site, so B1 has no transfer.
			name: "asset transfers",
			covers: []string{"EquipmentService.FindAssetTransfers", "EquipmentService.FindAssetTransferPage",
				"EquipmentService.FindAssetTransferByID"},
			moreLists: assetTransferMoreLists(ctx, db, assetAt),
			create: func(s *fieldportal.Site) string {
				var other *fieldportal.Site
				for _, o := range w.site {
					if o.OrgID == s.OrgID && o.ID != s.ID && (other == nil || o.Name < other.Name) {
						other = o
					}
				}
				if other == nil {
					return ""
				}
				a := assetAt[s.Name]
				out, err := db.TransferAsset(ctx, sys(s.OrgID), a, other.ID, day(time.March, 1), "out")
				fail("transfer out", err)
				back, err := db.TransferAsset(ctx, sys(s.OrgID), a, s.ID, day(time.March, 2), "back")
				fail("transfer back", err)
				transferAsset[out.ID], transferAsset[back.ID] = a, a
				transferExtras = append(transferExtras, extraRecord{name: "out:" + s.Name, id: out.ID, visible: reaches(s.Name)})
				return back.ID
			},
			extras: func() []extraRecord { return transferExtras },
			list: func(v fieldportal.Viewer, _ string) ([]string, string, error) {
				var ids []string
				for _, a := range sortedValues(assetAt) {
					l, err := db.FindAssetTransfers(ctx, v, a)
					if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
						continue // an asset out of reach has no history to list
					}
					if err != nil {
						return ids, "", err
					}
					ids = append(ids, idsOf(l, func(x *fieldportal.AssetTransfer) string { return x.ID })...)
				}
				return ids, "", nil
			},
			get: func(v fieldportal.Viewer, id string) error {
				_, err := db.FindAssetTransferByID(ctx, v, id)
				return err
			},
		},
		{
			// Documents attached to each site and to each customer, and one
			// at a reachable site that the operator keeps from customers.
			name: "documents",
			covers: []string{"EquipmentService.FindDocuments", "EquipmentService.FindDocumentByID", "EquipmentService.OpenDocument",
				"EquipmentService.EachDocument"},
			create: func(s *fieldportal.Site) string {
				return document(s.OrgID, &fieldportal.Document{Name: "Site " + s.Name + ".pdf", AttachedTo: "site",
					SiteID: s.ID, VisibleToCustomer: true})
			},
			createForCustomer: func(c *fieldportal.Customer) string {
				return document(c.OrgID, &fieldportal.Document{Name: "Customer " + c.Name + ".pdf", AttachedTo: "customer",
					CustomerID: c.ID, VisibleToCustomer: true})
			},
			extras: func() []extraRecord {
				s := w.site["S1a"]
				id := document(s.OrgID, &fieldportal.Document{Name: "Internal " + s.Name + ".pdf", AttachedTo: "site",
					SiteID: s.ID, VisibleToCustomer: false})
				return []extraRecord{{name: "hidden:S1a", id: id, visible: func(kind string) bool {
					return reaches("S1a")(kind) && !w.viewers[kind].IsContact()
				}}}
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindDocuments(ctx, v, fieldportal.DocumentFilter{Page: page2(after)})
				if err == nil && after == "" {
					// The CSV's walk lists what the pages list, from the first.
					var walked []string
					werr := db.EachDocument(ctx, v, fieldportal.DocumentFilter{}, func(x *fieldportal.Document) error { walked = append(walked, x.ID); return nil })
					if werr != nil || len(walked) < len(l) || !slices.Equal(walked[:len(l)], idsOf(l, func(x *fieldportal.Document) string { return x.ID })) {
						return nil, "", fmt.Errorf("EachDocument %v, %v; the first page is %v", walked, werr, idsOf(l, func(x *fieldportal.Document) string { return x.ID }))
					}
				}
				return idsOf(l, func(x *fieldportal.Document) string { return x.ID }), next, err
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindDocumentByID(ctx, v, id); return err },
			// A download gives the file's own bytes, or not found.
			moreGets: map[string]getFn{"OpenDocument": func(v fieldportal.Viewer, id string) error {
				_, data, err := openBytes(db.OpenDocument(ctx, v, id))
				if err == nil && string(data) != stored[id] {
					return fmt.Errorf("document %s opened with %q, want %q", id, data, stored[id])
				}
				return err
			}},
		},
		{
			// Each expires soon (issue 18's status, count and dashboard
			// tile) and has the site's document (of the documents row) as
			// its file.
			name: "certificates",
			covers: []string{"EquipmentService.FindCertificates", "EquipmentService.FindCertificateByID", "EquipmentService.FindCertificateTypes",
				"EquipmentService.EachCertificate", "EquipmentService.CountExpiringCertificates", "EquipmentService.OpenCertificateFile"},
			create: func(s *fieldportal.Site) string {
				c := &fieldportal.Certificate{SiteID: s.ID, Number: "C-" + s.Name, Type: "Fire alarm " + s.Name, IssuedOn: day(time.January, 10),
					ExpiresOn: fieldportal.DateOf(time.Now()).AddDays(10)}
				docs, _, err := db.FindDocuments(ctx, sys(s.OrgID), fieldportal.DocumentFilter{SiteID: s.ID, AttachedTo: "site"})
				fail("site documents", err)
				for _, d := range docs {
					if d.VisibleToCustomer {
						c.DocumentID = d.ID
					}
				}
				fail("certificate", db.CreateCertificate(ctx, sys(s.OrgID), c))
				certificateFile[c.ID] = c.DocumentID
				certificateOfType[c.Type] = c.ID
				return c.ID
			},
			moreLists: map[string]listFn{"FindCertificateTypes": func(v fieldportal.Viewer) ([]string, error) {
				types, err := db.FindCertificateTypes(ctx, v)
				return typesAs(certificateOfType, types, err)
			}, "FindCertificates, expiring": func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindCertificates(ctx, v, fieldportal.CertificateFilter{Page: page2(after),
						Status: fieldportal.CertificateExpiring, Today: fieldportal.DateOf(time.Now())})
					return idsOf(l, func(x *fieldportal.Certificate) string { return x.ID }), next, err
				})
			}, "FindCertificates, many sites": func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindCertificates(sqlstore.AsManySites(ctx), v, fieldportal.CertificateFilter{Page: page2(after)})
					return idsOf(l, func(x *fieldportal.Certificate) string { return x.ID }), next, err
				})
			}, "EachCertificate": func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				err := db.EachCertificate(ctx, v, fieldportal.CertificateFilter{}, func(c *fieldportal.Certificate) error {
					ids = append(ids, c.ID)
					return nil
				})
				return ids, err
			}},
			count: func(v fieldportal.Viewer) (int, error) {
				return db.CountExpiringCertificates(ctx, v, fieldportal.DateOf(time.Now()))
			},
			moreCounts: map[string]countFn{
				"CountExpiringCertificates, many sites": func(v fieldportal.Viewer) (int, error) {
					return db.CountExpiringCertificates(sqlstore.AsManySites(ctx), v, fieldportal.DateOf(time.Now()))
				},
				"Dashboard":             dashboardCount(context.Background(), db, func(d *fieldportal.Dashboard) *int { return d.ExpiringCertificates }),
				"Dashboard, many sites": dashboardCount(sqlstore.AsManySites(context.Background()), db, func(d *fieldportal.Dashboard) *int { return d.ExpiringCertificates }),
			},
			// The certificate's file is its site's document, with its bytes.
			moreGets: map[string]getFn{"OpenCertificateFile": func(v fieldportal.Viewer, id string) error {
				doc, rc, err := db.OpenCertificateFile(ctx, v, id)
				if err != nil {
					return err
				}
				defer rc.Close()
				data, err := io.ReadAll(rc)
				if err != nil {
					return err
				}
				if doc.ID != certificateFile[id] || string(data) != stored[doc.ID] {
					return fmt.Errorf("certificate %s opened %s with %q", id, doc.ID, data)
				}
				return nil
			}},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindCertificates(ctx, v, fieldportal.CertificateFilter{Page: page2(after)})
				return idsOf(l, func(x *fieldportal.Certificate) string { return x.ID }), next, err
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindCertificateByID(ctx, v, id); return err },
		},
		{
			name: "appointments",
			covers: []string{"DiaryService.FindAppointments", "DiaryService.FindAppointmentByID", "DiaryService.FindOverlappingAppointments",
				"DiaryService.EachAppointment"},
			create: func(s *fieldportal.Site) string {
				a := &fieldportal.Appointment{SiteID: s.ID, StartsAt: appointmentAt, EndsAt: appointmentAt.Add(time.Hour),
					Technician: "Tech " + s.Name, Description: "Visit to " + s.Name}
				fail("appointment", db.CreateAppointment(ctx, sys(s.OrgID), a))
				return a.ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindAppointments(ctx, v, fieldportal.AppointmentFilter{Page: page2(after)})
				return idsOf(l, func(x *fieldportal.Appointment) string { return x.ID }), next, err
			},
			// Each site's technician has the one appointment at that
			// time: the overlap check of every technician finds them all.
			moreLists: map[string]listFn{"EachAppointment": func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				err := db.EachAppointment(ctx, v, fieldportal.AppointmentFilter{}, func(a *fieldportal.Appointment) error {
					ids = append(ids, a.ID)
					return nil
				})
				return ids, err
			}, "FindOverlappingAppointments": func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				for name := range w.site {
					l, err := db.FindOverlappingAppointments(ctx, v, "Tech "+name, appointmentAt, appointmentAt.Add(time.Minute), "")
					if err != nil {
						return ids, err
					}
					ids = append(ids, idsOf(l, func(x *fieldportal.Appointment) string { return x.ID })...)
				}
				return ids, nil
			}},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindAppointmentByID(ctx, v, id); return err },
		},
		{
			name:   "tasks",
			covers: []string{"DiaryService.FindTasks", "DiaryService.FindTaskByID", "DiaryService.CountTasks", "DiaryService.EachTask"},
			create: func(s *fieldportal.Site) string {
				x := &fieldportal.Task{SiteID: s.ID, Subject: "Check " + s.Name, Status: "open", DueDate: fieldportal.DateOf(time.Now())}
				fail("task", db.CreateTask(ctx, sys(s.OrgID), x))
				return x.ID
			},
			createForCustomer: func(c *fieldportal.Customer) string {
				x := &fieldportal.Task{CustomerID: c.ID, Subject: "Call " + c.Name, Status: "open", DueDate: fieldportal.DateOf(time.Now())}
				fail("task", db.CreateTask(ctx, sys(c.OrgID), x))
				return x.ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindTasks(ctx, v, fieldportal.TaskFilter{Page: page2(after)})
				return idsOf(l, func(x *fieldportal.Task) string { return x.ID }), next, err
			},
			get:   func(v fieldportal.Viewer, id string) error { _, err := db.FindTaskByID(ctx, v, id); return err },
			count: func(v fieldportal.Viewer) (int, error) { return db.CountTasks(ctx, v, "") },
			// Every task is due today: the week's band holds them all.
			moreLists: map[string]listFn{"EachTask": func(v fieldportal.Viewer) ([]string, error) {
				var ids []string
				err := db.EachTask(ctx, v, fieldportal.TaskFilter{}, func(x *fieldportal.Task) error {
					ids = append(ids, x.ID)
					return nil
				})
				return ids, err
			}, "FindTasks, due this week": func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindTasks(ctx, v, fieldportal.TaskFilter{Page: page2(after), Due: fieldportal.TaskDueThisWeek,
						Today: fieldportal.DateOf(time.Now())})
					return idsOf(l, func(x *fieldportal.Task) string { return x.ID }), next, err
				})
			}},
		},
		{
			name:   "recurring invoices",
			covers: []string{"MoneyService.FindRecurringInvoices", "MoneyService.FindRecurringInvoiceByID"},
			create: func(s *fieldportal.Site) string {
				r := &fieldportal.RecurringInvoice{SiteID: s.ID, Name: "Service plan " + s.Name, TotalIncTax: 5000,
					Frequency: fieldportal.Monthly, Active: true, Autopay: true}
				fail("recurring invoice", db.CreateRecurringInvoice(ctx, sys(s.OrgID), r))
				return r.ID
			},
			createForCustomer: func(c *fieldportal.Customer) string {
				r := &fieldportal.RecurringInvoice{CustomerID: c.ID, Name: "Account plan " + c.Name, TotalIncTax: 5000,
					Frequency: fieldportal.Monthly, Active: true}
				fail("recurring invoice", db.CreateRecurringInvoice(ctx, sys(c.OrgID), r))
				return r.ID
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{Page: page2(after)})
				return idsOf(l, func(x *fieldportal.RecurringInvoice) string { return x.ID }), next, err
			},
			get: func(v fieldportal.Viewer, id string) error {
				_, err := db.FindRecurringInvoiceByID(ctx, v, id)
				return err
			},
		},
		{
			// Payments are customer-level records (scopePayment): visible
			// with the customer in reach and site access "all", or through
			// an allocation to an invoice the viewer sees. Each site's
			// customer pays that site's invoice, each customer its
			// customer-only invoice, and Parent pays invoices at S1b and S2
			// at once, which Child1's contact and the assigned contact
			// (S2) see through one allocation each.
			name:   "payments",
			covers: []string{"MoneyService.FindPayments", "MoneyService.FindPaymentByID"},
			create: func(s *fieldportal.Site) string {
				return pay(s.OrgID, s.CustomerID, invoiceOf(s.OrgID, s.CustomerID, s.ID))
			},
			createForCustomer: func(c *fieldportal.Customer) string {
				return pay(c.OrgID, c.ID, invoiceOf(c.OrgID, c.ID, ""))
			},
			extras: func() []extraRecord {
				parent, s1b, s2 := w.cust["Parent"], w.site["S1b"], w.site["S2"]
				id := pay(parent.OrgID, parent.ID, invoiceOf(s1b.OrgID, s1b.CustomerID, s1b.ID), invoiceOf(s2.OrgID, s2.CustomerID, s2.ID))
				return []extraRecord{{name: "parent pays S1b+S2", id: id, visible: func(kind string) bool {
					return w.seesCustomerRecords(kind) && slices.Contains(customerReach[kind], "Parent") || reaches("S1b")(kind) || reaches("S2")(kind)
				}}}
			},
			list: func(v fieldportal.Viewer, after string) ([]string, string, error) {
				l, next, err := db.FindPayments(ctx, v, fieldportal.PaymentFilter{Page: page2(after)})
				return idsOf(l, func(x *fieldportal.Payment) string { return x.ID }), next, err
			},
			// The statement lists the same payments, each for no more than
			// its allocations to the invoices the viewer sees (100 each).
			moreLists: map[string]listFn{"Statement": statementPayments(ctx), "Statement, many sites": statementPayments(sqlstore.AsManySites(ctx))},
			// A payment shown must list exactly its allocations to the
			// invoices the viewer sees (the invoices row checks those).
			get: func(v fieldportal.Viewer, id string) error {
				p, err := db.FindPaymentByID(ctx, v, id)
				if err != nil {
					return err
				}
				var want, got []string
				for _, inv := range allocated[id] {
					if _, err := db.FindInvoiceByID(ctx, v, inv); err == nil {
						want = append(want, inv)
					}
				}
				for _, a := range p.Allocations {
					got = append(got, a.InvoiceID)
				}
				slices.Sort(want)
				slices.Sort(got)
				if !slices.Equal(want, got) {
					return fmt.Errorf("payment %s shows allocations to %v, want %v", id, got, want)
				}
				return nil
			},
		},
		{
			// Comments are read per issue: an issue out of reach answers
			// ENOTFOUND, not an empty thread.
			name:   "issue comments",
			covers: []string{"WorkService.FindIssueComments"},
			create: func(s *fieldportal.Site) string {
				l, _, err := db.FindIssues(ctx, sys(s.OrgID), fieldportal.IssueFilter{SiteID: s.ID})
				fail("find issue", err)
				if len(l) != 1 {
					t.Fatalf("issues at %s: %d, want 1", s.Name, len(l))
				}
				c := &fieldportal.IssueComment{IssueID: l[0].ID, Body: "Still faulty at " + s.Name}
				fail("comment", db.AddIssueComment(ctx, sys(s.OrgID), c))
				issueAt[s.Name], commentIssue[c.ID] = l[0].ID, l[0].ID
				return c.ID
			},
			list: func(v fieldportal.Viewer, _ string) ([]string, string, error) {
				var ids []string
				for _, issue := range sortedValues(issueAt) {
					l, err := db.FindIssueComments(ctx, v, issue)
					if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
						continue
					} else if err != nil {
						return ids, "", err
					}
					ids = append(ids, idsOf(l, func(x *fieldportal.IssueComment) string { return x.ID })...)
				}
				return ids, "", nil
			},
			get: func(v fieldportal.Viewer, id string) error {
				l, err := db.FindIssueComments(ctx, v, commentIssue[id])
				if err != nil {
					return err
				}
				if !slices.ContainsFunc(l, func(x *fieldportal.IssueComment) bool { return x.ID == id }) {
					return notInList("comment", id)
				}
				return nil
			},
		},
		{
			// A saved card is a customer-level record (scopeCustomerRecord)
			// read by its customer, or with others' (FindSavedCards, which
			// is asked for every customer's card at once).
			name:   "saved cards",
			covers: []string{"MoneyService.FindSavedCard", "MoneyService.FindSavedCards"},
			createForCustomer: func(c *fieldportal.Customer) string {
				card := &fieldportal.SavedCard{CustomerID: c.ID, Provider: "stripe", ProviderRef: "pm_" + c.ID, Brand: "visa",
					Last4: "4242", ExpMonth: 12, ExpYear: 2030}
				fail("saved card", db.PutSavedCard(ctx, sys(c.OrgID), card))
				cardCustomer[card.ID] = c.ID
				return card.ID
			},
			list: func(v fieldportal.Viewer, _ string) ([]string, string, error) {
				cards, err := db.FindSavedCards(ctx, v, sortedValues(cardCustomer))
				if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
					return nil, "", nil
				}
				return idsOf(cards, func(x *fieldportal.SavedCard) string { return x.ID }), "", err
			},
			get: func(v fieldportal.Viewer, id string) error {
				card, err := db.FindSavedCard(ctx, v, cardCustomer[id])
				if err == nil && card.ID != id {
					return notInList("saved card", id)
				}
				return err
			},
		},
	}, assetWorkRows(t, db, assetAt)...)
}

// orgWideResources are the organisation's reference data (scripts,
// catalogue items, contractors): not tied to a customer, read by every
// active contact of the organisation (no module gates them) and its staff,
// by nobody of another organisation. One of each is made per organisation.
func (w *world) orgWideResources(t *testing.T) []resource {
	ctx := context.Background()
	db := w.db
	orgs := map[string]string{"A": w.orgA, "B": w.orgB}
	// The organisation each viewer kind is signed in to, derived from the
	// customers it reaches; "nopage" is a contact at Parent whose lack of
	// pages does not close reference data.
	orgOf := func(kind string) string {
		if kind == "nopage" {
			kind = "parent"
		}
		for _, c := range customerReach[kind] {
			return w.cust[c].OrgID
		}
		return ""
	}
	wantFor := func() map[string][]string {
		want := map[string][]string{}
		for _, kind := range viewerKinds {
			for name, org := range orgs {
				if orgOf(kind) == org {
					want[kind] = append(want[kind], name)
				}
			}
		}
		return want
	}
	make3 := func(create func(org fieldportal.Viewer, name string) string) map[string]string {
		all := map[string]string{}
		for name, org := range orgs {
			all[name] = create(fieldportal.SystemViewer(org, "test"), name)
		}
		return all
	}
	fail := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	// One record each is too few to page: each list is read one at a time.
	one := func(after string) fieldportal.Page { return fieldportal.Page{After: after, Limit: 1} }
	return []resource{
		{
			name: "scripts", want: wantFor(),
			covers: []string{"WorkService.FindScripts", "WorkService.FindScriptByID"},
			all: make3(func(v fieldportal.Viewer, name string) string {
				s := &fieldportal.Script{Title: "Script " + name, Body: "Say hello."}
				fail("script", db.CreateScript(ctx, v, s))
				return s.ID
			}),
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindScripts(ctx, v, fieldportal.CatalogueFilter{Page: one(after)})
					return idsOf(l, func(x *fieldportal.Script) string { return x.ID }), next, err
				})
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindScriptByID(ctx, v, id); return err },
		},
		{
			name: "items", want: wantFor(),
			covers: []string{"WorkService.FindItems", "WorkService.FindItemByID"},
			all: make3(func(v fieldportal.Viewer, name string) string {
				i := &fieldportal.Item{Code: "ITEM-" + name, Name: "Item " + name, UnitPrice: 100, Active: true}
				fail("item", db.CreateItem(ctx, v, i))
				return i.ID
			}),
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindItems(ctx, v, fieldportal.CatalogueFilter{Page: one(after)})
					return idsOf(l, func(x *fieldportal.Item) string { return x.ID }), next, err
				})
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindItemByID(ctx, v, id); return err },
		},
		{
			name: "contractors", want: wantFor(),
			covers: []string{"WorkService.FindContractors", "WorkService.FindContractorByID"},
			all: make3(func(v fieldportal.Viewer, name string) string {
				return MustContractor(t, db, v, "Contractor "+name).ID
			}),
			list: func(v fieldportal.Viewer) ([]string, error) {
				return listAll(func(after string) ([]string, string, error) {
					l, next, err := db.FindContractors(ctx, v, fieldportal.ContractorFilter{Page: one(after)})
					return idsOf(l, func(x *fieldportal.Contractor) string { return x.ID }), next, err
				})
			},
			get: func(v fieldportal.Viewer, id string) error { _, err := db.FindContractorByID(ctx, v, id); return err },
		},
	}
}
