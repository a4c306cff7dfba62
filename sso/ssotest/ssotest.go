// Package ssotest runs a real OpenID Connect provider on loopback for
// tests: zitadel/oidc's provider (package op) over the module's example
// storage and login page, with switches that make it misbehave the ways a
// relying party must refuse (a token for another client, an expired
// token, a token signed with a key it does not publish). Nothing here
// skips a check on our side: the tokens are issued, signed and served as
// a provider does.
package ssotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// User is a person the provider signs in.
type User struct {
	Username, Password, Email string
	// EmailVerified is sent as email_verified, false too (the example
	// storage would leave a false claim out).
	EmailVerified bool
}

// Provider is a running provider with one web client.
type Provider struct {
	// Issuer is the provider's URL (http://127.0.0.1:port).
	Issuer           string
	ClientID, Secret string
	RedirectURI      string
	WrongAudience    atomic.Bool // ID tokens name another client
	Expired          atomic.Bool // ID tokens expired an hour ago
	UnpublishedKey   atomic.Bool // the keys published are not the signing key
	WrongNonce       atomic.Bool // ID tokens carry another request's nonce
	// VerifiedAsString sends email_verified as the string "true" or
	// "false", as AWS Cognito does.
	VerifiedAsString atomic.Bool
	// Discoveries counts the reads of the discovery document.
	Discoveries atomic.Int64
	srv         *httptest.Server
	store       *storage.Storage
	users       userStore
	other       *rsa.PrivateKey
	tb          testing.TB
}

// Start runs a provider on loopback until the test ends, with a web
// client (id, secret) allowed to send people back to redirectURI.
func Start(tb testing.TB, clientID, secret, redirectURI string, users ...User) *Provider {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	p := &Provider{Issuer: "http://" + ln.Addr().String(), ClientID: clientID, Secret: secret, RedirectURI: redirectURI, tb: tb}
	us := userStore{users: map[string]*storage.User{}}
	for i, u := range users {
		id := fmt.Sprintf("user-%d", i+1)
		us.users[id] = &storage.User{ID: id, Username: u.Username, Password: u.Password, FirstName: "Test", LastName: u.Username,
			Email: u.Email, EmailVerified: u.EmailVerified, PreferredLanguage: language.English}
	}
	p.users = us
	p.store = storage.NewStorageWithClients(us, map[string]*storage.Client{clientID: storage.WebClient(clientID, secret, redirectURI)})
	if p.other, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
		tb.Fatal(err)
	}
	router := exampleop.SetupServer(p.Issuer, &wrapped{Storage: p.store, p: p}, nil, false)
	counted := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/openid-configuration" {
			p.Discoveries.Add(1)
		}
		router.ServeHTTP(w, r)
	})
	p.srv = &httptest.Server{Listener: ln, Config: &http.Server{Handler: counted, ReadHeaderTimeout: 10 * time.Second}}
	p.srv.Start()
	tb.Cleanup(p.srv.Close)
	return p
}

// AddUser adds a person the provider signs in.
func (p *Provider) AddUser(u User) {
	id := fmt.Sprintf("user-%d", len(p.users.users)+1)
	p.users.users[id] = &storage.User{ID: id, Username: u.Username, Password: u.Password, FirstName: "Test", LastName: u.Username,
		Email: u.Email, EmailVerified: u.EmailVerified, PreferredLanguage: language.English}
}

// Authorize plays the person at the provider: it opens authURL, signs in
// on the provider's login page, and returns the code and state the
// provider sends back to the redirect URI.
func (p *Provider) Authorize(authURL, username, password string) (code, state string, err error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), p.RedirectURI) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	res, err := c.Get(authURL)
	if err != nil {
		return "", "", err
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	m := regexp.MustCompile(`name="id" value="([^"]+)"`).FindSubmatch(body)
	if m == nil {
		return "", "", fmt.Errorf("no login page at the provider (%d): %.300s", res.StatusCode, body)
	}
	res, err = c.PostForm(p.Issuer+"/login/username", url.Values{"id": {string(m[1])}, "username": {username}, "password": {password}})
	if err != nil {
		return "", "", err
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	loc, err := res.Location()
	if err != nil {
		return "", "", fmt.Errorf("the provider did not send the browser back (%d): %.300s", res.StatusCode, body)
	}
	q := loc.Query()
	if e := q.Get("error"); e != "" {
		return "", q.Get("state"), fmt.Errorf("the provider answered %s: %s", e, q.Get("error_description"))
	}
	return q.Get("code"), q.Get("state"), nil
}

// userStore is the provider's people.
type userStore struct{ users map[string]*storage.User }

func (u userStore) GetUserByID(id string) *storage.User { return u.users[id] }
func (u userStore) ExampleClientID() string             { return "service" }
func (u userStore) GetUserByUsername(name string) *storage.User {
	for _, x := range u.users {
		if x.Username == name {
			return x
		}
	}
	return nil
}

// wrapped is the example storage with the provider's switches.
type wrapped struct {
	*storage.Storage
	p *Provider
}

// GetClientByClientID returns the client, asserting the email in the ID
// token (as Entra ID, Google and Okta do with the email scope), with its
// token lifetime negative when Expired is on.
func (w *wrapped) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := w.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return client{Client: c, p: w.p}, nil
}

// AuthRequestByCode returns the request of a code, naming another client
// as the audience when WrongAudience is on, with another nonce when
// WrongNonce is. A request made without a PKCE S256 challenge has no
// code: this provider requires PKCE, as the relying party must use it.
func (w *wrapped) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	r, err := w.Storage.AuthRequestByCode(ctx, code)
	if err != nil {
		return nil, err
	}
	if c := r.GetCodeChallenge(); c == nil || c.Method != oidc.CodeChallengeMethodS256 {
		return nil, errors.New("the authorisation request had no S256 code challenge")
	}
	if w.p.WrongNonce.Load() {
		r = otherNonce{AuthRequest: r}
	}
	if w.p.WrongAudience.Load() {
		r = otherAudience{AuthRequest: r}
	}
	return r, nil
}

// SetUserinfoFromRequest fills the ID token's claims as the example
// storage does, and sends email_verified false as a claim of its own for
// a person whose email is not verified (the storage's field omits false).
func (w *wrapped) SetUserinfoFromRequest(ctx context.Context, userinfo *oidc.UserInfo, token op.IDTokenRequest, scopes []string) error {
	if err := w.Storage.SetUserinfoFromRequest(ctx, userinfo, token, scopes); err != nil {
		return err
	}
	u := w.p.users.GetUserByID(token.GetSubject())
	switch {
	case u == nil || userinfo.Email == "":
	case w.p.VerifiedAsString.Load():
		userinfo.EmailVerified = false // left out; the claim says it
		userinfo.AppendClaims("email_verified", fmt.Sprint(u.EmailVerified))
	case !u.EmailVerified:
		userinfo.AppendClaims("email_verified", false)
	}
	return nil
}

type otherNonce struct{ op.AuthRequest }

func (otherNonce) GetNonce() string { return "another-flows-nonce" }

// KeySet publishes a key the provider does not sign with, under the
// signing key's id, when UnpublishedKey is on.
func (w *wrapped) KeySet(ctx context.Context) ([]op.Key, error) {
	if !w.p.UnpublishedKey.Load() {
		return w.Storage.KeySet(ctx)
	}
	sk, err := w.Storage.SigningKey(ctx)
	if err != nil {
		return nil, err
	}
	return []op.Key{publicKey{id: sk.ID(), key: &w.p.other.PublicKey}}, nil
}

type client struct {
	op.Client
	p *Provider
}

func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }

// GetID is another client's when WrongAudience is on, so the provider
// makes the token for that client (its audience and authorised party)
// while the code was ours.
func (c client) GetID() string {
	if c.p.WrongAudience.Load() {
		return anotherClient
	}
	return c.Client.GetID()
}
func (c client) IDTokenLifetime() time.Duration {
	if c.p.Expired.Load() {
		return -time.Hour
	}
	return c.Client.IDTokenLifetime()
}

// anotherClient is the client a token for another client was made for.
const anotherClient = "another-client"

type otherAudience struct{ op.AuthRequest }

func (otherAudience) GetAudience() []string { return []string{anotherClient} }
func (otherAudience) GetClientID() string   { return anotherClient }

type publicKey struct {
	id  string
	key *rsa.PublicKey
}

func (k publicKey) ID() string                         { return k.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.key }
