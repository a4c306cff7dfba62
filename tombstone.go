package fieldportal

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// A deleted record leaves a tombstone, so that a back office syncing by
// updated_since learns of the deletion (SPEC §6, issue 19): its id, its
// external id and when it went. The delete, its tombstone and its
// webhook event (<kind>.deleted) are one transaction.

// Kinds of record that can be deleted, as tombstones and events name them.
const (
	KindTask          = "task"
	KindAppointment   = "appointment"
	KindAssetTest     = "asset_test"
	KindContact       = "contact"
	KindCertificate   = "certificate"
	KindDocument      = "document"
	KindAssetTransfer = "asset_transfer"
)

// TombstoneKeep is how long a tombstone is kept: a client that syncs at
// least this often sees every deletion. Older ones may be pruned.
const TombstoneKeep = 30 * 24 * time.Hour

// Tombstone is what is left of a deleted record.
type Tombstone struct {
	OrgID      string    `json:"-"`
	Kind       string    `json:"kind"`
	ID         string    `json:"id"`
	ExternalID string    `json:"external_id,omitempty"`
	DeletedAt  time.Time `json:"deleted_at"`
}

// TombstoneFilter selects the tombstones of one kind deleted after Since,
// in (deleted_at, id) order: the order, and the cursor (Page.After), of a
// walk by updated_since, so that one cursor walks records and tombstones
// together (SyncAfter).
type TombstoneFilter struct {
	Page
	Kind  string
	Since time.Time
}

// SyncAfter is the cursor (Page.After) of every walk by (updated_at, id)
// positioned after the record or tombstone of time at and id. The API
// merges records and tombstones on one page and needs the cursor of
// whichever comes last; the store makes the same cursor (a test holds
// them equal).
func SyncAfter(at time.Time, id string) string {
	b, _ := json.Marshal([]any{"t:" + at.UTC().Format(time.RFC3339Nano), id})
	return base64.RawURLEncoding.EncodeToString(b)
}
