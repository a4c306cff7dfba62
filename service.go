package fieldportal

import (
	"context"
	"io"
	"time"
)

// The services: one narrow interface per area of the product, as in Ben
// Johnson's wtf. The portal, the console and the API hold these, never the
// store; sqlstore implements them. Every method that returns customer
// data takes the Viewer who asks and applies SPEC §2 from it, so no page,
// console screen or API call can reach data around the access rules. A
// workflow (send portal access, reset a password, sign in) is one method:
// its token, mail and audit entry are written in one transaction.

// OrganisationService finds the organisation a request is for and keeps
// its settings, branding and logs.
type OrganisationService interface {
	// FindOrganisationForHost returns the organisation serving host (the
	// only one of a single-organisation install serves every host), or
	// ENOTFOUND. It runs before anyone is signed in.
	FindOrganisationForHost(ctx context.Context, host string) (*Organisation, error)
	// CountOrganisations counts the install's organisations: a fresh
	// install has none, and its pages say to run "fieldportal init".
	CountOrganisations(ctx context.Context) (int, error)
	// FindSettings returns an organisation's settings: its modules,
	// hidden buttons, password policy and branding (no customer data).
	FindSettings(ctx context.Context, orgID string) (Settings, error)
	// UpdateSettings saves the settings; admins only.
	UpdateSettings(ctx context.Context, v Viewer, s Settings) error
	// SetLogo stores a logo image, already checked by content, and makes
	// it the organisation's logo; admins only.
	SetLogo(ctx context.Context, v Viewer, data []byte, contentType string) error
	// FindLogo returns the logo stored under its SHA-256, for anyone (it
	// shows on the sign-in page).
	FindLogo(ctx context.Context, orgID, sha string) (data []byte, contentType string, err error)
	// FindAuditLog lists who did what, newest first; staff only.
	FindAuditLog(ctx context.Context, v Viewer, f AuditFilter) ([]*AuditEntry, string, error)
	// FindOutbox lists queued and sent messages (the mail log); staff only.
	FindOutbox(ctx context.Context, v Viewer, f OutboxFilter) ([]*OutboxMessage, string, error)
	// CountOutbox counts messages of a kind in a status; staff only.
	CountOutbox(ctx context.Context, v Viewer, kind, status string) (int, error)
	// EachAuditEntry calls fn with every entry the filter selects, newest
	// first, streamed (the audit log's CSV); staff only.
	EachAuditEntry(ctx context.Context, v Viewer, f AuditFilter, fn func(*AuditEntry) error) error
	// FindActivity lists the entries a contact who manages contacts may
	// read about its reachable customers (/preferences/activity), newest
	// first; ENOTFOUND for anyone else.
	FindActivity(ctx context.Context, v Viewer, f AuditFilter) ([]*AuditEntry, string, error)
}

// SignInRequest is one attempt to sign in, as typed, with what the
// throttles count it by.
type SignInRequest struct {
	OrgID    string
	Name     string // a contact's username or email; a staff user's email
	Password string
	// ClientAddr is the client's address (its /64 for IPv6).
	ClientAddr string
	UserAgent  string
	// OldToken is the session token the browser already holds, ended on
	// success so a planted token is worth nothing (session fixation).
	OldToken string
	// DeviceToken is the signed device cookie of a browser that has
	// signed in to this account before, under its current password: it
	// passes an account lock caused by failures from elsewhere.
	DeviceToken string
}

// SignedIn is a new session: the browser keeps Token in its cookie.
type SignedIn struct {
	Token     string
	ExpiresAt time.Time
	// DeviceToken is the device cookie to keep (set on every sign-in).
	DeviceToken string
	// Next is where a new user goes first ("" for the default).
	Next string
	// Challenge, when set, is no session: the password was right but a
	// second step is owed (issue 21). The browser keeps this random
	// token in the door's challenge cookie and goes to Next; Token is "".
	Challenge string
}

// PasswordChange is a new password typed twice, with the current one
// where the user must prove it.
type PasswordChange struct {
	Current, Password, Confirm string
	ClientAddr, UserAgent      string
	// OldToken is the session token to replace.
	OldToken string
}

// EmailChangeRequest asks for a change of the viewer's own email
// address. The current password is asked for because confirming the
// new address lets its holder reset the password: a stolen session
// alone must not take the account over.
type EmailChangeRequest struct {
	Email, CurrentPassword string
	ClientAddr             string
}

// SetupRequest completes an invitation: the contact's name, the chosen
// username and password.
type SetupRequest struct {
	OrgID, Token                string
	FirstName, LastName         string
	Username, Password, Confirm string
	ClientAddr, UserAgent       string
	OldToken                    string
}

// LinkTarget is what a still-usable single-use link is for: the form of
// the link's page shows it.
type LinkTarget struct {
	Username, Email, FirstName, LastName string
	// PolicyHint describes the organisation's password rules.
	PolicyHint string
}

// SignInService signs contacts and staff in and out, keeps their
// sessions, and runs the single-use links (SPEC §3). Its sign-in methods
// take no Viewer: they make one.
type SignInService interface {
	// SignIn signs a contact in: EUNAUTHORIZED for any wrong or inactive
	// account (one answer), ERATELIMIT when throttled.
	SignIn(ctx context.Context, r SignInRequest) (*SignedIn, error)
	// StaffSignIn signs a staff user in to the console.
	StaffSignIn(ctx context.Context, r SignInRequest) (*SignedIn, error)
	// ContactSession returns the viewer of a live contact session token,
	// read afresh so a disabled login or changed access applies at once
	// (SPEC §2.7); ENOTFOUND when there is none (the session is ended).
	ContactSession(ctx context.Context, orgID, token string) (Viewer, error)
	// StaffSession is ContactSession for the console.
	StaffSession(ctx context.Context, orgID, token string) (Viewer, error)
	// SignOut ends the session of a token.
	SignOut(ctx context.Context, token string) error
	// RequestPasswordReset mails a reset link when email belongs to an
	// active login, and answers the same either way; throttled.
	RequestPasswordReset(ctx context.Context, orgID, email, clientAddr string) error
	// FindLink returns what a still-usable link is for, or ENOTFOUND.
	FindLink(ctx context.Context, orgID string, purpose TokenPurpose, token string) (*LinkTarget, error)
	// CompleteReset sets a new password through a reset link and ends
	// every session of the login.
	CompleteReset(ctx context.Context, orgID, token string, p PasswordChange) error
	// CompleteSetup completes an invitation and signs the contact in.
	CompleteSetup(ctx context.Context, r SetupRequest) (*SignedIn, error)
	// ChangePassword changes the viewer's own password (a contact's or a
	// staff user's), ends its other sessions and returns a new one.
	// Guesses of the current password are throttled.
	ChangePassword(ctx context.Context, v Viewer, p PasswordChange) (*SignedIn, error)
	// PasswordPolicyHint describes the organisation's password rules.
	PasswordPolicyHint(ctx context.Context, orgID string) (string, error)
}

// AccessGrant is what staff (or a contact who manages contacts) give a
// contact's portal login (SPEC §2).
type AccessGrant struct {
	Username          string
	Pages             Modules
	SiteAccess        SiteAccess
	SiteIDs           []string
	MayManageContacts bool
	// Password, when set on a new login, is an initial password the
	// contact must change at first login instead of an invitation.
	Password string
}

// ContactAccess is a contact with its portal access, as the console's
// contact page shows it.
type ContactAccess struct {
	Contact      *Contact
	CustomerName string
	// Login is nil when the contact has no portal login.
	Login *PortalLogin
	// Sites are the sites offered to a login of this contact: the login's
	// assigned sites first, then those matching SiteSearch.
	Sites []*Site
	// SiteSearch is what the sites offered were searched by; MoreSites
	// says more sites match than are offered (search to narrow them).
	SiteSearch string
	MoreSites  bool
	// DefaultPages is the page access a new login gets.
	DefaultPages Modules
	// PolicyHint describes the password rules for an initial password.
	PolicyHint string
}

// SitesOffered is how many sites the access form offers at once: a
// customer with 20,000 sites gets a search, not 20,000 checkboxes.
const SitesOffered = 100

// ContactListing is a row of the contacts list.
type ContactListing struct {
	Contact      *Contact
	CustomerName string
	// LoginStatus is "" for a contact without a portal login.
	LoginStatus LoginStatus
}

// GrantOutcome says what GrantPortalAccess did.
type GrantOutcome string

// Outcomes of GrantPortalAccess.
const (
	GrantInvited GrantOutcome = "sent"    // an invitation was mailed
	GrantCreated GrantOutcome = "created" // an initial password was set
	GrantResent  GrantOutcome = "resent"  // an earlier invitation was sent again
	GrantSaved   GrantOutcome = "saved"   // the login existed; its access was saved
)

// AccessService keeps contacts and their portal access: the console's
// access screens and, later, contacts who manage contacts.
type AccessService interface {
	FindContacts(ctx context.Context, v Viewer, f ContactFilter) ([]*ContactListing, string, error)
	FindContactByID(ctx context.Context, v Viewer, id string) (*Contact, error)
	// FindContactAccess returns a contact with its login and what it can
	// be given: the sites offered are those matching siteSearch ("" for
	// the first ones by name), at most SitesOffered, and always the
	// login's assigned sites, so a save never drops one unseen.
	FindContactAccess(ctx context.Context, v Viewer, contactID, siteSearch string) (*ContactAccess, error)
	// FindMyLogin returns the viewer's own portal login.
	FindMyLogin(ctx context.Context, v Viewer) (*PortalLogin, error)
	// UpdateContact saves a contact's details (a contact its own).
	UpdateContact(ctx context.Context, v Viewer, c *Contact) error
	// CreateContact adds a contact to a customer the viewer reaches
	// (staff, or a contact who manages contacts): the API's create.
	CreateContact(ctx context.Context, v Viewer, c *Contact) error
	// UpsertContactByExternalID creates or updates a contact by the back
	// office's id (operator side only); created reports which.
	UpsertContactByExternalID(ctx context.Context, v Viewer, c *Contact) (created bool, err error)
	// GrantPortalAccess gives a contact a login: an invitation mailed in
	// the same transaction, or an initial password (staff allowed to set
	// one only). A half-done invitation is saved and sent again.
	GrantPortalAccess(ctx context.Context, v Viewer, contactID string, g AccessGrant) (GrantOutcome, error)
	// UpdatePortalAccess saves what a login may see.
	UpdatePortalAccess(ctx context.Context, v Viewer, contactID string, g AccessGrant) error
	// ResendInvitation mails a new invitation, voiding the old link.
	ResendInvitation(ctx context.Context, v Viewer, contactID string) error
	// SetPortalAccessEnabled disables (ending every session) or enables a login.
	SetPortalAccessEnabled(ctx context.Context, v Viewer, contactID string, enabled bool) error
	// SendPasswordReset mails an active login a reset link.
	SendPasswordReset(ctx context.Context, v Viewer, contactID string) error
	// SetInitialPassword sets a password the contact must change at first
	// login, ending its sessions; audited, and only for staff allowed to.
	SetInitialPassword(ctx context.Context, v Viewer, contactID, password string) error
	// DeleteContact removes a contact nothing refers to (operator side
	// only), leaving a tombstone and a contact.deleted event in the same
	// transaction. A contact with a portal login, or named by an issue,
	// quote, job, payment, document or comment, is kept for that history
	// (ECONFLICT): disable their portal access instead. A non-zero
	// ifUpdatedAt deletes only that version (ErrChanged else).
	DeleteContact(ctx context.Context, v Viewer, id string, ifUpdatedAt time.Time) error
}

// StaffService keeps the operator's staff accounts; admins only, except
// that anyone may read their own.
type StaffService interface {
	FindStaffUsers(ctx context.Context, v Viewer) ([]*StaffUser, error)
	FindStaffUser(ctx context.Context, v Viewer, id string) (*StaffUser, error)
	// AddStaffUser adds a staff user with an initial password.
	AddStaffUser(ctx context.Context, v Viewer, u *StaffUser, password string) error
	// UpdateStaffUser changes a role or disables or enables a user; an
	// admin cannot disable or demote itself.
	UpdateStaffUser(ctx context.Context, v Viewer, u *StaffUser) error
	// SetStaffProfile saves a staff user's display name and photo (the
	// user itself or an admin).
	SetStaffProfile(ctx context.Context, v Viewer, p StaffProfile) error
	// FindStaffPhoto returns a staff user's current photo stored under
	// sha, for staff of the organisation.
	FindStaffPhoto(ctx context.Context, v Viewer, staffID, sha string) ([]byte, string, error)
}

// SiteContactChoices is how many contacts a site form offers.
const SiteContactChoices = 100

// SiteService keeps customers and their job sites.
type SiteService interface {
	FindCustomerByID(ctx context.Context, v Viewer, id string) (*Customer, error)
	FindCustomers(ctx context.Context, v Viewer, f CustomerFilter) ([]*Customer, string, error)
	CreateCustomer(ctx context.Context, v Viewer, c *Customer) error
	UpdateCustomer(ctx context.Context, v Viewer, c *Customer) error
	UpsertCustomerByExternalID(ctx context.Context, v Viewer, c *Customer) (created bool, err error)
	// ArchiveCustomer archives (true) or restores (false) a customer
	// (staff only); its sites are then out of use too (Site.Archived).
	ArchiveCustomer(ctx context.Context, v Viewer, id string, archive bool) error

	FindSiteByID(ctx context.Context, v Viewer, id string) (*Site, error)
	FindSites(ctx context.Context, v Viewer, f SiteFilter) ([]*Site, string, error)
	// EachSite calls fn with every site FindSites would list for f, across
	// all its pages and in the same order, from one query read row by
	// row, so that an export of any size runs in constant memory (a CSV).
	// f.Page is ignored: the walk is the whole selection. An error from fn
	// stops the walk and is returned as it is. fn owns each *Site.
	EachSite(ctx context.Context, v Viewer, f SiteFilter, fn func(*Site) error) error
	CountSites(ctx context.Context, v Viewer) (int, error)
	FindSitesUnderCustomer(ctx context.Context, v Viewer, customerID string) ([]*Site, error)
	CreateSite(ctx context.Context, v Viewer, s *Site) error
	UpdateSite(ctx context.Context, v Viewer, s *Site) error
	UpsertSiteByExternalID(ctx context.Context, v Viewer, s *Site) (created bool, err error)
	// ArchiveSite archives (true) or restores (false) a site (staff only).
	ArchiveSite(ctx context.Context, v Viewer, id string, archive bool) error
	// FindSiteContacts lists a reachable site's contacts that the viewer
	// may see (issue 20).
	FindSiteContacts(ctx context.Context, v Viewer, siteID string) ([]*Contact, error)
	// FindSiteContactChoices lists by name the contacts of a customer
	// the viewer may see, up to SiteContactChoices: those a site form
	// offers as the site's contacts.
	FindSiteContactChoices(ctx context.Context, v Viewer, customerID string) ([]*Contact, error)
	// FindPortalSites is the console's queue of sites contacts created
	// or changed in the portal, newest first, until marked reviewed.
	FindPortalSites(ctx context.Context, v Viewer, p Page) ([]*Site, string, error)
	// MarkSiteReviewed takes a site out of that queue (staff).
	MarkSiteReviewed(ctx context.Context, v Viewer, id string) error

	// FindCustomerNodes lists the console's customer tree a level at a
	// time, by name (staff only).
	FindCustomerNodes(ctx context.Context, v Viewer, f CustomerNodeFilter) ([]*CustomerNode, string, error)
	// FindCustomerPath returns a customer's ancestors from the top, the
	// customer itself last (staff only).
	FindCustomerPath(ctx context.Context, v Viewer, id string) ([]*Customer, error)
	// FindCustomerSites lists a customer's own sites by name (staff only).
	FindCustomerSites(ctx context.Context, v Viewer, customerID string, p Page) ([]*Site, string, error)
}

// Dashboard is what the portal's start page shows at a glance. A nil
// count is "not shown": the viewer may not use its module.
type Dashboard struct {
	// Now is the moment the page is for, in the organisation's zone.
	Now               time.Time
	Sites             *int
	OpenIssues        *int
	OpenService       *int
	OpenInstall       *int
	OutstandingQuotes *int
	UnpaidInvoices    *int
	// Balance is the total outstanding on unpaid invoices.
	Balance *Money
	// ExpiringCertificates counts the certificates expiring within
	// CertificateSoonDays and not yet expired, up to ExpiringCountCap.
	ExpiringCertificates *int
	NextAppointments     []*Appointment
	// RecentJobs are the latest changes to the viewer's orders, without
	// their items and assets; nil when it may use neither service nor
	// install.
	RecentJobs []*Job
}

// DashboardService counts the start page.
type DashboardService interface {
	// Dashboard counts only what the viewer may use (SPEC §2.4).
	Dashboard(ctx context.Context, v Viewer) (*Dashboard, error)
}

// WorkService keeps what customers ask for and what is done for them:
// issues, service and install orders (jobs), quotes, and the catalogue
// they draw on.
type WorkService interface {
	FindIssueByID(ctx context.Context, v Viewer, id string) (*Issue, error)
	FindIssues(ctx context.Context, v Viewer, f IssueFilter) ([]*Issue, string, error)
	CountIssues(ctx context.Context, v Viewer, status string) (int, error)
	CreateIssue(ctx context.Context, v Viewer, x *Issue) error
	UpdateIssue(ctx context.Context, v Viewer, x *Issue) error
	UpsertIssueByExternalID(ctx context.Context, v Viewer, x *Issue) (created bool, err error)
	AddIssueComment(ctx context.Context, v Viewer, c *IssueComment) error
	FindIssueComments(ctx context.Context, v Viewer, issueID string) ([]*IssueComment, error)
	// EachIssue calls fn with every issue FindIssues would list for f,
	// across all its pages, in constant memory (a CSV); f.Page is ignored.
	EachIssue(ctx context.Context, v Viewer, f IssueFilter, fn func(*Issue) error) error
	// ReportIssue adds an issue with its attachments in one transaction.
	ReportIssue(ctx context.Context, v Viewer, x *Issue, files []Upload) error
	// CommentOnIssue adds a comment with its attachments in one
	// transaction; a comment by staff mails the customer ("issue answered").
	CommentOnIssue(ctx context.Context, v Viewer, c *IssueComment, files []Upload) error
	// SetIssueStatus closes or reopens an issue, recording it in its
	// history; operator only. A non-zero ifUpdatedAt changes only that
	// version (ErrChanged else): the API's If-Match, checked under the lock.
	SetIssueStatus(ctx context.Context, v Viewer, issueID, status string, ifUpdatedAt time.Time) (*Issue, error)
	// TurnIssueIntoJob makes a pending service order of an issue and
	// records it on the issue; operator only, once per issue.
	TurnIssueIntoJob(ctx context.Context, v Viewer, issueID string) (*Job, error)
	// FindIssueHistory lists an issue's status history, oldest first.
	FindIssueHistory(ctx context.Context, v Viewer, issueID string) ([]*IssueEvent, error)
	// FindIssueAttachments lists an issue's files, oldest first, for
	// whoever may read the issue.
	FindIssueAttachments(ctx context.Context, v Viewer, issueID string) ([]*Document, error)
	// OpenIssueAttachment returns one file of an issue with its bytes.
	OpenIssueAttachment(ctx context.Context, v Viewer, issueID, documentID string) (*Document, io.ReadCloser, error)
	// FindIssueSites lists by name the sites an issue may be reported at
	// (the viewer's reach), without their activity counts.
	FindIssueSites(ctx context.Context, v Viewer, f SiteFilter) ([]*Site, string, error)
	// FindIssueSite returns one of those sites.
	FindIssueSite(ctx context.Context, v Viewer, id string) (*Site, error)

	FindJobByID(ctx context.Context, v Viewer, id string) (*Job, error)
	FindJobs(ctx context.Context, v Viewer, f JobFilter) ([]*Job, string, error)
	CountJobs(ctx context.Context, v Viewer, kind JobKind, stages []JobStage) (int, error)
	CreateJob(ctx context.Context, v Viewer, j *Job) error
	UpdateJob(ctx context.Context, v Viewer, j *Job) error
	UpsertJobByExternalID(ctx context.Context, v Viewer, j *Job) (created bool, err error)
	// EachJob calls fn with every job FindJobs would list for f, across
	// all its pages and in the same order, without items and assets (a
	// CSV); f.Page is ignored. An error from fn stops the walk.
	EachJob(ctx context.Context, v Viewer, f JobFilter, fn func(*Job) error) error
	// FindJobHistory lists the stage changes of a job the viewer reaches
	// (and whose kind's module it may use), oldest first.
	FindJobHistory(ctx context.Context, v Viewer, jobID string) ([]*JobStageChange, error)
	// FindJobInvoices lists the invoices raised from a job that the viewer
	// sees, newest first; not found without the Invoices module.
	FindJobInvoices(ctx context.Context, v Viewer, jobID string) ([]*Invoice, error)
	// MoveJobStage moves a job to another stage (staff only, and only by
	// the moves JobStage.NextStages allows), writing its history and the
	// audit log in one transaction.
	MoveJobStage(ctx context.Context, v Viewer, m JobStageMove) (*Job, error)
	// UpdateJobAndMove saves a job's fields (as UpdateJob, under
	// j.IfUpdatedAt) and moves it to m.To (as MoveJobStage) in one
	// transaction, so a refused move leaves the fields unsaved too.
	UpdateJobAndMove(ctx context.Context, v Viewer, j *Job, m JobStageMove) error

	FindQuoteByID(ctx context.Context, v Viewer, id string) (*Quote, error)
	FindQuotes(ctx context.Context, v Viewer, f QuoteFilter) ([]*Quote, string, error)
	CountQuotes(ctx context.Context, v Viewer, stages []QuoteStage) (int, error)
	CreateQuote(ctx context.Context, v Viewer, x *Quote) error
	UpdateQuote(ctx context.Context, v Viewer, x *Quote) error
	UpsertQuoteByExternalID(ctx context.Context, v Viewer, x *Quote) (created bool, err error)
	AcceptQuote(ctx context.Context, v Viewer, id, signerName string) error
	DeclineQuote(ctx context.Context, v Viewer, id, signerName, reason string) error
	DecideQuote(ctx context.Context, v Viewer, id string, d QuoteDecision) (*Quote, error)
	PriceQuote(ctx context.Context, v Viewer, id string, p QuotePricing) (x *Quote, mailed int, err error)
	EachQuote(ctx context.Context, v Viewer, f QuoteFilter, fn func(*Quote) error) error

	// BookJob is the portal's Book a job (seed 003): a pending job made
	// in the portal with its assets, items and attached files, in one
	// transaction; a requested window is checked against the diary's
	// overlap rule under a lock (diary_rules.go), so of two customers
	// racing for one window one wins and the other is told it is taken.
	BookJob(ctx context.Context, v Viewer, j *Job, files []Upload) error
	// RequestQuote is the portal's Request a quote: BookJob for a quote,
	// which starts requested.
	RequestQuote(ctx context.Context, v Viewer, x *Quote, files []Upload) error
	// FindBookingWindows lists the windows offered at a site the viewer
	// reaches on day: the organisation's slots, less those taken when
	// overlaps are off. It says only which are free, never by what.
	FindBookingWindows(ctx context.Context, v Viewer, siteID string, day Date) ([]TimeWindow, error)
	// ScheduleJob books a job into the diary (staff only): its
	// appointment with the technician, start and end, the job scheduled,
	// the technician's overlap rule, and the "job scheduled" mail to the
	// customer's job contacts, in one transaction; mailed is how many were
	// mailed (those who can open the job in the portal).
	ScheduleJob(ctx context.Context, v Viewer, s JobSchedule) (job *Job, mailed int, err error)

	FindContractorByID(ctx context.Context, v Viewer, id string) (*Contractor, error)
	FindContractors(ctx context.Context, v Viewer, f ContractorFilter) ([]*Contractor, string, error)
	CreateContractor(ctx context.Context, v Viewer, c *Contractor) error
	UpdateContractor(ctx context.Context, v Viewer, c *Contractor) error
	UpsertContractorByExternalID(ctx context.Context, v Viewer, c *Contractor) (bool, error)
	FindScriptByID(ctx context.Context, v Viewer, id string) (*Script, error)
	FindScripts(ctx context.Context, v Viewer, f CatalogueFilter) ([]*Script, string, error)
	CreateScript(ctx context.Context, v Viewer, s *Script) error
	UpdateScript(ctx context.Context, v Viewer, s *Script) error
	UpsertScriptByExternalID(ctx context.Context, v Viewer, s *Script) (bool, error)
	FindItemByID(ctx context.Context, v Viewer, id string) (*Item, error)
	FindItems(ctx context.Context, v Viewer, f CatalogueFilter) ([]*Item, string, error)
	CreateItem(ctx context.Context, v Viewer, i *Item) error
	UpdateItem(ctx context.Context, v Viewer, i *Item) error
	UpsertItemByExternalID(ctx context.Context, v Viewer, i *Item) (bool, error)
}

// MoneyService keeps invoices, payments, recurring invoices and saved
// cards; every total obeys SPEC §2.
type MoneyService interface {
	FindInvoiceByID(ctx context.Context, v Viewer, id string) (*Invoice, error)
	FindInvoices(ctx context.Context, v Viewer, f InvoiceFilter) ([]*Invoice, string, error)
	// EachInvoice calls fn with every invoice FindInvoices would list for
	// f, across all its pages and in the same order, without lines (a
	// CSV); f.Page is ignored. An error from fn stops the walk.
	EachInvoice(ctx context.Context, v Viewer, f InvoiceFilter, fn func(*Invoice) error) error
	CountInvoices(ctx context.Context, v Viewer, f InvoiceFilter) (int, error)
	InvoiceSummary(ctx context.Context, v Viewer, today Date) (InvoiceSummary, error)
	CreateInvoice(ctx context.Context, v Viewer, inv *Invoice) error
	UpdateInvoice(ctx context.Context, v Viewer, inv *Invoice) error
	UpsertInvoiceByExternalID(ctx context.Context, v Viewer, inv *Invoice) (created bool, err error)

	FindPaymentByID(ctx context.Context, v Viewer, id string) (*Payment, error)
	FindPayments(ctx context.Context, v Viewer, f PaymentFilter) ([]*Payment, string, error)
	RecordPayment(ctx context.Context, v Viewer, p *Payment) (created bool, err error)
	UpdatePayment(ctx context.Context, v Viewer, p *Payment) error
	UpsertPaymentByExternalID(ctx context.Context, v Viewer, p *Payment) (created bool, err error)
	// Statement is the viewer's statement over the request's dates (see
	// BuildStatement); it needs the Statement module.
	Statement(ctx context.Context, v Viewer, r StatementRequest) (*Statement, error)
	// EachStatementEntry reads the same statement in one walk, in
	// constant memory: head gets the totals first, then fn every entry in
	// order with its running balance (for the CSV and the printout).
	// head and fn run inside the walk's read transaction: they must not
	// wait on a client (a download spools its rows, then sends them).
	EachStatementEntry(ctx context.Context, v Viewer, r StatementRequest, head func(*Statement) error, fn func(StatementEntry) error) error

	FindRecurringInvoiceByID(ctx context.Context, v Viewer, id string) (*RecurringInvoice, error)
	FindRecurringInvoices(ctx context.Context, v Viewer, f RecurringInvoiceFilter) ([]*RecurringInvoice, string, error)
	CreateRecurringInvoice(ctx context.Context, v Viewer, r *RecurringInvoice) error
	UpdateRecurringInvoice(ctx context.Context, v Viewer, r *RecurringInvoice) error
	UpsertRecurringInvoiceByExternalID(ctx context.Context, v Viewer, r *RecurringInvoice) (created bool, err error)
	CancelAutopay(ctx context.Context, v Viewer, id string) (*RecurringInvoice, error)
	FindSavedCard(ctx context.Context, v Viewer, customerID string) (*SavedCard, error)
	// FindSavedCards returns the saved cards of those of the customers
	// whose cards the viewer holds (as FindSavedCard), in no particular
	// order: a page's cards in one query.
	FindSavedCards(ctx context.Context, v Viewer, customerIDs []string) ([]*SavedCard, error)
	// ConfirmCardSetup keeps the card a provider's completed set-up saved
	// as the customer's one card, replacing the old one for every schedule.
	ConfirmCardSetup(ctx context.Context, v Viewer, o CardSetupOutcome) (*SavedCard, error)
	PutSavedCard(ctx context.Context, v Viewer, c *SavedCard) error

	// StartCheckout records a contact's attempt to pay invoices online:
	// each must be in its reach (else not found), unpaid with a balance;
	// the amount is the sum of their balances, computed here.
	StartCheckout(ctx context.Context, v Viewer, s StartCheckout) (*Checkout, error)
	// SetCheckoutPage keeps the provider's id of the checkout's hosted page.
	SetCheckoutPage(ctx context.Context, v Viewer, checkoutID, providerID string) error
	// FindCheckout returns a checkout of the viewer (its payer) or, for
	// staff and the system, of the organisation.
	FindCheckout(ctx context.Context, v Viewer, id string) (*Checkout, error)
	// ConfirmCheckout applies a provider's confirmation exactly once, keyed
	// by its payment reference: the payment recorded and allocated, a
	// receipt number given and mailed, a payment.succeeded event queued,
	// in one transaction. A confirmation for an unknown checkout, or whose
	// amount or currency differs, is refused (EINVALID) and audited; a
	// confirmation already applied answers the checkout as it is. v is
	// the payer (return page) or the system (webhook).
	ConfirmCheckout(ctx context.Context, v Viewer, provider string, o CheckoutOutcome) (*Checkout, error)
	// StartDepositCheckout records a quote contact's acceptance of a
	// quote that asks for a deposit as a checkout of the deposit: the
	// quote stays outstanding, the acceptance pending, until
	// ConfirmCheckout applies the payment and completes it (issue 22).
	StartDepositCheckout(ctx context.Context, v Viewer, s StartDeposit) (*Checkout, error)
	// FindDeposits lists the deposits received for a quote or a job the
	// viewer reaches, oldest first.
	FindDeposits(ctx context.Context, v Viewer, f DepositFilter) ([]*DepositPayment, error)
	// ApplyPaymentEvent applies a provider's signed event (its webhook,
	// which comes with no one signed in) as the program: a completed
	// checkout through ConfirmCheckout, a completed card set-up (its
	// outcome read from the provider) through ConfirmCardSetup.
	ApplyPaymentEvent(ctx context.Context, orgID, provider string, ev PaymentEvent) error
	// GatewayKeys returns the organisation's payment keys for the doors to
	// open its gateway with (the webhook comes before anyone signs in);
	// never to be shown.
	GatewayKeys(ctx context.Context, orgID string) (PaymentKeys, error)
	// FindPaymentKeys returns the keys to an admin (the settings page
	// shows only how the secret ones end).
	FindPaymentKeys(ctx context.Context, v Viewer) (PaymentKeys, error)
	// SavePaymentSettings sets the provider and the keys (admins only); an
	// empty key keeps the one saved. Audited, without the keys.
	SavePaymentSettings(ctx context.Context, v Viewer, provider string, keys PaymentKeys) error

	// The office's side (issue 17, point 5); staff only.

	// FindInvoiceRows is FindInvoices for the console's list, with the
	// customer's and contractor's names and the site's UPRN, no lines.
	FindInvoiceRows(ctx context.Context, v Viewer, f InvoiceFilter) ([]*InvoiceRow, string, error)
	// EachInvoiceRow calls fn with every row FindInvoiceRows would list
	// for f, across all its pages, in constant memory (a CSV).
	EachInvoiceRow(ctx context.Context, v Viewer, f InvoiceFilter, fn func(*InvoiceRow) error) error
	// IssueInvoice raises inv from its job (inv.JobID): customer, site
	// and contractor from the job, the number from the organisation's
	// counter, totals from the lines; in one transaction it moves a
	// complete job to Invoiced, mails the customer's invoice contacts and
	// emits invoice.issued.
	IssueInvoice(ctx context.Context, v Viewer, inv *Invoice) error
	// VoidInvoice voids an invoice with nothing paid or allocated, for a
	// reason, audited, and emits invoice.voided. A non-zero ifUpdatedAt
	// voids only that version (ErrChanged else), checked under the lock.
	VoidInvoice(ctx context.Context, v Viewer, id, reason string, ifUpdatedAt time.Time) (*Invoice, error)
	// FindInvoicePayments lists the payments allocated to an invoice.
	FindInvoicePayments(ctx context.Context, v Viewer, invoiceID string) ([]*Payment, error)
	// RecordManualPayment records money taken by the office (cheque,
	// transfer, cash) with its allocations, each within its invoice's
	// balance, with the payer's reference (a cheque's number); mails the
	// receipt and emits payment.succeeded.
	RecordManualPayment(ctx context.Context, v Viewer, p *Payment, reference string) error
	// FindPaymentRows lists payments for the console, newest first.
	FindPaymentRows(ctx context.Context, v Viewer, f PaymentFilter) ([]*PaymentRow, string, error)
	// FindPaymentRefunds lists a payment's refunds, oldest first.
	FindPaymentRefunds(ctx context.Context, v Viewer, paymentID string) ([]*PaymentRefund, error)
	// RefundPayment records a refund (the provider's, already made, when
	// r.RefundRef is set) and reverses the allocations it takes back;
	// once per r.Key: a second call with the key returns the first
	// refund and created false.
	RefundPayment(ctx context.Context, v Viewer, r *PaymentRefund) (created bool, err error)
	// UpdatePaymentReference changes what may change of a recorded
	// payment: its external id and reference (p.ExternalID, p.Reference,
	// under p.IfUpdatedAt). Amounts and allocations stay as recorded.
	UpdatePaymentReference(ctx context.Context, v Viewer, p *Payment) error
}

// EquipmentService keeps assets with their tests and transfers, and the
// documents and certificates that go with sites and assets.
type EquipmentService interface {
	FindAssetByID(ctx context.Context, v Viewer, id string) (*Asset, error)
	FindAssets(ctx context.Context, v Viewer, f AssetFilter) ([]*Asset, string, error)
	FindAssetTypes(ctx context.Context, v Viewer) ([]string, error)
	CreateAsset(ctx context.Context, v Viewer, a *Asset) error
	UpdateAsset(ctx context.Context, v Viewer, a *Asset) error
	UpsertAssetByExternalID(ctx context.Context, v Viewer, a *Asset) (created bool, err error)
	TransferAsset(ctx context.Context, v Viewer, assetID, toSiteID string, date Date, note string) (*AssetTransfer, error)
	FindAssetTransfers(ctx context.Context, v Viewer, assetID string) ([]*AssetTransfer, error)
	// FindAssetTransferByID returns a transfer of an asset the viewer
	// reaches (scoped by the asset's current site, as its history).
	FindAssetTransferByID(ctx context.Context, v Viewer, id string) (*AssetTransfer, error)
	// EachAsset calls fn with every asset FindAssets lists for f, in order
	// (the assets CSV); f.Page is ignored.
	EachAsset(ctx context.Context, v Viewer, f AssetFilter, fn func(*Asset) error) error
	// CountAssetGroups counts the assets matching f's filters at each of
	// siteIDs (a page's sites), by type.
	CountAssetGroups(ctx context.Context, v Viewer, f AssetFilter, siteIDs []string) ([]AssetGroupCount, error)
	// FindAssetTransferPage pages an asset's transfers, newest first, with
	// the names of the sites the viewer reaches.
	FindAssetTransferPage(ctx context.Context, v Viewer, f AssetTransferFilter) ([]*AssetTransfer, string, error)
	// FindAssetServiceHistory pages an asset's tests, newest first, with
	// their jobs' numbers where the viewer reaches them.
	FindAssetServiceHistory(ctx context.Context, v Viewer, assetID string, p Page) ([]*AssetTest, string, error)
	// FindAssetOpenJobs and FindAssetOpenIssues list the open jobs and
	// issues of an asset that the viewer may see.
	FindAssetOpenJobs(ctx context.Context, v Viewer, assetID string, p Page) ([]*Job, string, error)
	FindAssetOpenIssues(ctx context.Context, v Viewer, assetID string, p Page) ([]*Issue, string, error)

	FindAssetTestByID(ctx context.Context, v Viewer, id string) (*AssetTest, error)
	FindAssetTests(ctx context.Context, v Viewer, f AssetTestFilter) ([]*AssetTest, string, error)
	CreateAssetTest(ctx context.Context, v Viewer, t *AssetTest) error
	UpdateAssetTest(ctx context.Context, v Viewer, t *AssetTest) error
	UpsertAssetTestByExternalID(ctx context.Context, v Viewer, t *AssetTest) (created bool, err error)

	FindDocumentByID(ctx context.Context, v Viewer, id string) (*Document, error)
	FindDocuments(ctx context.Context, v Viewer, f DocumentFilter) ([]*Document, string, error)
	// EachDocument calls fn with every document f selects, in order,
	// across all pages: the Documents page's CSV.
	EachDocument(ctx context.Context, v Viewer, f DocumentFilter, fn func(*Document) error) error
	// OpenDocument returns a document the viewer reaches with a reader
	// of its bytes (the caller closes it); the scope is checked first.
	OpenDocument(ctx context.Context, v Viewer, id string) (*Document, io.ReadCloser, error)
	CreateDocument(ctx context.Context, v Viewer, doc *Document) error
	// AttachFiles stores files and attaches them to a record the viewer
	// reaches, all of them or none.
	AttachFiles(ctx context.Context, v Viewer, attachedTo, recordID string, files []Upload) ([]*Document, error)
	UpdateDocument(ctx context.Context, v Viewer, doc *Document) error

	FindCertificateByID(ctx context.Context, v Viewer, id string) (*Certificate, error)
	FindCertificates(ctx context.Context, v Viewer, f CertificateFilter) ([]*Certificate, string, error)
	FindCertificateTypes(ctx context.Context, v Viewer) ([]string, error)
	CreateCertificate(ctx context.Context, v Viewer, c *Certificate) error
	// IssueCertificate creates a certificate with its file (at most one)
	// in one transaction: both are saved or neither is.
	IssueCertificate(ctx context.Context, v Viewer, c *Certificate, files []Upload, visible bool) error
	UpdateCertificate(ctx context.Context, v Viewer, c *Certificate) error
	UpsertCertificateByExternalID(ctx context.Context, v Viewer, c *Certificate) (created bool, err error)
	// EachCertificate calls fn with every certificate FindCertificates
	// would list for f, across all its pages (a CSV); f.Page is ignored.
	EachCertificate(ctx context.Context, v Viewer, f CertificateFilter, fn func(*Certificate) error) error
	// CountExpiringCertificates counts those expiring soon on today, up
	// to ExpiringCountCap.
	CountExpiringCertificates(ctx context.Context, v Viewer, today Date) (int, error)
	// OpenCertificateFile returns a reachable certificate's file and its
	// bytes; the certificate's scope applies first.
	OpenCertificateFile(ctx context.Context, v Viewer, id string) (*Document, io.ReadCloser, error)
	// DeleteAssetTest removes a test entered by mistake, as DeleteTask
	// does a task.
	DeleteAssetTest(ctx context.Context, v Viewer, id string, ifUpdatedAt time.Time) error
	// DeleteCertificate removes a certificate recorded by mistake with
	// the files attached to it, DeleteDocument a file (its certificates
	// lose the link), and DeleteAssetTransfer an asset's latest transfer,
	// moving the asset back (operator side only). Each leaves a tombstone
	// and a <kind>.deleted event in the same transaction.
	DeleteCertificate(ctx context.Context, v Viewer, id string, ifUpdatedAt time.Time) error
	DeleteDocument(ctx context.Context, v Viewer, id string, ifUpdatedAt time.Time) error
	DeleteAssetTransfer(ctx context.Context, v Viewer, id string, ifUpdatedAt time.Time) error
}

// DiaryService keeps appointments and tasks.
type DiaryService interface {
	FindAppointmentByID(ctx context.Context, v Viewer, id string) (*Appointment, error)
	FindAppointments(ctx context.Context, v Viewer, f AppointmentFilter) ([]*Appointment, string, error)
	FindOverlappingAppointments(ctx context.Context, v Viewer, technician string, start, end time.Time, excludeID string) ([]*Appointment, error)
	CreateAppointment(ctx context.Context, v Viewer, a *Appointment) error
	UpdateAppointment(ctx context.Context, v Viewer, a *Appointment) error
	UpsertAppointmentByExternalID(ctx context.Context, v Viewer, a *Appointment) (created bool, err error)

	FindTaskByID(ctx context.Context, v Viewer, id string) (*Task, error)
	FindTasks(ctx context.Context, v Viewer, f TaskFilter) ([]*Task, string, error)
	CountTasks(ctx context.Context, v Viewer, status string) (int, error)
	CreateTask(ctx context.Context, v Viewer, t *Task) error
	UpdateTask(ctx context.Context, v Viewer, t *Task) error
	UpsertTaskByExternalID(ctx context.Context, v Viewer, t *Task) (created bool, err error)
	// EachTask calls fn with every task FindTasks would list for f,
	// across all its pages (a CSV); f.Page is ignored.
	EachTask(ctx context.Context, v Viewer, f TaskFilter, fn func(*Task) error) error
	// EachAppointment calls fn with every appointment FindAppointments
	// would list for f, across all its pages (a CSV); f.Page is ignored.
	EachAppointment(ctx context.Context, v Viewer, f AppointmentFilter, fn func(*Appointment) error) error

	// The personal calendar feeds (issue 18) are a login's own, named by
	// the login (the signed-in contact's) rather than read through a
	// viewer's scope. FindCalendarFeed returns the login's feed, or
	// ENOTFOUND; RenewCalendarFeed makes a new token for an active login,
	// voiding the old one, and returns it (only its hash is kept);
	// CalendarFeedViewer returns the viewer of the active login whose
	// feed the token is, or ENOTFOUND.
	FindCalendarFeed(ctx context.Context, orgID, loginID string) (*CalendarFeed, error)
	RenewCalendarFeed(ctx context.Context, orgID, loginID string) (token string, err error)
	CalendarFeedViewer(ctx context.Context, orgID, token string) (Viewer, error)

	// DeleteAppointment and DeleteTask remove a record the operator
	// reaches (a cancelled visit, a to-do entered by mistake), leaving a
	// tombstone and a <kind>.deleted event in the same transaction. A
	// non-zero ifUpdatedAt deletes only that version (ErrChanged else).
	DeleteAppointment(ctx context.Context, v Viewer, id string, ifUpdatedAt time.Time) error

	// FindTechnicianPhoto returns the photo (under sha) of a staff user
	// who is the technician of an appointment the viewer can see; any
	// other is not found.
	FindTechnicianPhoto(ctx context.Context, v Viewer, staffID, sha string) ([]byte, string, error)
	// LeaveFeedback rates a done visit of a job, once, by a contact with
	// the job role who can see the job, unless the organisation turned
	// feedback off.
	LeaveFeedback(ctx context.Context, v Viewer, f *VisitFeedback) error
	// FindJobFeedback is the feedback part of a job page the viewer can see.
	FindJobFeedback(ctx context.Context, v Viewer, jobID string) (*JobFeedback, error)
	// FindFeedback lists ratings newest first (staff only).
	FindFeedback(ctx context.Context, v Viewer, f FeedbackFilter) ([]*VisitFeedback, string, error)
	// SummariseFeedback averages the ratings per technician and per site
	// (staff only).
	SummariseFeedback(ctx context.Context, v Viewer) (*FeedbackSummary, error)
	DeleteTask(ctx context.Context, v Viewer, id string, ifUpdatedAt time.Time) error
}

// ReportService answers the compliance reports; the reports issue adds
// the PPM and asset register reports beside the defects.
type ReportService interface {
	// FindCurrentDefects lists the latest failed test of each asset not
	// rectified since, at a site and of a type ("" for all).
	FindCurrentDefects(ctx context.Context, v Viewer, siteID, assetType string) ([]*AssetDefect, error)
	// FindDefects lists the Current defects report a page at a time, the
	// latest failures first; an unknown site is an error on "site".
	FindDefects(ctx context.Context, v Viewer, f DefectFilter) ([]*AssetDefect, string, error)
	// FindTestHistory lists the Test history report a page at a time.
	FindTestHistory(ctx context.Context, v Viewer, f AssetTestFilter) ([]*AssetTest, string, error)
	// FindPPM returns the PPM grid of a year at a site as seen on today.
	FindPPM(ctx context.Context, v Viewer, f PPMFilter, today Date) (*PPMGrid, error)
	// FindPPMJobs returns the job numbers behind one cell of the grid.
	FindPPMJobs(ctx context.Context, v Viewer, f PPMFilter, assetType string, w Week, future bool) (*PPMCellJobs, error)
	// FindReportSites and FindReportSite are the sites of the reports'
	// site filter.
	FindReportSites(ctx context.Context, v Viewer, f SiteFilter) ([]*Site, string, error)
	FindReportSite(ctx context.Context, v Viewer, id string) (*Site, error)
	// FindReportChoices returns the asset types and contracts (service
	// levels) of a site's assets.
	FindReportChoices(ctx context.Context, v Viewer, siteID string) (types, contracts []string, err error)
}

// APIKeyService keeps the back office's API keys and turns a presented
// key into its viewer.
type APIKeyService interface {
	// CreateAPIKey makes a key of a scope; the plain key is returned
	// once and only its hash is stored. Admins only.
	CreateAPIKey(ctx context.Context, v Viewer, name string, scope APIKeyScope) (plain string, key *APIKey, err error)
	FindAPIKeys(ctx context.Context, v Viewer) ([]*APIKey, error)
	RevokeAPIKey(ctx context.Context, v Viewer, id string) error
	// APIKeyViewer returns the viewer of a live key of the organisation,
	// or EUNAUTHORIZED. Bad keys are throttled per client address
	// (clientAddr): ERATELIMIT, with its RetryAfter, when over the limit.
	APIKeyViewer(ctx context.Context, orgID, plain, clientAddr string) (Viewer, error)
	// BeginIdempotent claims an Idempotency-Key of the viewer's API key
	// for a request (the hash of its method, path and body). It returns
	// nil when the request is to run, the stored response when the same
	// request has run, EINVALID (field Idempotency-Key) when the key was
	// used for another request, and ECONFLICT while the same request
	// still runs. API keys only; records live 24 hours.
	BeginIdempotent(ctx context.Context, v Viewer, key, requestHash string) (*IdempotentResponse, error)
	// FinishIdempotent stores the response of a claimed key; a nil
	// response (a failure worth retrying) releases the claim instead.
	FinishIdempotent(ctx context.Context, v Viewer, key, requestHash string, res *IdempotentResponse) error
}

// WebhookService keeps the endpoints the back office hears from. What
// says "admins only" also serves an API key of the organisation (the back
// office registers its own endpoints): a key of any scope reads, only a
// key of the write scope changes.
type WebhookService interface {
	FindWebhookEndpoints(ctx context.Context, v Viewer) ([]*WebhookEndpoint, error)
	// FindWebhookEndpoint returns one endpoint with its signing secret
	// (admins only: the secret must be readable to sign with, so it is
	// stored as it is, not hashed).
	FindWebhookEndpoint(ctx context.Context, v Viewer, id string) (*WebhookEndpoint, error)
	// CreateWebhookEndpoint registers an endpoint with a new secret.
	// Admins only.
	CreateWebhookEndpoint(ctx context.Context, v Viewer, in WebhookEndpointInput) (*WebhookEndpoint, error)
	// UpdateWebhookEndpoint changes an endpoint's URL and events.
	UpdateWebhookEndpoint(ctx context.Context, v Viewer, id string, in WebhookEndpointInput) (*WebhookEndpoint, error)
	// SetWebhookEndpointActive disables or enables an endpoint.
	SetWebhookEndpointActive(ctx context.Context, v Viewer, id string, active bool) (*WebhookEndpoint, error)
	// DeleteWebhookEndpoint removes an endpoint with its deliveries.
	DeleteWebhookEndpoint(ctx context.Context, v Viewer, id string) error
	// FindWebhookDeliveries lists an endpoint's deliveries, newest first,
	// each with its attempts.
	FindWebhookDeliveries(ctx context.Context, v Viewer, endpointID string, p Page) ([]*WebhookDelivery, string, error)
	// ReplayWebhookDelivery queues a delivery of the endpoint again, with
	// the same event id, as a new delivery to it.
	ReplayWebhookDelivery(ctx context.Context, v Viewer, endpointID, deliveryID string) (*OutboxMessage, error)
	// FindWebhookEndpointPage is FindWebhookEndpoints a page at a time,
	// with a walk by updated_at (the API's list), without secrets.
	FindWebhookEndpointPage(ctx context.Context, v Viewer, f WebhookEndpointFilter) ([]*WebhookEndpoint, string, error)
}

// Readiness reports whether the database answers, for /readyz.
type Readiness interface {
	Ping(ctx context.Context) error
}

// SyncHorizon is how far an incremental sync (the API's updated_since)
// may read without missing a change still being committed.
type SyncHorizon interface {
	// SyncHorizon returns the start of the oldest transaction still open
	// on the database, or now when none is: a change committed later
	// carries an updated_at at or after it.
	SyncHorizon(ctx context.Context) (time.Time, error)
}

// TombstoneService reads what deleted records left behind, for the API's
// walks by updated_since.
type TombstoneService interface {
	// FindTombstones lists the organisation's tombstones of one kind
	// (operator side only), in (deleted_at, id) order.
	FindTombstones(ctx context.Context, v Viewer, f TombstoneFilter) ([]*Tombstone, string, error)
}

// PreferencesService keeps what a signed-in contact sets for itself in
// the portal's preferences (issue 20): a change of its email address,
// confirmed by a link mailed to the new address, and the mails it gets.
type PreferencesService interface {
	// FindMyPreferences returns the viewer's pending email change and
	// the mails it may choose among.
	FindMyPreferences(ctx context.Context, v Viewer) (*MyPreferences, error)
	// RequestEmailChange mails a link (EmailChangeLifetime) to the new
	// address, and tells the old one; nothing changes until the link is
	// followed. The current password is required (field
	// "current_password", its guesses throttled like the password
	// change's); an address another contact or login of the organisation
	// uses is refused (field "email"). Throttled per login.
	RequestEmailChange(ctx context.Context, v Viewer, req EmailChangeRequest) error
	// SaveMailChoices turns the viewer's mails on (those in on) and off
	// (the others it is offered); kinds it is not offered are kept.
	SaveMailChoices(ctx context.Context, v Viewer, on []MailKind) error
	// FindEmailChange returns the new address a still-usable link would
	// confirm (ENOTFOUND else). Used before anyone is signed in.
	FindEmailChange(ctx context.Context, orgID, token string) (string, error)
	// ConfirmEmailChange follows the link: the contact's email (and its
	// username when that was its email) becomes the new address, the link
	// is spent, and the old address is told, in one transaction.
	ConfirmEmailChange(ctx context.Context, orgID, token string) (string, error)
}
