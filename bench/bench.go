// Package bench is `fieldportal bench` (issue 15): it serves a filled
// database in-process on a loopback port, signs the personas in, drives
// every page of the Entries table at a fixed concurrency for a fixed
// time, and sets each page against two references measured in the same
// run: a bare net/http handler sending the same bytes (the machine's
// ceiling) and the page's own store calls timed alone.
//
// The package never imports the store: cmd/fieldportal opens the
// database, fills it and hands over the services built on it, exactly as
// it wires `serve`, so the site measured is the site that runs (and the
// package boundaries stay as boundaries_test.go keeps them).
package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// Config is one run of the benchmark, on one database.
type Config struct {
	// Engine and Size name the run ("sqlite", "demo") in the table and
	// the result file's name.
	Engine, Size string
	// Fill puts the data set into the empty database; nil when the
	// database already holds it.
	Fill func(ctx context.Context) error
	// Services builds the site's services on the database for a base
	// URL, as `serve` does (cmd's services function).
	Services func(baseURL string) server.Services
	// Instances is how many servers share the database, each behind its
	// own loopback port, the load spread over them in turn; 0 means 1.
	// More than one needs PostgreSQL: SQLite is one process's file.
	Instances int
	// Instance builds the services of each instance after the first on
	// the same database for a base URL, as a `serve` process of its own
	// would have them (its own pool and caches), and how to close them.
	// Needed when Instances is above 1.
	Instance func(ctx context.Context, baseURL string) (server.Services, func() error, error)
	// ServeProcess returns a command that serves the same database in a
	// fresh process and logs its URL, for the start-to-/readyz time and
	// the resident memory; nil skips both.
	ServeProcess func(ctx context.Context) *exec.Cmd
	// Sessions is how many sessions load the dashboard at once before the
	// process's memory is read; 0 means 200.
	Sessions int
	// Concurrency is the number of clients per page; 0 means 8.
	Concurrency int
	// Duration is how long each page is driven; 0 means 10 s. The bare
	// handler, and the page again by a single client, are driven a tenth
	// of it (at least 100 ms, at most 1 s): their rates are steady, and
	// the whole run must stay short.
	Duration time.Duration
	// Entries are the pages to drive; nil means Entries.
	Entries []Entry
	// Log gets progress lines; nil discards them.
	Log io.Writer
	// MakeAPIKey makes a key of the organisation of a name and scope and
	// returns it, for the API persona and the sync (the program makes it
	// as `fieldportal apikey create` does: a viewer is made in cmd and
	// the store only).
	MakeAPIKey func(ctx context.Context, orgID, name string, scope fieldportal.APIKeyScope) (string, error)
	// Sync, when set, adds an incremental sync through the API after the
	// pages: a full walk of every collection and a re-sync after
	// SyncChanges changes (measureSync).
	Sync bool
	// CPUProfile, when not nil, gets a CPU profile of the entries' runs
	// (not the fill or the server process). It holds the load's client
	// and the bare handler too, as they share the process with the site.
	CPUProfile io.Writer
}

// Row is one entry's line of the table.
type Row struct {
	Entry Entry
	Path  string
	// Status and ContentType are those of the sample response.
	Status      int
	ContentType string
	// Bytes is the body before compression; Wire as sent (Gzipped says
	// it was compressed).
	Bytes, Wire int
	Gzipped     bool
	// Page is the page under the run's load; Alone the page with one
	// client, whose median is comparable with the SQL run alone; Bare the
	// bare handler under the run's load.
	Page, Alone, Bare *Load
	// SQL is the median time of the page's store calls, run one after
	// another, with the session lookup.
	SQL time.Duration
	// Misses lists the targets of issue 15 the page misses.
	Misses []string
	// Served is how many requests each instance answered while the page
	// was driven under load (one count with a single instance).
	Served []int
	// Err is why the entry could not be driven at all.
	Err error
}

// Report is a whole run.
type Report struct {
	Engine, Size string
	Started      time.Time
	Machine      Machine
	Concurrency  int
	Duration     time.Duration
	// BareDuration is how long the bare handler and the single client run.
	BareDuration time.Duration
	Rows         []*Row
	// Instances is how many servers shared the database; Served is how
	// many requests each answered over the whole run.
	Instances int
	Served    []int
	// Process is nil when not measured; ProcessErr says why it failed.
	Process    *Process
	ProcessErr error
	// Fill is how long filling the database took (0 when not filled).
	Fill time.Duration
	// LoadBefore and LoadAfter are the machine's load average before and
	// after the pages were driven.
	LoadBefore, LoadAfter string
	// Sync is the API's incremental sync, when measured (Config.Sync).
	Sync *SyncReport
	// SyncErr is why it could not be measured.
	SyncErr error
}

// Run fills the database if asked, serves it and measures every entry.
// An entry that fails is reported in its row; Run fails only when the
// site cannot be served or the personas cannot sign in.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Sessions <= 0 {
		cfg.Sessions = 200
	}
	if cfg.Entries == nil {
		cfg.Entries = Entries
	}
	if cfg.Instances <= 0 {
		cfg.Instances = 1
	}
	if cfg.Instances > 1 && (cfg.Engine == "sqlite" || cfg.Instance == nil) {
		return nil, fmt.Errorf("%d instances need a PostgreSQL database and a way to build each instance's services: only PostgreSQL can be shared by several servers", cfg.Instances)
	}
	logw := cfg.Log
	if logw == nil {
		logw = io.Discard
	}
	logf := func(format string, args ...any) { fmt.Fprintf(logw, format+"\n", args...) }
	rep := &Report{Engine: cfg.Engine, Size: cfg.Size, Started: time.Now(), Machine: ThisMachine(),
		Concurrency: cfg.Concurrency, Duration: cfg.Duration, Instances: cfg.Instances,
		BareDuration: min(max(cfg.Duration/10, 100*time.Millisecond), time.Second)}

	if cfg.Fill != nil {
		logf("filling the %s database with the %s data set", cfg.Engine, cfg.Size)
		t := time.Now()
		if err := cfg.Fill(ctx); err != nil {
			return nil, fmt.Errorf("fill: %w", err)
		}
		rep.Fill = time.Since(t)
		logf("filled in %s", rep.Fill.Round(time.Millisecond))
	}

	sites, svc, err := startInstances(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer sites.close()
	defer func() { rep.Served = sites.counts() }()
	base := sites.bases[0]
	bareSrv, err := startBare()
	if err != nil {
		return nil, err
	}
	defer bareSrv.close()

	client := newClient(cfg.Concurrency)
	host := strings.TrimPrefix(base, "http://")
	org, err := svc.Orgs.FindOrganisationForHost(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("organisation for %s: %w", host, err)
	}
	ids := &IDs{OrgID: org.ID, OrgZone: fieldportal.Zone(org.TimeZone)}
	sessions := map[string]session{}
	viewers := map[string]fieldportal.Viewer{}
	for _, p := range personasOf(cfg.Entries, Parent, SiteContact, Staff) {
		var s session
		if p.Door == APIDoor {
			s, err = apiSession(ctx, cfg.MakeAPIKey, org.ID)
		} else {
			s, err = signIn(ctx, client, base, p)
		}
		if err != nil {
			return nil, err
		}
		v, err := viewer(ctx, svc, org.ID, p, s)
		if err != nil {
			return nil, fmt.Errorf("viewer of %s: %w", p.Name, err)
		}
		sessions[p.Name], viewers[p.Name] = s, v
	}
	if err := discover(ctx, svc, viewers, ids); err != nil {
		return nil, fmt.Errorf("find the records to show: %w", err)
	}
	if v, ok := viewers[APIKey.Name]; ok {
		if err := discoverAPI(ctx, svc, v, ids); err != nil {
			return nil, fmt.Errorf("find the records to show: %w", err)
		}
	}

	if cfg.ServeProcess != nil {
		logf("timing a fresh server process to /readyz, then %d sessions on its dashboard", cfg.Sessions)
		rep.Process, rep.ProcessErr = measureProcess(ctx, cfg.ServeProcess(ctx), cfg.Sessions)
		if rep.ProcessErr != nil {
			logf("server process: %v", rep.ProcessErr)
		}
	}

	if cfg.CPUProfile != nil {
		if err := pprof.StartCPUProfile(cfg.CPUProfile); err != nil {
			return nil, fmt.Errorf("CPU profile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	rep.LoadBefore = loadAverage()
	defer func() { rep.LoadAfter = loadAverage() }()
	for i, e := range cfg.Entries {
		row := &Row{Entry: e, Path: e.Path(ids)}
		rep.Rows = append(rep.Rows, row)
		logf("[%d/%d] %s (%s) %s", i+1, len(cfg.Entries), e.Name, e.Persona.Name, row.Path)
		row.Err = measure(ctx, cfg, rep, row, client, sites, bareSrv, fmt.Sprintf("/e/%d", i),
			sessions[e.Persona.Name], func(ctx context.Context) error {
				// The session lookup is part of every request's store work.
				v, err := viewer(ctx, svc, org.ID, e.Persona, sessions[e.Persona.Name])
				if err != nil {
					return err
				}
				// So is a portal page's unread count (issue 22, navCount).
				if err := navCount(ctx, svc, v); err != nil {
					return err
				}
				return e.SQL(ctx, svc, v, ids)
			})
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		row.Misses = misses(row)
	}
	if cfg.Sync {
		rep.Sync, rep.SyncErr = measureSync(ctx, client, base, cfg.MakeAPIKey, org.ID, logf)
		if rep.SyncErr != nil {
			logf("sync: %v", rep.SyncErr)
		}
	}
	return rep, nil
}

// personasOf is every persona the entries use, those given first (the
// discovery needs them even when no entry does).
func personasOf(entries []Entry, always ...Persona) []Persona {
	seen := map[string]bool{}
	var out []Persona
	for _, p := range always {
		seen[p.Name] = true
		out = append(out, p)
	}
	for _, e := range entries {
		if !seen[e.Persona.Name] {
			seen[e.Persona.Name] = true
			out = append(out, e.Persona)
		}
	}
	return out
}

// measure fills row: a sample response, the page under load, the bare
// handler under the same load with the same bytes, and the SQL alone.
func measure(ctx context.Context, cfg Config, rep *Report, row *Row, c *http.Client, sites *instances, b *bare, barePath string, s session, sql func(context.Context) error) error {
	page := func() string { return sites.base() + row.Path }
	smp, err := fetch(ctx, c, page(), s.cookie)
	if err != nil {
		return err
	}
	row.Status, row.ContentType = smp.status, smp.contentType
	row.Bytes, row.Wire, row.Gzipped = smp.plain, len(smp.wire), smp.encoding == "gzip"
	if smp.status != http.StatusOK {
		return fmt.Errorf("answered %d, not 200", smp.status)
	}
	if err := sql(ctx); err != nil {
		return fmt.Errorf("its SQL: %w", err)
	}
	row.SQL = timeSQL(ctx, sql, rep.BareDuration/2)
	row.Alone = drive(ctx, c, page, s.cookie, 1, rep.BareDuration)
	before := sites.counts()
	row.Page = drive(ctx, c, page, s.cookie, cfg.Concurrency, rep.Duration)
	row.Served = sites.counts()
	for i, n := range before {
		row.Served[i] -= n
	}
	b.set(barePath, smp)
	row.Bare = drive(ctx, c, func() string { return b.url + barePath }, "", cfg.Concurrency, rep.BareDuration)
	for _, l := range []*Load{row.Alone, row.Page} {
		if l.Errors > 0 {
			return fmt.Errorf("%d requests failed, the first: %s", l.Errors, l.firstError)
		}
	}
	return nil
}

// timeSQL runs sql one call after another for about budget (at least 5
// and at most 1,000 calls) and returns the median call.
func timeSQL(ctx context.Context, sql func(context.Context) error, budget time.Duration) time.Duration {
	var times []time.Duration
	start := time.Now()
	for len(times) < 5 || (len(times) < 1000 && time.Since(start) < budget) {
		t := time.Now()
		if sql(ctx) != nil {
			return 0
		}
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	return (&Load{latencies: times}).Percentile(50)
}
