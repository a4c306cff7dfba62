package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// complianceRecords are a certificate (with its file), an appointment and
// a task at one site of the compliance matrix.
type complianceRecords struct{ cert, file, appt, task string }

// mustComplianceAt makes the records of the matrix at a site: a
// certificate expiring soon with a file shown to customers, an
// appointment in two days and a task due today, each named after key.
func mustComplianceAt(t *testing.T, db *sqlstore.DB, s *fieldportal.Site, key string) complianceRecords {
	t.Helper()
	ctx := context.Background()
	sys := fieldportal.SystemViewer(s.OrgID, "test")
	today := fieldportal.DateOf(time.Now())
	c := &fieldportal.Certificate{SiteID: s.ID, Type: "Gas safety", Number: "CERT-" + key, IssuedOn: today.AddDays(-300), ExpiresOn: today.AddDays(10)}
	if err := db.CreateCertificate(ctx, sys, c); err != nil {
		t.Fatal(err)
	}
	docs, err := db.AttachFiles(ctx, sys, "certificate", c.ID, []fieldportal.Upload{{Name: "cert-" + key + ".pdf",
		ContentType: "application/pdf", Data: []byte("%PDF-1.4 certificate of " + key)}})
	if err != nil {
		t.Fatal(err)
	}
	// A certificate's file is for the customer: shown to them.
	docs[0].VisibleToCustomer = true
	if err := db.UpdateDocument(ctx, sys, docs[0]); err != nil {
		t.Fatal(err)
	}
	c.DocumentID = docs[0].ID
	if err := db.UpdateCertificate(ctx, sys, c); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(48 * time.Hour).Truncate(time.Hour)
	a := &fieldportal.Appointment{SiteID: s.ID, StartsAt: at, EndsAt: at.Add(time.Hour), Technician: "Tech " + key, Description: "Visit APPT-" + key}
	if err := db.CreateAppointment(ctx, sys, a); err != nil {
		t.Fatal(err)
	}
	x := &fieldportal.Task{SiteID: s.ID, Subject: "TASK-" + key, Status: "open", DueDate: today}
	if err := db.CreateTask(ctx, sys, x); err != nil {
		t.Fatal(err)
	}
	return complianceRecords{cert: c.ID, file: docs[0].ID, appt: a.ID, task: x.ID}
}

// csvColumn reads a CSV body's column i, without its header.
func csvColumn(t *testing.T, body string, i int) []string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, body)
	}
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[i])
	}
	slices.Sort(out)
	return out
}

// TestPortalComplianceAccessMatrix checks SPEC §2 over HTTP for issue
// 18's certificates, diary, calendar feed and tasks, for every kind of
// viewer: each list and CSV holds exactly the records of the sites the
// viewer reaches, each certificate's file downloads for those and is 404
// otherwise, the dashboard counts only those certificates, and each
// viewer's calendar feed holds exactly its appointments. A site contact
// (assigned to the dock) sees nothing of the other sites anywhere.
func TestPortalComplianceAccessMatrix(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		_, sysB, custB := f.mustOtherOrg()
		siteB := &fieldportal.Site{Name: "Other Site", CustomerID: custB.ID, Address: fieldportal.Address{Line1: "9 Far Road"}}
		if err := db.CreateSite(ctx, sysB, siteB); err != nil {
			t.Fatal(err)
		}
		mustLoginB(t, db, sysB, custB.ID, "other@example.test")
		_, assigned := f.addLogin("parent", "Ann", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		assigned.SiteAccess, assigned.SiteIDs = fieldportal.SiteAccessAssigned, []string{f.site["dock"].ID}
		if err := db.UpdateLoginAccess(ctx, f.sys, assigned); err != nil {
			t.Fatal(err)
		}
		f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites})
		f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)

		recs := map[string]complianceRecords{}
		for key, s := range map[string]*fieldportal.Site{"hq": f.site["hq"], "dock": f.site["dock"], "solo": f.site["solo"], "orgB": siteB} {
			recs[key] = mustComplianceAt(t, db, s, key)
		}
		viewers := []struct {
			name, user, host string
			sees             []string
		}{
			{"parent", "parent@example.test", "", []string{"dock", "hq"}},
			{"child", "child@example.test", "", []string{"dock"}},
			{"site contact", "assigned@example.test", "", []string{"dock"}},
			{"without the pages", "nopage@example.test", "", nil},
			{"solo", "solo@example.test", "", []string{"solo"}},
			{"other organisation", "other@example.test", "b.portal.test", []string{"orgB"}},
		}
		for _, vw := range viewers {
			t.Run(vw.name, func(t *testing.T) {
				b := f.browser()
				b.host = vw.host
				b.login(vw.user, testPassword)
				module := vw.sees != nil
				wantCode := http.StatusNotFound
				if module {
					wantCode = http.StatusOK
				}
				for _, pg := range []struct {
					path, marker string
					column       int
				}{
					{"/certificates", "CERT-", 1}, {"/diary?range=all", "APPT-", 6}, {"/tasks", "TASK-", 0},
				} {
					res, body := b.get(pg.path)
					if res.StatusCode != wantCode {
						t.Fatalf("%s = %d, want %d", pg.path, res.StatusCode, wantCode)
					}
					csvPath := strings.Replace(pg.path, "?", ".csv?", 1)
					if !strings.Contains(csvPath, ".csv") {
						csvPath += ".csv"
					}
					res, csvBody := b.get(csvPath)
					if res.StatusCode != wantCode {
						t.Fatalf("%s = %d, want %d", csvPath, res.StatusCode, wantCode)
					}
					var listed []string
					for key := range recs {
						if strings.Contains(body, pg.marker+key) {
							listed = append(listed, key)
						}
					}
					slices.Sort(listed)
					if diff := cmp.Diff(vw.sees, listed); module && diff != "" {
						t.Errorf("%s (-want +got):\n%s", pg.path, diff)
					}
					if !module {
						if len(listed) > 0 {
							t.Errorf("%s reveals %v", pg.path, listed)
						}
						continue
					}
					var inCSV []string
					for _, cell := range csvColumn(t, csvBody, pg.column) {
						_, key, _ := strings.Cut(cell, pg.marker)
						inCSV = append(inCSV, key)
					}
					if diff := cmp.Diff(vw.sees, inCSV); diff != "" {
						t.Errorf("%s (-want +got):\n%s", csvPath, diff)
					}
				}
				// The default diary (the next 14 days) holds the same.
				_, body := b.get("/diary")
				for key := range recs {
					if got, want := strings.Contains(body, "APPT-"+key), slices.Contains(vw.sees, key); got != want {
						t.Errorf("the default diary shows %s: %v, want %v", key, got, want)
					}
				}
				for key, r := range recs {
					res, body := b.get("/certificates/" + r.cert + "/download")
					visible := slices.Contains(vw.sees, key)
					switch {
					case visible && (res.StatusCode != http.StatusOK || body != "%PDF-1.4 certificate of "+key):
						t.Errorf("download of %s = %d %.200q", key, res.StatusCode, body)
					case !visible && res.StatusCode != http.StatusNotFound:
						t.Errorf("download of %s = %d, want 404", key, res.StatusCode)
					}
				}
				// The dashboard's tile counts the certificates expiring soon
				// of the viewer's sites alone.
				_, body = b.get("/")
				tile := strings.Contains(body, "Certificates expiring soon")
				if tile != module {
					t.Errorf("dashboard tile shown: %v, want %v", tile, module)
				}
				if module && !strings.Contains(body, `href="/certificates?status=expiring"`) {
					t.Error("the tile does not link to the expiring certificates")
				}
				if module {
					if got := dashboardTileValue(t, body, "Certificates expiring soon"); got != len(vw.sees) {
						t.Errorf("dashboard counts %d certificates, want %d", got, len(vw.sees))
					}
				}
				// The calendar feed: made on the diary page, it holds the
				// viewer's appointments and nobody else's.
				res, body := b.post("/diary/calendar", nil)
				if !module {
					if res.StatusCode != http.StatusNotFound {
						t.Errorf("making a feed without the diary = %d, want 404", res.StatusCode)
					}
					return
				}
				feed := feedURLIn(t, body)
				cal := mustFeed(t, b, feed)
				var uids []string
				for _, ev := range cal.Events() {
					for key, r := range recs {
						if strings.HasPrefix(ev.Id(), r.appt+"@") {
							uids = append(uids, key)
						}
					}
				}
				slices.Sort(uids)
				if diff := cmp.Diff(vw.sees, uids); diff != "" {
					t.Errorf("feed (-want +got):\n%s", diff)
				}
			})
		}
	})
}

// dashboardTileValue reads the number of a dashboard tile by its label.
func dashboardTileValue(t *testing.T, body, label string) int {
	t.Helper()
	m := regexp.MustCompile(`<span class="tile-value">(\d+)\+?</span> <span class="tile-label">` + regexp.QuoteMeta(label) + `</span>`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no tile %q", label)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}
