package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// `fieldportal apikey create` makes an API key from the command line
// (SPEC §6), for an install whose operator scripts its set-up: the plain
// key is printed once on stdout, alone on its line, so that a script can
// capture it; only its hash is kept.

// APIKeyConfig is the key `fieldportal apikey create` makes.
type APIKeyConfig struct {
	// Org names the organisation: its host name, id or name; empty
	// means the install's only one.
	Org   string
	Name  string
	Scope fieldportal.APIKeyScope
}

// declareAPIKey declares the flags of `apikey create`.
func declareAPIKey(p *configParser) {
	p.str("org", "FIELDPORTAL_ORG", "", "the organisation: its host name, id or name (may be left out on an install with one)")
	p.str("name", "FIELDPORTAL_API_KEY_NAME", "", "the key's name: the system that will use it")
	p.str("scope", "FIELDPORTAL_API_KEY_SCOPE", "read", "what the key may do: read, or write (read and change)")
}

// parseAPIKey reads the flags of `apikey create` into cfg.
func parseAPIKey(p *configParser, cfg *Config) error {
	s, _ := p.get("org")
	cfg.APIKey.Org = strings.TrimSpace(s.val)
	s, _ = p.get("name")
	if cfg.APIKey.Name = strings.TrimSpace(s.val); cfg.APIKey.Name == "" {
		return invalid(s, "is required: the system that will use the key")
	}
	s, _ = p.get("scope")
	if cfg.APIKey.Scope = fieldportal.APIKeyScope(strings.ToLower(strings.TrimSpace(s.val))); !cfg.APIKey.Scope.Valid() {
		return invalid(s, "must be read or write")
	}
	return nil
}

// apiKeyArgs checks the sub-command of `fieldportal apikey` and returns
// the flags after it.
func apiKeyArgs(rest []string) ([]string, error) {
	if len(rest) == 0 || rest[0] != "create" {
		return nil, fmt.Errorf("apikey: give the sub-command: fieldportal apikey create --org SLUG --name NAME [--scope write]")
	}
	return rest[1:], nil
}

// runAPIKeyCreate makes the key as the program's own task and prints it.
func runAPIKeyCreate(ctx context.Context, cfg Config, logger *slog.Logger, stdout io.Writer) error {
	db, err := openDB(ctx, cfg.Database, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	plain, err := createAPIKey(ctx, db, cfg.APIKey.Org, "apikey create", cfg.APIKey.Name, cfg.APIKey.Scope)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, plain)
	return nil
}

// createAPIKey makes a key of the organisation named by org on behalf of
// a named task of the program (recorded in the audit log). A refusal
// (no such organisation, a bad name) is a refusal of the command line.
func createAPIKey(ctx context.Context, db *sqlstore.DB, org, task, name string, scope fieldportal.APIKeyScope) (string, error) {
	o, err := db.FindOrganisationByRef(ctx, org)
	if err != nil {
		return "", asRefusal(err)
	}
	plain, _, err := db.CreateAPIKey(ctx, fieldportal.SystemViewer(o.ID, task), name, scope)
	if err != nil {
		return "", asRefusal(err)
	}
	return plain, nil
}

// asRefusal turns a user-facing error of the store into a refusal (one
// line, exit status 2); faults stay faults.
func asRefusal(err error) error {
	switch fieldportal.ErrorCode(err) {
	case fieldportal.EINVALID, fieldportal.ENOTFOUND:
		return refusal{fmt.Errorf("apikey: %s", fieldportal.ErrorMessage(err))}
	}
	return err
}
