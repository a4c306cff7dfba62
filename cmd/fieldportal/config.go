package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/sqlstore/gen"
)

// Config is everything fieldportal can be told. It is filled once, from
// flags and FIELDPORTAL_* variables, and passed down; nothing reads the
// environment later, so what a run does is decided by this value alone.
type Config struct {
	// Command is the subcommand: serve, migrate, demo, init or generate.
	Command string
	// Init is what `fieldportal init` creates.
	Init InitConfig
	// Addr is the host:port to listen on.
	Addr string
	// DataDir holds the SQLite file and, later, uploaded files.
	DataDir string
	// Database is a postgres:// URL or a SQLite file path.
	Database string
	// DatabaseSet says Database was given rather than derived from
	// DataDir; demo makes a fresh database only when it was not.
	DatabaseSet bool
	// BaseURL is the absolute URL users reach the portal at, without a
	// trailing slash; links in mail and the HSTS decision use it.
	BaseURL string
	// BaseURLSet says BaseURL was given; when not, serve derives it from
	// the address it actually listens on (port 0 picks a free one).
	BaseURLSet bool
	// LogLevel is the lowest level logged.
	LogLevel slog.Level
	// LogFormat is "text" or "json".
	LogFormat string
	// ShutdownTimeout is how long in-flight requests get to finish on
	// SIGINT or SIGTERM before their connections are closed.
	ShutdownTimeout time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the real client (for throttling by address).
	TrustedProxies []netip.Prefix
	// SMTP is the mail server (used by the mail worker).
	SMTP mail.Config
	// MetricsAddr is the host:port Prometheus metrics are served on, on a
	// listener of their own; "" (the default) serves none.
	MetricsAddr string
	// MailWorkerID is the mail worker's claim id; empty means the host
	// name and the listening address (see mail.NewWorker).
	MailWorkerID string
	// Generate is what `fieldportal generate` makes.
	Generate GenerateConfig
	// Files is where uploaded files are kept (files.go).
	Files FilesConfig
	// APIKey is what `fieldportal apikey create` makes (apikey.go).
	APIKey APIKeyConfig
	// Webhooks is which endpoint URLs may be saved and reached
	// (webhooks.go).
	Webhooks fieldportal.WebhookURLPolicy
	// SSO is which single sign-on issuers may be saved and reached
	// (the same rules as Webhooks, set apart).
	SSO fieldportal.WebhookURLPolicy
}

// GenerateConfig is the size and seed of a generated organisation.
type GenerateConfig struct {
	Size gen.Size
	Seed uint64
}

// setting is one configuration value with its flag, variable and default;
// after parsing, val holds the winner and source names where it came
// from, for error messages.
type setting struct {
	flag, env, def string
	val, source    string
	// given says the value came from a flag or a variable, not the default.
	given bool
}

// configParser builds a subcommand's FlagSet and resolves each setting as
// flag, then variable, then default.
type configParser struct {
	fs       *flag.FlagSet
	getenv   func(string) string
	settings map[string]*setting
}

// Commands that take configuration, with a line of help each.
var commandHelp = map[string]string{
	"serve":    "migrate the database and serve the portal",
	"migrate":  "apply pending database migrations and exit",
	"recount":  "recount the dashboard's tallies of every customer while the portal serves (after writes made around it, such as an older instance's during an upgrade)",
	"demo":     "serve the portal on a fresh database full of demo data",
	"init":     "create the organisation and its first admin on a new install",
	"generate": "fill an empty database with one large generated organisation (for the benchmark)",
	"bench":    "fill a database, serve it and measure every page against the machine's ceiling and its own SQL",
	"apikey":   "create an API key and print it once: fieldportal apikey create --org SLUG --name NAME [--scope write]",
}

// InitConfig is the organisation and first admin of a new install. The
// admin's password comes from FIELDPORTAL_ADMIN_PASSWORD only (a flag
// would show it in ps); without it one is generated and printed once.
type InitConfig struct {
	OrgName, OrgHost, AdminEmail, AdminName, AdminPassword string
}

// newConfigParser declares the flags of cmd. Settings a command does not
// use are not declared for it, so their variables cannot fail it either.
func newConfigParser(cmd string, getenv func(string) string) *configParser {
	p := &configParser{fs: flag.NewFlagSet(cmd, flag.ContinueOnError), getenv: getenv, settings: map[string]*setting{}}
	p.fs.SetOutput(io.Discard)
	p.str("database", "FIELDPORTAL_DATABASE_URL", "", "database: a postgres:// URL, or a SQLite file path (default: fieldportal.db in the data folder)")
	p.str("data-dir", "FIELDPORTAL_DATA_DIR", "./data", "folder for the SQLite database and files")
	p.str("log-level", "FIELDPORTAL_LOG_LEVEL", "info", "lowest level logged: debug, info, warn or error")
	p.str("log-format", "FIELDPORTAL_LOG_FORMAT", "text", "log format: text or json")
	if cmd == "init" {
		p.str("org-name", "FIELDPORTAL_ORG_NAME", "", "the operator's name, as customers see it")
		p.str("org-host", "FIELDPORTAL_ORG_HOST", "", "host name the organisation is served on (needed only when one install hosts several)")
		p.str("admin-email", "FIELDPORTAL_ADMIN_EMAIL", "", "email address of the first admin (their console sign-in)")
		p.str("admin-name", "FIELDPORTAL_ADMIN_NAME", "Administrator", "name of the first admin")
	}
	if cmd == "generate" {
		p.str("size", "FIELDPORTAL_SIZE", "small", "how much to make: small (10,000 invoices, 200 sites under the parent) or large (a hundred times that)")
		p.str("seed", "FIELDPORTAL_SEED", "1", "seed of the generator: the same seed on the same day makes the same data")
	}
	if cmd == "apikey" {
		declareAPIKey(p)
	}
	if cmd == "serve" || cmd == "demo" {
		p.str("addr", "FIELDPORTAL_ADDR", "127.0.0.1:8080", "host:port to listen on")
		p.str("base-url", "FIELDPORTAL_BASE_URL", "", "URL users reach the portal at (default: http://<addr>)")
		p.str("shutdown-timeout", "FIELDPORTAL_SHUTDOWN_TIMEOUT", "15s", "time in-flight requests get to finish on shutdown")
		p.str("metrics-addr", "FIELDPORTAL_METRICS_ADDR", "", "host:port to serve Prometheus metrics on, apart from the site (default: none)")
		p.str("trusted-proxies", "FIELDPORTAL_TRUSTED_PROXIES", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For is believed")
		p.str("smtp-host", "FIELDPORTAL_SMTP_HOST", "", "SMTP server for outgoing mail (empty: mail is not sent)")
		p.str("smtp-port", "FIELDPORTAL_SMTP_PORT", "", "SMTP port (default: 587 for starttls, 465 for tls, 25 for none)")
		p.str("smtp-username", "FIELDPORTAL_SMTP_USERNAME", "", "SMTP user name (password: FIELDPORTAL_SMTP_PASSWORD only)")
		p.str("smtp-from", "FIELDPORTAL_SMTP_FROM", "", "sender address of outgoing mail")
		p.str("smtp-tls", "FIELDPORTAL_SMTP_TLS", "starttls", "SMTP security: none, starttls or tls")
		p.str("mail-worker-id", "FIELDPORTAL_MAIL_WORKER_ID", "", "this instance's mail worker id: unique among running instances, the same across restarts (default: host name/listening address)")
		declareFiles(p)
		declareWebhooks(p)
		declareSSO(p)
	}
	p.fs.Usage = func() {
		out := p.fs.Output()
		fmt.Fprintf(out, "Usage: fieldportal %s [flags]\n\n%s.\n\nEach flag can also be set by the variable in brackets; a flag wins over a variable.\n\n", cmd, commandHelp[cmd])
		p.fs.PrintDefaults()
		if cmd == "serve" || cmd == "demo" {
			fmt.Fprintf(out, "  (variable only) FIELDPORTAL_SMTP_PASSWORD: SMTP password\n")
			fmt.Fprintf(out, "  (variable only) FIELDPORTAL_S3_SECRET_KEY: S3 secret key\n")
		}
	}
	return p
}

// str declares a string flag whose usage names its variable.
func (p *configParser) str(name, env, def, usage string) {
	p.settings[name] = &setting{flag: name, env: env, def: def}
	p.fs.String(name, def, usage+" ("+env+")")
}

// parse parses args and resolves every setting.
func (p *configParser) parse(args []string) error {
	if err := p.fs.Parse(args); err != nil {
		return err
	}
	if p.fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", p.fs.Arg(0))
	}
	given := map[string]bool{}
	p.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, s := range p.settings {
		switch v := p.getenv(s.env); {
		case given[name]:
			s.val, s.source, s.given = p.fs.Lookup(name).Value.String(), "--"+name, true
		case v != "":
			s.val, s.source, s.given = v, s.env, true
		default:
			s.val, s.source = s.def, "--"+name
		}
	}
	return nil
}

// get returns a setting; declared reports whether cmd has it.
func (p *configParser) get(name string) (s *setting, declared bool) {
	s, declared = p.settings[name]
	return s, declared
}

// invalid is the one-line error for a bad value, naming where it came from.
func invalid(s *setting, why string) error {
	return fmt.Errorf("invalid %s %q: %s", s.source, s.val, why)
}

// parseConfig turns a subcommand's arguments and the environment into a
// Config, or the first error as a single line. It returns flag.ErrHelp
// when -h was asked for.
func parseConfig(cmd string, args []string, getenv func(string) string) (Config, error) {
	p := newConfigParser(cmd, getenv)
	if err := p.parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, err
		}
		return Config{}, fmt.Errorf("%s: %v (see 'fieldportal help %s')", cmd, err, cmd)
	}
	cfg := Config{Command: cmd}

	s, _ := p.get("log-level")
	switch strings.ToLower(s.val) {
	case "debug":
		cfg.LogLevel = slog.LevelDebug
	case "info":
		cfg.LogLevel = slog.LevelInfo
	case "warn", "warning":
		cfg.LogLevel = slog.LevelWarn
	case "error":
		cfg.LogLevel = slog.LevelError
	default:
		return Config{}, invalid(s, "must be debug, info, warn or error")
	}
	s, _ = p.get("log-format")
	if cfg.LogFormat = strings.ToLower(s.val); cfg.LogFormat != "text" && cfg.LogFormat != "json" {
		return Config{}, invalid(s, "must be text or json")
	}

	s, _ = p.get("data-dir")
	if strings.TrimSpace(s.val) == "" {
		return Config{}, invalid(s, "must be a folder path")
	}
	cfg.DataDir = s.val
	s, _ = p.get("database")
	cfg.Database, cfg.DatabaseSet = s.val, s.given
	if !cfg.DatabaseSet {
		cfg.Database = filepath.Join(cfg.DataDir, "fieldportal.db")
	} else if err := checkDatabase(cfg.Database); err != nil {
		return Config{}, invalid(redacted(s), err.Error())
	}

	if s, ok := p.get("addr"); ok {
		if err := checkAddr(s.val); err != nil {
			return Config{}, invalid(s, err.Error())
		}
		cfg.Addr = s.val
		s, _ = p.get("base-url")
		cfg.BaseURL, cfg.BaseURLSet = strings.TrimRight(s.val, "/"), s.given
		if !cfg.BaseURLSet {
			cfg.BaseURL = "http://" + urlHost(cfg.Addr)
		} else if err := checkBaseURL(cfg.BaseURL); err != nil {
			return Config{}, invalid(s, err.Error())
		}

		s, _ = p.get("shutdown-timeout")
		d, err := time.ParseDuration(s.val)
		if err != nil || d <= 0 {
			return Config{}, invalid(s, "must be a positive duration such as 15s")
		}
		cfg.ShutdownTimeout = d

		s, _ = p.get("metrics-addr")
		if s.val != "" {
			if err := checkAddr(s.val); err != nil {
				return Config{}, invalid(s, err.Error())
			}
			if s.val == cfg.Addr {
				return Config{}, invalid(s, "must differ from the site's address")
			}
		}
		cfg.MetricsAddr = s.val

		s, _ = p.get("trusted-proxies")
		for part := range strings.SplitSeq(s.val, ",") {
			if part = strings.TrimSpace(part); part == "" {
				continue
			}
			pfx, err := netip.ParsePrefix(part)
			if err != nil {
				addr, aerr := netip.ParseAddr(part)
				if aerr != nil {
					return Config{}, invalid(s, "must be IP addresses or CIDR ranges separated by commas")
				}
				pfx = netip.PrefixFrom(addr, addr.BitLen())
			}
			cfg.TrustedProxies = append(cfg.TrustedProxies, pfx.Masked())
		}

		if cfg.SMTP, err = parseSMTP(p); err != nil {
			return Config{}, err
		}
		s, _ = p.get("mail-worker-id")
		if strings.ContainsFunc(s.val, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) }) {
			return Config{}, invalid(s, "must be a name without spaces")
		}
		cfg.MailWorkerID = s.val
		if cfg.Files, err = parseFiles(p, cfg); err != nil {
			return Config{}, err
		}
		if cfg.Webhooks, err = parseWebhooks(p); err != nil {
			return Config{}, err
		}
		if cfg.SSO, err = parseSSO(p); err != nil {
			return Config{}, err
		}
	}
	if cmd == "generate" {
		s, _ := p.get("size")
		size, ok := gen.SizeNamed(strings.ToLower(s.val))
		if !ok {
			return Config{}, invalid(s, "must be small or large (or tiny, for tests)")
		}
		cfg.Generate.Size = size
		s, _ = p.get("seed")
		seed, err := strconv.ParseUint(s.val, 10, 64)
		if err != nil {
			return Config{}, invalid(s, "must be a whole number from 0 to 18446744073709551615")
		}
		cfg.Generate.Seed = seed
	}
	if cmd == "apikey" {
		if err := parseAPIKey(p, &cfg); err != nil {
			return Config{}, err
		}
	}
	if cmd == "init" {
		s, _ := p.get("org-name")
		if cfg.Init.OrgName = strings.TrimSpace(s.val); cfg.Init.OrgName == "" {
			return Config{}, invalid(s, "is required: the operator's name")
		}
		s, _ = p.get("org-host")
		cfg.Init.OrgHost = strings.ToLower(strings.TrimSpace(s.val))
		if strings.ContainsAny(cfg.Init.OrgHost, " /:") {
			return Config{}, invalid(s, "must be a host name without scheme or port")
		}
		s, _ = p.get("admin-email")
		if cfg.Init.AdminEmail = strings.TrimSpace(s.val); !fieldportal.ValidEmail(cfg.Init.AdminEmail) {
			return Config{}, invalid(s, "must be an email address")
		}
		s, _ = p.get("admin-name")
		cfg.Init.AdminName = strings.TrimSpace(s.val)
		cfg.Init.AdminPassword = p.getenv("FIELDPORTAL_ADMIN_PASSWORD")
	}
	return cfg, nil
}

func parseSMTP(p *configParser) (mail.Config, error) {
	var c mail.Config
	s, _ := p.get("smtp-host")
	c.Host = s.val
	if strings.ContainsAny(c.Host, " /:") {
		return c, invalid(s, "must be a host name without port")
	}
	s, _ = p.get("smtp-port")
	if s.val != "" {
		port, err := strconv.Atoi(s.val)
		if err != nil || port < 1 || port > 65535 {
			return c, invalid(s, "must be a port number from 1 to 65535")
		}
		c.Port = port
	}
	s, _ = p.get("smtp-username")
	c.Username = s.val
	c.Password = p.getenv("FIELDPORTAL_SMTP_PASSWORD")
	s, _ = p.get("smtp-from")
	if c.From = s.val; c.From != "" {
		if _, err := netmail.ParseAddress(c.From); err != nil {
			return c, invalid(s, "must be a mail address such as Portal <portal@example.com>")
		}
	}
	s, _ = p.get("smtp-tls")
	switch c.TLS = strings.ToLower(s.val); c.TLS {
	case "none", "starttls", "tls":
	default:
		return c, invalid(s, "must be none, starttls or tls")
	}
	if c.Host != "" && c.From == "" {
		from, _ := p.get("smtp-from")
		return c, invalid(from, "is required when --smtp-host is set: the sender of the portal's mail")
	}
	return c, nil
}

// checkAddr accepts host:port with a numeric port; port 0 picks a free one.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errors.New("port must be a number from 0 to 65535")
	}
	return nil
}

// urlHost is addr as it belongs in a URL: an empty or wildcard host is
// reached at localhost.
func urlHost(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	switch host {
	case "", "0.0.0.0", "::":
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func checkBaseURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("must be an absolute http:// or https:// URL")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("must not have a query, fragment or user")
	}
	return nil
}

func checkDatabase(s string) error {
	switch {
	case strings.TrimSpace(s) == "":
		return errors.New("must be a postgres:// URL or a SQLite file path")
	case strings.HasPrefix(s, "postgres://"), strings.HasPrefix(s, "postgresql://"):
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return errors.New("must be a URL such as postgres://user:pass@host:5432/fieldportal")
		}
	case strings.Contains(s, "://"):
		return errors.New("must be a postgres:// URL or a SQLite file path")
	}
	return nil
}

// redacted hides a database password in an error message.
func redacted(s *setting) *setting {
	c := *s
	if u, err := url.Parse(s.val); err == nil && u.User != nil {
		c.val = u.Redacted()
	}
	return &c
}
