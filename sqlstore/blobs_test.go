package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal/blob/blobtest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The database's file store passes the blob suite the disk and S3 stores
// pass (blob/, blob/s3), on both engines.
func TestDatabaseBlobStore(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		a, b := MustOrg(t, db, "Acme Fire"), MustOrg(t, db, "Other Co")
		blobtest.Run(t, db.Blobs(), a.ID, b.ID)
	})
}
