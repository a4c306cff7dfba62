// Package mail sends the portal's mail (SPEC §7): the sign-in mails and
// receipts are written to the outbox in the same transaction as the change
// that causes them, and a Worker delivers them over SMTP with retries.
// Several instances may run a Worker against one database; the outbox's
// claim and lease keep two of them from sending one message, and every
// send ends well inside the lease. Delivery is at least once: a crash
// between a send and its record sends the mail again after the lease,
// with the same Message-ID, so that receiving systems see one mail.
package mail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Config is the SMTP server to send through. The zero Config means no mail
// server: mail stays in the outbox and the console's mail log shows it.
type Config struct {
	Host     string
	Port     int // 0: the usual port for TLS (25, 587 or 465)
	Username string
	Password string
	From     string // the envelope and header sender, e.g. "Acme <portal@acme.test>"
	// TLS is "none", "starttls" (the default when empty) or "tls"
	// (implicit TLS, as on port 465).
	TLS string
	// Timeout bounds connecting and each SMTP command; 0 means 30 s.
	// The context given to Send bounds the whole exchange.
	Timeout time.Duration
}

// TLS settings of Config.
const (
	TLSNone     = "none"
	TLSStartTLS = "starttls"
	TLSImplicit = "tls"
)

// DefaultTimeout bounds connecting to the SMTP server and each command.
const DefaultTimeout = 30 * time.Second

// Enabled reports whether a mail server is configured.
func (c Config) Enabled() bool { return c.Host != "" }

// Validate checks the settings, naming the bad one, so that a typo is
// reported at start rather than on the first mail.
func (c Config) Validate() error {
	if !c.Enabled() {
		return nil
	}
	switch c.TLS {
	case "", TLSNone, TLSStartTLS, TLSImplicit:
	default:
		return fmt.Errorf("mail TLS setting %q: want none, starttls or tls", c.TLS)
	}
	if c.Port < 0 || c.Port > 65535 {
		return fmt.Errorf("mail port %d is out of range", c.Port)
	}
	if c.From == "" {
		return fmt.Errorf("mail From address is required when a mail server is set")
	}
	return nil
}

// Message is one mail to send. HTML is an optional alternative to Text.
type Message struct {
	// ID, when set, makes the Message-ID header: every send of one ID
	// carries the same one, so that a copy sent again (after a crash
	// between the send and its record) is known for what it is. Without
	// it the header is random.
	ID      string
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers a message, or says why it could not. It returns nil
// once the server has accepted the message, even if something fails after
// that: an error means the message may be sent again. It must return by
// ctx's deadline, as the worker's claim on the message lasts only so long.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Outbox turns a message into an outbox row of kind "mail" for orgID, to
// be enqueued in the transaction of the change that causes it. The row
// keeps only the plain text: the worker sends what the row holds.
func Outbox(orgID, topic string, m Message) *fieldportal.OutboxMessage {
	return &fieldportal.OutboxMessage{
		OrgID:     orgID,
		Kind:      Kind,
		Topic:     topic,
		Recipient: m.To,
		Subject:   m.Subject,
		Payload:   m.Text,
	}
}

// Kind is the outbox kind of mail messages.
const Kind = "mail"

// Permanent marks a send error that no retry can mend (a malformed
// address), so the worker gives the message up at once instead of trying
// for a day.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return permanentError{err}
}

// IsPermanent reports whether err was marked by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }
