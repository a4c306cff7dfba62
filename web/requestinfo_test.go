package web

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The audit log's request information: the address as the throttles
// find it (a trusted proxy's X-Forwarded-For believed, no one else's),
// the user agent, and the door of the longest prefix named.
func TestRequestInfo(t *testing.T) {
	k := &Kit{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	k.DoorUnder("/", fieldportal.DoorPortal)
	k.DoorUnder("/console/", fieldportal.DoorConsole)
	k.DoorUnder("/api/v1/", fieldportal.DoorAPI)
	for _, tc := range []struct {
		name, path, remote, xff string
		want                    fieldportal.RequestInfo
	}{
		{"portal, direct", "/quotes", "203.0.113.5:4000", "", fieldportal.RequestInfo{Addr: "203.0.113.5", UserAgent: "UA", Door: fieldportal.DoorPortal}},
		{"console behind the proxy", "/console/audit", "10.1.2.3:4000", "198.51.100.9", fieldportal.RequestInfo{Addr: "198.51.100.9", UserAgent: "UA", Door: fieldportal.DoorConsole}},
		{"the console's own page", "/console", "10.1.2.3:4000", "", fieldportal.RequestInfo{Addr: "10.1.2.3", UserAgent: "UA", Door: fieldportal.DoorConsole}},
		{"a forged header from an untrusted peer", "/api/v1/sites", "203.0.113.5:4000", "198.51.100.9", fieldportal.RequestInfo{Addr: "203.0.113.5", UserAgent: "UA", Door: fieldportal.DoorAPI}},
		{"a path that only starts like the console", "/consoles", "203.0.113.5:4000", "", fieldportal.RequestInfo{Addr: "203.0.113.5", UserAgent: "UA", Door: fieldportal.DoorPortal}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got fieldportal.RequestInfo
			h := k.requestInfo(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = fieldportal.RequestInfoFrom(r.Context()) }))
			r := httptest.NewRequest("GET", tc.path, nil)
			r.RemoteAddr = tc.remote
			r.Header.Set("User-Agent", "UA")
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
