// Package sso signs contacts in through their company's OpenID Connect
// provider (issue 21 point 4): the authorisation code flow with PKCE
// (S256), a random state and nonce kept server-side, and the ID token
// checked by go-oidc (issuer, audience, expiry, signature) before the
// store is asked for a session. It implements fieldportal.SSOService over
// the store, which keeps the settings and flows and decides who the
// contact is.
package sso

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/webhook"
)

// Store is what the service needs of the database.
type Store interface {
	FindCustomerSSO(ctx context.Context, v fieldportal.Viewer, customerID string) (*fieldportal.CustomerSSO, error)
	SaveCustomerSSO(ctx context.Context, v fieldportal.Viewer, s *fieldportal.CustomerSSO) error
	SSOProviderForDomain(ctx context.Context, orgID, domain string) (*fieldportal.SSOProvider, error)
	SSOProviderForCustomer(ctx context.Context, orgID, customerID string) (*fieldportal.SSOProvider, error)
	SaveSSOFlow(ctx context.Context, f *fieldportal.SSOFlow) error
	// CountSSOStart counts a start from an address, or refuses it with
	// ERATELIMIT when the address has started too many.
	CountSSOStart(ctx context.Context, clientAddr string) error
	// CountSSOLookup is CountSSOStart for the lookups of a domain's company.
	CountSSOLookup(ctx context.Context, clientAddr string) error
	TakeSSOFlow(ctx context.Context, orgID, state string) (*fieldportal.SSOFlow, error)
}

// Sessions starts the session of the contact a provider vouched for.
type Sessions interface {
	SSOSignIn(ctx context.Context, r fieldportal.SSOSignInRequest) (*fieldportal.SignedIn, error)
}

// Service is the single sign-on service.
type Service struct {
	store    Store
	sessions Sessions
	logger   *slog.Logger
	// Client makes the requests to providers (discovery, keys, tokens),
	// connecting only where the policy allows (webhook.Dialer).
	Client *http.Client
	// policy is which issuer addresses may be saved and reached: an
	// admin types the issuer, and the discovery document names the other
	// endpoints, so without it an admin could make the server call into
	// its own network (SSRF), as a webhook endpoint could.
	policy fieldportal.WebhookURLPolicy
	// Now is the clock the ID token's expiry is checked against (tests
	// move it); nil is the time now.
	Now func() time.Time

	mu        sync.Mutex
	providers map[string]discovered
}

// discovered is an issuer's provider and when its document was read.
type discovered struct {
	provider *oidc.Provider
	at       time.Time
}

// ProviderKeep is how long an issuer's discovery document is used before
// it is read again: a provider may move its endpoints (or an admin fix
// them) without every instance of the portal being restarted. Saving the
// settings reads it at once.
const ProviderKeep = time.Hour

var _ fieldportal.SSOService = (*Service)(nil)

// New returns the service over the store, reaching providers under the
// policy (the zero policy is production's: https and public addresses
// only; a test provider on loopback needs AllowHTTP and AllowPrivate).
func New(store Store, sessions Sessions, logger *slog.Logger, policy fieldportal.WebhookURLPolicy) *Service {
	// The address is checked at the socket, after DNS and on every
	// redirect's connection too; no proxy, which would connect unchecked.
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           webhook.Dialer(policy, 10*time.Second).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
	}
	return &Service{store: store, sessions: sessions, logger: logger, policy: policy,
		Client: &http.Client{Transport: transport, Timeout: 10 * time.Second}, providers: map[string]discovered{}}
}

// FindCustomerSSO returns a customer's settings (admins only).
func (s *Service) FindCustomerSSO(ctx context.Context, v fieldportal.Viewer, customerID string) (*fieldportal.CustomerSSO, error) {
	return s.store.FindCustomerSSO(ctx, v, customerID)
}

// SaveCustomerSSO reads the issuer's discovery document, so a wrong
// address is the field's error when saved rather than every contact's
// failed sign-in later, then saves the settings.
func (s *Service) SaveCustomerSSO(ctx context.Context, v fieldportal.Viewer, in *fieldportal.CustomerSSO) error {
	if !v.IsAdmin() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change single sign-on settings.")
	}
	// The fields' own checks first (the store repeats them knowing
	// whether a secret is saved); discovery only of a well-formed URL.
	var bad fieldportal.Validation
	var fe *fieldportal.Error
	if err := in.Validate(true); errors.As(err, &fe) {
		for _, f := range fe.Fields {
			bad.Add(f.Field, "%s", f.Message)
		}
	}
	if !hasField(fe, "issuer") {
		if err := s.policy.CheckURL(in.Issuer); err != nil {
			// The same words as a webhook's URL, naming this field.
			bad.Add("issuer", "Issuer %s", fieldportal.ErrorMessage(err))
		} else if p, err := s.discover(ctx, in.Issuer); err != nil {
			s.logger.WarnContext(ctx, "single sign-on discovery failed", "issuer", in.Issuer, "err", err)
			bad.Add("issuer", "Issuer URL: the provider's discovery document (%s/.well-known/openid-configuration) could not be read; check the address.", in.Issuer)
		} else {
			// What the admin just checked is what sign-ins use.
			s.keep(in.Issuer, p)
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	return s.store.SaveCustomerSSO(ctx, v, in)
}

func hasField(e *fieldportal.Error, field string) bool {
	if e == nil {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// SSOCompanyForEmail names the company that signs an email's domain in.
func (s *Service) SSOCompanyForEmail(ctx context.Context, orgID, email, clientAddr string) (string, error) {
	if err := s.store.CountSSOLookup(ctx, clientAddr); err != nil {
		return "", err
	}
	p, err := s.store.SSOProviderForDomain(ctx, orgID, fieldportal.EmailDomain(email))
	switch fieldportal.ErrorCode(err) {
	case "":
		return p.CompanyName, nil
	case fieldportal.ENOTFOUND:
		return "", nil
	}
	return "", err
}

// BeginSSO stores a flow (state hash, PKCE verifier, nonce, customer,
// next) and returns the provider's authorisation URL. An email whose
// domain has no provider is ENOTFOUND.
func (s *Service) BeginSSO(ctx context.Context, r fieldportal.SSOBegin) (string, string, error) {
	p, err := s.store.SSOProviderForDomain(ctx, r.OrgID, fieldportal.EmailDomain(r.Email))
	if err != nil {
		return "", "", err
	}
	// Before the provider is called or a flow stored.
	if err := s.store.CountSSOStart(ctx, r.ClientAddr); err != nil {
		return "", "", err
	}
	provider, err := s.provider(ctx, p.Issuer)
	if err != nil {
		s.logger.WarnContext(ctx, "single sign-on provider unreachable", "issuer", p.Issuer, "err", err)
		return "", "", fieldportal.Errorf(fieldportal.EUNAVAILABLE, "Your company's sign-in cannot be reached just now. Try again in a few minutes.")
	}
	state, stateHash, err := auth.NewToken()
	if err != nil {
		return "", "", err
	}
	nonce, err := randomString()
	if err != nil {
		return "", "", err
	}
	f := &fieldportal.SSOFlow{StateHash: stateHash, OrgID: r.OrgID, CustomerID: p.CustomerID,
		Verifier: oauth2.GenerateVerifier(), Nonce: nonce, Next: r.Next}
	if err := s.store.SaveSSOFlow(ctx, f); err != nil {
		return "", "", err
	}
	u := s.config(p, provider, r.RedirectURI).AuthCodeURL(state, oauth2.S256ChallengeOption(f.Verifier), oidc.Nonce(nonce),
		oauth2.SetAuthURLParam("login_hint", r.Email))
	return u, state, nil
}

// claims are the ID token's claims the sign-in reads.
type claims struct {
	Email         string     `json:"email"`
	EmailVerified *claimBool `json:"email_verified"`
}

// claimBool is a boolean claim as a JSON boolean or, as some providers
// (AWS Cognito) send it, the string "true" or "false"; anything else
// fails the claims, and so the sign-in.
type claimBool bool

func (b *claimBool) UnmarshalJSON(data []byte) error {
	switch string(data) {
	case "true", `"true"`:
		*b = true
	case "false", `"false"`:
		*b = false
	default:
		return fmt.Errorf("not a boolean: %.20s", data)
	}
	return nil
}

// CompleteSSO spends the flow of the state, exchanges the code (with the
// PKCE verifier), has go-oidc verify the ID token, checks the nonce and
// the email, and asks the store for the session. It returns the session
// and where to go next. Every refusal is logged with its reason and
// answered with fieldportal.SSORefused.
func (s *Service) CompleteSSO(ctx context.Context, r fieldportal.SSOCallback) (*fieldportal.SignedIn, string, error) {
	signed, next, err := s.complete(ctx, r)
	if fieldportal.ErrorCode(err) == fieldportal.EUNAUTHORIZED {
		s.logger.WarnContext(ctx, "single sign-on refused", "org", r.OrgID, "err", err)
	}
	return signed, next, err
}

func (s *Service) complete(ctx context.Context, r fieldportal.SSOCallback) (*fieldportal.SignedIn, string, error) {
	f, err := s.store.TakeSSOFlow(ctx, r.OrgID, r.State)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, "", fieldportal.SSORefusal("state unknown, used, expired or another organisation's")
	} else if err != nil {
		return nil, "", err
	}
	if r.Error != "" {
		return nil, "", fieldportal.SSORefusal("the callback carried an error: %s", r.Error)
	}
	p, err := s.store.SSOProviderForCustomer(ctx, f.OrgID, f.CustomerID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, "", fieldportal.SSORefusal("single sign-on switched off since the flow began")
	} else if err != nil {
		return nil, "", err
	}
	provider, err := s.provider(ctx, p.Issuer)
	if err != nil {
		return nil, "", fieldportal.SSORefusal("discovery: %v", err)
	}
	tok, err := s.config(p, provider, r.RedirectURI).Exchange(oidc.ClientContext(ctx, s.Client), r.Code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return nil, "", fieldportal.SSORefusal("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", fieldportal.SSORefusal("no ID token in the token response")
	}
	idt, err := provider.Verifier(&oidc.Config{ClientID: p.ClientID, Now: s.Now}).Verify(ctx, raw)
	if err != nil {
		return nil, "", fieldportal.SSORefusal("ID token: %v", err)
	}
	if idt.Nonce != f.Nonce {
		return nil, "", fieldportal.SSORefusal("ID token nonce does not match the flow's")
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return nil, "", fieldportal.SSORefusal("ID token claims: %v", err)
	}
	switch {
	case c.Email == "":
		return nil, "", fieldportal.SSORefusal("ID token has no email")
	case c.EmailVerified != nil && !bool(*c.EmailVerified):
		return nil, "", fieldportal.SSORefusal("email %s not verified by the provider", c.Email)
	case !p.OwnsEmail(c.Email):
		return nil, "", fieldportal.SSORefusal("email %s outside the customer's domains", c.Email)
	}
	signed, err := s.sessions.SSOSignIn(ctx, fieldportal.SSOSignInRequest{OrgID: f.OrgID, CustomerID: f.CustomerID, Email: c.Email,
		Issuer: p.Issuer, ClientAddr: r.ClientAddr, UserAgent: r.UserAgent, OldToken: r.OldToken})
	if err != nil {
		return nil, "", err
	}
	return signed, f.Next, nil
}

// config is the OAuth 2 client of a provider for a redirect URI.
func (s *Service) config(p *fieldportal.SSOProvider, provider *oidc.Provider, redirectURI string) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: redirectURI, Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// provider returns an issuer's provider, discovered and kept for
// ProviderKeep (its key set refreshes itself meanwhile when a token names
// a key it does not have). When the document cannot be read again, the
// one kept goes on serving, and the failure is logged.
func (s *Service) provider(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	d, ok := s.providers[issuer]
	s.mu.Unlock()
	if ok && s.now().Sub(d.at) < ProviderKeep {
		return d.provider, nil
	}
	p, err := s.discover(ctx, issuer)
	if err != nil {
		if ok {
			s.logger.WarnContext(ctx, "single sign-on discovery failed; using the document read before", "issuer", issuer, "err", err)
			return d.provider, nil
		}
		return nil, err
	}
	s.keep(issuer, p)
	return p, nil
}

// keep remembers an issuer's provider as read now.
func (s *Service) keep(issuer string, p *oidc.Provider) {
	s.mu.Lock()
	s.providers[issuer] = discovered{provider: p, at: s.now()}
	s.mu.Unlock()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// discover reads an issuer's discovery document afresh.
func (s *Service) discover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return oidc.NewProvider(oidc.ClientContext(ctx, s.Client), issuer)
}

// randomString is 32 random bytes, URL-safe.
func randomString() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}
