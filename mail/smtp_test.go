package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/mail/smtptest"
)

func config(srv *smtptest.Server, tls string) mail.Config {
	return mail.Config{Host: srv.Host(), Port: srv.Port(), From: "portal@acme.test", TLS: tls, Timeout: 5 * time.Second}
}

func TestSMTPStartTLSWithAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithTLS(), smtptest.WithAuth("relay", "s3cret"))
	cfg := config(srv, mail.TLSStartTLS)
	cfg.Username, cfg.Password = "relay", "s3cret"
	s, err := mail.NewSMTP(cfg, mail.WithRootCAs(srv.CertPool()))
	if err != nil {
		t.Fatal(err)
	}
	msg := mail.Message{To: "ann@example.test", Subject: "Grüße & <tags>", Text: "Plain body: café.\n", HTML: "<p>HTML body</p>"}
	if err := s.Send(context.Background(), msg); err != nil {
		t.Fatalf("send: %v", err)
	}
	r := srv.WaitFor(t, 1, 5*time.Second)[0]
	if r.Subject != msg.Subject || r.Text != msg.Text || r.HTML != msg.HTML {
		t.Errorf("got subject %q, text %q, html %q", r.Subject, r.Text, r.HTML)
	}

	// A wrong password is refused, and the error says so.
	cfg.Password = "wrong"
	s, _ = mail.NewSMTP(cfg, mail.WithRootCAs(srv.CertPool()))
	if err := s.Send(context.Background(), msg); err == nil {
		t.Error("sent with a wrong password")
	}
}

func TestSMTPNoAuthWithoutUsername(t *testing.T) {
	// A server that demands AUTH rejects MAIL from a client that did not
	// authenticate: with no username set, the sender must not try.
	srv := smtptest.Start(t, smtptest.WithTLS(), smtptest.WithAuth("relay", "s3cret"))
	s, err := mail.NewSMTP(config(srv, mail.TLSStartTLS), mail.WithRootCAs(srv.CertPool()))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Message{To: "ann@example.test", Subject: "x", Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "authenticate") {
		t.Errorf("err = %v, want the server's authentication required", err)
	}
}

func TestSMTPStartTLSIsMandatory(t *testing.T) {
	// starttls never falls back to sending in the clear.
	srv := smtptest.Start(t)
	s, err := mail.NewSMTP(config(srv, mail.TLSStartTLS))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), mail.Message{To: "ann@example.test", Subject: "x", Text: "x"}); err == nil {
		t.Error("sent over a server without STARTTLS")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server got %d messages", n)
	}
}

func TestSMTPNoPasswordInTheClear(t *testing.T) {
	// With TLS none and a username, the sender will not offer a password
	// over an unencrypted connection.
	srv := smtptest.Start(t)
	cfg := config(srv, mail.TLSNone)
	cfg.Username, cfg.Password = "relay", "s3cret"
	s, err := mail.NewSMTP(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), mail.Message{To: "ann@example.test", Subject: "x", Text: "x"}); err == nil {
		t.Error("sent although authentication could not be done safely")
	}
}

func TestSMTPCancelled(t *testing.T) {
	srv := smtptest.Start(t)
	s, _ := mail.NewSMTP(config(srv, mail.TLSNone))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Send(ctx, mail.Message{To: "ann@example.test", Subject: "x", Text: "x"}); err == nil {
		t.Error("sent with a cancelled context")
	}
}

func TestConfig(t *testing.T) {
	if (mail.Config{}).Enabled() || !(mail.Config{Host: "smtp.example.test"}).Enabled() {
		t.Error("Enabled should follow Host")
	}
	if err := (mail.Config{}).Validate(); err != nil {
		t.Errorf("an empty config is valid (mail off): %v", err)
	}
	for _, c := range []mail.Config{
		{Host: "h", From: "a@b.test", TLS: "ssl"},
		{Host: "h", From: "a@b.test", Port: 70000},
		{Host: "h"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: no error", c)
		}
		if _, err := mail.NewSMTP(c); err == nil {
			t.Errorf("%+v: NewSMTP accepted it", c)
		}
	}
	if _, err := mail.NewSMTP(mail.Config{}); err == nil {
		t.Error("NewSMTP without a host")
	}
	// The sender's domain makes the Message-IDs, so a From that is no
	// address is refused at start, not at the first mail.
	if _, err := mail.NewSMTP(mail.Config{Host: "h", From: "not an address"}); err == nil {
		t.Error("NewSMTP accepted a From that is no address")
	}
}

func TestSMTPImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithImplicitTLS(), smtptest.WithAuth("relay", "s3cret"))
	cfg := config(srv, mail.TLSImplicit)
	cfg.Username, cfg.Password = "relay", "s3cret"
	s, err := mail.NewSMTP(cfg, mail.WithRootCAs(srv.CertPool()))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), mail.Message{To: "ann@example.test", Subject: "Over TLS", Text: "x\n"}); err != nil {
		t.Fatalf("send: %v", err)
	}
	if r := srv.WaitFor(t, 1, 5*time.Second)[0]; r.Subject != "Over TLS" {
		t.Errorf("subject %q", r.Subject)
	}
	// Without trusting the server's certificate, nothing is sent.
	s, _ = mail.NewSMTP(cfg)
	if err := s.Send(context.Background(), mail.Message{To: "ann@example.test", Subject: "x", Text: "x"}); err == nil {
		t.Error("sent to a server whose certificate is not trusted")
	}
}

// A server that accepted the message and then lost the connection before
// RSET or QUIT has the mail: Send must report it sent, or the worker
// sends it again.
func TestSMTPAcceptedThenDropped(t *testing.T) {
	srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{DropAfterData: true}))
	s, err := mail.NewSMTP(config(srv, mail.TLSNone))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), mail.Message{To: "ann@example.test", Subject: "Accepted", Text: "x\n"}); err != nil {
		t.Errorf("send: %v; want nil, as the server accepted the message", err)
	}
	if got := srv.WaitFor(t, 1, 5*time.Second); got[0].Subject != "Accepted" {
		t.Errorf("subject %q", got[0].Subject)
	}
}

// The context bounds the whole send, not only the dial: a server slow in
// any phase cannot hold a send past its deadline, however long the
// per-command timeout.
func TestSMTPSendBoundedByContext(t *testing.T) {
	// The send ends at the context's end, give or take slack: room for a
	// loaded machine (CI's race run is ten times slower than alone), yet
	// far below the per-command timeout (30 s) and the server's delay (a
	// minute), which is where a send the context did not bound would end.
	const bound, slack, perCommand = 200 * time.Millisecond, 10 * time.Second, 30 * time.Second
	for _, phase := range []smtptest.Phase{smtptest.PhaseHello, smtptest.PhaseMail, smtptest.PhaseRcpt, smtptest.PhaseData} {
		t.Run(string(phase), func(t *testing.T) {
			srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{Delay: map[smtptest.Phase]time.Duration{phase: time.Minute}}))
			cfg := config(srv, mail.TLSNone)
			cfg.Timeout = perCommand
			s, err := mail.NewSMTP(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), bound)
			defer cancel()
			start := time.Now()
			err = s.Send(ctx, mail.Message{To: "ann@example.test", Subject: "Slow", Text: "x\n"})
			if took := time.Since(start); took > bound+slack {
				t.Errorf("send took %v with a deadline of %v", took, bound)
			}
			if err == nil {
				t.Error("send succeeded although the server never answered")
			}
		})
	}
	t.Run("cancelled mid-send", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{Delay: map[smtptest.Phase]time.Duration{smtptest.PhaseRcpt: time.Minute}}))
		cfg := config(srv, mail.TLSNone)
		cfg.Timeout = perCommand
		s, err := mail.NewSMTP(cfg)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(bound, cancel)
		start := time.Now()
		if err := s.Send(ctx, mail.Message{To: "ann@example.test", Subject: "Stopped", Text: "x\n"}); err == nil {
			t.Error("send succeeded although the server never answered")
		}
		if took := time.Since(start); took > bound+slack {
			t.Errorf("send took %v after being cancelled at %v", took, bound)
		}
	})
}

// A message with an ID has a Message-ID made of it and the sender's
// domain, the same on every send; one without gets a fresh random one.
func TestSMTPMessageID(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTP(config(srv, mail.TLSNone))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"01a2b3c4-0000-7000-8000-000000000001", "01a2b3c4-0000-7000-8000-000000000001", "", "", "no <good> id"} {
		if err := s.Send(context.Background(), mail.Message{ID: id, To: "ann@example.test", Subject: "Hi", Text: "x\n"}); err != nil {
			t.Fatalf("send: %v", err)
		}
	}
	got := srv.WaitFor(t, 5, 5*time.Second)
	ids := make([]string, len(got))
	for i, r := range got {
		ids[i] = r.Header.Get("Message-Id")
	}
	want := "<01a2b3c4-0000-7000-8000-000000000001@acme.test>"
	if ids[0] != want || ids[1] != want {
		t.Errorf("Message-IDs of the sends with an ID: %q and %q, want %q", ids[0], ids[1], want)
	}
	if ids[2] == "" || ids[2] == ids[3] || ids[2] == want {
		t.Errorf("Message-IDs of the sends without an ID: %q and %q, want two different ones", ids[2], ids[3])
	}
	// An ID that would break the header is not used.
	if ids[4] == "" || strings.Contains(ids[4], "good") {
		t.Errorf("Message-ID of the send with a malformed ID: %q, want a random one", ids[4])
	}
}
