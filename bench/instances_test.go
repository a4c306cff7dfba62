package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/server"
)

// TestRunRefusesSharedSQLite checks that Run will not put several
// servers on SQLite, nor start further instances it cannot build, and
// says why before it fills or serves anything.
func TestRunRefusesSharedSQLite(t *testing.T) {
	services := func(string) server.Services { t.Fatal("services built"); return server.Services{} }
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"sqlite", Config{Engine: "sqlite", Instances: 3, Services: services,
			Instance: func(ctx context.Context, base string) (server.Services, func() error, error) {
				t.Fatal("instance built")
				return server.Services{}, nil, nil
			}}},
		{"no way to build an instance", Config{Engine: "postgres", Instances: 2, Services: services}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(t.Context(), tc.cfg)
			if err == nil || !strings.Contains(err.Error(), "only PostgreSQL can be shared by several servers") {
				t.Errorf("Run = %v, want a refusal", err)
			}
		})
	}
}

// TestInstancesTakeTurns checks that requests go to each instance in
// turn, so that every client's requests spread over all of them.
func TestInstancesTakeTurns(t *testing.T) {
	in := &instances{bases: []string{"a", "b", "c"}}
	var got []string
	for range 7 {
		got = append(got, in.base())
	}
	if s := strings.Join(got, ""); s != "abcabca" {
		t.Errorf("turns = %s, want abcabca", s)
	}
}
