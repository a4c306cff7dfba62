package sqlstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// intp is a count as the dashboard holds it.
func intp(n int) *int { return &n }

func TestDashboard(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		sys := f.sys
		f.org.TimeZone = "Australia/Sydney"
		if err := db.UpdateOrganisation(ctx, sys, f.org); err != nil {
			t.Fatal(err)
		}
		s1a, g1, x1 := f.site["S1a"].ID, f.site["G1"].ID, f.site["X1"].ID
		mustWorkIssue(t, db, sys, &fieldportal.Issue{SiteID: s1a, Title: "Leak", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen})
		mustWorkIssue(t, db, sys, &fieldportal.Issue{SiteID: s1a, Title: "Old", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueClosed})
		service := mustWorkJob(t, db, sys, &fieldportal.Job{SiteID: s1a, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
		f.clk.now = f.clk.now.Add(time.Minute)
		install := mustWorkJob(t, db, sys, &fieldportal.Job{SiteID: g1, Kind: fieldportal.JobInstall, Stage: fieldportal.StageScheduled})
		done := mustWorkJob(t, db, sys, &fieldportal.Job{SiteID: s1a, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete})
		mustWorkJob(t, db, sys, &fieldportal.Job{SiteID: x1, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})
		mustWorkQuote(t, db, sys, &fieldportal.Quote{SiteID: s1a, Stage: fieldportal.QuoteOutstanding, TotalExTax: 100, Tax: 20, TotalIncTax: 120})
		today := fieldportal.DateOf(f.clk.now)
		MustInvoice(t, db, sys, &fieldportal.Invoice{CustomerID: f.cust["Child1"].ID, SiteID: s1a, IssueDate: today, DueDate: today.AddDays(30),
			Subtotal: 10000, Total: 10000})
		appt := &fieldportal.Appointment{SiteID: s1a, StartsAt: f.clk.now.Add(24 * time.Hour), EndsAt: f.clk.now.Add(26 * time.Hour)}
		if err := db.CreateAppointment(ctx, sys, appt); err != nil {
			t.Fatal(err)
		}
		// Certificates: one expiring soon at a site the child reaches, one
		// at a site it does not, one expired and one far off (a day clear of
		// the edges, which the organisation's zone may move).
		for _, c := range []*fieldportal.Certificate{
			{SiteID: s1a, Type: "Gas", IssuedOn: today.AddDays(-300), ExpiresOn: today.AddDays(fieldportal.CertificateSoonDays - 1)},
			{SiteID: x1, Type: "Gas", IssuedOn: today.AddDays(-300), ExpiresOn: today.AddDays(5)},
			{SiteID: s1a, Type: "Gas", IssuedOn: today.AddDays(-400), ExpiresOn: today.AddDays(-2)},
			{SiteID: s1a, Type: "Gas", IssuedOn: today, ExpiresOn: today.AddDays(fieldportal.CertificateSoonDays + 2)},
		} {
			if err := db.CreateCertificate(ctx, sys, c); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("a contact sees the counts of what it reaches", func(t *testing.T) {
			d, err := db.Dashboard(ctx, f.viewers["child"])
			if err != nil {
				t.Fatal(err)
			}
			balance := fieldportal.Money(10000)
			want := &fieldportal.Dashboard{Sites: intp(3), OpenIssues: intp(1), OpenService: intp(1), OpenInstall: intp(1),
				OutstandingQuotes: intp(1), UnpaidInvoices: intp(1), Balance: &balance, ExpiringCertificates: intp(1)}
			got := *d
			got.Now, got.NextAppointments, got.RecentJobs = time.Time{}, nil, nil
			if diff := cmp.Diff(want, &got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(d.NextAppointments) != 1 || d.NextAppointments[0].ID != appt.ID {
				t.Errorf("appointments %+v", d.NextAppointments)
			}
			// Latest change first; the two changed together newest id first.
			recent := idsOf(d.RecentJobs, func(j *fieldportal.Job) string { return j.ID })
			if diff := cmp.Diff([]string{done.ID, install.ID, service.ID}, recent); diff != "" {
				t.Errorf("recent jobs (-want +got):\n%s", diff)
			}
		})
		t.Run("the counts are one statement", func(t *testing.T) {
			var counts []string
			sqlstore.ObserveQueries(db, func(q string, _ []any) {
				if strings.Contains(q, "count(*)") {
					counts = append(counts, q)
				}
			})
			defer sqlstore.ObserveQueries(db, nil)
			if _, err := db.Dashboard(ctx, f.viewers["child"]); err != nil {
				t.Fatal(err)
			}
			// The five counts and the invoice summary: two statements.
			if len(counts) != 2 {
				t.Errorf("%d statements count:\n%s", len(counts), strings.Join(counts, "\n\n"))
			}
		})
		t.Run("now is the store's clock in the organisation's zone", func(t *testing.T) {
			d, err := db.Dashboard(ctx, f.viewers["child"])
			if err != nil || !d.Now.Equal(f.clk.now) || d.Now.Location().String() != "Australia/Sydney" {
				t.Errorf("now %v, %v", d.Now, err)
			}
		})
		t.Run("a new time zone applies at once", func(t *testing.T) {
			f.org.TimeZone = "Europe/Paris"
			if err := db.UpdateOrganisation(ctx, sys, f.org); err != nil {
				t.Fatal(err)
			}
			defer func() {
				f.org.TimeZone = "Australia/Sydney"
				if err := db.UpdateOrganisation(ctx, sys, f.org); err != nil {
					t.Fatal(err)
				}
			}()
			d, err := db.Dashboard(ctx, f.viewers["child"])
			if err != nil || d.Now.Location().String() != "Europe/Paris" {
				t.Errorf("now %v, %v", d.Now, err)
			}
		})
		t.Run("modules the viewer may not use are not counted", func(t *testing.T) {
			d, err := db.Dashboard(ctx, f.viewers["nopage"])
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(&fieldportal.Dashboard{Now: d.Now}, d); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("recent jobs are of the kinds the viewer may use", func(t *testing.T) {
			l := f.MustLogin(t, "parent")
			l.Pages = fieldportal.Modules{fieldportal.ModuleDashboard, fieldportal.ModuleInstall}
			if err := db.UpdateLoginAccess(ctx, sys, l); err != nil {
				t.Fatal(err)
			}
			v, err := db.ViewerForLogin(ctx, f.orgA, l.ID)
			if err != nil {
				t.Fatal(err)
			}
			d, err := db.Dashboard(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if got := idsOf(d.RecentJobs, func(j *fieldportal.Job) string { return j.ID }); !cmp.Equal(got, []string{install.ID}) || d.OpenService != nil {
				t.Errorf("recent %v, open service %v", got, d.OpenService)
			}
		})
	})
}

// pngBytes is a 1x1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func TestLogo(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		sum := sha256.Sum256(pngBytes)
		sha := hex.EncodeToString(sum[:])

		t.Run("only an admin sets the logo", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"staff": f.staff, "contact": f.viewers["parent"]} {
				if err := db.SetLogo(ctx, v, pngBytes, "image/png"); code(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
		t.Run("an admin sets it; anyone reads it by its hash", func(t *testing.T) {
			if err := db.SetLogo(ctx, f.admin, pngBytes, "image/png"); err != nil {
				t.Fatal(err)
			}
			st, _ := db.FindSettings(ctx, f.orgA)
			if st.Branding.Logo != sha || st.Branding.LogoType != "image/png" {
				t.Errorf("branding %+v", st.Branding)
			}
			data, ctype, err := db.FindLogo(ctx, f.orgA, sha)
			if err != nil || !bytes.Equal(data, pngBytes) || ctype != "image/png" {
				t.Errorf("%d bytes, %q, %v", len(data), ctype, err)
			}
			if got := f.audits(t, "settings.logo_set"); len(got) != 1 || got[0].Detail != sha {
				t.Errorf("audit %+v", got)
			}
		})
		t.Run("another hash or organisation is not found", func(t *testing.T) {
			if _, _, err := db.FindLogo(ctx, f.orgA, strings.Repeat("0", 64)); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("another hash: %v", err)
			}
			if _, _, err := db.FindLogo(ctx, f.orgB, sha); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation: %v", err)
			}
		})
		t.Run("two organisations may use the same image", func(t *testing.T) {
			adminB := fieldportal.NewStaffViewer(f.orgB, "", "B admin", fieldportal.RoleAdmin)
			if err := db.SetLogo(ctx, adminB, pngBytes, "image/png"); err != nil {
				t.Fatalf("the second organisation's logo: %v", err)
			}
			for _, org := range []string{f.orgA, f.orgB} {
				if data, _, err := db.FindLogo(ctx, org, sha); err != nil || !bytes.Equal(data, pngBytes) {
					t.Errorf("logo of %s: %d bytes, %v", org, len(data), err)
				}
			}
		})
		t.Run("a type other than PNG or JPEG is refused", func(t *testing.T) {
			if err := db.SetLogo(ctx, f.admin, []byte("<svg/>"), "image/svg+xml"); code(err) != fieldportal.EINVALID || fieldOf(err) != "logo" {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("a failed write leaves the settings as they were", func(t *testing.T) {
			restore := breakTable(t, db, "audit_log")
			err := db.SetLogo(ctx, f.admin, append([]byte{}, pngBytes[:len(pngBytes)-1]...), "image/png")
			restore()
			if err == nil {
				t.Fatal("no error without the audit log")
			}
			if st, _ := db.FindSettings(ctx, f.orgA); st.Branding.Logo != sha {
				t.Errorf("logo = %q", st.Branding.Logo)
			}
		})
		t.Run("no data removes the logo", func(t *testing.T) {
			if err := db.SetLogo(ctx, f.admin, nil, ""); err != nil {
				t.Fatal(err)
			}
			if _, _, err := db.FindLogo(ctx, f.orgA, sha); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("removed logo: %v", err)
			}
		})
	})
}

func TestOpenDocument(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		doc := MustDocument(t, db, f.sys, &fieldportal.Document{Name: "cert.pdf", AttachedTo: "site", CustomerID: f.cust["Child1"].ID,
			SiteID: f.site["S1a"].ID, Size: 3, SHA256: "x", VisibleToCustomer: true})
		if err := db.PutBlob(ctx, f.orgA, doc.StorageKey, []byte("pdf")); err != nil {
			t.Fatal(err)
		}
		t.Run("a document in reach opens with its bytes", func(t *testing.T) {
			got, data, err := openBytes(db.OpenDocument(ctx, f.viewers["child"], doc.ID))
			if err != nil || got.ID != doc.ID || string(data) != "pdf" {
				t.Errorf("%+v, %q, %v", got, data, err)
			}
		})
		t.Run("out of reach is not found", func(t *testing.T) {
			for _, name := range []string{"solo", "otherorg", "anonymous", "nopage"} {
				if _, data, err := openBytes(db.OpenDocument(ctx, f.viewers[name], doc.ID)); code(err) != fieldportal.ENOTFOUND || data != nil {
					t.Errorf("%s: %d bytes, %v", name, len(data), err)
				}
			}
		})
	})
}

func TestAPIKeys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		plain, key, err := db.CreateAPIKey(ctx, f.admin, " Back office ", fieldportal.APIKeyWrite)
		if err != nil {
			t.Fatal(err)
		}

		t.Run("a key is shown once and kept as a hash", func(t *testing.T) {
			if !strings.HasPrefix(plain, "fpk_") || key.Prefix != plain[:12] || key.Name != "Back office" || key.CreatedBy != f.admin.StaffID {
				t.Errorf("plain %q, key %+v", plain, key)
			}
			if n := countRows(t, db, "api_keys", "key_hash = $1", plain); n != 0 {
				t.Error("the plain key is stored")
			}
			list, err := db.FindAPIKeys(ctx, f.admin)
			if err != nil || len(list) != 1 || list[0].ID != key.ID {
				t.Errorf("%+v, %v", list, err)
			}
			if got := f.audits(t, "api_key.created"); len(got) != 1 || strings.Contains(got[0].Detail, plain) {
				t.Errorf("audit %+v", got)
			}
		})
		t.Run("only admins manage keys", func(t *testing.T) {
			if _, _, err := db.CreateAPIKey(ctx, f.staff, "x", fieldportal.APIKeyWrite); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("create: %v", err)
			}
			if _, err := db.FindAPIKeys(ctx, f.staff); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("list: %v", err)
			}
			if err := db.RevokeAPIKey(ctx, f.staff, key.ID); code(err) != fieldportal.EFORBIDDEN {
				t.Errorf("revoke: %v", err)
			}
			if _, _, err := db.CreateAPIKey(ctx, f.admin, " ", fieldportal.APIKeyWrite); code(err) != fieldportal.EINVALID {
				t.Errorf("no name: %v", err)
			}
		})
		t.Run("a live key is its viewer, for its organisation only", func(t *testing.T) {
			v, err := db.APIKeyViewer(ctx, f.orgA, plain, "192.0.2.1")
			if err != nil || v.Kind() != fieldportal.ViewerAPI || v.APIKeyID != key.ID || !v.SeesWholeOrg() {
				t.Errorf("%+v, %v", v, err)
			}
			for name, tc := range map[string]struct{ org, plain string }{
				"another organisation": {f.orgB, plain}, "unknown": {f.orgA, "fpk_nope"}, "no prefix": {f.orgA, plain[4:]},
			} {
				if _, err := db.APIKeyViewer(ctx, tc.org, tc.plain, "192.0.2.1"); code(err) != fieldportal.EUNAUTHORIZED {
					t.Errorf("%s: %v", name, err)
				}
			}
		})
		t.Run("use is noted at most once a minute", func(t *testing.T) {
			lastUsed := func() time.Time {
				list, _ := db.FindAPIKeys(ctx, f.admin)
				return list[0].LastUsedAt
			}
			first := lastUsed()
			if !first.Equal(f.clk.now) {
				t.Fatalf("last used %v, want %v", first, f.clk.now)
			}
			f.clk.now = f.clk.now.Add(30 * time.Second)
			db.APIKeyViewer(ctx, f.orgA, plain, "192.0.2.1")
			if got := lastUsed(); !got.Equal(first) {
				t.Errorf("noted again after 30 s: %v", got)
			}
			f.clk.now = f.clk.now.Add(31 * time.Second)
			db.APIKeyViewer(ctx, f.orgA, plain, "192.0.2.1")
			if got := lastUsed(); !got.Equal(f.clk.now) {
				t.Errorf("not noted after a minute: %v", got)
			}
		})
		t.Run("a revoked key stops at once", func(t *testing.T) {
			if err := db.RevokeAPIKey(ctx, f.admin, key.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.APIKeyViewer(ctx, f.orgA, plain, "192.0.2.1"); code(err) != fieldportal.EUNAUTHORIZED {
				t.Errorf("err = %v", err)
			}
			if err := db.RevokeAPIKey(ctx, f.admin, key.ID); err != nil {
				t.Errorf("revoking again: %v", err)
			}
			if n := len(f.audits(t, "api_key.revoked")); n != 1 {
				t.Errorf("%d revocations audited", n)
			}
			if err := db.RevokeAPIKey(ctx, fieldportal.SystemViewer(f.orgB, "test"), key.ID); code(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's admin: %v", err)
			}
		})
	})
}

func TestWebhookEndpoints(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		for _, e := range []struct{ org, url string }{{f.orgA, "https://bo.example.test/hook"}, {f.orgB, "https://b.example.test/hook"}} {
			if _, err := db.SQL().Exec(`INSERT INTO webhook_endpoints (id, org_id, url, secret, events, active, created_at, updated_at)
				VALUES ($1, $2, $3, 'whsec', 'job.booked, quote.accepted', TRUE, $4, $4)`, sqlstore.NewID(), e.org, e.url, f.clk.now); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("the operator sees its own, without secrets", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"staff": f.staff, "API key": fieldportal.NewAPIKeyViewer(f.orgA, "k", "k", fieldportal.APIKeyRead)} {
				list, err := db.FindWebhookEndpoints(ctx, v)
				if err != nil || len(list) != 1 || list[0].URL != "https://bo.example.test/hook" || list[0].Secret != "" ||
					!cmp.Equal(list[0].Events, []string{"job.booked", "quote.accepted"}) {
					t.Errorf("%s: %+v, %v", name, list, err)
				}
			}
		})
		t.Run("a contact gets none", func(t *testing.T) {
			for _, name := range []string{"parent", "anonymous"} {
				if list, err := db.FindWebhookEndpoints(ctx, f.viewers[name]); err != nil || len(list) != 0 {
					t.Errorf("%s: %+v, %v", name, list, err)
				}
			}
		})
	})
}
