package main

import (
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestRunAPIKeyCreate checks `fieldportal apikey create`: the key alone
// on stdout, read by default, write when asked, for the organisation
// named; bad command lines are refused with a line saying why.
func TestRunAPIKeyCreate(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"FIELDPORTAL_DATA_DIR": dir, "FIELDPORTAL_ADMIN_PASSWORD": "Plumbing-Van-42", "FIELDPORTAL_LOG_LEVEL": "warn"}
	if code, _, stderr := runSync(t, env, "init", "--org-name", "Acme Fire", "--admin-email", "boss@acme.test"); code != 0 {
		t.Fatalf("init = %d:\n%s", code, stderr)
	}
	db := sqltest.MustOpenURL(t, filepath.Join(dir, "fieldportal.db"))
	org, err := db.FindOrganisationByRef(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	// scopeOf returns the scope of the key printed, as the API sees it.
	scopeOf := func(t *testing.T, stdout string) fieldportal.APIKeyScope {
		t.Helper()
		if !regexp.MustCompile(`\Afpk_\S+\n\z`).MatchString(stdout) {
			t.Fatalf("stdout is not one key on its line: %q", stdout)
		}
		v, err := db.APIKeyViewer(t.Context(), org.ID, strings.TrimSpace(stdout), "")
		if err != nil {
			t.Fatalf("the printed key does not work: %v", err)
		}
		return v.APIKeyScope()
	}
	t.Run("a read key by default", func(t *testing.T) {
		code, stdout, stderr := runSync(t, env, "apikey", "create", "--org", "acme fire", "--name", "Reports")
		if code != 0 {
			t.Fatalf("apikey create = %d:\n%s", code, stderr)
		}
		if got := scopeOf(t, stdout); got != fieldportal.APIKeyRead {
			t.Errorf("scope = %q, want read", got)
		}
	})
	t.Run("a write key when asked, by the organisation's id", func(t *testing.T) {
		code, stdout, stderr := runSync(t, env, "apikey", "create", "--org", org.ID, "--name", "Job system", "--scope", "write")
		if code != 0 {
			t.Fatalf("apikey create = %d:\n%s", code, stderr)
		}
		if got := scopeOf(t, stdout); got != fieldportal.APIKeyWrite {
			t.Errorf("scope = %q, want write", got)
		}
		keys, err := db.FindAPIKeys(t.Context(), fieldportal.SystemViewer(org.ID, "test"))
		if err != nil || len(keys) != 2 || keys[0].Name != "Job system" {
			t.Errorf("keys = %+v, %v", keys, err)
		}
	})
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"no sub-command":      {[]string{"apikey"}, "fieldportal apikey create --org"},
		"an unknown one":      {[]string{"apikey", "delete"}, "fieldportal apikey create --org"},
		"no name":             {[]string{"apikey", "create", "--org", "Acme Fire"}, `invalid --name "": is required`},
		"an unknown scope":    {[]string{"apikey", "create", "--name", "X", "--scope", "admin"}, `invalid --scope "admin": must be read or write`},
		"an unknown org":      {[]string{"apikey", "create", "--org", "nobody.test", "--name", "X"}, `No organisation has the id, host or name "nobody.test"`},
		"a name of 101 chars": {[]string{"apikey", "create", "--name", strings.Repeat("x", 101)}, "at most 100 characters"},
	} {
		t.Run(name, func(t *testing.T) {
			code, stdout, stderr := runSync(t, env, tc.args...)
			if code != 2 || stdout != "" || !strings.Contains(stderr, tc.want) {
				t.Errorf("= %d, stdout %q, stderr %q; want 2 and %q", code, stdout, stderr, tc.want)
			}
		})
	}
}

// demoAPIKey finds the key `fieldportal demo` prints on a line of its own.
var demoAPIKey = regexp.MustCompile(`(?m)^API key: (fpk_\S+)$`)

// demoKeyWorks fails the test unless the demo's output holds a write key
// that the demo's API accepts.
func demoKeyWorks(t *testing.T, out, url string) {
	t.Helper()
	m := demoAPIKey.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no API key line:\n%s", out)
	}
	req, _ := http.NewRequest("GET", url+"/api/v1/", nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /api/v1/ with the demo's key = %d", res.StatusCode)
	}
	// A write key: a POST gets past the scope guard (to the router's 404
	// or 405), where a read key's would be a 403.
	req, _ = http.NewRequest("POST", url+"/api/v1/", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+m[1])
	if res, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusForbidden || res.StatusCode == http.StatusUnauthorized {
		t.Errorf("POST with the demo's key = %d, want it past the guards", res.StatusCode)
	}
}
