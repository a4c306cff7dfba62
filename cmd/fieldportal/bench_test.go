package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/bench"
	"github.com/fieldportal/fieldportal/sqlstore/gen"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// runMainEnv makes the test binary behave as the fieldportal program, so
// the bench can start "itself" as a `fieldportal serve` child process.
const runMainEnv = "FIELDPORTAL_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// TestBenchSmoke runs the whole benchmark on the demo data in SQLite, with
// tiny durations, and checks that it still works: every entry served,
// timed and compared, the server process measured, the file written. It
// never asserts a timing.
func TestBenchSmoke(t *testing.T) {
	t.Setenv(runMainEnv, "1") // for the child process only
	out := t.TempDir()
	c := benchConfig{size: "demo", database: filepath.Join(t.TempDir(), "bench.db"), out: out,
		concurrency: 2, duration: 200 * time.Millisecond, sessions: 3, sync: true}
	var stdout strings.Builder
	rep, err := benchRun(t.Context(), c, benchFills["demo"], &stdout, io.Discard)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}

	t.Run("every entry", func(t *testing.T) {
		if len(rep.Rows) != len(bench.Entries) {
			t.Fatalf("%d rows for %d entries", len(rep.Rows), len(bench.Entries))
		}
		for _, r := range rep.Rows {
			t.Run(r.Entry.Persona.Name+" "+r.Entry.Name, func(t *testing.T) {
				if r.Err != nil {
					t.Fatalf("%s: %v", r.Path, r.Err)
				}
				for what, l := range map[string]*bench.Load{"page": r.Page, "one client": r.Alone, "bare": r.Bare} {
					if l.Requests == 0 || l.Errors != 0 {
						t.Errorf("%s: %s made %d requests with %d errors", r.Path, what, l.Requests, l.Errors)
					}
				}
				if r.SQL <= 0 || r.Bytes == 0 {
					t.Errorf("%s: SQL %s, %d bytes", r.Path, r.SQL, r.Bytes)
				}
			})
		}
	})
	t.Run("server process", func(t *testing.T) {
		p := rep.Process
		if p == nil {
			t.Fatalf("not measured: %v", rep.ProcessErr)
		}
		if p.Startup <= 0 || p.RSS <= 0 || p.Sessions != 3 {
			t.Errorf("process = %+v", *p)
		}
	})
	t.Run("sync through the API", func(t *testing.T) {
		s := rep.Sync
		if s == nil {
			t.Fatalf("not measured: %v", rep.SyncErr)
		}
		for _, r := range s.Rows {
			if r.Err != nil || r.Records == 0 || r.Pages == 0 || r.Again == 0 {
				t.Errorf("%s: %d records in %d pages, %d again, error %v", r.Path, r.Records, r.Pages, r.Again, r.Err)
			}
			// Every site changed is read again: the walk restarts at the
			// greatest time received, and the changes came after it.
			if r.Path == "/sites" && r.Again < min(s.Changed, r.Records) {
				t.Errorf("the re-sync read %d of %d sites after %d changes", r.Again, r.Records, s.Changed)
			}
		}
		if s.Changed != bench.SyncChanges {
			t.Errorf("%d changes made, want %d", s.Changed, bench.SyncChanges)
		}
	})
	t.Run("table", func(t *testing.T) {
		file, err := os.ReadFile(filepath.Join(out, rep.FileName()))
		if err != nil {
			t.Fatal(err)
		}
		if string(file) != stdout.String() {
			t.Error("the file differs from the table printed")
		}
		for _, e := range bench.Entries {
			if !strings.Contains(string(file), "| "+e.Name+" | "+e.Persona.Name+" |") {
				t.Errorf("no line for %s (%s)", e.Name, e.Persona.Name)
			}
		}
		if strings.Contains(string(file), "ERROR") {
			t.Errorf("the table has errors:\n%s", file)
		}
	})
}

// TestBenchSizes checks the refused sizes and settings.
func TestBenchSizes(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown size", []string{"bench", "--size", "huge"}, "--size must be small, large or demo"},
		{"no size", []string{"bench"}, "--size must be small, large or demo"},
		{"bad duration", []string{"bench", "--size", "demo", "--duration", "0s"}, "--duration must be positive"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runSync(t, nil, tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("run = %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

// TestBenchInstances runs the benchmark on three instances sharing one
// PostgreSQL database (issue 15, point 7) on the tiny generated data, with
// tiny durations: every entry is served, each by all three instances,
// with the sessions made on the first. It never asserts a timing.
func TestBenchInstances(t *testing.T) {
	t.Setenv(runMainEnv, "1") // for the child process only
	out := t.TempDir()
	c := benchConfig{size: "tiny", database: sqltest.MustPostgresDatabase(t), out: out,
		concurrency: 3, duration: 150 * time.Millisecond, sessions: 2, instances: 3}
	var stdout strings.Builder
	rep, err := benchRun(t.Context(), c, genFill(gen.Tiny), &stdout, io.Discard)
	if err != nil {
		t.Fatalf("bench: %v", err)
	}
	t.Logf("requests answered by each instance: %v", rep.Served)

	t.Run("every entry on every instance", func(t *testing.T) {
		if len(rep.Rows) != len(bench.Entries) {
			t.Fatalf("%d rows for %d entries", len(rep.Rows), len(bench.Entries))
		}
		for _, r := range rep.Rows {
			t.Run(r.Entry.Persona.Name+" "+r.Entry.Name, func(t *testing.T) {
				if r.Err != nil {
					t.Fatalf("%s: %v", r.Path, r.Err)
				}
				if r.Page.Requests == 0 || r.Page.Errors != 0 {
					t.Errorf("%s: %d requests with %d errors", r.Path, r.Page.Requests, r.Page.Errors)
				}
				if len(r.Served) != 3 {
					t.Fatalf("%s: served by %d instances, want 3", r.Path, len(r.Served))
				}
				for i, n := range r.Served {
					if n == 0 {
						t.Errorf("%s: instance %d served nothing of %v", r.Path, i+1, r.Served)
					}
				}
			})
		}
	})
	t.Run("table", func(t *testing.T) {
		if !strings.HasSuffix(rep.FileName(), ".md") || !strings.Contains(rep.FileName(), "-tiny-3-instances-") {
			t.Errorf("file name %q lacks the instance count", rep.FileName())
		}
		file, err := os.ReadFile(filepath.Join(out, rep.FileName()))
		if err != nil {
			t.Fatal(err)
		}
		if string(file) != stdout.String() {
			t.Error("the file differs from the table printed")
		}
		for _, want := range []string{"# fieldportal bench: postgres, tiny data, 3 instances, ", "- Instances: 3 servers on the one database"} {
			if !strings.Contains(string(file), want) {
				t.Errorf("the table lacks %q:\n%s", want, file)
			}
		}
		if strings.Contains(string(file), "ERROR") {
			t.Errorf("the table has errors:\n%s", file)
		}
	})
}

// TestBenchInstancesNeedPostgres checks that several instances are
// refused on SQLite, whose file one process owns, before anything runs.
func TestBenchInstancesNeedPostgres(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"default database", []string{"bench", "--size", "demo", "--instances", "3"}},
		{"SQLite file", []string{"bench", "--size", "demo", "--instances", "2", "--database", filepath.Join(t.TempDir(), "b.db")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runSync(t, nil, tc.args...)
			if code != 2 || !strings.Contains(stderr, "only PostgreSQL can be shared by several servers") {
				t.Errorf("run = %d, stderr %q; want 2 and the reason", code, stderr)
			}
		})
	}
	t.Run("no instances", func(t *testing.T) {
		code, _, stderr := runSync(t, nil, "bench", "--size", "demo", "--instances", "0")
		if code != 2 || !strings.Contains(stderr, "--instances must be at least 1") {
			t.Errorf("run = %d, stderr %q", code, stderr)
		}
	})
}
