package sqlstore

// SetAfterFilePut makes every upload call fn once its bytes are in the
// file store and before its record is written (nil: nothing).
func SetAfterFilePut(d *DB, fn func(orgID, key string)) { d.afterFilePut = fn }

// SetBeforeBlobDelete makes the sweep call fn in its transaction just
// before it deletes the bytes of a key nothing names (nil: nothing).
func SetBeforeBlobDelete(d *DB, fn func(orgID, key string)) { d.beforeBlobDelete = fn }
