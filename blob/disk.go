package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Disk keeps bytes in a folder: a key "org/sha256" is the file
// Dir/org/ab/sha256 (ab: the first two characters of the last part, so no
// folder holds millions of files). A file is written to a temporary name
// beside its place and renamed into it once whole, so a reader never sees
// half a file and a crash leaves at worst a stray temporary file.
type Disk struct {
	Dir string
}

// NewDisk returns a store in dir, creating the folder if needed (a zero
// Disk with Dir set creates it at its first Put instead).
func NewDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("blob: files folder: %w", err)
	}
	return &Disk{Dir: dir}, nil
}

func (d *Disk) path(orgID, key string) (string, error) {
	if !ValidKey(key) || !ValidKey(orgID) {
		return "", fmt.Errorf("blob: invalid key %q", key)
	}
	dir, name := filepath.Split(filepath.FromSlash(key))
	shard := name
	if len(shard) > 2 {
		shard = shard[:2]
	}
	// The organisation is part of the path too, so a key of one
	// organisation never opens another's file.
	return filepath.Join(d.Dir, orgID, dir, shard, name), nil
}

// Put implements Store.
func (d *Disk) Put(ctx context.Context, orgID, key string, r io.Reader, size int64) error {
	p, err := d.path(orgID, key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if _, err := io.Copy(tmp, ctxReader{ctx, r}); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// Open implements Store.
func (d *Disk) Open(ctx context.Context, orgID, key string) (io.ReadCloser, error) {
	p, err := d.path(orgID, key)
	if err != nil {
		return nil, ErrNotFound
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	return f, err
}

// Delete implements Store.
func (d *Disk) Delete(ctx context.Context, orgID, key string) error {
	p, err := d.path(orgID, key)
	if err != nil {
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// ctxReader stops a long copy when its request is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
