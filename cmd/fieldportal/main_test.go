package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/gen"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// syncBuffer is an output that run writes on its goroutine while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// runSync runs the program to completion and returns its status and outputs.
func runSync(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	code := run(t.Context(), args, envOf(env), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// running is a server started by run on its own goroutine.
type running struct {
	cancel         context.CancelFunc
	stdout, stderr *syncBuffer
	done           chan struct{} // closed when run returns
	code           int           // run's status, once done is closed
}

// start runs the program in the background; stop it with r.stop.
func start(t *testing.T, env map[string]string, args ...string) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, stdout: &syncBuffer{}, stderr: &syncBuffer{}, done: make(chan struct{})}
	go func() {
		r.code = run(ctx, args, envOf(env), r.stdout, r.stderr)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(stopWait):
		}
	})
	return r
}

var urlInLog = regexp.MustCompile(`msg="fieldportal listening".* url=(http://\S+)`)

// url waits for the server to listen and returns its URL.
func (r *running) url(t *testing.T) string {
	t.Helper()
	// A readiness deadline, not a speed test: under the race detector,
	// with every package's tests running at once, loading the demo is
	// ten times slower than alone. It took 30 s alone here (load 3), and
	// 120 s, the deadline this was, ran out under two CPU hogs at load 9
	// with the migrations alone taking 50 s; a run that fails exits and
	// ends the wait at once.
	deadline := time.Now().Add(10 * time.Minute)
	for time.Now().Before(deadline) {
		if m := urlInLog.FindStringSubmatch(r.stderr.String()); m != nil {
			return m[1]
		}
		select {
		case <-r.done:
			t.Fatalf("run exited with %d before listening:\n%s", r.code, r.stderr)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("server did not start listening:\n%s", r.stderr)
	return ""
}

// waitStdout waits until the run's output holds want and returns it all.
func (r *running) waitStdout(t *testing.T, want string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if out := r.stdout.String(); strings.Contains(out, want) {
			return out
		}
		select {
		case <-r.done:
			t.Fatalf("run exited with %d before printing %q:\n%s", r.code, want, r.stdout)
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatalf("output never held %q:\n%s", want, r.stdout)
	return ""
}

// stopWait bounds how long a stopped run may take to return: a deadline
// for a loaded machine (CI's race run is ten times slower than alone),
// not a speed test; a run that ignored its context would never return.
const stopWait = 60 * time.Second

// stop cancels the run, as SIGINT does, and returns its exit status.
func (r *running) stop(t *testing.T) int {
	t.Helper()
	r.cancel()
	select {
	case <-r.done:
		return r.code
	case <-time.After(stopWait):
		t.Fatalf("server did not stop within %v:\n%s", stopWait, r.stderr)
	}
	return -1
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func TestRunUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"bad addr", []string{"serve", "--addr", "foo"}, nil, `fieldportal: invalid --addr "foo": must be host:port`},
		{"bad env", []string{"migrate"}, map[string]string{"FIELDPORTAL_LOG_FORMAT": "xml"}, `fieldportal: invalid FIELDPORTAL_LOG_FORMAT "xml": must be text or json`},
		{"unknown flag", []string{"demo", "--colour"}, nil, `fieldportal: demo: flag provided but not defined: -colour (see 'fieldportal help demo')`},
		{"unknown command", []string{"start"}, nil, `fieldportal: unknown command "start"; run 'fieldportal help'`},
		{"no command", nil, nil, `fieldportal: no command given; run 'fieldportal help'`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runSync(t, tc.env, tc.args...)
			if code != 2 || stdout != "" || stderr != tc.want+"\n" {
				t.Errorf("run = %d, stdout %q, stderr %q; want 2, nothing, %q", code, stdout, stderr, tc.want+"\n")
			}
		})
	}
}

func TestRunVersionAndHelp(t *testing.T) {
	if code, out, _ := runSync(t, nil, "version"); code != 0 || !strings.HasPrefix(out, "fieldportal ") {
		t.Errorf("version = %d %q", code, out)
	}
	if code, out, _ := runSync(t, nil, "help"); code != 0 || !strings.Contains(out, "demo") {
		t.Errorf("help = %d %q", code, out)
	}
	if code, out, _ := runSync(t, nil, "serve", "-h"); code != 0 || !strings.Contains(out, "FIELDPORTAL_ADDR") {
		t.Errorf("serve -h = %d %q", code, out)
	}
}

func TestRunMigrate(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FIELDPORTAL_DATA_DIR": filepath.Join(dir, "nested", "data")}
	code, _, stderr := runSync(t, env, "migrate")
	if code != 0 || !strings.Contains(stderr, "migration applied") {
		t.Fatalf("first migrate = %d:\n%s", code, stderr)
	}
	code, _, stderr = runSync(t, env, "migrate")
	if code != 0 || strings.Contains(stderr, "migration applied") || !strings.Contains(stderr, "database is up to date") {
		t.Errorf("second migrate = %d, want 0 and nothing applied:\n%s", code, stderr)
	}
}

func TestRunServe(t *testing.T) {
	for _, tc := range []struct {
		name     string
		database func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "fp.db") }},
		{"postgres", func(t *testing.T) string { return sqltest.MustPostgresDatabase(t) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := start(t, nil, "serve", "--addr", "127.0.0.1:0", "--database", tc.database(t))
			url := r.url(t)
			if code, body := get(t, url+"/healthz"); code != 200 || body != "ok" {
				t.Errorf("GET /healthz = %d %q", code, body)
			}
			if code, _ := get(t, url+"/readyz"); code != 200 {
				t.Errorf("GET /readyz = %d", code)
			}
			if code := r.stop(t); code != 0 {
				t.Errorf("exit status after cancel = %d, want 0:\n%s", code, r.stderr)
			}
			if !strings.Contains(r.stderr.String(), "msg=stopped") {
				t.Errorf("no graceful stop logged:\n%s", r.stderr)
			}
			if _, err := http.Get(url + "/healthz"); err == nil {
				t.Errorf("server still answers after stop")
			}
		})
	}
}

func TestRunServeListenFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	code, _, stderr := runSync(t, nil, "serve", "--addr", ln.Addr().String(), "--data-dir", t.TempDir())
	if code != 1 || !strings.Contains(stderr, "listen") {
		t.Errorf("serve on a taken port = %d:\n%s", code, stderr)
	}
}

// TestServeHTTPGraceful checks that a request in flight when the signal
// comes still gets its answer.
func TestServeHTTPGraceful(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	started, release := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- serveHTTP(ctx, ln, h, 5*time.Second, slog.New(slog.DiscardHandler)) }()

	type answer struct {
		body string
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + "/slow")
		if err != nil {
			answered <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		answered <- answer{string(b), err}
	}()
	<-started
	cancel()
	select {
	case err := <-served:
		t.Fatalf("serveHTTP returned %v while a request was in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	if a := <-answered; a.err != nil || a.body != "finished" {
		t.Errorf("in-flight request = %q, %v; want it to finish", a.body, a.err)
	}
	if err := <-served; err != nil {
		t.Errorf("serveHTTP = %v, want nil", err)
	}
}

var demoURL = regexp.MustCompile(`fieldportal demo is running at (http://\S+)`)

func TestRunDemo(t *testing.T) {
	dataDir := t.TempDir()
	for i := range 2 { // the second run must not trip over the first's files
		r := start(t, nil, "demo", "--addr", "127.0.0.1:0", "--data-dir", dataDir)
		r.url(t)
		// The banner follows the listening log line; wait for its last line.
		out := r.waitStdout(t, "Press Ctrl+C to stop.")
		m := demoURL.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("run %d: no URL printed:\n%s", i+1, out)
		}
		for _, want := range []string{"admin@demo.test", "parent@demo.test", "site@demo.test", "Demo-pass-1"} {
			if !strings.Contains(out, want) {
				t.Errorf("run %d: output lacks %s:\n%s", i+1, want, out)
			}
		}
		if code, _ := get(t, m[1]+"/healthz"); code != 200 {
			t.Errorf("run %d: GET /healthz = %d", i+1, code)
		}
		demoKeyWorks(t, out, m[1])
		if code := r.stop(t); code != 0 {
			t.Errorf("run %d: exit status %d:\n%s", i+1, code, r.stderr)
		}
	}
	if dbs, _ := filepath.Glob(filepath.Join(dataDir, "demo-*", "fieldportal.db")); len(dbs) != 2 {
		t.Errorf("demo databases = %v, want two fresh ones", dbs)
	}
}

func TestRunDemoRefusesUsedDatabase(t *testing.T) {
	url := sqltest.MustPostgresDatabase(t)
	db := sqltest.MustOpenURL(t, url)
	if err := db.CreateOrganisation(t.Context(), &fieldportal.Organisation{Name: "Real Customer Ltd"}); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runSync(t, nil, "demo", "--addr", "127.0.0.1:0", "--database", url)
	if code != 1 || !strings.Contains(stderr, "needs an empty database") {
		t.Errorf("demo on a used database = %d:\n%s", code, stderr)
	}
}

func TestRunGenerate(t *testing.T) {
	t.Run("sqlite in the data folder", func(t *testing.T) {
		dir := t.TempDir()
		env := map[string]string{"FIELDPORTAL_DATA_DIR": dir, "FIELDPORTAL_SIZE": "tiny"}
		code, stdout, stderr := runSync(t, env, "generate", "--seed", "3")
		if code != 0 || !strings.Contains(stdout, "invoice_lines") || !strings.Contains(stdout, gen.Personas.Parent) {
			t.Fatalf("generate = %d:\n%s\n%s", code, stdout, stderr)
		}
		db := sqltest.MustOpenURL(t, filepath.Join(dir, "fieldportal.db"))
		if n, err := db.CountOrganisations(t.Context()); err != nil || n != 1 {
			t.Errorf("organisations = %d, %v; want 1", n, err)
		}
	})
	t.Run("refuses a database with an organisation", func(t *testing.T) {
		url := sqltest.MustPostgresDatabase(t)
		db := sqltest.MustOpenURL(t, url)
		if err := db.CreateOrganisation(t.Context(), &fieldportal.Organisation{Name: "Real Customer Ltd"}); err != nil {
			t.Fatal(err)
		}
		code, stdout, stderr := runSync(t, map[string]string{"FIELDPORTAL_LOG_LEVEL": "warn"}, "generate", "--size", "tiny", "--database", url)
		if code != 2 || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "already holds an organisation") {
			t.Errorf("generate on a used database = %d, stdout %q, stderr %q", code, stdout, stderr)
		}
	})
}

func TestRunInit(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FIELDPORTAL_DATA_DIR": dir}
	t.Run("needs a name and an email", func(t *testing.T) {
		code, _, stderr := runSync(t, env, "init", "--admin-email", "boss@acme.test")
		if code != 2 || !strings.Contains(stderr, `invalid --org-name "": is required`) {
			t.Errorf("init without a name = %d:\n%s", code, stderr)
		}
	})
	t.Run("a weak chosen password is refused", func(t *testing.T) {
		weak := map[string]string{"FIELDPORTAL_DATA_DIR": dir, "FIELDPORTAL_ADMIN_PASSWORD": "password"}
		code, _, stderr := runSync(t, weak, "init", "--org-name", "Acme", "--admin-email", "boss@acme.test")
		if code != 1 || !strings.Contains(stderr, "at least 10 characters") {
			t.Errorf("weak password = %d:\n%s", code, stderr)
		}
	})
	t.Run("creates the organisation and admin once", func(t *testing.T) {
		code, stdout, stderr := runSync(t, env, "init", "--org-name", "Acme Fire", "--admin-email", "boss@acme.test")
		if code != 0 || !strings.Contains(stdout, "Created Acme Fire with admin boss@acme.test") || !strings.Contains(stdout, "password is Fp-") {
			t.Fatalf("init = %d:\n%s\n%s", code, stdout, stderr)
		}
		code, _, stderr = runSync(t, env, "init", "--org-name", "Acme Again", "--admin-email", "boss@acme.test")
		if code != 1 || !strings.Contains(stderr, "already has an organisation") {
			t.Errorf("second init = %d:\n%s", code, stderr)
		}
	})
}

func TestGeneratedPasswordMeetsThePolicy(t *testing.T) {
	for range 2000 {
		if pw := generatedPassword(); auth.DefaultPasswordPolicy().Check(pw) != nil {
			t.Fatalf("generated %q fails the default policy", pw)
		}
	}
}

// recount repairs the tallies of a database written around the store.
func TestRunRecount(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "fp.db")
	db, err := sqlstore.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	org := &fieldportal.Organisation{Name: "Recount"}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	sys := fieldportal.SystemViewer(org.ID, "test")
	c := &fieldportal.Customer{Name: "C"}
	if err := db.CreateCustomer(ctx, sys, c); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateSite(ctx, sys, &fieldportal.Site{CustomerID: c.ID, Name: "S", Address: fieldportal.Address{Line1: "1 Road"}}); err != nil {
		t.Fatal(err)
	}
	sites := func() int {
		var n int
		if err := db.SQL().QueryRowContext(ctx, `SELECT sites FROM customer_tallies WHERE customer_id = $1`, c.ID).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE customer_tallies SET sites = 9`); err != nil {
		t.Fatal(err)
	}
	if n := sites(); n != 9 {
		t.Fatalf("damaged tally = %d, want 9", n)
	}
	code, out, stderr := runSync(t, nil, "recount", "--database", path)
	if code != 0 || !strings.Contains(out, "Recounted the tallies of 1 customers") {
		t.Fatalf("recount = %d %q:\n%s", code, out, stderr)
	}
	if n := sites(); n != 1 {
		t.Errorf("tally after recount = %d, want 1", n)
	}
	db.Close()
}
