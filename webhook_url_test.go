package fieldportal_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

func TestWebhookURLPolicy(t *testing.T) {
	strict := fieldportal.WebhookURLPolicy{}
	open := fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true}
	cases := []struct {
		name   string
		policy fieldportal.WebhookURLPolicy
		url    string
		want   string // "" for allowed, else a word of the message
	}{
		{"https to a public name", strict, "https://hooks.example.com/fieldportal", ""},
		{"https to a public address", strict, "https://93.184.216.34/hook", ""},
		{"not a URL", strict, "hooks dot example", "full web address"},
		{"no scheme", strict, "hooks.example.com/x", "full web address"},
		{"empty", strict, "", "full web address"},
		{"ftp", strict, "ftp://hooks.example.com/x", "https://"},
		{"http without the setting", strict, "http://hooks.example.com/x", "plain http"},
		{"http with the setting", fieldportal.WebhookURLPolicy{AllowHTTP: true}, "http://hooks.example.com/x", ""},
		{"loopback", strict, "https://127.0.0.1/x", "loopback"},
		{"loopback v6", strict, "https://[::1]/x", "loopback"},
		{"mapped loopback", strict, "https://[::ffff:127.0.0.1]/x", "loopback"},
		{"private 10/8", strict, "https://10.1.2.3/x", "private"},
		{"private 192.168", strict, "https://192.168.0.10:8443/x", "private"},
		{"link-local metadata", strict, "https://169.254.169.254/latest/meta-data", "link-local"},
		{"unspecified", strict, "https://0.0.0.0/x", "loopback"},
		{"multicast", strict, "https://224.0.0.1/x", "multicast"},
		{"unique local v6", strict, "https://[fd00::1]/x", "private"},
		{"carrier NAT", strict, "https://100.64.0.1/x", "private"},
		{"localhost by name", strict, "https://localhost:8080/x", "public host"},
		{"single-label name", strict, "https://intranet/x", "public host"},
		{"credentials", strict, "https://user:pw@hooks.example.com/x", "user name"},
		{"loopback allowed by the setting", open, "http://127.0.0.1:9000/x", ""},
		// Browsers and C resolvers read these as 127.0.0.1; the dialer
		// refuses what they resolve to, the form says so at once.
		{"octal loopback", strict, "https://0177.0.0.1/x", "usual form"},
		{"short loopback", strict, "https://127.1/x", "usual form"},
		{"hex loopback", strict, "https://0x7f.0.0.1/x", "usual form"},
		{"decimal loopback", strict, "https://2130706433/x", "usual form"},
		{"decimal loopback with the setting", open, "http://2130706433/x", "usual form"},
		{"IPv4-compatible loopback", strict, "https://[::127.0.0.1]/x", "loopback"},
		{"6to4 of a private address", strict, "https://[2002:a00:1::1]/x", "loopback"},
		{"a name ending in digits is a name", strict, "https://hooks.example.com1/x", ""},
		// The fetch standard's bad ports: another protocol's server
		// reading the POST as its own commands.
		{"an SMTP port", strict, "https://mail.example.com:25/x", "port 25"},
		{"an SSH port with the setting", open, "http://127.0.0.1:22/x", "port 22"},
		{"port zero", strict, "https://hooks.example.com:0/x", "port 0"},
		{"a web port", strict, "https://hooks.example.com:8443/x", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.policy.CheckURL(c.url)
			if c.want == "" {
				if err != nil {
					t.Fatalf("CheckURL(%q) = %v, want allowed", c.url, err)
				}
				return
			}
			var e *fieldportal.Error
			if err == nil {
				t.Fatalf("CheckURL(%q) allowed, want refused (%s)", c.url, c.want)
			}
			if e, _ = err.(*fieldportal.Error); e == nil || e.Field != "url" || !strings.Contains(e.Message, c.want) {
				t.Errorf("CheckURL(%q) = %v, want a refusal of field url saying %q", c.url, err, c.want)
			}
		})
	}
}

func TestWebhookAllowsAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "2606:4700::1111": true, "127.0.0.2": false, "10.0.0.1": false, "172.16.5.4": false,
		"169.254.1.1": false, "fe80::1": false, "::": false, "ff02::1": false, "::ffff:10.0.0.1": false,
		// IPv6 forms that carry or reach an IPv4 address, and deprecated
		// ranges a network may still route inside: IPv4-compatible, SIIT,
		// local NAT64, 6to4, Teredo, site-local, discard.
		"::7f00:1": false, "::ffff:0:7f00:1": false, "64:ff9b:1::a00:1": false, "2002:7f00:1::1": false,
		"2001:0:4136:e378::1": false, "fec0::1": false, "100::1": false, "64:ff9b::a00:1": false,
	} {
		if got := (fieldportal.WebhookURLPolicy{}).AllowsAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("AllowsAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}
