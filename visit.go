package fieldportal

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Visit status (issue 22): where the technician is on an appointment, as
// the back office or staff report it, so the customer knows when to expect
// them. No live map: the expected arrival is a time.

// VisitStatus is the state of an appointment's visit.
type VisitStatus string

// The visit statuses, in their usual order.
const (
	VisitScheduled VisitStatus = "scheduled"
	VisitOnTheWay  VisitStatus = "on_the_way"
	VisitOnSite    VisitStatus = "on_site"
	VisitDone      VisitStatus = "done"
	VisitCancelled VisitStatus = "cancelled"
)

// VisitStatuses are the statuses in the order forms offer them.
var VisitStatuses = []VisitStatus{VisitScheduled, VisitOnTheWay, VisitOnSite, VisitDone, VisitCancelled}

// Valid reports whether s is a known status.
func (s VisitStatus) Valid() bool {
	for _, x := range VisitStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// Label is the status in the customer's words.
func (s VisitStatus) Label() string {
	switch s {
	case VisitOnTheWay:
		return "On the way"
	case VisitOnSite:
		return "On site"
	case VisitDone:
		return "Done"
	case VisitCancelled:
		return "Cancelled"
	}
	return "Scheduled"
}

// visitMoves are the moves a visit may make. A technician may skip "on
// the way" (they were already nearby) but not "on site": a visit is done
// only after someone was there. On the way may go back to scheduled (the
// technician was called elsewhere) and be sent again with a new ETA; a
// cancelled visit may be scheduled again; done is final.
var visitMoves = map[VisitStatus][]VisitStatus{
	VisitScheduled: {VisitOnTheWay, VisitOnSite, VisitCancelled},
	VisitOnTheWay:  {VisitOnTheWay, VisitScheduled, VisitOnSite, VisitCancelled},
	VisitOnSite:    {VisitDone, VisitCancelled},
	VisitCancelled: {VisitScheduled},
}

// CanMoveTo reports whether a visit in status s may move to next.
func (s VisitStatus) CanMoveTo(next VisitStatus) bool {
	for _, x := range visitMoves[s] {
		if x == next {
			return true
		}
	}
	return false
}

// CheckVisitMove validates a change of an appointment's status from old
// to a.Status (a.ETA with it): the move must be allowed, and on the way
// needs an expected arrival, which only on the way keeps. old is ""
// for a new appointment, which may start at any status (the back office
// may learn of a visit late). The same status again is no move, except
// on the way, whose ETA may change.
func CheckVisitMove(old VisitStatus, a *Appointment) error {
	if a.Status == "" {
		a.Status = VisitScheduled
	}
	if !a.Status.Valid() {
		return FieldErrorf("status", "Status must be one of scheduled, on_the_way, on_site, done or cancelled.")
	}
	if old != "" && old != a.Status && !old.CanMoveTo(a.Status) {
		return FieldErrorf("status", "A visit that is %s cannot become %s.", strings.ToLower(old.Label()), strings.ToLower(a.Status.Label()))
	}
	if a.Status != VisitOnTheWay {
		a.ETA = time.Time{}
		return nil
	}
	if a.ETA.IsZero() {
		return FieldErrorf("eta", "Expected arrival is required when the technician is on the way.")
	}
	a.ETA = a.ETA.UTC().Truncate(time.Second)
	return nil
}

// VisitFeedback is a customer's rating of a done visit (issue 22): one per
// visit, by a contact with the job role who can see the job.
type VisitFeedback struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"-"`
	AppointmentID string    `json:"appointment_id"`
	JobID         string    `json:"job_id"`
	CustomerID    string    `json:"customer_id"`
	SiteID        string    `json:"site_id"`
	ContactID     string    `json:"contact_id,omitempty"`
	Technician    string    `json:"technician"`
	TechnicianID  string    `json:"technician_staff_id,omitempty"`
	Rating        int       `json:"rating"`
	Comment       string    `json:"comment"`
	CreatedAt     time.Time `json:"created_at"`

	// Display fields for the console's list.
	JobNumber   string `json:"job_number,omitempty"`
	SiteName    string `json:"site_name,omitempty"`
	ContactName string `json:"contact_name,omitempty"`
}

// FeedbackCommentMax bounds a comment: a few paragraphs.
const FeedbackCommentMax = 2000

// Validate checks a rating before it is saved.
func (f *VisitFeedback) Validate() error {
	var v Validation
	if f.Rating < 1 || f.Rating > 5 {
		v.Add("rating", "Rating must be a whole number from 1 to 5.")
	}
	f.Comment = strings.TrimSpace(f.Comment)
	if utf8.RuneCountInString(f.Comment) > FeedbackCommentMax {
		v.Add("comment", "Comment must be at most %d characters.", FeedbackCommentMax)
	}
	return v.Err()
}

// JobFeedback is the feedback part of a job page: the done visit the
// viewer may rate now (nil when none or feedback is off), whether the
// organisation asks for feedback, and the ratings given, newest first.
type JobFeedback struct {
	Enabled  bool
	Rateable *Appointment
	// CanRate: the viewer is a contact with the job role.
	CanRate bool
	Given   []*VisitFeedback
}

// FeedbackFilter selects ratings for the console's list, newest first.
// A technician is either a staff user (TechnicianStaffID: every rating of
// its visits, whatever name they showed) or, for visits without one, the
// technician's text (Technician).
type FeedbackFilter struct {
	Page
	Technician        string
	TechnicianStaffID string
	SiteID            string
}

// FeedbackAverage is the average rating of one technician or site. A
// technician is its staff user where the rated visits had one (StaffID;
// Name is its display name today, Email tells two of the same name
// apart), else the visits' technician text (Key and Name).
type FeedbackAverage struct {
	Key     string // the technician's text, or the site's id
	StaffID string
	Name    string
	Email   string
	Count   int
	Average float64
}

// FeedbackSummary is the console's overview of ratings.
type FeedbackSummary struct {
	Count        int
	Average      float64
	ByTechnician []FeedbackAverage
	BySite       []FeedbackAverage
}

// FeedbackAveragesMax bounds the rows of each average table: the
// technicians and sites with the most ratings.
const FeedbackAveragesMax = 50

// StaffProfile is what a staff user shows customers: the display name and
// a photo, already checked by content by the caller (PNG or JPEG).
type StaffProfile struct {
	StaffID     string
	DisplayName string
	// Photo, when not empty, replaces the photo; RemovePhoto removes it.
	Photo       []byte
	PhotoType   string
	RemovePhoto bool
}

// StaffPhotoMax bounds a profile photo, as the logo is bounded.
const StaffPhotoMax = 512 << 10

// StaffPhotoStorageKey is where a staff user's photo is kept in the blob
// store, named by its hash like the logo.
func StaffPhotoStorageKey(orgID, staffID, sha string) string {
	return "staff/" + orgID + "/" + staffID + "/photo/" + sha
}
