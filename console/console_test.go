package console

import "testing"

func TestConsoleNext(t *testing.T) {
	for _, tc := range []struct {
		next string
		ok   bool
	}{
		{"/console/contacts", true},
		{"/console", true},
		{"/console/../sites", false},
		{"/console/../\\evil.example", false},
		{"/consolex", false},
		{"/sites", false},
	} {
		t.Run(tc.next, func(t *testing.T) {
			if got := consoleNext(tc.next); got != tc.ok {
				t.Errorf("consoleNext(%q) = %v", tc.next, got)
			}
		})
	}
}
