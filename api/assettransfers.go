package api

import (
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// AssetTransfer is an asset's move from one site to another as the API
// shows it.
type AssetTransfer struct {
	ID            string           `json:"id"`
	AssetID       string           `json:"asset_id"`
	FromSiteID    string           `json:"from_site_id"`
	ToSiteID      string           `json:"to_site_id"`
	TransferredOn fieldportal.Date `json:"transferred_on"`
	Note          string           `json:"note"`
	CreatedAt     time.Time        `json:"created_at"`
	UpdatedAt     time.Time        `json:"updated_at"`
}

// AssetTransferInput is the body of a transfer: the asset and its new
// site, each by id or by external id.
type AssetTransferInput struct {
	AssetID          string `json:"asset_id"`
	AssetExternalID  string `json:"asset_external_id" doc:"The asset by the back office's id, instead of asset_id."`
	ToSiteID         string `json:"to_site_id"`
	ToSiteExternalID string `json:"to_site_external_id" doc:"The new site by the back office's id, instead of to_site_id."`
	TransferredOn    string `json:"transferred_on" doc:"YYYY-MM-DD; today (UTC) when left out."`
	Note             string `json:"note"`
}

func init() {
	typeDocs[reflect.TypeFor[AssetTransfer]()] = "An asset moved from one site to another; the asset takes the new site's customer."
}

// ShowAssetTransfer is the API's representation of a transfer.
func ShowAssetTransfer(t *fieldportal.AssetTransfer) AssetTransfer {
	return AssetTransfer{ID: t.ID, AssetID: t.AssetID, FromSiteID: t.FromSiteID, ToSiteID: t.ToSiteID,
		TransferredOn: t.TransferredOn, Note: t.Note, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

// assetTransferRoutes serve transfers, which are listed, read, made (a
// POST moves the asset) and deleted (the asset's latest only: it moves
// back): no PATCH, no upsert.
func (a *API) assetTransferRoutes() []route {
	res := &resource[fieldportal.AssetTransfer, AssetTransfer, AssetTransferInput]{api: a,
		Path: "/asset-transfers", Tag: "asset-transfers", Singular: "AssetTransfer", Plural: "AssetTransfers",
		Noun:      "asset transfer",
		Filters:   []param{filter("asset_id", "Only the transfers of this asset.")},
		Show:      func(_ *http.Request, t *fieldportal.AssetTransfer) AssetTransfer { return ShowAssetTransfer(t) },
		UpdatedAt: func(t *fieldportal.AssetTransfer) time.Time { return t.UpdatedAt },
		ID:        func(t *fieldportal.AssetTransfer) string { return t.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.AssetTransfer, string, error) {
			return a.svc.Equipment.FindAssetTransferPage(r.Context(), viewer(r), fieldportal.AssetTransferFilter{
				Page: lq.Page, UpdatedSince: lq.Since(), AssetID: lq.Filters["asset_id"]})
		},
		Find:   a.svc.Equipment.FindAssetTransferByID,
		Delete: a.svc.Equipment.DeleteAssetTransfer,
		Kind:   fieldportal.KindAssetTransfer,
	}
	all := res.routes()
	rts := append(all[:3:3], all[5]) // list, create, get, delete
	rts[3].Summary = "Delete an asset's latest transfer, moving the asset back; lists by updated_since then show its tombstone"
	res.op(rts, http.MethodPost).Summary = "Move an asset to another site"
	res.op(rts, http.MethodPost).Handler = func(w http.ResponseWriter, r *http.Request) { a.createAssetTransfer(res, w, r) }
	return rts
}

// createAssetTransfer moves the asset (TransferAsset): the transfer and
// the asset's new site and customer are saved together.
func (a *API) createAssetTransfer(res *resource[fieldportal.AssetTransfer, AssetTransfer, AssetTransferInput], w http.ResponseWriter, r *http.Request) {
	var in AssetTransferInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	var bad fieldportal.Validation
	date := fieldportal.DateOf(time.Now().UTC())
	readDate(&bad, sn, "transferred_on", in.TransferredOn, &date)
	if in.AssetID == "" && in.AssetExternalID == "" {
		bad.Add("asset_id", "Asset is required.")
	}
	if in.ToSiteID == "" && in.ToSiteExternalID == "" {
		bad.Add("to_site_id", "The new site is required.")
	}
	if err := bad.Err(); err != nil {
		a.problem(w, r, err)
		return
	}
	assetID, toSiteID := in.AssetID, in.ToSiteID
	if err := a.assetRef(r.Context(), v, &assetID, in.AssetID, in.AssetExternalID); err != nil {
		a.problem(w, r, err)
		return
	}
	if in.ToSiteExternalID != "" {
		if err := a.siteRef(r.Context(), v, &toSiteID, in.ToSiteID, in.ToSiteExternalID); err != nil {
			a.problem(w, r, renameFields(err, map[string]string{"site_external_id": "to_site_external_id"}))
			return
		}
	}
	if _, err := a.svc.Equipment.FindAssetByID(r.Context(), v, assetID); fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		a.problem(w, r, fieldportal.FieldErrorf("asset_id", "Asset not found."))
		return
	} else if err != nil {
		a.problem(w, r, err)
		return
	}
	t, err := a.svc.Equipment.TransferAsset(r.Context(), v, assetID, toSiteID, date, in.Note)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/asset-transfers/"+t.ID)
	res.answer(w, r, http.StatusCreated, t.ID)
}
