package console

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// A job's visit report in the console (issue 22): the section of the job's
// page (web's "visitReport"), each photo's page, and the photos' files.
// Staff see a report as soon as the back office sends it; the made sizes
// show inline (they are our own re-encoded JPEGs), the original always
// saves, as a customer's document does in the console.

// visitReportRoutes registers the routes of this file.
func (c *Console) visitReportRoutes() {
	if c.svc.VisitReports == nil {
		return
	}
	c.kit.Handle("GET /console/jobs/{id}/report/photos/{photo}", c.signedIn(c.handleVisitPhoto))
	c.kit.Handle("GET /console/jobs/{id}/report/photos/{photo}/{variant}", c.signedIn(c.handleVisitPhotoFile))
}

// consoleJobBase is a job's console page.
func consoleJobBase(id string) string { return "/console/jobs/" + url.PathEscape(id) }

// visitReportView is the job page's report section, nil for none.
func (c *Console) visitReportView(r *http.Request, v fieldportal.Viewer, j *fieldportal.Job) (*web.VisitReportView, error) {
	if c.svc.VisitReports == nil {
		return nil, nil
	}
	rep, err := c.svc.VisitReports.FindVisitReport(r.Context(), v, j.ID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	return web.NewVisitReportView(rep, consoleJobBase(j.ID), "", web.OrgLocation(r)), nil
}

// visitPhotoView is one photo's page.
type visitPhotoView struct {
	web.Layout
	Header web.RecordHeader
	web.PhotoPageView
}

func (c *Console) handleVisitPhoto(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	j, err := c.svc.Work.FindJobByID(ctx, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	rep, err := c.svc.VisitReports.FindVisitReport(ctx, v, j.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	pv, ok := web.NewPhotoPageView(rep, consoleJobBase(j.ID), r.PathValue("photo"))
	if !ok {
		c.kit.Error(w, r, fieldportal.NotFound("photo"))
		return
	}
	title := "Photo " + strconv.Itoa(pv.Photo.Number) + " of " + strconv.Itoa(pv.Photo.Of) + ", order " + j.Number
	view := visitPhotoView{Layout: c.layout(r, title), PhotoPageView: pv}
	view.Header = web.RecordHeader{BackURL: consoleJobBase(j.ID), BackLabel: kindLabel(j.Kind) + " order " + j.Number,
		Title: title, Subtitle: j.SiteName}
	c.pages.Render(w, r, http.StatusOK, "job_photo", view)
}

func (c *Console) handleVisitPhotoFile(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	variant := fieldportal.PhotoVariant(r.PathValue("variant"))
	switch variant {
	case fieldportal.PhotoThumb, fieldportal.PhotoDisplay, fieldportal.PhotoOriginal:
	default:
		c.kit.Error(w, r, fieldportal.NotFound("photo"))
		return
	}
	f, rc, err := c.svc.VisitReports.OpenVisitPhoto(r.Context(), v, r.PathValue("id"), r.PathValue("photo"), variant)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	web.ServePhoto(w, r, r.PathValue("photo"), f, rc, variant != fieldportal.PhotoOriginal)
}
