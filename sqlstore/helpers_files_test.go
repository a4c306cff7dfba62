package sqlstore_test

import (
	"io"

	"github.com/fieldportal/fieldportal"
)

// openBytes reads a whole opened file, for tests of small files:
// openBytes(db.OpenDocument(ctx, v, id)).
func openBytes(doc *fieldportal.Document, rc io.ReadCloser, err error) (*fieldportal.Document, []byte, error) {
	if err != nil {
		return doc, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	return doc, data, err
}
