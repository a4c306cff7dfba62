package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// Single sign-on per customer (issue 21 point 4): the settings the console
// keeps, the flows under way at a provider, and the session a provider's
// word starts. The provider's answer itself is checked by package sso;
// this file trusts only what it is given after that check, and decides
// who it is for from the database alone.

// FindCustomerSSO returns a customer's settings, without the secret, to
// an admin; a customer without any gets empty ones.
func (d *DB) FindCustomerSSO(ctx context.Context, v fieldportal.Viewer, customerID string) (*fieldportal.CustomerSSO, error) {
	if !v.IsAdmin() {
		return nil, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can see single sign-on settings.")
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.findCustomer(ctx, v, customerID); err != nil {
		return nil, err
	}
	s, _, err := tx.customerSSO(ctx, v.OrgID, customerID)
	return s, err
}

// customerSSO reads a customer's settings and its sealed secret.
func (tx *Tx) customerSSO(ctx context.Context, orgID, customerID string) (*fieldportal.CustomerSSO, string, error) {
	s := &fieldportal.CustomerSSO{CustomerID: customerID}
	var sealed string
	err := tx.QueryRowContext(ctx, `SELECT issuer, client_id, client_secret, enabled, updated_at FROM customer_sso
		WHERE org_id = $1 AND customer_id = $2`, orgID, customerID).Scan(&s.Issuer, &s.ClientID, &sealed, &s.Enabled, tm(&s.UpdatedAt))
	if errors.Is(err, sql.ErrNoRows) {
		return s, "", nil
	} else if err != nil {
		return nil, "", err
	}
	s.Configured, s.SecretSet = true, sealed != ""
	rows, err := tx.QueryContext(ctx, `SELECT domain FROM customer_sso_domains WHERE org_id = $1 AND customer_id = $2 ORDER BY domain`, orgID, customerID)
	if err != nil {
		return nil, "", err
	}
	s.Domains, err = collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var d string
		return d, r.Scan(&d)
	})
	return s, sealed, err
}

// SaveCustomerSSO saves a customer's settings (admins only, audited). A
// domain another customer of the organisation owns is the field's error;
// an empty secret keeps the saved one.
func (d *DB) SaveCustomerSSO(ctx context.Context, v fieldportal.Viewer, in *fieldportal.CustomerSSO) error {
	if !v.IsAdmin() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change single sign-on settings.")
	}
	sealedNew, err := d.sealKey(ctx, strings.TrimSpace(in.ClientSecret))
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.findCustomer(ctx, v, in.CustomerID); err != nil {
			return err
		}
		old, sealed, err := tx.customerSSO(ctx, v.OrgID, in.CustomerID)
		if err != nil {
			return err
		}
		if err := in.Validate(old.SecretSet); err != nil {
			return err
		}
		for _, dom := range in.Domains {
			var owner string
			err := tx.QueryRowContext(ctx, `SELECT c.name FROM customer_sso_domains sd JOIN customers c ON c.id = sd.customer_id
				WHERE sd.org_id = $1 AND sd.domain = $2 AND sd.customer_id <> $3`, v.OrgID, dom, in.CustomerID).Scan(&owner)
			if err == nil {
				return fieldportal.FieldErrorf("domains", "Email domains: %s already signs in through %s.", dom, owner)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		var changed []string
		if in.ClientSecret != "" {
			sealed = sealedNew
			changed = append(changed, "client secret")
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO customer_sso (customer_id, org_id, issuer, client_id, client_secret, enabled, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (customer_id) DO UPDATE SET issuer = excluded.issuer,
			client_id = excluded.client_id, client_secret = excluded.client_secret, enabled = excluded.enabled, updated_at = excluded.updated_at`,
			in.CustomerID, v.OrgID, in.Issuer, in.ClientID, sealed, in.Enabled, tx.now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM customer_sso_domains WHERE org_id = $1 AND customer_id = $2`, v.OrgID, in.CustomerID); err != nil {
			return err
		}
		for _, dom := range in.Domains {
			if _, err := tx.ExecContext(ctx, `INSERT INTO customer_sso_domains (org_id, domain, customer_id) VALUES ($1, $2, $3)`,
				v.OrgID, dom, in.CustomerID); err != nil {
				if fieldportal.ErrorCode(sqlErr(err, "domain")) == fieldportal.ECONFLICT {
					// Another admin took it since the check above.
					return fieldportal.FieldErrorf("domains", "Email domains: %s already signs in through another customer.", dom)
				}
				return err
			}
		}
		state := "off"
		if in.Enabled {
			state = "on"
		}
		detail := fmt.Sprintf("single sign-on %s; issuer %s; client ID %s; domains %s", state, in.Issuer, in.ClientID, strings.Join(in.Domains, ", "))
		if len(changed) > 0 {
			detail += "; replaced " + strings.Join(changed, ", ")
		}
		return tx.audit(ctx, v, "customer_sso.updated", "customer", in.CustomerID, detail)
	})
}

// ssoProviderColumns are an SSOProvider's columns, in scanSSOProvider's
// order (s: customer_sso, c: customers).
const ssoProviderColumns = `s.org_id, s.customer_id, c.name, s.issuer, s.client_id, s.client_secret`

func (d *DB) scanSSOProvider(ctx context.Context, row *sql.Row) (*fieldportal.SSOProvider, error) {
	var p fieldportal.SSOProvider
	var sealed string
	if err := row.Scan(&p.OrgID, &p.CustomerID, &p.CompanyName, &p.Issuer, &p.ClientID, &sealed); err != nil {
		return nil, sqlErr(err, "single sign-on")
	}
	var err error
	if p.ClientSecret, err = d.openKey(ctx, sealed); err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT domain FROM customer_sso_domains WHERE customer_id = $1 ORDER BY domain`, p.CustomerID)
	if err != nil {
		return nil, err
	}
	p.Domains, err = collect(rows, func(r interface{ Scan(...any) error }) (string, error) {
		var d string
		return d, r.Scan(&d)
	})
	return &p, err
}

// SSOProviderForDomain returns the switched-on provider that signs an
// email domain in, or ENOTFOUND. It runs before anyone is signed in.
func (d *DB) SSOProviderForDomain(ctx context.Context, orgID, domain string) (*fieldportal.SSOProvider, error) {
	if domain == "" {
		return nil, fieldportal.NotFound("single sign-on")
	}
	return d.scanSSOProvider(ctx, d.db.QueryRowContext(ctx, `SELECT `+ssoProviderColumns+` FROM customer_sso_domains sd
		JOIN customer_sso s ON s.customer_id = sd.customer_id JOIN customers c ON c.id = s.customer_id
		WHERE sd.org_id = $1 AND sd.domain = $2 AND s.enabled`, orgID, strings.ToLower(domain)))
}

// SSOProviderForCustomer returns a customer's switched-on provider, or
// ENOTFOUND (switched off since the flow began).
func (d *DB) SSOProviderForCustomer(ctx context.Context, orgID, customerID string) (*fieldportal.SSOProvider, error) {
	return d.scanSSOProvider(ctx, d.db.QueryRowContext(ctx, `SELECT `+ssoProviderColumns+` FROM customer_sso s
		JOIN customers c ON c.id = s.customer_id WHERE s.org_id = $1 AND s.customer_id = $2 AND s.enabled`, orgID, customerID))
}

// SaveSSOFlow stores a flow under way; its state's hash is the key.
func (d *DB) SaveSSOFlow(ctx context.Context, f *fieldportal.SSOFlow) error {
	f.ExpiresAt = d.now().Add(fieldportal.SSOFlowLifetime)
	_, err := d.db.ExecContext(ctx, `INSERT INTO sso_flows (state_hash, org_id, customer_id, verifier, nonce, next, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, f.StateHash, f.OrgID, f.CustomerID, f.Verifier, f.Nonce, f.Next, f.ExpiresAt)
	return err
}

// CountSSOStart counts a sign-in started at a provider from an address,
// refusing it with ERATELIMIT past fieldportal.SSOStartFree in the window
// (the sign-in throttles' store and clock, by address alone).
func (d *DB) CountSSOStart(ctx context.Context, clientAddr string) error {
	return d.countSSO(ctx, "sso.start", fieldportal.SSOStartFree, clientAddr)
}

// CountSSOLookup counts a lookup of a domain's company from an address
// (fieldportal.SSOLookupFree in the window).
func (d *DB) CountSSOLookup(ctx context.Context, clientAddr string) error {
	return d.countSSO(ctx, "sso.lookup", fieldportal.SSOLookupFree, clientAddr)
}

func (d *DB) countSSO(ctx context.Context, scope string, free int, clientAddr string) error {
	th := auth.NewThrottle(scope, d.Attempts())
	th.Now = d.Now
	th.PerAddress = auth.Limit{Free: free, Window: fieldportal.SSOStartWindow, MaxDelay: fieldportal.SSOStartMaxDelay}
	if err := th.Check(ctx, "", clientAddr); err != nil {
		return err
	}
	return th.Fail(ctx, "", clientAddr)
}

// TakeSSOFlow spends the live flow of a state of an organisation: the
// first caller gets it, any other (a replay, a race, another
// organisation's state, an expired one) gets ENOTFOUND.
func (d *DB) TakeSSOFlow(ctx context.Context, orgID, state string) (*fieldportal.SSOFlow, error) {
	if state == "" {
		return nil, fieldportal.NotFound("sign-in")
	}
	var f fieldportal.SSOFlow
	err := d.inTx(ctx, func(tx *Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT state_hash, org_id, customer_id, verifier, nonce, next, expires_at FROM sso_flows
			WHERE state_hash = $1 AND org_id = $2`, auth.HashToken(state), orgID).Scan(&f.StateHash, &f.OrgID, &f.CustomerID,
			&f.Verifier, &f.Nonce, &f.Next, tm(&f.ExpiresAt))
		if err != nil {
			return sqlErr(err, "sign-in")
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM sso_flows WHERE state_hash = $1`, f.StateHash)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fieldportal.NotFound("sign-in")
		}
		if !tx.now.Before(f.ExpiresAt) {
			return fieldportal.NotFound("sign-in")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}
