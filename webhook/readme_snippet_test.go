package webhook_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/webhook"
)

func verify(secret, header string, body []byte) bool {
	var t, sig string
	for _, kv := range strings.Split(header, ",") {
		switch k, v, _ := strings.Cut(kv, "="); k {
		case "t":
			t = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || time.Since(time.Unix(sec, 0)).Abs() > 5*time.Minute {
		return false // refuse an old delivery replayed by whoever caught it
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(t + "." + string(body)))
	return hmac.Equal([]byte(sig), []byte(hex.EncodeToString(mac.Sum(nil))))
}

// The README's receiver snippet (verify above, copied from the README
// by hand) agrees with Sign.
func TestReadmeSnippet(t *testing.T) {
	body := []byte(`{"id":"e"}`)
	if !verify("s", webhook.Sign("s", time.Now(), body), body) || verify("s", webhook.Sign("x", time.Now(), body), body) {
		t.Fatal("the README's verify disagrees with Sign")
	}
}
