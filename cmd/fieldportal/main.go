// Command fieldportal is the customer portal server: one binary that
// migrates its database, serves the portal, and runs a demo.
//
// main only wires things together: it reads the Config, opens the
// database, builds the web.Server and runs it until a signal arrives.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/console"
	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/payment"
	"github.com/fieldportal/fieldportal/server"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/demo"
	"github.com/fieldportal/fieldportal/sqlstore/gen"
	"github.com/fieldportal/fieldportal/sso"
	"github.com/fieldportal/fieldportal/web"
)

// version is set at build time with -ldflags "-X main.version=v1.2.3";
// when empty, the module version or VCS revision of the build is used.
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the whole program behind main, with its inputs passed in so tests
// can run it in-process. It returns the exit status: 0 done, 1 failed,
// 2 bad command line or configuration. Cancelling ctx stops a server
// gracefully.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "fieldportal: no command given; run 'fieldportal help'")
		return 2
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "help", "-h", "-help", "--help":
		return help(rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintf(stdout, "fieldportal %s\n", versionString())
		return 0
	case "bench":
		// The benchmark takes flags of its own, not the server's settings.
		return runBench(ctx, rest, stdout, stderr)
	case "serve", "migrate", "recount", "demo", "init", "generate":
	case "apikey":
		var err error
		if rest, err = apiKeyArgs(rest); err != nil {
			fmt.Fprintf(stderr, "fieldportal: %v\n", err)
			return 2
		}
	default:
		fmt.Fprintf(stderr, "fieldportal: unknown command %q; run 'fieldportal help'\n", cmd)
		return 2
	}

	cfg, err := parseConfig(cmd, rest, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return help([]string{cmd}, stdout, stderr)
	} else if err != nil {
		fmt.Fprintf(stderr, "fieldportal: %v\n", err)
		return 2
	}
	logger := newLogger(stderr, cfg)

	switch cmd {
	case "migrate":
		err = runMigrate(ctx, cfg, logger)
	case "recount":
		err = runRecount(ctx, cfg, logger, stdout)
	case "init":
		err = runInit(ctx, cfg, logger, stdout)
	case "serve":
		err = runServe(ctx, cfg, logger)
	case "demo":
		err = runDemo(ctx, cfg, logger, stdout)
	case "generate":
		err = runGenerate(ctx, cfg, logger, stdout)
	case "apikey":
		err = runAPIKeyCreate(ctx, cfg, logger, stdout)
	}
	var refused refusal
	if errors.As(err, &refused) {
		fmt.Fprintf(stderr, "fieldportal: %v\n", err)
		return 2
	}
	if err != nil {
		logger.Error("fieldportal "+cmd+" failed", "err", err)
		return 1
	}
	return 0
}

// help prints the commands, or one command's flags.
func help(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "bench" {
		parseBench([]string{"-h"}, stdout)
		return 0
	}
	if len(args) > 0 {
		if _, ok := commandHelp[args[0]]; !ok {
			fmt.Fprintf(stderr, "fieldportal: no help for %q; run 'fieldportal help'\n", args[0])
			return 2
		}
		p := newConfigParser(args[0], func(string) string { return "" })
		p.fs.SetOutput(stdout)
		p.fs.Usage()
		return 0
	}
	fmt.Fprintf(stdout, `Usage: fieldportal <command> [flags]

Commands:
  serve     %s
  migrate   %s
  recount   %s
  demo      %s
  init      %s
  generate  %s
  bench     %s
  apikey    %s
  version   print the version
  help      this text; 'fieldportal help <command>' lists a command's flags
`, commandHelp["serve"], commandHelp["migrate"], commandHelp["recount"], commandHelp["demo"], commandHelp["init"], commandHelp["generate"], commandHelp["bench"], commandHelp["apikey"])
	return 0
}

// versionString is the -ldflags version, else what the Go toolchain
// recorded about the build, else "dev".
func versionString() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "-modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		return "dev-" + rev + modified
	}
	return "dev"
}

// newLogger builds the one logger of the process; everything gets it
// passed in rather than using slog's default.
func newLogger(w io.Writer, cfg Config) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openDB opens and migrates the database; migrations are forward only and
// safe to run on every start (SPEC §8).
func openDB(ctx context.Context, dsn string, logger *slog.Logger) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, dsn, logger)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func runMigrate(ctx context.Context, cfg Config, logger *slog.Logger) error {
	db, err := openDB(ctx, cfg.Database, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	logger.Info("database is up to date", "engine", db.Dialect().String())
	return nil
}

// runRecount recounts the tallies of every customer of every
// organisation, in small transactions beside the serving instances.
func runRecount(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	db, err := openDB(ctx, cfg.Database, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	n, err := db.RecountTallies(ctx, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Recounted the tallies of %d customers in %s.\n", n, time.Since(start).Round(time.Millisecond))
	return nil
}

func runServe(ctx context.Context, cfg Config, logger *slog.Logger) error {
	db, err := openDB(ctx, cfg.Database, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := useFiles(ctx, cfg.Files, db, logger); err != nil {
		return err
	}
	return serve(ctx, cfg, db, logger, nil)
}

// runDemo serves a fresh demo database: by default a new SQLite file in
// a new folder under the data folder, so runs never trip over each other;
// a given database must hold no organisation yet.
func runDemo(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	dsn, where := cfg.Database, "the database given"
	if !cfg.DatabaseSet {
		if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
			return fmt.Errorf("create data folder: %w", err)
		}
		dir, err := os.MkdirTemp(cfg.DataDir, "demo-"+time.Now().Format("20060102-150405")+"-")
		if err != nil {
			return fmt.Errorf("create demo folder: %w", err)
		}
		dsn = filepath.Join(dir, "fieldportal.db")
		where = dsn
		if cfg.Files.Kind == "disk" {
			cfg.Files.Dir = filepath.Join(dir, "files") // the demo's own
		}
	}
	db, err := openDB(ctx, dsn, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	if n, err := db.CountOrganisations(ctx); err != nil {
		return err
	} else if n > 0 {
		return errors.New("the demo needs an empty database, and the one given already has organisations; leave out --database to get a fresh one")
	}
	if err := useFiles(ctx, cfg.Files, db, logger); err != nil {
		return err
	}
	logins, err := demo.Load(ctx, db, time.Now(), auth.DefaultHasher())
	if err != nil {
		return fmt.Errorf("load demo data: %w", err)
	}
	// A write key, so the API can be tried at once (SPEC §6).
	apiKey, err := createAPIKey(ctx, db, "", "demo", "Demo back office", fieldportal.APIKeyWrite)
	if err != nil {
		return fmt.Errorf("make the demo's API key: %w", err)
	}
	return serve(ctx, cfg, db, logger, func(url string) {
		// One write, so whoever reads the output never sees half of it.
		var b strings.Builder
		fmt.Fprintf(&b, "\nfieldportal demo is running at %s\n\nSign in with (password %s for all):\n", url, demo.Password)
		for _, l := range logins.List() {
			fmt.Fprintf(&b, "  %-20s %s\n", l.Email, l.Role)
		}
		fmt.Fprintf(&b, "\nAPI key: %s\n", apiKey)
		fmt.Fprintf(&b, "\nDemo database: %s\nPress Ctrl+C to stop.\n\n", where)
		io.WriteString(stdout, b.String())
	})
}

// serve listens on cfg.Addr and serves the portal until ctx ends. ready,
// if not nil, is called with the portal's URL once the listener is up.
func serve(ctx context.Context, cfg Config, db *sqlstore.DB, logger *slog.Logger, ready func(url string)) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	baseURL := cfg.BaseURL
	if !cfg.BaseURLSet {
		baseURL = "http://" + urlHost(ln.Addr().String())
	}
	db.WebhookURLs = cfg.Webhooks
	svc := services(db, baseURL, cfg.SSO)
	srv, err := server.New(server.Config{
		Web:     web.Config{BaseURL: baseURL, TrustedProxies: cfg.TrustedProxies},
		Console: console.Config{MailEnabled: cfg.SMTP.Enabled()},
	}, svc, logger)
	if err != nil {
		ln.Close()
		return err
	}
	if cfg.MetricsAddr != "" {
		mln, err := net.Listen("tcp", cfg.MetricsAddr)
		if err != nil {
			ln.Close()
			return fmt.Errorf("listen for metrics: %w", err)
		}
		logger.Info("metrics listening", "addr", mln.Addr().String())
		go func() {
			if err := serveHTTP(ctx, mln, srv.MetricsHandler(), cfg.ShutdownTimeout, logger); err != nil {
				logger.Error("metrics server", "err", err)
			}
		}()
	}
	if err := startWorkers(ctx, cfg, db, svc.Payments, logger, ln.Addr().String()); err != nil {
		ln.Close()
		return err
	}
	logger.Info("fieldportal listening", "addr", ln.Addr().String(), "url", baseURL, "version", versionString(), "engine", db.Dialect().String())
	if ready != nil {
		ready(baseURL)
	}
	return serveHTTP(ctx, ln, srv.Handler(), cfg.ShutdownTimeout, logger)
}

// services wires the store into the services the site calls: the store's
// data methods, and the sign-in and access workflows composed over it.
func services(db *sqlstore.DB, baseURL string, ssoPolicy fieldportal.WebhookURLPolicy) server.Services {
	db.LinkBase = baseURL
	db.EventData = api.EventData
	accounts := sqlstore.NewAccounts(db, sqlstore.AccountsConfig{BaseURL: baseURL,
		Passwords: auth.NewPasswords(auth.DefaultHasher(), max(2, runtime.NumCPU()))})
	// Test mode's tokens must read on every instance; without the stored
	// secret (a database error, reported elsewhere) each process has its own.
	tmSecret, _ := db.TestModeSecret(context.Background())
	return server.Services{Orgs: db, SignIn: accounts, Access: accounts, Staff: accounts, Sites: db,
		Dashboard: db, Equipment: db, Work: db, Diary: db, Money: db, APIKeys: db, Ready: db, Pool: db, Outbox: db, Webhooks: db, Sync: db, Tombstones: db,
		VisitReports: db,
		Payments:     payment.Gateways(payment.Config{TestModeSecret: tmSecret}),
		SSO:          sso.New(db, accounts, slog.Default(), ssoPolicy)}
}

// serveHTTP serves h on ln until ctx ends, then stops accepting and gives
// in-flight requests up to timeout to finish before closing them.
func serveHTTP(ctx context.Context, ln net.Listener, h http.Handler, timeout time.Duration, logger *slog.Logger) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second, // a slow client cannot hold a connection open for free
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		// Requests do not inherit ctx: a signal must let them finish,
		// not cancel them.
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing requests in flight", "timeout", timeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	<-errc // http.ErrServerClosed
	logger.Info("stopped")
	return nil
}

// startWorkers runs the background work of an instance until ctx ends:
// the mail worker when a mail server is set (without one, mail stays in
// the outbox and the console's mail log shows it, SPEC §7), the webhook
// worker, the recurring invoice worker (runRecurring), the sweep of deleted files' bytes (runBlobSweep), and the periodic clean-up of expired sessions, links and throttle records.
func startWorkers(ctx context.Context, cfg Config, db *sqlstore.DB, payments fieldportal.PaymentGateways, logger *slog.Logger, addr string) error {
	// A stable id lets a restarted instance take back at once what it
	// had claimed; host and listening address are unique among live
	// processes, as two cannot listen on one address of one host.
	id := cfg.MailWorkerID
	if id == "" {
		host, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("mail worker id: %w (set --mail-worker-id)", err)
		}
		id = host + "/" + addr
	}
	go runRecurring(ctx, db, payments, id, recurringInterval, logger)
	go runBlobSweep(ctx, db, blobSweepInterval, logger)
	startWebhooks(ctx, cfg, db, logger, id)
	if cfg.SMTP.Enabled() {
		sender, err := mail.NewSMTP(cfg.SMTP)
		if err != nil {
			return fmt.Errorf("mail: %w", err)
		}
		w := mail.NewWorker(db, sender, logger, mail.WithID(id))
		go w.Run(ctx)
		logger.Info("mail worker started", "smtp", cfg.SMTP.Host, "worker", id)
	} else {
		logger.Info("no mail server set: mail is kept in the outbox and shown in the console's mail log")
	}
	go func() {
		t := time.NewTicker(10 * time.Minute)
		defer t.Stop()
		for {
			if err := db.DeleteExpired(ctx, db.Now().Add(-24*time.Hour)); err != nil && ctx.Err() == nil {
				logger.Warn("clean-up of expired sessions failed", "err", err)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	return nil
}

// runInit creates an organisation and its first admin: the one step a new
// install needs before `serve` (SPEC §1: a fresh install has one
// organisation). A second organisation needs its own host name, so that
// requests can be told apart.
func runInit(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	db, err := openDB(ctx, cfg.Database, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.CountOrganisations(ctx)
	if err != nil {
		return err
	}
	in := cfg.Init
	if n > 0 && in.OrgHost == "" {
		return errors.New("this install already has an organisation; a further one needs --org-host")
	}
	password, generated := in.AdminPassword, false
	if password == "" {
		password, generated = generatedPassword(), true
	}
	if err := auth.DefaultPasswordPolicy().Check(password, in.AdminEmail, in.AdminName); err != nil {
		return fmt.Errorf("FIELDPORTAL_ADMIN_PASSWORD: %s", fieldportal.ErrorMessage(err))
	}
	hash, err := auth.DefaultHasher().Hash(password)
	if err != nil {
		return err
	}
	org := &fieldportal.Organisation{Name: in.OrgName, Host: in.OrgHost}
	admin := &fieldportal.StaffUser{Email: in.AdminEmail, Name: in.AdminName, Role: fieldportal.RoleAdmin, PasswordHash: hash}
	if err := db.CreateOrganisationWithAdmin(ctx, org, admin); err != nil {
		return fmt.Errorf("create organisation: %s", fieldportal.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "Created %s with admin %s.\n", org.Name, admin.Email)
	if generated {
		fmt.Fprintf(stdout, "The admin's password is %s (shown once: keep it safe; set FIELDPORTAL_ADMIN_PASSWORD to choose your own).\n", password)
	}
	fmt.Fprintf(stdout, "Start the portal with 'fieldportal serve' and sign in to the staff console at /console.\n")
	return nil
}

// generatedPassword makes a random admin password that meets the default
// policy: rand.Text is upper-case letters and digits 2-7, so a fixed
// "Fp-9" prefix and a lower-cased half supply every required kind.
func generatedPassword() string {
	return "Fp-9" + strings.ToLower(rand.Text()[:8]) + rand.Text()[:8]
}

// refusal is an error about what the command was asked to do rather than
// a failure while doing it: printed as one line, exit status 2.
type refusal struct{ error }

// runGenerate fills the database (by default the data folder's SQLite
// file) with one generated organisation and prints the rows per second
// of each table. A database that already holds an organisation is refused:
// the generator makes one from nothing and never mixes with real data.
func runGenerate(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	db, err := openDB(ctx, cfg.Database, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = gen.Generate(ctx, db, cfg.Generate.Size, cfg.Generate.Seed, stdout)
	if errors.Is(err, gen.ErrNotEmpty) {
		return refusal{fmt.Errorf("generate needs an empty database, and %s already holds an organisation", redactedDSN(cfg.Database))}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nSign in with (password %s for all): %s and %s (console), %s (parent customer), %s (one site)\n",
		gen.Personas.Password, gen.Personas.Admin, gen.Personas.Staff, gen.Personas.Parent, gen.Personas.Site)
	return nil
}

// redactedDSN hides a database URL's password.
func redactedDSN(dsn string) string { return redacted(&setting{val: dsn}).val }
