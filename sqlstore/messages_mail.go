package sqlstore

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// mailMessage tells the other side of a thread about a new message, at
// most once per fieldportal.MessageDigestDelay: the first message of a
// quiet thread schedules a mail due when the window ends (the outbox's
// next attempt), and the thread remembers the window's end; every further
// message from the same side before then joins that mail, which says
// only that there is something to read and links to the thread.
//
// The office side is mailed at the addresses of the staff users who
// answered on the thread before; on a thread nobody at the office has
// answered, at the organisation's support address (Branding.SupportEmail),
// the address its customers write to. The customer side is mailed at the
// contacts who wrote on the thread, or when none has (the office wrote
// first), at the record's job contacts; in both cases only contacts whose
// portal login sees the record (portalRecipients).
func (tx *Tx) mailMessage(ctx context.Context, v fieldportal.Viewer, m *fieldportal.Message, r threadRecord, officeUntil, customerUntil time.Time) error {
	toOffice := m.From == fieldportal.MessageFromCustomer
	until, column := customerUntil, "customer_mail_until"
	if toOffice {
		until, column = officeUntil, "office_mail_until"
	}
	// The window is judged by the clock now, after the thread's row was
	// updated, not by the transaction's start: a transaction that began
	// before the window ended may reach the thread after the mail worker
	// dropped the window's mail as read (dropReadMessageMails, which holds
	// the thread meanwhile), and a message folded into it then would go
	// unannounced. It starts the next window instead.
	now := tx.db.now()
	if now.Before(until) {
		return nil // the window's mail is scheduled: this message joins it
	}
	due := now.Add(fieldportal.MessageDigestDelay)
	if _, err := tx.ExecContext(ctx, `UPDATE message_threads SET `+column+` = $1 WHERE id = $2`, due, m.ThreadID); err != nil {
		return err
	}
	org, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, v.OrgID))
	if err != nil {
		return sqlErr(err, "organisation")
	}
	var out []mail.Message
	var contacts []string
	if toOffice {
		out, err = tx.officeMessageMails(ctx, org, m, r)
	} else {
		out, contacts, err = tx.customerMessageMails(ctx, org, m, r)
	}
	if err != nil {
		return err
	}
	for i, mm := range out {
		om := mail.Outbox(org.ID, "message", mm)
		om.NextAttemptAt = due
		if err := tx.enqueue(ctx, om); err != nil {
			return err
		}
		// A contact's mail is looked at again when it is due
		// (dropReadMessageMails): read or turned off by then, it goes.
		if i < len(contacts) {
			if _, err := tx.ExecContext(ctx, `INSERT INTO message_mails (outbox_id, org_id, thread_id, contact_id, since, due_at)
				VALUES ($1, $2, $3, $4, $5, $6)`, om.ID, org.ID, m.ThreadID, contacts[i], tx.now, om.NextAttemptAt); err != nil {
				return err
			}
		}
	}
	return nil
}

// dropReadMessageMails decides, in the outbox's claim, the contacts'
// message mails now due: a mail whose contact has read every message the
// office wrote in its window (the read marker of one of its logins is at
// or past each), or has turned the mail off meanwhile, is removed from
// the outbox unsent; the others are sent as queued. Either way the mail
// leaves message_mails, which so holds only mails not yet due. A mail
// another worker holds is left to it.
func (tx *Tx) dropReadMessageMails(ctx context.Context) error {
	// On PostgreSQL, first hold the threads of the due mails: a message
	// being written on one (its transaction has updated the thread) is
	// waited for and seen as unread below, and one written after finds
	// its window over (mailMessage). SQLite's one writer already orders
	// the two.
	if lock := tx.db.dialect.forShare(); lock != "" {
		if _, err := tx.ExecContext(ctx, `SELECT t.id FROM message_threads t WHERE t.id IN
			(SELECT mm.thread_id FROM message_mails mm WHERE mm.due_at <= $1) ORDER BY t.id`+lock, tx.now); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id IN (SELECT mm.outbox_id FROM message_mails mm WHERE mm.due_at <= $1
			AND (EXISTS (SELECT 1 FROM contact_mail_off mo WHERE mo.contact_id = mm.contact_id AND mo.kind = $2)
			OR NOT EXISTS (SELECT 1 FROM messages ms WHERE ms.thread_id = mm.thread_id AND ms.from_side = 'office'
				AND ms.created_at >= mm.since AND ms.created_at < mm.due_at
				AND NOT EXISTS (SELECT 1 FROM message_reads mr JOIN portal_logins pl ON pl.id = mr.login_id
					WHERE pl.contact_id = mm.contact_id AND mr.thread_id = ms.thread_id AND mr.read_at >= ms.created_at))))
		AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < $1)`,
		tx.now, string(fieldportal.MailOfficeMessage)); err != nil {
		return err
	}
	if err := tx.dropUnseenMessageMails(ctx); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM message_mails WHERE due_at <= $1`, tx.now)
	return err
}

// dropUnseenMessageMails removes from the outbox the due message mails
// whose contact no longer sees the thread's record (SPEC §2): its login
// disabled, the record's page or site taken away, or the organisation's
// portal no longer showing the page since the mail was queued. The mail
// names the record and links to it, so it goes only to whom
// customerMessageMails would choose now.
func (tx *Tx) dropUnseenMessageMails(ctx context.Context) error {
	rows, err := tx.QueryContext(ctx, `SELECT mm.outbox_id, mm.contact_id, t.org_id, t.module, t.customer_id, COALESCE(t.site_id, '')
		FROM message_mails mm JOIN message_threads t ON t.id = mm.thread_id JOIN outbox o ON o.id = mm.outbox_id
		WHERE mm.due_at <= $1 AND o.status = 'pending' AND (o.claimed_until IS NULL OR o.claimed_until < $1)`, tx.now)
	if err != nil {
		return err
	}
	type due struct{ outboxID, contactID, orgID, module, customerID, siteID string }
	var list []due
	for rows.Next() {
		var d due
		if err := rows.Scan(&d.outboxID, &d.contactID, &d.orgID, &d.module, &d.customerID, &d.siteID); err != nil {
			rows.Close()
			return err
		}
		list = append(list, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, d := range list {
		ok, err := tx.orgUses(ctx, d.orgID, fieldportal.Module(d.module))
		if err != nil {
			return err
		}
		if ok {
			to, err := tx.portalRecipients(ctx, d.orgID, d.siteID, d.customerID, fieldportal.Module(d.module), "c.id = $3", d.contactID)
			if err != nil {
				return err
			}
			ok = len(to) > 0
		}
		if !ok {
			if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = $1`, d.outboxID); err != nil {
				return err
			}
		}
	}
	return nil
}

func (tx *Tx) officeMessageMails(ctx context.Context, org *fieldportal.Organisation, m *fieldportal.Message, r threadRecord) ([]mail.Message, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT su.email FROM messages ms JOIN staff_users su ON su.id = ms.staff_id
		WHERE ms.thread_id = $1 AND ms.staff_id IS NOT NULL AND su.disabled = FALSE AND su.email <> '' ORDER BY su.email`, m.ThreadID)
	if err != nil {
		return nil, err
	}
	var to []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			rows.Close()
			return nil, err
		}
		to = append(to, e)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if len(to) == 0 {
		st, err := tx.findSettings(ctx, org.ID)
		if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			return nil, err
		}
		if err == nil && strings.TrimSpace(st.Branding.SupportEmail) != "" {
			to = append(to, strings.TrimSpace(st.Branding.SupportEmail))
		}
	}
	link := tx.db.linkBase(org) + "/console/messages/" + url.PathEscape(m.ThreadID)
	var out []mail.Message
	for _, e := range to {
		mm := mail.MessageToOffice(org.Name, m.AuthorName, r.label, link)
		mm.To = e
		out = append(out, mm)
	}
	return out, nil
}

// customerMessageMails are the mails to the customer's side, with the
// contact each goes to. Who would be mailed is decided first (the
// contacts who wrote, else the job contacts), then those who turned the
// mail off are left out: a writer's choice does not pass its thread's
// mail to the job contacts.
func (tx *Tx) customerMessageMails(ctx context.Context, org *fieldportal.Organisation, m *fieldportal.Message, r threadRecord) ([]mail.Message, []string, error) {
	if ok, err := tx.orgUses(ctx, org.ID, r.module); err != nil || !ok {
		return nil, nil, err
	}
	to, err := tx.portalRecipients(ctx, org.ID, r.siteID, r.customerID, r.module,
		"c.id IN (SELECT ms.contact_id FROM messages ms WHERE ms.thread_id = $3)", m.ThreadID)
	if err == nil && len(to) == 0 {
		to, err = tx.portalRecipients(ctx, org.ID, r.siteID, r.customerID, r.module, "c.job_contact = TRUE AND c.org_id = $3", org.ID)
	}
	if err == nil {
		to, err = tx.wanting(ctx, fieldportal.MailOfficeMessage, to)
	}
	if err != nil {
		return nil, nil, err
	}
	path := (&fieldportal.MessageThread{RecordKind: m.RecordKind, RecordID: url.PathEscape(m.RecordID)}).RecordPath()
	link := tx.db.linkBase(org) + path + "#messages"
	var out []mail.Message
	var contacts []string
	for _, c := range to {
		mm := mail.MessageToCustomer(org.Name, c.name, r.label, link)
		mm.To = c.email
		out = append(out, mm)
		contacts = append(contacts, c.id)
	}
	return out, contacts, nil
}
