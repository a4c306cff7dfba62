package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Webhook endpoints (SPEC §6) are the operator's: only an admin registers,
// changes or reads them, or the back office through an API key of the
// organisation (mayReadWebhooks, mayManageWebhooks). The signing secret must be read back to sign each
// delivery, so it cannot be kept as a hash like an API key: it is sealed
// with the install's secret, as the payment keys are (paymentkeys.go).

const webhookColumns = `id, org_id, url, events, active, disabled_reason, created_at, updated_at`

func scanWebhookEndpoint(r interface{ Scan(...any) error }) (*fieldportal.WebhookEndpoint, error) {
	var e fieldportal.WebhookEndpoint
	var events string
	err := r.Scan(&e.ID, &e.OrgID, &e.URL, &events, &e.Active, &e.DisabledReason, tm(&e.CreatedAt), tm(&e.UpdatedAt))
	e.Events = splitList(events)
	return &e, err
}

// FindWebhookEndpoints lists the endpoints the back office hears from
// (SPEC §6), without their signing secrets. They are the operator's: a
// contact, or anyone not signed in, gets an empty list, as the scope
// gives such a viewer no rows of anything the operator alone sees. The
// events are stored comma-separated, like a login's page access.
func (d *DB) FindWebhookEndpoints(ctx context.Context, v fieldportal.Viewer) ([]*fieldportal.WebhookEndpoint, error) {
	if !v.SeesWholeOrg() {
		return []*fieldportal.WebhookEndpoint{}, nil
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, id`, v.OrgID)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, scanWebhookEndpoint)
	if list == nil && err == nil {
		list = []*fieldportal.WebhookEndpoint{}
	}
	return list, err
}

// FindWebhookEndpointPage lists a page of the endpoints, in the order
// they were made (then id), or by (updated_at, id) with UpdatedSince,
// without their secrets; as FindWebhookEndpoints, anyone but the operator
// gets none.
func (d *DB) FindWebhookEndpointPage(ctx context.Context, v fieldportal.Viewer, f fieldportal.WebhookEndpointFilter) ([]*fieldportal.WebhookEndpoint, string, error) {
	if !v.SeesWholeOrg() {
		return []*fieldportal.WebhookEndpoint{}, "", nil
	}
	var q query
	q.and("x.org_id = " + q.arg(v.OrgID))
	order, byUpdate, err := q.pageOrder(f.Page, f.UpdatedSince, "x", "created_at")
	if err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT x.`+strings.ReplaceAll(webhookColumns, ", ", ", x.")+` FROM webhook_endpoints x`,
		"ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanWebhookEndpoint)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(e *fieldportal.WebhookEndpoint) string {
		if byUpdate {
			return cursor(e.UpdatedAt, e.ID)
		}
		return cursor(e.CreatedAt, e.ID)
	})
	if list == nil {
		list = []*fieldportal.WebhookEndpoint{}
	}
	return list, next, nil
}

var errWebhookAdmin = fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can manage webhooks.")

// mayReadWebhooks says whether v may read the endpoints with their
// secrets and deliveries: an admin, or an API key of the organisation
// (whose door never shows a secret but on create). Other staff may not.
func mayReadWebhooks(v fieldportal.Viewer) bool {
	return v.IsAdmin() || v.Kind() == fieldportal.ViewerAPI
}

// mayManageWebhooks says whether v may change the endpoints: an admin,
// or an API key of the write scope.
func mayManageWebhooks(v fieldportal.Viewer) bool {
	return v.IsAdmin() || (v.Kind() == fieldportal.ViewerAPI && v.MayWrite())
}

// FindWebhookEndpoint returns one of the organisation's endpoints with its
// secret, to an admin.
func (d *DB) FindWebhookEndpoint(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.WebhookEndpoint, error) {
	if !mayReadWebhooks(v) {
		return nil, errWebhookAdmin
	}
	return d.webhookEndpoint(ctx, v.OrgID, id)
}

// webhookEndpoint reads an endpoint with its secret opened; orgID "" reads
// whatever organisation's (the delivery worker).
func (d *DB) webhookEndpoint(ctx context.Context, orgID, id string) (*fieldportal.WebhookEndpoint, error) {
	var sealed string
	q, args := `SELECT `+webhookColumns+`, secret FROM webhook_endpoints WHERE id = $1`, []any{id}
	if orgID != "" {
		q, args = q+` AND org_id = $2`, append(args, orgID)
	}
	e, err := scanWebhookEndpoint(&scanExtra{d.db.QueryRowContext(ctx, q, args...), &sealed})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fieldportal.NotFound("webhook endpoint")
	} else if err != nil {
		return nil, err
	}
	e.Secret, err = d.openWebhookSecret(ctx, sealed)
	return e, err
}

// scanExtra scans a row into the columns a scan function reads, then the
// extra destinations after them.
type scanExtra struct {
	row   interface{ Scan(...any) error }
	extra any
}

func (s *scanExtra) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }

// openWebhookSecret opens a sealed secret; one stored plain (made by the
// data generator or before sealing) is used as it is.
func (d *DB) openWebhookSecret(ctx context.Context, stored string) (string, error) {
	if !strings.HasPrefix(stored, "v1:") {
		return stored, nil
	}
	return d.openKey(ctx, stored)
}

// checkWebhookInput validates an endpoint's URL against the install's
// policy and its events against the known types, naming the field.
func (d *DB) checkWebhookInput(in *fieldportal.WebhookEndpointInput) error {
	in.URL = strings.TrimSpace(in.URL)
	var bad fieldportal.Validation
	if err := d.WebhookURLs.CheckURL(in.URL); err != nil {
		bad.Add("url", "%s", fieldportal.ErrorMessage(err))
	}
	var events []string
	for _, e := range in.Events {
		if e = strings.TrimSpace(e); e == "" || slices.Contains(events, e) {
			continue
		}
		if e != "*" && !slices.Contains(fieldportal.WebhookEventTypes, e) {
			bad.Add("events", "Events has an unknown event type %q.", e)
			continue
		}
		events = append(events, e)
	}
	if len(events) == 0 && len(in.Events) == 0 {
		bad.Add("events", "Events must name at least one event to send.")
	}
	in.Events = events
	return bad.Err()
}

// CreateWebhookEndpoint registers an endpoint with a new signing secret,
// returned in the endpoint for the admin to copy into the receiver.
func (d *DB) CreateWebhookEndpoint(ctx context.Context, v fieldportal.Viewer, in fieldportal.WebhookEndpointInput) (*fieldportal.WebhookEndpoint, error) {
	if !mayManageWebhooks(v) {
		return nil, errWebhookAdmin
	}
	if err := d.checkWebhookInput(&in); err != nil {
		return nil, err
	}
	e := &fieldportal.WebhookEndpoint{ID: newID(), OrgID: v.OrgID, URL: in.URL, Events: in.Events, Active: true,
		Secret: "whsec_" + rand.Text() + rand.Text()}
	if in.Active != nil {
		e.Active = *in.Active
	}
	sealed, err := d.sealKey(ctx, e.Secret)
	if err != nil {
		return nil, err
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		e.CreatedAt, e.UpdatedAt = tx.now, tx.now
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_endpoints (id, org_id, url, secret, events, active, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, e.ID, e.OrgID, e.URL, sealed, strings.Join(e.Events, ","), e.Active, tx.now); err != nil {
			return err
		}
		return tx.audit(ctx, v, "webhook.created", "webhook_endpoint", e.ID, e.URL)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// UpdateWebhookEndpoint changes an endpoint's URL and events, and its
// flag when in.Active is set (a change of the flag clears the reason the
// worker gave for turning it off, as SetWebhookEndpointActive does); its
// secret stays.
func (d *DB) UpdateWebhookEndpoint(ctx context.Context, v fieldportal.Viewer, id string, in fieldportal.WebhookEndpointInput) (*fieldportal.WebhookEndpoint, error) {
	if !mayManageWebhooks(v) {
		return nil, errWebhookAdmin
	}
	if err := d.checkWebhookInput(&in); err != nil {
		return nil, err
	}
	err := d.inTx(ctx, func(tx *Tx) error {
		var active bool
		var updatedAt time.Time
		err := tx.QueryRowContext(ctx, `SELECT active, updated_at FROM webhook_endpoints WHERE id = $1 AND org_id = $2`+
			d.dialect.forUpdate(), id, v.OrgID).Scan(&active, tm(&updatedAt))
		if errors.Is(err, sql.ErrNoRows) {
			return fieldportal.NotFound("webhook endpoint")
		} else if err != nil {
			return err
		}
		if !in.IfUpdatedAt.IsZero() && !updatedAt.Equal(in.IfUpdatedAt.UTC()) {
			return fieldportal.ErrChanged
		}
		now := active
		if in.Active != nil {
			now = *in.Active
		}
		// The reason stays unless the flag changes: a PATCH of the URL
		// leaves the worker's word on an endpoint it turned off.
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET url = $3, events = $4, active = $5,
			disabled_reason = CASE WHEN active = $5 THEN disabled_reason ELSE '' END, updated_at = $6 WHERE id = $1 AND org_id = $2`,
			id, v.OrgID, in.URL, strings.Join(in.Events, ","), now, tx.now); err != nil {
			return err
		}
		if err := tx.audit(ctx, v, "webhook.updated", "webhook_endpoint", id, in.URL); err != nil {
			return err
		}
		switch {
		case now == active:
			return nil
		case now:
			return tx.audit(ctx, v, "webhook.enabled", "webhook_endpoint", id, "")
		}
		return tx.audit(ctx, v, "webhook.disabled", "webhook_endpoint", id, "")
	})
	if err != nil {
		return nil, err
	}
	return d.webhookEndpoint(ctx, v.OrgID, id)
}

// SetWebhookEndpointActive turns an endpoint off or back on. Turning it
// on clears the reason the worker gave for turning it off.
func (d *DB) SetWebhookEndpointActive(ctx context.Context, v fieldportal.Viewer, id string, active bool) (*fieldportal.WebhookEndpoint, error) {
	if !mayManageWebhooks(v) {
		return nil, errWebhookAdmin
	}
	action := "webhook.disabled"
	if active {
		action = "webhook.enabled"
	}
	return d.changeWebhookEndpoint(ctx, v, id, action, "", `active = $3, disabled_reason = ''`, active)
}

// changeWebhookEndpoint sets columns of one of the organisation's
// endpoints ($1 id, $2 organisation, then args) and audits it.
func (d *DB) changeWebhookEndpoint(ctx context.Context, v fieldportal.Viewer, id, action, detail, set string, args ...any) (*fieldportal.WebhookEndpoint, error) {
	err := d.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET `+set+`, updated_at = $`+strconv.Itoa(len(args)+3)+`
			WHERE id = $1 AND org_id = $2`, append(append([]any{id, v.OrgID}, args...), tx.now)...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fieldportal.NotFound("webhook endpoint")
		}
		return tx.audit(ctx, v, action, "webhook_endpoint", id, detail)
	})
	if err != nil {
		return nil, err
	}
	return d.webhookEndpoint(ctx, v.OrgID, id)
}

// DeleteWebhookEndpoint removes an endpoint, its deliveries and their
// attempts: nothing is sent to it any more.
func (d *DB) DeleteWebhookEndpoint(ctx context.Context, v fieldportal.Viewer, id string) error {
	if !mayManageWebhooks(v) {
		return errWebhookAdmin
	}
	return d.inTx(ctx, func(tx *Tx) error {
		var url string
		err := tx.QueryRowContext(ctx, `SELECT url FROM webhook_endpoints WHERE id = $1 AND org_id = $2`, id, v.OrgID).Scan(&url)
		if errors.Is(err, sql.ErrNoRows) {
			return fieldportal.NotFound("webhook endpoint")
		} else if err != nil {
			return err
		}
		// Lock the deliveries first: a worker recording an attempt at one
		// holds it, and its attempt, committed after this transaction
		// began, must be seen (and deleted) before its delivery is, or the
		// delete fails on the attempt's reference.
		rows, err := tx.QueryContext(ctx, `SELECT id FROM outbox WHERE endpoint_id = $1 AND org_id = $2 AND kind = 'webhook'`+
			d.dialect.forUpdate(), id, v.OrgID)
		if err != nil {
			return err
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, q := range []string{`DELETE FROM webhook_attempts WHERE endpoint_id = $1 AND org_id = $2`,
			`DELETE FROM outbox WHERE endpoint_id = $1 AND org_id = $2 AND kind = 'webhook'`,
			`DELETE FROM webhook_endpoints WHERE id = $1 AND org_id = $2`} {
			if _, err := tx.ExecContext(ctx, q, id, v.OrgID); err != nil {
				return err
			}
		}
		return tx.audit(ctx, v, "webhook.deleted", "webhook_endpoint", id, url)
	})
}

// splitList splits a stored comma-separated list, dropping empty items.
func splitList(s string) []string {
	out := []string{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
