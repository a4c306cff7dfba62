package sqlstore

import (
	"context"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// The "issue answered" mail (issue 16, point 7): queued in the transaction
// of the operator's comment, to whoever can follow its link to the issue.

// mailIssueAnswered queues the "issue answered" mail for an issue the
// operator commented on. It goes to whoever reported the issue; an issue
// with no reporter who can still read it (one the back office or staff
// made, or whose reporter lost access) goes to the job contacts of its
// customer and of the customers above it (SPEC §1's job role: issues are
// the job side's work), each only when it has an email address and an
// active portal login with the Issues page that reaches the site, since
// the mail is a link into the portal; a contact that turned the mail off
// in its preferences is not sent it (wantsMail).
func (tx *Tx) mailIssueAnswered(ctx context.Context, x *fieldportal.Issue) error {
	// Read in tx: a read on the pool beside the transaction waits for a
	// connection that the writers queued behind this one may all hold.
	org, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, x.OrgID))
	if err != nil {
		return sqlErr(err, "organisation")
	}
	if ok, err := tx.orgUses(ctx, x.OrgID, fieldportal.ModuleIssues); err != nil || !ok {
		return err // !ok: the portal shows no issues, nothing to link to
	}
	// Who gets it is chosen before the choices apply: a reporter that
	// turned the mail off does not pass it on to the job contacts.
	to, err := tx.issueRecipients(ctx, x, "c.id = $3", x.ReportedBy)
	if err == nil && len(to) == 0 {
		to, err = tx.issueRecipients(ctx, x, `c.job_contact = TRUE AND c.customer_id IN
			(SELECT ct.ancestor_id FROM customer_tree ct WHERE ct.customer_id = $3 AND ct.org_id = $1)`, x.CustomerID)
	}
	if err == nil {
		to, err = tx.wanting(ctx, fieldportal.MailIssueAnswered, to)
	}
	if err != nil {
		return err
	}
	link := tx.db.linkBase(org) + "/issues/" + url.PathEscape(x.ID)
	for _, r := range to {
		m := mail.IssueAnswered(org.Name, r.name, x.Number, x.Title, link)
		m.To = r.email
		if err := tx.enqueue(ctx, mail.Outbox(org.ID, "issue_answered", m)); err != nil {
			return err
		}
	}
	return nil
}

// recipient is a contact to mail: its id, first name, full name and
// address.
type recipient struct{ id, name, fullName, email string }

// wanting drops the recipients that turned kind off in their preferences
// (issue 20). A mail that falls back to other contacts when its first
// recipients cannot read it applies it after choosing them, so that one
// contact's choice never sends the mail to others instead.
func (tx *Tx) wanting(ctx context.Context, kind fieldportal.MailKind, list []recipient) ([]recipient, error) {
	var out []recipient
	for _, r := range list {
		var off bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contact_mail_off WHERE contact_id = $1 AND kind = $2)`,
			r.id, kind).Scan(&off); err != nil {
			return nil, err
		}
		if !off {
			out = append(out, r)
		}
	}
	return out, nil
}

// issueRecipients lists the contacts matching who ($3 is arg) that can
// follow a link to issue x (portalRecipients).
func (tx *Tx) issueRecipients(ctx context.Context, x *fieldportal.Issue, who, arg string) ([]recipient, error) {
	return tx.portalRecipients(ctx, x.OrgID, x.SiteID, x.CustomerID, fieldportal.ModuleIssues, who, arg)
}

// portalRecipients lists the contacts matching who ($3 is arg) that can
// follow a mail's link to a record of module at the site siteID of the
// customer customerID, as every mail of issue 16 links into the portal:
// a contact of that customer or one above it, with a valid email
// address and an active portal login with the module's page that reaches
// the site (SPEC §2: no mail tells a contact of a record it may not see).
func (tx *Tx) portalRecipients(ctx context.Context, orgID, siteID, customerID string, module fieldportal.Module, who, arg string) ([]recipient, error) {
	if arg == "" {
		return nil, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.first_name, c.last_name, c.email, pl.page_access FROM contacts c
		JOIN portal_logins pl ON pl.contact_id = c.id
		WHERE c.org_id = $1 AND c.email <> '' AND pl.status = 'active' AND `+who+`
		AND c.customer_id IN (SELECT ct.ancestor_id FROM customer_tree ct WHERE ct.customer_id = $4 AND ct.org_id = $1)
		AND (pl.site_access = 'all' OR EXISTS (SELECT 1 FROM login_sites ls WHERE ls.login_id = pl.id AND ls.site_id = $2))
		ORDER BY c.id`, orgID, siteID, arg, customerID)
	if err != nil {
		return nil, err
	}
	var out []recipient
	defer rows.Close()
	for rows.Next() {
		var r recipient
		var last, pages string
		if err := rows.Scan(&r.id, &r.name, &last, &r.email, &pages); err != nil {
			return nil, err
		}
		if fieldportal.ValidEmail(strings.TrimSpace(r.email)) && fieldportal.ParseModules(pages).Has(module) {
			r.email = strings.TrimSpace(r.email)
			r.fullName = strings.TrimSpace(r.name + " " + last)
			out = append(out, r)
		}
	}
	return out, rows.Err()
}

// orgUses reports whether the organisation's portal shows module: a mail
// linking to a page it hides is not sent.
// The settings come from the cache, else are read in tx (not on the pool
// beside it, whose connections the writers queued behind tx may hold).
func (tx *Tx) orgUses(ctx context.Context, orgID string, module fieldportal.Module) (bool, error) {
	st, ok := tx.db.orgs.findSettings(orgID)
	var err error
	if !ok {
		st, err = tx.findSettings(ctx, orgID)
	}
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		st, err = fieldportal.DefaultSettings(), nil
	}
	return st.Modules.Has(module), err
}

// linkBase is the start of the links of mail the store composes: the
// organisation's own host when it has one, with the scheme of LinkBase,
// else LinkBase.
func (d *DB) linkBase(org *fieldportal.Organisation) string {
	base := strings.TrimSuffix(d.LinkBase, "/")
	if org != nil && org.Host != "" {
		scheme := "https"
		if u, err := url.Parse(base); err == nil && u.Scheme != "" {
			scheme = u.Scheme
		}
		return scheme + "://" + org.Host
	}
	return base
}
