package portal

import (
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/pdf"
	"github.com/fieldportal/fieldportal/web"
)

// A completed job's visit report (issue 22): a section of the job's page
// (web's "visitReport"), a page for each photo at its display size, the
// photos' files, and the report as a PDF. Each finds the report through
// the store's reach first, so a job out of reach, or not yet complete, is
// the same 404 as one that does not exist.

// visitReportRoutes registers the routes of this file.
func (p *Portal) visitReportRoutes() {
	if p.svc.VisitReports == nil {
		return
	}
	k := p.kit
	k.Handle("GET /jobs/{id}/report.pdf", p.signedIn(p.handleVisitReportPDF))
	k.Handle("GET /jobs/{id}/report/photos/{photo}", p.signedIn(p.handleVisitPhoto))
	k.Handle("GET /jobs/{id}/report/photos/{photo}/{variant}", p.signedIn(p.handleVisitPhotoFile))
}

// jobBase is a job's page.
func jobBase(id string) string { return "/jobs/" + url.PathEscape(id) }

// visitReportView is the job page's report section, nil when the job has
// none the contact may see.
func (p *Portal) visitReportView(r *http.Request, v fieldportal.Viewer, j *fieldportal.Job) (*web.VisitReportView, error) {
	if p.svc.VisitReports == nil || j.Stage.Open() {
		return nil, nil
	}
	rep, err := p.svc.VisitReports.FindVisitReport(r.Context(), v, j.ID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return web.NewVisitReportView(rep, jobBase(j.ID), jobBase(j.ID)+"/report.pdf", web.OrgLocation(r)), nil
}

// visitPhotoView is one photo's page.
type visitPhotoView struct {
	web.Layout
	Header web.RecordHeader
	web.PhotoPageView
}

func (p *Portal) handleVisitPhoto(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	j, err := p.svc.Work.FindJobByID(ctx, v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "order"))
		return
	}
	rep, err := p.svc.VisitReports.FindVisitReport(ctx, v, j.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	pv, ok := web.NewPhotoPageView(rep, jobBase(j.ID), r.PathValue("photo"))
	if !ok {
		p.kit.Error(w, r, fieldportal.NotFound("photo"))
		return
	}
	title := "Photo " + strconv.Itoa(pv.Photo.Number) + " of " + strconv.Itoa(pv.Photo.Of) + ", order " + j.Number
	view := visitPhotoView{Layout: p.layout(r, title), PhotoPageView: pv}
	for i := range view.Nav {
		view.Nav[i].Current = view.Nav[i].URL == moduleURL[j.Kind.Module()]
	}
	view.Header = web.RecordHeader{BackURL: jobBase(j.ID), BackLabel: kindLabel(j.Kind) + " order " + j.Number, Title: title,
		Subtitle: j.SiteName}
	p.pages.Render(w, r, http.StatusOK, "job_photo", view)
}

// handleVisitPhotoFile answers a photo's thumbnail, display size or
// original, as documents download: its stored type, nosniff, a
// sandboxing CSP; the made sizes show inline, the original saves.
func (p *Portal) handleVisitPhotoFile(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	variant := fieldportal.PhotoVariant(r.PathValue("variant"))
	switch variant {
	case fieldportal.PhotoThumb, fieldportal.PhotoDisplay, fieldportal.PhotoOriginal:
	default:
		p.kit.Error(w, r, fieldportal.NotFound("photo"))
		return
	}
	f, rc, err := p.svc.VisitReports.OpenVisitPhoto(r.Context(), v, r.PathValue("id"), r.PathValue("photo"), variant)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	web.ServePhoto(w, r, r.PathValue("photo"), f, rc, variant != fieldportal.PhotoOriginal)
}

// handleVisitReportPDF answers /jobs/{id}/report.pdf.
func (p *Portal) handleVisitReportPDF(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	j, err := p.svc.Work.FindJobByID(ctx, v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	rep, err := p.svc.VisitReports.FindVisitReport(ctx, v, j.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	customer, site, err := p.printoutParties(ctx, v, j.CustomerID, j.SiteID, j.SiteName)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	thumbs, err := p.visitThumbs(r, v, rep)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	data, err := pdf.VisitReport(p.printoutOptions(r), j, rep, customer, site, thumbs)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.writePDF(w, r, "visit-report-"+j.Number, data)
}

// visitThumbs reads the thumbnails of a report's photos for its PDF (a
// report holds at most fieldportal.MaxVisitPhotos, each some kilobytes).
func (p *Portal) visitThumbs(r *http.Request, v fieldportal.Viewer, rep *fieldportal.VisitReport) ([][]byte, error) {
	out := make([][]byte, len(rep.Photos))
	for i, ph := range rep.Photos {
		_, rc, err := p.svc.VisitReports.OpenVisitPhoto(r.Context(), v, rep.JobID, ph.ID, fieldportal.PhotoThumb)
		if err != nil {
			return nil, err
		}
		out[i], err = io.ReadAll(io.LimitReader(rc, 2<<20))
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
