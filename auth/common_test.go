package auth_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"os"
	"sync"
	"testing"

	"github.com/fieldportal/fieldportal/auth"
)

// MustGzip compresses text or fails the test.
func MustGzip(tb testing.TB, text string) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write([]byte(text)); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestDefaultCommonListFile(t *testing.T) {
	f, err := os.Open("data/common-passwords.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for sc := bufio.NewScanner(zr); sc.Scan(); {
		if sc.Text() == "" {
			t.Errorf("empty line after line %d", lines)
		}
		lines++
	}
	if lines != 10000 {
		t.Errorf("data file has %d lines, want 10000", lines)
	}
}

func TestDefaultCommonListLen(t *testing.T) {
	l := auth.DefaultCommonList()
	if err := l.Load(); err != nil {
		t.Fatalf("Load: %v", err)
	}
	// A few of the 10,000 differ only in case ("Password", "PASSWORD").
	if n := l.Len(); n < 9800 || n > 10000 {
		t.Errorf("Len = %d, want about 10,000", n)
	}
}

func TestDefaultCommonListContains(t *testing.T) {
	tests := []struct {
		password string
		want     bool
	}{
		{"password", true},
		{"123456", true},
		{"qwerty123", true},
		{"Password1", true},
		{"Password123", true},
		{"PASSWORD1", true},
		{"iloveyou", true},
		{"trustno1", true},
		{"Welcome1", true},
		{"Plumbing-Van-42", false},
		{"correct horse battery staple", false},
		{"", false},
	}
	l := auth.DefaultCommonList()
	for _, tt := range tests {
		t.Run(caseName(tt.password), func(t *testing.T) {
			if got := l.Contains(tt.password); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
}

func TestCommonListCustom(t *testing.T) {
	l := auth.NewCommonList(MustGzip(t, "Alpha\n  beta  \n\nGAMMA\nalpha\n"))
	tests := []struct {
		password string
		want     bool
	}{
		{"alpha", true},
		{"ALPHA", true},
		{"Beta", true},
		{"gamma", true},
		{"delta", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(caseName(tt.password), func(t *testing.T) {
			if got := l.Contains(tt.password); got != tt.want {
				t.Errorf("Contains(%q) = %v, want %v", tt.password, got, tt.want)
			}
		})
	}
	if n := l.Len(); n != 3 {
		t.Errorf("Len = %d, want 3", n)
	}
}

func TestCommonListConcurrentFirstUse(t *testing.T) {
	l := auth.NewCommonList(MustGzip(t, "alpha\n"))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if !l.Contains("alpha") {
				t.Error("Contains(alpha) = false")
			}
		})
	}
	wg.Wait()
}

func TestCommonListCorrupt(t *testing.T) {
	l := auth.NewCommonList([]byte("not gzip"))
	if err := l.Load(); err == nil {
		t.Fatal("Load of corrupt data: no error")
	}
	defer func() {
		if recover() == nil {
			t.Error("Contains on a corrupt list did not panic")
		}
	}()
	l.Contains("x")
}

// caseName names a subtest after a password, which may be empty.
func caseName(password string) string {
	if password == "" {
		return "empty"
	}
	return password
}
