package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// SSOSignIn starts the session of the contact a customer's provider
// vouched for (package sso has checked the ID token): the one contact with
// that email among the configured customer's subtree, with an active
// portal login, whose nearest configured ancestor is that customer. No
// login is made, and any other case is a refusal (issue 21: SSO is a
// complete way in, so it starts the session as a password would).
func (a *Accounts) SSOSignIn(ctx context.Context, r fieldportal.SSOSignInRequest) (*fieldportal.SignedIn, error) {
	email := strings.ToLower(strings.TrimSpace(r.Email))
	if email == "" {
		return nil, fieldportal.SSORefusal("no email")
	}
	var s *fieldportal.SignedIn
	err := a.db.inTx(ctx, func(tx *Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT pl.id, pl.status, ct.id, ct.customer_id, ct.first_name, ct.last_name,
			EXISTS (SELECT 1 FROM customer_tree t WHERE t.ancestor_id = $3 AND t.customer_id = ct.customer_id)
			FROM contacts ct LEFT JOIN portal_logins pl ON pl.contact_id = ct.id
			WHERE ct.org_id = $1 AND lower(ct.email) = $2 ORDER BY ct.id LIMIT 3`, r.OrgID, email, r.CustomerID)
		if err != nil {
			return err
		}
		type match struct {
			loginID, status, contactID, customerID, first, last string
			inTree                                              bool
		}
		list, err := collect(rows, func(r interface{ Scan(...any) error }) (match, error) {
			var m match
			return m, r.Scan(str(&m.loginID), str(&m.status), &m.contactID, &m.customerID, &m.first, str(&m.last), &m.inTree)
		})
		if err != nil {
			return err
		}
		var mine []match
		for _, m := range list {
			if m.inTree {
				mine = append(mine, m)
			}
		}
		switch {
		case len(mine) == 0 && len(list) > 0:
			return fieldportal.SSORefusal("the contact is another customer's")
		case len(mine) == 0:
			return fieldportal.SSORefusal("no contact has that email")
		case len(mine) > 1:
			return fieldportal.SSORefusal("more than one contact has that email")
		}
		m := mine[0]
		switch {
		case m.loginID == "":
			return fieldportal.SSORefusal("the contact has no portal login")
		case fieldportal.LoginStatus(m.status) != fieldportal.LoginActive:
			return fieldportal.SSORefusal("the login is %s", m.status)
		}
		// A customer between the configured one and the contact's with
		// its own settings is nearer, and so the one that signs it in.
		var nearer string
		err = tx.QueryRowContext(ctx, `SELECT s.customer_id FROM customer_tree up JOIN customer_sso s ON s.customer_id = up.ancestor_id
			JOIN customer_tree below ON below.customer_id = up.ancestor_id AND below.ancestor_id = $2
			WHERE up.customer_id = $1 AND up.ancestor_id <> $2 AND s.enabled LIMIT 1`, m.customerID, r.CustomerID).Scan(&nearer)
		if err == nil {
			return fieldportal.SSORefusal("customer %s nearer the contact has its own single sign-on", nearer)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		s, err = a.startSession(ctx, tx, &fieldportal.Session{OrgID: r.OrgID, LoginID: m.loginID}, r.OldToken, r.ClientAddr, r.UserAgent)
		if err != nil {
			return err
		}
		return tx.auditAs(ctx, r.OrgID, auditActor{kind: fieldportal.ActorContact, id: m.contactID, name: strings.TrimSpace(m.first + " " + m.last)},
			fieldportal.DoorPortal, "signin.succeeded", "login", m.loginID, "method sso; issuer "+r.Issuer)
	})
	if err != nil {
		return nil, err
	}
	// A password someone else set is not sent to be changed first: the
	// contact did not use it, and cannot while its company signs it in
	// (ViewerForLoginWith).
	return s, nil
}

// ssoCompanyOfLogin names the company whose provider signs a login's
// contact in ("" when its email's domain has none switched on): such a
// contact does not sign in with a password.
func (d *DB) ssoCompanyOfLogin(ctx context.Context, orgID, contactID string) (string, error) {
	var email string
	if err := d.db.QueryRowContext(ctx, `SELECT email FROM contacts WHERE org_id = $1 AND id = $2`, orgID, contactID).Scan(str(&email)); err != nil {
		return "", sqlErr(err, "contact")
	}
	p, err := d.SSOProviderForDomain(ctx, orgID, fieldportal.EmailDomain(email))
	switch fieldportal.ErrorCode(err) {
	case "":
		return p.CompanyName, nil
	case fieldportal.ENOTFOUND:
		return "", nil
	}
	return "", err
}

// SSOPointer is the answer to a right password of a contact whose company
// signs it in: where to go instead.
func SSOPointer(company string) error {
	return fieldportal.Errorf(fieldportal.EUNAUTHORIZED,
		"%s signs you in: enter your email address and choose “Continue with %s”.", company, company)
}
