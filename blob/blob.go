// Package blob keeps the bytes of files (documents, certificates,
// attachments) apart from their records. A Store is addressed by an
// organisation and a key; it knows nothing of viewers: a caller first finds
// the record through the access rules and only then opens its bytes.
//
// Three stores stand behind the one interface: a folder on disk (here), the
// database (sqlstore's file_blobs) and an S3-compatible object store
// (blob/s3). Every one streams: Put reads its reader to the end without
// holding the file in memory, and Open returns a reader.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strings"
)

// ErrNotFound is returned by Open for a key that holds nothing (or holds
// another organisation's bytes).
var ErrNotFound = errors.New("blob: not found")

// Store keeps file bytes by organisation and key.
type Store interface {
	// Put stores the bytes read from r under key; size is their length
	// (the stores that need it up front, S3, use it to stream). Putting a
	// key again replaces its bytes; keys are content addresses (KeyFor),
	// so a second Put of a key writes the same bytes.
	Put(ctx context.Context, orgID, key string, r io.Reader, size int64) error
	// Open returns the bytes under key, or ErrNotFound. The caller closes it.
	Open(ctx context.Context, orgID, key string) (io.ReadCloser, error)
	// Delete removes key; a missing key is not an error.
	Delete(ctx context.Context, orgID, key string) error
}

// KeyFor is the key of a document's bytes: its organisation and the hex
// sha256 of its content, so the same file uploaded twice is kept once and
// a key says nothing a user chose (no names, no paths).
func KeyFor(orgID, sha256Hex string) string { return orgID + "/" + sha256Hex }

// ValidKey reports whether key is safe to use as a path or object name:
// non-empty, no "..", no leading slash, no backslash or control
// character. The disk store refuses anything else.
func ValidKey(key string) bool {
	if key == "" || len(key) > 512 || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") {
		return false
	}
	for _, part := range strings.Split(key, "/") {
		if part == "" || part == "." || part == ".." {
			return false
		}
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// Hasher counts and hashes what passes through it, for a Put that learns
// a file's size and sha256 as it streams.
type Hasher struct {
	r    io.Reader
	h    hashState
	Size int64
}

type hashState interface {
	io.Writer
	Sum([]byte) []byte
}

// NewHasher wraps r.
func NewHasher(r io.Reader) *Hasher { return &Hasher{r: r, h: sha256.New()} }

// Read implements io.Reader.
func (h *Hasher) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		h.h.Write(p[:n])
		h.Size += int64(n)
	}
	return n, err
}

// SHA256 is the hex digest of what was read so far.
func (h *Hasher) SHA256() string { return hex.EncodeToString(h.h.Sum(nil)) }

// ErrMismatch is a Verified reader's answer for bytes that are not the
// ones announced.
var ErrMismatch = errors.New("blob: the bytes are not the ones announced")

// Verified wraps r so that reading it to the end fails, in place of EOF,
// unless exactly size bytes with that sha256 (hex) were read. The read
// that reaches the announced size returns its bytes only after r is seen
// to end and the hash matches, so a store that sends bytes as it reads
// them (S3 with a known length) never sends a whole object of wrong
// bytes; a Put therefore fails before the key is written (the disk store
// renames into place only after a whole copy; the database rolls back).
// Bytes under a content key are always that content, which matters
// because documents with the same bytes share one key.
func Verified(r io.Reader, sha256Hex string, size int64) io.Reader {
	return &verified{h: NewHasher(r), sum: sha256Hex, size: size}
}

type verified struct {
	h    *Hasher
	sum  string
	size int64
	done bool
	err  error
}

func (v *verified) Read(p []byte) (int, error) {
	switch {
	case v.err != nil:
		return 0, v.err
	case v.done:
		return 0, io.EOF
	}
	if room := v.size - v.h.Size; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := 0, error(nil)
	if len(p) > 0 {
		n, err = v.h.Read(p)
	}
	if v.h.Size == v.size && err == nil {
		// The announced size is reached: r must end here.
		var one [1]byte
		m, rerr := v.h.Read(one[:])
		switch {
		case m > 0:
			v.err = ErrMismatch
			return 0, v.err
		case rerr == nil:
			v.err = io.ErrNoProgress
			return 0, v.err
		case rerr != io.EOF:
			v.err = rerr
			return 0, v.err
		}
		err = io.EOF
	}
	if err == io.EOF {
		if v.h.Size != v.size || v.h.SHA256() != v.sum {
			v.err = ErrMismatch
			return 0, v.err
		}
		v.done = true
		return n, nil
	}
	return n, err
}

// Fallback reads from Primary and, for a key Primary lacks, from Legacy:
// an install that kept its files in the database moves to disk or S3
// without copying them, since new files go to Primary and old ones are
// still found where they are.
type Fallback struct {
	Primary, Legacy Store
}

// Put implements Store: new bytes go to Primary.
func (f Fallback) Put(ctx context.Context, orgID, key string, r io.Reader, size int64) error {
	return f.Primary.Put(ctx, orgID, key, r, size)
}

// Open implements Store.
func (f Fallback) Open(ctx context.Context, orgID, key string) (io.ReadCloser, error) {
	rc, err := f.Primary.Open(ctx, orgID, key)
	if errors.Is(err, ErrNotFound) && f.Legacy != nil {
		return f.Legacy.Open(ctx, orgID, key)
	}
	return rc, err
}

// Delete implements Store: from both.
func (f Fallback) Delete(ctx context.Context, orgID, key string) error {
	if err := f.Primary.Delete(ctx, orgID, key); err != nil {
		return err
	}
	if f.Legacy != nil {
		return f.Legacy.Delete(ctx, orgID, key)
	}
	return nil
}
