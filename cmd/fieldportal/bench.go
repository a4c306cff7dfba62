package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/bench"
	"github.com/fieldportal/fieldportal/server"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/demo"
	"github.com/fieldportal/fieldportal/sqlstore/gen"
)

// benchFills maps each --size of `fieldportal bench` to how it fills an
// empty database. The store is wired here, not in package bench, which
// gets the fill as a function and the services built on the database.
//
// benchFills fill an empty database for each --size: the demo, or the
// generator's sizes (sqlstore/gen, issue 15).
var benchFills = map[string]func(ctx context.Context, db *sqlstore.DB) error{
	"demo": func(ctx context.Context, db *sqlstore.DB) error {
		_, err := demo.Load(ctx, db, time.Now(), auth.DefaultHasher())
		return err
	},
	"small": genFill(gen.Small),
	"large": genFill(gen.Large),
}

// genFill fills with the generator at a size, from the generator's
// default seed.
func genFill(size gen.Size) func(ctx context.Context, db *sqlstore.DB) error {
	return func(ctx context.Context, db *sqlstore.DB) error {
		_, err := gen.Generate(ctx, db, size, 1, io.Discard)
		return err
	}
}

// benchConfig is what `fieldportal bench` was asked.
type benchConfig struct {
	size, database, out string
	cpuProfile          string
	only                []string
	concurrency         int
	duration            time.Duration
	sessions            int
	instances           int
	sync                bool
}

// parseBench reads the bench command's flags (its own: it serves no
// configured site, so the serve settings do not apply).
func parseBench(args []string, stderr io.Writer) (benchConfig, error) {
	var c benchConfig
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.size, "size", "", "data set: small, large or demo (required)")
	fs.StringVar(&c.database, "database", "", "an empty database to fill, or one filled before, as a postgres:// URL or SQLite file path (default: a new SQLite file, removed afterwards)")
	fs.IntVar(&c.concurrency, "concurrency", 8, "clients driving each page at once")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long each page is driven")
	fs.StringVar(&c.out, "out", filepath.Join("bench", "results"), "folder the Markdown table is written to")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "file to write a CPU profile of the pages' runs to (go tool pprof reads it)")
	fs.Func("only", "drive only the entries of these names, comma-separated (say, to profile one page)", func(v string) error {
		for name := range strings.SplitSeq(v, ",") {
			if name = strings.TrimSpace(name); name != "" {
				c.only = append(c.only, name)
			}
		}
		return nil
	})
	fs.IntVar(&c.instances, "instances", 1, "servers sharing the database, the load spread over them (above 1 needs a postgres:// --database)")
	fs.BoolVar(&c.sync, "sync", false, "after the pages, time a full incremental sync of every API collection and a re-sync after 1,000 changes")
	fs.IntVar(&c.sessions, "sessions", 200, "sessions loading the dashboard at once before the server's memory is read")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: fieldportal bench --size small|large|demo [flags]\n\n%s.\n\n", commandHelp["bench"])
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("bench: unexpected argument %q", fs.Arg(0))
	case c.concurrency < 1:
		return c, errors.New("bench: --concurrency must be at least 1")
	case c.duration <= 0:
		return c, errors.New("bench: --duration must be positive")
	case c.sessions < 1:
		return c, errors.New("bench: --sessions must be at least 1")
	case c.instances < 1:
		return c, errors.New("bench: --instances must be at least 1")
	case c.database != "":
		if err := checkDatabase(c.database); err != nil {
			return c, fmt.Errorf("bench: invalid --database: %v", err)
		}
	}
	if c.instances > 1 && !isPostgres(c.database) {
		return c, fmt.Errorf("bench: --instances %d needs --database postgres://...: only PostgreSQL can be shared by several servers (a SQLite file belongs to one process)", c.instances)
	}
	return c, nil
}

// runBench is `fieldportal bench`; it returns the exit status.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	c, err := parseBench(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	} else if err != nil {
		fmt.Fprintf(stderr, "fieldportal: %v\n", err)
		return 2
	}
	fill, ok := benchFills[c.size]
	if !ok {
		fmt.Fprintf(stderr, "fieldportal: bench: --size must be small, large or demo\n")
		return 2
	}
	if _, err := benchRun(ctx, c, fill, stdout, stderr); err != nil {
		fmt.Fprintf(stderr, "fieldportal bench: %v\n", err)
		return 1
	}
	return 0
}

// benchRun opens (or makes) the database, hands the bench its fill and
// services, prints and writes the table, and returns it.
func benchRun(ctx context.Context, c benchConfig, fill func(context.Context, *sqlstore.DB) error, stdout, stderr io.Writer) (*bench.Report, error) {
	dsn := c.database
	if dsn == "" {
		dir, err := os.MkdirTemp("", "fieldportal-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "fieldportal.db")
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := openDB(ctx, dsn, logger)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	cfg := bench.Config{
		Engine: db.Dialect().String(), Size: c.size,
		Services:    func(baseURL string) server.Services { return services(db, baseURL, fieldportal.WebhookURLPolicy{}) },
		Concurrency: c.concurrency, Duration: c.duration, Sessions: c.sessions, Log: stderr,
		ServeProcess: serveProcess(dsn),
		Instances:    c.instances,
		Sync:         c.sync,
		MakeAPIKey: func(ctx context.Context, orgID, name string, scope fieldportal.APIKeyScope) (string, error) {
			plain, _, err := db.CreateAPIKey(ctx, fieldportal.SystemViewer(orgID, "bench"), name, scope)
			return plain, err
		},
		// Each further instance opens a pool of its own, so that it has
		// its own caches and connections, as a separate process would;
		// only the database is shared.
		Instance: func(ctx context.Context, baseURL string) (server.Services, func() error, error) {
			idb, err := sqlstore.Open(ctx, dsn, logger)
			if err != nil {
				return server.Services{}, nil, fmt.Errorf("open database: %w", err)
			}
			return services(idb, baseURL, fieldportal.WebhookURLPolicy{}), idb.Close, nil
		},
	}
	if len(c.only) > 0 {
		cfg.Entries = []bench.Entry{}
		for _, e := range bench.Entries {
			if slices.Contains(c.only, e.Name) {
				cfg.Entries = append(cfg.Entries, e)
			}
		}
		if len(cfg.Entries) == 0 {
			return nil, fmt.Errorf("no entry is named %q", strings.Join(c.only, ","))
		}
	}
	// A database filled before (say by an earlier run on a large size,
	// which takes minutes to generate) is benchmarked as it is.
	if n, err := db.CountOrganisations(ctx); err != nil {
		return nil, err
	} else if n == 0 {
		cfg.Fill = func(ctx context.Context) error { return fill(ctx, db) }
	} else {
		fmt.Fprintf(stderr, "the database already holds data: benchmarking it as it is (the table says --size %s)\n", c.size)
	}
	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		cfg.CPUProfile = f
	}
	rep, err := bench.Run(ctx, cfg)
	if err != nil {
		return nil, err
	}
	rep.Markdown(stdout)
	path, err := rep.WriteFile(c.out)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(stderr, "written to %s\n", path)
	return rep, nil
}

// isPostgres says a --database names PostgreSQL, the one engine several
// servers can share.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// serveProcess starts this very program as `fieldportal serve` on the
// database, on a free loopback port, for the start-up time and memory.
// The database goes by variable, so a password in it stays out of ps.
// Nil when the program cannot find its own file.
func serveProcess(dsn string) func(context.Context) *exec.Cmd {
	self, err := os.Executable()
	if err != nil {
		return nil
	}
	return func(ctx context.Context) *exec.Cmd {
		cmd := exec.CommandContext(ctx, self, "serve", "--addr", "127.0.0.1:0", "--log-level", "info")
		cmd.Env = append(os.Environ(), "FIELDPORTAL_DATABASE_URL="+dsn)
		return cmd
	}
}
