package demo_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/demo"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

var now = time.Date(2026, 6, 10, 9, 30, 0, 0, time.UTC)

func TestLoad(t *testing.T) {
	// Every store method the demo uses has landed: a name here means one
	// was renamed or changed its signature, and its records would be left out.
	if m := demo.Missing(); len(m) > 0 {
		t.Errorf("store methods Load cannot call, their records are skipped: %v", m)
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		hasher := auth.TestHasher()
		start := time.Now()
		logins, err := demo.Load(ctx, db, now, hasher)
		if err != nil {
			t.Fatalf("load: %v", err)
		}
		// Speed is measured, not asserted (a race-detector build is ten
		// times slower): see BenchmarkLoad.
		t.Logf("loaded in %v", time.Since(start))
		if db.Now().Sub(time.Now()).Abs() > time.Minute {
			t.Errorf("Load left the store's clock at %v", db.Now())
		}
		org, err := db.FindOrganisationForHost(ctx, "localhost")
		if err != nil {
			t.Fatal(err)
		}

		t.Run("admin", func(t *testing.T) {
			u, err := db.FindStaffByEmail(ctx, org.ID, logins.Admin.Email)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _, err := hasher.Verify(u.PasswordHash, logins.Admin.Password); !ok || err != nil || u.Role != fieldportal.RoleAdmin {
				t.Errorf("admin %+v: password ok=%v err=%v", u, ok, err)
			}
		})
		viewer := func(t *testing.T, username, password string) fieldportal.Viewer {
			t.Helper()
			l, err := db.FindLoginForSignIn(ctx, org.ID, username)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _, err := hasher.Verify(l.PasswordHash, password); !ok || err != nil {
				t.Fatalf("%s: password does not verify (%v)", username, err)
			}
			v, err := db.ViewerForLogin(ctx, org.ID, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		t.Run("parent reaches every site of the group", func(t *testing.T) {
			v := viewer(t, logins.Parent.Email, logins.Parent.Password)
			n, err := db.CountSites(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if n < 3 {
				t.Errorf("parent reaches %d sites, want at least 3", n)
			}
			if !v.MayManageContacts || len(v.Pages) != len(fieldportal.AllModules) {
				t.Errorf("parent viewer %+v", v)
			}
		})
		t.Run("site contact reaches its one site", func(t *testing.T) {
			v := viewer(t, logins.Site.Email, logins.Site.Password)
			sites, _, err := db.FindSites(ctx, v, fieldportal.SiteFilter{})
			if err != nil {
				t.Fatal(err)
			}
			if len(sites) != 1 {
				t.Fatalf("site contact reaches %d sites, want 1", len(sites))
			}
			children, _, err := db.FindCustomers(ctx, fieldportal.SystemViewer(org.ID, "test"), fieldportal.CustomerFilter{ParentID: v.CustomerID})
			if err != nil || len(children) != 0 {
				t.Errorf("the site contact's customer has %d children (%v)", len(children), err)
			}
		})
		sys := fieldportal.SystemViewer(org.ID, "test")
		ds := demo.Generate(now)
		t.Run("work", func(t *testing.T) {
			jobs, err := db.CountJobs(ctx, sys, fieldportal.JobService, nil)
			installs, err2 := db.CountJobs(ctx, sys, fieldportal.JobInstall, nil)
			if err != nil || err2 != nil || jobs+installs != len(ds.Jobs) {
				t.Errorf("%d + %d jobs (%v, %v), want %d", jobs, installs, err, err2, len(ds.Jobs))
			}
			if n, err := db.CountQuotes(ctx, sys, nil); err != nil || n != len(ds.Quotes) {
				t.Errorf("%d quotes (%v), want %d", n, err, len(ds.Quotes))
			}
			open, err := db.CountIssues(ctx, sys, fieldportal.IssueOpen)
			closed, err2 := db.CountIssues(ctx, sys, fieldportal.IssueClosed)
			if err != nil || err2 != nil || open == 0 || closed == 0 || open+closed != len(ds.Issues) {
				t.Errorf("%d open and %d closed issues (%v, %v), want %d", open, closed, err, err2, len(ds.Issues))
			}
		})
		t.Run("invoices are settled as generated", func(t *testing.T) {
			got := map[string]*fieldportal.Invoice{}
			f := fieldportal.InvoiceFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}}
			for {
				page, next, err := db.FindInvoices(ctx, sys, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, inv := range page {
					got[inv.Number] = inv
				}
				if next == "" {
					break
				}
				f.After = next
			}
			if len(got) != len(ds.Invoices) {
				t.Errorf("%d invoices, want %d", len(got), len(ds.Invoices))
			}
			for _, want := range ds.Invoices {
				inv := got[want.Number]
				if inv == nil || inv.Status != want.Status || inv.AmountPaid != want.AmountPaid || inv.Total != want.Total {
					t.Errorf("%s: got %+v, want status %s, paid %v of %v", want.Number, inv, want.Status, want.AmountPaid, want.Total)
				}
			}
		})
		t.Run("every record is written", func(t *testing.T) {
			comments := 0
			for _, th := range ds.Issues {
				comments += len(th.Comments)
			}
			linked := 0
			for _, c := range ds.Certificates {
				if c.DocumentID != "" {
					linked++
				}
			}
			reportPhotos, messages := 0, 0
			for _, r := range ds.Reports {
				reportPhotos += len(r.Photos)
			}
			for _, th := range ds.Threads {
				messages += len(th)
			}
			missing := strings.Join(demo.Missing(), " ")
			for _, c := range []struct {
				table, needs string
				want         int
			}{
				{"contractors", "CreateContractor", len(ds.Contractors)},
				{"customers", "", len(ds.Customers)},
				{"sites", "", len(ds.Sites)},
				{"contacts", "", len(ds.Contacts)},
				{"portal_logins", "", len(ds.Logins)},
				{"staff_users", "", len(ds.Staff)},
				{"scripts", "CreateScript", len(ds.Scripts)},
				{"items", "CreateItem", len(ds.Items)},
				{"assets", "CreateAsset", len(ds.Assets)},
				{"asset_transfers", "TransferAsset", len(ds.Transfers)},
				{"asset_tests", "CreateAssetTest", len(ds.Tests)},
				{"quotes", "CreateQuote", len(ds.Quotes)},
				{"jobs", "CreateJob", len(ds.Jobs)},
				{"issues", "CreateIssue", len(ds.Issues)},
				{"issue_comments", "AddIssueComment", comments},
				{"invoices", "CreateInvoice", len(ds.Invoices)},
				{"payments", "RecordPayment", len(ds.Payments)},
				{"recurring_invoices", "CreateRecurringInvoice", len(ds.Recurring)},
				{"saved_cards", "PutSavedCard", len(ds.Cards)},
				{"certificates", "CreateCertificate", len(ds.Certificates)},
				{"documents", "CreateDocument PutBlob CreateCertificate CreateJob", len(ds.Files)},
				{"file_blobs", "CreateDocument PutBlob CreateCertificate CreateJob", len(ds.Files) + 1 + len(ds.StaffPhotos)}, // + the logo and the technicians' photos
				{"certificates WHERE document_id IS NOT NULL", "UpdateCertificate CreateDocument PutBlob", linked},
				{"appointments", "CreateAppointment CreateJob CreateQuote", len(ds.Appointments)},
				{"tasks", "CreateTask CreateJob", len(ds.Tasks)},
				{"staff_users WHERE photo <> '' AND display_name <> ''", "SetStaffProfile", len(ds.StaffPhotos)},
				{"appointments WHERE technician_staff_id IS NOT NULL", "CreateAppointment", len(ds.Appointments)},
				{"appointments WHERE status = 'on_the_way' AND eta IS NOT NULL", "CreateAppointment", 1},
				{"visit_reports", "SaveVisitReport", len(ds.Reports)},
				{"visit_photos", "SaveVisitReport", reportPhotos},
				{"visit_feedback", "LeaveFeedback", len(ds.Ratings)},
				{"message_threads", "PostMessage", len(ds.Threads)},
				{"message_threads WHERE waiting_since IS NOT NULL", "PostMessage", 1},
				{"messages", "PostMessage", messages},
				{"quotes WHERE deposit_kind = 'percent' AND deposit_value = 20", "CreateQuote", 1},
			} {
				skip := false
				for _, m := range strings.Fields(c.needs) {
					skip = skip || strings.Contains(" "+missing+" ", " "+m+" ")
				}
				if skip {
					continue
				}
				var n int
				if err := db.SQL().QueryRowContext(ctx, "SELECT count(*) FROM "+c.table).Scan(&n); err != nil {
					t.Fatal(err)
				}
				if n != c.want {
					t.Errorf("%s: %d rows, want %d", c.table, n, c.want)
				}
			}
		})
		t.Run("the site contact sees its technician on the way and a report with photos", func(t *testing.T) {
			v := viewer(t, logins.Site.Email, logins.Site.Password)
			apps, _, err := db.FindAppointments(ctx, v, fieldportal.AppointmentFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
			if err != nil {
				t.Fatal(err)
			}
			var otw *fieldportal.Appointment
			reported := ""
			for _, a := range apps {
				if a.Status == fieldportal.VisitOnTheWay {
					otw = a
				}
				if a.Status == fieldportal.VisitDone && reported == "" {
					if _, err := db.FindVisitReport(ctx, v, a.JobID); err == nil {
						reported = a.JobID
					}
				}
			}
			if otw == nil || otw.ETA.IsZero() || otw.TechnicianShownName == "" || otw.TechnicianPhoto == "" {
				t.Fatalf("the site contact's visit on the way: %+v", otw)
			}
			if _, _, err := db.FindTechnicianPhoto(ctx, v, otw.TechnicianStaffID, otw.TechnicianPhoto); err != nil {
				t.Errorf("the technician's photo: %v", err)
			}
			if reported == "" {
				t.Fatal("no done visit of the site contact has a report")
			}
			r, err := db.FindVisitReport(ctx, v, reported)
			if err != nil || len(r.Photos) < 2 {
				t.Fatalf("report %+v (%v)", r, err)
			}
			for _, variant := range []fieldportal.PhotoVariant{fieldportal.PhotoThumb, fieldportal.PhotoDisplay, fieldportal.PhotoOriginal} {
				f, rc, err := db.OpenVisitPhoto(ctx, v, reported, r.Photos[0].ID, variant)
				if err != nil {
					t.Fatalf("%s: %v", variant, err)
				}
				rc.Close()
				if f.Size == 0 {
					t.Errorf("%s of the first photo is empty", variant)
				}
			}
			// The site contact's latest done visit is left for the demo's
			// visitor to rate.
			fb, err := db.FindJobFeedback(ctx, v, reported)
			if err != nil || fb.Rateable == nil || !fb.CanRate {
				t.Errorf("feedback on the reported job: %+v (%v)", fb, err)
			}
		})
		t.Run("the parent's contact has the threads of the group unread", func(t *testing.T) {
			// The office's answer to her, and the school's question,
			// written by a contact of a customer of her group.
			v := viewer(t, logins.Parent.Email, logins.Parent.Password)
			if n, err := db.CountUnreadThreads(ctx, v); err != nil || n != len(ds.Threads) {
				t.Errorf("%d unread threads (%v), want %d", n, err, len(ds.Threads))
			}
			v = viewer(t, logins.Site.Email, logins.Site.Password)
			if n, err := db.CountUnreadThreads(ctx, v); err != nil || n != 0 {
				t.Errorf("the site contact has %d unread threads (%v), want none", n, err)
			}
		})
		t.Run("the assigned-sites contact reaches only its site", func(t *testing.T) {
			v := viewer(t, "helen.carter@severnvale.example", demo.Password)
			if n, err := db.CountSites(ctx, v); err != nil || n != 1 {
				t.Errorf("assigned contact reaches %d sites (%v), want 1", n, err)
			}
		})
	})
}

// BenchmarkLoad measures how long `fieldportal demo` takes to fill a fresh
// database, per engine.
func BenchmarkLoad(b *testing.B) {
	for _, e := range sqltest.Engines {
		b.Run(e.String(), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				db := sqltest.MustOpen(b, e)
				b.StartTimer()
				if _, err := demo.Load(context.Background(), db, time.Now(), auth.TestHasher()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
