package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// refuseAcceptAtArchivedSite refuses a contact's acceptance of quote x
// when its site is out of use (siteArchived: archived itself or through
// its customer). Accepting commits to new work there, which an archived
// site takes no more from the portal (issue 19), as a booking or a quote
// request; declining, and the office's record of an answer, stay open.
func (tx *Tx) refuseAcceptAtArchivedSite(ctx context.Context, x *fieldportal.Quote) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sites s WHERE s.id = $1 AND `+siteArchived("s"), x.SiteID).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "Quote %s is for a site that is archived, so it can no longer be accepted. Contact the office to reopen the site.", x.Number)
	}
	return nil
}
