package webhook_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/webhook"
)

func TestSignAndVerify(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	body := []byte(`{"id":"e1","type":"issue.created"}`)
	sig := webhook.Sign("whsec_abc", at, body)
	if !regexp.MustCompile(`^t=1772442000,v1=[0-9a-f]{64}$`).MatchString(sig) {
		t.Fatalf("Sign = %q, want t=<unix>,v1=<64 hex digits>", sig)
	}
	cases := []struct {
		name   string
		secret string
		header string
		body   []byte
		now    time.Time
		want   error
	}{
		{"good", "whsec_abc", sig, body, at.Add(time.Minute), nil},
		{"another secret", "whsec_xyz", sig, body, at, webhook.ErrBadSignature},
		{"body changed", "whsec_abc", sig, append([]byte(nil), append(body, ' ')...), at, webhook.ErrBadSignature},
		{"time changed", "whsec_abc", strings.Replace(sig, "t=1772442000", "t=1772442001", 1), body, at, webhook.ErrBadSignature},
		{"too old", "whsec_abc", sig, body, at.Add(10 * time.Minute), webhook.ErrTooOld},
		{"no signature", "whsec_abc", "", body, at, webhook.ErrNoSignature},
		{"second v1 matches", "whsec_abc", "t=1772442000,v1=00," + strings.SplitN(sig, ",", 2)[1], body, at, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if err := webhook.Verify(c.secret, c.header, c.body, c.now, 5*time.Minute); !errors.Is(err, c.want) {
				t.Errorf("Verify = %v, want %v", err, c.want)
			}
		})
	}
}

// The known answer: the MAC is over "<t>.<body>", so a receiver's own few
// lines (the README's) agree with Sign.
func TestSignKnownAnswer(t *testing.T) {
	got := webhook.Sign("secret", time.Unix(1700000000, 0), []byte("{}"))
	// python3 -c 'import hmac,hashlib;print(hmac.new(b"secret",b"1700000000.{}",hashlib.sha256).hexdigest())'
	want := "t=1700000000,v1=b8569b78799ff9e3cbff0fc2d63a33a2b57f3282abd07c37ae5e8e7d79a5f163"
	if got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

// The back-off doubles from 30 s to an hour, each wait drawn from the
// upper half of its step, so that one outage's retries spread out.
func TestBackoff(t *testing.T) {
	step := 30 * time.Second
	for attempts := 1; attempts <= 12; attempts++ {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := webhook.Backoff(attempts)
			if d < step/2 || d > step {
				t.Fatalf("Backoff(%d) = %v, want within [%v, %v]", attempts, d, step/2, step)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("Backoff(%d) always %v: no jitter", attempts, seen)
		}
		step = min(2*step, time.Hour)
	}
}
