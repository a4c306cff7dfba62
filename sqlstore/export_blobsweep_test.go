package sqlstore

// SetAfterFilePut makes every upload call fn once its bytes are in the
// file store and before its record is written (nil: nothing).
func SetAfterFilePut(d *DB, fn func(orgID, key string)) { d.afterFilePut = fn }
