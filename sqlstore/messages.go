package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Messages with the office (issue 22). A thread is one per record; it
// copies its record's customer, site and module when a message is
// written, so that lists and counts scope it with one predicate
// (scopeThread) instead of a join to five tables. A single thread is
// read through its record's own scope as well (threadRecord), so a
// thread is never shown past what the record's page shows.

const threadColumns = `t.id, t.org_id, t.record_kind, t.record_id, t.record_label, t.customer_id, t.site_id, t.message_count,
	t.last_message_at, t.last_from, t.waiting_since, t.created_at, t.updated_at`

func scanThread(row interface{ Scan(...any) error }) (*fieldportal.MessageThread, error) {
	var t fieldportal.MessageThread
	err := row.Scan(&t.ID, &t.OrgID, &t.RecordKind, &t.RecordID, &t.RecordLabel, &t.CustomerID, str(&t.SiteID), &t.Messages,
		tm(&t.LastMessageAt), &t.LastFrom, tm(&t.WaitingSince), tm(&t.CreatedAt), tm(&t.UpdatedAt))
	return &t, err
}

const messageColumns = `m.id, m.thread_id, t.record_kind, t.record_id, m.body, m.from_side, m.author_name, m.contact_id, m.staff_id,
	m.created_at, m.updated_at`

func scanMessage(row interface{ Scan(...any) error }) (*fieldportal.Message, error) {
	var m fieldportal.Message
	err := row.Scan(&m.ID, &m.ThreadID, &m.RecordKind, &m.RecordID, &m.Body, &m.From, &m.AuthorName, str(&m.ContactID), str(&m.StaffID),
		tm(&m.CreatedAt), tm(&m.UpdatedAt))
	return &m, err
}

// threadRecord is what a thread copies of its record.
type threadRecord struct {
	customerID, siteID, label string
	module                    fieldportal.Module
}

// findThreadRecord reads a record of kind the viewer sees (its table's
// scope, then its module), with its label and module, else "not found".
func (tx *Tx) findThreadRecord(ctx context.Context, v fieldportal.Viewer, kind, id string) (threadRecord, error) {
	var r threadRecord
	head := map[string]string{
		fieldportal.ThreadOnJob:     `SELECT 'Job ' || number, kind FROM jobs WHERE id = $1 AND org_id = $2`,
		fieldportal.ThreadOnQuote:   `SELECT 'Quote ' || number, 'quotes' FROM quotes WHERE id = $1 AND org_id = $2`,
		fieldportal.ThreadOnInvoice: `SELECT 'Invoice ' || number, 'invoices' FROM invoices WHERE id = $1 AND org_id = $2`,
		fieldportal.ThreadOnIssue:   `SELECT 'Issue ' || number || ': ' || title, 'issues' FROM issues WHERE id = $1 AND org_id = $2`,
		fieldportal.ThreadOnSite:    `SELECT 'Site ' || name, 'sites' FROM sites WHERE id = $1 AND org_id = $2`,
	}[kind]
	if head == "" {
		return r, fieldportal.NotFound(kind)
	}
	var err error
	if r.customerID, r.siteID, err = tx.findRef(ctx, v, kind, id); err != nil {
		return r, err
	}
	if r.siteID != "" && kind != fieldportal.ThreadOnSite {
		// A site's record is its site's customer's (scopeSite): a record
		// keeps the customer it had when its site moved to another.
		if err := tx.QueryRowContext(ctx, `SELECT customer_id FROM sites WHERE id = $1 AND org_id = $2`, r.siteID, v.OrgID).
			Scan(&r.customerID); err != nil {
			return r, sqlErr(err, kind)
		}
	}
	var module string
	if err := tx.QueryRowContext(ctx, head, id, v.OrgID).Scan(&r.label, &module); err != nil {
		return r, sqlErr(err, kind)
	}
	r.module = fieldportal.Module(module)
	if !v.CanUse(r.module) {
		return r, fieldportal.NotFound(kind)
	}
	return r, nil
}

// refreshThread copies a record's customer, site, module and label to its
// thread again, after the back office changed the record: the lists and
// the navigation's count scope a thread by its copy (scopeThread). A
// site's change reaches the threads of every record at the site, which
// take their customer from it.
func (tx *Tx) refreshThread(ctx context.Context, orgID, kind, id string) error {
	if kind == fieldportal.ThreadOnSite {
		if _, err := tx.ExecContext(ctx, `UPDATE message_threads SET customer_id = (SELECT customer_id FROM sites WHERE id = $2)
			WHERE org_id = $1 AND site_id = $2`, orgID, id); err != nil {
			return err
		}
	}
	var threadID string
	err := tx.QueryRowContext(ctx, `SELECT id FROM message_threads WHERE org_id = $1 AND record_kind = $2 AND record_id = $3`,
		orgID, kind, id).Scan(&threadID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	r, err := tx.findThreadRecord(ctx, fieldportal.SystemViewer(orgID, "messages"), kind, id)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `UPDATE message_threads SET module = $2, record_label = $3, customer_id = $4, site_id = $5 WHERE id = $1`,
		threadID, string(r.module), r.label, r.customerID, nullStr(r.siteID))
	return err
}

// FindThreads lists the threads the viewer sees. A contact's list has its
// unread threads first, then the latest; f.Waiting is the office's queue,
// the longest waiting first. Both are keyset-paginated.
func (d *DB) FindThreads(ctx context.Context, v fieldportal.Viewer, f fieldportal.ThreadFilter) ([]*fieldportal.MessageThread, string, error) {
	if v.IsContact() && !f.Waiting {
		return d.findContactThreads(ctx, v, f)
	}
	q := query{}
	q.scopeThread(v, "t")
	unread := "FALSE"
	if v.IsContact() {
		unread = "(mr.read_at IS NULL OR mr.read_at < t.last_message_at)"
	}
	var order string
	var key func(*fieldportal.MessageThread) string
	switch {
	case f.Waiting:
		q.and("t.waiting_since IS NOT NULL")
		if err := q.keyset(f.After, false, "t.waiting_since", "t.id"); err != nil {
			return nil, "", err
		}
		order = " ORDER BY t.waiting_since, t.id"
		key = func(t *fieldportal.MessageThread) string { return cursor(t.WaitingSince, t.ID) }
	default:
		// Unread first: the flag is a sort column (1 before 0), then
		// the latest; a contact's threads are a few hundred at most.
		if err := q.keyset(f.After, true, "unread_rank", "t.last_message_at", "t.id"); err != nil {
			return nil, "", err
		}
		order = " ORDER BY unread_rank DESC, t.last_message_at DESC, t.id DESC"
		key = func(t *fieldportal.MessageThread) string {
			rank := 0
			if t.Unread {
				rank = 1
			}
			return cursor(rank, t.LastMessageAt, t.ID)
		}
	}
	login := q.arg(v.LoginID)
	inner := `SELECT ` + threadColumns + `, CASE WHEN ` + unread + ` THEN 1 ELSE 0 END AS unread_rank
		FROM message_threads t LEFT JOIN message_reads mr ON mr.thread_id = t.id AND mr.login_id = ` + login
	// The keyset's rank is a column of the inner select: wrap it.
	where := q.whereSQL()
	var keyCond string
	if !f.Waiting && len(q.where) > 0 && f.After != "" {
		keyCond = q.where[len(q.where)-1]
		q.where = q.where[:len(q.where)-1]
		where = q.whereSQL()
	}
	text := q.prefix() + `SELECT * FROM (` + inner + where + `) t`
	if keyCond != "" {
		text += " WHERE " + keyCond
	}
	rows, err := d.read.QueryContext(ctx, text+order+limit(f.Page), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanThreadRow)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, key)
	return list, next, nil
}

// findContactThreads is a contact's list: its unread threads, the latest
// first, then the threads it read, the latest first. Each part is read on
// its own, bounded by the page, and the two are merged: sorting every
// reachable thread by its unread flag read all of a big parent's 12,600
// threads and their markers for every page (42 ms at large on
// PostgreSQL).
//
//   - The unread part: for a contact of many sites, the organisation's
//     threads latest first (message_threads_latest), skipping those out
//     of reach or read, which stops after a page of unread ones; for a
//     contact of few sites, its customers' threads
//     (message_threads_customer, threadsByReach), sorted.
//   - The read part: the login's own read markers, each joined to its
//     thread, in scope and current, sorted: as many rows as the login has
//     read threads, not as many as it reaches.
//
// A later page carries the rank of its last row: past the unread part,
// only the read part is read.
func (d *DB) findContactThreads(ctx context.Context, v fieldportal.Viewer, f fieldportal.ThreadFilter) ([]*fieldportal.MessageThread, string, error) {
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	q := query{}
	q.scopeThread(v, "t")
	// The cursor is (rank, last message, id): checked by keyset, then
	// taken apart, as each part continues after it on its own terms.
	rank := 1
	var after string
	if f.After != "" {
		if err := q.keyset(f.After, true, "unread_rank", "t.last_message_at", "t.id"); err != nil {
			return nil, "", err
		}
		n := len(q.args)
		r, ok := q.args[n-3].(int64)
		if !ok || (r != 0 && r != 1) {
			return nil, "", badCursor()
		}
		rank = int(r)
		last, id := q.args[n-2], q.args[n-1]
		q.where, q.args = q.where[:len(q.where)-1], q.args[:n-3]
		after = "(t.last_message_at, t.id) < (" + q.arg(last) + ", " + q.arg(id) + ")"
	}
	login := q.arg(v.LoginID)
	current := "mr.login_id = " + login + " AND mr.thread_id = t.id AND mr.read_at >= t.last_message_at"
	order := " ORDER BY t.last_message_at DESC, t.id DESC" + limit(f.Page)
	var parts []string
	if rank == 1 {
		// A contact of many sites walks the organisation's threads newest
		// first and stops after a page of unread ones in its reach; SQLite
		// otherwise read every thread of the reach through the customer
		// and site indexes and sorted them all (a parent of 20,000 sites
		// at large: 62-92 ms, against 1 ms walking; 199 against 143 ms
		// when it has read every thread, which no order avoids).
		from := "message_threads t" + sqliteOnly("INDEXED BY message_threads_latest")
		if few {
			from = q.threadsByReach(v, "t")
		}
		cond := "NOT EXISTS (SELECT 1 FROM message_reads mr WHERE " + current + ")"
		if after != "" {
			cond += " AND " + after
		}
		parts = append(parts, `SELECT * FROM (SELECT `+threadColumns+`, 1 AS unread_rank FROM `+from+q.whereAnd(cond)+order+`) u`)
	}
	cond := current
	if after != "" && rank == 0 {
		cond += " AND " + after
	}
	parts = append(parts, `SELECT * FROM (SELECT `+threadColumns+`, 0 AS unread_rank FROM message_reads mr
		JOIN message_threads t ON t.id = mr.thread_id`+q.whereAnd(cond)+order+`) r`)
	text := q.prefix() + `SELECT * FROM (` + strings.Join(parts, " UNION ALL ") + `) x
		ORDER BY x.unread_rank DESC, x.last_message_at DESC, x.id DESC` + limit(f.Page)
	rows, err := d.read.QueryContext(ctx, text, q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanThreadRow)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(t *fieldportal.MessageThread) string {
		rank := 0
		if t.Unread {
			rank = 1
		}
		return cursor(rank, t.LastMessageAt, t.ID)
	})
	return list, next, nil
}

// ThreadForRecord reads the thread of a record the viewer sees, with its
// messages; a record nobody wrote about yet has a thread with no ID. A
// contact reading it marks it read for its login (markShown).
func (d *DB) ThreadForRecord(ctx context.Context, v fieldportal.Viewer, kind, recordID string) (*fieldportal.MessageThread, error) {
	var t *fieldportal.MessageThread
	err := d.inTxRead(ctx, func(tx *Tx) error {
		r, err := tx.findThreadRecord(ctx, v, kind, recordID)
		if err != nil {
			return err
		}
		t, err = scanThread(tx.QueryRowContext(ctx, `SELECT `+threadColumns+` FROM message_threads t
			WHERE t.org_id = $1 AND t.record_kind = $2 AND t.record_id = $3`, v.OrgID, kind, recordID))
		if errors.Is(err, sql.ErrNoRows) {
			t = &fieldportal.MessageThread{RecordKind: kind, RecordID: recordID, RecordLabel: r.label, CustomerID: r.customerID, SiteID: r.siteID}
			return nil
		} else if err != nil {
			return err
		}
		return tx.readThread(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return t, d.markShown(ctx, v, t)
}

// FindThreadByID reads a thread by its id, as ThreadForRecord does.
func (d *DB) FindThreadByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.MessageThread, error) {
	var t *fieldportal.MessageThread
	err := d.inTxRead(ctx, func(tx *Tx) error {
		q := query{}
		q.scopeThread(v, "t")
		q.and("t.id = " + q.arg(id))
		var err error
		t, err = scanThread(tx.QueryRowContext(ctx, q.sql(`SELECT `+threadColumns+` FROM message_threads t`, ""), q.args...))
		if err != nil {
			return sqlErr(err, "thread")
		}
		// The record's own scope too: the thread's copy of its site may
		// be older than the record's.
		if _, err := tx.findThreadRecord(ctx, v, t.RecordKind, t.RecordID); err != nil {
			return fieldportal.NotFound("thread")
		}
		return tx.readThread(ctx, t)
	})
	if err != nil {
		return nil, err
	}
	return t, d.markShown(ctx, v, t)
}

// readThread loads t's messages and files. The thread's row is read
// before its messages, so its last message's time is never later than
// the last message shown.
func (tx *Tx) readThread(ctx context.Context, t *fieldportal.MessageThread) error {
	rows, err := tx.QueryContext(ctx, `SELECT `+messageColumns+` FROM messages m JOIN message_threads t ON t.id = m.thread_id
		WHERE m.thread_id = $1 ORDER BY m.created_at, m.id`, t.ID)
	if err != nil {
		return err
	}
	t.Posts, err = collect(rows, scanMessage)
	if err != nil {
		return err
	}
	return tx.loadAttachments(ctx, t.Posts, "m.thread_id = $1", t.ID)
}

// markShown marks a thread read for a contact's login up to its last
// message as read with it (t.LastMessageAt), not up to now: a message
// written meanwhile stays unread. Reading is a read: only a login whose
// marker is behind writes, so a record's page does not wait for the
// store's writer (SQLite's one writer) on every view.
func (d *DB) markShown(ctx context.Context, v fieldportal.Viewer, t *fieldportal.MessageThread) error {
	if !v.IsContact() || t.ID == "" {
		return nil
	}
	var at time.Time
	err := d.read.QueryRowContext(ctx, `SELECT read_at FROM message_reads WHERE login_id = $1 AND thread_id = $2`,
		v.LoginID, t.ID).Scan(tm(&at))
	switch {
	case err == nil && !at.Before(t.LastMessageAt):
		return nil
	case err != nil && !errors.Is(err, sql.ErrNoRows):
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.markRead(ctx, v, t.ID, t.LastMessageAt) })
}

// loadAttachments fills the messages' files, read with cond over args
// in one query.
func (tx *Tx) loadAttachments(ctx context.Context, list []*fieldportal.Message, cond string, args ...any) error {
	if len(list) == 0 {
		return nil
	}
	byID := map[string]*fieldportal.Message{}
	for _, m := range list {
		byID[m.ID] = m
		m.Attachments = []*fieldportal.MessageAttachment{}
	}
	rows, err := tx.QueryContext(ctx, `SELECT a.id, a.message_id, a.name, a.content_type, a.size, a.sha256, a.storage_key
		FROM message_attachments a JOIN messages m ON m.id = a.message_id WHERE `+cond+` ORDER BY a.message_id, a.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a fieldportal.MessageAttachment
		if err := rows.Scan(&a.ID, &a.MessageID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.StorageKey); err != nil {
			return err
		}
		if m := byID[a.MessageID]; m != nil {
			m.Attachments = append(m.Attachments, &a)
		}
	}
	return rows.Err()
}

// markRead moves the login's read marker of a thread to at, never back.
func (tx *Tx) markRead(ctx context.Context, v fieldportal.Viewer, threadID string, at time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO message_reads (login_id, thread_id, read_at) VALUES ($1, $2, $3)
		ON CONFLICT (login_id, thread_id) DO UPDATE SET read_at = excluded.read_at WHERE message_reads.read_at < excluded.read_at`,
		v.LoginID, threadID, at)
	return err
}

// CountUnreadThreads counts the threads the viewing contact sees whose
// latest message came after its login's read marker, up to
// fieldportal.MaxUnreadCount+1 (the page shows "99+"): the count stops
// early, and reads the contact's threads by customer
// (message_threads_customer, threadsByReach) and its markers by primary
// key. Staff and keys have no read markers: 0.
//
// Written as a filter of message_threads alone, the LIMIT led PostgreSQL
// to scan the organisation's threads hoping to stop early: a one-site
// contact, with one thread of 25,000, read them all on every portal page
// (its dashboard's SQL went from 1.5 to 7 ms at large). Driven from the
// reachable customers it reads only its own: 0.2 ms; a big parent's
// 100th unread is found after about 56 of its 1,091 customers (1 ms).
func (d *DB) CountUnreadThreads(ctx context.Context, v fieldportal.Viewer) (int, error) {
	if !v.IsContact() {
		return 0, nil
	}
	q := query{}
	q.scopeThread(v, "t")
	q.and("NOT EXISTS (SELECT 1 FROM message_reads mr WHERE mr.login_id = " + q.arg(v.LoginID) +
		" AND mr.thread_id = t.id AND mr.read_at >= t.last_message_at)")
	var n int
	err := d.read.QueryRowContext(ctx, q.prefix()+`SELECT COUNT(*) FROM (SELECT 1 FROM `+q.threadsByReach(v, "t")+q.whereSQL()+
		` LIMIT `+strconv.Itoa(fieldportal.MaxUnreadCount+1)+`) u`, q.args...).Scan(&n)
	return n, err
}

// OpenMessageAttachment opens a message's file on a thread the viewer
// sees; anything else is "not found".
func (d *DB) OpenMessageAttachment(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.MessageAttachment, io.ReadCloser, error) {
	var a fieldportal.MessageAttachment
	var orgID, kind, recordID string
	q := query{}
	q.scopeThread(v, "t")
	q.and("a.id = " + q.arg(id))
	err := d.read.QueryRowContext(ctx, q.sql(`SELECT a.id, a.message_id, a.name, a.content_type, a.size, a.sha256, a.storage_key,
		t.org_id, t.record_kind, t.record_id FROM message_attachments a JOIN messages m ON m.id = a.message_id
		JOIN message_threads t ON t.id = m.thread_id`, ""), q.args...).
		Scan(&a.ID, &a.MessageID, &a.Name, &a.ContentType, &a.Size, &a.SHA256, &a.StorageKey, &orgID, &kind, &recordID)
	if err != nil {
		return nil, nil, sqlErr(err, "attachment")
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, nil, err
	}
	_, err = tx.findThreadRecord(ctx, v, kind, recordID)
	tx.Rollback()
	if err != nil {
		return nil, nil, fieldportal.NotFound("attachment")
	}
	rc, err := d.openFile(ctx, &fieldportal.Document{ID: a.ID, OrgID: orgID, StorageKey: a.StorageKey})
	if err != nil {
		return nil, nil, err
	}
	return &a, rc, nil
}

// FindMessages lists messages for the API, by the time they changed then
// id, optionally of one record's thread and changed after a time.
func (d *DB) FindMessages(ctx context.Context, v fieldportal.Viewer, f fieldportal.MessageFilter) ([]*fieldportal.Message, string, error) {
	q := query{}
	q.scopeThread(v, "t")
	if f.RecordKind != "" {
		q.and("t.record_kind = " + q.arg(f.RecordKind))
	}
	if f.RecordID != "" {
		q.and("t.record_id = " + q.arg(f.RecordID))
	}
	if !f.UpdatedSince.IsZero() {
		q.updatedSince("m.updated_at", f.UpdatedSince, f.After)
	}
	if err := q.keyset(f.After, false, "m.updated_at", "m.id"); err != nil {
		return nil, "", err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+messageColumns+` FROM messages m JOIN message_threads t ON t.id = m.thread_id`,
		" ORDER BY m.updated_at, m.id")+limit(f.Page), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanMessage)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(m *fieldportal.Message) string { return cursor(m.UpdatedAt, m.ID) })
	// The page's files in one query (a page is at most
	// fieldportal.MaxLimit messages), by the attachments' index.
	marks := make([]string, len(list))
	ids := make([]any, len(list))
	for i, m := range list {
		marks[i], ids[i] = "$"+strconv.Itoa(i+1), m.ID
	}
	if err := tx.loadAttachments(ctx, list, "a.message_id IN ("+strings.Join(marks, ", ")+")", ids...); err != nil {
		return nil, "", err
	}
	return list, next, nil
}

// PostMessage writes a message on a record's thread, starting the thread
// with its first message. The files are checked by the form (content and
// the organisation's size limit) and stored first, outside the
// transaction, as documents' are (attachments.go). The other side hears
// of it by one mail per window (mailMessage), and a message.created
// webhook goes out.
func (d *DB) PostMessage(ctx context.Context, v fieldportal.Viewer, in *fieldportal.NewMessage) (*fieldportal.Message, error) {
	switch {
	case v.IsContact():
	case v.Kind() == fieldportal.ViewerStaff || v.Kind() == fieldportal.ViewerAPI || v.Kind() == fieldportal.ViewerSystem:
		if !v.MayWrite() {
			return nil, fieldportal.Errorf(fieldportal.EFORBIDDEN, "This API key can only read.")
		}
	default:
		return nil, fieldportal.NotFound(in.RecordKind)
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	// The record first, so that nobody stores bytes on a record it
	// cannot see.
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	_, err = tx.findThreadRecord(ctx, v, in.RecordKind, in.RecordID)
	tx.Rollback()
	if err != nil {
		return nil, notFoundField(err, "record_id", "The record to write about was not found.")
	}
	// A message's files are uploads (SPEC §2.4): a contact attaches them
	// only where the upload button is offered, as on a job's page.
	if len(in.Files) > 0 && v.IsContact() && !v.CanDo(fieldportal.ActionUpload) {
		return nil, fieldportal.FieldErrorf("attachments", "You cannot attach files here. Write your message without them.")
	}
	stored, err := d.putUploads(ctx, v.OrgID, in.Files)
	if err != nil {
		return nil, err
	}
	var m *fieldportal.Message
	err = d.inTx(ctx, func(tx *Tx) error {
		var err error
		m, err = tx.postMessage(ctx, v, in, stored)
		return err
	})
	return m, err
}

func (tx *Tx) postMessage(ctx context.Context, v fieldportal.Viewer, in *fieldportal.NewMessage, files []storedUpload) (*fieldportal.Message, error) {
	r, err := tx.findThreadRecord(ctx, v, in.RecordKind, in.RecordID)
	if err != nil {
		return nil, notFoundField(err, "record_id", "The record to write about was not found.")
	}
	from := fieldportal.MessageFromOffice
	if v.IsContact() {
		from = fieldportal.MessageFromCustomer
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO message_threads (id, org_id, record_kind, record_id, module, record_label,
		customer_id, site_id, message_count, last_message_at, last_from, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $9, $9) ON CONFLICT (org_id, record_kind, record_id) DO NOTHING`,
		newID(), v.OrgID, in.RecordKind, in.RecordID, string(r.module), r.label, r.customerID, nullStr(r.siteID), tx.now, from); err != nil {
		return nil, err
	}
	waiting := "NULL"
	if from == fieldportal.MessageFromCustomer {
		waiting = "COALESCE(waiting_since, $3)"
	}
	var threadID string
	var officeUntil, customerUntil time.Time
	if err := tx.QueryRowContext(ctx, `UPDATE message_threads SET message_count = message_count + 1, last_message_at = $3,
		last_from = $4, waiting_since = `+waiting+`, module = $5, record_label = $6, customer_id = $7, site_id = $8, updated_at = $3
		WHERE org_id = $1 AND record_kind = $2 AND record_id = $9
		RETURNING id, office_mail_until, customer_mail_until`,
		v.OrgID, in.RecordKind, tx.now, from, string(r.module), r.label, r.customerID, nullStr(r.siteID), in.RecordID).
		Scan(&threadID, tm(&officeUntil), tm(&customerUntil)); err != nil {
		return nil, err
	}
	m := &fieldportal.Message{ID: newID(), ThreadID: threadID, RecordKind: in.RecordKind, RecordID: in.RecordID,
		Body: strings.TrimSpace(in.Body), From: from, AuthorName: authorName(v), ContactID: v.ContactID, StaffID: v.StaffID,
		Attachments: []*fieldportal.MessageAttachment{}, CreatedAt: tx.now, UpdatedAt: tx.now}
	if _, err := tx.ExecContext(ctx, `INSERT INTO messages (id, org_id, thread_id, body, from_side, author_name, contact_id, staff_id,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
		m.ID, v.OrgID, threadID, m.Body, from, m.AuthorName, nullStr(m.ContactID), nullStr(m.StaffID), tx.now); err != nil {
		return nil, err
	}
	for _, f := range files {
		a := &fieldportal.MessageAttachment{ID: newID(), MessageID: m.ID, Name: f.Name, ContentType: f.ContentType, Size: f.Size,
			SHA256: f.SHA256, StorageKey: f.key}
		if _, err := tx.ExecContext(ctx, `INSERT INTO message_attachments (id, org_id, message_id, name, content_type, size, sha256, storage_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.ID, v.OrgID, m.ID, a.Name, a.ContentType, a.Size, a.SHA256, a.StorageKey); err != nil {
			return nil, err
		}
		m.Attachments = append(m.Attachments, a)
	}
	if v.IsContact() {
		if err := tx.markRead(ctx, v, threadID, tx.now); err != nil {
			return nil, err
		}
	}
	if err := tx.mailMessage(ctx, v, m, r, officeUntil, customerUntil); err != nil {
		return nil, err
	}
	return m, tx.emitEvent(ctx, v, v.OrgID, "message.created", m)
}

// authorName is how a message signs its writer: the contact's or staff
// user's name, or the office for the back office's key.
func authorName(v fieldportal.Viewer) string {
	if v.Name != "" && (v.IsContact() || v.Kind() == fieldportal.ViewerStaff) {
		return v.Name
	}
	return "The office"
}

// scanThreadRow reads a thread of a list with its unread rank (1: unread).
func scanThreadRow(row interface{ Scan(...any) error }) (*fieldportal.MessageThread, error) {
	var t fieldportal.MessageThread
	var rank int
	err := row.Scan(&t.ID, &t.OrgID, &t.RecordKind, &t.RecordID, &t.RecordLabel, &t.CustomerID, str(&t.SiteID), &t.Messages,
		tm(&t.LastMessageAt), &t.LastFrom, tm(&t.WaitingSince), tm(&t.CreatedAt), tm(&t.UpdatedAt), &rank)
	t.Unread = rank == 1
	return &t, err
}
