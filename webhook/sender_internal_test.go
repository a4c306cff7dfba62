package webhook

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// A refused connection's error is the attempt's, shown in the console's
// delivery log: it must not say the address a name resolved to, or an
// admin could map the server's internal DNS (db.internal is 10.1.2.3)
// by saving names and reading the log.
func TestSenderHidesRefusedAddress(t *testing.T) {
	policy := fieldportal.WebhookURLPolicy{AllowHTTP: true}
	s := NewHTTPSender(policy)
	// Resolve every name to the loopback, as an internal DNS name would
	// resolve to a private address.
	s.client.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return Dialer(policy, time.Second).DialContext(ctx, network, "127.0.0.1:"+port)
	}
	_, err := s.Post(context.Background(), "http://db.internal.example.com:8080/x", []byte("{}"), "t=1,v1=00")
	if err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("Post = %v, want refused as not public", err)
	}
	if strings.Contains(err.Error(), "127.0.0.1") {
		t.Errorf("Post's error %q names the address the name resolved to", err)
	}
}
