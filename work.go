package fieldportal

import (
	"strings"
	"time"
)

// IssuePriority is how urgent a reported issue is.
type IssuePriority string

// Issue priorities.
const (
	PriorityLow    IssuePriority = "low"
	PriorityNormal IssuePriority = "normal"
	PriorityHigh   IssuePriority = "high"
	PriorityUrgent IssuePriority = "urgent"
)

// Issue is a problem a customer reports at a site.
type Issue struct {
	ID          string        `json:"id"`
	OrgID       string        `json:"-"`
	ExternalID  string        `json:"external_id,omitempty"`
	Number      string        `json:"number"`
	CustomerID  string        `json:"customer_id"`
	SiteID      string        `json:"site_id"`
	AssetID     string        `json:"asset_id,omitempty"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Priority    IssuePriority `json:"priority"`
	Status      string        `json:"status"` // open, closed
	ReportedBy  string        `json:"reported_by,omitempty"`
	// JobID is the service order the operator turned the issue into.
	JobID     string    `json:"job_id,omitempty"`
	ClosedAt  time.Time `json:"closed_at,omitzero"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	SiteName string `json:"site_name,omitempty"`

	// IfUpdatedAt, when set, makes an update save only over the version
	// of this time, else fail with ErrChanged (the API's If-Match).
	IfUpdatedAt time.Time `json:"-"`
}

// Issue statuses.
const (
	IssueOpen   = "open"
	IssueClosed = "closed"
)

// Validate checks an issue before it is saved.
func (i *Issue) Validate() error {
	var v Validation
	if strings.TrimSpace(i.Title) == "" {
		v.Add("title", "Title is required.")
	} else if len(i.Title) > 200 {
		v.Add("title", "Title must be at most 200 characters.")
	}
	if i.SiteID == "" {
		v.Add("site_id", "Site is required.")
	}
	switch i.Priority {
	case PriorityLow, PriorityNormal, PriorityHigh, PriorityUrgent:
	default:
		v.Add("priority", "Priority must be low, normal, high or urgent.")
	}
	if i.Status != IssueOpen && i.Status != IssueClosed {
		v.Add("status", "Status must be open or closed.")
	}
	if len(i.Description) > 20000 {
		v.Add("description", "Description must be at most 20,000 characters.")
	}
	return v.Err()
}

// IssueComment is one message on an issue, by a contact or by staff.
type IssueComment struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"-"`
	IssueID       string    `json:"issue_id"`
	AuthorContact string    `json:"author_contact_id,omitempty"`
	AuthorStaff   string    `json:"author_staff_id,omitempty"`
	AuthorName    string    `json:"author_name"`
	Body          string    `json:"body"`
	CreatedAt     time.Time `json:"created_at"`
}

// Validate checks a comment before it is saved.
func (c *IssueComment) Validate() error {
	if strings.TrimSpace(c.Body) == "" {
		return FieldErrorf("body", "Comment is required.")
	} else if len(c.Body) > 20000 {
		return FieldErrorf("body", "Comment must be at most 20,000 characters.")
	}
	return nil
}

// IssueFilter selects issues.
type IssueFilter struct {
	Page
	Search string
	SiteID string
	Status string
	// ExternalID selects the issue of a back-office id (the API's filter
	// and upserts).
	ExternalID   string
	UpdatedSince time.Time
	// Sort orders the list (issues.go); ignored with UpdatedSince.
	Sort IssueSort
}

// JobKind is service or install (SPEC §1).
type JobKind string

// Job kinds.
const (
	JobService JobKind = "service"
	JobInstall JobKind = "install"
)

// Module is the portal module of this kind of job.
func (k JobKind) Module() Module {
	if k == JobInstall {
		return ModuleInstall
	}
	return ModuleService
}

// JobStage is where a job is in its life.
type JobStage string

// Job stages, in order.
const (
	StagePending    JobStage = "pending"
	StageScheduled  JobStage = "scheduled"
	StageInProgress JobStage = "in_progress"
	StageComplete   JobStage = "complete"
	StageInvoiced   JobStage = "invoiced"
	StageArchived   JobStage = "archived"
)

// JobStages lists the stages in order.
var JobStages = []JobStage{StagePending, StageScheduled, StageInProgress, StageComplete, StageInvoiced, StageArchived}

// Open reports whether a job at this stage still counts as open work
// (the Open activities count of SPEC §4).
func (s JobStage) Open() bool {
	return s == StagePending || s == StageScheduled || s == StageInProgress
}

// Label is the stage in words.
func (s JobStage) Label() string {
	if s == StageInProgress {
		return "In progress"
	}
	return strings.ToUpper(string(s[:1])) + string(s[1:])
}

// Job is a work order at a site.
type Job struct {
	ID              string    `json:"id"`
	OrgID           string    `json:"-"`
	ExternalID      string    `json:"external_id,omitempty"`
	Number          string    `json:"number"`
	CustomerID      string    `json:"customer_id"`
	SiteID          string    `json:"site_id"`
	ContractorID    string    `json:"contractor_id,omitempty"`
	QuoteID         string    `json:"quote_id,omitempty"`
	Kind            JobKind   `json:"kind"`
	Stage           JobStage  `json:"stage"`
	OrderNo         string    `json:"order_no"`
	PreferredDate   Date      `json:"preferred_date,omitzero"`
	PreferredWindow string    `json:"preferred_window"` // "", "am", "pm", "all_day"
	ScheduledStart  time.Time `json:"scheduled_start,omitzero"`
	ScheduledEnd    time.Time `json:"scheduled_end,omitzero"`
	DueDate         Date      `json:"due_date,omitzero"`
	Technician      string    `json:"technician"`
	Description     string    `json:"description"`
	RequestedBy     string    `json:"requested_by,omitempty"`
	CreatedInPortal bool      `json:"created_in_portal"`
	CompletedAt     time.Time `json:"completed_at,omitzero"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`

	AssetIDs []string  `json:"asset_ids"`
	Items    []JobItem `json:"items"`
	// RequestedWindow is the time window a customer booked through the
	// portal (BookJob); it holds the site's diary while the job is pending.
	RequestedWindow TimeWindow `json:"requested_window,omitzero"`

	SiteName string `json:"site_name,omitempty"`

	// IfUpdatedAt, when set, makes an update save only over the version
	// of this time, else fail with ErrChanged (the API's If-Match).
	IfUpdatedAt time.Time `json:"-"`
}

// JobItem is a catalogue item on a job, with its quantity.
type JobItem struct {
	ID          string `json:"id"`
	ItemID      string `json:"item_id,omitempty"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   Money  `json:"unit_price"`
	Total       Money  `json:"total"`
}

// Validate checks a job before it is saved.
func (j *Job) Validate() error {
	var v Validation
	if j.SiteID == "" {
		v.Add("site_id", "Site is required.")
	}
	if j.Kind != JobService && j.Kind != JobInstall {
		v.Add("kind", "Kind must be service or install.")
	}
	validStage := false
	for _, s := range JobStages {
		validStage = validStage || s == j.Stage
	}
	if !validStage {
		v.Add("stage", "Stage must be one of pending, scheduled, in_progress, complete, invoiced, archived.")
	}
	switch j.PreferredWindow {
	case "", "am", "pm", "all_day":
	default:
		v.Add("preferred_window", "Preferred time must be am, pm or all_day.")
	}
	if !j.ScheduledStart.IsZero() && !j.ScheduledEnd.IsZero() && !j.ScheduledEnd.After(j.ScheduledStart) {
		v.Add("scheduled_end", "Scheduled end must be after the start.")
	}
	if len(j.OrderNo) > 60 {
		v.Add("order_no", "Order number must be at most 60 characters.")
	}
	if len(j.Description) > 20000 {
		v.Add("description", "Description must be at most 20,000 characters.")
	}
	if len(j.Items) > 200 {
		v.Add("items", "A job can have at most 200 items.")
	}
	for i, it := range j.Items {
		if it.Quantity <= 0 {
			v.Add("items", "Item %d: quantity must be at least 1.", i+1)
		}
		checkItemAmounts(&v, i+1, it.Quantity, it.UnitPrice, it.Total)
	}
	return v.Err()
}

// JobFilter selects jobs.
type JobFilter struct {
	Page
	Search string // number, order no. or description
	// NumberSearch matches the job number or the order number (the
	// search of the jobs pages), through a text index.
	NumberSearch string
	Kind         JobKind
	Stages       []JobStage
	SiteID       string
	ContractorID string
	// CustomerID and ExternalID select a customer's jobs and the job of a
	// back-office id (the API's filters and upserts).
	CustomerID   string
	ExternalID   string
	UpdatedSince time.Time
	// RecentlyChanged orders the newest changes first (the dashboard's
	// recent activity) instead of the newest jobs.
	RecentlyChanged bool
	// FromPortal selects the bookings waiting for the operator: pending
	// jobs made in the portal (the console's queue).
	FromPortal bool
}

// QuoteStage is where a quote is.
type QuoteStage string

// Quote stages.
const (
	QuoteRequested   QuoteStage = "requested"
	QuoteOutstanding QuoteStage = "outstanding"
	QuoteApproved    QuoteStage = "approved"
	QuoteDeclined    QuoteStage = "declined"
	QuoteExpired     QuoteStage = "expired"
)

// QuoteStages lists every stage.
var QuoteStages = []QuoteStage{QuoteRequested, QuoteOutstanding, QuoteApproved, QuoteDeclined, QuoteExpired}

// Actioned reports whether the customer (or time) has settled the quote.
func (s QuoteStage) Actioned() bool {
	return s == QuoteApproved || s == QuoteDeclined || s == QuoteExpired
}

// Quote is a request for, or an offer of, work at a site.
type Quote struct {
	ID              string     `json:"id"`
	OrgID           string     `json:"-"`
	ExternalID      string     `json:"external_id,omitempty"`
	Number          string     `json:"number"`
	CustomerID      string     `json:"customer_id"`
	SiteID          string     `json:"site_id"`
	ContractorID    string     `json:"contractor_id,omitempty"`
	Stage           QuoteStage `json:"stage"`
	OrderNo         string     `json:"order_no"`
	PreferredDate   Date       `json:"preferred_date,omitzero"`
	Description     string     `json:"description"`
	TotalExTax      Money      `json:"total_ex_tax"`
	Tax             Money      `json:"tax"`
	TotalIncTax     Money      `json:"total_inc_tax"`
	ValidUntil      Date       `json:"valid_until,omitzero"`
	RequestedBy     string     `json:"requested_by,omitempty"`
	SignedByName    string     `json:"signed_by_name"`
	ActionedAt      time.Time  `json:"actioned_at,omitzero"`
	DeclineReason   string     `json:"decline_reason"`
	CreatedInPortal bool       `json:"created_in_portal"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`

	Items    []QuoteItem `json:"items"`
	AssetIDs []string    `json:"asset_ids"`
	// RequestedWindow is the time window asked for a visit with the
	// request (RequestQuote); it holds the site's diary while requested.
	RequestedWindow TimeWindow `json:"requested_window,omitzero"`

	SiteName string `json:"site_name,omitempty"`

	// The record of an online answer, with SignedByName and ActionedAt:
	// the client address it came from and the comment typed with an
	// acceptance (a refusal's is DeclineReason).
	SignedFrom    string `json:"signed_from,omitempty"`
	AcceptComment string `json:"accept_comment,omitempty"`
	// TaxRate is the rate the staff priced the quote at, in basis points
	// (2000 is 20%); SentAt is when it was sent to the customer.
	TaxRate int       `json:"tax_rate"`
	SentAt  time.Time `json:"sent_at,omitzero"`

	// The deposit asked for on acceptance (issue 22): a whole percentage
	// of TotalIncTax or an amount in minor units; DepositAmount is what
	// that comes to, filled when the quote is read.
	DepositKind   DepositKind `json:"deposit_kind"`
	DepositValue  int64       `json:"deposit_value"`
	DepositAmount Money       `json:"deposit_amount"`
	// Pending is the acceptance waiting for the deposit, when one was
	// started (read with the one quote, FindQuoteByID).
	Pending *PendingAcceptance `json:"-"`

	// IfUpdatedAt, when set, makes an update save only over the version
	// of this time, else fail with ErrChanged (the API's If-Match).
	IfUpdatedAt time.Time `json:"-"`
}

// QuoteItem is a line of a quote.
type QuoteItem struct {
	ID          string `json:"id"`
	ItemID      string `json:"item_id,omitempty"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	UnitPrice   Money  `json:"unit_price"`
	Total       Money  `json:"total"`
	Optional    bool   `json:"optional"`
}

// Validate checks a quote before it is saved.
func (q *Quote) Validate() error {
	var v Validation
	if q.SiteID == "" {
		v.Add("site_id", "Site is required.")
	}
	valid := false
	for _, s := range QuoteStages {
		valid = valid || s == q.Stage
	}
	if !valid {
		v.Add("stage", "Stage must be one of requested, outstanding, approved, declined, expired.")
	}
	if q.TotalExTax < 0 || q.Tax < 0 || q.TotalIncTax < 0 {
		v.Add("total_inc_tax", "Totals cannot be negative.")
	} else if q.TotalExTax+q.Tax != q.TotalIncTax {
		v.Add("total_inc_tax", "Total including tax must equal total excluding tax plus tax.")
	}
	if len(q.OrderNo) > 60 {
		v.Add("order_no", "Order number must be at most 60 characters.")
	}
	if len(q.Description) > 20000 {
		v.Add("description", "Description must be at most 20,000 characters.")
	}
	for i, it := range q.Items {
		if strings.TrimSpace(it.Description) == "" {
			v.Add("items", "Item %d: description is required.", i+1)
		}
		if it.Quantity <= 0 {
			v.Add("items", "Item %d: quantity must be at least 1.", i+1)
		}
		checkItemAmounts(&v, i+1, it.Quantity, it.UnitPrice, it.Total)
	}
	if len(q.Items) > 200 {
		v.Add("items", "A quote can have at most 200 items.")
	}
	checkDeposit(&v, q.DepositKind, q.DepositValue, q.TotalIncTax)
	return v.Err()
}

// QuoteFilter selects quotes.
type QuoteFilter struct {
	Page
	Search string
	Stages []QuoteStage
	SiteID string
	// CustomerID and ExternalID select a customer's quotes and the quote
	// of a back-office id (the API's filters and upserts).
	CustomerID   string
	ExternalID   string
	UpdatedSince time.Time
	// Number matches the quote or order number only (the portal's search
	// by number, seed 003), where Search also matches the description.
	Number string
}

// checkItemAmounts bounds an item of a job or a quote as the quote
// pricing bounds its lines (QuotePricing.Validate): a total given (else
// quantity times unit price) is at most that product, so 200 items never
// add up past what Money holds, however they are sent.
func checkItemAmounts(v *Validation, n int, quantity int64, unitPrice, total Money) {
	if quantity > 1_000_000 {
		v.Add("items", "Item %d: quantity must be at most 1,000,000.", n)
	}
	if unitPrice < 0 || unitPrice > 100_000_000_00 {
		v.Add("items", "Item %d: unit price must be from 0.00 to 100,000,000.00.", n)
	}
	if total < 0 || (quantity > 0 && quantity <= 1_000_000 && unitPrice >= 0 && total > Money(quantity)*unitPrice) {
		v.Add("items", "Item %d: total must be from 0.00 to quantity times unit price.", n)
	}
}
