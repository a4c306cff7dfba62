package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
)

const jobColumns = `j.id, j.org_id, j.external_id, j.number, j.customer_id, j.site_id, j.contractor_id, j.quote_id,
	j.kind, j.stage, j.order_no, j.preferred_date, j.preferred_window, j.scheduled_start, j.scheduled_end, j.due_date,
	j.technician, j.description, j.requested_by, j.created_in_portal, j.completed_at, j.created_at, j.updated_at, s.name`

const jobFrom = ` FROM jobs j JOIN sites s ON s.id = j.site_id`

func scanJob(row interface{ Scan(...any) error }) (*fieldportal.Job, error) {
	var j fieldportal.Job
	err := row.Scan(&j.ID, &j.OrgID, str(&j.ExternalID), &j.Number, &j.CustomerID, &j.SiteID, str(&j.ContractorID),
		str(&j.QuoteID), &j.Kind, &j.Stage, &j.OrderNo, &j.PreferredDate, &j.PreferredWindow, tm(&j.ScheduledStart),
		tm(&j.ScheduledEnd), &j.DueDate, &j.Technician, &j.Description, str(&j.RequestedBy), &j.CreatedInPortal,
		tm(&j.CompletedAt), tm(&j.CreatedAt), tm(&j.UpdatedAt), &j.SiteName)
	return &j, err
}

// CreateJob adds a job. Staff may set every field. A contact books a job
// (ActionBookJob, and the module of the job's kind) at a site it reaches:
// the job starts pending, is flagged created-in-portal and requested by the
// contact, and the operator-only fields (number, contractor, schedule,
// technician...) are ignored; catalogue items are priced from the catalogue.
func (d *DB) CreateJob(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job) error {
	if v.IsContact() {
		if !v.CanDo(fieldportal.ActionBookJob) || !v.CanUse(j.Kind.Module()) {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot book jobs.")
		}
		*j = fieldportal.Job{
			SiteID: j.SiteID, Kind: j.Kind, Stage: fieldportal.StagePending, OrderNo: j.OrderNo,
			PreferredDate: j.PreferredDate, PreferredWindow: j.PreferredWindow, Description: j.Description,
			RequestedBy: v.ContactID, CreatedInPortal: true, AssetIDs: j.AssetIDs, Items: pickedJobItems(j.Items),
		}
	} else if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createJob(ctx, v, j) })
}

// pickedJobItems keeps only what a contact chooses of each item: which
// catalogue item and how many; the price comes from the catalogue.
func pickedJobItems(in []fieldportal.JobItem) []fieldportal.JobItem {
	out := make([]fieldportal.JobItem, len(in))
	for i, it := range in {
		out[i] = fieldportal.JobItem{ItemID: it.ItemID, Quantity: it.Quantity}
	}
	return out
}

func (tx *Tx) createJob(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job) error {
	if err := tx.prepareJob(ctx, v, j); err != nil {
		return err
	}
	if j.Number == "" {
		n, err := tx.nextNumber(ctx, v.OrgID, "job", 1001)
		if err != nil {
			return err
		}
		j.Number = fmt.Sprintf("J-%d", n)
	}
	j.ID, j.OrgID, j.CreatedAt, j.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO jobs (id, org_id, external_id, number, customer_id, site_id, contractor_id,
		quote_id, kind, stage, order_no, preferred_date, preferred_window, scheduled_start, scheduled_end, due_date,
		technician, description, requested_by, created_in_portal, completed_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)`,
		j.ID, j.OrgID, nullStr(j.ExternalID), j.Number, j.CustomerID, j.SiteID, nullStr(j.ContractorID), nullStr(j.QuoteID),
		j.Kind, j.Stage, j.OrderNo, j.PreferredDate, j.PreferredWindow, nullTime(j.ScheduledStart), nullTime(j.ScheduledEnd),
		j.DueDate, j.Technician, j.Description, nullStr(j.RequestedBy), j.CreatedInPortal, nullTime(j.CompletedAt), tx.now)
	if err != nil {
		return sqlErr(err, "job")
	}
	if err := tx.putJobChildren(ctx, j); err != nil {
		return err
	}
	if err := tx.recordStage(ctx, v, j, "", ""); err != nil {
		return err
	}
	if err := tx.tallyRecord(ctx, j.SiteID, j.CustomerID); err != nil {
		return err
	}
	return tx.audit(ctx, v, "job.created", "job", j.ID, j.Number)
}

// prepareJob validates a job and checks and fills what it refers to, in
// the writer's transaction, so a reference cannot vanish before the insert.
func (tx *Tx) prepareJob(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job) error {
	if v.IsContact() {
		if err := tx.priceFromCatalogue(ctx, v, len(j.Items), func(i int) (*string, *string, *string, *fieldportal.Money) {
			it := &j.Items[i]
			return &it.ItemID, &it.Code, &it.Description, &it.UnitPrice
		}); err != nil {
			return err
		}
	}
	if err := j.Validate(); err != nil {
		return err
	}
	if err := tx.checkCatalogueItems(ctx, v, len(j.Items), func(i int) string { return j.Items[i].ItemID }); err != nil {
		return err
	}
	if _, err := tx.siteOfRecord(ctx, v, j.SiteID, &j.CustomerID); err != nil {
		return err
	}
	if err := tx.checkContractor(ctx, v.OrgID, j.ContractorID); err != nil {
		return err
	}
	if j.QuoteID != "" {
		if _, err := tx.findQuote(ctx, v, j.QuoteID); err != nil {
			return notFoundAsField(err, "quote_id", "Quote not found.")
		}
	}
	ids, err := tx.checkRecordAssets(ctx, v, j.SiteID, j.AssetIDs)
	if err != nil {
		return err
	}
	j.AssetIDs = ids
	if j.Items == nil {
		j.Items = []fieldportal.JobItem{}
	}
	for i := range j.Items {
		it := &j.Items[i]
		if it.Total == 0 {
			it.Total = fieldportal.Money(it.Quantity) * it.UnitPrice
		}
	}
	if j.CompletedAt.IsZero() && !j.Stage.Open() {
		j.CompletedAt = tx.now
	}
	return nil
}

func (tx *Tx) putJobChildren(ctx context.Context, j *fieldportal.Job) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM job_items WHERE job_id = $1`, j.ID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM job_assets WHERE job_id = $1`, j.ID); err != nil {
		return err
	}
	for i := range j.Items {
		it := &j.Items[i]
		it.ID = newID()
		_, err := tx.ExecContext(ctx, `INSERT INTO job_items (id, org_id, job_id, item_id, code, description, quantity,
			unit_price, total, position) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			it.ID, j.OrgID, j.ID, nullStr(it.ItemID), it.Code, it.Description, it.Quantity, it.UnitPrice, it.Total, i)
		if err != nil {
			return sqlErr(err, "job item")
		}
	}
	for _, a := range j.AssetIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_assets (job_id, asset_id, org_id) VALUES ($1, $2, $3)`, j.ID, a, j.OrgID); err != nil {
			return sqlErr(err, "job asset")
		}
	}
	return nil
}

// UpdateJob saves a job (operator side only). Who requested it, whether it
// came from the portal and when it was created stay as they were.
func (d *DB) UpdateJob(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateJob(ctx, v, j) })
}

func (tx *Tx) updateJob(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job) error {
	// Counted for its customer before the change; tallyRecord after. The
	// job is locked before it is read, so old (and the history's "from"
	// stage) is what a concurrent change left.
	if err := tx.tallyStored(ctx, "jobs", j.ID); err != nil {
		return err
	}
	old, err := tx.findJob(ctx, v, j.ID)
	if err != nil {
		return err
	}
	if j.CustomerID == old.CustomerID && j.SiteID != old.SiteID {
		j.CustomerID = "" // moved to another site: take that site's customer
	}
	if err := tx.prepareJob(ctx, v, j); err != nil {
		return err
	}
	if j.Number == "" {
		j.Number = old.Number
	}
	j.OrgID, j.CreatedAt, j.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	j.RequestedBy, j.CreatedInPortal = old.RequestedBy, old.CreatedInPortal
	args := []any{j.ID, nullStr(j.ExternalID), j.Number, j.CustomerID, j.SiteID, nullStr(j.ContractorID), nullStr(j.QuoteID),
		j.Kind, j.Stage, j.OrderNo, j.PreferredDate, j.PreferredWindow, nullTime(j.ScheduledStart),
		nullTime(j.ScheduledEnd), j.DueDate, j.Technician, j.Description, nullTime(j.CompletedAt), tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE jobs SET external_id = $2, number = $3, customer_id = $4, site_id = $5,
		contractor_id = $6, quote_id = $7, kind = $8, stage = $9, order_no = $10, preferred_date = $11,
		preferred_window = $12, scheduled_start = $13, scheduled_end = $14, due_date = $15, technician = $16,
		description = $17, completed_at = $18, updated_at = $19 WHERE id = $1`+ifUnchanged(&args, j.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, j.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "job")
	}
	// Its thread is scoped by a copy of where the record is (messages.go).
	if err := tx.refreshThread(ctx, j.OrgID, fieldportal.ThreadOnJob, j.ID); err != nil {
		return err
	}
	if err := tx.putJobChildren(ctx, j); err != nil {
		return err
	}
	// The back office may set any stage; the history keeps each change.
	if err := tx.recordStage(ctx, v, j, old.Stage, ""); err != nil {
		return err
	}
	if err := tx.tallyRecord(ctx, j.SiteID, j.CustomerID); err != nil {
		return err
	}
	return tx.audit(ctx, v, "job.updated", "job", j.ID, j.Number)
}

// UpsertJobByExternalID creates or updates the job with j.ExternalID (the
// back office's PUT /by-external-id). Staff and API only.
func (d *DB) UpsertJobByExternalID(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "jobs", j.ExternalID, j.Validate, func(id string) { j.ID = id },
		func(tx *Tx) error { return tx.createJob(ctx, v, j) },
		func(tx *Tx) error { return tx.updateJob(ctx, v, j) })
}

// FindJobByID returns a job the viewer can reach, with its items and
// assets. A contact must also be able to use the module of its kind.
func (d *DB) FindJobByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Job, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	j, err := tx.findJob(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if err := needModule(v, j.Kind.Module(), "job"); err != nil {
		return nil, err
	}
	return j, nil
}

func (tx *Tx) findJob(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Job, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "j", "j.site_id")
	q.and("j.id = " + q.arg(id))
	j, err := scanJob(tx.QueryRowContext(ctx, q.sql(`SELECT `+jobColumns+jobFrom, ""), q.args...))
	if err != nil {
		return nil, sqlErr(err, "job")
	}
	return j, loadJobChildren(ctx, tx, []*fieldportal.Job{j})
}

// jobKinds narrows a job query to the kinds whose module the viewer may
// use (a contact may see service orders but not install orders), or
// answers not found when kind is asked for and not usable, or none is.
func jobKinds(q *query, v fieldportal.Viewer, kind fieldportal.JobKind) error {
	if kind != "" {
		if err := needModule(v, kind.Module(), "job"); err != nil {
			return err
		}
		q.and("j.kind = " + q.arg(kind))
		return nil
	}
	var ks []fieldportal.JobKind
	for _, k := range []fieldportal.JobKind{fieldportal.JobService, fieldportal.JobInstall} {
		if v.CanUse(k.Module()) {
			ks = append(ks, k)
		}
	}
	switch len(ks) {
	case 0:
		return fieldportal.NotFound("job")
	case 1:
		q.and("j.kind = " + q.arg(ks[0]))
	}
	return nil
}

// inList adds "col IN (...)" for a non-empty list of values.
func inList[T ~string](q *query, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	ph := make([]string, len(vals))
	for i, s := range vals {
		ph[i] = q.arg(s)
	}
	q.and(col + " IN (" + strings.Join(ph, ", ") + ")")
}

// FindJobs lists the jobs the viewer can reach, newest first (by id: ids
// are UUIDv7, so this is creation order), or by (updated_at, id) when
// UpdatedSince is set, for API sync.
func (d *DB) FindJobs(ctx context.Context, v fieldportal.Viewer, f fieldportal.JobFilter) ([]*fieldportal.Job, string, error) {
	return d.findJobs(ctx, v, f, true)
}

// findJobs is FindJobs; without children the jobs' items and assets are
// not read (the dashboard shows neither).
func (d *DB) findJobs(ctx context.Context, v fieldportal.Viewer, f fieldportal.JobFilter, children bool) ([]*fieldportal.Job, string, error) {
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	text, args, err := jobListQuery(d.dialect, v, f, few, jobColumns)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanJob)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, jobCursor(f))
	if !children {
		return list, next, nil
	}
	if err := loadJobChildren(ctx, d.db, list); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// jobCursor returns the cursor of a job in the order f lists jobs.
func jobCursor(f fieldportal.JobFilter) func(j *fieldportal.Job) string {
	byUpdate, recent := !f.UpdatedSince.IsZero(), f.RecentlyChanged && f.UpdatedSince.IsZero()
	return func(j *fieldportal.Job) string {
		if byUpdate || recent {
			return cursor(j.UpdatedAt, j.ID)
		}
		return cursor(j.ID)
	}
}

// jobListQuery is the query of the jobs list without its LIMIT, shared by
// FindJobs (a page) and EachJob (the CSV's every row), so that a CSV holds
// exactly the rows of the pages: the scope, f's filters, the keyset after
// f.After and the order, on the engine d. few is reachesFewSites' answer;
// cols are the columns read (jobColumns for a page).
func jobListQuery(d Dialect, v fieldportal.Viewer, f fieldportal.JobFilter, few bool, cols string) (string, []any, error) {
	var q query
	q.scopeSite(v, "j", "j.site_id")
	if few {
		// A contact of a few sites reads their jobs through jobs_site and
		// sorts them, instead of walking the organisation's jobs in list
		// order until a page of reachable ones is found (which reads every
		// job when the sites have fewer than a page). The condition repeats
		// the scope, so it changes the plan, not the rows.
		q.onlyReachableSites("j.site_id")
	}
	if err := jobKinds(&q, v, f.Kind); err != nil {
		return "", nil, err
	}
	if f.FromPortal {
		// Written out, to match the partial index of the console's queue
		// (migration 00115).
		q.and("j.created_in_portal = TRUE AND j.stage = 'pending'")
	}
	inList(&q, "j.stage", f.Stages)
	q.search(f.Search, "j.number", "j.order_no", "j.description")
	q.searchIndexed(d, f.NumberSearch, "j", jobText)
	if f.SiteID != "" {
		q.and("j.site_id = " + q.arg(f.SiteID))
	}
	if f.ContractorID != "" {
		q.and("j.contractor_id = " + q.arg(f.ContractorID))
	}
	if f.CustomerID != "" {
		q.and("j.customer_id = " + q.arg(f.CustomerID))
	}
	if f.ExternalID != "" {
		q.and("j.external_id = " + q.arg(f.ExternalID))
	}
	order, byUpdate, recent := "j.id DESC", !f.UpdatedSince.IsZero(), f.RecentlyChanged && f.UpdatedSince.IsZero()
	switch {
	case byUpdate:
		q.updatedSince("j.updated_at", f.UpdatedSince, f.Page.After)
		order = "j.updated_at, j.id"
		if err := q.keyset(f.After, false, "j.updated_at", "j.id"); err != nil {
			return "", nil, err
		}
	case recent:
		order = "j.updated_at DESC, j.id DESC"
		if err := q.keyset(f.After, true, "j.updated_at", "j.id"); err != nil {
			return "", nil, err
		}
	default:
		if err := q.keyset(f.After, true, "j.id"); err != nil {
			return "", nil, err
		}
	}
	from := jobFrom
	switch {
	case few:
		// Named, so that SQLite never walks jobs_kind_newest (in list order,
		// through the organisation's jobs) for a contact of a few sites: an
		// index made after the last ANALYZE has no statistics, and its order
		// wins the plan (412 ms for a one-site contact at the large size).
		from = ` FROM jobs j` + sqliteOnly("INDEXED BY jobs_site") + ` JOIN sites s ON s.id = j.site_id`
	case d == SQLite && textIndexed(f.NumberSearch):
		// A number search reads its few matches from the text index by
		// rowid and sorts them; SQLite would rather walk jobs_kind_newest
		// in list order and probe the matches for each job (18 ms for the
		// parent at the large size, 0.3 ms so).
		from = ` FROM jobs j` + sqliteOnly("NOT INDEXED") + ` JOIN sites s ON s.id = j.site_id`
	}
	return q.sql(`SELECT `+cols+from, "ORDER BY "+order), q.args, nil
}

// CountJobs counts the jobs the viewer can reach of a kind ("" for every
// usable kind) at the given stages (none for all), for the dashboard.
func (d *DB) CountJobs(ctx context.Context, v fieldportal.Viewer, kind fieldportal.JobKind, stages []fieldportal.JobStage) (int, error) {
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return 0, err
	}
	var q query
	sub, err := jobCount(&q, v, few, kind, stages)
	return countOne(ctx, d.db, &q, sub, err)
}

// jobCount is CountJobs as a sub-query of q; few is reachesFewSites'
// answer.
func jobCount(q *query, v fieldportal.Viewer, few bool, kind fieldportal.JobKind, stages []fieldportal.JobStage) (string, error) {
	return q.sub("SELECT count(*) FROM jobs j", func() error {
		q.scopeSite(v, "j", "j.site_id")
		if few {
			q.onlyReachableSites("j.site_id")
		}
		if err := jobKinds(q, v, kind); err != nil {
			return err
		}
		if slices.Equal(stages, openStages) {
			// Written out, not as parameters, so that both planners may
			// use the partial index of open jobs (migration 00082).
			q.and(openStagesSQL)
		} else {
			inList(q, "j.stage", stages)
		}
		return nil
	})
}

// workQuerier is what reading child rows needs: the pool or a transaction.
type workQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// idList returns "$a, $b..." for the ids of a page (at most MaxLimit), so
// a page's child rows come in one query instead of one per parent.
func idList(q *query, ids []string) string {
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = q.arg(id)
	}
	return strings.Join(ph, ", ")
}

// loadJobChildren fills Items and AssetIDs of already scoped jobs.
func loadJobChildren(ctx context.Context, db workQuerier, jobs []*fieldportal.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	byID := map[string]*fieldportal.Job{}
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		byID[j.ID], ids[i] = j, j.ID
		j.Items, j.AssetIDs = []fieldportal.JobItem{}, []string{}
	}
	var q query
	rows, err := db.QueryContext(ctx, `SELECT job_id, id, item_id, code, description, quantity, unit_price, total
		FROM job_items WHERE job_id IN (`+idList(&q, ids)+`) ORDER BY job_id, position`, q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var jobID string
		var it fieldportal.JobItem
		if err := rows.Scan(&jobID, &it.ID, str(&it.ItemID), &it.Code, &it.Description, &it.Quantity, money(&it.UnitPrice), money(&it.Total)); err != nil {
			return err
		}
		byID[jobID].Items = append(byID[jobID].Items, it)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if err := loadAssetIDs(ctx, db, `SELECT job_id, asset_id FROM job_assets WHERE job_id IN (`, ids,
		func(id, asset string) { byID[id].AssetIDs = append(byID[id].AssetIDs, asset) }); err != nil {
		return err
	}
	return loadRequestedWindows(ctx, db, "job_id", ids, func(id string, w fieldportal.TimeWindow) { byID[id].RequestedWindow = w })
}

// loadAssetIDs runs head (a "parent_id, asset_id" query ending in
// "IN (") over ids, in asset id order, and hands each pair to add.
func loadAssetIDs(ctx context.Context, db workQuerier, head string, ids []string, add func(id, asset string)) error {
	var q query
	head += idList(&q, ids) + ") ORDER BY 1, 2"
	rows, err := db.QueryContext(ctx, head, q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id, asset string
		if err := rows.Scan(&id, &asset); err != nil {
			return err
		}
		add(id, asset)
	}
	return rows.Err()
}

// siteOfRecord checks that a record's site is one the viewer reaches and
// fills the record's customer from it; a customer given by the caller must
// be the site's.
func (tx *Tx) siteOfRecord(ctx context.Context, v fieldportal.Viewer, siteID string, customerID *string) (*fieldportal.Site, error) {
	s, err := tx.findSite(ctx, v, siteID)
	if err != nil {
		return nil, notFoundAsField(err, "site_id", "Site not found.")
	}
	// A contact's record is new work from the portal (a booking, an
	// issue, a quote request), which an archived site takes no more; staff
	// and the back office record history at any site (issue 19).
	if v.IsContact() && s.Archived() {
		return nil, fieldportal.ErrSiteArchived("site_id")
	}
	if *customerID == "" {
		*customerID = s.CustomerID
	} else if *customerID != s.CustomerID {
		return nil, fieldportal.FieldErrorf("customer_id", "The customer must be the site's customer.")
	}
	return s, nil
}

// notFoundAsField turns "not found" of a referenced record into a field
// error of the form that named it; other errors pass through.
func notFoundAsField(err error, field, msg string) error {
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return fieldportal.FieldErrorf(field, "%s", msg)
	}
	return err
}

// checkRecordAssets checks that every asset named on a job or quote is one
// the viewer reaches at the record's site, and returns the ids sorted and
// without duplicates (the order they are read back in).
func (tx *Tx) checkRecordAssets(ctx context.Context, v fieldportal.Viewer, siteID string, ids []string) ([]string, error) {
	out := slices.Compact(slices.Sorted(slices.Values(ids)))
	if out == nil {
		out = []string{}
	}
	for _, id := range out {
		q := query{probe: true} // one record: the reach probed (reachProbe)
		q.scopeSite(v, "a", "a.site_id")
		q.and("a.id = " + q.arg(id))
		q.and("a.site_id = " + q.arg(siteID))
		var ok bool
		if err := tx.QueryRowContext(ctx, q.sql(`SELECT EXISTS (SELECT 1 FROM assets a`, ")"), q.args...).Scan(&ok); err != nil {
			return nil, err
		}
		if !ok {
			return nil, fieldportal.FieldErrorf("asset_ids", "Equipment not found at this site.")
		}
	}
	return out, nil
}

// priceFromCatalogue replaces the code, description and unit price of each
// of n items a contact adds with the catalogue's (a contact picks items; it
// does not set prices). at returns pointers to item i's fields.
func (tx *Tx) priceFromCatalogue(ctx context.Context, v fieldportal.Viewer, n int,
	at func(i int) (itemID, code, desc *string, price *fieldportal.Money)) error {
	for i := range n {
		itemID, code, desc, price := at(i)
		var q query
		q.scopeOrg(v, "i")
		q.and("i.id = " + q.arg(*itemID))
		q.and("i.active = TRUE")
		err := tx.QueryRowContext(ctx, q.sql(`SELECT i.code, i.name, i.unit_price FROM items i`, ""), q.args...).
			Scan(code, desc, money(price))
		if err == sql.ErrNoRows {
			return fieldportal.FieldErrorf("items", "Item %d: not in the catalogue.", i+1)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// checkCatalogueItems refuses an item naming a catalogue item outside the
// viewer's organisation (the staff's and the API's items keep their own
// code and price, so only the reference is checked; an item since made
// inactive stays, as on a job made before).
func (tx *Tx) checkCatalogueItems(ctx context.Context, v fieldportal.Viewer, n int, itemID func(i int) string) error {
	for i := range n {
		id := itemID(i)
		if id == "" {
			continue
		}
		var q query
		q.scopeOrg(v, "i")
		q.and("i.id = " + q.arg(id))
		var found int
		err := tx.QueryRowContext(ctx, q.sql(`SELECT 1 FROM items i`, ""), q.args...).Scan(&found)
		if err == sql.ErrNoRows {
			return fieldportal.FieldErrorf("items", "Item %d: not in the catalogue.", i+1)
		} else if err != nil {
			return err
		}
	}
	return nil
}
