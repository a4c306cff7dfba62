package fieldportal

import (
	"io"
	"strings"
	"time"
)

// Document is a file attached to one record. CustomerID and SiteID are
// those of the record it is attached to, so the access rules apply to
// files by the same predicate as to every other record.
type Document struct {
	ID                string    `json:"id"`
	OrgID             string    `json:"-"`
	ExternalID        string    `json:"external_id,omitempty"`
	Name              string    `json:"name"`
	ContentType       string    `json:"content_type"`
	Size              int64     `json:"size"`
	SHA256            string    `json:"sha256"`
	StorageKey        string    `json:"-"`
	AttachedTo        string    `json:"attached_to"` // customer, site, job, quote, invoice, asset, certificate, issue
	CustomerID        string    `json:"customer_id"`
	SiteID            string    `json:"site_id,omitempty"`
	JobID             string    `json:"job_id,omitempty"`
	QuoteID           string    `json:"quote_id,omitempty"`
	InvoiceID         string    `json:"invoice_id,omitempty"`
	AssetID           string    `json:"asset_id,omitempty"`
	CertificateID     string    `json:"certificate_id,omitempty"`
	IssueID           string    `json:"issue_id,omitempty"`
	UploadedByContact string    `json:"uploaded_by_contact,omitempty"`
	UploadedByStaff   string    `json:"uploaded_by_staff,omitempty"`
	VisibleToCustomer bool      `json:"visible_to_customer"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// last changed at this time (the API's If-Match), else ErrChanged.
	IfUpdatedAt time.Time `json:"-"`

	// SiteName is the name of the document's site, in lists.
	SiteName string `json:"site_name,omitempty"`
}

// Validate checks a document's record before it is saved.
func (d *Document) Validate() error {
	var v Validation
	if strings.TrimSpace(d.Name) == "" {
		v.Add("name", "Name is required.")
	} else if len(d.Name) > 255 || strings.ContainsAny(d.Name, "/\\\x00") {
		v.Add("name", "Name must be at most 255 characters with no slashes.")
	}
	if d.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	want := map[string]string{
		"customer": d.CustomerID, "site": d.SiteID, "job": d.JobID, "quote": d.QuoteID,
		"invoice": d.InvoiceID, "asset": d.AssetID, "certificate": d.CertificateID, "issue": d.IssueID,
	}
	if id, ok := want[d.AttachedTo]; !ok {
		v.Add("attached_to", "Attached to must be customer, site, job, quote, invoice, asset, certificate or issue.")
	} else if id == "" {
		v.Add(d.AttachedTo+"_id", "The record the document is attached to is required.")
	}
	if d.Size < 0 {
		v.Add("size", "Size cannot be negative.")
	}
	return v.Err()
}

// DocumentFilter selects documents.
type DocumentFilter struct {
	Page
	Search        string
	AttachedTo    string
	SiteID        string
	JobID         string
	QuoteID       string
	InvoiceID     string
	AssetID       string
	CertificateID string
	IssueID       string
	// CustomerOnly selects documents attached to the customer itself
	// (Preferences > Attachments).
	CustomerOnly bool
	// Type is one of DocumentTypes' values: pdf, image, office, text,
	// other; "" is every type.
	Type string
	// Sort is the list's order: by name (the default) or newest first.
	Sort         DocumentSort
	UpdatedSince time.Time
	// CustomerID selects every file of a customer, whatever it is
	// attached to; ExternalID the file of the back office's id (the
	// API's filters).
	CustomerID, ExternalID string
}

// DocumentSort is the order of a list of documents.
type DocumentSort string

// The orders of a list of documents.
const (
	DocumentSortName   DocumentSort = ""
	DocumentSortNewest DocumentSort = "newest"
)

// ParseDocumentSort reads a sort from a query string; anything unknown is
// by name.
func ParseDocumentSort(s string) DocumentSort {
	if s == string(DocumentSortNewest) {
		return DocumentSortNewest
	}
	return DocumentSortName
}

// DocumentType is a kind of file a list filters by, with the content
// types (as detected from the bytes) that make it.
type DocumentType struct {
	Value, Label string
	ContentTypes []string
}

// DocumentTypes are the kinds of file the Documents page filters by;
// "other" is any content type none of them lists.
var DocumentTypes = []DocumentType{
	{"pdf", "PDF", []string{"application/pdf"}},
	{"image", "Photo or image", []string{"image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/heif"}},
	{"office", "Office document", []string{
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
		"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"application/vnd.openxmlformats-officedocument.presentationml.presentation",
		"application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
		"application/msword", "application/vnd.ms-excel"}},
	{"text", "Text or CSV", []string{"text/plain", "text/csv"}},
	{"other", "Other", nil},
}

// DocumentTypeOf is the DocumentTypes value of a content type.
func DocumentTypeOf(contentType string) DocumentType {
	for _, t := range DocumentTypes {
		for _, c := range t.ContentTypes {
			if c == contentType {
				return t
			}
		}
	}
	return DocumentTypes[len(DocumentTypes)-1]
}

// AttachedToLabel names the kind of record a document is attached to.
func AttachedToLabel(kind string) string {
	switch kind {
	case "customer":
		return "Customer"
	case "site":
		return "Site"
	case "job":
		return "Job"
	case "quote":
		return "Quote"
	case "invoice":
		return "Invoice"
	case "asset":
		return "Asset"
	case "certificate":
		return "Certificate"
	case "issue":
		return "Issue"
	}
	return kind
}

// DocumentKinds are the kinds of record a document may be attached to.
var DocumentKinds = []string{"customer", "site", "job", "quote", "invoice", "asset", "certificate", "issue"}

// Certificate is a compliance certificate (gas safety, fire alarm, EICR...).
type Certificate struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"-"`
	ExternalID   string    `json:"external_id,omitempty"`
	Number       string    `json:"number"`
	Type         string    `json:"type"`
	CustomerID   string    `json:"customer_id"`
	SiteID       string    `json:"site_id"`
	ContractorID string    `json:"contractor_id,omitempty"`
	JobID        string    `json:"job_id,omitempty"`
	IssuedOn     Date      `json:"issued_on"`
	ExpiresOn    Date      `json:"expires_on,omitzero"`
	DocumentID   string    `json:"document_id,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// last changed at this time (the API's If-Match), else ErrChanged.
	IfUpdatedAt time.Time `json:"-"`

	SiteName       string `json:"site_name,omitempty"`
	ContractorName string `json:"contractor_name,omitempty"`
	// DocumentName names the certificate's file, "" when it has none.
	DocumentName string `json:"-"`
}

// Validate checks a certificate before it is saved.
func (c *Certificate) Validate() error {
	var v Validation
	if strings.TrimSpace(c.Type) == "" {
		v.Add("type", "Type is required.")
	}
	if c.SiteID == "" {
		v.Add("site_id", "Site is required.")
	}
	if c.IssuedOn.IsZero() {
		v.Add("issued_on", "Issue date is required.")
	}
	if !c.ExpiresOn.IsZero() && c.ExpiresOn.Before(c.IssuedOn) {
		v.Add("expires_on", "Expiry cannot be before the issue date.")
	}
	return v.Err()
}

// CertificateFilter selects certificates.
type CertificateFilter struct {
	Page
	SiteID       string
	ContractorID string
	Type         string
	IssuedFrom   Date
	IssuedTo     Date
	// Status selects by CertificateStatusOn on Today; expiring lists the
	// soonest expiry first, expired the latest.
	Status       CertificateStatus
	Today        Date
	UpdatedSince time.Time
	// ExternalID selects the certificate of the back office's id.
	ExternalID string
}

// Appointment is a diary event for a job or a quote at a site.
type Appointment struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"-"`
	ExternalID  string    `json:"external_id,omitempty"`
	CustomerID  string    `json:"customer_id"`
	SiteID      string    `json:"site_id"`
	JobID       string    `json:"job_id,omitempty"`
	QuoteID     string    `json:"quote_id,omitempty"`
	StartsAt    time.Time `json:"starts_at"`
	EndsAt      time.Time `json:"ends_at"`
	Technician  string    `json:"technician"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// last changed at this time (the API's If-Match), else ErrChanged.
	IfUpdatedAt time.Time `json:"-"`

	// Status is where the visit stands (CheckVisitMove); "" on a write
	// keeps the current one. ETA is the expected arrival while on the way.
	Status VisitStatus `json:"status"`
	ETA    time.Time   `json:"eta,omitzero"`
	// TechnicianStaffID links the visit to a staff user, whose display
	// name and photo the customer sees; "" when the technician is only
	// the free-text name.
	TechnicianStaffID string `json:"technician_staff_id,omitempty"`
	// TechnicianEmail, on a write, links the staff user of this email
	// instead of TechnicianStaffID (the back office knows its technicians
	// by email, not by the portal's ids).
	TechnicianEmail string `json:"-"`
	// Read only: the linked staff user's shown name and photo hash ("" none).
	TechnicianShownName string `json:"-"`
	TechnicianPhoto     string `json:"-"`

	SiteName string `json:"site_name,omitempty"`
	// Display fields for the diary: the site's address in one line, the
	// job's number and kind, the quote's number ("" when none).
	SiteAddress Address `json:"-"`
	JobNumber   string  `json:"-"`
	JobKind     JobKind `json:"-"`
	QuoteNumber string  `json:"-"`
}

// ShownTechnician is the technician's name as customers see it: the
// linked staff user's display name, else the free-text name.
func (a *Appointment) ShownTechnician() string {
	if a.TechnicianShownName != "" {
		return a.TechnicianShownName
	}
	return a.Technician
}

// Overlaps reports whether two appointments share any time.
func (a *Appointment) Overlaps(b *Appointment) bool {
	return a.StartsAt.Before(b.EndsAt) && b.StartsAt.Before(a.EndsAt)
}

// Validate checks an appointment before it is saved.
func (a *Appointment) Validate() error {
	var v Validation
	if a.SiteID == "" {
		v.Add("site_id", "Site is required.")
	}
	if a.StartsAt.IsZero() {
		v.Add("starts_at", "Start is required.")
	}
	if !a.EndsAt.After(a.StartsAt) {
		v.Add("ends_at", "End must be after the start.")
	}
	return v.Err()
}

// AppointmentFilter selects appointments.
type AppointmentFilter struct {
	Page
	SiteID       string
	JobID        string
	From, To     time.Time
	Technician   string
	UpdatedSince time.Time
	// ExternalID selects the appointment of the back office's id.
	ExternalID string
}

// Task is a to-do the operator made for work with the customer.
type Task struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"-"`
	ExternalID  string    `json:"external_id,omitempty"`
	CustomerID  string    `json:"customer_id"`
	SiteID      string    `json:"site_id,omitempty"`
	JobID       string    `json:"job_id,omitempty"`
	Subject     string    `json:"subject"`
	Description string    `json:"description"`
	Status      string    `json:"status"` // open, in_progress, done
	DueDate     Date      `json:"due_date,omitzero"`
	Assignee    string    `json:"assignee"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// last changed at this time (the API's If-Match), else ErrChanged.
	IfUpdatedAt time.Time `json:"-"`

	// Display fields: the job's number and kind ("" when none).
	JobNumber string  `json:"-"`
	JobKind   JobKind `json:"-"`
}

// Validate checks a task before it is saved.
func (t *Task) Validate() error {
	var v Validation
	if strings.TrimSpace(t.Subject) == "" {
		v.Add("subject", "Subject is required.")
	}
	if t.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	switch t.Status {
	case "open", "in_progress", "done":
	default:
		v.Add("status", "Status must be open, in_progress or done.")
	}
	return v.Err()
}

// TaskFilter selects tasks.
type TaskFilter struct {
	Page
	Status string
	SiteID string
	// Due selects a band of due dates on Today (overdue leaves out the
	// tasks that are done); a band lists the soonest due first.
	Due          TaskDue
	Today        Date
	UpdatedSince time.Time
	// CustomerID, JobID and ExternalID select a customer's tasks, a job's
	// tasks and the task of the back office's id (the API's filters).
	CustomerID, JobID, ExternalID string
}

// Script is canned description text a customer can insert when booking.
type Script struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"-"`
	ExternalID string    `json:"external_id,omitempty"`
	Title      string    `json:"title"`
	Body       string    `json:"body"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`

	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// Validate checks a script before it is saved.
func (s *Script) Validate() error {
	var v Validation
	if strings.TrimSpace(s.Title) == "" {
		v.Add("title", "Title is required.")
	}
	if strings.TrimSpace(s.Body) == "" {
		v.Add("body", "Text is required.")
	}
	return v.Err()
}

// Item is a catalogue item a customer may add to a request.
type Item struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"-"`
	ExternalID string    `json:"external_id,omitempty"`
	Code       string    `json:"code"`
	Name       string    `json:"name"`
	UnitPrice  Money     `json:"unit_price"`
	Active     bool      `json:"active"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`

	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// Validate checks an item before it is saved.
func (i *Item) Validate() error {
	var v Validation
	if strings.TrimSpace(i.Code) == "" {
		v.Add("code", "Code is required.")
	}
	if strings.TrimSpace(i.Name) == "" {
		v.Add("name", "Name is required.")
	}
	if i.UnitPrice < 0 {
		v.Add("unit_price", "Unit price cannot be negative.")
	}
	return v.Err()
}

// CatalogueFilter selects scripts or items.
type CatalogueFilter struct {
	Page
	Search string
	// ActiveOnly keeps active items only (what a customer may pick);
	// scripts have no active flag and ignore it.
	ActiveOnly   bool
	UpdatedSince time.Time
	// ExternalID selects the record of the back office's id; Code the
	// items of a code; Active, when set, the items of that flag (the
	// API's filters; scripts have neither a code nor the flag and ignore
	// those two).
	ExternalID string
	Code       string
	Active     *bool
}

// Upload is one file as a form received it: its name as the browser gave
// it (base name only, made safe) and its content type as detected from
// its bytes, never as the browser claimed it. A form's file is spooled to
// a temporary file while it is hashed (Body, Size and SHA256 set), so a
// large upload never sits in memory; a file made in code (tests, the demo)
// may give its bytes in Data instead.
type Upload struct {
	Name        string
	ContentType string
	Data        []byte
	// Body reads the bytes once, from the start; Size and SHA256 (hex)
	// are then required: the store names the bytes by their hash before
	// it reads them, and checks the hash as it does.
	Body   io.Reader
	Size   int64
	SHA256 string
	// VisibleToCustomer shows a staff member's file to the customer's
	// contacts from the moment it is saved (a contact's own files always
	// are), in the same transaction rather than by a later update.
	VisibleToCustomer bool
	// ExternalID is the back office's id of the document (an API upload),
	// saved with it in the same transaction; "" for none.
	ExternalID string
}
