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
	filters := []param{filter("asset_id", "Only the tests of this asset."),
		filter("result", "Only the tests of this result: pass, fail or not_tested."),
		filter("external_id", "Only the test of this back-office id.")}
	return append([]route{
		{Method: "GET", Path: "/asset-tests", ID: "listAssetTests", Summary: "List asset tests", Tag: "asset-tests",
			Query: listParams(filters...), Resp: List[Synced[AssetTest]]{}, Handler: a.listAssetTests(filterNames(filters))},
		{Method: "POST", Path: "/asset-tests", ID: "createAssetTest", Summary: "Record an asset test", Tag: "asset-tests",
			Body: AssetTestInput{}, Resp: AssetTest{}, Status: http.StatusCreated, ETag: true, Handler: a.createAssetTest},
		{Method: "GET", Path: "/asset-tests/{id}", ID: "getAssetTest", Summary: "Get an asset test", Tag: "asset-tests",
			Resp: AssetTest{}, ETag: true, Handler: a.getAssetTest},
		{Method: "PATCH", Path: "/asset-tests/{id}", ID: "updateAssetTest", Summary: "Change the fields sent of an asset test",
			Tag: "asset-tests", Body: AssetTestInput{}, Resp: AssetTest{}, ETag: true, Handler: a.updateAssetTest},
		{Method: "PUT", Path: "/asset-tests/by-external-id/{external_id}", ID: "upsertAssetTest",
			Summary: "Create or replace an asset test by the back office's id", Tag: "asset-tests",
			Body: AssetTestInput{}, Resp: AssetTest{}, Upsert: true, ETag: true, Handler: a.upsertAssetTest},
	}, deleteRoute("/asset-tests", "asset-tests", "AssetTest", "asset test", deleteHandler(a, a.svc.Equipment.FindAssetTestByID,
		func(_ *http.Request, t *fieldportal.AssetTest) AssetTest { return ShowAssetTest(t) },
		func(t *fieldportal.AssetTest) time.Time { return t.UpdatedAt }, a.svc.Equipment.DeleteAssetTest)))
}

func (a *API) listAssetTests(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		switch fieldportal.TestResult(lq.Filters["result"]) {
		case "", fieldportal.TestPass, fieldportal.TestFail, fieldportal.TestNotTested:
		default:
			a.problem(w, r, badRequest(fieldportal.FieldError{Field: "result", Message: "result must be pass, fail or not_tested."}))
			return
		}
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		rows, next, err := a.svc.Equipment.FindAssetTests(r.Context(), viewer(r), fieldportal.AssetTestFilter{Page: lq.Page,
			UpdatedSince: lq.Since(), AssetID: lq.Filters["asset_id"], Result: fieldportal.TestResult(lq.Filters["result"]),
			ExternalID: lq.Filters["external_id"]})
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		out, err := syncPage(r, a, fieldportal.KindAssetTest, lq, rows, next, horizon,
			func(t *fieldportal.AssetTest) time.Time { return t.UpdatedAt }, func(t *fieldportal.AssetTest) string { return t.ID }, ShowAssetTest)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		a.json(w, r, http.StatusOK, out)
	}
}

func (a *API) getAssetTest(w http.ResponseWriter, r *http.Request) {
	a.answerAssetTest(w, r, http.StatusOK, r.PathValue("id"))
}

func (a *API) createAssetTest(w http.ResponseWriter, r *http.Request) {
	var in AssetTestInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	t := &fieldportal.AssetTest{}
	if err := a.fillAssetTest(r.Context(), viewer(r), t, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.svc.Equipment.CreateAssetTest(r.Context(), viewer(r), t); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/asset-tests/"+t.ID)
	a.answerAssetTest(w, r, http.StatusCreated, t.ID)
}

func (a *API) updateAssetTest(w http.ResponseWriter, r *http.Request) {
	var in AssetTestInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v := viewer(r)
	t, err := a.svc.Equipment.FindAssetTestByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if err := checkIfMatch(r, ShowAssetTest(t)); err != nil {
		a.problem(w, r, err)
		return
	}
	if err := a.fillAssetTest(r.Context(), v, t, in, sn); err != nil {
		a.problem(w, r, err)
		return
	}
	t.IfUpdatedAt = ifMatch(r, t.UpdatedAt)
	if err := a.svc.Equipment.UpdateAssetTest(r.Context(), v, t); err != nil {
		a.problem(w, r, err)
		return
	}
	a.answerAssetTest(w, r, http.StatusOK, t.ID)
}

func (a *API) upsertAssetTest(w http.ResponseWriter, r *http.Request) {
	var in AssetTestInput
	sn, err := decodeJSON(w, r, &in)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	v, ext := viewer(r), r.PathValue("external_id")
	if sn["external_id"] && in.ExternalID != ext {
		a.problem(w, r, fieldportal.FieldErrorf("external_id", "external_id differs from the one in the address; leave it out."))
		return
	}
	in.ExternalID = ext
	list, _, err := a.svc.Equipment.FindAssetTests(r.Context(), v, fieldportal.AssetTestFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	var current any
	if len(list) > 0 {
		current = ShowAssetTest(list[0])
	}
	if err := checkIfMatch(r, current); err != nil {
		a.problem(w, r, err)
		return
	}
	t := &fieldportal.AssetTest{}
	if err := a.fillAssetTest(r.Context(), v, t, in, nil); err != nil {
		a.problem(w, r, err)
		return
	}
	if len(list) > 0 {
		t.IfUpdatedAt = ifMatch(r, list[0].UpdatedAt)
	}
	created, err := a.svc.Equipment.UpsertAssetTestByExternalID(r.Context(), v, t)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/asset-tests/"+t.ID)
	}
	a.answerAssetTest(w, r, status, t.ID)
}

// answerAssetTest answers with the test as now stored.
func (a *API) answerAssetTest(w http.ResponseWriter, r *http.Request, status int, id string) {
	t, err := a.svc.Equipment.FindAssetTestByID(r.Context(), viewer(r), id)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowAssetTest(t))
}

// fillAssetTest copies the sent fields of in onto t (all of them for a
// nil sn), resolving an asset given by external id.
func (a *API) fillAssetTest(ctx context.Context, v fieldportal.Viewer, t *fieldportal.AssetTest, in AssetTestInput, sn sent) error {
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
	return a.assetRef(ctx, v, &t.AssetID, in.AssetID, in.AssetExternalID)
}

// assetRef resolves a record's asset given by external id
// (asset_external_id) into *id; given both ways, they must not both be set.
func (a *API) assetRef(ctx context.Context, v fieldportal.Viewer, id *string, byID, ext string) error {
	if ext == "" {
		return nil
	}
	if byID != "" {
		return fieldportal.FieldErrorf("asset_external_id", "Give the asset by asset_id or by asset_external_id, not both.")
	}
	list, _, err := a.svc.Equipment.FindAssets(ctx, v, fieldportal.AssetFilter{ExternalID: ext, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		return err
	} else if len(list) == 0 {
		return fieldportal.FieldErrorf("asset_external_id", "No asset has this external id.")
	}
	*id = list[0].ID
	return nil
}
