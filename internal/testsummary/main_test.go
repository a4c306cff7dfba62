package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The testdata streams were captured from `go test -count=1 -json` (Go 1.26)
// on throwaway modules:
//   - pass.jsonl: subtests on sqlite and postgres, a skip, a package without
//     tests, and a stray non-JSON line from go itself;
//   - fail.jsonl: a failing subtest, a parent failing after its subtests passed,
//     a build error, a panic, a TestMain exiting 1, a data race (-race) and a
//     timeout (-timeout 2s) that leaves tests unfinished;
//   - none.jsonl: -run matched nothing.

func summarise(t *testing.T, file string) (out string, code int) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	code = run(f, &b)
	return b.String(), code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func mustContain(t *testing.T, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q; output:\n%s", w, out)
		}
	}
}

func mustNotContain(t *testing.T, out string, bads ...string) {
	t.Helper()
	for _, b := range bads {
		if strings.Contains(out, b) {
			t.Errorf("output has %q; output:\n%s", b, out)
		}
	}
}

func TestPassingRun(t *testing.T) {
	out, code := summarise(t, "pass.jsonl")
	if code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if got, want := lastLine(out), "7 passed, 0 failed, 1 skipped"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	mustContain(t, out,
		"go: downloading example.com/fake v1.0.0\n", // stray line shown as is
		"ok   example.com/pass/store  6 passed, 0 failed, 1 skipped",
		"ok   example.com/pass/web    1 passed, 0 failed",
		"and 1 package with no test files",
		"engine sqlite: 3 passed, 0 failed\n",
		"engine postgres: 3 passed, 0 failed\n",
	)
	mustNotContain(t, out, "FAIL", "=== RUN", "create on sqlite")
}

func TestFailingRun(t *testing.T) {
	out, code := summarise(t, "fail.jsonl")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	// Counted tests: a: 5 passed (sqlite/create, sqlite/list, postgres/create,
	// TestPlain, TestParentFailsItself/child), 2 failed (postgres/list and
	// the parent failing by itself), 2 skipped; b: 2 passed; e: 1 failed;
	// f: 1 passed, 1 unfinished; h: 1 failed.
	// Packages failed with no failing test: c (build) and g (TestMain).
	if got, want := lastLine(out), "8 passed, 5 failed, 2 skipped, 2 packages failed"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	mustContain(t, out,
		// build output
		"# example.com/tsmod/c [example.com/tsmod/c.test]\n",
		`c/c_test.go:5:45: cannot use "no" (untyped string constant) as int value`,
		// a failing subtest, with its output
		"--- FAIL: TestSites/postgres/list (example.com/tsmod/a, 0.00s)\n    a_test.go:14: list failed on postgres\n",
		// a parent failing by itself
		"--- FAIL: TestParentFailsItself (example.com/tsmod/a, 0.00s)\n    a_test.go:26: parent error after children\n",
		// a panic, owned by the parent test
		"panic: assignment to entry in nil map",
		// TestMain's output, owned by no test
		"--- FAIL: example.com/tsmod/g (package output)\nsetup failed: cannot reach database\n",
		// the race detector
		"WARNING: DATA RACE",
		// a timeout: the running test is reported with the panic
		"--- FAIL: TestSlow/sqlite (example.com/tsmod/f, did not finish)\n    f_test.go:10: about to hang\npanic: test timed out after 2s\n",
		// the summary
		"FAIL example.com/tsmod/a  5 passed, 2 failed, 2 skipped",
		"ok   example.com/tsmod/b  2 passed, 0 failed",
		"FAIL example.com/tsmod/c  build failed",
		"FAIL example.com/tsmod/g  0 passed, 0 failed (0.0s): failed outside any test",
		"FAIL example.com/tsmod/f  1 passed, 1 failed",
		"engine sqlite: 3 passed, 1 failed, 1 skipped\n",
		"engine postgres: 1 passed, 2 failed, 1 skipped\n",
	)
	mustNotContain(t, out,
		"=== RUN",
		"--- FAIL: TestSites (",          // failed only through its subtests: not repeated
		"--- FAIL: TestSites/postgres (", // same
		"a_test.go:11: creating",         // output of passing tests is not shown
		"stdout from plain",
	)
}

func TestNoTestRan(t *testing.T) {
	out, code := summarise(t, "none.jsonl")
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if got, want := lastLine(out), "0 passed, 0 failed"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	mustContain(t, out, "error: no test passed")
}

func TestStreams(t *testing.T) {
	for _, tc := range []struct {
		name     string
		in       string
		code     int
		last     string
		contains []string
	}{
		{
			name: "empty input",
			in:   "",
			code: 1,
			last: "0 passed, 0 failed",
		},
		{
			name: "stream cut while a package runs",
			in: `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"run","Package":"p","Test":"TestB"}
{"Action":"output","Package":"p","Test":"TestB","Output":"working\n"}
`,
			code:     1,
			last:     "1 passed, 1 failed",
			contains: []string{"p did not finish", "--- FAIL: TestB (p, did not finish)\nworking\n"},
		},
		{
			name: "build failure of a dependency reported only as build-fail",
			in: `{"ImportPath":"p/dep","Action":"build-output","Output":"dep.go:1:1: oops\n"}
{"ImportPath":"p/dep","Action":"build-fail"}
{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p"}
`,
			code:     1,
			last:     "1 passed, 0 failed, 1 package failed",
			contains: []string{"dep.go:1:1: oops\n"},
		},
		{
			name: "subtest name containing a slash, engine counting",
			in: `{"Action":"start","Package":"p"}
{"Action":"run","Package":"p","Test":"TestM"}
{"Action":"run","Package":"p","Test":"TestM/postgres/a/b"}
{"Action":"pass","Package":"p","Test":"TestM/postgres/a/b"}
{"Action":"run","Package":"p","Test":"TestM/sqlite#01"}
{"Action":"pass","Package":"p","Test":"TestM/sqlite#01"}
{"Action":"run","Package":"p","Test":"TestM/postgresql"}
{"Action":"pass","Package":"p","Test":"TestM/postgresql"}
{"Action":"pass","Package":"p","Test":"TestM"}
{"Action":"pass","Package":"p"}
`,
			code:     0,
			last:     "3 passed, 0 failed",
			contains: []string{"engine sqlite: 0 passed, 0 failed\n", "engine postgres: 1 passed, 0 failed\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			code := run(strings.NewReader(tc.in), &b)
			out := b.String()
			if code != tc.code {
				t.Errorf("exit status %d, want %d; output:\n%s", code, tc.code, out)
			}
			if got := lastLine(out); got != tc.last {
				t.Errorf("last line %q, want %q", got, tc.last)
			}
			mustContain(t, out, tc.contains...)
		})
	}
}

func TestEngineOf(t *testing.T) {
	for name, want := range map[string][]string{
		"TestSites/sqlite/create":         {"sqlite"},
		"TestAccessMatrix/postgres/admin": {"postgres"},
		"TestX/postgres":                  {"postgres"},
		"TestSqlite":                      nil,
		"TestX/sqlite_only":               nil,
		"TestX/mysql/a":                   nil,
	} {
		if got := engineOf(name); !slices.Equal(got, want) {
			t.Errorf("engineOf(%q) = %v, want %v", name, got, want)
		}
	}
}
