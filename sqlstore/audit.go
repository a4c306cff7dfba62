package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/fieldportal/fieldportal"
)

// The audit log (issue 20): one append-only record of who did what, when,
// from where and through which door. tx.audit writes an entry in the
// change's own transaction; the address, user agent and door come from
// the request's context (fieldportal.RequestInfo, set by the web kit), so
// the many callers keep one signature. Nothing in the store updates or
// deletes an entry, and the database refuses it too (auditTriggers).

// auditTriggerMigration is the version of the Go migration that makes
// audit_log append-only: the triggers' text differs between the engines.
const auditTriggerMigration = 263

// auditTriggers are the statements refusing UPDATE and DELETE on
// audit_log for the engine d. No code path deletes entries: an
// organisation is never deleted, and a deleted record keeps its entries.
func auditTriggers(d Dialect) []string {
	if d == Postgres {
		return []string{
			`CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$`,
			`CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`,
			// TRUNCATE skips row triggers: a statement trigger refuses it.
			`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`,
		}
	}
	return []string{
		`CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END`,
		`CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END`,
	}
}

// auditMigrations are the audit log's Go migrations for the engine d.
func auditMigrations(d Dialect) []*goose.Migration {
	stmts := auditTriggers(d)
	return []*goose.Migration{goose.NewGoMigration(auditTriggerMigration, &goose.GoFunc{RunTx: func(ctx context.Context, tx *sql.Tx) error {
		return execAll(ctx, tx, stmts)
	}}, nil)}
}

// auditSQL is the Go migration's text on both engines, for MigrationsHash.
func auditSQL() string {
	return strings.Join(auditTriggers(SQLite), ";\n") + strings.Join(auditTriggers(Postgres), ";\n")
}

// auditActor is who an entry says acted.
type auditActor struct {
	kind, id, name string
	// customerID is the acting contact's customer: an entry about no
	// customer's record still belongs to the customer whose contact did it.
	customerID string
}

// actorOf is the actor of a viewer.
func actorOf(v fieldportal.Viewer) auditActor {
	switch v.Kind() {
	case fieldportal.ViewerContact:
		return auditActor{kind: fieldportal.ActorContact, id: v.ContactID, name: v.Name, customerID: v.CustomerID}
	case fieldportal.ViewerStaff:
		return auditActor{kind: fieldportal.ActorStaff, id: v.StaffID, name: v.Name}
	case fieldportal.ViewerAPI:
		return auditActor{kind: fieldportal.ActorAPI, id: v.APIKeyID, name: v.Name}
	}
	return auditActor{kind: fieldportal.ActorSystem, id: v.Task, name: v.Name}
}

// audit records who did what, in the same transaction as the change.
func (tx *Tx) audit(ctx context.Context, v fieldportal.Viewer, action, entity, entityID, detail string) error {
	return tx.auditAs(ctx, v.OrgID, actorOf(v), fieldportal.DoorOf(v), action, entity, entityID, detail)
}

// auditAs writes an entry for an actor. The request's door wins over
// door, the one the actor implies (a worker has no request). The entry's
// customer and site are those of its record (auditEntityScope), else the
// acting contact's customer.
func (tx *Tx) auditAs(ctx context.Context, orgID string, a auditActor, door fieldportal.Door, action, entity, entityID, detail string) error {
	ri := fieldportal.RequestInfoFrom(ctx)
	if ri.Door != "" {
		door = ri.Door
	}
	customerID, siteID, err := tx.auditEntityScope(ctx, orgID, entity, entityID)
	if err != nil {
		return err
	}
	return tx.auditWrite(ctx, orgID, a, door, action, entity, entityID, detail, customerID, siteID)
}

// auditDeleted writes the entry of a deletion, whose record's customer
// and site were read (auditEntityScope) before its row went.
func (tx *Tx) auditDeleted(ctx context.Context, v fieldportal.Viewer, action, entity, entityID, detail, customerID, siteID string) error {
	door := fieldportal.DoorOf(v)
	if ri := fieldportal.RequestInfoFrom(ctx); ri.Door != "" {
		door = ri.Door
	}
	return tx.auditWrite(ctx, v.OrgID, actorOf(v), door, action, entity, entityID, detail, customerID, siteID)
}

// auditWrite inserts an entry about a record of customerID and siteID
// ("" for none: the acting contact's customer then).
func (tx *Tx) auditWrite(ctx context.Context, orgID string, a auditActor, door fieldportal.Door, action, entity, entityID, detail, customerID, siteID string) error {
	ri := fieldportal.RequestInfoFrom(ctx)
	if customerID == "" {
		customerID = a.customerID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO audit_log (id, org_id, at, actor_kind, actor_id, actor_name, action, entity, entity_id, detail,
		ip, user_agent, door, customer_id, site_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		newID(), orgID, tx.now, a.kind, a.id, a.name, action, entity, entityID, detail,
		ri.Addr, ri.UserAgent, string(door), nullStr(customerID), nullStr(siteID))
	return err
}

// auditEntityLookups find the customer and site of an audited record by
// its entity kind: one probe by primary key. A kind not listed (the
// organisation, staff, API keys, webhooks, catalogue) belongs to no
// customer, and its entries are the operator's alone; so are those of a
// file kept from the customer (no record of its Documents page), its
// deletion's too (found by review: document.deleted named a hidden file).
var auditEntityLookups = map[string]string{
	"contact":           `SELECT customer_id, NULL FROM contacts WHERE id = $1 AND org_id = $2`,
	"login":             `SELECT c.customer_id, NULL FROM portal_logins pl JOIN contacts c ON c.id = pl.contact_id WHERE pl.id = $1 AND pl.org_id = $2`,
	"customer":          `SELECT id, NULL FROM customers WHERE id = $1 AND org_id = $2`,
	"site":              `SELECT customer_id, id FROM sites WHERE id = $1 AND org_id = $2`,
	"quote":             `SELECT customer_id, site_id FROM quotes WHERE id = $1 AND org_id = $2`,
	"job":               `SELECT customer_id, site_id FROM jobs WHERE id = $1 AND org_id = $2`,
	"issue":             `SELECT customer_id, site_id FROM issues WHERE id = $1 AND org_id = $2`,
	"invoice":           `SELECT customer_id, site_id FROM invoices WHERE id = $1 AND org_id = $2`,
	"payment":           `SELECT customer_id, NULL FROM payments WHERE id = $1 AND org_id = $2`,
	"checkout":          `SELECT customer_id, NULL FROM checkouts WHERE id = $1 AND org_id = $2`,
	"recurring_invoice": `SELECT customer_id, site_id FROM recurring_invoices WHERE id = $1 AND org_id = $2`,
	"asset":             `SELECT customer_id, site_id FROM assets WHERE id = $1 AND org_id = $2`,
	"asset_test":        `SELECT a.customer_id, a.site_id FROM asset_tests t JOIN assets a ON a.id = t.asset_id WHERE t.id = $1 AND t.org_id = $2`,
	"certificate":       `SELECT customer_id, site_id FROM certificates WHERE id = $1 AND org_id = $2`,
	"document":          `SELECT CASE WHEN visible_to_customer = TRUE THEN customer_id END, CASE WHEN visible_to_customer = TRUE THEN site_id END FROM documents WHERE id = $1 AND org_id = $2`,
	"appointment":       `SELECT customer_id, site_id FROM appointments WHERE id = $1 AND org_id = $2`,
	"task":              `SELECT customer_id, site_id FROM tasks WHERE id = $1 AND org_id = $2`,
	"asset_transfer":    `SELECT a.customer_id, a.site_id FROM asset_transfers t JOIN assets a ON a.id = t.asset_id WHERE t.id = $1 AND t.org_id = $2`,
}

// auditEntityScope returns the customer and site of an audited record,
// "" when its kind has none or the row is gone (deleteRecord reads it
// before the row goes).
func (tx *Tx) auditEntityScope(ctx context.Context, orgID, entity, id string) (customerID, siteID string, err error) {
	q, ok := auditEntityLookups[entity]
	if !ok || id == "" {
		return "", "", nil
	}
	err = tx.QueryRowContext(ctx, q, id, orgID).Scan(str(&customerID), str(&siteID))
	if err == sql.ErrNoRows {
		return "", "", nil
	}
	return customerID, siteID, err
}

// auditSignIn records a sign-in at a door: a success (actor the contact
// or staff user) or a failure for an account that exists (actor
// anonymous: nobody is known, only the request's address and user agent).
// The password is never kept, nor a typed name that matches no account.
// Failures are written only once the throttles let the attempt through,
// so their number is bounded by the per-account limit (auth's
// DefaultAccountLimit: 5 free failures in 15 minutes, then one per
// doubling delay capped at 15 minutes: under 110 a day per name typed,
// and a login may be typed as its username or its email, each counted
// apart, so under about 220 a day per login, however many addresses send
// them); names that match no account write nothing.
func (tx *Tx) auditSignIn(ctx context.Context, orgID string, door fieldportal.Door, a auditActor, entity, entityID string) error {
	action := "signin.succeeded"
	if a.kind == fieldportal.ActorAnonymous {
		action = "signin.failed"
	}
	return tx.auditAs(ctx, orgID, a, door, action, entity, entityID, "")
}

// auditColumns are an entry's columns, in scanAudit's order.
const auditColumns = `a.id, a.org_id, a.at, a.actor_kind, a.actor_id, a.actor_name, a.action, a.entity, a.entity_id, a.detail,
	a.ip, a.user_agent, a.door, a.customer_id`

func scanAudit(r interface{ Scan(...any) error }) (*fieldportal.AuditEntry, error) {
	var a fieldportal.AuditEntry
	var door string
	err := r.Scan(&a.ID, &a.OrgID, tm(&a.At), &a.ActorKind, &a.ActorID, &a.ActorName, &a.Action, &a.Entity, &a.EntityID, &a.Detail,
		&a.IP, &a.UserAgent, &door, str(&a.CustomerID))
	a.Door = fieldportal.Door(door)
	return &a, err
}

// auditCursor is an entry's place in the newest-first walk.
func auditCursor(a *fieldportal.AuditEntry) string { return cursor(a.At, a.ID) }

// auditQuery is the statement of a page of entries the filter selects,
// newest first by (at, id), the order of every audit index. walk writes
// a contact's reach as a filter of that walk (scopeAudit).
func auditQuery(v fieldportal.Viewer, f fieldportal.AuditFilter, walk bool) (string, []any, error) {
	if err := f.Validate(); err != nil {
		return "", nil, err
	}
	q := query{walkSites: walk}
	q.scopeAudit(v, "a")
	if f.Entity != "" {
		q.and("a.entity = " + q.arg(f.Entity))
	}
	if f.EntityID != "" {
		q.and("a.entity_id = " + q.arg(f.EntityID))
	}
	if f.Door != "" {
		q.and("a.door = " + q.arg(string(f.Door)))
	}
	if f.ActorKind != "" {
		q.and("a.actor_kind = " + q.arg(f.ActorKind))
	}
	if p, ok := f.ActionPrefix(); ok {
		// The range of actions starting so: "/" follows "." in ASCII.
		q.and("a.action >= " + q.arg(p) + " AND a.action < " + q.arg(strings.TrimSuffix(p, ".")+"/"))
	} else if f.Action != "" {
		q.and("a.action = " + q.arg(f.Action))
	}
	if !f.FromAt.IsZero() {
		q.and("a.at >= " + q.arg(f.FromAt.UTC()))
	}
	if !f.ToAt.IsZero() {
		q.and("a.at < " + q.arg(f.ToAt.UTC()))
	}
	if f.After != "" {
		var vals []any
		if err := decodeCursor(f.After, &vals); err != nil || len(vals) != 2 {
			return "", nil, badCursor()
		}
		if at, ok := cursorValue(vals[0]).(time.Time); !ok || at.IsZero() {
			return "", nil, badCursor()
		}
	}
	if err := q.keyset(f.After, true, "a.at", "a.id"); err != nil {
		return "", nil, err
	}
	return q.sql(`SELECT `+auditColumns+` FROM audit_log a`, "ORDER BY a.at DESC, a.id DESC"), q.args, nil
}

// FindAuditLog lists an organisation's audit entries, newest first, as
// the filter selects them; staff only (the console's /console/audit).
func (d *DB) FindAuditLog(ctx context.Context, v fieldportal.Viewer, f fieldportal.AuditFilter) ([]*fieldportal.AuditEntry, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	return d.findAudit(ctx, v, f, true)
}

// EachAuditEntry calls fn with every entry the filter selects, newest
// first, read in chunks as the CSV is written; staff only.
func (d *DB) EachAuditEntry(ctx context.Context, v fieldportal.Viewer, f fieldportal.AuditFilter, fn func(*fieldportal.AuditEntry) error) error {
	if err := needStaff(v); err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		return auditQuery(v, f, true)
	}, scanAudit, auditCursor, fn)
}

// FindActivity lists the entries a contact who manages contacts may read
// at /preferences/activity, newest first: scopeAudit's rule.
func (d *DB) FindActivity(ctx context.Context, v fieldportal.Viewer, f fieldportal.AuditFilter) ([]*fieldportal.AuditEntry, string, error) {
	if !v.IsContact() {
		return nil, "", fieldportal.NotFound("activity")
	}
	if !v.CanDo(fieldportal.ActionManageContacts) {
		return nil, "", fieldportal.NotFound("activity")
	}
	// A contact of few sites (a small customer) has few entries among
	// the organisation's: they are read from its customers' own ranges
	// (audit_log_customer) rather than by walking the whole log newest
	// first, which suits a big parent whose entries are everywhere.
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	list, next, err := d.findAudit(ctx, v, f, !few)
	if err != nil {
		return nil, "", err
	}
	if err := d.hideForeignAddresses(ctx, v, list); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// hideForeignAddresses blanks the address and user agent of the entries
// whose actor is a contact the viewer does not reach (scopeContact): a
// parent's contact acting on a child's record, or the contacts of a
// customer's former parent. Their entries are about the viewer's
// customers, but where those people sat is not its business (found by
// review). Anonymous failures keep theirs: they are attempts at the
// viewer's own people's logins.
func (d *DB) hideForeignAddresses(ctx context.Context, v fieldportal.Viewer, list []*fieldportal.AuditEntry) error {
	var q query
	var ids []string
	seen := map[string]bool{}
	for _, a := range list {
		if a.ActorKind == fieldportal.ActorContact && a.ActorID != "" && !seen[a.ActorID] {
			seen[a.ActorID] = true
			ids = append(ids, q.arg(a.ActorID))
		}
	}
	if len(ids) == 0 {
		return nil
	}
	q.scopeContact(v, "c")
	q.and("c.id IN (" + strings.Join(ids, ", ") + ")")
	rows, err := d.read.QueryContext(ctx, q.sql(`SELECT c.id FROM contacts c`, ""), q.args...)
	if err != nil {
		return err
	}
	reached, err := collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var id string
		err := r.Scan(&id)
		return id, err
	})
	if err != nil {
		return err
	}
	for _, a := range list {
		if a.ActorKind == fieldportal.ActorContact && !slices.Contains(reached, a.ActorID) {
			a.IP, a.UserAgent = "", ""
		}
	}
	return nil
}

func (d *DB) findAudit(ctx context.Context, v fieldportal.Viewer, f fieldportal.AuditFilter, walk bool) ([]*fieldportal.AuditEntry, string, error) {
	text, args, err := auditQuery(v, f, walk)
	if err != nil {
		return nil, "", err
	}
	rows, err := d.read.QueryContext(ctx, text+limit(f.Page), args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanAudit)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, auditCursor)
	return list, next, nil
}
