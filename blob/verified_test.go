package blob_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/fieldportal/fieldportal/blob"
)

// TestVerified reads the announced bytes whole and refuses others before
// the announced size has been handed on, whatever the read sizes.
func TestVerified(t *testing.T) {
	good := bytes.Repeat([]byte("0123456789"), 1000)
	sum := sha256.Sum256(good)
	want := hex.EncodeToString(sum[:])
	for name, tc := range map[string]struct {
		data []byte
		ok   bool
	}{
		"the announced bytes": {good, true},
		"one byte changed":    {append(bytes.Clone(good[:len(good)-1]), 'x'), false},
		"one byte more":       {append(bytes.Clone(good), 'x'), false},
		"one byte less":       {good[:len(good)-1], false},
		"nothing":             {nil, false},
	} {
		for rname, wrap := range map[string]func(io.Reader) io.Reader{
			"whole reads":    func(r io.Reader) io.Reader { return r },
			"one byte reads": iotest.OneByteReader,
			"data with EOF":  iotest.DataErrReader,
		} {
			t.Run(name+", "+rname, func(t *testing.T) {
				v := blob.Verified(wrap(bytes.NewReader(tc.data)), want, int64(len(good)))
				var got []byte
				buf := make([]byte, 333)
				var err error
				for {
					var n int
					n, err = v.Read(buf)
					got = append(got, buf[:n]...)
					if err != nil {
						break
					}
				}
				if tc.ok {
					if err != io.EOF || !bytes.Equal(got, good) {
						t.Fatalf("read %d bytes, %v; want the %d bytes and EOF", len(got), err, len(good))
					}
					return
				}
				if !errors.Is(err, blob.ErrMismatch) {
					t.Errorf("ended with %v, want ErrMismatch", err)
				}
				if len(got) >= len(good) {
					t.Errorf("handed on %d bytes before refusing, want fewer than %d", len(got), len(good))
				}
			})
		}
	}
}
