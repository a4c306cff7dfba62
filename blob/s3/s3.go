// Package s3 keeps file bytes in an S3-compatible object store (AWS S3,
// MinIO, Ceph, versitygw...) through the maintained minio-go client.
// Objects are named by the blob key under the organisation, so one bucket
// serves every organisation of an install.
package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/fieldportal/fieldportal/blob"
)

// Config is how to reach the bucket: FIELDPORTAL_S3_* settings.
type Config struct {
	Endpoint  string // host[:port], no scheme
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	UseTLS    bool
}

// Store is a blob.Store on one bucket.
type Store struct {
	c      *minio.Client
	bucket string
}

var _ blob.Store = (*Store)(nil)

// New connects to the bucket. It does not create it: an operator makes
// the bucket with its policies; Check says whether it is reachable.
func New(cfg Config) (*Store, error) {
	if cfg.Endpoint == "" || cfg.Bucket == "" {
		return nil, errors.New("s3: endpoint and bucket are required")
	}
	c, err := minio.New(cfg.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure: cfg.UseTLS,
		Region: cfg.Region,
		// Path-style requests work with every S3-compatible server, and
		// need no DNS name per bucket.
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	return &Store{c: c, bucket: cfg.Bucket}, nil
}

// Check reports whether the bucket exists and the credentials reach it.
func (s *Store) Check(ctx context.Context) error {
	ok, err := s.c.BucketExists(ctx, s.bucket)
	if err != nil {
		return fmt.Errorf("s3: bucket %q: %w", s.bucket, err)
	}
	if !ok {
		return fmt.Errorf("s3: bucket %q does not exist", s.bucket)
	}
	return nil
}

// MakeBucket creates the bucket if it is missing (tests, first runs).
func (s *Store) MakeBucket(ctx context.Context, region string) error {
	if ok, err := s.c.BucketExists(ctx, s.bucket); err == nil && ok {
		return nil
	}
	return s.c.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region})
}

func object(orgID, key string) (string, error) {
	if !blob.ValidKey(orgID) || !blob.ValidKey(key) {
		return "", fmt.Errorf("s3: invalid key %q", key)
	}
	return orgID + "/" + key, nil
}

// Put implements blob.Store. With a known size the client streams the
// reader in parts of bounded size (a file, an io.ReaderAt, is read in
// place), never the whole file in memory.
func (s *Store) Put(ctx context.Context, orgID, key string, r io.Reader, size int64) error {
	name, err := object(orgID, key)
	if err != nil {
		return err
	}
	_, err = s.c.PutObject(ctx, s.bucket, name, r, size, minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		PartSize:    8 << 20,
	})
	if err != nil {
		return fmt.Errorf("s3: put: %w", err)
	}
	return nil
}

// Open implements blob.Store: the object is read as the caller reads.
func (s *Store) Open(ctx context.Context, orgID, key string) (io.ReadCloser, error) {
	name, err := object(orgID, key)
	if err != nil {
		return nil, blob.ErrNotFound
	}
	obj, err := s.c.GetObject(ctx, s.bucket, name, minio.GetObjectOptions{})
	if err != nil {
		return nil, notFound(err)
	}
	// GetObject is lazy: Stat makes the request, so a missing key is
	// known here rather than at the first Read.
	if _, err := obj.Stat(); err != nil {
		obj.Close()
		return nil, notFound(err)
	}
	return obj, nil
}

// Delete implements blob.Store.
func (s *Store) Delete(ctx context.Context, orgID, key string) error {
	name, err := object(orgID, key)
	if err != nil {
		return nil
	}
	if err := s.c.RemoveObject(ctx, s.bucket, name, minio.RemoveObjectOptions{}); err != nil && !errors.Is(notFound(err), blob.ErrNotFound) {
		return fmt.Errorf("s3: delete: %w", err)
	}
	return nil
}

func notFound(err error) error {
	resp := minio.ToErrorResponse(err)
	if resp.Code == minio.NoSuchKey || resp.StatusCode == http.StatusNotFound {
		return blob.ErrNotFound
	}
	return fmt.Errorf("s3: %w", err)
}
