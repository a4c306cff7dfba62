package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Every page a browser test visits is checked with axe-core for WCAG 2.x
// A and AA violations (2.0, 2.1 and 2.2), and any violation fails the test.
// browser.run checks after each action, so a page is checked as soon as it
// has loaded, before the test types into it; a listener counts the pages
// Chromium loaded, and a test that loaded a page that was never checked
// fails too (see browser.axeCoverage).

// axeTags are the rule sets run: WCAG 2.0, 2.1 and 2.2, levels A and AA.
// (WCAG 2.2 added no level A rule to axe; "wcag22aa" is its AA one.)
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"}

// axeSource is axe.min.js, read once from $FIELDPORTAL_TEST_AXE.
var axeSource struct {
	once sync.Once
	src  string
	err  error
}

// mustAxe returns the source of axe.min.js. Without it the browser tests
// fail, never skip: a run that checked no page must not look like a pass.
func mustAxe(t *testing.T) string {
	t.Helper()
	path := os.Getenv("FIELDPORTAL_TEST_AXE")
	if path == "" {
		t.Fatal("FIELDPORTAL_TEST_AXE is not set: the browser tests check every page with axe-core. " +
			"Run ./scripts/test, which fetches it, or set FIELDPORTAL_TEST_AXE to an axe.min.js")
	}
	axeSource.once.Do(func() {
		b, err := os.ReadFile(path)
		if err != nil {
			axeSource.err = fmt.Errorf("FIELDPORTAL_TEST_AXE: %v (run ./scripts/test, which fetches axe-core)", err)
			return
		}
		if !strings.Contains(string(b[:min(len(b), 200)]), "axe v") {
			axeSource.err = fmt.Errorf("FIELDPORTAL_TEST_AXE=%s does not look like axe.min.js", path)
			return
		}
		// "void 0": the script's own value is not sent back.
		axeSource.src = string(b) + "\n;void 0"
	})
	if axeSource.err != nil {
		t.Fatal(axeSource.err)
	}
	return axeSource.src
}

// axeRun runs axe on the page and returns what it found. Evaluate goes
// through the DevTools protocol, so the page's Content-Security-Policy
// (script-src 'self') does not stop it (TestAxeFindsViolations proves it).
var axeRun = `axe.run(document, {
	runOnly: {type: "tag", values: ` + jsList(axeTags) + `},
	resultTypes: ["violations"],
}).then(r => ({
	url: location.href,
	violations: r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({
			target: n.target.map(t => Array.isArray(t) ? t.join(" >>> ") : String(t)),
			summary: n.failureSummary || "",
		})),
	})),
}))`

// axeState marks the document as seen and says whether it is a page to
// check: "new" (an HTML page seen for the first time), "other" (a document
// that is not HTML, such as /healthz's text), "blank" (the start page),
// "seen", or "loading" (not yet complete: asked again).
const axeState = `(() => {
	if (window.__fpAxe) return "seen";
	if (document.readyState !== "complete") return "loading";
	window.__fpAxe = true;
	if (location.href === "about:blank") return "blank";
	return document.contentType === "text/html" ? "new" : "other";
})()`

type axeResult struct {
	URL        string         `json:"url"`
	Violations []axeViolation `json:"violations"`
}

type axeViolation struct {
	ID      string `json:"id"`
	Impact  string `json:"impact"`
	Help    string `json:"help"`
	HelpURL string `json:"helpUrl"`
	Nodes   []struct {
		Target  []string `json:"target"`
		Summary string   `json:"summary"`
	} `json:"nodes"`
}

// String is the readable list a failing test prints.
func (r *axeResult) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "axe-core: %d WCAG A/AA violation(s) on %s:", len(r.Violations), r.URL)
	for _, v := range r.Violations {
		help, _, _ := strings.Cut(v.HelpURL, "?")
		fmt.Fprintf(&s, "\n  - %s (%s): %s\n    %s", v.ID, v.Impact, v.Help, help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&s, "\n      %s", strings.Join(n.Target, " "))
			// The first reasons are enough to see what is wrong.
			lines := strings.Split(strings.TrimSpace(n.Summary), "\n")
			if len(lines) > 3 {
				lines = append(lines[:3], "...")
			}
			if n.Summary != "" {
				fmt.Fprintf(&s, "\n        %s", strings.Join(lines, "\n        "))
			}
		}
	}
	return s.String()
}

// axeLog is a browser's record of pages loaded and checked.
type axeLog struct {
	mu       sync.Mutex
	loaded   []string // main-frame documents Chromium committed, in order
	checked  []string // pages axe checked
	other    []string // documents that are not HTML pages
	reported map[string]bool
	// foreign are the origins of pages that are not ours (a test
	// identity provider's login page): loaded, never checked.
	foreign []string
}

// notOurs marks pages under origin as another site's, which axe does
// not check (they are counted as loaded all the same).
func (b *browser) notOurs(origin string) {
	b.axe.mu.Lock()
	b.axe.foreign = append(b.axe.foreign, origin)
	b.axe.mu.Unlock()
}

// axeListen counts the documents the browser loads in its main frame.
func (b *browser) axeListen() {
	chromedp.ListenTarget(b.ctx, func(ev any) {
		if e, ok := ev.(*page.EventFrameNavigated); ok && e.Frame.ParentID == "" && e.Frame.URL != "about:blank" {
			b.axe.mu.Lock()
			b.axe.loaded = append(b.axe.loaded, e.Frame.URL+e.Frame.URLFragment)
			b.axe.mu.Unlock()
		}
	})
}

// axeHook is the action browser.run puts after each action: when the
// current document is an HTML page not checked yet, axe checks it, and a
// violation fails the test (once per page, rule and elements).
func (b *browser) axeHook() chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		res, err := b.axeCheck(ctx)
		if err != nil {
			return err
		}
		if res == nil || len(res.Violations) == 0 {
			return nil
		}
		key := strings.SplitN(res.URL, "?", 2)[0]
		for _, v := range res.Violations {
			key += "|" + v.ID
			for _, n := range v.Nodes {
				key += " " + strings.Join(n.Target, " ")
			}
		}
		b.axe.mu.Lock()
		if b.axe.reported == nil {
			b.axe.reported = map[string]bool{}
		}
		seen := b.axe.reported[key]
		b.axe.reported[key] = true
		b.axe.mu.Unlock()
		if !seen {
			b.t.Error(res.String())
		}
		return nil
	})
}

// axeCheck waits for the current document to be complete and, if it is an
// HTML page not checked yet, runs axe on it; otherwise it returns nil.
// Errors while a page is being replaced are part of waiting.
func (b *browser) axeCheck(ctx context.Context) (*axeResult, error) {
	deadline := time.Now().Add(30 * time.Second)
	var state string
	for {
		err := chromedp.Evaluate(axeState, &state).Do(ctx)
		if err == nil && state != "loading" {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("axe: the page did not finish loading in 30 s (state %q, last error: %v)", state, err)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	if state == "new" {
		var u string
		if err := chromedp.Location(&u).Do(ctx); err == nil {
			b.axe.mu.Lock()
			for _, o := range b.axe.foreign {
				if strings.HasPrefix(u, o+"/") {
					state = "other"
				}
			}
			b.axe.mu.Unlock()
		}
	}
	switch state {
	case "seen", "blank":
		return nil, nil
	case "other":
		var u string
		chromedp.Location(&u).Do(ctx)
		b.axe.mu.Lock()
		b.axe.other = append(b.axe.other, u)
		b.axe.mu.Unlock()
		return nil, nil
	}
	var res axeResult
	err := chromedp.Tasks{
		chromedp.Evaluate(b.axeSrc, nil),
		chromedp.Evaluate(axeRun, &res, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}),
	}.Do(ctx)
	if err != nil {
		return nil, fmt.Errorf("axe on the page: %v", err)
	}
	b.axe.mu.Lock()
	b.axe.checked = append(b.axe.checked, res.URL)
	b.axe.mu.Unlock()
	return &res, nil
}

// axeCoverage fails a passing test that loaded a page axe did not check,
// and logs what was checked.
func (b *browser) axeCoverage() {
	b.axe.mu.Lock()
	defer b.axe.mu.Unlock()
	b.t.Logf("axe-core checked %d page(s) in this browser: %s", len(b.axe.checked), strings.Join(b.axe.checked, " "))
	if b.t.Failed() {
		return
	}
	if len(b.axe.loaded) != len(b.axe.checked)+len(b.axe.other) {
		b.t.Errorf("axe: Chromium loaded %d page(s) but %d were checked and %d are not HTML; a page was replaced before it was checked "+
			"(navigate with browser.run, one page per action)\n  loaded:  %s\n  checked: %s\n  not HTML: %s",
			len(b.axe.loaded), len(b.axe.checked), len(b.axe.other),
			strings.Join(b.axe.loaded, " "), strings.Join(b.axe.checked, " "), strings.Join(b.axe.other, " "))
	}
}

func jsList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = jsString(s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// TestAxeFindsViolations proves the checker can fail: on a page with an
// image without alt text and an input without a label, served with the
// portal's script-src 'self' policy (under which an inline script does not
// run), axe runs anyway and names both; a page without them passes.
func TestAxeFindsViolations(t *testing.T) {
	const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>%s</title></head><body><main><h1>%s</h1>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/bad":
			fmt.Fprintf(w, head, "Bad", "Bad")
			fmt.Fprint(w, `<script>document.title = "inline script ran"</script>`+
				`<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" id="photo">`+
				`<form><input type="text" name="q" id="q"></form></main></body></html>`)
		case "/good":
			fmt.Fprintf(w, head, "Good", "Good")
			fmt.Fprint(w, `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="A dot">`+
				`<form><label for="q">Search</label><input type="text" name="q" id="q"></form></main></body></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	b := mustBrowser(t, srv.URL)
	// Not b.run: its check would fail this test on the page's violations.
	var res *axeResult
	var title string
	err := chromedp.Run(b.ctx,
		chromedp.Navigate(srv.URL+"/bad"),
		chromedp.ActionFunc(func(ctx context.Context) (err error) {
			res, err = b.axeCheck(ctx)
			return err
		}),
		chromedp.Title(&title),
	)
	if err != nil {
		t.Fatal(err)
	}
	if title != "Bad" {
		t.Errorf("title %q: the inline script ran, so the page's CSP was not in force", title)
	}
	if res == nil {
		t.Fatal("axe did not check the page")
	}
	report := res.String()
	for _, want := range []string{srv.URL + "/bad", "image-alt (critical)", "#photo", "label (critical)", "#q"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report does not name %q:\n%s", want, report)
		}
	}
	if t.Failed() {
		return
	}
	t.Logf("the report a failing test prints:\n%s", report)

	b.run(chromedp.Navigate(srv.URL + "/good")) // checked by run; a violation fails the test
	if n := len(b.axe.checked); n != 2 {
		t.Errorf("axe checked %d pages, want 2: %v", n, b.axe.checked)
	}
}
