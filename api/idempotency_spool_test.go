package api

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
)

// TestSpoolBody checks that a body sent with an Idempotency-Key is read
// back whole and hashed with the request's method, path and query: a
// small one from memory, a large one (an upload) from a temporary file
// that Close removes; one over the limit is refused.
func TestSpoolBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int
		inFile bool
	}{
		{"empty", 0, false},
		{"small in memory", 1000, false},
		{"exactly the memory limit", idempotentInMemory, false},
		{"an upload spooled to a file", idempotentInMemory*3 + 7, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Repeat([]byte("0123456789abcdef"), tc.size/16+1)[:tc.size]
			r := httptest.NewRequest(http.MethodPost, "/api/v1/documents?x=1", bytes.NewReader(data))
			body, hash, err := spoolBody(httptest.NewRecorder(), r, maxIdempotentBody)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			io.WriteString(h, "POST\n/api/v1/documents?x=1\n")
			h.Write(data)
			if want := hex.EncodeToString(h.Sum(nil)); hash != want {
				t.Errorf("hash %s, want %s", hash, want)
			}
			got, err := io.ReadAll(body)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("read back %d bytes (%v), want the %d sent", len(got), err, len(data))
			}
			if (body.file != nil) != tc.inFile {
				t.Errorf("spooled to a file: %v, want %v", body.file != nil, tc.inFile)
			}
			if body.file != nil {
				name := body.file.Name()
				if fi, err := os.Stat(name); err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("temporary file %v, %v; want mode 0600", fi, err)
				}
				body.Close()
				if _, err := os.Stat(name); !errors.Is(err, os.ErrNotExist) {
					t.Errorf("the temporary file is left after Close: %v", err)
				}
			}
		})
	}
	t.Run("over the limit", func(t *testing.T) {
		const limit = 3 * idempotentInMemory
		r := httptest.NewRequest(http.MethodPost, "/api/v1/documents", io.LimitReader(zeros{}, limit+1))
		_, _, err := spoolBody(httptest.NewRecorder(), r, limit)
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			t.Errorf("err = %v, want *http.MaxBytesError", err)
		}
	})
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}
