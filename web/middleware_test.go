package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSecurityHeadersAreSetValues checks what securityHeaders relies on
// in writing the header map directly instead of calling Set: each key is
// in the canonical form Set would use (so a handler's Set or Del of it
// replaces it rather than adding a second header), each has one value,
// and a handler's Add to one of them leaves the others alone.
func TestSecurityHeadersAreSetValues(t *testing.T) {
	for _, hsts := range []bool{false, true} {
		k := &Kit{hsts: hsts}
		var seen http.Header
		h := k.securityHeaders(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("X-Frame-Options", "SAMEORIGIN")
			w.Header().Set("Content-Security-Policy", ContentSecurityPolicy+"; sandbox")
			seen = w.Header().Clone()
		}))
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
		want := http.Header{
			"Content-Security-Policy":    {ContentSecurityPolicy + "; sandbox"},
			"X-Content-Type-Options":     {"nosniff"},
			"Referrer-Policy":            {"same-origin"},
			"X-Frame-Options":            {"DENY", "SAMEORIGIN"},
			"Cross-Origin-Opener-Policy": {"same-origin"},
			"Permissions-Policy":         {"camera=(), microphone=(), geolocation=(), usb=()"},
		}
		if hsts {
			want["Strict-Transport-Security"] = []string{"max-age=31536000"}
		}
		if diff := cmp.Diff(want, seen); diff != "" {
			t.Errorf("hsts %v: headers (-want +got):\n%s", hsts, diff)
		}
		for key := range seen {
			if http.CanonicalHeaderKey(key) != key {
				t.Errorf("header %q is not in canonical form", key)
			}
		}
	}
}
