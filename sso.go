package fieldportal

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Single sign-on per customer (issue 21 point 4): a customer, and so every
// customer below it, can be given its company's OpenID Connect provider
// and the email domains the company owns. A contact whose email is in one
// of those domains signs in through that provider; it must already have
// an active portal login (no account is made by signing in), and its
// access is its login's, unchanged.

// CustomerSSO is a customer's single sign-on settings as the console
// shows and saves them. The client secret is written, never read back.
type CustomerSSO struct {
	CustomerID string
	Issuer     string
	ClientID   string
	// ClientSecret is a new secret to store; empty keeps the saved one.
	ClientSecret string
	// SecretSet says a secret is saved (it is never returned).
	SecretSet bool
	// Domains are the email domains the customer owns, lowercased.
	Domains []string
	Enabled bool
	// Configured says the customer has settings saved at all.
	Configured bool
	UpdatedAt  time.Time
}

// SSOProvider is what a sign-in needs of a configured customer: its
// provider and client, with the secret opened.
type SSOProvider struct {
	OrgID, CustomerID, CompanyName string
	Issuer, ClientID, ClientSecret string
	Domains                        []string
}

// OwnsEmail reports whether email is in one of the provider's domains.
func (p *SSOProvider) OwnsEmail(email string) bool {
	return slices.Contains(p.Domains, EmailDomain(email))
}

// SSOFlow is a sign-in under way at a provider, kept server-side under
// the hash of its state until the provider sends the browser back.
type SSOFlow struct {
	StateHash  string
	OrgID      string
	CustomerID string
	// Verifier is the PKCE code verifier; Nonce is the ID token's nonce.
	Verifier, Nonce string
	// Next is where the contact goes once signed in (a local path).
	Next      string
	ExpiresAt time.Time
}

// SSOFlowLifetime is how long a sign-in at a provider may take.
const SSOFlowLifetime = 10 * time.Minute

// SSOStartFree is how many sign-ins at a provider one address may start
// in SSOStartWindow before each further one waits (1s, 2s, ... up to
// SSOStartMaxDelay): enough for an office behind one address at nine in
// the morning, while a stranger cannot fill the flows table or make the
// server call a provider as fast as it can ask.
const (
	SSOStartFree     = 30
	SSOStartWindow   = 15 * time.Minute
	SSOStartMaxDelay = 30 * time.Second
)

// SSOLookupFree is how many domains one address may ask the company of
// in SSOStartWindow before each further lookup waits, up to
// SSOStartMaxDelay: sso.js asks a few times a person as an address is
// typed, and a large office signs in from one address, so the limit is
// high; it stops a listing of the customers at scale, not a person.
const SSOLookupFree = 1000

// SSOSignInRequest asks for a session for the contact whose email a
// provider vouched for, among the configured customer's subtree.
type SSOSignInRequest struct {
	OrgID, CustomerID, Email string
	// Issuer is recorded in the sign-in's audit entry.
	Issuer                          string
	ClientAddr, UserAgent, OldToken string
}

// SSOBegin starts a sign-in at the provider of an email's domain.
type SSOBegin struct {
	OrgID, Email, Next string
	// ClientAddr is the browser's address: starts are throttled by it
	// (each stores a flow and may call the provider).
	ClientAddr string
	// RedirectURI is the organisation's base URL + /sso/callback.
	RedirectURI string
}

// SSOCallback is the provider's answer as the browser brings it back.
type SSOCallback struct {
	OrgID, State, Code string
	// Error is the provider's error parameter, if it sent one.
	Error                           string
	RedirectURI                     string
	ClientAddr, UserAgent, OldToken string
}

// SSOService keeps customers' single sign-on settings and runs the sign-in
// through their providers. Its sign-in methods take no Viewer: they make
// one. Every refusal of a sign-in is EUNAUTHORIZED with one plain message
// (the reason is logged, never shown).
type SSOService interface {
	// FindCustomerSSO returns a customer's settings (admins only); a
	// customer without any gets empty ones.
	FindCustomerSSO(ctx context.Context, v Viewer, customerID string) (*CustomerSSO, error)
	// SaveCustomerSSO checks the issuer's discovery document and saves the
	// settings (admins only, audited).
	SaveCustomerSSO(ctx context.Context, v Viewer, s *CustomerSSO) error
	// SSOCompanyForEmail names the company that signs an email's domain in
	// ("" when none); it says nothing about whether a login exists. The
	// lookups of an address are throttled (ERATELIMIT), so that the
	// organisation's customers cannot be listed by guessing domains.
	SSOCompanyForEmail(ctx context.Context, orgID, email, clientAddr string) (string, error)
	// BeginSSO stores a new flow and returns the provider's authorisation
	// URL to send the browser to, and the flow's state.
	BeginSSO(ctx context.Context, r SSOBegin) (authURL, state string, err error)
	// CompleteSSO checks the provider's answer and starts the session.
	CompleteSSO(ctx context.Context, r SSOCallback) (*SignedIn, string, error)
}

// SSORefused is the one message of every refused single sign-on.
const SSORefused = "We could not sign you in with your company's sign-in. Ask the contractor to check your portal access, or try again."

// EmailDomain returns the lowercased domain of an email address ("" when
// it is not one).
func EmailDomain(email string) string {
	email = strings.TrimSpace(email)
	if !ValidEmail(email) {
		return ""
	}
	_, domain, _ := strings.Cut(email, "@")
	return strings.ToLower(domain)
}

// ParseSSODomains reads the domains typed one per line or separated by
// commas or spaces: lowercased, without a leading "@", each a valid host
// name with a dot, none twice.
func ParseSSODomains(text string) ([]string, error) {
	var out []string
	var bad Validation
	for _, d := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' || r == '\r' || r == '\t' }) {
		d = strings.ToLower(strings.TrimPrefix(d, "@"))
		if !validDomain(d) {
			bad.Add("domains", "Email domains: %q is not a domain, like example.com.", d)
			return nil, bad.Err()
		}
		if slices.Contains(out, d) {
			bad.Add("domains", "Email domains: %s is listed twice.", d)
			return nil, bad.Err()
		}
		out = append(out, d)
	}
	if len(out) > 50 {
		bad.Add("domains", "Email domains must be at most 50.")
		return nil, bad.Err()
	}
	return out, nil
}

// validDomain reports whether d is a host name of two or more labels of
// letters, digits and hyphens.
func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
		if strings.Trim(label, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
			return false
		}
	}
	return true
}

// Validate checks the settings' fields (not the issuer's discovery, which
// the service reads, nor the domains' use by other customers, which the
// store checks). secretSaved says a secret is already stored.
func (s *CustomerSSO) Validate(secretSaved bool) error {
	var bad Validation
	s.Issuer, s.ClientID, s.ClientSecret = strings.TrimSpace(s.Issuer), strings.TrimSpace(s.ClientID), strings.TrimSpace(s.ClientSecret)
	switch {
	case s.Issuer == "":
		bad.Add("issuer", "Enter the issuer URL.")
	case len(s.Issuer) > 500:
		bad.Add("issuer", "Issuer URL must be at most 500 characters.")
	case !validIssuer(s.Issuer):
		bad.Add("issuer", "Issuer URL must be an https:// address, like https://login.example.com.")
	}
	switch {
	case s.ClientID == "":
		bad.Add("client_id", "Enter the client ID.")
	case len(s.ClientID) > 200:
		bad.Add("client_id", "Client ID must be at most 200 characters.")
	}
	switch {
	case s.ClientSecret == "" && !secretSaved:
		bad.Add("client_secret", "Enter the client secret.")
	case len(s.ClientSecret) > 500:
		bad.Add("client_secret", "Client secret must be at most 500 characters.")
	}
	if len(s.Domains) == 0 {
		bad.Add("domains", "Enter the email domains the customer owns, like example.com.")
	}
	return bad.Err()
}

// validIssuer accepts an https URL without query or fragment; plain http
// only for a provider on this machine's loopback (a test provider).
func validIssuer(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return false
	}
	if u.Scheme == "https" {
		return true
	}
	if u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// SSORefusal is a refused single sign-on: EUNAUTHORIZED with the one
// plain message, its reason kept in the error's text for the log.
func SSORefusal(reason string, args ...any) error {
	return fmt.Errorf("single sign-on refused: "+reason+": %w", append(args, &Error{Code: EUNAUTHORIZED, Message: SSORefused})...)
}
