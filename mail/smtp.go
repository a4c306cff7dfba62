package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends mail through the server of a Config. It opens a connection
// per message: the portal sends a few mails a minute, and a fresh
// connection never fails on one the server has dropped while idle.
type SMTP struct {
	cfg    Config
	client *gomail.Client
}

// SMTPOption adjusts an SMTP sender.
type SMTPOption func(*smtpOptions)

type smtpOptions struct {
	rootCAs *x509.CertPool
}

// WithRootCAs trusts the certificates of pool instead of the system's
// (a private mail relay, or a test server with a self-signed certificate).
func WithRootCAs(pool *x509.CertPool) SMTPOption {
	return func(o *smtpOptions) { o.rootCAs = pool }
}

// NewSMTP returns a sender for cfg, which must be enabled and valid.
func NewSMTP(cfg Config, opts ...SMTPOption) (*SMTP, error) {
	if !cfg.Enabled() {
		return nil, fmt.Errorf("no mail server is set")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o smtpOptions
	for _, opt := range opts {
		opt(&o)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	copts := []gomail.Option{
		gomail.WithTimeout(timeout),
		gomail.WithTLSConfig(&tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: o.rootCAs}),
	}
	port := cfg.Port
	switch cfg.TLS {
	case TLSNone:
		copts = append(copts, gomail.WithTLSPolicy(gomail.NoTLS))
		if port == 0 {
			port = gomail.DefaultPort
		}
	case TLSImplicit:
		copts = append(copts, gomail.WithSSL())
		if port == 0 {
			port = gomail.DefaultPortSSL
		}
	default: // starttls: refuse to send in the clear if the server cannot encrypt
		copts = append(copts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = gomail.DefaultPortTLS
		}
	}
	copts = append(copts, gomail.WithPort(port))
	// Authenticate only when asked: many relays accept mail from the
	// network without it, and some reject an AUTH they did not expect.
	// Auto-discovery refuses PLAIN and LOGIN on an unencrypted connection,
	// so a password never goes out in the clear.
	if cfg.Username != "" {
		copts = append(copts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	client, err := gomail.NewClient(cfg.Host, copts...)
	if err != nil {
		return nil, fmt.Errorf("mail server settings: %w", err)
	}
	return &SMTP{cfg: cfg, client: client}, nil
}

// Send delivers m, returning the server's or the network's error. Once
// the server has answered the data with 250 the message is its to deliver:
// a failure after that (the connection dropping before RSET or QUIT) is
// not an error, as sending again would deliver it twice.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.cfg.From); err != nil {
		return fmt.Errorf("mail From %q: %w", s.cfg.From, err)
	}
	if err := msg.To(m.To); err != nil {
		// No retry can mend a malformed address.
		return Permanent(fmt.Errorf("mail recipient %q: %w", m.To, err))
	}
	msg.Subject(m.Subject)
	msg.SetDate()
	msg.SetMessageID()
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if err := s.client.DialAndSendWithContext(ctx, msg); err != nil && !msg.IsDelivered() {
		return fmt.Errorf("send mail to %s: %w", m.To, err)
	}
	return nil
}
