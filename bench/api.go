package bench

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// APIKey is the back office of issue 19: a read key of the organisation,
// made by the benchmark, that reaches every record.
var APIKey = Persona{Name: "api", Login: "Benchmark back office", Door: APIDoor}

// syncSince is the updated_since of the walks by time: before any record,
// so the first page is the oldest changes, as a first full sync reads.
var syncSince = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// apiResource is one API collection as the benchmark reads it: a first
// page (limit 50, the default) as its list handler asks the store, walked
// by name or id, or by time (updated_since), and one record by id.
type apiResource struct {
	path string
	// kind is the tombstones' kind of a collection whose deletions its
	// walks by time carry (api.syncPage reads them beside the records).
	kind string
	// list returns the ids of a first page, by time when since is set.
	list func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error)
	get  func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error
}

// page is the API's default page.
var apiPage = fieldportal.Page{Limit: fieldportal.DefaultLimit}

// idsOf are the ids of a page of records.
func idsOf[T any](rows []*T, err error, id func(*T) string) ([]string, error) {
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = id(r)
	}
	return out, nil
}

// found drops a lookup's record.
func found[T any](_ T, err error) error { return err }

var apiResources = []apiResource{
	{"/customers", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(c *fieldportal.Customer) string { return c.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Sites.FindCustomerByID(ctx, v, id))
	}},
	{"/sites", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Sites.FindSites(ctx, v, fieldportal.SiteFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Site) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Sites.FindSiteByID(ctx, v, id))
	}},
	{"/contacts", fieldportal.KindContact, func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Access.FindContacts(ctx, v, fieldportal.ContactFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.ContactListing) string { return x.Contact.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Access.FindContactByID(ctx, v, id))
	}},
	{"/jobs", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Work.FindJobs(ctx, v, fieldportal.JobFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Job) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Work.FindJobByID(ctx, v, id))
	}},
	{"/job-reports", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.VisitReports.FindVisitReports(ctx, v, fieldportal.VisitReportFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.VisitReport) string { return x.JobID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.VisitReports.FindVisitReport(ctx, v, id))
	}},
	{"/issues", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Work.FindIssues(ctx, v, fieldportal.IssueFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Issue) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Work.FindIssueByID(ctx, v, id))
	}},
	{"/quotes", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Work.FindQuotes(ctx, v, fieldportal.QuoteFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Quote) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Work.FindQuoteByID(ctx, v, id))
	}},
	{"/appointments", fieldportal.KindAppointment, func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Diary.FindAppointments(ctx, v, fieldportal.AppointmentFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Appointment) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Diary.FindAppointmentByID(ctx, v, id))
	}},
	{"/tasks", fieldportal.KindTask, func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Diary.FindTasks(ctx, v, fieldportal.TaskFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Task) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Diary.FindTaskByID(ctx, v, id))
	}},
	{"/certificates", fieldportal.KindCertificate, func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Equipment.FindCertificates(ctx, v, fieldportal.CertificateFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Certificate) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Equipment.FindCertificateByID(ctx, v, id))
	}},
	{"/assets", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Asset) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Equipment.FindAssetByID(ctx, v, id))
	}},
	{"/asset-tests", fieldportal.KindAssetTest, func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Equipment.FindAssetTests(ctx, v, fieldportal.AssetTestFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.AssetTest) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Equipment.FindAssetTestByID(ctx, v, id))
	}},
	{"/contractors", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Contractor) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Work.FindContractorByID(ctx, v, id))
	}},
	{"/items", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Work.FindItems(ctx, v, fieldportal.CatalogueFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Item) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Work.FindItemByID(ctx, v, id))
	}},
	{"/scripts", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Work.FindScripts(ctx, v, fieldportal.CatalogueFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Script) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Work.FindScriptByID(ctx, v, id))
	}},
	{"/invoices", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Money.FindInvoices(ctx, v, fieldportal.InvoiceFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Invoice) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Money.FindInvoiceByID(ctx, v, id))
	}},
	{"/payments", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Money.FindPayments(ctx, v, fieldportal.PaymentFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Payment) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Money.FindPaymentByID(ctx, v, id))
	}},
	{"/recurring-invoices", "", func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Money.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.RecurringInvoice) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Money.FindRecurringInvoiceByID(ctx, v, id))
	}},
	{"/documents", fieldportal.KindDocument, func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Equipment.FindDocuments(ctx, v, fieldportal.DocumentFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.Document) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Equipment.FindDocumentByID(ctx, v, id))
	}},
	{"/asset-transfers", fieldportal.KindAssetTransfer, func(ctx context.Context, s server.Services, v fieldportal.Viewer, since time.Time) ([]string, error) {
		rows, _, err := s.Equipment.FindAssetTransferPage(ctx, v, fieldportal.AssetTransferFilter{Page: apiPage, UpdatedSince: since})
		return idsOf(rows, err, func(x *fieldportal.AssetTransfer) string { return x.ID })
	}, func(ctx context.Context, s server.Services, v fieldportal.Viewer, id string) error {
		return found(s.Equipment.FindAssetTransferByID(ctx, v, id))
	}},
}

// tombstones reads the first page of the collection's tombstones of a
// walk by time, as the list's handler does beside the records.
func (r apiResource) tombstones(ctx context.Context, s server.Services, v fieldportal.Viewer) error {
	if r.kind == "" || s.Tombstones == nil {
		return nil
	}
	_, _, err := s.Tombstones.FindTombstones(ctx, v, fieldportal.TombstoneFilter{Kind: r.kind, Since: syncSince, Page: apiPage})
	return err
}

// apiEntries are, per API resource, its first page, the first page of a
// full sync (updated_since before everything) and one record, as the
// back office's key reads them. A walk by time also reads the sync
// horizon (the API stops a walk short of transactions still open).
func apiEntries() []Entry {
	var out []Entry
	for _, r := range apiResources {
		out = append(out,
			Entry{Name: "API " + r.path, Persona: APIKey, Path: fixed("/api/v1" + r.path),
				SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
					_, err := r.list(ctx, s, v, time.Time{})
					return err
				}},
			Entry{Name: "API " + r.path + " sync", Persona: APIKey,
				Path: fixed("/api/v1" + r.path + "?updated_since=" + url.QueryEscape(syncSince.Format(time.RFC3339))),
				SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
					if s.Sync != nil {
						if _, err := s.Sync.SyncHorizon(ctx); err != nil {
							return err
						}
					}
					if _, err := r.list(ctx, s, v, syncSince); err != nil {
						return err
					}
					return r.tombstones(ctx, s, v)
				}},
			Entry{Name: "API " + r.path + "/{id}", Persona: APIKey,
				Path: func(ids *IDs) string { return "/api/v1" + r.path + "/" + url.PathEscape(ids.API[r.path]) },
				SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
					return r.get(ctx, s, v, ids.API[r.path])
				}})
	}
	return out
}

// apiSession makes the benchmark's read key: its requests carry it as a
// bearer token.
func apiSession(ctx context.Context, makeKey func(context.Context, string, string, fieldportal.APIKeyScope) (string, error), orgID string) (session, error) {
	if makeKey == nil {
		return session{}, fmt.Errorf("the benchmark has no way to make an API key (Config.MakeAPIKey)")
	}
	plain, err := makeKey(ctx, orgID, APIKey.Login, fieldportal.APIKeyRead)
	if err != nil {
		return session{}, fmt.Errorf("make the benchmark's API key: %w", err)
	}
	return session{cookie: "Bearer " + plain, token: plain}, nil
}

// discoverAPI finds, per resource, a record on the key's first page.
func discoverAPI(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	ids.API = map[string]string{}
	for _, r := range apiResources {
		got, err := r.list(ctx, svc, v, time.Time{})
		if err != nil {
			return fmt.Errorf("API %s: %w", r.path, err)
		}
		if len(got) == 0 {
			return fmt.Errorf("API %s: the organisation has no record", r.path)
		}
		ids.API[r.path] = got[len(got)/2]
	}
	return nil
}

// The API's entries follow the pages'.
func init() { Entries = append(Entries, apiEntries()...) }
