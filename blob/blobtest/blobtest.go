// Package blobtest is the one test suite every blob.Store passes: the
// database, the disk and the S3 stores run the same cases.
package blobtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/fieldportal/fieldportal/blob"
)

// Run runs the suite on s; orgA and orgB are two organisations the store
// accepts (the database's must exist).
func Run(t *testing.T, s blob.Store, orgA, orgB string) {
	ctx := context.Background()
	put := func(t *testing.T, org, key string, data []byte) {
		t.Helper()
		if err := s.Put(ctx, org, key, bytes.NewReader(data), int64(len(data))); err != nil {
			t.Fatalf("put %s: %v", key, err)
		}
	}
	read := func(t *testing.T, org, key string) ([]byte, error) {
		t.Helper()
		rc, err := s.Open(ctx, org, key)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(rc)
	}
	key := func(data []byte) string {
		sum := sha256.Sum256(data)
		return blob.KeyFor(orgA, hexOf(sum[:]))
	}
	t.Run("put then open gives the same bytes", func(t *testing.T) {
		data := []byte("%PDF-1.7 certificate")
		put(t, orgA, key(data), data)
		got, err := read(t, orgA, key(data))
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %q, %v; want %q", got, err, data)
		}
	})
	t.Run("a file of several chunks streams back whole", func(t *testing.T) {
		data := make([]byte, 3<<20+12345)
		r := rand.New(rand.NewPCG(1, 2))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		k := key(data)
		h := blob.NewHasher(bytes.NewReader(data))
		if err := s.Put(ctx, orgA, k, h, int64(len(data))); err != nil {
			t.Fatal(err)
		}
		got, err := read(t, orgA, k)
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(got); len(got) != len(data) || blob.KeyFor(orgA, hexOf(sum[:])) != k || h.Size != int64(len(data)) {
			t.Errorf("read back %d bytes (hash key %v), want %d", len(got), blob.KeyFor(orgA, hexOf(sum[:])) == k, len(data))
		}
	})
	t.Run("bytes not the announced ones leave the key as it was", func(t *testing.T) {
		// Documents with the same bytes share a key: a Put of other bytes
		// under it must fail and keep the first ones, whether the bytes
		// differ (same size) or run long or short, small or several chunks.
		for _, n := range []int{40, 2<<20 + 7} {
			good := bytes.Repeat([]byte("g"), n)
			sum := sha256.Sum256(good)
			k := key(good)
			put(t, orgA, k, good)
			for name, bad := range map[string][]byte{
				"same size": append(bytes.Repeat([]byte("g"), n-1), 'b'),
				"longer":    append(bytes.Clone(good), 'x'),
				"shorter":   good[:n-1],
			} {
				err := s.Put(ctx, orgA, k, blob.Verified(bytes.NewReader(bad), hexOf(sum[:]), int64(n)), int64(n))
				if err == nil {
					t.Errorf("%d bytes, %s: the put was accepted", n, name)
				}
				if got, err := read(t, orgA, k); err != nil || !bytes.Equal(got, good) {
					t.Errorf("%d bytes, %s: the key now holds %d bytes (%v), want the first %d", n, name, len(got), err, n)
				}
			}
		}
	})
	t.Run("an empty file", func(t *testing.T) {
		k := key(nil)
		put(t, orgA, k, nil)
		got, err := read(t, orgA, k)
		if err != nil || len(got) != 0 {
			t.Errorf("empty: %q, %v", got, err)
		}
	})
	t.Run("put again replaces", func(t *testing.T) {
		k := orgA + "/replaced"
		put(t, orgA, k, bytes.Repeat([]byte("a"), 2<<20+5)) // several chunks, then fewer
		put(t, orgA, k, []byte("one"))
		put(t, orgA, k, []byte("two, longer"))
		if got, err := read(t, orgA, k); err != nil || string(got) != "two, longer" {
			t.Errorf("after replace: %q, %v", got, err)
		}
	})
	t.Run("a missing key is not found", func(t *testing.T) {
		if _, err := s.Open(ctx, orgA, orgA+"/nothing-here"); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("missing: %v, want ErrNotFound", err)
		}
	})
	t.Run("another organisation's key is not found", func(t *testing.T) {
		data := []byte("org A's invoice")
		put(t, orgA, key(data), data)
		if _, err := s.Open(ctx, orgB, key(data)); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("org B opened org A's file: %v", err)
		}
	})
	t.Run("delete removes, and deleting twice is fine", func(t *testing.T) {
		data := []byte("to delete")
		put(t, orgA, key(data), data)
		if err := s.Delete(ctx, orgA, key(data)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Open(ctx, orgA, key(data)); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("after delete: %v", err)
		}
		if err := s.Delete(ctx, orgA, key(data)); err != nil {
			t.Errorf("second delete: %v", err)
		}
	})
	t.Run("a key that climbs out is refused", func(t *testing.T) {
		for _, k := range []string{"../etc/passwd", "/abs", orgA + "/../x", "a\\b", "a\x00b", ""} {
			if err := s.Put(ctx, orgA, k, bytes.NewReader([]byte("x")), 1); err == nil {
				t.Errorf("put %q accepted", k)
			}
			if _, err := s.Open(ctx, orgA, k); err == nil {
				t.Errorf("open %q answered", k)
			}
		}
	})
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}
