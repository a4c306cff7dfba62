package server

import (
	"context"
	"encoding/csv"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// jobsFixture adds orders to the fixture: at Harbour HQ (the parent's
// site) a pending and a scheduled service order and an install order in
// progress; at Dock Warehouse (the child's) a complete and an invoiced
// service order and an archived install order. It returns them by name.
func (f *fixture) addJobs() map[string]*fieldportal.Job {
	f.t.Helper()
	ctx := context.Background()
	start := time.Date(2026, 1, 12, 9, 0, 0, 0, time.UTC)
	specs := []struct {
		name, site string
		kind       fieldportal.JobKind
		stage      fieldportal.JobStage
		orderNo    string
		scheduled  bool
	}{
		{"pending", "hq", fieldportal.JobService, fieldportal.StagePending, "PO-100", false},
		{"scheduled", "hq", fieldportal.JobService, fieldportal.StageScheduled, "PO-101", true},
		{"installing", "hq", fieldportal.JobInstall, fieldportal.StageInProgress, "PO-102", true},
		{"complete", "dock", fieldportal.JobService, fieldportal.StageComplete, "PO-200", true},
		{"invoiced", "dock", fieldportal.JobService, fieldportal.StageInvoiced, "PO-201", true},
		{"archived", "dock", fieldportal.JobInstall, fieldportal.StageArchived, "", false},
	}
	out := map[string]*fieldportal.Job{}
	for _, s := range specs {
		j := &fieldportal.Job{SiteID: f.site[s.site].ID, Kind: s.kind, Stage: s.stage, OrderNo: s.orderNo,
			Description: "Order " + s.name, PreferredDate: fieldportal.Date{Year: 2026, Month: 1, Day: 10}, PreferredWindow: "am",
			Items: []fieldportal.JobItem{{Code: "LAB", Description: "Labour", Quantity: 2, UnitPrice: 4500}}}
		if s.scheduled {
			j.ScheduledStart, j.ScheduledEnd, j.Technician = start, start.Add(2*time.Hour), "Sam Spark"
		}
		if err := f.db.CreateJob(ctx, f.sys, j); err != nil {
			f.t.Fatalf("job %s: %v", s.name, err)
		}
		out[s.name] = j
	}
	return out
}

// golden compares got with testdata/name, or writes it there when
// FIELDPORTAL_UPDATE_GOLDEN is set.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("FIELDPORTAL_UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden file: %v (run with FIELDPORTAL_UPDATE_GOLDEN=1 to write it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs (-golden +got):\n%s", name, diff)
	}
}

// jobNumbers lists the job numbers a page links to, in order.
func jobNumbers(body string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`<a href="/jobs/[^"]+">(J-\d+)</a>`).FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestJobsPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		jobs := f.addJobs()
		num := func(names ...string) []string {
			var out []string
			for _, n := range names {
				out = append(out, jobs[n].Number)
			}
			return out
		}
		f.addLogin("parent", "Sid", "Serviceonly", "service@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites, fieldportal.ModuleService})
		parent, child, service := f.browser(), f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)
		service.login("service@example.test", testPassword)

		t.Run("tabs list their stages, newest first", func(t *testing.T) {
			for _, c := range []struct {
				query string
				want  []string
			}{
				{"kind=service", num("invoiced", "complete", "scheduled", "pending")},
				{"kind=service&stage=pending", num("pending")},
				{"kind=service&stage=progress", num("scheduled")},
				{"stage=progress", num("installing", "scheduled")},
				{"kind=service&stage=complete", num("complete")},
				{"kind=service&stage=invoiced", num("invoiced")},
				{"kind=install&stage=archive", num("archived")},
				{"kind=service&stage=open", num("scheduled", "pending")},
				{"kind=service&q=po-10", num("scheduled", "pending")},
				{"kind=service&q=" + jobs["complete"].Number, num("complete")},
				{"kind=service&site=" + f.site["hq"].ID, num("scheduled", "pending")},
			} {
				t.Run(c.query, func(t *testing.T) {
					res, body := parent.get("/jobs?" + c.query)
					wantStatus(t, "list", res, body, http.StatusOK)
					if diff := cmp.Diff(c.want, jobNumbers(body)); diff != "" {
						t.Errorf("orders (-want +got):\n%s", diff)
					}
				})
			}
		})
		t.Run("the tabs keep the filters", func(t *testing.T) {
			_, body := parent.get("/jobs?kind=service&q=po")
			for _, tab := range []string{"pending", "progress", "complete", "invoiced", "archive"} {
				if !strings.Contains(body, `href="/jobs?kind=service&amp;q=po&amp;stage=`+tab+`"`) {
					t.Errorf("no %s tab keeping the kind and search", tab)
				}
			}
		})
		t.Run("a child contact sees its own site's orders only", func(t *testing.T) {
			_, body := child.get("/jobs")
			if diff := cmp.Diff(num("archived", "invoiced", "complete"), jobNumbers(body)); diff != "" {
				t.Errorf("orders (-want +got):\n%s", diff)
			}
			for _, n := range []string{"pending", "installing"} {
				res, body := child.get("/jobs/" + jobs[n].ID)
				wantStatus(t, "another customer's order", res, body, http.StatusNotFound)
			}
		})
		t.Run("a contact with Service alone never meets an install order", func(t *testing.T) {
			for _, path := range []string{"/jobs?kind=install", "/jobs.csv?kind=install", "/jobs/" + jobs["installing"].ID, "/jobs?kind=repair"} {
				res, body := service.get(path)
				wantStatus(t, path, res, body, http.StatusNotFound)
			}
			for _, path := range []string{"/jobs", "/jobs?stage=progress", "/", "/sites/" + f.site["hq"].ID} {
				res, body := service.get(path)
				wantStatus(t, path, res, body, http.StatusOK)
				if strings.Contains(body, jobs["installing"].Number) || strings.Contains(body, "kind=install") {
					t.Errorf("%s shows an install order or links to them", path)
				}
			}
			res, body := service.get("/jobs.csv")
			wantStatus(t, "CSV", res, body, http.StatusOK)
			if strings.Contains(body, "Install") {
				t.Errorf("the CSV holds an install order:\n%s", body)
			}
		})
		t.Run("a contact without either module gets no page", func(t *testing.T) {
			f.addLogin("parent", "Nora", "Nopage", "nopage@example.test", fieldportal.LoginActive, testPassword, false,
				[]fieldportal.Module{fieldportal.ModuleDashboard})
			b := f.browser()
			b.login("nopage@example.test", testPassword)
			for _, path := range []string{"/jobs", "/jobs.csv", "/jobs/" + jobs["pending"].ID} {
				res, body := b.get(path)
				wantStatus(t, path, res, body, http.StatusNotFound)
			}
		})
		t.Run("a tab that does not exist is refused", func(t *testing.T) {
			res, body := parent.get("/jobs?stage=lost")
			wantStatus(t, "bad tab", res, body, http.StatusBadRequest)
		})
		t.Run("the CSV is the filtered list", func(t *testing.T) {
			res, body := parent.get("/jobs.csv?kind=service")
			wantStatus(t, "CSV", res, body, http.StatusOK)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("Content-Type %q", ct)
			}
			golden(t, "jobs_service.csv", body)
			_, progress := parent.get("/jobs.csv?stage=progress")
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(progress, "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range rows[1:] {
				got = append(got, r[0])
			}
			if diff := cmp.Diff(num("installing", "scheduled"), got); diff != "" {
				t.Errorf("progress CSV (-want +got):\n%s", diff)
			}
		})
		t.Run("an order's page", func(t *testing.T) {
			j := jobs["scheduled"]
			staff := fieldportal.NewStaffViewer(f.org.ID, "", "Robin Office", fieldportal.RoleStaff)
			if _, err := db.MoveJobStage(context.Background(), staff, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageInProgress, Note: "On site"}); err != nil {
				t.Fatal(err)
			}
			today := fieldportal.DateOf(time.Now())
			inv := &fieldportal.Invoice{JobID: j.ID, Number: "INV-77", IssueDate: today, DueDate: today.AddDays(30), Subtotal: 9000, Tax: 1800, Total: 10800}
			if err := db.CreateInvoice(context.Background(), f.sys, inv); err != nil {
				t.Fatal(err)
			}
			res, body := parent.get("/jobs/" + j.ID)
			wantStatus(t, "order", res, body, http.StatusOK)
			for _, want := range []string{"Service order " + j.Number, "PO-101", "Sam Spark", "Scheduled → In progress by Robin Office: On site",
				"Labour", "INV-77", `href="/jobs/` + j.ID + `.pdf"`, "No files are attached", `enctype="multipart/form-data"`,
				`href="/jobs?kind=service" aria-current="page"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			// Service alone: no invoices, no attachments, no upload (its
			// message thread's form is multipart but offers no file).
			_, body = service.get("/jobs/" + j.ID)
			for _, hidden := range []string{"INV-77", "Attachments", `name="files"`, `type="file"`} {
				if strings.Contains(body, hidden) {
					t.Errorf("a contact with Service alone sees %q", hidden)
				}
			}
		})
		t.Run("attachments", func(t *testing.T) {
			j := jobs["pending"]
			res, body := parent.postFile("/jobs/"+j.ID+"/attachments", "files", "../notes.txt", []byte("Gate code 1234\n"))
			wantRedirect(t, "upload", res, "/jobs/"+j.ID+"?done=uploaded")
			_, body = parent.get("/jobs/" + j.ID + "?done=uploaded")
			if !strings.Contains(body, "notes.txt") || !strings.Contains(body, "/download") || !strings.Contains(body, "Your files were attached") {
				t.Errorf("the uploaded file is not listed:\n%s", body)
			}
			res, body = parent.postFile("/jobs/"+j.ID+"/attachments", "files", "page.html", []byte("<!doctype html><html><script>alert(1)</script></html>"))
			wantStatus(t, "refused file", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "page.html") || strings.Count(body, "/download") != 1 {
				t.Errorf("the refused file is not explained, or was saved:\n%s", body)
			}
			res, body = child.postFile("/jobs/"+j.ID+"/attachments", "files", "x.txt", []byte("x"))
			wantStatus(t, "upload to an order out of reach", res, body, http.StatusNotFound)
		})
		t.Run("the dashboard and the site page link to the orders", func(t *testing.T) {
			_, body := parent.get("/")
			for _, want := range []string{`href="/jobs?kind=service&amp;stage=open"`, `href="/jobs?kind=install&amp;stage=open"`, `href="/jobs/` + jobs["installing"].ID + `"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the dashboard lacks %s", want)
				}
			}
			_, body = parent.get("/sites/" + f.site["hq"].ID)
			for _, want := range []string{`href="/jobs?kind=service&amp;site=` + f.site["hq"].ID + `"`, `href="/jobs?kind=install&amp;site=`} {
				if !strings.Contains(body, want) {
					t.Errorf("the site page lacks %s", want)
				}
			}
		})
	})
}

func TestConsoleJobs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		jobs := f.addJobs()
		ctx := context.Background()
		v, err := db.ViewerForLogin(ctx, f.org.ID, f.logins["parent@example.test"].ID)
		if err != nil {
			t.Fatal(err)
		}
		booked := &fieldportal.Job{SiteID: f.site["hq"].ID, Kind: fieldportal.JobService, Description: "Booked online"}
		if err := db.CreateJob(ctx, v, booked); err != nil {
			t.Fatal(err)
		}
		f.addStaff("staff@example.test", fieldportal.RoleStaff)
		b := f.browser()
		b.consoleLogin("staff@example.test")

		t.Run("the queue starts with the portal's bookings", func(t *testing.T) {
			res, body := b.get("/console/jobs")
			wantStatus(t, "queue", res, body, http.StatusOK)
			bookings, _, _ := strings.Cut(body, `id="orders-heading"`)
			if !strings.Contains(bookings, booked.Number) || strings.Contains(bookings, jobs["pending"].Number) {
				t.Errorf("the bookings part should hold %s alone", booked.Number)
			}
			if !strings.Contains(body, `href="/console/jobs"`) || !strings.Contains(body, jobs["archived"].Number) {
				t.Error("no nav link or no list of every order")
			}
		})
		t.Run("filters", func(t *testing.T) {
			_, body := b.get("/console/jobs?show=complete&kind=service")
			if !strings.Contains(body, jobs["complete"].Number) || strings.Contains(body, jobs["invoiced"].Number) {
				t.Error("stage filter")
			}
			_, body = b.get("/console/jobs?q=PO-201")
			if !strings.Contains(body, jobs["invoiced"].Number) || strings.Contains(body, jobs["complete"].Number) {
				t.Error("search")
			}
			res, body := b.get("/console/jobs?show=lost")
			wantStatus(t, "bad stage", res, body, http.StatusBadRequest)
		})
		t.Run("a job's page moves it and links to scheduling", func(t *testing.T) {
			res, body := b.get("/console/jobs/" + booked.ID)
			wantStatus(t, "job", res, body, http.StatusOK)
			if !strings.Contains(body, `href="/console/jobs/`+booked.ID+`/schedule"`) {
				t.Error("no Schedule link")
			}
			res, body = b.post("/console/jobs/"+booked.ID+"/stage", map[string][]string{"stage": {"invoiced"}, "note": {"typed note"}})
			wantStatus(t, "move not allowed", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "cannot be moved to invoiced") || !strings.Contains(body, "typed note") {
				t.Errorf("the refusal does not explain itself or lost the note:\n%s", body)
			}
			res, _ = b.post("/console/jobs/"+booked.ID+"/stage", map[string][]string{"stage": {"scheduled"}, "note": {"Booked for Monday"}})
			wantRedirect(t, "move", res, "/console/jobs/"+booked.ID+"?done=moved")
			_, body = b.get("/console/jobs/" + booked.ID + "?done=moved")
			if !strings.Contains(body, "Pending → Scheduled by Staff staff: Booked for Monday") {
				t.Errorf("history lacks the move:\n%s", body)
			}
			// The contact sees the move in its order's history.
			p := f.browser()
			p.login("parent@example.test", testPassword)
			_, body = p.get("/jobs/" + booked.ID)
			if !strings.Contains(body, "Booked for Monday") {
				t.Error("the contact does not see the move")
			}
		})
		t.Run("another organisation's job is not found", func(t *testing.T) {
			res, body := b.get("/console/jobs/" + sqlstore.NewID())
			wantStatus(t, "unknown job", res, body, http.StatusNotFound)
		})
	})
}
