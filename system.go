package fieldportal

import "time"

// Session is a signed-in browser, kept server-side; the cookie holds a
// random token whose hash is the key (SPEC §3).
type Session struct {
	TokenHash  string
	OrgID      string
	LoginID    string // a contact's login, or
	StaffID    string // a staff user
	CSRFToken  string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute time-out
}

// TokenPurpose is what a single-use link is for.
type TokenPurpose string

// Token purposes.
const (
	TokenInvite     TokenPurpose = "invite"      // portal setup, 72 h
	TokenReset      TokenPurpose = "reset"       // portal password reset, 1 h
	TokenStaffReset TokenPurpose = "staff_reset" // console password reset, 1 h
)

// Lifetime is how long a link of this purpose stays valid.
func (p TokenPurpose) Lifetime() time.Duration {
	if p == TokenInvite {
		return 72 * time.Hour
	}
	return time.Hour
}

// OneTimeToken is a single-use link; only the hash of the token is kept.
type OneTimeToken struct {
	TokenHash string
	OrgID     string
	Purpose   TokenPurpose
	LoginID   string
	StaffID   string
	ExpiresAt time.Time
	UsedAt    time.Time
	CreatedAt time.Time
}

// OutboxMessage is a mail or a webhook delivery waiting to be sent, written
// in the same transaction as the change that caused it (SPEC §6, §7).
type OutboxMessage struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"-"`
	Kind          string    `json:"kind"`  // mail, webhook
	Topic         string    `json:"topic"` // e.g. invite, reset, issue.created
	Recipient     string    `json:"recipient"`
	Subject       string    `json:"subject"`
	Payload       string    `json:"payload"` // the mail body or the webhook JSON
	Status        string    `json:"status"`  // pending, sent, failed, held
	Attempts      int       `json:"attempts"`
	NextAttemptAt time.Time `json:"next_attempt_at"`
	LastError     string    `json:"last_error"`
	EndpointID    string    `json:"endpoint_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
	SentAt        time.Time `json:"sent_at,omitzero"`
}

// Outbox statuses.
const (
	OutboxPending = "pending"
	OutboxSent    = "sent"
	OutboxFailed  = "failed" // gave up after the retry period
	OutboxHeld    = "held"   // no transport configured: kept for the console's log
)

// OutboxFilter selects outbox messages for the console's logs.
type OutboxFilter struct {
	Page
	Kind   string
	Status string
}

// AuditEntry records who did what (SPEC §5's audit log): who (the
// actor), when, from where (the client's address and user agent), through
// which door, and the customer the entry is about when there is one (the
// activity page's reach, audit.go). Entries are only ever added.
type AuditEntry struct {
	ID        string    `json:"id"`
	OrgID     string    `json:"-"`
	At        time.Time `json:"at"`
	ActorKind string    `json:"actor_kind"` // contact, staff, api, system, anonymous
	ActorID   string    `json:"actor_id"`
	ActorName string    `json:"actor_name"`
	Action    string    `json:"action"`
	Entity    string    `json:"entity"`
	EntityID  string    `json:"entity_id"`
	Detail    string    `json:"detail"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	Door      Door      `json:"door"`
	// CustomerID is the customer the entry is about, "" for the
	// operator's own business (staff-only entries).
	CustomerID string `json:"customer_id,omitempty"`
}

// AuditFilter selects audit entries; every field is optional.
type AuditFilter struct {
	Page
	Entity   string
	EntityID string
	// Door and ActorKind select by the door and by who acted.
	Door      Door
	ActorKind string
	// Action is one action exactly (AuditActions lists them).
	Action string
	// From and To are days of the organisation, inclusive: entries from
	// From's midnight to the end of To (FromAt and ToAt, set by Window).
	From, To Date
	// FromAt and ToAt are the instants the days stand for (Window).
	FromAt, ToAt time.Time
}

// APIKey is a back-office credential; only the hash of the key is kept.
type APIKey struct {
	ID         string      `json:"id"`
	OrgID      string      `json:"-"`
	Name       string      `json:"name"`
	Prefix     string      `json:"prefix"` // the first characters, to recognise a key
	KeyHash    string      `json:"-"`
	Scope      APIKeyScope `json:"scope"`
	CreatedBy  string      `json:"created_by,omitempty"`
	LastUsedAt time.Time   `json:"last_used_at,omitzero"`
	RevokedAt  time.Time   `json:"revoked_at,omitzero"`
	CreatedAt  time.Time   `json:"created_at"`
}

// APIKeyScope is what a key may do (SPEC §6): read only, or read and
// write.
type APIKeyScope string

// The scopes of a key.
const (
	APIKeyRead  APIKeyScope = "read"  // GET and HEAD only
	APIKeyWrite APIKeyScope = "write" // every method
)

// Valid reports whether s is a known scope.
func (s APIKeyScope) Valid() bool { return s == APIKeyRead || s == APIKeyWrite }

// IdempotentResponse is the response an API request with an
// Idempotency-Key got, kept to be replayed to a retry of the same
// request.
type IdempotentResponse struct {
	Status int
	// Header holds the headers a replay needs (Content-Type, Location,
	// ETag).
	Header map[string]string
	Body   []byte
}

// WebhookEndpoint is a URL an admin registered for portal events.
type WebhookEndpoint struct {
	ID     string   `json:"id"`
	OrgID  string   `json:"-"`
	URL    string   `json:"url"`
	Secret string   `json:"-"`
	Events []string `json:"events"`
	Active bool     `json:"active"`
	// DisabledReason says why the delivery worker turned the endpoint
	// off ("" when an admin did, or while it is on).
	DisabledReason string    `json:"disabled_reason,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`

	// IfUpdatedAt is the version a change through the API saves over
	// (WebhookEndpointInput.IfUpdatedAt); the store never reads it here.
	IfUpdatedAt time.Time `json:"-"`
}
