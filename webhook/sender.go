package webhook

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Result is a receiver's answer: its status and the start of its body.
type Result struct {
	StatusCode int
	// Body is the answer's first kilobyte, as text.
	Body string
}

// Sender POSTs a signed event body to a URL. It must return by ctx's
// deadline, as the worker's claim lasts only so long.
type Sender interface {
	Post(ctx context.Context, url string, body []byte, signature string) (Result, error)
}

// HTTPSender posts over HTTP(S), connecting only where its policy allows.
type HTTPSender struct {
	policy fieldportal.WebhookURLPolicy
	client *http.Client
}

// NewHTTPSender returns a sender that checks each URL against policy and
// each connection's resolved address too (Dialer). It goes through no
// proxy, which would connect on its behalf unchecked, and follows no
// redirect, which could lead anywhere: a 3xx is a failed attempt.
func NewHTTPSender(policy fieldportal.WebhookURLPolicy) *HTTPSender {
	dialer := Dialer(policy, 10*time.Second)
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: DefaultTimeout,
	}
	return &HTTPSender{policy: policy, client: &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// Post sends one delivery.
func (s *HTTPSender) Post(ctx context.Context, url string, body []byte, signature string) (Result, error) {
	// The URL was checked when saved, but the settings may have changed
	// since.
	if err := s.policy.CheckURL(url); err != nil {
		return Result{}, errors.New(fieldportal.ErrorMessage(err))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "fieldportal-webhooks/1")
	req.Header.Set(SignatureHeader, signature)
	res, err := s.client.Do(req)
	if errors.Is(err, errNotPublic) {
		// Said alone: the wrapping errors name the resolved address.
		return Result{}, errNotPublic
	} else if err != nil {
		return Result{}, err
	}
	defer res.Body.Close()
	excerpt, _ := io.ReadAll(io.LimitReader(res.Body, fieldportal.WebhookAttemptResponseMax))
	// Read a little more so the connection can be reused; a receiver
	// answering at length is not waited for.
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	return Result{StatusCode: res.StatusCode, Body: strings.ToValidUTF8(string(excerpt), "\uFFFD")}, nil
}
