package fieldportal

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"
)

// The visit report (issue 22): when a job is completed, the back office
// sends what happened on the visit (the technician's notes, the parts
// used, the on-site signature's name and time) and its photos. The
// customer sees it on the job's page and as a PDF, with the job's items
// and the asset tests recorded on the job.

// VisitReport is a job's report. Photos and Tests are read with it.
type VisitReport struct {
	JobID     string      `json:"job_id"`
	OrgID     string      `json:"-"`
	Notes     string      `json:"notes"`
	Parts     []VisitPart `json:"parts"`
	SignedBy  string      `json:"signed_by"`
	SignedAt  time.Time   `json:"signed_at,omitzero"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`

	// Photos are the report's photos in their order (read only).
	Photos []*VisitPhoto `json:"photos"`
	// Tests are the asset tests recorded on the job, of assets the
	// viewer reaches (read only).
	Tests []*AssetTest `json:"asset_tests"`

	// IfUpdatedAt, when set, makes a save replace only the version of
	// this time (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// VisitPart is a part the technician used on the visit.
type VisitPart struct {
	Code        string `json:"code"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
}

// Limits of a report.
const (
	MaxVisitNotes  = 20000
	MaxVisitParts  = 100
	MaxVisitPhotos = 50
	MaxCaption     = 300
)

// Validate checks a report before it is saved.
func (r *VisitReport) Validate() error {
	var v Validation
	if r.JobID == "" {
		v.Add("job_id", "Job is required.")
	}
	if len(r.Notes) > MaxVisitNotes {
		v.Add("notes", "Notes must be at most 20,000 characters.")
	}
	if len(r.Parts) > MaxVisitParts {
		v.Add("parts", "A report lists at most %d parts.", MaxVisitParts)
	}
	for i, p := range r.Parts {
		if strings.TrimSpace(p.Description) == "" {
			v.Add(partField(i, "description"), "Part %d: description is required.", i+1)
		} else if len(p.Description) > 500 {
			v.Add(partField(i, "description"), "Part %d: description must be at most 500 characters.", i+1)
		}
		if len(p.Code) > 100 {
			v.Add(partField(i, "code"), "Part %d: code must be at most 100 characters.", i+1)
		}
		if p.Quantity < 1 || p.Quantity > 1_000_000 {
			v.Add(partField(i, "quantity"), "Part %d: quantity must be a whole number from 1 to 1,000,000.", i+1)
		}
	}
	if len(r.SignedBy) > 200 {
		v.Add("signed_by", "Signed by must be at most 200 characters.")
	}
	if r.SignedBy == "" && !r.SignedAt.IsZero() {
		v.Add("signed_by", "Give the name of who signed with the time they signed.")
	}
	if r.SignedBy != "" && r.SignedAt.IsZero() {
		v.Add("signed_at", "Give the time of the signature with the name of who signed.")
	}
	return v.Err()
}

func partField(i int, name string) string {
	return "parts[" + strconv.Itoa(i) + "]." + name
}

// VisitPhoto is a photo of a visit report: its original as sent, and a
// display size and a thumbnail made from it at upload.
type VisitPhoto struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"-"`
	JobID       string    `json:"job_id"`
	Position    int       `json:"position"`
	Caption     string    `json:"caption"`
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Width       int       `json:"width"`
	Height      int       `json:"height"`
	CreatedAt   time.Time `json:"created_at"`
}

// PhotoVariant is one of the files of a photo.
type PhotoVariant string

// The files of a photo.
const (
	PhotoOriginal PhotoVariant = "original"
	PhotoDisplay  PhotoVariant = "display"
	PhotoThumb    PhotoVariant = "thumb"
)

// VisitReportFilter selects visit reports, a page at a time. A report
// changes (its updated_at) when it is sent again and when a photo is
// added or removed; the asset tests read with it change on their own.
type VisitReportFilter struct {
	Page
	// UpdatedSince lists the reports changed after it, in (updated_at,
	// job id) order.
	UpdatedSince time.Time
	// JobID and SiteID select one job's report and a site's jobs'.
	JobID, SiteID string
}

// PhotoFiles are a new photo's files: the original (streamed, with its
// size and hash) and the display and thumbnail images made from it.
type PhotoFiles struct {
	Original Upload
	// Display and Thumb are JPEG images.
	Display, Thumb []byte
}

// PhotoFile describes the bytes of one variant of a photo.
type PhotoFile struct {
	Name        string
	ContentType string
	Size        int64
	SHA256      string
}

// VisitReportService keeps the visit reports of jobs.
type VisitReportService interface {
	// FindVisitReport returns the report of a job the viewer reaches,
	// with its photos and the job's asset tests. A contact sees it once
	// the job is complete; ENOTFOUND when there is none.
	FindVisitReport(ctx context.Context, v Viewer, jobID string) (*VisitReport, error)
	// FindVisitReports lists the reports FindVisitReport would show, each
	// as it shows it: newest job first, or with UpdatedSince oldest
	// change first (the API's sync walk), a page at a time.
	FindVisitReports(ctx context.Context, v Viewer, f VisitReportFilter) ([]*VisitReport, string, error)
	// SaveVisitReport creates or replaces a job's report (staff and the
	// API only); its photos are kept.
	SaveVisitReport(ctx context.Context, v Viewer, r *VisitReport) (created bool, err error)
	// AddVisitPhoto stores a photo's files and adds it to the end of the
	// job's report (staff and the API only).
	AddVisitPhoto(ctx context.Context, v Viewer, p *VisitPhoto, files PhotoFiles) error
	// DeleteVisitPhoto removes a photo from its report (staff and API).
	DeleteVisitPhoto(ctx context.Context, v Viewer, jobID, photoID string) error
	// OpenVisitPhoto returns one file of a photo of a report the viewer
	// may see, with a reader of its bytes (the caller closes it).
	OpenVisitPhoto(ctx context.Context, v Viewer, jobID, photoID string, variant PhotoVariant) (*PhotoFile, io.ReadCloser, error)
}
