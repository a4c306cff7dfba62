package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Asset is a piece of equipment at a site as the API shows it.
type Asset struct {
	ID              string            `json:"id"`
	ExternalID      *string           `json:"external_id" doc:"The back office's own id; null when none."`
	Number          string            `json:"number"`
	CustomerID      string            `json:"customer_id" doc:"The customer of the asset's site."`
	SiteID          string            `json:"site_id"`
	AssetType       string            `json:"asset_type" doc:"The contractor's kind of equipment, such as Fire extinguisher."`
	Name            string            `json:"name"`
	Location        string            `json:"location" doc:"Where at the site it is."`
	Serial          string            `json:"serial"`
	Make            string            `json:"make"`
	Model           string            `json:"model"`
	ServiceLevel    string            `json:"service_level"`
	ServiceInterval string            `json:"service_interval" doc:"weekly, monthly, quarterly, six_monthly, yearly, or empty."`
	NextServiceDue  *fieldportal.Date `json:"next_service_due"`
	InstalledOn     *fieldportal.Date `json:"installed_on"`
	Status          string            `json:"status" doc:"active, inactive or removed."`
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// AssetInput is the body of an asset's create, update (only the fields
// sent) or upsert. The site is given by id or by external id; the
// customer is the site's. A new site moves the asset, recorded as a
// transfer dated today.
type AssetInput struct {
	ExternalID      string `json:"external_id"`
	Number          string `json:"number"`
	SiteID          string `json:"site_id"`
	SiteExternalID  string `json:"site_external_id" doc:"The site by the back office's id, instead of site_id."`
	AssetType       string `json:"asset_type"`
	Name            string `json:"name"`
	Location        string `json:"location"`
	Serial          string `json:"serial"`
	Make            string `json:"make"`
	Model           string `json:"model"`
	ServiceLevel    string `json:"service_level"`
	ServiceInterval string `json:"service_interval" doc:"weekly, monthly, quarterly, six_monthly, yearly, or empty."`
	NextServiceDue  string `json:"next_service_due" doc:"YYYY-MM-DD."`
	InstalledOn     string `json:"installed_on" doc:"YYYY-MM-DD."`
	Status          string `json:"status" doc:"active (when left out), inactive or removed."`
}

func init() {
	typeDocs[reflect.TypeFor[Asset]()] = "A piece of equipment at a site that is serviced and tested."
}

// ShowAsset is the API's representation of an asset.
func ShowAsset(x *fieldportal.Asset) Asset {
	return Asset{ID: x.ID, ExternalID: optional(x.ExternalID), Number: x.Number, CustomerID: x.CustomerID, SiteID: x.SiteID,
		AssetType: x.Type, Name: x.Name, Location: x.Location, Serial: x.Serial, Make: x.Make, Model: x.Model,
		ServiceLevel: x.ServiceLevel, ServiceInterval: x.ServiceInterval, NextServiceDue: optionalDate(x.NextServiceDue),
		InstalledOn: optionalDate(x.InstalledOn), Status: x.Status, CreatedAt: x.CreatedAt.UTC(), UpdatedAt: x.UpdatedAt.UTC()}
}

func (a *API) assetRoutes() []route {
	res := &resource[fieldportal.Asset, Asset, AssetInput]{api: a,
		Path: "/assets", Tag: "assets", Singular: "Asset", Plural: "Assets",
		Filters: []param{filter("site_id", "Only the assets at this site."),
			filter("customer_id", "Only the assets of this customer."),
			filter("asset_type", "Only the assets of this type."),
			filter("status", "Only the assets of this status: active, inactive or removed."),
			filter("external_id", "Only the asset of this back-office id.")},
		Show:      func(_ *http.Request, x *fieldportal.Asset) Asset { return ShowAsset(x) },
		UpdatedAt: func(x *fieldportal.Asset) time.Time { return x.UpdatedAt },
		ID:        func(x *fieldportal.Asset) string { return x.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.Asset, string, error) {
			if st := lq.Filters["status"]; st != "" && st != "active" && st != "inactive" && st != "removed" {
				return nil, "", badRequest(fieldportal.FieldError{Field: "status", Message: "status must be active, inactive or removed."})
			}
			return a.svc.Equipment.FindAssets(r.Context(), viewer(r), fieldportal.AssetFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), SiteID: lq.Filters["site_id"], CustomerID: lq.Filters["customer_id"],
				Type: lq.Filters["asset_type"], Status: lq.Filters["status"], ExternalID: lq.Filters["external_id"]})
		},
		Find:           a.svc.Equipment.FindAssetByID,
		ByExternalID:   a.assetByExternalID,
		Fill:           a.fillAsset,
		ExternalID:     func(in *AssetInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(x *fieldportal.Asset, at time.Time) { x.IfUpdatedAt = at },
		Create:         a.svc.Equipment.CreateAsset,
		Update:         a.svc.Equipment.UpdateAsset,
		Upsert:         a.svc.Equipment.UpsertAssetByExternalID,
		WriteError:     assetFields,
	}
	return res.routes()
}

// assetByExternalID returns the asset of a back-office id, nil when there
// is none.
func (a *API) assetByExternalID(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.Asset, error) {
	return firstByExternalID(func() ([]*fieldportal.Asset, string, error) {
		return a.svc.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	})
}

// fillAsset copies the sent fields of in onto x (all of them for a nil
// sn), resolving a site given by external id.
func (a *API) fillAsset(r *http.Request, x *fieldportal.Asset, in AssetInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&x.ExternalID, &in.ExternalID}, "number": {&x.Number, &in.Number}, "site_id": {&x.SiteID, &in.SiteID},
		"asset_type": {&x.Type, &in.AssetType}, "name": {&x.Name, &in.Name}, "location": {&x.Location, &in.Location},
		"serial": {&x.Serial, &in.Serial}, "make": {&x.Make, &in.Make}, "model": {&x.Model, &in.Model},
		"service_level": {&x.ServiceLevel, &in.ServiceLevel}, "service_interval": {&x.ServiceInterval, &in.ServiceInterval},
		"status": {&x.Status, &in.Status},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	var bad fieldportal.Validation
	readDate(&bad, sn, "next_service_due", in.NextServiceDue, &x.NextServiceDue)
	readDate(&bad, sn, "installed_on", in.InstalledOn, &x.InstalledOn)
	if err := bad.Err(); err != nil {
		return err
	}
	return a.siteRef(r.Context(), viewer(r), &x.SiteID, in.SiteID, in.SiteExternalID)
}

// assetFields names the store's fields of an asset as the API does: its
// type is asset_type, and a move's new site (to_site_id) is site_id.
func assetFields(err error) error {
	return renameFields(err, map[string]string{"type": "asset_type", "to_site_id": "site_id"})
}

// renameFields renames the fields of a validation error by names, so a
// problem names the body's fields rather than the store's.
func renameFields(err error, names map[string]string) error {
	e, ok := err.(*fieldportal.Error)
	if !ok || e.Code != fieldportal.EINVALID {
		return err
	}
	out := *e
	if n, ok := names[out.Field]; ok {
		out.Field = n
	}
	out.Fields = make([]fieldportal.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if n, ok := names[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	if len(e.Fields) == 0 {
		out.Fields = nil
	}
	return &out
}
