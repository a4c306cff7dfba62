package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Idempotency-Key on POST (SPEC §6): a back office that lost the answer
// to a POST sends it again with the same key and gets the first answer,
// marked Idempotent-Replayed, instead of a second record. The middleware
// wraps the whole router, so every POST route gets it, those added later
// too; the records are kept by the key service, per API key, for a day.

// maxIdempotentBody bounds the body of a POST with an Idempotency-Key:
// it is read whole to be hashed before the handler runs.
const maxIdempotentBody = 32 << 20

// replayedHeaders are the response headers kept to be replayed.
var replayedHeaders = []string{"Content-Type", "Location", "ETag", "Last-Modified"}

// idempotent applies the Idempotency-Key of a POST: the first request
// runs and its response is kept; the same request again gets that
// response replayed; another request with the key is a 422 problem; the
// same request while the first still runs, a 409 problem. A response
// worth retrying (5xx, 429) is not kept.
func (a *API) idempotent(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		values, sent := r.Header[http.CanonicalHeaderKey("Idempotency-Key")]
		if r.Method != http.MethodPost || !sent {
			next.ServeHTTP(w, r)
			return
		}
		key, err := idempotencyKey(values)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxIdempotentBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				err = fieldportal.FieldErrorf("Idempotency-Key", "A request with an Idempotency-Key may have a body of at most 32 MB.")
			}
			a.problem(w, r, err)
			return
		}
		v, _ := web.ViewerFromContext(r.Context())
		hash := requestHash(r, body)
		stored, err := a.svc.Keys.BeginIdempotent(r.Context(), v, key, hash)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		if stored != nil {
			replay(w, stored)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := &recorder{ResponseWriter: w}
		finished := false
		defer func() {
			// A panic (or anything that skips the end) releases the key,
			// so the retry runs rather than waiting for the claim to age.
			if !finished {
				a.finishIdempotent(r, v, key, hash, nil)
			}
		}()
		next.ServeHTTP(rec, r)
		finished = true
		a.finishIdempotent(r, v, key, hash, rec.response())
	})
}

// finishIdempotent keeps res (nil: releases the key). The response has
// gone already, so a failure is only logged: the claim then ages out.
// It runs even when the client has hung up (the request's context is
// then cancelled): that client is the one that will retry.
func (a *API) finishIdempotent(r *http.Request, v fieldportal.Viewer, key, hash string, res *fieldportal.IdempotentResponse) {
	if err := a.svc.Keys.FinishIdempotent(context.WithoutCancel(r.Context()), v, key, hash, res); err != nil {
		a.log.ErrorContext(r.Context(), "keep the response of an Idempotency-Key", "err", err)
	}
}

// idempotencyKey checks the header: one value of 1 to 255 printable
// ASCII characters.
func idempotencyKey(values []string) (string, error) {
	if len(values) != 1 {
		return "", fieldportal.FieldErrorf("Idempotency-Key", "Send one Idempotency-Key header.")
	}
	key := values[0]
	if len(key) < 1 || len(key) > 255 {
		return "", fieldportal.FieldErrorf("Idempotency-Key", "Idempotency-Key must be 1 to 255 characters long.")
	}
	for i := range len(key) {
		if c := key[i]; c < 0x20 || c > 0x7e {
			return "", fieldportal.FieldErrorf("Idempotency-Key", "Idempotency-Key must be printable ASCII characters only.")
		}
	}
	return key, nil
}

// requestHash identifies a request: its method, path and query, and body.
func requestHash(r *http.Request, body []byte) string {
	h := sha256.New()
	io.WriteString(h, r.Method+"\n"+r.URL.EscapedPath()+"?"+r.URL.RawQuery+"\n")
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// replay writes a kept response.
func replay(w http.ResponseWriter, res *fieldportal.IdempotentResponse) {
	h := w.Header()
	for k, v := range res.Header {
		h.Set(k, v)
	}
	h.Set("Idempotent-Replayed", "true")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(res.Status)
	w.Write(res.Body)
}

// recorder passes a response through while keeping a copy of it.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (rec *recorder) WriteHeader(status int) {
	if rec.status == 0 {
		rec.status = status
	}
	rec.ResponseWriter.WriteHeader(status)
}

func (rec *recorder) Write(b []byte) (int, error) {
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	rec.body.Write(b)
	return rec.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (rec *recorder) Unwrap() http.ResponseWriter { return rec.ResponseWriter }

// response is what to keep of the response: nil for one worth retrying.
func (rec *recorder) response() *fieldportal.IdempotentResponse {
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	if status >= 500 || status == http.StatusTooManyRequests {
		return nil
	}
	res := &fieldportal.IdempotentResponse{Status: status, Body: rec.body.Bytes(), Header: map[string]string{}}
	for _, k := range replayedHeaders {
		if v := rec.Header().Get(k); v != "" {
			res.Header[k] = v
		}
	}
	return res
}
