package webhook_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/webhook"
)

// The guard is on the resolved address: "localhost" passes no check of
// the text here, and is refused at the socket, as a public-looking name
// that an attacker's DNS points at the loopback (rebinding) would be.
func TestGuard(t *testing.T) {
	r := MustReceiver(t, nil, 0)
	_, port, _ := net.SplitHostPort(r.Listener.Addr().String())
	ctx := context.Background()
	t.Run("a name resolving to loopback is refused at the socket", func(t *testing.T) {
		_, err := webhook.Dialer(fieldportal.WebhookURLPolicy{}, time.Second).DialContext(ctx, "tcp", "localhost:"+port)
		if err == nil || !strings.Contains(err.Error(), "not a public address") {
			t.Fatalf("dial localhost = %v, want refused as not public", err)
		}
	})
	t.Run("the setting lets it through", func(t *testing.T) {
		c, err := webhook.Dialer(testPolicy, time.Second).DialContext(ctx, "tcp", "localhost:"+port)
		if err != nil {
			t.Fatalf("dial localhost with private addresses allowed: %v", err)
		}
		c.Close()
	})
	t.Run("a bad port is refused at the socket, whatever the setting", func(t *testing.T) {
		_, err := webhook.Dialer(testPolicy, time.Second).DialContext(ctx, "tcp", "127.0.0.1:25")
		if err == nil || !strings.Contains(err.Error(), "port 25") {
			t.Fatalf("dial port 25 = %v, want refused for its port", err)
		}
	})
	t.Run("the sender refuses a private URL by default", func(t *testing.T) {
		res, err := webhook.NewHTTPSender(fieldportal.WebhookURLPolicy{AllowHTTP: true}).Post(ctx, r.URL, []byte("{}"), "t=1,v1=00")
		if err == nil || len(r.Got()) != 0 {
			t.Fatalf("Post to %s = %+v, %v; want refused, nothing received", r.URL, res, err)
		}
	})
	t.Run("the sender follows no redirect", func(t *testing.T) {
		to := MustReceiver(t, nil, 0)
		from := httptest.NewServer(http.RedirectHandler(to.URL, http.StatusTemporaryRedirect))
		defer from.Close()
		res, err := webhook.NewHTTPSender(testPolicy).Post(ctx, from.URL, []byte("{}"), "t=1,v1=00")
		if err != nil || res.StatusCode != http.StatusTemporaryRedirect || len(to.Got()) != 0 {
			t.Fatalf("Post = %+v, %v, target got %d; want the 307 itself, not followed", res, err, len(to.Got()))
		}
	})
}
