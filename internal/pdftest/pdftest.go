// Package pdftest reads printouts back for tests: their text as
// pdftotext -layout lays it out, their page count and their images, with
// poppler's tools. Outside CI a missing tool skips the test with a
// message; in CI, where scripts/test installs poppler-utils, it fails it.
package pdftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// NeedTools skips tb when poppler's tools are missing, except in CI.
func NeedTools(tb testing.TB) {
	tb.Helper()
	for _, tool := range []string{"pdftotext", "pdfinfo", "pdfimages"} {
		if _, err := exec.LookPath(tool); err != nil {
			if inCI() {
				tb.Fatalf("%s is missing (poppler-utils); scripts/test installs it", tool)
			}
			tb.Skipf("%s is missing: install poppler-utils (scripts/test does) to run the PDF text tests", tool)
		}
	}
}

// inCI reads CI as scripts/test does.
func inCI() bool {
	switch os.Getenv("CI") {
	case "true", "1", "yes":
		return true
	}
	return false
}

// mustRun runs one of poppler's tools on the PDF and returns its output.
func mustRun(tb testing.TB, data []byte, tool string, args ...string) string {
	tb.Helper()
	NeedTools(tb)
	path := filepath.Join(tb.TempDir(), "printout.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	args = append(args, path)
	if tool == "pdftotext" {
		args = append(args, "-")
	}
	out, err := exec.Command(tool, args...).Output()
	if err != nil {
		tb.Fatalf("%s: %v", tool, err)
	}
	return string(out)
}

// MustText is the PDF's text as pdftotext -layout lays it out, pages
// separated by form feeds, with trailing spaces cut so golden files stay
// tidy.
func MustText(tb testing.TB, data []byte) string {
	tb.Helper()
	lines := strings.Split(mustRun(tb, data, "pdftotext", "-layout", "-enc", "UTF-8"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// MustPages is the PDF's page count.
func MustPages(tb testing.TB, data []byte) int {
	tb.Helper()
	for l := range strings.Lines(mustRun(tb, data, "pdfinfo")) {
		if rest, ok := strings.CutPrefix(l, "Pages:"); ok {
			var n int
			if _, err := fmt.Sscan(rest, &n); err == nil {
				return n
			}
		}
	}
	tb.Fatal("pdfinfo: no page count")
	return 0
}

// MustImages counts the images drawn in the PDF.
func MustImages(tb testing.TB, data []byte) int {
	tb.Helper()
	lines := strings.Split(strings.TrimSpace(mustRun(tb, data, "pdfimages", "-list")), "\n")
	return len(lines) - 2 // a heading and a rule come first
}
