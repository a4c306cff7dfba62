package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
)

// serverSecret returns the install's secret of a name, making it on first
// use. Two instances making it at once agree: the first insert wins and
// both read what it stored.
func (d *DB) serverSecret(ctx context.Context, name string) ([]byte, error) {
	read := func() (string, error) {
		var s string
		return s, d.db.QueryRowContext(ctx, `SELECT secret FROM server_secrets WHERE name = $1`, name).Scan(&s)
	}
	stored, err := read()
	if errors.Is(err, sql.ErrNoRows) {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, fmt.Errorf("make %s secret: %w", name, err)
		}
		if _, err := d.db.ExecContext(ctx, `INSERT INTO server_secrets (name, secret, created_at) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO NOTHING`, name, hex.EncodeToString(fresh), d.now()); err != nil {
			return nil, fmt.Errorf("store %s secret: %w", name, err)
		}
		stored, err = read()
	}
	if err != nil {
		return nil, fmt.Errorf("read %s secret: %w", name, err)
	}
	b, err := hex.DecodeString(stored)
	if err != nil || len(b) < 32 {
		return nil, fmt.Errorf("the stored %s secret is unreadable", name)
	}
	return b, nil
}
