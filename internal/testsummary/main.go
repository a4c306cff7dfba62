// Command testsummary turns the event stream of `go test -json` into a short,
// readable report. scripts/test pipes the test run through it.
//
// While events arrive it prints:
//   - build output (compiler and vet errors) and any line that is not JSON
//     (for example "go: downloading ..." from stderr), as is;
//   - each failing test, with its own output, as soon as it fails;
//   - one "ok"/"FAIL" line per package with tests when the package ends.
//
// At the end it prints a summary:
//   - one line per package with tests: passed, failed and skipped counts;
//   - "engine sqlite: ..." and "engine postgres: ...": the tests that ran on each
//     database engine, i.e. whose name has a path element that is exactly
//     "sqlite" or "postgres" (TestSites/sqlite/create, TestAccessMatrix/postgres);
//   - last, on a line of its own: "N passed, N failed" plus ", N skipped" and
//     ", N packages failed" when not zero.
//
// What is counted: leaf tests, i.e. tests without subtests. TestSites with two
// engines of three cases each counts as 6, not 9. A parent test that fails
// while all its subtests pass (t.Error after t.Run, a failing Cleanup) counts
// as one failure itself. Tests still running when their package died (panic,
// timeout) count as failed. A package that fails with no failing test (build
// error, TestMain exit, race found at exit) counts as a failed package.
//
// It exits with status 1 if any test or package failed, if the build failed,
// or if no test passed at all; 0 otherwise.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
)

// engines are the path elements that mark a test as running on one database.
var engines = []string{"sqlite", "postgres"}

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action      string
	Package     string
	Test        string
	Elapsed     float64
	Output      string
	FailedBuild string // set on a package's fail event when its build failed
	ImportPath  string // set on build-output and build-fail events
}

type test struct {
	name        string
	output      strings.Builder
	result      string // "pass", "fail", "skip"; "" while running
	elapsed     float64
	hasChildren bool
	childFailed bool // a subtest (at any depth) failed
	unfinished  bool // still running when its package ended
}

type pkg struct {
	name    string
	tests   map[string]*test
	order   []string // test names in the order they started
	output  strings.Builder
	result  string // "pass", "fail", "skip"; "" while running
	elapsed float64
	build   bool // the build failed

	passed, failed, skipped int // counted tests, filled in when the package ends
}

type count struct{ passed, failed, skipped int }

func (c count) String() string {
	s := fmt.Sprintf("%d passed, %d failed", c.passed, c.failed)
	if c.skipped > 0 {
		s += fmt.Sprintf(", %d skipped", c.skipped)
	}
	return s
}

type summariser struct {
	out         io.Writer
	pkgs        map[string]*pkg
	order       []string // package names in the order they started
	buildFailed bool     // a build-fail event was seen
	total       count
	engine      map[string]*count
}

func newSummariser(out io.Writer) *summariser {
	s := &summariser{out: out, pkgs: map[string]*pkg{}, engine: map[string]*count{}}
	for _, e := range engines {
		s.engine[e] = &count{}
	}
	return s
}

func (s *summariser) pkg(name string) *pkg {
	p := s.pkgs[name]
	if p == nil {
		p = &pkg{name: name, tests: map[string]*test{}}
		s.pkgs[name] = p
		s.order = append(s.order, name)
	}
	return p
}

func (p *pkg) test(name string) *test {
	t := p.tests[name]
	if t == nil {
		t = &test{name: name}
		p.tests[name] = t
		p.order = append(p.order, name)
		// Mark the nearest known ancestor. A subtest name may itself contain
		// "/", so walk up until a test that exists is found.
		for a := parentName(name); a != ""; a = parentName(a) {
			if pt := p.tests[a]; pt != nil {
				pt.hasChildren = true
				break
			}
		}
	}
	return t
}

func parentName(name string) string {
	if i := strings.LastIndexByte(name, '/'); i >= 0 {
		return name[:i]
	}
	return ""
}

// line handles one line of input.
func (s *summariser) line(b []byte) {
	var e event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &e) != nil || e.Action == "" {
		// Not an event: stderr of go itself, or a test binary writing to
		// the terminal directly. Show it.
		fmt.Fprintf(s.out, "%s\n", b)
		return
	}
	switch e.Action {
	case "build-output":
		fmt.Fprint(s.out, e.Output)
		return
	case "build-fail":
		s.buildFailed = true
		return
	}
	if e.Package == "" {
		return
	}
	p := s.pkg(e.Package)
	if e.Test == "" {
		switch e.Action {
		case "output":
			p.output.WriteString(e.Output)
		case "pass", "fail", "skip":
			p.result, p.elapsed, p.build = e.Action, e.Elapsed, e.FailedBuild != ""
			s.endPackage(p)
		}
		return
	}
	t := p.test(e.Test)
	switch e.Action {
	case "output":
		t.output.WriteString(e.Output)
	case "pass", "skip", "fail":
		t.result, t.elapsed = e.Action, e.Elapsed
		if e.Action == "fail" {
			for a := parentName(t.name); a != ""; a = parentName(a) {
				if pt := p.tests[a]; pt != nil {
					pt.childFailed = true
				}
			}
			s.printFailure(p, t, "")
		} else {
			t.output.Reset() // passing output is not shown; free it
		}
	}
}

// printFailure shows a failed test and what it printed. A parent whose only
// failure is its subtests' (already shown) and that printed nothing itself is
// not shown again.
func (s *summariser) printFailure(p *pkg, t *test, note string) {
	if note == "" {
		note = fmt.Sprintf("%.2fs", t.elapsed)
	}
	body := ownOutput(t)
	if t.childFailed && strings.TrimSpace(body) == "" {
		return
	}
	fmt.Fprintf(s.out, "\n--- FAIL: %s (%s, %s)\n%s", t.name, p.name, note, body)
	if body != "" && !strings.HasSuffix(body, "\n") {
		fmt.Fprintln(s.out)
	}
}

// ownOutput is what the test printed, minus the framing lines of the testing
// package (=== RUN and friends, and its own --- PASS/FAIL line), which the
// header already says.
func ownOutput(t *test) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(t.output.String(), "\n") {
		if l == "" || isFraming(strings.TrimSpace(l), t.name) {
			continue
		}
		b.WriteString(l)
	}
	return b.String()
}

func isFraming(x, name string) bool {
	for _, p := range []string{"=== RUN", "=== PAUSE", "=== CONT", "=== NAME"} {
		if strings.HasPrefix(x, p) {
			return true
		}
	}
	for _, p := range []string{"--- PASS: ", "--- FAIL: ", "--- SKIP: "} {
		if strings.HasPrefix(x, p+name+" (") {
			return true
		}
	}
	return false
}

// endPackage counts a finished package's tests and prints its result line.
func (s *summariser) endPackage(p *pkg) {
	if p.result == "fail" {
		// Tests with no result were running when the test binary died
		// (panic, timeout, os.Exit): they failed, and their output (often
		// the panic) is shown now.
		for _, name := range p.order {
			t := p.tests[name]
			if t.result == "" {
				t.result, t.unfinished = "fail", true
				for a := parentName(name); a != ""; a = parentName(a) {
					if pt := p.tests[a]; pt != nil {
						pt.childFailed = true
					}
				}
			}
		}
		for _, name := range p.order {
			if t := p.tests[name]; t.unfinished {
				s.printFailure(p, t, "did not finish")
			}
		}
	}
	for _, name := range p.order {
		t := p.tests[name]
		var c *count
		switch {
		case !t.hasChildren:
			c = &count{}
			switch t.result {
			case "pass":
				c.passed = 1
			case "fail":
				c.failed = 1
			case "skip":
				c.skipped = 1
			}
		case t.result == "fail" && !t.childFailed:
			c = &count{failed: 1} // the parent failed by itself
		default:
			continue
		}
		p.passed += c.passed
		p.failed += c.failed
		p.skipped += c.skipped
		for _, e := range engineOf(name) {
			s.engine[e].passed += c.passed
			s.engine[e].failed += c.failed
			s.engine[e].skipped += c.skipped
		}
	}
	s.total.passed += p.passed
	s.total.failed += p.failed
	s.total.skipped += p.skipped

	switch {
	case p.result == "fail" && p.build:
		fmt.Fprintf(s.out, "FAIL %s [build failed]\n", p.name)
	case p.result == "fail":
		// Package-level output holds what no test owns: TestMain's output,
		// a panic outside a test, the race detector's report at exit.
		if out := packageOutput(p); out != "" {
			fmt.Fprintf(s.out, "\n--- FAIL: %s (package output)\n%s", p.name, out)
		}
		fmt.Fprintf(s.out, "FAIL %s (%s, %.1fs)\n", p.name, count{p.passed, p.failed, p.skipped}, p.elapsed)
	case len(p.tests) > 0:
		fmt.Fprintf(s.out, "ok   %s (%s, %.1fs)\n", p.name, count{p.passed, p.failed, p.skipped}, p.elapsed)
	}
}

// packageOutput is the package-level output minus go test's own result lines.
func packageOutput(p *pkg) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(p.output.String(), "\n") {
		x := strings.TrimSpace(l)
		if x == "" || x == "PASS" || x == "FAIL" ||
			strings.HasPrefix(x, "FAIL\t"+p.name) || strings.HasPrefix(x, "ok  \t"+p.name) ||
			strings.HasPrefix(x, "?   \t"+p.name) {
			continue
		}
		b.WriteString(l)
		if !strings.HasSuffix(l, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func engineOf(name string) []string {
	var es []string
	for _, el := range strings.Split(name, "/") {
		for _, e := range engines {
			if el == e {
				es = append(es, e)
			}
		}
	}
	return es
}

// finish prints the summary and returns the exit status.
func (s *summariser) finish() int {
	// A package that never ended: the stream was cut (go test killed).
	for _, name := range s.order {
		if p := s.pkgs[name]; p.result == "" {
			fmt.Fprintf(s.out, "\n--- FAIL: %s did not finish (stream ended)\n", name)
			p.result = "fail"
			s.endPackage(p)
		}
	}

	width := 0
	noTests := 0
	for _, name := range s.order {
		p := s.pkgs[name]
		if p.passed+p.failed+p.skipped == 0 && p.result != "fail" {
			noTests++
			continue
		}
		width = max(width, len(name))
	}
	fmt.Fprintln(s.out, "\n=== Summary")
	pkgsFailed := 0
	for _, name := range s.order {
		p := s.pkgs[name]
		if p.passed+p.failed+p.skipped == 0 && p.result != "fail" {
			continue
		}
		status := "ok  "
		detail := fmt.Sprintf("%s (%.1fs)", count{p.passed, p.failed, p.skipped}, p.elapsed)
		if p.result == "fail" {
			status = "FAIL"
			if p.failed == 0 {
				pkgsFailed++
				if p.build {
					detail = "build failed"
				} else {
					detail += ": failed outside any test, see its output above"
				}
			}
		}
		fmt.Fprintf(s.out, "%s %-*s  %s\n", status, width, name, detail)
	}
	if noTests > 0 {
		more := ""
		if width > 0 {
			more = "and "
		}
		fmt.Fprintf(s.out, "     %s%d %s with no test files, or no test matched\n", more, noTests, plural(noTests, "package"))
	}
	for _, e := range engines {
		fmt.Fprintf(s.out, "engine %s: %s\n", e, *s.engine[e])
	}
	if s.buildFailed && pkgsFailed == 0 {
		pkgsFailed = 1 // a build failed that no test package reported
	}
	if s.total.passed == 0 {
		fmt.Fprintln(s.out, "error: no test passed (did any run?)")
	}
	last := s.total.String()
	if pkgsFailed > 0 {
		last += fmt.Sprintf(", %d %s failed", pkgsFailed, plural(pkgsFailed, "package"))
	}
	fmt.Fprintln(s.out, last)

	if s.total.failed > 0 || pkgsFailed > 0 || s.buildFailed || s.total.passed == 0 {
		return 1
	}
	return 0
}

// run reads events from r until EOF, writes the report to w and returns the
// exit status.
func run(r io.Reader, w io.Writer) int {
	s := newSummariser(w)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 64*1024*1024) // test output lines can be long
	for sc.Scan() {
		s.line(sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(w, "testsummary: reading input: %v\n", err)
		s.finish()
		return 1
	}
	return s.finish()
}

func main() {
	// On Ctrl-C go test stops its tests and exits; keep reading so the
	// summary of what did run is still printed.
	signal.Ignore(os.Interrupt)
	os.Exit(run(os.Stdin, os.Stdout))
}
