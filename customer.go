package fieldportal

import (
	"slices"
	"strings"
	"time"
)

// Customer is an account of the operator. Customers form a tree: a
// contact at a parent reaches every descendant (SPEC §2.1).
type Customer struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"-"`
	ExternalID string    `json:"external_id,omitempty"`
	ParentID   string    `json:"parent_id,omitempty"`
	Name       string    `json:"name"`
	Billing    Address   `json:"billing_address"`
	Phone      string    `json:"phone"`
	Email      string    `json:"email"`
	TaxNumber  string    `json:"tax_number"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// ArchivedAt is when the office archived the customer, zero while it
	// is in use (Archived). Read-only: Archive changes it.
	ArchivedAt time.Time `json:"archived_at,omitzero"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
	// Archive, when not nil, archives (true) or restores (false) the
	// customer as it is saved (staff only); nil keeps the stored flag, so
	// an edit that does not know of archiving never revives one.
	Archive *bool `json:"-"`
}

// Archived reports whether the office has archived the customer: out of
// use for new work, its records and history kept (issue 19).
func (c *Customer) Archived() bool { return !c.ArchivedAt.IsZero() }

// Validate checks a customer before it is saved.
func (c *Customer) Validate() error {
	var v Validation
	if strings.TrimSpace(c.Name) == "" {
		v.Add("name", "Name is required.")
	} else if len(c.Name) > 200 {
		v.Add("name", "Name must be at most 200 characters.")
	}
	if c.Email != "" && !ValidEmail(c.Email) {
		v.Add("email", "Email must be a valid address.")
	}
	if c.ParentID != "" && c.ParentID == c.ID {
		v.Add("parent_id", "A customer cannot be its own parent.")
	}
	return v.Err()
}

// CustomerFilter selects customers.
type CustomerFilter struct {
	Page
	Search       string
	ParentID     string
	UpdatedSince time.Time
	// ExternalID selects the customer of the back office's id (the API).
	ExternalID string
	// Archived, when not nil, selects only the archived customers (true)
	// or only those in use (false).
	Archived *bool
}

// Contractor is a trading division or subcontractor that does the work.
type Contractor struct {
	ID         string    `json:"id"`
	OrgID      string    `json:"-"`
	ExternalID string    `json:"external_id,omitempty"`
	Name       string    `json:"name"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`

	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// Validate checks a contractor before it is saved.
func (c *Contractor) Validate() error {
	if strings.TrimSpace(c.Name) == "" {
		return FieldErrorf("name", "Name is required.")
	}
	return nil
}

// ContractorFilter selects contractors.
type ContractorFilter struct {
	Page
	UpdatedSince time.Time
	// ExternalID selects the contractor of the back office's id (the API).
	ExternalID string
}

// Site is a job site or property where work happens; it belongs to one customer.
type Site struct {
	ID              string    `json:"id"`
	OrgID           string    `json:"-"`
	ExternalID      string    `json:"external_id,omitempty"`
	CustomerID      string    `json:"customer_id"`
	Name            string    `json:"name"`
	Address         Address   `json:"address"`
	UPRN            string    `json:"uprn"`
	CompanySite     bool      `json:"company_site"`
	ContractorID    string    `json:"contractor_id,omitempty"`
	CreatedInPortal bool      `json:"created_in_portal"`
	Notes           string    `json:"notes"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	// ArchivedAt is when the office archived the site itself, zero
	// otherwise; CustomerArchivedAt (read-only) is its customer's. Use
	// Archived, which holds both.
	ArchivedAt         time.Time `json:"archived_at,omitzero"`
	CustomerArchivedAt time.Time `json:"-"`

	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`

	// Archive, when not nil, archives (true) or restores (false) the
	// site itself as it is saved (staff only); nil keeps the stored flag.
	Archive *bool `json:"-"`

	// ContactIDs, when not nil, are the site's contacts to save: people
	// of its customer (the portal's site form). nil leaves them as they
	// are (the API, the console).
	ContactIDs []string `json:"-"`

	// Read-only extras filled by lists that ask for them.
	CustomerName   string `json:"customer_name,omitempty"`
	OpenActivities int    `json:"open_activities"`
	// PortalPendingAt is when a contact last created or changed the
	// site in the portal, until staff mark it reviewed (the console's
	// queue, FindPortalSites); zero otherwise.
	PortalPendingAt time.Time `json:"-"`
}

// Archived reports whether the site is out of use: archived itself or
// through its customer ("effectively archived", issue 19). Its records
// and history stay in reach; only new work from the portal stops. The
// store's lists apply the same rule (sqlstore's siteArchived).
func (s *Site) Archived() bool { return !s.ArchivedAt.IsZero() || !s.CustomerArchivedAt.IsZero() }

// ErrSiteArchived is the field error of new work asked for at an archived
// site; field names the form's site field.
func ErrSiteArchived(field string) error {
	return FieldErrorf(field, "This site is archived; contact the office to reopen it.")
}

// Validate checks a site before it is saved.
func (s *Site) Validate() error {
	var v Validation
	if strings.TrimSpace(s.Name) == "" {
		v.Add("name", "Name is required.")
	} else if len(s.Name) > 200 {
		v.Add("name", "Name must be at most 200 characters.")
	}
	if s.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	if strings.TrimSpace(s.Address.Line1) == "" {
		v.Add("address.line1", "Address is required.")
	}
	if len(s.UPRN) > 12 || strings.Trim(s.UPRN, "0123456789") != "" {
		v.Add("uprn", "UPRN must be up to 12 digits.")
	}
	return v.Err()
}

// SiteFilter selects sites.
type SiteFilter struct {
	Page
	Search       string // name, address, postcode or UPRN
	CustomerID   string
	ContractorID string
	UpdatedSince time.Time
	// ExternalID selects the site of the back office's id, and Postcode
	// the sites of a postcode, compared without case or spaces (the API).
	ExternalID string
	Postcode   string
	// Archived, when not nil, selects only the sites out of use (true:
	// archived themselves or through their customer, as Site.Archived;
	// the portal) or only those in use (false).
	Archived *bool
	// ArchivedItself makes Archived compare the site's own flag only, not
	// its customer's: the API, whose sites show that flag (archived), so
	// that a sync client's filter and field agree.
	ArchivedItself bool
	// WithActivity fills OpenActivities (open issues + open service and
	// install orders + unpaid invoices), counting only the kinds of record
	// the viewer may use (SPEC §2.4).
	WithActivity bool
}

// ActivityModules are the modules whose open records make up a site's
// Open activities count: issues, service orders, install orders and
// invoices. A viewer's count holds only those of the modules it may use.
var ActivityModules = Modules{ModuleIssues, ModuleService, ModuleInstall, ModuleInvoices}

// SeesOpenActivities reports whether the viewer may use any of the
// ActivityModules. When it may use none, its count is always zero, so
// lists leave the Open activities column out rather than show a column
// of zeros.
func (v Viewer) SeesOpenActivities() bool {
	return slices.ContainsFunc(ActivityModules, v.CanUse)
}

// Contact is a person at a customer.
type Contact struct {
	ID               string    `json:"id"`
	OrgID            string    `json:"-"`
	ExternalID       string    `json:"external_id,omitempty"`
	CustomerID       string    `json:"customer_id"`
	FirstName        string    `json:"first_name"`
	LastName         string    `json:"last_name"`
	Email            string    `json:"email"`
	Phone            string    `json:"phone"`
	Mobile           string    `json:"mobile"`
	Position         string    `json:"position"`
	QuoteContact     bool      `json:"quote_contact"`
	JobContact       bool      `json:"job_contact"`
	InvoiceContact   bool      `json:"invoice_contact"`
	StatementContact bool      `json:"statement_contact"`
	Primary          bool      `json:"primary"`
	CreatedInPortal  bool      `json:"created_in_portal"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise).
	IfUpdatedAt time.Time `json:"-"`
}

// Name is the contact's full name.
func (c *Contact) Name() string { return strings.TrimSpace(c.FirstName + " " + c.LastName) }

// Validate checks a contact before it is saved.
func (c *Contact) Validate() error {
	var v Validation
	if strings.TrimSpace(c.FirstName) == "" {
		v.Add("first_name", "First name is required.")
	}
	if c.CustomerID == "" {
		v.Add("customer_id", "Customer is required.")
	}
	if c.Email != "" && !ValidEmail(c.Email) {
		v.Add("email", "Email must be a valid address.")
	}
	return v.Err()
}

// ContactFilter selects contacts.
type ContactFilter struct {
	Page
	Search       string
	CustomerID   string
	UpdatedSince time.Time
	// ExternalID selects the contact of the back office's id (the API).
	ExternalID string
}

// LoginStatus is the state of a portal login.
type LoginStatus string

// Login statuses.
const (
	LoginInvited  LoginStatus = "invited"
	LoginActive   LoginStatus = "active"
	LoginDisabled LoginStatus = "disabled"
)

// PortalLogin is a contact's credentials and grants (SPEC §2, §3).
type PortalLogin struct {
	ID                 string      `json:"id"`
	OrgID              string      `json:"-"`
	ContactID          string      `json:"contact_id"`
	Username           string      `json:"username"`
	PasswordHash       string      `json:"-"`
	Status             LoginStatus `json:"status"`
	MustChangePassword bool        `json:"must_change_password"`
	Pages              Modules     `json:"page_access"`
	SiteAccess         SiteAccess  `json:"site_access"`
	// SiteIDs are the assigned sites when SiteAccess is "assigned".
	SiteIDs           []string  `json:"site_ids"`
	MayManageContacts bool      `json:"may_manage_contacts"`
	LastLoginAt       time.Time `json:"last_login_at,omitzero"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

// Validate checks a login before it is saved.
func (l *PortalLogin) Validate() error {
	var v Validation
	if strings.TrimSpace(l.Username) == "" {
		v.Add("username", "Username is required.")
	} else if len(l.Username) > 254 || strings.ContainsAny(l.Username, " \t\r\n") {
		v.Add("username", "Username must be at most 254 characters with no spaces.")
	}
	switch l.Status {
	case LoginInvited, LoginActive, LoginDisabled:
	default:
		v.Add("status", "Status must be invited, active or disabled.")
	}
	switch l.SiteAccess {
	case SiteAccessAll:
	case SiteAccessAssigned:
	default:
		v.Add("site_access", "Site access must be all or assigned.")
	}
	for _, p := range l.Pages {
		if !p.Valid() {
			v.Add("page_access", "Unknown page %q.", p)
		}
	}
	return v.Err()
}
