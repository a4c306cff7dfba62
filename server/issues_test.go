package server

import (
	"bytes"
	"context"
	"flag"
	"mime/multipart"
	"net/http"
	"net/url"
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

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata")

// upload is one file of a multipart post.
type upload struct {
	name string
	data []byte
}

// postForm posts fields and files (under "attachments") as
// multipart/form-data, as the issue forms send them.
func (b *browser) postForm(path string, fields url.Values, files ...upload) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile("attachments", f.name)
		fw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// mustIssue makes an issue with the store, as the operator.
func (f *fixture) mustIssue(site, title string, priority fieldportal.IssuePriority, status string) *fieldportal.Issue {
	f.t.Helper()
	x := &fieldportal.Issue{SiteID: f.site[site].ID, Title: title, Priority: priority, Status: status}
	if err := f.db.CreateIssue(context.Background(), f.sys, x); err != nil {
		f.t.Fatalf("issue: %v", err)
	}
	return x
}

// count counts the rows of a table.
func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.db.SQL().QueryRowContext(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// issueIDFrom reads the issue's id from a redirect to its page.
func issueIDFrom(t *testing.T, res *http.Response) string {
	t.Helper()
	m := regexp.MustCompile(`^/issues/([0-9a-f-]+)\?done=reported$`).FindStringSubmatch(res.Header.Get("Location"))
	if m == nil {
		t.Fatalf("redirect to %q, want an issue's page", res.Header.Get("Location"))
	}
	return m[1]
}

func TestIssuePages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		hq := f.mustIssue("hq", "Fire door sticks", fieldportal.PriorityHigh, fieldportal.IssueOpen)
		dock := f.mustIssue("dock", "Roller shutter jammed", fieldportal.PriorityUrgent, fieldportal.IssueOpen)
		closed := f.mustIssue("dock", "Light out in yard", fieldportal.PriorityLow, fieldportal.IssueClosed)
		solo := f.mustIssue("solo", "Alarm panel beeping", fieldportal.PriorityNormal, fieldportal.IssueOpen)
		_, noIssues := f.addLogin("parent", "Nia", "Nopage", "nia@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites})
		_ = noIssues
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)

		t.Run("the list shows the open issues in reach", func(t *testing.T) {
			res, body := parent.get("/issues")
			wantStatus(t, "GET /issues", res, body, http.StatusOK)
			for _, want := range []string{hq.Number, dock.Number, "Fire door sticks", "Urgent", "Report an issue", "/issues.csv"} {
				if !strings.Contains(body, want) {
					t.Errorf("list lacks %q", want)
				}
			}
			for _, hidden := range []string{closed.Number, solo.Number} {
				if strings.Contains(body, hidden) {
					t.Errorf("list shows %s", hidden)
				}
			}
			_, body = child.get("/issues?status=all")
			if !strings.Contains(body, dock.Number) || !strings.Contains(body, closed.Number) || strings.Contains(body, hq.Number) {
				t.Errorf("child's list of every status is wrong:\n%s", body)
			}
		})
		t.Run("filters by site, search and status", func(t *testing.T) {
			_, body := parent.get("/issues?site=" + f.site["dock"].ID)
			if !strings.Contains(body, "Issues at Dock Warehouse") || !strings.Contains(body, dock.Number) || strings.Contains(body, hq.Number) {
				t.Errorf("site filter wrong:\n%s", body)
			}
			_, body = parent.get("/issues?q=shutter")
			if !strings.Contains(body, dock.Number) || strings.Contains(body, hq.Number) {
				t.Errorf("search wrong")
			}
			_, body = parent.get("/issues?status=closed")
			if !strings.Contains(body, closed.Number) || strings.Contains(body, dock.Number) {
				t.Errorf("closed filter wrong")
			}
		})
		t.Run("priority sort puts urgent first", func(t *testing.T) {
			_, body := parent.get("/issues?sort=priority")
			if i, j := strings.Index(body, dock.Number), strings.Index(body, hq.Number); i < 0 || j < 0 || i > j {
				t.Errorf("urgent %s at %d, high %s at %d", dock.Number, i, hq.Number, j)
			}
		})
		t.Run("an issue out of reach is not found", func(t *testing.T) {
			for _, path := range []string{"/issues/" + hq.ID, "/issues/" + solo.ID, "/issues/no-such-issue"} {
				res, body := child.get(path)
				wantStatus(t, path, res, body, http.StatusNotFound)
			}
		})
		t.Run("a contact without the Issues page gets 404 everywhere", func(t *testing.T) {
			b := f.browser()
			b.login("nia@example.test", testPassword)
			for _, path := range []string{"/issues", "/issues.csv", "/issues/new", "/issues/" + hq.ID} {
				res, body := b.get(path)
				wantStatus(t, path, res, body, http.StatusNotFound)
			}
			res, body := b.postForm("/issues/new", url.Values{"site_id": {f.site["hq"].ID}, "title": {"x"}, "priority": {"normal"}})
			wantStatus(t, "POST /issues/new", res, body, http.StatusNotFound)
			_, body = b.get("/sites/" + f.site["hq"].ID)
			if strings.Contains(body, "/issues?site=") {
				t.Error("site page offers the Issues tab")
			}
		})
		t.Run("the site page links to its issues", func(t *testing.T) {
			_, body := parent.get("/sites/" + f.site["hq"].ID)
			if !strings.Contains(body, `href="/issues?site=`+f.site["hq"].ID+`"`) {
				t.Errorf("site page has no Issues tab:\n%s", body)
			}
		})
	})
}

func TestReportIssue(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		child := f.browser()
		child.login("child@example.test", testPassword)
		png := tinyPNG(4, 4)

		t.Run("the form preselects the site of ?site=", func(t *testing.T) {
			res, body := child.get("/issues/new?site=" + f.site["dock"].ID)
			wantStatus(t, "GET /issues/new", res, body, http.StatusOK)
			if !strings.Contains(body, `<option value="`+f.site["dock"].ID+`" selected>Dock Warehouse</option>`) {
				t.Errorf("site not preselected:\n%s", body)
			}
			// The page's title, not the issue's title field (which once
			// shadowed it: the tab read "{title Title text …}").
			if !strings.Contains(body, "<title>Report an issue – Acme Fire &amp; Security</title>") {
				t.Errorf("page title wrong:\n%s", body[:min(len(body), 400)])
			}
		})
		t.Run("a report with a photo is saved and shown at once", func(t *testing.T) {
			res, body := child.postForm("/issues/new", url.Values{"site_id": {f.site["dock"].ID}, "title": {"Gate <b>broken</b>"},
				"description": {"Hinge snapped."}, "priority": {"high"}}, upload{"gate.png", png})
			wantStatus(t, "POST /issues/new", res, body, http.StatusSeeOther)
			id := issueIDFrom(t, res)
			res, body = child.get("/issues/" + id + "?done=reported")
			wantStatus(t, "issue page", res, body, http.StatusOK)
			for _, want := range []string{"Gate &lt;b&gt;broken&lt;/b&gt;", "Hinge snapped.", "High priority", "gate.png", "by Chris Child", "your issue has been reported"} {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %q:\n%s", want, body)
				}
			}
			if strings.Contains(body, "<b>broken</b>") {
				t.Error("title rendered unescaped")
			}
			m := regexp.MustCompile(`href="(/issues/` + id + `/attachments/[^"]+)"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatal("no attachment link")
			}
			res, got := child.get(m[1])
			wantStatus(t, "attachment", res, "", http.StatusOK)
			if got != string(png) || res.Header.Get("Content-Type") != "image/png" {
				t.Errorf("attachment is %q of %d bytes", res.Header.Get("Content-Type"), len(got))
			}
			// The parent reaches the child's site; another contact's
			// issue link for a file of another issue is not found.
			parent := f.browser()
			parent.login("parent@example.test", testPassword)
			if res, _ := parent.get(m[1]); res.StatusCode != http.StatusOK {
				t.Errorf("parent gets %d for the file", res.StatusCode)
			}
			other := f.mustIssue("hq", "Other", fieldportal.PriorityLow, fieldportal.IssueOpen)
			wrong := strings.Replace(m[1], id, other.ID, 1)
			if res, _ := parent.get(wrong); res.StatusCode != http.StatusNotFound {
				t.Errorf("file under another issue = %d, want 404", res.StatusCode)
			}
			_, body = child.get("/issues")
			if !strings.Contains(body, "Gate &lt;b&gt;broken&lt;/b&gt;") {
				t.Error("new issue not in the list")
			}
		})
		t.Run("bad input names each field, keeps what was typed and saves nothing", func(t *testing.T) {
			issues, docs := f.count("issues"), f.count("documents")
			for _, tc := range []struct {
				name   string
				fields url.Values
				files  []upload
				want   map[string]string // field id -> message part
				kept   []string
			}{
				{"no title, bad priority", url.Values{"site_id": {f.site["dock"].ID}, "description": {"Kept text"}, "priority": {"whenever"}}, nil,
					map[string]string{"title": "Title is required.", "priority": "Priority must be"}, []string{"Kept text"}},
				{"no site", url.Values{"title": {"Leak by the door"}, "priority": {"normal"}}, nil,
					map[string]string{"site_id": "Site is required."}, []string{"Leak by the door"}},
				{"a site out of reach", url.Values{"site_id": {f.site["hq"].ID}, "title": {"Leak by the door"}, "priority": {"normal"}}, nil,
					map[string]string{"site_id": "Site not found."}, []string{"Leak by the door"}},
				{"title too long", url.Values{"site_id": {f.site["dock"].ID}, "title": {strings.Repeat("x", 201)}, "priority": {"normal"}}, nil,
					map[string]string{"title": "at most 200"}, nil},
				{"a refused file type", url.Values{"site_id": {f.site["dock"].ID}, "title": {"Script attached"}, "priority": {"normal"}},
					[]upload{{"page.html", []byte("<html><script>alert(1)</script></html>")}},
					map[string]string{"attachments": "page.html"}, []string{"Script attached"}},
				{"a file over the limit", url.Values{"site_id": {f.site["dock"].ID}, "title": {"Huge photo"}, "priority": {"normal"}},
					[]upload{{"big.png", append(tinyPNG(2, 2), make([]byte, 26<<20)...)}},
					map[string]string{"attachments": "big.png"}, []string{"Huge photo"}},
				{"an unknown equipment number", url.Values{"site_id": {f.site["dock"].ID}, "title": {"Pump"}, "priority": {"normal"}, "asset_number": {"NOPE-1"}}, nil,
					map[string]string{"asset_number": "NOPE-1"}, []string{"NOPE-1"}},
			} {
				t.Run(tc.name, func(t *testing.T) {
					res, body := child.postForm("/issues/new", tc.fields, tc.files...)
					wantStatus(t, "POST", res, body, http.StatusBadRequest)
					for field, msg := range tc.want {
						if !regexp.MustCompile(`id="` + field + `-error"><span class="visually-hidden">Error: </span>[^<]*` + regexp.QuoteMeta(msg)).MatchString(body) {
							t.Errorf("no error on %s containing %q:\n%s", field, msg, body)
						}
						if !strings.Contains(body, `href="#`+field+`"`) {
							t.Errorf("error summary does not link %s", field)
						}
					}
					for _, s := range tc.kept {
						if !strings.Contains(body, s) {
							t.Errorf("form lost %q", s)
						}
					}
				})
			}
			if n, d := f.count("issues"), f.count("documents"); n != issues || d != docs {
				t.Errorf("refused forms saved %d issues and %d documents", n-issues, d-docs)
			}
		})
		t.Run("a contact of many sites types the site's name", func(t *testing.T) {
			for i := range siteChoicesForTest + 1 {
				f.addSite("", "Bay "+string(rune('A'+i%26))+strings.Repeat("x", i/26), "child", "BS1 9ZZ")
			}
			res, body := child.get("/issues/new")
			wantStatus(t, "GET", res, body, http.StatusOK)
			if !strings.Contains(body, `type="search"`) || strings.Contains(body, `<select id="site_id"`) {
				t.Fatalf("a contact of many sites gets no site search:\n%s", body)
			}
			res, body = child.postForm("/issues/new", url.Values{"site": {"bay"}, "title": {"Which bay?"}, "priority": {"normal"}})
			wantStatus(t, "ambiguous", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "several sites match") || !strings.Contains(body, `<select id="site_id"`) {
				t.Errorf("several matches are not offered:\n%s", body)
			}
			res, body = child.postForm("/issues/new", url.Values{"site": {"Dock Warehouse"}, "title": {"Typed site"}, "priority": {"normal"}})
			wantStatus(t, "typed", res, body, http.StatusSeeOther)
			res, body = child.postForm("/issues/new", url.Values{"site": {"Nowhere at all"}, "title": {"Typed site"}, "priority": {"normal"}})
			wantStatus(t, "no match", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `id="site-error"`) || !strings.Contains(body, "Nowhere at all") {
				t.Errorf("no match not said on the site field:\n%s", body)
			}
		})
	})
}

// siteChoicesForTest is the portal's siteChoicesMax: beyond it the form
// asks for the site's name.
const siteChoicesForTest = 30

func TestIssueCommentsAndConsole(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		db.LinkBase = "http://portal.test" // as the program sets it (cmd/fieldportal)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		child := f.browser()
		child.login("child@example.test", testPassword)
		res, body := child.postForm("/issues/new", url.Values{"site_id": {f.site["dock"].ID}, "title": {"Drain blocked"}, "priority": {"normal"}})
		wantStatus(t, "report", res, body, http.StatusSeeOther)
		id := issueIDFrom(t, res)
		staff := f.browser()
		staff.consoleLogin("desk@example.test")

		t.Run("the contact comments with a file", func(t *testing.T) {
			res, body := child.postForm("/issues/"+id+"/comments", url.Values{"body": {"Still blocked this morning."}}, upload{"drain.png", tinyPNG(3, 3)})
			wantRedirect(t, "comment", res, "/issues/"+id+"?done=commented#comments")
			_, body = child.get("/issues/" + id)
			if !strings.Contains(body, "Still blocked this morning.") || !strings.Contains(body, "drain.png") || !strings.Contains(body, "Chris Child") {
				t.Errorf("comment not shown:\n%s", body)
			}
			_, _ = res, body
		})
		t.Run("an empty comment is refused on its field", func(t *testing.T) {
			res, body := child.postForm("/issues/"+id+"/comments", url.Values{"body": {"  "}})
			wantStatus(t, "empty comment", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `id="body-error"`) || !strings.Contains(body, "Comment is required.") {
				t.Errorf("no field error:\n%s", body)
			}
		})
		t.Run("the queue lists it and staff answer: the reporter is mailed", func(t *testing.T) {
			res, body := staff.get("/console/issues")
			wantStatus(t, "queue", res, body, http.StatusOK)
			if !strings.Contains(body, "Drain blocked") {
				t.Fatalf("queue lacks the issue:\n%s", body)
			}
			res, body = staff.postForm("/console/issues/"+id+"/comments", url.Values{"body": {"An engineer comes on Tuesday."}})
			wantRedirect(t, "staff comment", res, "/console/issues/"+id+"?done=commented")
			to, mail, n := f.outboxMail("issue_answered")
			if n != 1 || to != "child@example.test" || !strings.Contains(mail, "http://portal.test/issues/"+id) {
				t.Errorf("mail: %d to %q:\n%s", n, to, mail)
			}
			_, body = child.get("/issues/" + id)
			if !strings.Contains(body, "An engineer comes on Tuesday.") || !strings.Contains(body, "Our team") {
				t.Errorf("staff answer not shown to the contact")
			}
		})
		t.Run("close, reopen and turn into a service order, in the history", func(t *testing.T) {
			for _, step := range []struct{ path, status, done string }{
				{"/status", "closed", "closed"}, {"/status", "open", "open"}, {"/service-order", "", "order"},
			} {
				res, body := staff.post("/console/issues/"+id+step.path, url.Values{"status": {step.status}})
				wantRedirect(t, step.path, res, "/console/issues/"+id+"?done="+step.done)
				_ = body
			}
			x, err := db.FindIssueByID(context.Background(), f.sys, id)
			if err != nil || x.JobID == "" || x.Status != fieldportal.IssueOpen {
				t.Fatalf("issue after the steps: %+v, %v", x, err)
			}
			j, err := db.FindJobByID(context.Background(), f.sys, x.JobID)
			if err != nil || j.Stage != fieldportal.StagePending || j.Kind != fieldportal.JobService || j.SiteID != x.SiteID {
				t.Fatalf("job: %+v, %v", j, err)
			}
			_, body := child.get("/issues/" + id)
			var got []string
			for _, m := range regexp.MustCompile(`<li><strong>([^<]+)</strong>`).FindAllStringSubmatch(body, -1) {
				got = append(got, m[1])
			}
			if diff := cmp.Diff([]string{"Reported", "Closed", "Reopened", "Turned into a service order"}, got); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
			res, body := staff.post("/console/issues/"+id+"/service-order", nil)
			wantStatus(t, "second order", res, body, http.StatusConflict)
		})
	})
}

func TestIssuesCSV(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
		db.Now = func() time.Time { at = at.Add(25 * time.Hour); return at }
		f.mustIssue("hq", "Fire door sticks", fieldportal.PriorityHigh, fieldportal.IssueOpen)
		f.mustIssue("dock", `Shutter "jammed", again`, fieldportal.PriorityUrgent, fieldportal.IssueOpen)
		f.mustIssue("dock", "Light out in yard", fieldportal.PriorityLow, fieldportal.IssueClosed)
		f.mustIssue("solo", "Alarm panel beeping", fieldportal.PriorityNormal, fieldportal.IssueOpen)
		db.Now = time.Now // sessions run on the real clock
		parent := f.browser()
		parent.login("parent@example.test", testPassword)
		for _, tc := range []struct{ name, query string }{
			{"open", ""}, {"all by priority", "?status=all&sort=priority"}, {"dock closed", "?status=closed&site=" + f.site["dock"].ID},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res, body := parent.get("/issues.csv" + tc.query)
				wantStatus(t, "CSV", res, body, http.StatusOK)
				golden := filepath.Join("testdata", "issues_"+strings.ReplaceAll(tc.name, " ", "_")+".csv")
				if *updateGolden {
					os.WriteFile(golden, []byte(body), 0o644)
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(string(want), body); diff != "" {
					t.Errorf("CSV differs from %s (-want +got):\n%s", golden, diff)
				}
			})
		}
	})
}
