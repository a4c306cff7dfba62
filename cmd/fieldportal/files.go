package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal/blob"
	"github.com/fieldportal/fieldportal/blob/s3"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// Where uploaded files are kept (SPEC §8: on disk by default, an
// S3-compatible store by setting). FIELDPORTAL_FILES chooses: "disk" (a
// folder, by sha256), "s3" (FIELDPORTAL_S3_*), or "database" (in the
// database itself). Left empty it is chosen so that no install breaks:
//   - s3 when FIELDPORTAL_S3_BUCKET is set;
//   - disk, in <data-dir>/files, for the embedded SQLite default: one
//     instance, one data folder;
//   - database for PostgreSQL, whose instances are stateless and share
//     nothing but the database (choose s3, or disk on a shared folder).
//
// Whatever is chosen, files an install kept in the database before (all
// of them, until this setting existed) are still read from there, so
// moving an install to disk or S3 needs no copying.

// FilesConfig is the file store's settings.
type FilesConfig struct {
	// Kind is "disk", "database" or "s3".
	Kind string
	// Dir is the disk store's folder.
	Dir string
	// S3 is the object store's settings.
	S3 s3.Config
}

func declareFiles(p *configParser) {
	p.str("files", "FIELDPORTAL_FILES", "", "where uploaded files are kept: disk, database or s3 (default: s3 when FIELDPORTAL_S3_BUCKET is set, else disk for SQLite and database for PostgreSQL)")
	p.str("files-dir", "FIELDPORTAL_FILES_DIR", "", "folder of the disk file store (default: files in the data folder)")
	p.str("s3-endpoint", "FIELDPORTAL_S3_ENDPOINT", "s3.amazonaws.com", "S3 endpoint host[:port]")
	p.str("s3-bucket", "FIELDPORTAL_S3_BUCKET", "", "S3 bucket for uploaded files")
	p.str("s3-access-key", "FIELDPORTAL_S3_ACCESS_KEY", "", "S3 access key id (secret: FIELDPORTAL_S3_SECRET_KEY only)")
	p.str("s3-region", "FIELDPORTAL_S3_REGION", "", "S3 region (default: the server's)")
	p.str("s3-use-tls", "FIELDPORTAL_S3_USE_TLS", "true", "reach the S3 endpoint over HTTPS: true or false")
}

func parseFiles(p *configParser, cfg Config) (FilesConfig, error) {
	var f FilesConfig
	kind, _ := p.get("files")
	bucket, _ := p.get("s3-bucket")
	f.Kind = strings.ToLower(strings.TrimSpace(kind.val))
	switch f.Kind {
	case "":
		switch {
		case bucket.val != "":
			f.Kind = "s3"
		case isPostgres(cfg.Database):
			f.Kind = "database"
		default:
			f.Kind = "disk"
		}
	case "disk", "database", "s3":
	default:
		return f, invalid(kind, "must be disk, database or s3")
	}
	dir, _ := p.get("files-dir")
	if f.Dir = dir.val; f.Dir == "" {
		f.Dir = filepath.Join(cfg.DataDir, "files")
	}
	if f.Kind != "s3" {
		return f, nil
	}
	s, _ := p.get("s3-endpoint")
	f.S3.Endpoint = s.val
	if f.S3.Endpoint == "" || strings.Contains(f.S3.Endpoint, "/") {
		return f, invalid(s, "must be a host name with an optional port, without a scheme")
	}
	if f.S3.Bucket = bucket.val; f.S3.Bucket == "" {
		return f, invalid(bucket, "is required when files are kept in S3")
	}
	s, _ = p.get("s3-access-key")
	f.S3.AccessKey = s.val
	f.S3.SecretKey = p.getenv("FIELDPORTAL_S3_SECRET_KEY")
	s, _ = p.get("s3-region")
	f.S3.Region = s.val
	s, _ = p.get("s3-use-tls")
	tls, err := strconv.ParseBool(s.val)
	if err != nil {
		return f, invalid(s, "must be true or false")
	}
	f.S3.UseTLS = tls
	return f, nil
}

// useFiles sets db's file store as cfg says; an S3 bucket is checked
// once so a wrong setting stops the start, not the first upload.
func useFiles(ctx context.Context, cfg FilesConfig, db *sqlstore.DB, logger *slog.Logger) error {
	switch cfg.Kind {
	case "", "database":
		db.SetFileStore(nil)
		logger.Info("files are kept in the database")
	case "disk":
		db.SetFileStore(&blob.Disk{Dir: cfg.Dir})
		logger.Info("files are kept on disk", "dir", cfg.Dir)
	case "s3":
		s, err := s3.New(cfg.S3)
		if err != nil {
			return err
		}
		if err := s.Check(ctx); err != nil {
			return fmt.Errorf("file store: %w", err)
		}
		db.SetFileStore(s)
		logger.Info("files are kept in S3", "endpoint", cfg.S3.Endpoint, "bucket", cfg.S3.Bucket)
	}
	return nil
}
