package webhook

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/fieldportal/fieldportal"
)

// errNotPublic is a connection the policy refused for its address. It
// does not say the address: the error reaches the delivery log, where
// it would tell an admin what the server's internal names resolve to.
var errNotPublic = errors.New("webhook: refusing to connect: the host's address is not a public address")

// Dialer returns a dialer that connects only to addresses the policy
// allows. The check runs in Control, on the address actually dialled
// after DNS resolution, so a host name that resolves (or is made to
// resolve, by DNS rebinding) to an internal address is refused at the
// socket, whatever the name looked like when the endpoint was saved.
func Dialer(p fieldportal.WebhookURLPolicy, timeout time.Duration) *net.Dialer {
	return &net.Dialer{
		Timeout: timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("webhook: refusing to dial %q: not an IP address", address)
			}
			if !fieldportal.AllowsPort(int(ap.Port())) {
				return fmt.Errorf("webhook: refusing to connect to port %d: it serves a protocol other than the web", ap.Port())
			}
			if !p.AllowsAddr(ap.Addr()) {
				return errNotPublic
			}
			return nil
		},
	}
}
