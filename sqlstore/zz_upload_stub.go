package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// TEMPORARY until main has the upload API; deleted before merging main.
func (tx *Tx) attachUploads(ctx context.Context, v fieldportal.Viewer, attachedTo, recordID string, files []fieldportal.Upload) ([]*fieldportal.Document, error) {
	if len(files) == 0 {
		return nil, nil
	}
	return nil, fieldportal.Errorf(fieldportal.EINTERNAL, "no uploads yet")
}
