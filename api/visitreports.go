package api

import (
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/photo"
	"github.com/fieldportal/fieldportal/web"
)

// Visit reports (issue 22): the back office sends a job's report when
// the job is completed, as a job-reports resource named by the job's id
// (PUT replaces it; /jobs/{id}/report would clash with the jobs'
// /jobs/by-external-id/{external_id} on the router), and its photos one
// at a time to /jobs/{id}/report/photos, as multipart/form-data read by the pages'
// upload reader (streamed to a temporary file within the organisation's
// upload limit, its type detected from its bytes); the photo must decode
// as an image, and its display size and thumbnail are made once, here.

// VisitReport is a job's visit report as the API shows it.
type VisitReport struct {
	JobID      string       `json:"job_id"`
	Notes      string       `json:"notes" doc:"The technician's notes."`
	Parts      []VisitPart  `json:"parts" doc:"The parts used on the visit."`
	SignedBy   *string      `json:"signed_by" doc:"Who signed on site; null when nobody did."`
	SignedAt   *time.Time   `json:"signed_at" doc:"When they signed; null when nobody did."`
	Photos     []VisitPhoto `json:"photos" doc:"The report's photos in their order."`
	AssetTests []AssetTest  `json:"asset_tests" doc:"The asset tests recorded on the job (asset-tests with its job_id)."`
	CreatedAt  time.Time    `json:"created_at"`
	UpdatedAt  time.Time    `json:"updated_at"`
}

// VisitPart is a part used on a visit.
type VisitPart struct {
	Code        string `json:"code" doc:"The part's code; may be empty."`
	Description string `json:"description" doc:"Required."`
	Quantity    int64  `json:"quantity" doc:"A whole number from 1."`
}

// VisitReportInput is the body of a report's PUT: the whole report.
type VisitReportInput struct {
	Notes    string      `json:"notes" doc:"The technician's notes, at most 20,000 characters."`
	Parts    []VisitPart `json:"parts" doc:"The parts used, at most 100."`
	SignedBy string      `json:"signed_by" doc:"The name of who signed on site, with signed_at."`
	SignedAt time.Time   `json:"signed_at" doc:"When they signed, with signed_by."`
}

// VisitPhoto is a photo of a visit report; its files are at the URLs.
type VisitPhoto struct {
	ID          string    `json:"id"`
	Position    int       `json:"position" doc:"Its place in the report, from 1."`
	Caption     string    `json:"caption"`
	Name        string    `json:"name" doc:"The original's file name."`
	ContentType string    `json:"content_type" doc:"The original's type, detected from its bytes."`
	Size        int64     `json:"size" doc:"The original's size in bytes."`
	SHA256      string    `json:"sha256" doc:"The hex SHA-256 of the original."`
	Width       int       `json:"width" doc:"The upright original's width in pixels."`
	Height      int       `json:"height" doc:"The upright original's height in pixels."`
	ContentURL  string    `json:"content_url" doc:"Where the original downloads."`
	CreatedAt   time.Time `json:"created_at"`
}

// VisitPhotoUpload is the multipart/form-data body of a photo's upload.
type VisitPhotoUpload struct {
	Photo   FilePart `json:"photo" doc:"Required: the photo, one only: a JPEG, PNG, WebP or GIF image, detected from its bytes, at most the organisation's upload limit (25 MB unless it set another)."`
	Caption string   `json:"caption" doc:"What the photo shows, at most 300 characters; pages use it as the photo's text alternative."`
}

func init() {
	typeDocs[reflect.TypeFor[VisitReport]()] = "What the technician's visit left: notes, parts, the on-site signature and photos; a customer's contacts see it once the job is complete."
	typeDocs[reflect.TypeFor[VisitPhoto]()] = "A photo of a visit report; the portal shows a display size and a thumbnail made from it."
}

// ShowVisitReport is the API's representation of a report.
func ShowVisitReport(rep *fieldportal.VisitReport) VisitReport {
	out := VisitReport{JobID: rep.JobID, Notes: rep.Notes, Parts: []VisitPart{}, Photos: []VisitPhoto{}, AssetTests: []AssetTest{},
		SignedBy: optional(rep.SignedBy), CreatedAt: rep.CreatedAt.UTC(), UpdatedAt: rep.UpdatedAt.UTC()}
	if !rep.SignedAt.IsZero() {
		at := rep.SignedAt.UTC()
		out.SignedAt = &at
	}
	for _, p := range rep.Parts {
		out.Parts = append(out.Parts, VisitPart(p))
	}
	for _, p := range rep.Photos {
		out.Photos = append(out.Photos, ShowVisitPhoto(p))
	}
	for _, t := range rep.Tests {
		out.AssetTests = append(out.AssetTests, ShowAssetTest(t))
	}
	return out
}

// ShowVisitPhoto is the API's representation of a photo.
func ShowVisitPhoto(p *fieldportal.VisitPhoto) VisitPhoto {
	return VisitPhoto{ID: p.ID, Position: p.Position, Caption: p.Caption, Name: p.Name, ContentType: p.ContentType, Size: p.Size,
		SHA256: p.SHA256, Width: p.Width, Height: p.Height, CreatedAt: p.CreatedAt.UTC(),
		ContentURL: Prefix + "/jobs/" + url.PathEscape(p.JobID) + "/report/photos/" + url.PathEscape(p.ID) + "/content"}
}

func (a *API) visitReportRoutes() []route {
	filters := []param{filter("job_id", "Only the report of this job."), filter("site_id", "Only the reports of this site's jobs.")}
	return []route{
		{Method: "GET", Path: "/job-reports", ID: "listVisitReports", Summary: "List jobs' visit reports, newest job first",
			Tag: "jobs", Query: listParams(filters...), Resp: List[VisitReport]{}, Handler: a.listVisitReports(filterNames(filters))},
		{Method: "GET", Path: "/job-reports/{id}", ID: "getVisitReport", Summary: "Get a job's visit report, by the job's id", Tag: "jobs",
			Resp: VisitReport{}, ETag: true, Handler: a.getVisitReport},
		{Method: "PUT", Path: "/job-reports/{id}", ID: "putVisitReport", Summary: "Send a job's visit report, by the job's id, replacing any (its photos are kept)",
			Tag: "jobs", Body: VisitReportInput{}, Resp: VisitReport{}, Upsert: true, ETag: true, Handler: a.putVisitReport},
		{Method: "POST", Path: "/jobs/{id}/report/photos", ID: "uploadVisitPhoto", Summary: "Add a photo to a job's visit report",
			Tag: "jobs", Body: VisitPhotoUpload{}, Multipart: true, Resp: VisitPhoto{}, Status: http.StatusCreated, Handler: a.uploadVisitPhoto},
		{Method: "GET", Path: "/jobs/{id}/report/photos/{photo_id}/content", ID: "getVisitPhotoContent",
			Summary: "Download a report photo's original", Tag: "jobs", Binary: true, Handler: a.getVisitPhotoContent},
		{Method: "DELETE", Path: "/jobs/{id}/report/photos/{photo_id}", ID: "deleteVisitPhoto", Summary: "Remove a photo from a job's visit report",
			Tag: "jobs", Status: http.StatusNoContent, Handler: a.deleteVisitPhoto},
	}
}

func (a *API) getVisitReport(w http.ResponseWriter, r *http.Request) {
	rep, err := a.svc.VisitReports.FindVisitReport(r.Context(), viewer(r), r.PathValue("id"))
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, http.StatusOK, ShowVisitReport(rep))
}

// listVisitReports answers a page of reports, each as its GET shows it.
// A report cannot be deleted (nor can its job), and a photo added or
// removed changes the report's updated_at, so a walk by updated_since
// carries the report again and needs no tombstones.
func (a *API) listVisitReports(filters []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		lq, err := parseList(r, filters...)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		// The horizon is read before the page, as every list's is.
		horizon, err := a.horizon(r, lq)
		if err != nil {
			a.problem(w, r, err)
			return
		}
		list, next, err := a.svc.VisitReports.FindVisitReports(r.Context(), viewer(r), fieldportal.VisitReportFilter{Page: lq.Page,
			UpdatedSince: lq.Since(), JobID: lq.Filters["job_id"], SiteID: lq.Filters["site_id"]})
		if err != nil {
			a.problem(w, r, listError(err))
			return
		}
		a.json(w, r, http.StatusOK, page(lq, list, next, horizon,
			func(rep *fieldportal.VisitReport) time.Time { return rep.UpdatedAt }, ShowVisitReport))
	}
}

func (a *API) putVisitReport(w http.ResponseWriter, r *http.Request) {
	var in VisitReportInput
	if _, err := decodeJSON(w, r, &in); err != nil {
		a.problem(w, r, err)
		return
	}
	rep := &fieldportal.VisitReport{JobID: r.PathValue("id"), Notes: in.Notes, SignedBy: strings.TrimSpace(in.SignedBy), SignedAt: in.SignedAt}
	for _, p := range in.Parts {
		rep.Parts = append(rep.Parts, fieldportal.VisitPart{Code: strings.TrimSpace(p.Code), Description: strings.TrimSpace(p.Description), Quantity: p.Quantity})
	}
	// Under If-Match the report is replaced only over the version named:
	// checked against the report read (none yet: stale), and again in the
	// store's transaction by its updated_at.
	v := viewer(r)
	var created bool
	err := overVersionRead(r, func() error {
		old, err := a.svc.VisitReports.FindVisitReport(r.Context(), v, rep.JobID)
		var current any
		switch {
		case err == nil:
			current = ShowVisitReport(old)
			rep.IfUpdatedAt = ifMatch(r, old.UpdatedAt)
		case fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND:
			return err
		default:
			rep.IfUpdatedAt = time.Time{}
		}
		if err := checkIfMatch(r, current); err != nil {
			return err
		}
		created, err = a.svc.VisitReports.SaveVisitReport(r.Context(), v, rep)
		return err
	})
	if err != nil {
		a.problem(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", Prefix+"/job-reports/"+url.PathEscape(rep.JobID))
	}
	saved, err := a.svc.VisitReports.FindVisitReport(r.Context(), viewer(r), rep.JobID)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	a.record(w, r, status, ShowVisitReport(saved))
}

// photoUploadFields are the text fields a photo's upload takes.
var photoUploadFields = jsonFields(reflect.TypeFor[VisitPhotoUpload]())

func (a *API) uploadVisitPhoto(w http.ResponseWriter, r *http.Request) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "multipart/form-data" {
		a.problem(w, r, fieldportal.Errorf(CodeUnsupportedMedia, "Send the photo as multipart/form-data, in a part named photo."))
		return
	}
	form, files, err := a.kit.ReadUploadForm(w, r, "photo")
	if err != nil {
		a.problem(w, r, err)
		return
	}
	bad := checkUploadFields(form, photoUploadFields, "photo")
	switch len(files) {
	case 0:
		bad.Add("photo", "Send the photo in a part named photo.")
	case 1:
	default:
		bad.Add("photo", "Send one photo per upload.")
	}
	caption := strings.TrimSpace(form.Get("caption"))
	if len(caption) > fieldportal.MaxCaption {
		bad.Add("caption", "Caption must be at most %d characters.", fieldportal.MaxCaption)
	}
	if err := bad.Err(); err != nil {
		a.problem(w, r, err)
		return
	}
	up := files[0]
	if !photo.Types[up.ContentType] {
		a.problem(w, r, fieldportal.FieldErrorf("photo", "The photo must be a JPEG, PNG, WebP or GIF image (this file is %s).", up.ContentType))
		return
	}
	// The upload reader spools to a temporary file, which seeks.
	body, ok := up.Body.(io.ReadSeeker)
	if !ok {
		a.problem(w, r, fieldportal.Errorf(fieldportal.EINTERNAL, "The photo could not be read."))
		return
	}
	made, err := photo.Make(body, up.ContentType, "photo")
	if err != nil {
		a.problem(w, r, err)
		return
	}
	if _, err := body.Seek(0, io.SeekStart); err != nil {
		a.problem(w, r, err)
		return
	}
	p := &fieldportal.VisitPhoto{JobID: r.PathValue("id"), Caption: caption, Width: made.Width, Height: made.Height}
	if err := a.svc.VisitReports.AddVisitPhoto(r.Context(), viewer(r), p,
		fieldportal.PhotoFiles{Original: up, Display: made.Display, Thumb: made.Thumb}); err != nil {
		a.problem(w, r, err)
		return
	}
	w.Header().Set("Location", Prefix+"/jobs/"+url.PathEscape(p.JobID)+"/report/photos/"+url.PathEscape(p.ID)+"/content")
	a.json(w, r, http.StatusCreated, ShowVisitPhoto(p))
}

func (a *API) getVisitPhotoContent(w http.ResponseWriter, r *http.Request) {
	f, rc, err := a.svc.VisitReports.OpenVisitPhoto(r.Context(), viewer(r), r.PathValue("id"), r.PathValue("photo_id"), fieldportal.PhotoOriginal)
	if err != nil {
		a.problem(w, r, err)
		return
	}
	web.ServePhoto(w, r, r.PathValue("photo_id"), f, rc, false)
}

func (a *API) deleteVisitPhoto(w http.ResponseWriter, r *http.Request) {
	if err := a.svc.VisitReports.DeleteVisitPhoto(r.Context(), viewer(r), r.PathValue("id"), r.PathValue("photo_id")); err != nil {
		a.problem(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
