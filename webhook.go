package fieldportal

import (
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"
)

// WebhookEventTypes are the events an endpoint can listen to (SPEC §6),
// then those the store emits besides, in the order the console offers
// them.
var WebhookEventTypes = []string{
	"issue.created", "job.booked", "quote.requested", "quote.accepted", "quote.declined",
	"site.created", "site.updated", "contact.created", "contact.updated",
	"payment.succeeded", "autopay.cancelled", "document.uploaded",
	"invoice.issued", "invoice.voided", "payment.refunded",
	"task.deleted", "appointment.deleted", "asset_test.deleted", "contact.deleted",
	"message.created",
	"appointment.status_changed", "feedback.received",
	"certificate.deleted", "document.deleted", "asset_transfer.deleted",
}

// Sources of an event: the door a change came through, so that a back
// office can skip the echoes of its own writes (SPEC §6).
const (
	SourcePortal  = "portal"
	SourceConsole = "console"
	SourceAPI     = "api"
	SourceSystem  = "system" // the program's own jobs: recurring invoices, autopay
)

// EventSource is the source of a change made by v.
func EventSource(v Viewer) string {
	switch v.Kind() {
	case ViewerContact:
		return SourcePortal
	case ViewerStaff:
		return SourceConsole
	case ViewerAPI:
		return SourceAPI
	default:
		return SourceSystem
	}
}

// WebhookAttempt is one try at delivering an event to an endpoint.
type WebhookAttempt struct {
	ID          string        `json:"id"`
	DeliveryID  string        `json:"delivery_id"` // the outbox message
	EndpointID  string        `json:"endpoint_id"`
	AttemptedAt time.Time     `json:"attempted_at"`
	StatusCode  int           `json:"status_code"` // 0: no answer
	Duration    time.Duration `json:"duration"`
	Response    string        `json:"response"` // the answer's first kilobyte
	Error       string        `json:"error"`
}

// WebhookAttemptResponseMax is how much of a receiver's answer an attempt
// keeps: enough to read an error message, not a page.
const WebhookAttemptResponseMax = 1024

// WebhookDelivery is one event queued for one endpoint, with its attempts
// newest first.
type WebhookDelivery struct {
	*OutboxMessage
	Attempts []*WebhookAttempt
}

// WebhookOutcome is what became of one attempt at a delivery.
type WebhookOutcome struct {
	// Delivered: the receiver answered 2xx.
	Delivered bool
	// Next is when to try again after a failure; GiveUp marks the
	// delivery failed instead.
	Next   time.Time
	GiveUp bool
	// DisableEndpoint, with GiveUp, turns the endpoint off unless one
	// of its deliveries succeeded since the given-up one was queued: it
	// has then failed every attempt for the whole retry period, and the
	// organisation's admins are mailed (the store's RecordWebhookAttempt).
	DisableEndpoint bool
}

// WebhookEndpointInput is what an admin (or a write API key) sets of an
// endpoint.
type WebhookEndpointInput struct {
	URL    string
	Events []string
	// Active, when set, turns the endpoint on or off in the same change
	// (the API's PATCH); nil leaves it (a new endpoint is on).
	Active *bool
	// IfUpdatedAt, when set, makes an update save only over the version
	// read (ErrChanged otherwise): the API's If-Match.
	IfUpdatedAt time.Time
}

// WebhookEndpointFilter selects a page of endpoints (the API's list), in
// the order they were made, or by (updated_at, id) with UpdatedSince.
type WebhookEndpointFilter struct {
	Page
	UpdatedSince time.Time
}

// WebhookURLPolicy says which endpoint URLs may be reached. The zero
// policy is production's: https only, and only public addresses, so that
// an endpoint cannot make the server call into its own network (SSRF).
type WebhookURLPolicy struct {
	// AllowHTTP lets endpoints use plain http.
	AllowHTTP bool
	// AllowPrivate lets endpoints reach loopback, private, link-local,
	// unspecified and multicast addresses (tests, a closed network).
	AllowPrivate bool
}

// CheckURL validates an endpoint URL as an admin typed it, naming the
// field "url". A host name is checked again once resolved, at delivery
// (webhook.Dialer): here only what the text alone shows is refused.
func (p WebhookURLPolicy) CheckURL(raw string) error {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if raw == "" || err != nil || u.Host == "" || u.Opaque != "" {
		return FieldErrorf("url", "URL must be a full web address, such as https://example.com/hooks/fieldportal.")
	}
	switch {
	case len(raw) > 2000:
		return FieldErrorf("url", "URL must be at most 2,000 characters.")
	case u.User != nil:
		return FieldErrorf("url", "URL must not carry a user name or password; the signature authenticates each delivery.")
	case u.Scheme == "http" && !p.AllowHTTP:
		return FieldErrorf("url", "URL must start with https://: plain http is not allowed on this server.")
	case u.Scheme != "https" && u.Scheme != "http":
		return FieldErrorf("url", "URL must start with https://.")
	case u.Fragment != "":
		return FieldErrorf("url", "URL must not have a #fragment.")
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "" {
		return FieldErrorf("url", "URL must name a host.")
	}
	if endsInNumber(host) {
		if _, err := netip.ParseAddr(host); err != nil {
			return FieldErrorf("url", "URL must give an IP address in the usual form, four numbers from 0 to 255 such as 203.0.113.5.")
		}
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if !p.AllowsAddr(ip) {
			return FieldErrorf("url", "URL must not point at a loopback, private, link-local or multicast address (%s).", ip)
		}
	} else if !p.AllowPrivate && (host == "localhost" || strings.HasSuffix(host, ".localhost") || !strings.Contains(host, ".")) {
		return FieldErrorf("url", "URL must name a public host, not %s.", host)
	}
	if port := u.Port(); port != "" {
		n, err := net.LookupPort("tcp", port)
		if err != nil {
			return FieldErrorf("url", "URL has a bad port.")
		}
		if !AllowsPort(n) {
			return FieldErrorf("url", "URL must not use port %d, which serves a protocol other than the web.", n)
		}
	}
	return nil
}

// AllowsPort reports whether a delivery may connect to port, under any
// policy: not 0, nor one of the fetch standard's bad ports, whose servers
// (mail, SSH, IRC, ...) would read the POST as their own commands.
func AllowsPort(port int) bool {
	return port > 0 && port <= 0xFFFF && !slices.Contains(badPorts, port)
}

// badPorts is the fetch standard's list (fetch.spec.whatwg.org, "bad port").
var badPorts = []int{1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
	103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515,
	526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659,
	4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080}

// endsInNumber reports whether a URL's host is an IPv4 address to a
// browser or a C resolver (the WHATWG URL standard's "ends in a number"):
// its last label is decimal or 0x hex. No public name ends so, and
// 0177.0.0.1, 127.1 and 2130706433 are all 127.0.0.1 there.
func endsInNumber(host string) bool {
	last := host[strings.LastIndexByte(host, '.')+1:]
	if rest, ok := strings.CutPrefix(last, "0x"); ok {
		last = rest
		return strings.Trim(last, "0123456789abcdef") == ""
	}
	return last != "" && strings.Trim(last, "0123456789") == ""
}

// AllowsAddr reports whether a delivery may connect to ip.
func (p WebhookURLPolicy) AllowsAddr(ip netip.Addr) bool {
	if p.AllowPrivate {
		return true
	}
	ip = ip.Unmap()
	return ip.IsValid() && ip.IsGlobalUnicast() && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() &&
		!sharedOrReserved(ip)
}

// sharedOrReserved reports the ranges IsGlobalUnicast lets through that a
// server must not call either: carrier-grade NAT, the IPv4 benchmark and
// reserved ranges, NAT64 to a private address, IPv6 unique-local, and
// IPv6's transition and deprecated ranges.
func sharedOrReserved(ip netip.Addr) bool {
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("64:ff9b::/96"),
	// IPv6 forms that carry an IPv4 address a network may translate or
	// tunnel to (IPv4-compatible, SIIT, local NAT64, 6to4, Teredo), and
	// the deprecated site-local and the discard ranges.
	netip.MustParsePrefix("::/96"),
	netip.MustParsePrefix("::ffff:0:0:0/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2002::/16"),
	netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("fec0::/10"),
	netip.MustParsePrefix("100::/64"),
}
