package api

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/fieldportal/fieldportal"
)

// AssetTest is one service or test result of an asset as the API shows it.
type AssetTest struct {
	ID          string           `json:"id"`
	ExternalID  *string          `json:"external_id" doc:"The back office's own id; null when none."`
	AssetID     string           `json:"asset_id"`
	JobID       *string          `json:"job_id" doc:"The job the test was done on; null when none."`
	TestedOn    fieldportal.Date `json:"tested_on"`
	Result      string           `json:"result" doc:"pass, fail or not_tested."`
	Technician  string           `json:"technician"`
	Notes       string           `json:"notes"`
	RectifiedAt *time.Time       `json:"rectified_at" doc:"When a failure was put right; null until then."`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
}

// AssetTestInput is the body of a test's create, update (only the fields
// sent) or upsert. The asset is given by id or by external id.
type AssetTestInput struct {
	ExternalID      string `json:"external_id"`
	AssetID         string `json:"asset_id"`
	AssetExternalID string `json:"asset_external_id" doc:"The asset by the back office's id, instead of asset_id."`
	JobID           string `json:"job_id"`
	TestedOn        string `json:"tested_on" doc:"YYYY-MM-DD."`
	Result          string `json:"result" doc:"pass, fail or not_tested."`
	Technician      string `json:"technician"`
	Notes           string `json:"notes"`
	RectifiedAt     string `json:"rectified_at" doc:"RFC 3339; empty or null while not put right."`
}

func init() {
	typeDocs[reflect.TypeFor[AssetTest]()] = "A service or test result of an asset."
}

// ShowAssetTest is the API's representation of an asset's test.
func ShowAssetTest(t *fieldportal.AssetTest) AssetTest {
	return AssetTest{ID: t.ID, ExternalID: optional(t.ExternalID), AssetID: t.AssetID, JobID: optional(t.JobID),
		TestedOn: t.TestedOn, Result: string(t.Result), Technician: t.Technician, Notes: t.Notes,
		RectifiedAt: optionalTime(t.RectifiedAt), CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC()}
}

func (a *API) assetTestRoutes() []route {
	res := &resource[fieldportal.AssetTest, AssetTest, AssetTestInput]{api: a,
		Path: "/asset-tests", Tag: "asset-tests", Singular: "AssetTest", Plural: "AssetTests", Noun: "asset test",
		Filters: []param{filter("asset_id", "Only the tests of this asset."),
			filter("result", "Only the tests of this result: pass, fail or not_tested."),
			filter("external_id", "Only the test of this back-office id.")},
		Show:      func(_ *http.Request, t *fieldportal.AssetTest) AssetTest { return ShowAssetTest(t) },
		UpdatedAt: func(t *fieldportal.AssetTest) time.Time { return t.UpdatedAt },
		ID:        func(t *fieldportal.AssetTest) string { return t.ID },
		List: func(r *http.Request, lq listQuery) ([]*fieldportal.AssetTest, string, error) {
			switch fieldportal.TestResult(lq.Filters["result"]) {
			case "", fieldportal.TestPass, fieldportal.TestFail, fieldportal.TestNotTested:
			default:
				return nil, "", badRequest(fieldportal.FieldError{Field: "result", Message: "result must be pass, fail or not_tested."})
			}
			return a.svc.Equipment.FindAssetTests(r.Context(), viewer(r), fieldportal.AssetTestFilter{Page: lq.Page,
				UpdatedSince: lq.Since(), AssetID: lq.Filters["asset_id"], Result: fieldportal.TestResult(lq.Filters["result"]),
				ExternalID: lq.Filters["external_id"]})
		},
		Find: a.svc.Equipment.FindAssetTestByID,
		ByExternalID: func(ctx context.Context, v fieldportal.Viewer, ext string) (*fieldportal.AssetTest, error) {
			return firstByExternalID(func() ([]*fieldportal.AssetTest, string, error) {
				return a.svc.Equipment.FindAssetTests(ctx, v, fieldportal.AssetTestFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
			})
		},
		Fill:           a.fillAssetTest,
		ExternalID:     func(in *AssetTestInput) *string { return &in.ExternalID },
		SetIfUpdatedAt: func(t *fieldportal.AssetTest, at time.Time) { t.IfUpdatedAt = at },
		Create:         a.svc.Equipment.CreateAssetTest,
		Update:         a.svc.Equipment.UpdateAssetTest,
		Upsert:         a.svc.Equipment.UpsertAssetTestByExternalID,
		Delete:         a.svc.Equipment.DeleteAssetTest,
		Kind:           fieldportal.KindAssetTest,
	}
	rts := res.routes()
	res.op(rts, http.MethodPost).Summary = "Record an asset test"
	return rts
}

// fillAssetTest copies the sent fields of in onto t (all of them for a
// nil sn), resolving an asset given by external id.
func (a *API) fillAssetTest(r *http.Request, t *fieldportal.AssetTest, in AssetTestInput, sn sent) error {
	for name, p := range map[string][2]*string{
		"external_id": {&t.ExternalID, &in.ExternalID}, "asset_id": {&t.AssetID, &in.AssetID}, "job_id": {&t.JobID, &in.JobID},
		"technician": {&t.Technician, &in.Technician}, "notes": {&t.Notes, &in.Notes},
	} {
		if sn.has(name) {
			*p[0] = *p[1]
		}
	}
	if sn.has("result") {
		t.Result = fieldportal.TestResult(in.Result)
	}
	var bad fieldportal.Validation
	readDate(&bad, sn, "tested_on", in.TestedOn, &t.TestedOn)
	readTime(&bad, sn, "rectified_at", in.RectifiedAt, &t.RectifiedAt)
	if err := bad.Err(); err != nil {
		return err
	}
	return a.assetRef(r.Context(), viewer(r), &t.AssetID, in.AssetID, in.AssetExternalID)
}

// assetRef resolves a record's asset given by external id
// (asset_external_id) into *id; given both ways, they must not both be set.
func (a *API) assetRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	return resolveRef("asset", id, byID, ext, func() (string, error) {
		x, err := a.assetByExternalID(ctx, v, ext)
		if x == nil {
			return "", err
		}
		return x.ID, err
	})
}
