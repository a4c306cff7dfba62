package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

const siteColumns = `s.id, s.org_id, s.external_id, s.customer_id, s.name, s.address_line1, s.address_line2, s.city,
	s.region, s.postcode, s.country, s.uprn, s.company_site, s.contractor_id, s.created_in_portal, s.notes,
	s.created_at, s.updated_at, (SELECT c.name FROM customers c WHERE c.id = s.customer_id), ` + siteArchivedColumns

// siteFrom is the table of siteColumns. The customer's name is a
// sub-query of each row, not a join: with a join SQLite chose to read
// every customer and sort their sites for a later page of a big parent's
// list (97 ms, against 1 ms walking the sites by name).
const siteFrom = ` FROM sites s`

// activityCounts counts, for each of fieldportal.ActivityModules, a
// site's open records of that module (SPEC §4, seed 000's Open
// Activities). Each is one probe of the table's (site_id, ...) index.
var activityCounts = map[fieldportal.Module]string{
	fieldportal.ModuleIssues:   `(SELECT count(*) FROM issues i WHERE i.site_id = s.id AND i.status = 'open')`,
	fieldportal.ModuleService:  `(SELECT count(*) FROM jobs j WHERE j.site_id = s.id AND j.kind = 'service' AND j.stage IN ('pending', 'scheduled', 'in_progress'))`,
	fieldportal.ModuleInstall:  `(SELECT count(*) FROM jobs j WHERE j.site_id = s.id AND j.kind = 'install' AND j.stage IN ('pending', 'scheduled', 'in_progress'))`,
	fieldportal.ModuleInvoices: `(SELECT count(*) FROM invoices v WHERE v.site_id = s.id AND v.status IN ('unpaid', 'part_paid'))`,
}

// openActivities is the Open activities column for the viewer: the sum of
// the counts of the modules it may use, so that the count never includes
// records of a module it cannot see (SPEC §2.4), or 0 when it may use none.
func openActivities(v fieldportal.Viewer) string {
	var terms []string
	for _, m := range fieldportal.ActivityModules {
		if v.CanUse(m) {
			terms = append(terms, activityCounts[m])
		}
	}
	if len(terms) == 0 {
		return "0"
	}
	return strings.Join(terms, " + ")
}

func scanSite(row interface{ Scan(...any) error }) (*fieldportal.Site, error) {
	var s fieldportal.Site
	a := &s.Address
	dest := []any{&s.ID, &s.OrgID, str(&s.ExternalID), &s.CustomerID, &s.Name, &a.Line1, &a.Line2, &a.City,
		&a.Region, &a.Postcode, &a.Country, &s.UPRN, &s.CompanySite, str(&s.ContractorID), &s.CreatedInPortal, &s.Notes,
		tm(&s.CreatedAt), tm(&s.UpdatedAt), &s.CustomerName, tm(&s.ArchivedAt), tm(&s.CustomerArchivedAt)}
	err := row.Scan(dest...)
	return &s, err
}

// CreateSite adds a site. A contact may create sites (when allowed) only
// for a customer it reaches; such sites are flagged created-in-portal.
func (d *DB) CreateSite(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site) error {
	if v.IsContact() && !v.CanDo(fieldportal.ActionCreateSite) {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot create sites.")
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := needOfficeToArchive(v, s.Archive, "site"); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createSite(ctx, v, s) })
}

func (tx *Tx) createSite(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site) error {
	if _, err := tx.findCustomer(ctx, v, s.CustomerID); err != nil {
		return fieldportal.FieldErrorf("customer_id", "Customer not found.")
	}
	if err := tx.checkContractor(ctx, v.OrgID, s.ContractorID); err != nil {
		return err
	}
	s.ID, s.OrgID, s.CreatedAt, s.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	s.CreatedInPortal = v.IsContact()
	s.ArchivedAt = archivedAt(time.Time{}, s.Archive, tx.now)
	a := s.Address
	_, err := tx.ExecContext(ctx, `INSERT INTO sites (id, org_id, external_id, customer_id, name, address_line1,
		address_line2, city, region, postcode, country, uprn, company_site, contractor_id, created_in_portal, notes,
		created_at, updated_at, archived_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, $18)`,
		s.ID, s.OrgID, nullStr(s.ExternalID), s.CustomerID, s.Name, a.Line1, a.Line2, a.City, a.Region, a.Postcode,
		a.Country, s.UPRN, s.CompanySite, nullStr(s.ContractorID), s.CreatedInPortal, s.Notes, tx.now, nullTime(s.ArchivedAt))
	if err != nil {
		return sqlErr(err, "site")
	}
	if err := tx.portalPending(ctx, v, s); err != nil {
		return err
	}
	if err := tx.saveSiteContacts(ctx, v, s, false); err != nil {
		return err
	}
	tx.noteTally(s.CustomerID)
	if err := tx.emitEvent(ctx, v, v.OrgID, "site.created", s); err != nil {
		return err
	}
	if err := tx.audit(ctx, v, "site.created", "site", s.ID, s.Name); err != nil {
		return err
	}
	if action := archiveAction("site", time.Time{}, s.ArchivedAt); action != "" {
		return tx.audit(ctx, v, action, "site", s.ID, s.Name)
	}
	return nil
}

// UpdateSite saves a site's editable fields. A contact may edit (when
// allowed) only a site it reaches, and cannot move it to another customer.
func (d *DB) UpdateSite(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site) error {
	if v.IsContact() && !v.CanDo(fieldportal.ActionEditSite) {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot edit sites.")
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := needOfficeToArchive(v, s.Archive, "site"); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateSite(ctx, v, s) })
}

func (tx *Tx) updateSite(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site) error {
	// Edits of one site wait for each other from here, so the site read
	// next is the one this edit replaces: an edit racing an archive (or a
	// restore) would otherwise write the old flag back, and leave the
	// count of sites in use wrong (found by review). The organisation's
	// only; out of scope is not found by findSite.
	var was string
	err := tx.QueryRowContext(ctx, `SELECT customer_id FROM sites WHERE id = $1 AND org_id = $2`+tx.db.dialect.forNoKeyUpdate(),
		s.ID, v.OrgID).Scan(&was)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	old, err := tx.findSite(ctx, v, s.ID)
	if err != nil {
		return err
	}
	if v.IsContact() {
		s.CustomerID, s.ExternalID, s.ContractorID = old.CustomerID, old.ExternalID, old.ContractorID
	} else if s.CustomerID != old.CustomerID {
		if _, err := tx.findCustomer(ctx, v, s.CustomerID); err != nil {
			return fieldportal.FieldErrorf("customer_id", "Customer not found.")
		}
	}
	if err := tx.checkContractor(ctx, v.OrgID, s.ContractorID); err != nil {
		return err
	}
	s.OrgID, s.CreatedAt, s.UpdatedAt, s.CreatedInPortal = old.OrgID, old.CreatedAt, tx.now, old.CreatedInPortal
	s.ArchivedAt = archivedAt(old.ArchivedAt, s.Archive, tx.now)
	// A site moved to another customer takes its records' counts along:
	// both customers are recounted. The site is locked first, so the
	// customer read is the one the move replaces.
	if was != s.CustomerID {
		tx.noteTally(was, s.CustomerID)
	}
	archived := archiveAction("site", old.ArchivedAt, s.ArchivedAt)
	if archived != "" {
		tx.noteTally(s.CustomerID)
	}
	a := s.Address
	args := []any{s.ID, nullStr(s.ExternalID), s.CustomerID, s.Name, a.Line1, a.Line2, a.City, a.Region, a.Postcode, a.Country,
		s.UPRN, s.CompanySite, nullStr(s.ContractorID), s.Notes, tx.now, nullTime(s.ArchivedAt)}
	res, err := tx.ExecContext(ctx, `UPDATE sites SET external_id = $2, customer_id = $3, name = $4, address_line1 = $5,
		address_line2 = $6, city = $7, region = $8, postcode = $9, country = $10, uprn = $11, company_site = $12,
		contractor_id = $13, notes = $14, updated_at = $15, archived_at = $16 WHERE id = $1`+ifUnchanged(&args, s.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, s.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "site")
	}
	// Its thread is scoped by a copy of where the record is (messages.go).
	if err := tx.refreshThread(ctx, s.OrgID, fieldportal.ThreadOnSite, s.ID); err != nil {
		return err
	}
	if err := tx.portalPending(ctx, v, s); err != nil {
		return err
	}
	if err := tx.saveSiteContacts(ctx, v, s, was != s.CustomerID); err != nil {
		return err
	}
	if err := tx.emitEvent(ctx, v, v.OrgID, "site.updated", s); err != nil {
		return err
	}
	if err := tx.audit(ctx, v, "site.updated", "site", s.ID, s.Name); err != nil {
		return err
	}
	if archived != "" {
		return tx.audit(ctx, v, archived, "site", s.ID, s.Name)
	}
	return nil
}

func (tx *Tx) checkContractor(ctx context.Context, orgID, id string) error {
	if id == "" {
		return nil
	}
	var ok bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contractors WHERE id = $1 AND org_id = $2)`, id, orgID).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return fieldportal.FieldErrorf("contractor_id", "Contractor not found.")
	}
	return nil
}

// FindSiteByID returns a site the viewer can reach.
func (d *DB) FindSiteByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Site, error) {
	if err := needModule(v, fieldportal.ModuleSites, "site"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findSite(ctx, v, id)
}

func (tx *Tx) findSite(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Site, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "s", "s.id")
	q.and("s.id = " + q.arg(id))
	s, err := scanSite(tx.QueryRowContext(ctx, q.sql(`SELECT `+siteColumns+siteFrom, ""), q.args...))
	return s, sqlErr(err, "site")
}

// FindSites lists the sites the viewer can reach, by name, optionally
// with their open activities.
func (d *DB) FindSites(ctx context.Context, v fieldportal.Viewer, f fieldportal.SiteFilter) ([]*fieldportal.Site, string, error) {
	if err := needModule(v, fieldportal.ModuleSites, "site"); err != nil {
		return nil, "", err
	}
	return d.listSites(ctx, v, f)
}

// listSites is FindSites once the caller has checked the module whose
// page lists the sites (a form's choice of site: issues.go).
func (d *DB) listSites(ctx context.Context, v fieldportal.Viewer, f fieldportal.SiteFilter) ([]*fieldportal.Site, string, error) {
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	// For a contact of many sites the reach is a filter of the rows
	// (query.walkSites), so that the list is read in its own order or, for
	// a search, from the text indexes: as a list of customers to start
	// from, PostgreSQL guessed the parent's 1,091 customers were one and
	// read each one's sites for the search (29 ms; 1.9 ms from the text
	// indexes). Without a search the walk reads the index the CSV streams
	// through, which holds each site's customer, so the sites out of reach
	// are passed over in the index: only the page's own rows are read from
	// the table (a big parent's first page on SQLite, which walks about
	// five sites for each one it reaches: 2.1 -> 1.6 ms, best of 50).
	// A lookup by external id (the API's upserts) reads its one row from
	// the sites_external index, not the walk.
	stream := !few && strings.TrimSpace(f.Search) == "" && f.ExternalID == ""
	text, args, err := siteListQuery(d.dialect, v, f, !few, stream, siteColumns)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.planned(searching(f.Search)).QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanListedSite)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(s *fieldportal.Site) string {
		if !f.UpdatedSince.IsZero() {
			return cursor(s.UpdatedAt, s.ID)
		}
		return cursor(s.Name, s.ID)
	})
	return list, next, nil
}

// EachSite calls fn with every site FindSites would list for f, in the
// same order, chunk by chunk (streamChunks): the sites CSV. f.Page is
// ignored.
func (d *DB) EachSite(ctx context.Context, v fieldportal.Viewer, f fieldportal.SiteFilter, fn func(*fieldportal.Site) error) error {
	if err := needModule(v, fieldportal.ModuleSites, "site"); err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	cols, scan := siteStreamColumns, scanStreamedSite
	if !f.UpdatedSince.IsZero() {
		cols, scan = siteStreamColumns+", s.updated_at", scanStreamedSiteUpdated
	}
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		return siteListQuery(d.dialect, v, f, false, true, cols)
	}, scan, func(s *fieldportal.Site) string {
		if !f.UpdatedSince.IsZero() {
			return cursor(s.UpdatedAt, s.ID)
		}
		return cursor(s.Name, s.ID)
	}, fn)
}

// siteStreamColumns are the columns of a site the CSV of the list shows
// (portal.handleSitesCSV), and its id: a streamed row costs the driver
// per column, a time more (invoiceStreamColumns). The Open activities
// count follows them, as it follows siteColumns.
const siteStreamColumns = `s.id, s.name, s.address_line1, s.address_line2, s.city, s.region, s.postcode,
	(SELECT c.name FROM customers c WHERE c.id = s.customer_id)`

// scanStreamedSite scans a row of siteStreamColumns and the count.
func scanStreamedSite(r interface{ Scan(...any) error }) (*fieldportal.Site, error) {
	var s fieldportal.Site
	a := &s.Address
	err := r.Scan(&s.ID, &s.Name, &a.Line1, &a.Line2, &a.City, &a.Region, &a.Postcode, &s.CustomerName, &s.OpenActivities)
	return &s, err
}

// scanStreamedSiteUpdated scans siteStreamColumns, updated_at (the
// cursor of a walk by UpdatedSince) and the count.
func scanStreamedSiteUpdated(r interface{ Scan(...any) error }) (*fieldportal.Site, error) {
	var s fieldportal.Site
	a := &s.Address
	err := r.Scan(&s.ID, &s.Name, &a.Line1, &a.Line2, &a.City, &a.Region, &a.Postcode, &s.CustomerName,
		tm(&s.UpdatedAt), &s.OpenActivities)
	return &s, err
}

// siteListQuery is the query of the sites list, shared by FindSites (which
// adds a page's LIMIT) and EachSite (which reads it all): the viewer's
// scope, f's filters, the keyset after f.After and the order, so that a
// CSV holds exactly the rows of the pages. walk reads the sites in name
// order with the scope as a filter (query.walkSites). stream tells the
// engine d to read the sites in the list's order (Dialect.walkIndex): for
// EachSite, and for FindSites when it walks. columns are the columns read
// before the Open activities count (siteColumns for a page).
func siteListQuery(d Dialect, v fieldportal.Viewer, f fieldportal.SiteFilter, walk, stream bool, columns string) (string, []any, error) {
	q := query{walkSites: walk}
	q.scopeSite(v, "s", "s.id")
	q.searchIndexed(d, f.Search, "s", siteText)
	if f.CustomerID != "" {
		q.and("s.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ContractorID != "" {
		q.and("s.contractor_id = " + q.arg(f.ContractorID))
	}
	if f.ExternalID != "" {
		q.and("s.external_id = " + q.arg(f.ExternalID))
	}
	if f.Postcode != "" {
		q.and("replace(upper(s.postcode), ' ', '') = " + q.arg(fieldportal.PostcodeKey(f.Postcode)))
	}
	switch {
	case f.Archived != nil && f.ArchivedItself:
		q.and("s.archived_at IS " + map[bool]string{true: "NOT NULL", false: "NULL"}[*f.Archived])
	case f.Archived != nil && *f.Archived:
		q.and(siteArchived("s"))
	case f.Archived != nil:
		q.and("NOT " + siteArchived("s"))
	}
	order, index := "s.name, s.id", "sites_stream"
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("s.updated_at", f.UpdatedSince, f.Page.After)
		order, index = "s.updated_at, s.id", "sites_updated"
		if err := q.keyset(f.After, false, "s.updated_at", "s.id"); err != nil {
			return "", nil, err
		}
	} else if err := q.keyset(f.After, false, "s.name", "s.id"); err != nil {
		return "", nil, err
	}
	// The Open activities count is a few correlated probes of the open
	// records' partial indexes per row (migrations 00080-00083), so a
	// streamed list pays for it row by row as it goes.
	cols := columns
	if f.WithActivity {
		cols += ", " + openActivities(v)
	} else {
		cols += ", 0"
	}
	from := siteFrom
	if stream {
		from = ` FROM sites s` + d.walkIndex(index)
		// The condition of sites_stream (migration 00095), which the
		// query must state for the index to serve it.
		q.and("length(s.id) > 0")
	}
	return q.sql(`SELECT `+cols+from, "ORDER BY "+order), q.args, nil
}

// scanListedSite scans a row of siteListQuery.
func scanListedSite(r interface{ Scan(...any) error }) (*fieldportal.Site, error) {
	var n int
	s, err := scanSiteWith(r, &n)
	s.OpenActivities = n
	return s, err
}

// CountSites counts the sites in use the viewer can reach (dashboard):
// an archived one is history, not one of the sites the contact has.
func (d *DB) CountSites(ctx context.Context, v fieldportal.Viewer) (int, error) {
	if err := needModule(v, fieldportal.ModuleSites, "site"); err != nil {
		return 0, err
	}
	var q query
	sub, err := siteCount(&q, v)
	return countOne(ctx, d.db, &q, sub, err)
}

// siteCount is CountSites as a sub-query of q.
func siteCount(q *query, v fieldportal.Viewer) (string, error) {
	return q.sub("SELECT count(*) FROM sites s", func() error {
		q.scopeSite(v, "s", "s.id")
		q.and("NOT " + siteArchived("s"))
		return nil
	})
}

func scanSiteWith(row interface{ Scan(...any) error }, n *int) (*fieldportal.Site, error) {
	return scanSite(scanPlus{row, []any{n}})
}

// scanPlus appends extra destinations to a row scan (computed columns).
type scanPlus struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanPlus) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// FindSitesUnderCustomer lists the sites of a customer and of every
// customer below it, by name: the sites a contact of that customer can
// reach, offered when staff assign sites to its login. It is a list of
// sites like FindSites, so a contact without the Sites page gets none
// (SPEC §2.4), even of sites its other pages name.
func (d *DB) FindSitesUnderCustomer(ctx context.Context, v fieldportal.Viewer, customerID string) ([]*fieldportal.Site, error) {
	return d.sitesUnderCustomer(ctx, v, customerID, "", nil, 1000)
}

// sitesUnderCustomer lists, in name order, up to limit sites of a customer
// and its descendants that v reaches, matching search, or, when ids is not
// nil, only those of ids.
func (d *DB) sitesUnderCustomer(ctx context.Context, v fieldportal.Viewer, customerID, search string, ids []string, limit int) ([]*fieldportal.Site, error) {
	if err := needModule(v, fieldportal.ModuleSites, "site"); err != nil {
		return nil, err
	}
	// More sites under the customer (its subtree's tally) than the page
	// holds, none searched for: walk the organisation's sites by name with the subtree as a
	// filter, which finds a page of a 20,000-site parent's at once; else
	// start from the subtree's customers and sort their sites (see
	// siteReachable).
	// Only for a viewer who sees every site of the subtree: one limited to
	// a few assigned sites would walk to the organisation's last site
	// without filling the page (found by review).
	walk := false
	if strings.TrimSpace(search) == "" && ids == nil && (v.SeesWholeOrg() || v.SiteAccess == fieldportal.SiteAccessAll) {
		var n int
		err := d.db.QueryRowContext(ctx, `SELECT sites FROM subtree_tallies WHERE customer_id = $1`, customerID).Scan(&n)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		// More than the page holds, or the walk would read on to the
		// organisation's last site to fill the page.
		walk = n > max(limit, fewSites)
	}
	// The walk writes the reach as a filter of each site (walkSites):
	// PostgreSQL, which cannot see the login and guesses its reach at one
	// customer, otherwise started from the reach and sorted all 20,000
	// sites of a big parent (24 ms; a page of the walk reads 100).
	q := query{walkSites: walk}
	if walk {
		q.cte("under", `SELECT ct.customer_id AS id FROM customer_tree ct WHERE ct.ancestor_id = `+q.arg(customerID))
		q.scopeSite(v, "s", "s.id")
		q.and("NOT (s.customer_id NOT IN (SELECT id FROM under))")
	} else {
		// Planned for its words (DB.planned), PostgreSQL reads a
		// search of the tree's customers well; with one plan for all
		// words it read every site of the organisation (32 -> 74 ms).
		q.cte("under", `SELECT ct.customer_id AS id FROM customer_tree ct WHERE ct.ancestor_id = `+q.arg(customerID))
		q.scopeSite(v, "s", "s.id")
		q.and("s.customer_id IN (SELECT id FROM under)")
	}
	q.searchIndexed(d.dialect, search, "s", siteText)
	if ids != nil {
		if len(ids) == 0 {
			return nil, nil
		}
		in := make([]string, len(ids))
		for i, id := range ids {
			in[i] = q.arg(id)
		}
		q.and("s.id IN (" + strings.Join(in, ", ") + ")")
	}
	from := siteFrom
	if walk {
		// As FindSites walks: in the index that holds each site's customer.
		from = ` FROM sites s` + d.dialect.walkIndex("sites_stream")
		q.and("length(s.id) > 0")
	}
	rows, err := d.planned(searching(search)).QueryContext(ctx, q.sql(`SELECT `+siteColumns+`, 0`+from, "ORDER BY s.name, s.id LIMIT "+strconv.Itoa(limit)), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.Site, error) {
		var n int
		return scanSiteWith(r, &n)
	})
}
