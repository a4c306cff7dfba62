package sqlstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The API's Idempotency-Key records (SPEC §6): a POST sent again with the
// same key gets the first one's response instead of running twice. The
// record is claimed before the handler runs and completed after, outside
// the handler's own transaction: an instance that dies in between leaves
// a claim that a retry may take over after idempotencyInFlight.

// idempotencyKeep is how long a key's response is replayed.
const idempotencyKeep = 24 * time.Hour

// idempotencyInFlight is how long a claim without a response holds off a
// retry: longer than any request runs, so only a dead instance's claim
// is ever taken over.
const idempotencyInFlight = 5 * time.Minute

var (
	errIdempotentViewer  = fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an API key sends an Idempotency-Key.")
	errIdempotentOther   = fieldportal.FieldErrorf("Idempotency-Key", "Idempotency-Key was already used for a different request (method, path or body); use a new key for a new request.")
	errIdempotentRunning = fieldportal.Errorf(fieldportal.ECONFLICT, "A request with this Idempotency-Key is still being processed; retry it in a moment.")
)

// BeginIdempotent claims key for the request, or answers what a request
// with it already got (see the interface).
func (d *DB) BeginIdempotent(ctx context.Context, v fieldportal.Viewer, key, requestHash string) (*fieldportal.IdempotentResponse, error) {
	if v.Kind() != fieldportal.ViewerAPI || v.APIKeyID == "" {
		return nil, errIdempotentViewer
	}
	now := d.now()
	res, err := d.db.ExecContext(ctx, `INSERT INTO idempotency_keys (api_key_id, idem_key, org_id, request_hash, created_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (api_key_id, idem_key) DO NOTHING`, v.APIKeyID, key, v.OrgID, requestHash, now)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 1 {
		return nil, nil
	}
	var (
		hash, headers string
		status        sql.NullInt64
		body          []byte
		created       time.Time
	)
	err = d.db.QueryRowContext(ctx, `SELECT request_hash, response_status, response_headers, response_body, created_at
		FROM idempotency_keys WHERE api_key_id = $1 AND idem_key = $2`, v.APIKeyID, key).Scan(&hash, &status, &headers, &body, tm(&created))
	if errors.Is(err, sql.ErrNoRows) {
		// Cleaned up between the two statements: claim it afresh.
		return d.BeginIdempotent(ctx, v, key, requestHash)
	} else if err != nil {
		return nil, err
	}
	expired := now.Sub(created) >= idempotencyKeep
	abandoned := !status.Valid && now.Sub(created) >= idempotencyInFlight
	switch {
	case expired || abandoned:
		// Taken over only if it is still expired or abandoned, so that
		// of two retries racing for it one wins.
		res, err := d.db.ExecContext(ctx, `UPDATE idempotency_keys SET request_hash = $3, response_status = NULL,
			response_headers = '', response_body = NULL, created_at = $4
			WHERE api_key_id = $1 AND idem_key = $2 AND (created_at <= $5 OR (response_status IS NULL AND created_at <= $6))`,
			v.APIKeyID, key, requestHash, now, now.Add(-idempotencyKeep), now.Add(-idempotencyInFlight))
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n == 0 {
			return nil, errIdempotentRunning
		}
		return nil, nil
	case hash != requestHash:
		return nil, errIdempotentOther
	case !status.Valid:
		return nil, errIdempotentRunning
	}
	if body, err = d.openReplay(ctx, body); err != nil {
		return nil, err
	}
	out := &fieldportal.IdempotentResponse{Status: int(status.Int64), Body: body}
	if headers != "" {
		if err := json.Unmarshal([]byte(headers), &out.Header); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// FinishIdempotent stores the response of a claimed key, or releases the
// claim when res is nil.
func (d *DB) FinishIdempotent(ctx context.Context, v fieldportal.Viewer, key, requestHash string, res *fieldportal.IdempotentResponse) error {
	if v.Kind() != fieldportal.ViewerAPI || v.APIKeyID == "" {
		return errIdempotentViewer
	}
	if res == nil {
		_, err := d.db.ExecContext(ctx, `DELETE FROM idempotency_keys
			WHERE api_key_id = $1 AND idem_key = $2 AND request_hash = $3 AND response_status IS NULL`, v.APIKeyID, key, requestHash)
		return err
	}
	headers := ""
	if len(res.Header) > 0 {
		b, err := json.Marshal(res.Header)
		if err != nil {
			return err
		}
		headers = string(b)
	}
	body, err := d.sealReplay(ctx, res.Body)
	if err != nil {
		return err
	}
	_, err = d.db.ExecContext(ctx, `UPDATE idempotency_keys SET response_status = $4, response_headers = $5, response_body = $6
		WHERE api_key_id = $1 AND idem_key = $2 AND request_hash = $3 AND response_status IS NULL`,
		v.APIKeyID, key, requestHash, res.Status, headers, body)
	return err
}

// replaySealed marks a stored response body sealed by sealReplay.
var replaySealed = []byte("fpseal1:")

// sealReplay encrypts a response body kept for replay (AES-GCM under the
// install's secret "idempotency"): it may hold what must not rest in the
// clear, such as a webhook endpoint's signing secret, shown once.
func (d *DB) sealReplay(ctx context.Context, body []byte) ([]byte, error) {
	aead, err := d.secretCipher(ctx, "idempotency")
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(append(append([]byte{}, replaySealed...), nonce...), nonce, body, replaySealed), nil
}

// openReplay decrypts what sealReplay made; a body stored before sealing
// is returned as it is.
func (d *DB) openReplay(ctx context.Context, stored []byte) ([]byte, error) {
	if !bytes.HasPrefix(stored, replaySealed) {
		return stored, nil
	}
	aead, err := d.secretCipher(ctx, "idempotency")
	if err != nil {
		return nil, err
	}
	b := stored[len(replaySealed):]
	if len(b) < aead.NonceSize() {
		return nil, fmt.Errorf("a stored idempotent response is unreadable")
	}
	plain, err := aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], replaySealed)
	if err != nil {
		return nil, fmt.Errorf("a stored idempotent response does not open with this install's secret")
	}
	return plain, nil
}
