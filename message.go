package fieldportal

import (
	"context"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// Messages with the office (issue 22): a thread on a job, quote, invoice,
// issue or site, where the record's contacts and the office write to each
// other, with files. A thread is seen by whoever sees its record (the
// record's own scope and module); the office answers from a queue of
// threads waiting for a reply.

// The kinds of record a thread may be on.
const (
	ThreadOnJob     = "job"
	ThreadOnQuote   = "quote"
	ThreadOnInvoice = "invoice"
	ThreadOnIssue   = "issue"
	ThreadOnSite    = "site"
)

// ThreadRecordKinds lists the kinds of record a thread may be on.
var ThreadRecordKinds = []string{ThreadOnJob, ThreadOnQuote, ThreadOnInvoice, ThreadOnIssue, ThreadOnSite}

// MaxMessageLength bounds a message's text, in characters.
const MaxMessageLength = 5000

// MessageDigestDelay is how long a mail about a new message waits for
// more: every message within it joins the same mail.
const MessageDigestDelay = 10 * time.Minute

// MessageThread is the conversation on one record.
type MessageThread struct {
	ID         string `json:"id"`
	OrgID      string `json:"-"`
	RecordKind string `json:"record_kind"`
	RecordID   string `json:"record_id"`
	// RecordLabel names the record for lists ("Job J-1001", "Site Depot").
	RecordLabel string `json:"record_label"`
	CustomerID  string `json:"customer_id"`
	SiteID      string `json:"site_id,omitempty"`
	// Messages counts the thread's messages.
	Messages      int       `json:"message_count"`
	LastMessageAt time.Time `json:"last_message_at"`
	// LastFrom is who wrote last: "customer" or "office".
	LastFrom string `json:"last_from"`
	// WaitingSince is when the oldest message the office has not
	// answered was written; zero when the office wrote last.
	WaitingSince time.Time `json:"waiting_since,omitzero"`
	// Unread says the viewing login has not read the latest message.
	Unread    bool      `json:"-"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`

	// Posts are the thread's messages, oldest first, when read whole.
	Posts []*Message `json:"-"`
}

// RecordPath is the record's page in the portal.
func (t *MessageThread) RecordPath() string {
	switch t.RecordKind {
	case ThreadOnJob:
		return "/jobs/" + t.RecordID
	case ThreadOnQuote:
		return "/quotes/" + t.RecordID
	case ThreadOnInvoice:
		return "/invoices/" + t.RecordID
	case ThreadOnIssue:
		return "/issues/" + t.RecordID
	case ThreadOnSite:
		return "/sites/" + t.RecordID
	}
	return "/"
}

// Message is one message of a thread.
type Message struct {
	ID         string `json:"id"`
	ThreadID   string `json:"thread_id"`
	RecordKind string `json:"record_kind"`
	RecordID   string `json:"record_id"`
	Body       string `json:"body"`
	// From is "customer" or "office".
	From       string `json:"from"`
	AuthorName string `json:"author_name"`
	// ContactID is the writing contact's; StaffID the writing staff
	// user's (neither for the back office's API key).
	ContactID   string               `json:"contact_id,omitempty"`
	StaffID     string               `json:"staff_id,omitempty"`
	Attachments []*MessageAttachment `json:"attachments"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
}

// Who wrote a message.
const (
	MessageFromCustomer = "customer"
	MessageFromOffice   = "office"
)

// MessageAttachment is a file sent with a message; its bytes are in the
// file store under StorageKey.
type MessageAttachment struct {
	ID          string `json:"id"`
	MessageID   string `json:"message_id"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	StorageKey  string `json:"-"`
}

// IsImage says the file is a photo a page can show.
func (a *MessageAttachment) IsImage() bool { return strings.HasPrefix(a.ContentType, "image/") }

// NewMessage is a message to write on a record's thread.
type NewMessage struct {
	RecordKind string
	RecordID   string
	Body       string
	Files      []Upload
}

// Validate checks the message before anything is stored.
func (m *NewMessage) Validate() error {
	var v Validation
	valid := false
	for _, k := range ThreadRecordKinds {
		valid = valid || m.RecordKind == k
	}
	if !valid {
		v.Add("record_kind", "Record kind must be job, quote, invoice, issue or site.")
	} else if m.RecordID == "" {
		v.Add("record_id", "The record to write about is required.")
	}
	body := strings.TrimSpace(m.Body)
	switch {
	case body == "":
		v.Add("body", "Message is required.")
	case utf8.RuneCountInString(body) > MaxMessageLength:
		v.Add("body", "Message must be at most 5000 characters.")
	}
	return v.Err()
}

// ThreadFilter selects threads: a contact's (unread first, then the
// latest), or the office's queue of threads waiting for a reply (the
// longest waiting first).
type ThreadFilter struct {
	Page
	// Waiting lists only the threads whose last message is the
	// customer's, oldest waiting first.
	Waiting bool
}

// MessageFilter selects messages for the API.
type MessageFilter struct {
	Page
	RecordKind   string
	RecordID     string
	UpdatedSince time.Time
}

// MessageService keeps the threads between customers and the office.
type MessageService interface {
	// FindThreads lists the threads the viewer sees.
	FindThreads(ctx context.Context, v Viewer, f ThreadFilter) ([]*MessageThread, string, error)
	// ThreadForRecord reads the thread of a record the viewer sees, with
	// its messages (a thread with no ID when nobody wrote yet); a contact
	// reading it marks it read for its login.
	ThreadForRecord(ctx context.Context, v Viewer, kind, recordID string) (*MessageThread, error)
	// FindThreadByID reads a thread with its messages, as ThreadForRecord.
	FindThreadByID(ctx context.Context, v Viewer, id string) (*MessageThread, error)
	// PostMessage writes a message on a record's thread, with its files.
	PostMessage(ctx context.Context, v Viewer, m *NewMessage) (*Message, error)
	// CountUnreadThreads counts the threads with a message the viewing
	// login has not read, up to MaxUnreadCount.
	CountUnreadThreads(ctx context.Context, v Viewer) (int, error)
	// OpenMessageAttachment opens a message's file the viewer sees.
	OpenMessageAttachment(ctx context.Context, v Viewer, id string) (*MessageAttachment, io.ReadCloser, error)
	// FindMessages lists messages for the API, oldest change first.
	FindMessages(ctx context.Context, v Viewer, f MessageFilter) ([]*Message, string, error)
}

// MaxUnreadCount caps the navigation's count: past it, "99+".
const MaxUnreadCount = 99
