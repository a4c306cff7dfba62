package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// apiDo sends a JSON request to the demo's API with its key and decodes
// the answer into out (nil: none), failing the test unless the status is
// want.
func apiDo(t *testing.T, p *portal, method, path, body string, want int, out any) {
	t.Helper()
	req, _ := http.NewRequest(method, p.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+p.APIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var raw json.RawMessage
	json.NewDecoder(res.Body).Decode(&raw)
	if res.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, res.StatusCode, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// mustTechnician adds a staff user with a display name and a photo (a
// small PNG) to the demo, as the technician of the journey.
func mustTechnician(t *testing.T, p *portal) *fieldportal.StaffUser {
	t.Helper()
	ctx := context.Background()
	sys := fieldportal.SystemViewer(p.demoOrg(t), "test")
	u := &fieldportal.StaffUser{Email: "sam.reed@demo.test", Name: "Sam Reed", Role: fieldportal.RoleStaff}
	if err := p.DB.CreateStaffUser(ctx, sys, u); err != nil {
		t.Fatal(err)
	}
	img := image.NewRGBA(image.Rect(0, 0, 48, 48))
	for x := range 48 {
		for y := range 48 {
			img.Set(x, y, color.RGBA{R: 20, G: 90, B: 160, A: 255})
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := p.DB.SetStaffProfile(ctx, sys, fieldportal.StaffProfile{StaffID: u.ID, DisplayName: "Sam",
		Photo: buf.Bytes(), PhotoType: "image/png"}); err != nil {
		t.Fatal(err)
	}
	return u
}

// visitMails counts the "on the way" mails queued for an address.
func visitMails(t *testing.T, p *portal, to string) int {
	t.Helper()
	msgs, _, err := p.DB.FindOutbox(context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test"),
		fieldportal.OutboxFilter{Kind: "mail", Page: fieldportal.Page{Limit: 100}})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Topic == "visit.on_the_way" && strings.EqualFold(m.Recipient, to) {
			n++
		}
	}
	return n
}

// TestJourneyVisit is issue 22's visit journey (axe-core on every page):
// the back office books a visit to the site contact's site through the
// API and marks it on the way with an ETA; the site contact sees the
// status, the ETA and the technician's name and photo on the dashboard
// and the job; the mail goes out once though the status is posted twice;
// the visit is done, and the contact rates it on the job page at phone
// and desktop width (a rating left out first, refused naming the field).
func TestJourneyVisit(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		tech := mustTechnician(t, p)
		// The demo's own technician is on the way to the same contact:
		// the journey's mail is counted on top of the demo's.
		demoMails := visitMails(t, p, "site@demo.test")
		sites := apiSitesAt(t, p, "SN3 3LH")
		if len(sites) != 1 {
			t.Fatalf("%d sites at SN3 3LH, want the cinema", len(sites))
		}
		siteID := sites[0]["id"].(string)
		var job struct {
			ID     string `json:"id"`
			Number string `json:"number"`
		}
		apiDo(t, p, "POST", "/api/v1/jobs", `{"site_id":"`+siteID+`","kind":"service","description":"Projector room smoke detector faulty"}`, 201, &job)
		start := time.Now().UTC().Add(time.Hour).Truncate(time.Minute)
		var appt struct {
			ID string `json:"id"`
		}
		apiDo(t, p, "POST", "/api/v1/appointments", `{"job_id":"`+job.ID+`","technician_email":"`+tech.Email+`","starts_at":"`+
			start.Format(time.RFC3339)+`","ends_at":"`+start.Add(2*time.Hour).Format(time.RFC3339)+`"}`, 201, &appt)
		path := "/api/v1/appointments/" + appt.ID
		eta := start.Add(-20 * time.Minute)
		apiDo(t, p, "PATCH", path, `{"status":"on_the_way","eta":"`+eta.Format(time.RFC3339)+`"}`, 200, nil)

		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		site.run(chromedp.Navigate(p.URL+"/"), chromedp.WaitVisible(`.visit-status`, chromedp.ByQuery))
		t.Run("the dashboard shows the status, the ETA and the technician", func(t *testing.T) {
			// The demo's own visits are listed too: the journey's is Sam's.
			var got string
			site.run(chromedp.Evaluate(`Array.from(document.querySelectorAll(".visit-status")).map(e => e.innerText).find(s => s.includes("Sam")) || ""`, &got))
			for _, want := range []string{"On the way", "Sam", "expected at"} {
				if !strings.Contains(got, want) {
					t.Errorf("visit status %q lacks %q", got, want)
				}
			}
			var loaded bool
			site.run(chromedp.Evaluate(`(() => { const v = Array.from(document.querySelectorAll(".visit-status")).find(e => e.innerText.includes("Sam")); const i = v && v.querySelector("img.avatar"); return !!i && i.complete && i.naturalWidth === 48 })()`, &loaded))
			if !loaded {
				t.Error("the technician's photo did not load on the dashboard")
			}
		})
		t.Run("the mail arrives once", func(t *testing.T) {
			apiDo(t, p, "PATCH", path, `{"status":"on_the_way","eta":"`+eta.Add(10*time.Minute).Format(time.RFC3339)+`"}`, 200, nil)
			if n := visitMails(t, p, "site@demo.test") - demoMails; n != 1 {
				t.Errorf("%d on-the-way mails to the site contact, want 1", n)
			}
			if m := p.lastMailTo(t, "site@demo.test"); !strings.Contains(m.Subject, "Sam is on the way for job "+job.Number) {
				t.Errorf("mail subject %q", m.Subject)
			}
		})
		t.Run("the diary shows the technician's photo on a phone", func(t *testing.T) {
			site.run(chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile))
			site.run(chromedp.Navigate(p.URL+"/diary?range=all"), chromedp.WaitVisible(`table`, chromedp.ByQuery))
			var loaded, fits bool
			site.run(chromedp.Evaluate(`(() => { const c = Array.from(document.querySelectorAll("td[data-label=Technician]")).find(e => e.innerText.includes("Sam")); const i = c && c.querySelector("img.avatar"); return !!i && i.complete && i.naturalWidth === 48 && i.getAttribute("alt") === "" })()`, &loaded))
			if !loaded {
				t.Error("the technician's photo did not load beside the name in the diary")
			}
			site.run(chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits))
			if !fits {
				t.Error("the diary is wider than a 390 px phone")
			}
			site.screenshot()
		})
		apiDo(t, p, "PATCH", path, `{"status":"on_site"}`, 200, nil)
		apiDo(t, p, "PATCH", path, `{"status":"done"}`, 200, nil)

		jobURL := p.URL + "/jobs/" + url.PathEscape(job.ID)
		for _, width := range []int64{390, 1280} {
			t.Run("the job page at "+map[int64]string{390: "phone", 1280: "desktop"}[width]+" width", func(t *testing.T) {
				if width == 390 {
					site.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
				} else {
					site.run(chromedp.EmulateViewport(width, 900))
				}
				site.run(chromedp.Navigate(jobURL), chromedp.WaitVisible(`#feedback-heading`, chromedp.ByQuery))
				if got := site.text(`.visit-status`); !strings.Contains(got, "Done") || !strings.Contains(got, "Sam") {
					t.Errorf("job page visit status %q", got)
				}
				site.screenshot()
			})
		}
		t.Run("a rating left out is refused naming the field, keeping the comment", func(t *testing.T) {
			site.fill(`form[action$="/feedback"]`, "comment", "Quick and tidy, thank you")
			site.submit(`form[action$="/feedback"] button[type=submit]`)
			if got := site.text(`.error-summary`); !strings.Contains(got, "rating") {
				t.Errorf("error summary %q does not name the rating", got)
			}
			if site.count(`.error-summary a[href="#rating"]`) != 1 {
				t.Error("the error summary does not link to the rating field")
			}
			var comment string
			site.run(chromedp.Value(`textarea[name=comment]`, &comment, chromedp.ByQuery))
			if comment != "Quick and tidy, thank you" {
				t.Errorf("comment kept as %q", comment)
			}
		})
		t.Run("the contact rates the visit once", func(t *testing.T) {
			site.run(chromedp.Click(`input[name=rating][value="5"]`, chromedp.ByQuery))
			site.submit(`form[action$="/feedback"] button[type=submit]`)
			got := site.text(`section[aria-labelledby=feedback-heading]`)
			for _, want := range []string{"your feedback was sent", "5 out of 5", "Quick and tidy, thank you"} {
				if !strings.Contains(got, want) {
					t.Errorf("feedback section %q lacks %q", got, want)
				}
			}
			if site.count(`form[action$="/feedback"]`) != 0 {
				t.Error("the rating form is still offered after rating")
			}
		})
		site.axeCoverage()
	})
}
