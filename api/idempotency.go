package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Idempotency-Key on POST (SPEC §6): a back office that lost the answer
// to a POST sends it again with the same key and gets the first answer,
// marked Idempotent-Replayed, instead of a second record. The middleware
// wraps the whole router, so every POST route gets it, those added later
// too; the records are kept by the key service, per API key, for a day.

// maxIdempotentBody bounds the body of a POST with an Idempotency-Key: it
// is read whole to be hashed before the handler runs, so it is bounded by
// the largest upload an organisation may allow and a margin for the
// multipart form around it; the handler applies the organisation's own.
const maxIdempotentBody = int64(fieldportal.MaxUploadMBLimit)<<20 + 1<<20

// idempotentInMemory is the largest body kept in memory; a larger one (an
// upload) is spooled to a temporary file while it is hashed.
const idempotentInMemory = 1 << 20

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
		body, hash, err := spoolBody(w, r, maxIdempotentBody)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				err = fieldportal.FieldErrorf("Idempotency-Key", "A request with an Idempotency-Key may have a body of at most %d MB.", maxIdempotentBody>>20)
			}
			a.problem(w, r, err)
			return
		}
		defer body.Close()
		v, _ := web.ViewerFromContext(r.Context())
		stored, err := a.svc.Keys.BeginIdempotent(r.Context(), v, key, hash)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		if stored != nil {
			replay(w, stored)
			return
		}
		r.Body = io.NopCloser(body)
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

// finishIdempotentTimeout bounds keeping a response once the client may
// have gone.
const finishIdempotentTimeout = 10 * time.Second

// finishIdempotent keeps res (nil: releases the key). The response has
// gone already, so a failure is only logged: the claim then ages out.
// It runs even when the client has hung up (its request's context
// cancelled): that client is the one that retries, and its retry must
// get the response, not a 409 and, once the claim ages, a second run.
func (a *API) finishIdempotent(r *http.Request, v fieldportal.Viewer, key, hash string, res *fieldportal.IdempotentResponse) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), finishIdempotentTimeout)
	defer cancel()
	if err := a.svc.Keys.FinishIdempotent(ctx, v, key, hash, res); err != nil {
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

// spooledBody is a request's body read to its end: in memory, or in a
// temporary file (0600, removed on Close) when it is larger than
// idempotentInMemory, so an upload sent with an Idempotency-Key streams
// in bounded memory as one without does.
type spooledBody struct {
	io.Reader
	file *os.File
}

// Close removes the temporary file, if any.
func (b *spooledBody) Close() error {
	if b.file == nil {
		return nil
	}
	b.file.Close()
	return os.Remove(b.file.Name())
}

// spoolBody reads r's body to its end (at most limit bytes) and
// returns it to be read again, with the request's hash: its method, path
// and query, and body.
func spoolBody(w http.ResponseWriter, r *http.Request, limit int64) (*spooledBody, string, error) {
	h := sha256.New()
	io.WriteString(h, r.Method+"\n"+r.URL.EscapedPath()+"?"+r.URL.RawQuery+"\n")
	in := io.TeeReader(http.MaxBytesReader(w, r.Body, limit), h)
	head, err := io.ReadAll(io.LimitReader(in, idempotentInMemory+1))
	if err != nil {
		return nil, "", err
	}
	if len(head) <= idempotentInMemory {
		return &spooledBody{Reader: bytes.NewReader(head)}, hex.EncodeToString(h.Sum(nil)), nil
	}
	f, err := os.CreateTemp("", "fieldportal-idempotent-*")
	if err != nil {
		return nil, "", err
	}
	body := &spooledBody{file: f}
	if _, err := f.Write(head); err != nil {
		body.Close()
		return nil, "", err
	}
	if _, err := io.Copy(f, in); err != nil {
		body.Close()
		return nil, "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		body.Close()
		return nil, "", err
	}
	body.Reader = f
	return body, hex.EncodeToString(h.Sum(nil)), nil
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
