// Package webhook delivers the portal's events to the back office's
// endpoints (SPEC §6). The store writes each event to the outbox in the
// transaction of the change that causes it, one message per listening
// endpoint; a Worker claims due messages with a lease, POSTs each signed
// with the endpoint's secret, records every attempt, retries with
// exponential back-off and jitter for a day, then gives up, and the store
// turns off an endpoint that failed every attempt for that whole day.
//
// Delivery is at least once: a crash between a POST and its record sends
// the event again after the lease, with the same event id, which is how a
// receiver tells a repeat. Two workers never hold one message at once, and
// every POST ends well inside the lease, so one event is never being
// delivered twice at the same time.
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// SignatureHeader carries a delivery's signature.
const SignatureHeader = "Fieldportal-Signature"

// Sign returns the signature header's value for body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<unix seconds>.<body>">".
// The time inside the signature lets a receiver refuse an old delivery
// replayed by whoever caught it.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret, ts string, body []byte) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(ts))
	h.Write([]byte("."))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Errors of Verify.
var (
	ErrBadSignature = errors.New("webhook: the signature does not match the body")
	ErrTooOld       = errors.New("webhook: the signature's time is outside the tolerance")
	ErrNoSignature  = errors.New("webhook: no t= and v1= in the signature header")
)

// Verify checks a delivery as a receiver does: header is the
// Fieldportal-Signature value, body the raw request body; the signature's
// time must be within tolerance of now (0: not checked). Any v1 value may
// match, so that a sender could sign with two secrets while one is
// replaced.
func Verify(secret, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs []string
	for part := range strings.SplitSeq(header, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sigs = append(sigs, v)
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || len(sigs) == 0 {
		return ErrNoSignature
	}
	if tolerance > 0 {
		if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
			return ErrTooOld
		}
	}
	want := mac(secret, ts, body)
	for _, s := range sigs {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}
