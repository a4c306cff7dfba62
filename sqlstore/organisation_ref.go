package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// FindOrganisationByRef returns the organisation an operator names on
// the command line (`fieldportal apikey create --org`): by its id, its
// host name or its name, the case of letters aside. An empty ref names
// the install's only organisation. A ref that names none, or several,
// is an error saying so.
func (d *DB) FindOrganisationByRef(ctx context.Context, ref string) (*fieldportal.Organisation, error) {
	ref = strings.TrimSpace(ref)
	rows, err := d.db.QueryContext(ctx, `SELECT `+orgColumns+` FROM organisations
		WHERE $1 = '' OR id = $1 OR lower(host) = lower($1) OR lower(name) = lower($1) ORDER BY created_at, id LIMIT 2`, ref)
	if err != nil {
		return nil, err
	}
	orgs, err := collect(rows, scanOrg)
	switch {
	case err != nil:
		return nil, err
	case len(orgs) == 0 && ref == "":
		return nil, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no organisation yet; run 'fieldportal init' first.")
	case len(orgs) == 0:
		return nil, fieldportal.Errorf(fieldportal.ENOTFOUND, "No organisation has the id, host or name %q.", ref)
	case len(orgs) > 1 && ref == "":
		return nil, fieldportal.Errorf(fieldportal.EINVALID, "This install has several organisations; name one with --org (its host name, id or name).")
	case len(orgs) > 1:
		return nil, fieldportal.Errorf(fieldportal.EINVALID, "Several organisations match %q; name one by its host name or id.", ref)
	}
	return orgs[0], nil
}
