package mail

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	netmail "net/mail"
	"slices"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// SMTP sends mail through the server of a Config. It opens a connection
// per message: the portal sends a few mails a minute, and a fresh
// connection never fails on one the server has dropped while idle.
type SMTP struct {
	cfg      Config
	domain   string // of the sender, the right side of stable Message-IDs
	tls      *tls.Config
	implicit bool            // TLS from the first byte, done by dial
	opts     []gomail.Option // the client's options but its dialer, which is per send
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
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("mail From %q: %w", cfg.From, err)
	}
	var o smtpOptions
	for _, opt := range opts {
		opt(&o)
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	s := &SMTP{cfg: cfg, domain: from.Address[strings.LastIndexByte(from.Address, '@')+1:], tls: &tls.Config{ServerName: cfg.Host, MinVersion: tls.VersionTLS12, RootCAs: o.rootCAs}}
	s.opts = []gomail.Option{gomail.WithTimeout(timeout), gomail.WithTLSConfig(s.tls)}
	port := cfg.Port
	switch cfg.TLS {
	case TLSNone:
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.NoTLS))
		if port == 0 {
			port = gomail.DefaultPort
		}
	case TLSImplicit:
		// Our dialer makes the TLS connection (go-mail's WithSSL ignores a
		// custom dialer). Opportunistic is what makes go-mail look at the
		// connection and see it encrypted, so that AUTH may use PLAIN; a
		// server on a TLS port offers no STARTTLS to take up.
		s.implicit = true
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
		if port == 0 {
			port = gomail.DefaultPortSSL
		}
	default: // starttls: refuse to send in the clear if the server cannot encrypt
		s.opts = append(s.opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
		if port == 0 {
			port = gomail.DefaultPortTLS
		}
	}
	s.opts = append(s.opts, gomail.WithPort(port))
	// Authenticate only when asked: many relays accept mail from the
	// network without it, and some reject an AUTH they did not expect.
	// Auto-discovery refuses PLAIN and LOGIN on an unencrypted connection,
	// so a password never goes out in the clear.
	if cfg.Username != "" {
		s.opts = append(s.opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(cfg.Username), gomail.WithPassword(cfg.Password))
	}
	// Make a client once, so that bad settings fail here, at start.
	if _, err := s.client(context.Background(), new(dialed)); err != nil {
		return nil, fmt.Errorf("mail server settings: %w", err)
	}
	return s, nil
}

// Send delivers m, returning the server's or the network's error. It
// returns by ctx's deadline, or as soon as ctx is cancelled, whatever the
// server does. Once the server has answered the data with 250 the message
// is its to deliver: a failure after that (the connection dropping before
// RSET or QUIT) is not an error, as sending again would deliver it twice.
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
	if messageIDLeft(m.ID) {
		msg.SetMessageIDWithValue(m.ID + "@" + s.domain)
	} else {
		msg.SetMessageID()
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if err := s.send(ctx, msg); err != nil && !msg.IsDelivered() {
		return fmt.Errorf("send mail to %s: %w", m.To, err)
	}
	return nil
}

// send runs one SMTP exchange within ctx. go-mail's context bounds only
// the dial, and its timeout each command on its own, so a server that
// answers every command just in time could hold a send for minutes; and
// its smtp.Client cannot be closed while a command waits (Close takes the
// lock the command holds). So our dialer keeps the network connection and
// closes it when ctx ends, which ends whatever phase the exchange is in.
func (s *SMTP) send(ctx context.Context, msg *gomail.Msg) (err error) {
	var conn dialed
	defer conn.close()
	client, err := s.client(ctx, &conn)
	if err != nil {
		return err
	}
	c, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := client.CloseWithSMTPClient(c); cerr != nil {
			err = errors.Join(err, cerr)
		}
	}()
	return client.SendWithSMTPClient(c, msg)
}

// dialed is the network connection of one send.
type dialed struct {
	conn net.Conn
	stop func() bool // stops closing conn when the send's context ends
}

// close closes the connection, also when go-mail gave up on it without
// closing it (a failed greeting or handshake).
func (d *dialed) close() {
	if d.conn != nil {
		d.stop()
		d.conn.Close()
	}
}

// client makes a go-mail client whose dialer keeps the connection it makes
// in conn and closes it when ctx ends.
func (s *SMTP) client(ctx context.Context, conn *dialed) (*gomail.Client, error) {
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		var d net.Dialer
		nc, err := d.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		// Closed, not unblocked by a deadline: go-mail moves the deadline
		// on with every command.
		conn.conn, conn.stop = nc, context.AfterFunc(ctx, func() { nc.Close() })
		if !s.implicit {
			return nc, nil
		}
		tc := tls.Client(nc, s.tls)
		if err := tc.HandshakeContext(dctx); err != nil {
			return nil, err
		}
		return tc, nil
	}
	return gomail.NewClient(s.cfg.Host, slices.Concat(s.opts, []gomail.Option{gomail.WithDialContextFunc(dial)})...)
}

// messageIDLeft reports whether id can be the left side of a Message-ID
// as it is (letters, digits, and inner dots, dashes and underscores, a
// subset of RFC 5322's dot-atom that outbox ids fall in).
func messageIDLeft(id string) bool {
	if id == "" || id[0] == '.' || id[len(id)-1] == '.' || strings.Contains(id, "..") {
		return false
	}
	for _, r := range id {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}
