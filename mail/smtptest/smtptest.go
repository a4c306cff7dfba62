// Package smtptest runs a real SMTP server inside a test process and keeps
// what it receives in memory, so that tests of the mail worker and of the
// pages that send mail can check the delivered messages end to end. Faults
// make it misbehave as real servers and networks do: slow phases, and a
// connection lost just after a message was accepted.
package smtptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"math/big"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Server is an SMTP server on 127.0.0.1 collecting messages in memory.
type Server struct {
	addr     string
	user     string
	pass     string
	tls      *tls.Config
	certPool *x509.CertPool
	implicit bool // TLS from the first byte, as on port 465

	mu       sync.Mutex
	srv      *smtp.Server
	ln       net.Listener
	stopped  chan struct{} // closed by Stop, so that delays end with the server
	faults   Faults
	messages []Received
	changed  chan struct{} // closed and replaced on every new message
}

// Phase is a step of the SMTP exchange a delay can be put in.
type Phase string

// Phases of the exchange.
const (
	PhaseHello Phase = "hello" // before answering EHLO or HELO
	PhaseMail  Phase = "mail"  // before answering MAIL FROM
	PhaseRcpt  Phase = "rcpt"  // before answering each RCPT TO
	// PhaseData is before reading the message and answering its end. The
	// message is still kept if the client gave up waiting meanwhile, as
	// real servers do: that is how a message comes to be delivered twice.
	PhaseData Phase = "data"
)

// Faults make the server misbehave; the zero Faults is a well-behaved
// server.
type Faults struct {
	// Delay sleeps in a phase before the server answers it (a slow or
	// stuck server). A delay ends early when the server stops.
	Delay map[Phase]time.Duration
	// DropAfterData closes the connection right after the server has
	// answered 250 to a message's data, before it answers the client's
	// next command (RSET or QUIT): the message is delivered, but the
	// client sees the connection fail.
	DropAfterData bool
}

// WithFaults starts the server with faults; SetFaults changes them later.
func WithFaults(f Faults) Option {
	return func(s *Server) { s.faults = f }
}

// SetFaults replaces the server's faults; they apply to commands the
// server answers from now on.
func (s *Server) SetFaults(f Faults) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = f
}

func (s *Server) currentFaults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.faults
}

// delay sleeps for the phase's delay, if any, or until the server stops.
func (s *Server) delay(p Phase) {
	s.mu.Lock()
	d, stopped := s.faults.Delay[p], s.stopped
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-stopped:
	}
}

// Option configures a Server.
type Option func(*Server)

// WithTLS offers STARTTLS with a fresh self-signed certificate for
// 127.0.0.1; clients trust it through CertPool.
func WithTLS() Option {
	return func(s *Server) {
		cert, pool := selfSigned()
		s.tls = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		s.certPool = pool
	}
}

// WithImplicitTLS serves TLS from the first byte (as on port 465) instead
// of offering STARTTLS.
func WithImplicitTLS() Option {
	return func(s *Server) {
		WithTLS()(s)
		s.implicit = true
	}
}

// WithAuth requires AUTH PLAIN with these credentials before MAIL. The
// server offers AUTH only over TLS, as real servers do, so combine it with
// WithTLS.
func WithAuth(username, password string) Option {
	return func(s *Server) { s.user, s.pass = username, password }
}

// Start starts a server on a free port; it stops when the test ends.
func Start(tb testing.TB, opts ...Option) *Server {
	tb.Helper()
	s := &Server{changed: make(chan struct{})}
	for _, opt := range opts {
		opt(s)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = l.Addr().String()
	s.serve(l)
	tb.Cleanup(s.Stop)
	return s
}

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		// go-smtp makes the session when the client says EHLO.
		s.delay(PhaseHello)
		return &session{s: s, conn: c}, nil
	}))
	srv.Domain = "localhost"
	if s.implicit {
		l = tls.NewListener(l, s.tls)
	} else {
		srv.TLSConfig = s.tls
	}
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	s.srv, s.ln, s.stopped = srv, l, make(chan struct{})
	s.mu.Unlock()
	go srv.Serve(l)
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.addr }

// Host is the server's host, for a mail.Config.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port is the server's port, for a mail.Config.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// CertPool trusts the server's certificate (nil without WithTLS).
func (s *Server) CertPool() *x509.CertPool { return s.certPool }

// Stop closes the server, so that connecting fails as when a mail server
// is down. Messages received so far are kept.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	if srv != nil {
		close(s.stopped)
	}
	s.mu.Unlock()
	if srv != nil {
		// Close the listener ourselves: Serve may not have registered it
		// with the server yet, and then Close would leave it open.
		ln.Close()
		srv.Close()
	}
}

// Restart listens again on the same address after Stop.
func (s *Server) Restart(tb testing.TB) {
	tb.Helper()
	var l net.Listener
	var err error
	// The port was just ours; a moment's retry covers its release.
	for range 50 {
		if l, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		tb.Fatalf("smtptest: listen again on %s: %v", s.addr, err)
	}
	s.serve(l)
}

// Messages returns what the server has received so far, oldest first.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.messages...)
}

// WaitFor waits until the server has received at least n messages and
// returns them, failing the test after timeout.
func (s *Server) WaitFor(tb testing.TB, n int, timeout time.Duration) []Received {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		got, changed := len(s.messages), s.changed
		s.mu.Unlock()
		if got >= n {
			return s.Messages()
		}
		select {
		case <-changed:
		case <-deadline.C:
			tb.Fatalf("smtptest: got %d messages after %s, want %d", got, timeout, n)
			return nil
		}
	}
}

func (s *Server) add(r Received) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.messages = append(s.messages, r)
	close(s.changed)
	s.changed = make(chan struct{})
}

// session is one SMTP connection's transaction.
type session struct {
	s        *Server
	conn     *smtp.Conn
	authed   bool
	from     string
	to       []string
	accepted bool // a message was just accepted: the next Reset follows its 250
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || ss.s.user == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.s.delay(PhaseMail)
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.delay(PhaseRcpt)
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	ss.s.delay(PhaseData)
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	rec, err := parse(ss.from, ss.to, raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "smtptest: cannot parse message: " + err.Error()}
	}
	ss.s.add(rec)
	ss.accepted = true
	return nil
}

// Reset is called after every message, once its 250 has gone out, and on
// RSET; the first is where DropAfterData cuts the connection.
func (ss *session) Reset() {
	if ss.accepted && ss.s.currentFaults().DropAfterData {
		ss.conn.Conn().Close()
	}
	ss.from, ss.to, ss.accepted = "", nil, false
}

func (ss *session) Logout() error { return nil }

// selfSigned makes a certificate for 127.0.0.1 and localhost and a pool
// that trusts it.
func selfSigned() (tls.Certificate, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		panic(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		panic(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

var _ smtp.AuthSession = (*session)(nil)
