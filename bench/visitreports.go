package bench

import (
	"context"
	"fmt"
	"io"
	"net/url"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The visit report (issue 22): a completed service order of the parent's
// with a report and the most photos on the first page of its complete
// orders, its page with the report, the report's PDF and a photo's page.

// visitReportIDs are the visit report's records: the job and one photo.
type visitReportIDs struct {
	Job, Photo string
}

// discoverVisitReport fills ids.Report.
func discoverVisitReport(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	if svc.VisitReports == nil {
		return nil
	}
	list, _, err := svc.Work.FindJobs(ctx, v, fieldportal.JobFilter{Kind: fieldportal.JobService,
		Stages: []fieldportal.JobStage{fieldportal.StageComplete, fieldportal.StageInvoiced}})
	if err != nil {
		return fmt.Errorf("find the parent's completed jobs: %w", err)
	}
	most := -1
	for _, j := range list {
		rep, err := svc.VisitReports.FindVisitReport(ctx, v, j.ID)
		if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
			continue
		} else if err != nil {
			return fmt.Errorf("a job's visit report: %w", err)
		}
		if len(rep.Photos) > most {
			most, ids.Report.Job, ids.Report.Photo = len(rep.Photos), j.ID, ""
			if len(rep.Photos) > 0 {
				ids.Report.Photo = rep.Photos[0].ID
			}
		}
	}
	if ids.Report.Job == "" {
		return fmt.Errorf("the parent persona reaches no completed service job with a visit report")
	}
	return nil
}

func init() { Entries = append(Entries, visitReportEntries()...) }

func visitReportEntries() []Entry {
	report := func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) (*fieldportal.Job, error) {
		j, err := s.Work.FindJobByID(ctx, v, ids.Report.Job)
		if err != nil {
			return nil, err
		}
		_, err = s.VisitReports.FindVisitReport(ctx, v, j.ID)
		return j, err
	}
	return []Entry{
		{Name: "job with report", Persona: Parent, Path: func(ids *IDs) string { return "/jobs/" + url.PathEscape(ids.Report.Job) },
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				if err := jobPage(ctx, s, v, ids.Report.Job); err != nil {
					return err
				}
				_, err := s.VisitReports.FindVisitReport(ctx, v, ids.Report.Job)
				return err
			}},
		{Name: "visit report PDF", Persona: Parent, Path: func(ids *IDs) string { return "/jobs/" + url.PathEscape(ids.Report.Job) + "/report.pdf" },
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				j, err := report(ctx, s, v, ids)
				if err != nil {
					return err
				}
				rep, err := s.VisitReports.FindVisitReport(ctx, v, j.ID)
				if err != nil {
					return err
				}
				for _, ph := range rep.Photos { // the thumbnails drawn
					_, rc, err := s.VisitReports.OpenVisitPhoto(ctx, v, j.ID, ph.ID, fieldportal.PhotoThumb)
					if err != nil {
						return err
					}
					io.Copy(io.Discard, rc)
					rc.Close()
				}
				if _, err := s.Sites.FindCustomerByID(ctx, v, j.CustomerID); err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					return err
				}
				_, err = s.Sites.FindSiteByID(ctx, v, j.SiteID)
				return err
			}},
		{Name: "visit photo", Persona: Parent, Path: func(ids *IDs) string {
			return "/jobs/" + url.PathEscape(ids.Report.Job) + "/report/photos/" + url.PathEscape(ids.Report.Photo)
		},
			SQL: func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
				_, err := report(ctx, s, v, ids)
				return err
			}},
	}
}
