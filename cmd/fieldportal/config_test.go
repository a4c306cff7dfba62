package main

import (
	"errors"
	"flag"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob/s3"
	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/sqlstore/gen"
)

// envOf makes a getenv from a map, so tests never see the real environment.
func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// defaultServe is the Config of a bare `fieldportal serve`.
func defaultServe() Config {
	return Config{
		Command:         "serve",
		Addr:            "127.0.0.1:8080",
		DataDir:         "./data",
		Database:        filepath.Join("./data", "fieldportal.db"),
		BaseURL:         "http://127.0.0.1:8080",
		LogLevel:        slog.LevelInfo,
		LogFormat:       "text",
		ShutdownTimeout: 15 * time.Second,
		SMTP:            mail.Config{TLS: "starttls"},
		Files:           FilesConfig{Kind: "disk", Dir: filepath.Join("./data", "files")},
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  string
		args []string
		env  map[string]string
		want func(c *Config)
	}{
		{name: "defaults", cmd: "serve"},
		{name: "env sets", cmd: "serve", env: map[string]string{"FIELDPORTAL_ADDR": ":9000", "FIELDPORTAL_LOG_LEVEL": "debug", "FIELDPORTAL_LOG_FORMAT": "json"},
			want: func(c *Config) {
				c.Addr, c.BaseURL, c.LogLevel, c.LogFormat = ":9000", "http://localhost:9000", slog.LevelDebug, "json"
			}},
		{name: "flag wins over env", cmd: "serve", args: []string{"--addr", "0.0.0.0:7000", "-log-level=warn"},
			env: map[string]string{"FIELDPORTAL_ADDR": ":9000", "FIELDPORTAL_LOG_LEVEL": "debug"},
			want: func(c *Config) {
				c.Addr, c.BaseURL, c.LogLevel = "0.0.0.0:7000", "http://localhost:7000", slog.LevelWarn
			}},
		{name: "data dir moves the SQLite file", cmd: "serve", env: map[string]string{"FIELDPORTAL_DATA_DIR": "/var/lib/fp"},
			want: func(c *Config) {
				c.DataDir, c.Database, c.Files.Dir = "/var/lib/fp", "/var/lib/fp/fieldportal.db", "/var/lib/fp/files"
			}},
		{name: "postgres from env", cmd: "serve", env: map[string]string{"FIELDPORTAL_DATABASE_URL": "postgres://u:p@db:5432/fp"},
			want: func(c *Config) {
				c.Database, c.DatabaseSet, c.Files.Kind = "postgres://u:p@db:5432/fp", true, "database"
			}},
		{name: "files on disk with postgres when asked", cmd: "serve",
			env: map[string]string{"FIELDPORTAL_DATABASE_URL": "postgres://db/fp", "FIELDPORTAL_FILES": "disk", "FIELDPORTAL_FILES_DIR": "/srv/shared"},
			want: func(c *Config) {
				c.Database, c.DatabaseSet, c.Files = "postgres://db/fp", true, FilesConfig{Kind: "disk", Dir: "/srv/shared"}
			}},
		{name: "files in s3 once a bucket is set", cmd: "serve",
			env: map[string]string{"FIELDPORTAL_S3_BUCKET": "fp-files", "FIELDPORTAL_S3_ENDPOINT": "minio.local:9000",
				"FIELDPORTAL_S3_ACCESS_KEY": "AK", "FIELDPORTAL_S3_SECRET_KEY": "SK", "FIELDPORTAL_S3_REGION": "eu-west-2", "FIELDPORTAL_S3_USE_TLS": "false"},
			want: func(c *Config) {
				c.Files.Kind = "s3"
				c.Files.S3 = s3.Config{Endpoint: "minio.local:9000", Bucket: "fp-files", AccessKey: "AK", SecretKey: "SK", Region: "eu-west-2"}
			}},
		{name: "database flag over env", cmd: "serve", args: []string{"--database", "/tmp/x.db"}, env: map[string]string{"FIELDPORTAL_DATABASE_URL": "postgres://db/fp"},
			want: func(c *Config) { c.Database, c.DatabaseSet = "/tmp/x.db", true }},
		{name: "base url trailing slash dropped", cmd: "serve", args: []string{"--base-url", "https://portal.example.com/"},
			want: func(c *Config) { c.BaseURL, c.BaseURLSet = "https://portal.example.com", true }},
		{name: "smtp", cmd: "serve",
			args: []string{"--smtp-host", "smtp.example.com", "--smtp-tls", "tls"},
			env:  map[string]string{"FIELDPORTAL_SMTP_PORT": "465", "FIELDPORTAL_SMTP_USERNAME": "u", "FIELDPORTAL_SMTP_PASSWORD": "s3cret", "FIELDPORTAL_SMTP_FROM": "Portal <p@example.com>", "FIELDPORTAL_SMTP_TLS": "none"},
			want: func(c *Config) {
				c.SMTP = mail.Config{Host: "smtp.example.com", Port: 465, Username: "u", Password: "s3cret", From: "Portal <p@example.com>", TLS: "tls"}
			}},
		{name: "mail worker id", cmd: "serve", env: map[string]string{"FIELDPORTAL_MAIL_WORKER_ID": "web-1"},
			want: func(c *Config) { c.MailWorkerID = "web-1" }},
		{name: "webhooks to private http endpoints", cmd: "serve", args: []string{"--webhook-allow-http=true"},
			env:  map[string]string{"FIELDPORTAL_WEBHOOK_ALLOW_PRIVATE": "true"},
			want: func(c *Config) { c.Webhooks = fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true} }},
		{name: "single sign-on issuers on loopback http", cmd: "serve", args: []string{"--sso-allow-http=true"},
			env:  map[string]string{"FIELDPORTAL_SSO_ALLOW_PRIVATE": "true"},
			want: func(c *Config) { c.SSO = fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true} }},
		{name: "shutdown timeout", cmd: "serve", args: []string{"--shutdown-timeout", "2m"},
			want: func(c *Config) { c.ShutdownTimeout = 2 * time.Minute }},
		{name: "migrate ignores server settings", cmd: "migrate", env: map[string]string{"FIELDPORTAL_ADDR": "bad"},
			want: func(c *Config) {
				*c = Config{Command: "migrate", DataDir: "./data", Database: filepath.Join("./data", "fieldportal.db"), LogLevel: slog.LevelInfo, LogFormat: "text"}
			}},
		{name: "generate defaults", cmd: "generate",
			want: func(c *Config) {
				*c = Config{Command: "generate", DataDir: "./data", Database: filepath.Join("./data", "fieldportal.db"), LogLevel: slog.LevelInfo,
					LogFormat: "text", Generate: GenerateConfig{Size: gen.Small, Seed: 1}}
			}},
		{name: "generate flag over env", cmd: "generate", args: []string{"--size", "large"},
			env: map[string]string{"FIELDPORTAL_SIZE": "small", "FIELDPORTAL_SEED": "42"},
			want: func(c *Config) {
				*c = Config{Command: "generate", DataDir: "./data", Database: filepath.Join("./data", "fieldportal.db"), LogLevel: slog.LevelInfo,
					LogFormat: "text", Generate: GenerateConfig{Size: gen.Large, Seed: 42}}
			}},
		{name: "demo", cmd: "demo", args: []string{"--addr", "127.0.0.1:0"},
			want: func(c *Config) { c.Command, c.Addr, c.BaseURL = "demo", "127.0.0.1:0", "http://127.0.0.1:0" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseConfig(tc.cmd, tc.args, envOf(tc.env))
			if err != nil {
				t.Fatalf("parseConfig: %v", err)
			}
			want := defaultServe()
			if tc.want != nil {
				tc.want(&want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Config mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cmd  string
		args []string
		env  map[string]string
		want string
	}{
		{"addr flag", "serve", []string{"--addr", "foo"}, nil, `invalid --addr "foo": must be host:port`},
		{"addr env", "serve", nil, map[string]string{"FIELDPORTAL_ADDR": "foo"}, `invalid FIELDPORTAL_ADDR "foo": must be host:port`},
		{"addr port", "serve", []string{"--addr", "127.0.0.1:http"}, nil, `invalid --addr "127.0.0.1:http": port must be a number from 0 to 65535`},
		{"flag over bad env", "serve", []string{"--addr", "bad"}, map[string]string{"FIELDPORTAL_ADDR": ":1"}, `invalid --addr "bad": must be host:port`},
		{"log level", "migrate", []string{"--log-level", "loud"}, nil, `invalid --log-level "loud": must be debug, info, warn or error`},
		{"log format", "serve", nil, map[string]string{"FIELDPORTAL_LOG_FORMAT": "xml"}, `invalid FIELDPORTAL_LOG_FORMAT "xml": must be text or json`},
		{"data dir", "serve", []string{"--data-dir", ""}, nil, `invalid --data-dir "": must be a folder path`},
		{"empty database", "serve", []string{"--database="}, nil, `invalid --database "": must be a postgres:// URL or a SQLite file path`},
		{"other url scheme", "serve", []string{"--database", "mysql://db/fp"}, nil, `invalid --database "mysql://db/fp": must be a postgres:// URL or a SQLite file path`},
		{"password redacted", "serve", []string{"--database", "postgres://u:hunter2@/fp"}, nil, `invalid --database "postgres://u:xxxxx@/fp": must be a URL such as postgres://user:pass@host:5432/fieldportal`},
		{"base url", "serve", []string{"--base-url", "portal.example.com"}, nil, `invalid --base-url "portal.example.com": must be an absolute http:// or https:// URL`},
		{"base url query", "serve", nil, map[string]string{"FIELDPORTAL_BASE_URL": "https://p.example.com/?a=1"}, `invalid FIELDPORTAL_BASE_URL "https://p.example.com/?a=1": must not have a query, fragment or user`},
		{"shutdown timeout", "serve", []string{"--shutdown-timeout", "-1s"}, nil, `invalid --shutdown-timeout "-1s": must be a positive duration such as 15s`},
		{"smtp host", "serve", []string{"--smtp-host", "smtp.example.com:25"}, nil, `invalid --smtp-host "smtp.example.com:25": must be a host name without port`},
		{"smtp port", "serve", nil, map[string]string{"FIELDPORTAL_SMTP_PORT": "0"}, `invalid FIELDPORTAL_SMTP_PORT "0": must be a port number from 1 to 65535`},
		{"smtp from", "serve", []string{"--smtp-from", "not an address"}, nil, `invalid --smtp-from "not an address": must be a mail address such as Portal <portal@example.com>`},
		{"smtp tls", "serve", []string{"--smtp-tls", "ssl"}, nil, `invalid --smtp-tls "ssl": must be none, starttls or tls`},
		{"mail worker id", "serve", []string{"--mail-worker-id", "web 1"}, nil, `invalid --mail-worker-id "web 1": must be a name without spaces`},
		{"webhook http", "serve", nil, map[string]string{"FIELDPORTAL_WEBHOOK_ALLOW_HTTP": "sometimes"}, `invalid FIELDPORTAL_WEBHOOK_ALLOW_HTTP "sometimes": must be true or false`},
		{"smtp without sender", "serve", []string{"--smtp-host", "smtp.example.com"}, nil, `invalid --smtp-from "": is required when --smtp-host is set: the sender of the portal's mail`},
		{"trusted proxies", "serve", nil, map[string]string{"FIELDPORTAL_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}, `invalid FIELDPORTAL_TRUSTED_PROXIES "10.0.0.0/8, proxy.local": must be IP addresses or CIDR ranges separated by commas`},
		{"size", "generate", []string{"--size", "huge"}, nil, `invalid --size "huge": must be small or large (or tiny, for tests)`},
		{"seed", "generate", nil, map[string]string{"FIELDPORTAL_SEED": "-1"}, `invalid FIELDPORTAL_SEED "-1": must be a whole number from 0 to 18446744073709551615`},
		{"unknown flag", "serve", []string{"--nope"}, nil, `serve: flag provided but not defined: -nope (see 'fieldportal help serve')`},
		{"flag only for serve", "migrate", []string{"--addr", ":1"}, nil, `migrate: flag provided but not defined: -addr (see 'fieldportal help migrate')`},
		{"files kind", "serve", []string{"--files", "ftp"}, nil, `invalid --files "ftp": must be disk, database or s3`},
		{"s3 without bucket", "serve", []string{"--files", "s3"}, nil, `invalid --s3-bucket "": is required when files are kept in S3`},
		{"s3 endpoint with scheme", "serve", nil, map[string]string{"FIELDPORTAL_S3_BUCKET": "b", "FIELDPORTAL_S3_ENDPOINT": "https://s3.example.com"},
			`invalid FIELDPORTAL_S3_ENDPOINT "https://s3.example.com": must be a host name with an optional port, without a scheme`},
		{"s3 tls", "serve", nil, map[string]string{"FIELDPORTAL_S3_BUCKET": "b", "FIELDPORTAL_S3_USE_TLS": "maybe"}, `invalid FIELDPORTAL_S3_USE_TLS "maybe": must be true or false`},
		{"stray argument", "serve", []string{"now"}, nil, `serve: unexpected argument "now" (see 'fieldportal help serve')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseConfig(tc.cmd, tc.args, envOf(tc.env))
			if err == nil {
				t.Fatalf("parseConfig succeeded, want error %q", tc.want)
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseConfigHelp(t *testing.T) {
	if _, err := parseConfig("serve", []string{"-h"}, envOf(nil)); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseConfig -h = %v, want flag.ErrHelp", err)
	}
}
