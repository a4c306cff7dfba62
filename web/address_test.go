package web

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientAddress(t *testing.T) {
	k := &Kit{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	for _, tc := range []struct {
		name, remote, xff, want string
	}{
		{"direct client", "203.0.113.5:4000", "", "203.0.113.5"},
		{"untrusted peer's header is ignored", "203.0.113.5:4000", "198.51.100.9", "203.0.113.5"},
		{"behind the proxy", "10.1.2.3:4000", "198.51.100.9", "198.51.100.9"},
		{"a client's forged hop before the real one", "10.1.2.3:4000", "1.2.3.4, 198.51.100.9", "198.51.100.9"},
		{"two proxies", "10.1.2.3:4000", "198.51.100.9, 10.9.9.9", "198.51.100.9"},
		{"garbage header keeps the proxy", "10.1.2.3:4000", "nonsense", "10.1.2.3"},
		{"IPv6 counts by /64", "[2001:db8:1:2:3:4:5:6]:4000", "", "2001:db8:1:2::/64"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := k.ClientAddress(r); got != tc.want {
				t.Errorf("clientAddress = %q, want %q", got, tc.want)
			}
		})
	}
}

// ClientIP keeps the address whole, IPv6 too, behind the same proxy rules:
// a quote's signature records the signer's address, not its /64.
func TestClientIP(t *testing.T) {
	k := &Kit{cfg: Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}
	for _, tc := range []struct{ remote, xff, want string }{
		{"[2001:db8:1:2:3:4:5:6]:4000", "", "2001:db8:1:2:3:4:5:6"},
		{"10.1.2.3:4000", "1.2.3.4, 2001:db8::9", "2001:db8::9"},
		{"203.0.113.5:4000", "198.51.100.9", "203.0.113.5"},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := k.ClientIP(r); got != tc.want {
			t.Errorf("ClientIP(%s, %q) = %q, want %q", tc.remote, tc.xff, got, tc.want)
		}
	}
}
