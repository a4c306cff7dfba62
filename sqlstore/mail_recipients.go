package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

// roleMayRead reports whether a contact with a role (quote contact, job
// contact) may be mailed about a record of module m at siteID, as the
// "quote sent" and "job scheduled" mails are: the mail names the record
// and links to it, so it tells no more than the contact may see (SPEC
// §2). A contact without a portal login is the customer's contact for
// that role and is mailed; one with a login is mailed only when its page
// access has m and its site access reaches the site, so that a contact
// denied the Quotes page or limited to other sites learns nothing of the
// record by mail.
func (tx *Tx) roleMayRead(ctx context.Context, contactID, siteID string, m fieldportal.Module) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT pl.page_access, CASE WHEN pl.site_access = 'all' OR EXISTS
		(SELECT 1 FROM login_sites ls WHERE ls.login_id = pl.id AND ls.site_id = $2) THEN 1 ELSE 0 END
		FROM portal_logins pl WHERE pl.contact_id = $1`, contactID, siteID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	ok := true
	for rows.Next() {
		var pages string
		var reaches int
		if err := rows.Scan(&pages, &reaches); err != nil {
			return false, err
		}
		if !fieldportal.ParseModules(pages).Has(m) || reaches != 1 {
			ok = false
		}
	}
	return ok, rows.Err()
}
