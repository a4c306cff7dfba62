package e2e

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// binary is the fieldportal binary built once for the package's tests.
var binary struct {
	once sync.Once
	path string
	err  error
}

func mustBinary(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		dir, err := os.MkdirTemp("", "fieldportal-e2e-")
		if err != nil {
			binary.err = err
			return
		}
		binary.path = filepath.Join(dir, "fieldportal")
		cmd := exec.Command("go", "build", "-o", binary.path, "./cmd/fieldportal")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// portal is a running demo server.
type portal struct {
	URL string
	DSN string
	DB  *sqlstore.DB // the same database, for reading mail out of the outbox
	// APIKey is the demo's write key for the API, as the demo printed it.
	APIKey string
}

var demoURL = regexp.MustCompile(`fieldportal demo is running at (\S+)`)
var demoDB = regexp.MustCompile(`Demo database: (\S+)`)
var demoAPIKey = regexp.MustCompile(`^API key: (\S+)$`)

// mustDemo starts `fieldportal demo` on a free port with a fresh database
// of the engine, and stops it when the test ends.
func mustDemo(t *testing.T, engine sqlstore.Dialect, extra ...string) *portal {
	t.Helper()
	bin := mustBinary(t)
	args := append([]string{"demo", "--addr", "127.0.0.1:" + freePort(t), "--data-dir", t.TempDir()}, extra...)
	var dsn string
	if engine == sqlstore.Postgres {
		dsn = sqltest.MustPostgresDatabase(t)
		args = append(args, "--database", dsn)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	logs := &strings.Builder{}
	var logMu sync.Mutex
	cmd.Stderr = writerFunc(func(p []byte) (int, error) { logMu.Lock(); defer logMu.Unlock(); return logs.Write(p) })
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			logMu.Lock()
			t.Logf("server log:\n%s", logs.String())
			logMu.Unlock()
		}
	})
	p := &portal{}
	found, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended) // the demo closed its output: it exited
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if m := demoURL.FindStringSubmatch(line); m != nil {
				p.URL = m[1]
			}
			if m := demoAPIKey.FindStringSubmatch(line); m != nil {
				p.APIKey = m[1]
			}
			if m := demoDB.FindStringSubmatch(line); m != nil {
				if p.DSN == "" {
					p.DSN = m[1]
				}
				close(found)
			}
		}
	}()
	// A readiness deadline for a loaded machine, not a speed test (the
	// race-built demo of cmd/fieldportal's test outlasted 120 s under
	// load); a demo that fails exits, which ends the wait at once.
	// The server's log follows a failure (the cleanup above).
	select {
	case <-found:
	case <-ended:
		select {
		case <-found:
		default:
			t.Fatal("the demo server exited before it started")
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("the demo server did not start in 5 minutes")
	}
	if dsn != "" {
		p.DSN = dsn
	}
	db, err := sqlstore.Open(context.Background(), p.DSN, nil)
	if err != nil {
		t.Fatalf("open the demo database: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	p.DB = db
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return fmt.Sprint(ln.Addr().(*net.TCPAddr).Port)
}

// chromiumPath finds Debian's Chromium. The test command exports
// FIELDPORTAL_TEST_CHROMIUM; under CI a missing browser fails the run.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("FIELDPORTAL_TEST_CHROMIUM")
	if p == "" {
		if path, err := exec.LookPath("chromium"); err == nil {
			p = path
		}
	}
	if p == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("Chromium is required for the browser tests (apt-get install chromium); ./scripts/test installs it")
		}
		t.Skip("Chromium not found; run ./scripts/test, which installs it")
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("Chromium at %s: %v", p, err)
	}
	return p
}

// browser is one Chromium profile (its own cookies) for one test.
type browser struct {
	t      *testing.T
	ctx    context.Context
	base   string
	axeSrc string // axe.min.js, run on every page (axe_test.go)
	axe    axeLog
}

// mustBrowser starts a fresh headless Chromium, stopped at the end of the
// test; a failing test leaves a screenshot in e2e/screenshots. Every page
// it loads is checked with axe-core (axe_test.go).
func mustBrowser(t *testing.T, base string) *browser {
	t.Helper()
	axeSrc := mustAxe(t)
	// The profile is not t.TempDir(): Chromium's helper processes may
	// still write to it for a moment after the browser is stopped, and
	// TempDir's removal then fails the test ("directory not empty"). It is
	// removed after the browser's cleanup (cleanups run last first), with
	// retries, and never fails the test.
	profile, err := os.MkdirTemp("", "fieldportal-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeProfile(profile) })
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	// A browser's whole life is bounded so a hung page fails the test
	// rather than the run; TestScreens' browsers visit some forty pages
	// each, which on a loaded machine takes minutes (one ran out of the
	// 4 minutes this was: 7dc7b32), so the bound is ten, well inside the
	// package's 90.
	ctx, cancelT := context.WithTimeout(ctx, 10*time.Minute)
	b := &browser{t: t, ctx: ctx, base: base, axeSrc: axeSrc}
	if err := chromedp.Run(ctx); err != nil {
		cancelT()
		cancelB()
		cancelA()
		t.Fatalf("start Chromium: %v", err)
	}
	b.axeListen()
	t.Cleanup(func() {
		b.axeCoverage()
		if t.Failed() {
			b.screenshot()
		}
		cancelT()
		cancelB()
		cancelA()
	})
	return b
}

// removeProfile removes a stopped browser's profile, retrying for a
// moment while its last helper processes exit.
func removeProfile(dir string) {
	for range 20 {
		if os.RemoveAll(dir) == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// run performs browser actions, failing the test on error. After each
// action a page loaded and not yet checked is checked with axe-core.
func (b *browser) run(actions ...chromedp.Action) {
	b.t.Helper()
	checked := make([]chromedp.Action, 0, 2*len(actions)+1)
	checked = append(checked, b.axeHook())
	for _, a := range actions {
		checked = append(checked, a, b.axeHook())
	}
	if err := chromedp.Run(b.ctx, checked...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// screenshot saves the page as e2e/screenshots/<test>.png.
func (b *browser) screenshot() {
	var png []byte
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		b.t.Logf("no screenshot: %v", err)
		return
	}
	dir := "screenshots"
	os.MkdirAll(dir, 0o755)
	name := filepath.Join(dir, regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(b.t.Name(), "_")+".png")
	if err := os.WriteFile(name, png, 0o644); err == nil {
		abs, _ := filepath.Abs(name)
		b.t.Logf("screenshot of the failing page: %s", abs)
	}
}

// personas are the demo's logins (SPEC §8), by the name tests use.
var personas = map[string]string{
	"parent": "parent@demo.test", // a contact at the parent customer
	"site":   "site@demo.test",   // a contact at a child customer with one site
}

// loginAs signs in as a demo persona: "parent" or "site" through the
// portal, "admin" through the staff console.
func (b *browser) loginAs(persona string) {
	b.t.Helper()
	if persona == "admin" {
		b.run(chromedp.Navigate(b.base + "/console/login"))
		b.fill(`form#console-login`, "email", "admin@demo.test", "password", demoPassword)
		return
	}
	user, ok := personas[persona]
	if !ok {
		b.t.Fatalf("no demo persona %q", persona)
	}
	b.login(user, demoPassword)
}

// login signs in through the login form and waits for the next page.
func (b *browser) login(username, password string) {
	b.t.Helper()
	b.run(
		chromedp.Navigate(b.base+"/login"),
		chromedp.WaitVisible(`input[name=username]`, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=username]`, username, chromedp.ByQuery),
		chromedp.SendKeys(`input[name=password]`, password, chromedp.ByQuery),
	)
	b.submit(`form#login button[type=submit]`)
}

// submit clicks a button that loads a new page and waits until the new
// document has loaded: the old one is marked, and the wait ends when the
// mark is gone, so the next action never cuts off the form's request.
func (b *browser) submit(sel string) {
	b.t.Helper()
	b.run(
		chromedp.Evaluate(`window.__fpOld = true`, nil),
		chromedp.Click(sel, chromedp.ByQuery),
		chromedp.ActionFunc(func(ctx context.Context) error {
			// Evaluating while the page is being replaced fails; that is
			// part of waiting, so errors only end the wait at the deadline.
			deadline := time.Now().Add(30 * time.Second)
			for {
				var loaded bool
				err := chromedp.Evaluate(`window.__fpOld === undefined && document.readyState === "complete"`, &loaded).Do(ctx)
				if err == nil && loaded {
					return nil
				}
				if time.Now().After(deadline) {
					return fmt.Errorf("no new page after clicking %s (last error: %v)", sel, err)
				}
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(50 * time.Millisecond):
				}
			}
		}),
	)
}

// location returns the current URL's path and query.
func (b *browser) location() string {
	b.t.Helper()
	var u string
	b.run(chromedp.Location(&u))
	return strings.TrimPrefix(u, b.base)
}

// text returns the text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.WaitVisible(sel, chromedp.ByQuery), chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

// count returns how many elements match sel (0 when none).
func (b *browser) count(sel string) int {
	b.t.Helper()
	var n int
	b.run(chromedp.Evaluate(fmt.Sprintf(`document.querySelectorAll(%q).length`, sel), &n))
	return n
}

// engines are the databases the journeys run on.
var engines = []sqlstore.Dialect{sqlstore.SQLite, sqlstore.Postgres}

// eachEngine runs a journey on a fresh demo of each engine.
func eachEngine(t *testing.T, fn func(t *testing.T, p *portal)) {
	eachEngineWith(t, nil, fn)
}

// eachEngineWith is eachEngine with extra flags for the demo.
func eachEngineWith(t *testing.T, extra []string, fn func(t *testing.T, p *portal)) {
	for _, e := range engines {
		t.Run(e.String(), func(t *testing.T) { fn(t, mustDemo(t, e, extra...)) })
	}
}

// demoOrg returns the demo organisation's id.
func (p *portal) demoOrg(t *testing.T) string {
	t.Helper()
	o, err := p.DB.FindOrganisationForHost(context.Background(), "127.0.0.1")
	if err != nil {
		t.Fatalf("demo organisation: %v", err)
	}
	return o.ID
}

// lastMailTo returns the newest mail queued for an address.
func (p *portal) lastMailTo(t *testing.T, to string) *fieldportal.OutboxMessage {
	t.Helper()
	msgs, _, err := p.DB.FindOutbox(context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test"), fieldportal.OutboxFilter{Kind: "mail"})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if strings.EqualFold(m.Recipient, to) {
			return m
		}
	}
	t.Fatalf("no mail to %s in the outbox", to)
	return nil
}

var linkRe = regexp.MustCompile(`https?://\S+/(setup|reset)/[A-Za-z0-9_-]+`)

// linkIn returns the first setup or reset link in a mail's body.
func linkIn(t *testing.T, m *fieldportal.OutboxMessage) string {
	t.Helper()
	l := linkRe.FindString(m.Payload)
	if l == "" {
		t.Fatalf("no link in mail %q:\n%s", m.Subject, m.Payload)
	}
	return l
}
