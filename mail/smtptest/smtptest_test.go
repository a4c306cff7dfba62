package smtptest_test

import (
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/fieldportal/fieldportal/mail/smtptest"
)

const testMessage = "From: a@example.test\r\nTo: b@example.test\r\nSubject: Hi\r\n\r\nHello.\r\n"

// MustDial connects a plain SMTP client to srv and says EHLO.
func MustDial(tb testing.TB, srv *smtptest.Server) *smtp.Client {
	tb.Helper()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		tb.Fatalf("dial: %v", err)
	}
	tb.Cleanup(func() { c.Close() })
	if err := c.Hello("client.test"); err != nil {
		tb.Fatalf("EHLO: %v", err)
	}
	return c
}

// MustSendData runs one transaction up to the server's answer to the data.
func MustSendData(tb testing.TB, c *smtp.Client) {
	tb.Helper()
	if err := c.Mail("a@example.test", nil); err != nil {
		tb.Fatalf("MAIL: %v", err)
	}
	if err := c.Rcpt("b@example.test", nil); err != nil {
		tb.Fatalf("RCPT: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		tb.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write([]byte(testMessage)); err != nil {
		tb.Fatalf("write data: %v", err)
	}
	if err := w.Close(); err != nil {
		tb.Fatalf("end of data: %v", err)
	}
}

func TestDropAfterData(t *testing.T) {
	t.Run("the message is kept and the next command fails", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{DropAfterData: true}))
		c := MustDial(t, srv)
		MustSendData(t, c)
		if err := c.Reset(); err == nil {
			t.Error("RSET after the accepted message succeeded; want the connection gone")
		}
		if got := srv.WaitFor(t, 1, 5*time.Second); got[0].Subject != "Hi" {
			t.Errorf("kept subject %q", got[0].Subject)
		}
	})
	t.Run("without the fault the connection stays up", func(t *testing.T) {
		srv := smtptest.Start(t)
		c := MustDial(t, srv)
		MustSendData(t, c)
		if err := c.Reset(); err != nil {
			t.Errorf("RSET: %v", err)
		}
	})
}

func TestDelay(t *testing.T) {
	// The delay is at least 200 ms and ten times what the step took
	// without it: on a loaded machine a step may itself take longer than
	// 200 ms, and the delay must still stand out from it.
	const least = 200 * time.Millisecond
	for _, tc := range []struct {
		phase smtptest.Phase
		step  func(tb testing.TB, srv *smtptest.Server)
	}{
		{smtptest.PhaseHello, func(tb testing.TB, srv *smtptest.Server) { MustDial(tb, srv) }},
		{smtptest.PhaseMail, func(tb testing.TB, srv *smtptest.Server) { MustSendData(tb, MustDial(tb, srv)) }},
		{smtptest.PhaseRcpt, func(tb testing.TB, srv *smtptest.Server) { MustSendData(tb, MustDial(tb, srv)) }},
		{smtptest.PhaseData, func(tb testing.TB, srv *smtptest.Server) { MustSendData(tb, MustDial(tb, srv)) }},
	} {
		t.Run(string(tc.phase), func(t *testing.T) {
			srv := smtptest.Start(t)
			start := time.Now()
			tc.step(t, srv)
			d := max(least, 10*time.Since(start))
			srv.SetFaults(smtptest.Faults{Delay: map[smtptest.Phase]time.Duration{tc.phase: d}})
			start = time.Now()
			tc.step(t, srv)
			if took := time.Since(start); took < d {
				t.Errorf("took %v with a delay of %v in %s", took, d, tc.phase)
			}
		})
	}
	t.Run("a delay ends when the server stops", func(t *testing.T) {
		srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{Delay: map[smtptest.Phase]time.Duration{smtptest.PhaseMail: time.Hour}}))
		c := MustDial(t, srv)
		time.AfterFunc(50*time.Millisecond, srv.Stop)
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.Mail("a@example.test", nil) // its answer does not matter, only that it comes
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("a delay outlived the server's stop")
		}
	})
}
