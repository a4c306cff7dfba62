package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIKeyScope checks a key's scope: chosen when it is made, checked,
// kept, and carried by the key's viewer, which may write only with the
// write scope.
func TestAPIKeyScope(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		for _, scope := range []fieldportal.APIKeyScope{fieldportal.APIKeyRead, fieldportal.APIKeyWrite} {
			t.Run(string(scope)+" key", func(t *testing.T) {
				plain, key, err := db.CreateAPIKey(ctx, f.admin, "Back office "+string(scope), scope)
				if err != nil {
					t.Fatal(err)
				}
				if key.Scope != scope {
					t.Errorf("made with scope %q", key.Scope)
				}
				list, err := db.FindAPIKeys(ctx, f.admin)
				if err != nil || list[0].ID != key.ID || list[0].Scope != scope {
					t.Errorf("listed %+v, %v", list[0], err)
				}
				v, err := db.APIKeyViewer(ctx, f.orgA, plain, "192.0.2.1")
				if err != nil {
					t.Fatal(err)
				}
				if v.APIKeyScope() != scope || v.MayWrite() != (scope == fieldportal.APIKeyWrite) {
					t.Errorf("viewer scope %q, may write %v", v.APIKeyScope(), v.MayWrite())
				}
			})
		}
		t.Run("bad input names its field", func(t *testing.T) {
			for name, tc := range map[string]struct {
				name  string
				scope fieldportal.APIKeyScope
				field string
			}{
				"an unknown scope":      {"Back office", "admin", "scope"},
				"no scope":              {"Back office", "", "scope"},
				"a name of 101 letters": {strings.Repeat("é", 101), fieldportal.APIKeyRead, "name"},
				"an empty name":         {"  ", fieldportal.APIKeyRead, "name"},
			} {
				t.Run(name, func(t *testing.T) {
					_, _, err := db.CreateAPIKey(ctx, f.admin, tc.name, tc.scope)
					var e *fieldportal.Error
					if !errors.As(err, &e) || e.Code != fieldportal.EINVALID || e.Field != tc.field {
						t.Errorf("err = %v, want a message on %s", err, tc.field)
					}
				})
			}
			if _, _, err := db.CreateAPIKey(ctx, f.admin, strings.Repeat("é", 100), fieldportal.APIKeyRead); err != nil {
				t.Errorf("a name of 100 letters: %v", err)
			}
		})
		t.Run("a key made before scopes stays write", func(t *testing.T) {
			id := sqlstore.NewID()
			if _, err := db.SQL().Exec(`INSERT INTO api_keys (id, org_id, name, prefix, key_hash, created_at)
				VALUES ($1, $2, 'Old', 'fpk_old', $3, $4)`, id, f.orgA, "hash-"+id, f.clk.now); err != nil {
				t.Fatal(err)
			}
			list, err := db.FindAPIKeys(ctx, f.admin)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range list {
				if k.ID == id && k.Scope != fieldportal.APIKeyWrite {
					t.Errorf("old key's scope = %q", k.Scope)
				}
			}
		})
		t.Run("other viewers are not limited by a scope", func(t *testing.T) {
			if !f.staff.MayWrite() || f.staff.APIKeyScope() != "" {
				t.Errorf("staff: may write %v, scope %q", f.staff.MayWrite(), f.staff.APIKeyScope())
			}
			if fieldportal.NewAPIKeyViewer(f.orgA, "k", "k", "").MayWrite() {
				t.Error("a key of no scope may write")
			}
		})
	})
}

// TestAPIKeyGuesses checks the throttle of bad keys: per client address,
// counted in the database, so a guesser waits (whatever it sends, so it
// learns nothing) while the real key from elsewhere goes on working.
func TestAPIKeyGuesses(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		plain, _, err := db.CreateAPIKey(ctx, f.admin, "Back office", fieldportal.APIKeyWrite)
		if err != nil {
			t.Fatal(err)
		}
		const guesser, office = "203.0.113.9", "192.0.2.1"
		for i := range 20 {
			if _, err := db.APIKeyViewer(ctx, f.orgA, fmt.Sprintf("fpk_guess%d", i), guesser); code(err) != fieldportal.EUNAUTHORIZED {
				t.Fatalf("guess %d: %v", i+1, err)
			}
		}
		t.Run("the guesser's address waits", func(t *testing.T) {
			for _, key := range []string{"fpk_guess21", "not-a-key"} {
				_, err := db.APIKeyViewer(ctx, f.orgA, key, guesser)
				if code(err) != fieldportal.ERATELIMIT || fieldportal.RetryAfter(err) != time.Second {
					t.Errorf("%.8s: %v (retry after %v)", key, err, fieldportal.RetryAfter(err))
				}
			}
		})
		t.Run("a real key from the guesser's address is not locked out", func(t *testing.T) {
			// A back office behind the same NAT, or every client behind a
			// reverse proxy not named in --trusted-proxies (the default):
			// anyone could otherwise lock every key out with 20 bad ones.
			// A key is 256 random bits, so admitting it teaches a guesser
			// nothing it could use.
			if _, err := db.APIKeyViewer(ctx, f.orgA, plain, guesser); err != nil {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("the real key from its own address is not locked out", func(t *testing.T) {
			if _, err := db.APIKeyViewer(ctx, f.orgA, plain, office); err != nil {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("after the wait the address may try again", func(t *testing.T) {
			f.clk.now = f.clk.now.Add(time.Second)
			if _, err := db.APIKeyViewer(ctx, f.orgA, plain, guesser); err != nil {
				t.Errorf("err = %v", err)
			}
		})
	})
}
