package sso_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/sso"
	"github.com/fieldportal/fieldportal/sso/ssotest"
)

// The sign-in through a customer's provider against a real provider on
// loopback (ssotest): the way in, and each refusal, with go-oidc the one
// that refuses a token (its error is in the logged reason).

const (
	clientID    = "fieldportal-harbour"
	secret      = "harbour-client-secret"
	redirectURI = "http://portal.test/sso/callback"
	password    = "provider-password"
)

// world is an organisation whose customer Harbour Properties (with Harbour
// Dock under it) signs harbour.test in through the provider; Solo Ltd is
// another customer.
type world struct {
	ctx      context.Context
	db       *sqlstore.DB
	acc      *sqlstore.Accounts
	org      string
	otherOrg string
	sys      fieldportal.Viewer
	cust     map[string]string
	logins   map[string]string
	p        *ssotest.Provider
}

func mustWorld(t *testing.T, db *sqlstore.DB) *world {
	t.Helper()
	ctx := context.Background()
	w := &world{ctx: ctx, db: db, cust: map[string]string{}, logins: map[string]string{},
		acc: sqlstore.NewAccounts(db, sqlstore.AccountsConfig{BaseURL: "http://portal.test", Passwords: auth.NewPasswords(auth.TestHasher(), 2)})}
	for _, name := range []string{"Acme Fire", "Other Org"} {
		o := &fieldportal.Organisation{Name: name}
		if err := db.CreateOrganisation(ctx, o); err != nil {
			t.Fatal(err)
		}
		if w.org == "" {
			w.org = o.ID
		} else {
			w.otherOrg = o.ID
		}
	}
	w.sys = fieldportal.SystemViewer(w.org, "test")
	for _, c := range []struct{ key, name, parent string }{{"harbour", "Harbour Properties", ""}, {"dock", "Harbour Dock", "harbour"}, {"solo", "Solo Ltd", ""}} {
		cu := &fieldportal.Customer{Name: c.name, ParentID: w.cust[c.parent]}
		if err := db.CreateCustomer(ctx, w.sys, cu); err != nil {
			t.Fatal(err)
		}
		w.cust[c.key] = cu.ID
	}
	w.mustContact(t, "harbour", "pat@harbour.test", fieldportal.LoginActive)
	w.mustContact(t, "dock", "dock@harbour.test", fieldportal.LoginActive)
	w.mustContact(t, "harbour", "off@harbour.test", fieldportal.LoginDisabled)
	w.mustContact(t, "harbour", "nologin@harbour.test", "")
	w.mustContact(t, "solo", "solo@harbour.test", fieldportal.LoginActive)
	var users []ssotest.User
	for _, email := range []string{"pat@harbour.test", "dock@harbour.test", "off@harbour.test", "nologin@harbour.test", "solo@harbour.test"} {
		users = append(users, ssotest.User{Username: email, Password: password, Email: email, EmailVerified: true})
	}
	users = append(users, ssotest.User{Username: "outsider", Password: password, Email: "pat@elsewhere.test", EmailVerified: true},
		ssotest.User{Username: "unverified", Password: password, Email: "pat@harbour.test", EmailVerified: false})
	w.p = ssotest.Start(t, clientID, secret, redirectURI, users...)
	err := db.SaveCustomerSSO(ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["harbour"], Issuer: w.p.Issuer, ClientID: clientID,
		ClientSecret: secret, Domains: []string{"harbour.test"}, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// mustContact adds a contact with a login of a status ("" for none).
func (w *world) mustContact(t *testing.T, customer, email string, status fieldportal.LoginStatus) {
	t.Helper()
	c := &fieldportal.Contact{FirstName: "Sam", LastName: email, Email: email, CustomerID: w.cust[customer]}
	if err := w.db.CreateContact(w.ctx, w.sys, c); err != nil {
		t.Fatal(err)
	}
	if status == "" {
		return
	}
	l := &fieldportal.PortalLogin{ContactID: c.ID, Username: email, Status: status, Pages: fieldportal.Modules(fieldportal.AllModules),
		SiteAccess: fieldportal.SiteAccessAll}
	if err := w.db.CreatePortalLogin(w.ctx, w.sys, l); err != nil {
		t.Fatal(err)
	}
	w.logins[email] = l.ID
}

// loopback lets the service reach the test provider, plain http on
// loopback, which production's zero policy refuses.
var loopback = fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true}

// service is a fresh service: no provider or key cached from another case.
func (w *world) service() *sso.Service {
	return sso.New(w.db, w.acc, slog.New(slog.NewTextHandler(io.Discard, nil)), loopback)
}

// signIn runs the whole flow for email (typed at our sign-in) and the
// provider's user username, and returns what CompleteSSO answered.
func (w *world) signIn(t *testing.T, s *sso.Service, email, username string) (*fieldportal.SignedIn, string, error) {
	t.Helper()
	authURL, state, err := s.BeginSSO(w.ctx, fieldportal.SSOBegin{OrgID: w.org, Email: email, Next: "/sites", RedirectURI: redirectURI})
	if err != nil {
		t.Fatalf("BeginSSO: %v", err)
	}
	code, gotState, err := w.p.Authorize(authURL, username, password)
	if err != nil {
		t.Fatalf("at the provider: %v", err)
	}
	if gotState != state {
		t.Fatalf("the provider sent back state %q, want %q", gotState, state)
	}
	return s.CompleteSSO(w.ctx, fieldportal.SSOCallback{OrgID: w.org, State: state, Code: code, RedirectURI: redirectURI, ClientAddr: "192.0.2.9"})
}

// mustRefuse checks err is the one plain refusal and its logged reason
// holds reason.
func mustRefuse(t *testing.T, err error, reason string) {
	t.Helper()
	if fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED || fieldportal.ErrorMessage(err) != fieldportal.SSORefused {
		t.Fatalf("err = %v, want the single sign-on refusal", err)
	}
	if !strings.Contains(err.Error(), reason) {
		t.Fatalf("refused for %q, want a reason holding %q", err.Error(), reason)
	}
}

// TestMain quiets the test provider, which logs every request to the
// default logger.
func TestMain(m *testing.M) {
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(m.Run())
}

func TestSSOSignIn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		t.Run("a contact of the configured customer signs in", func(t *testing.T) {
			s, next, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test")
			if err != nil {
				t.Fatal(err)
			}
			v, err := w.acc.ContactSession(w.ctx, w.org, s.Token)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{w.logins["pat@harbour.test"], "/sites"}, []string{v.LoginID, next}); diff != "" {
				t.Errorf("login and next (-want +got):\n%s", diff)
			}
			entries, _, err := db.FindAuditLog(w.ctx, w.sys, fieldportal.AuditFilter{EntityID: v.LoginID})
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 || entries[0].Action != "signin.succeeded" || !strings.Contains(entries[0].Detail, "method sso") {
				t.Errorf("audit entries = %+v, want a sign-in with method sso", entries)
			}
		})
		t.Run("a contact of a customer below signs in", func(t *testing.T) {
			if _, _, err := w.signIn(t, w.service(), "dock@harbour.test", "dock@harbour.test"); err != nil {
				t.Fatal(err)
			}
		})
		t.Run("a password reset ends the session", func(t *testing.T) {
			s, _, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.SetLoginPassword(w.ctx, w.org, w.logins["pat@harbour.test"], "x", false); err != nil {
				t.Fatal(err)
			}
			if _, err := w.acc.ContactSession(w.ctx, w.org, s.Token); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("session after a reset: err = %v, want ENOTFOUND", err)
			}
		})
		t.Run("a token for another client is refused", func(t *testing.T) {
			w.p.WrongAudience.Store(true)
			defer w.p.WrongAudience.Store(false)
			_, _, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test")
			mustRefuse(t, err, "oidc: expected audience")
		})
		t.Run("an expired token is refused", func(t *testing.T) {
			w.p.Expired.Store(true)
			defer w.p.Expired.Store(false)
			_, _, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test")
			mustRefuse(t, err, "oidc: token is expired")
		})
		t.Run("a token signed with a key the provider does not publish is refused", func(t *testing.T) {
			w.p.UnpublishedKey.Store(true)
			defer w.p.UnpublishedKey.Store(false)
			_, _, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test")
			mustRefuse(t, err, "failed to verify")
		})
		t.Run("a token with another nonce is refused", func(t *testing.T) {
			w.p.WrongNonce.Store(true)
			defer w.p.WrongNonce.Store(false)
			_, _, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test")
			mustRefuse(t, err, "nonce does not match")
		})
		t.Run("email_verified as the string true signs in", func(t *testing.T) {
			w.p.VerifiedAsString.Store(true)
			defer w.p.VerifiedAsString.Store(false)
			if _, _, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test"); err != nil {
				t.Errorf("err = %v, want a session", err)
			}
		})
		t.Run("email_verified as the string false is refused", func(t *testing.T) {
			w.p.VerifiedAsString.Store(true)
			defer w.p.VerifiedAsString.Store(false)
			_, _, err := w.signIn(t, w.service(), "pat@harbour.test", "unverified")
			mustRefuse(t, err, "not verified by the provider")
		})
		t.Run("a replayed state is refused", func(t *testing.T) {
			s := w.service()
			authURL, state, err := s.BeginSSO(w.ctx, fieldportal.SSOBegin{OrgID: w.org, Email: "pat@harbour.test", RedirectURI: redirectURI})
			if err != nil {
				t.Fatal(err)
			}
			code, _, err := w.p.Authorize(authURL, "pat@harbour.test", password)
			if err != nil {
				t.Fatal(err)
			}
			cb := fieldportal.SSOCallback{OrgID: w.org, State: state, Code: code, RedirectURI: redirectURI}
			if _, _, err := s.CompleteSSO(w.ctx, cb); err != nil {
				t.Fatal(err)
			}
			_, _, err = s.CompleteSSO(w.ctx, cb)
			mustRefuse(t, err, "state unknown, used")
		})
		t.Run("the state of another organisation is refused", func(t *testing.T) {
			s := w.service()
			authURL, state, err := s.BeginSSO(w.ctx, fieldportal.SSOBegin{OrgID: w.org, Email: "pat@harbour.test", RedirectURI: redirectURI})
			if err != nil {
				t.Fatal(err)
			}
			code, _, err := w.p.Authorize(authURL, "pat@harbour.test", password)
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = s.CompleteSSO(w.ctx, fieldportal.SSOCallback{OrgID: w.otherOrg, State: state, Code: code, RedirectURI: redirectURI})
			mustRefuse(t, err, "another organisation's")
		})
		for _, c := range []struct{ name, typed, username, reason string }{
			{"an email outside the customer's domains is refused", "pat@harbour.test", "outsider", "outside the customer's domains"},
			{"a disabled login is refused", "off@harbour.test", "off@harbour.test", "the login is disabled"},
			{"a contact without a login is refused", "nologin@harbour.test", "nologin@harbour.test", "no portal login"},
			{"another customer's contact is refused", "solo@harbour.test", "solo@harbour.test", "another customer's"},
			{"an email the provider says is not verified is refused", "pat@harbour.test", "unverified", "not verified by the provider"},
		} {
			t.Run(c.name, func(t *testing.T) {
				_, _, err := w.signIn(t, w.service(), c.typed, c.username)
				mustRefuse(t, err, c.reason)
			})
		}
		t.Run("a nearer customer's own settings win", func(t *testing.T) {
			err := db.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["dock"], Issuer: w.p.Issuer, ClientID: clientID,
				ClientSecret: secret, Domains: []string{"dock.harbour.test"}, Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = w.signIn(t, w.service(), "dock@harbour.test", "dock@harbour.test")
			mustRefuse(t, err, "has its own single sign-on")
		})
	})
}

func TestSSOPasswordRefused(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		hash, err := auth.TestHasher().Hash("Plumbing-Van-42")
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetLoginPassword(w.ctx, w.org, w.logins["pat@harbour.test"], hash, false); err != nil {
			t.Fatal(err)
		}
		for _, name := range []string{"pat@harbour.test", "PAT@harbour.test"} {
			t.Run("the right password of "+name, func(t *testing.T) {
				_, err := w.acc.SignIn(w.ctx, fieldportal.SignInRequest{OrgID: w.org, Name: name, Password: "Plumbing-Van-42", ClientAddr: "192.0.2.9"})
				if fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED || !strings.Contains(fieldportal.ErrorMessage(err), "Continue with Harbour Properties") {
					t.Errorf("err = %v, want the pointer to Harbour Properties' sign-in", err)
				}
			})
		}
		t.Run("the right password of a username that is not an email", func(t *testing.T) {
			l, err := db.FindLoginByID(w.ctx, w.org, w.logins["dock@harbour.test"])
			if err != nil {
				t.Fatal(err)
			}
			l.Username = "dockpat"
			if err := db.UpdateLoginAccess(w.ctx, w.sys, l); err != nil {
				t.Fatal(err)
			}
			if err := db.SetLoginPassword(w.ctx, w.org, l.ID, hash, false); err != nil {
				t.Fatal(err)
			}
			_, err = w.acc.SignIn(w.ctx, fieldportal.SignInRequest{OrgID: w.org, Name: "dockpat", Password: "Plumbing-Van-42", ClientAddr: "192.0.2.9"})
			if fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED || !strings.Contains(fieldportal.ErrorMessage(err), "enter your email address") {
				t.Errorf("err = %v, want the pointer to the company's sign-in", err)
			}
		})
		t.Run("a wrong password gets the usual answer", func(t *testing.T) {
			_, err := w.acc.SignIn(w.ctx, fieldportal.SignInRequest{OrgID: w.org, Name: "pat@harbour.test", Password: "wrong", ClientAddr: "192.0.2.9"})
			if strings.Contains(fieldportal.ErrorMessage(err), "Harbour") {
				t.Errorf("err = %v, want nothing about the company for a wrong password", err)
			}
		})
		t.Run("switched off, the password works", func(t *testing.T) {
			if err := db.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["harbour"], Issuer: w.p.Issuer, ClientID: clientID,
				Domains: []string{"harbour.test"}}); err != nil {
				t.Fatal(err)
			}
			if _, err := w.acc.SignIn(w.ctx, fieldportal.SignInRequest{OrgID: w.org, Name: "pat@harbour.test", Password: "Plumbing-Van-42", ClientAddr: "192.0.2.9"}); err != nil {
				t.Errorf("err = %v, want a session", err)
			}
		})
	})
}

func TestCustomerSSOSettings(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		s := w.service()
		t.Run("the secret is kept when left empty and never read back", func(t *testing.T) {
			err := s.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["harbour"], Issuer: w.p.Issuer, ClientID: clientID,
				Domains: []string{"harbour.test", "harbour-group.test"}, Enabled: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.FindCustomerSSO(w.ctx, w.sys, w.cust["harbour"])
			if err != nil {
				t.Fatal(err)
			}
			want := &fieldportal.CustomerSSO{CustomerID: w.cust["harbour"], Issuer: w.p.Issuer, ClientID: clientID, SecretSet: true,
				Domains: []string{"harbour-group.test", "harbour.test"}, Enabled: true, Configured: true}
			if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(fieldportal.CustomerSSO{}, "UpdatedAt")); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			// The kept secret still signs in.
			if _, _, err := w.signIn(t, s, "pat@harbour.test", "pat@harbour.test"); err != nil {
				t.Errorf("sign-in with the kept secret: %v", err)
			}
		})
		t.Run("a domain another customer owns is refused", func(t *testing.T) {
			err := s.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["solo"], Issuer: w.p.Issuer, ClientID: "solo",
				ClientSecret: "x", Domains: []string{"harbour.test"}, Enabled: true})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID || !strings.Contains(fieldportal.ErrorMessage(err), "Harbour Properties") {
				t.Errorf("err = %v, want the domains field naming Harbour Properties", err)
			}
		})
		t.Run("an issuer without a discovery document is the field's error", func(t *testing.T) {
			err := s.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["solo"], Issuer: w.p.Issuer + "/nothing-here", ClientID: "solo",
				ClientSecret: "x", Domains: []string{"solo.test"}, Enabled: true})
			var fe *fieldportal.Error
			if !errors.As(err, &fe) || fe.Field != "issuer" || !strings.Contains(fe.Message, "could not be read") {
				t.Errorf("err = %v, want the issuer field's error", err)
			}
		})
		t.Run("the fields are checked", func(t *testing.T) {
			err := s.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["solo"], Issuer: "ftp://x"})
			var fe *fieldportal.Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want field errors", err)
			}
			var fields []string
			for _, f := range fe.Fields {
				fields = append(fields, f.Field)
			}
			if diff := cmp.Diff([]string{"issuer", "client_id", "domains"}, fields); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
		t.Run("saving is audited without the secret", func(t *testing.T) {
			entries, _, err := db.FindAuditLog(w.ctx, w.sys, fieldportal.AuditFilter{EntityID: w.cust["harbour"]})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				if e.Action == "customer_sso.updated" {
					got = append(got, e.Detail)
				}
			}
			if len(got) != 2 || strings.Contains(strings.Join(got, " "), secret) || !strings.Contains(got[1], "replaced client secret") {
				t.Errorf("audit details = %q, want two entries, the first saving a new secret, none showing it", got)
			}
		})
	})
}

// TestSSOIssuerPolicy: under production's policy an admin cannot point
// the server at its own network through the issuer (SSRF), neither by the
// address typed nor by one stored before the rule or resolved later.
func TestSSOIssuerPolicy(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		s := sso.New(w.db, w.acc, slog.New(slog.NewTextHandler(io.Discard, nil)), fieldportal.WebhookURLPolicy{})
		for _, c := range []struct{ name, issuer, want string }{
			{"plain http to loopback", w.p.Issuer, "https://"},
			{"https to loopback", strings.Replace(w.p.Issuer, "http://", "https://", 1), "loopback"},
			{"https to a private address", "https://10.0.0.5", "loopback, private"},
			{"https to the metadata address", "https://169.254.169.254/latest", "link-local"},
			{"https to localhost", "https://localhost:8443", "public host"},
		} {
			t.Run(c.name+" is refused when saved", func(t *testing.T) {
				err := s.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["solo"], Issuer: c.issuer, ClientID: "solo",
					ClientSecret: "x", Domains: []string{"solo.test"}, Enabled: true})
				var fe *fieldportal.Error
				if !errors.As(err, &fe) || fe.Field != "issuer" || !strings.Contains(fe.Message, c.want) {
					t.Errorf("err = %v, want the issuer field's error holding %q", err, c.want)
				}
			})
		}
		t.Run("a stored loopback issuer is not dialled", func(t *testing.T) {
			// mustWorld stored the loopback provider through the store,
			// as settings saved before this rule would be.
			_, _, err := s.BeginSSO(w.ctx, fieldportal.SSOBegin{OrgID: w.org, Email: "pat@harbour.test", RedirectURI: redirectURI})
			if fieldportal.ErrorCode(err) != fieldportal.EUNAVAILABLE {
				t.Errorf("err = %v, want EUNAVAILABLE (the connection refused at the socket)", err)
			}
		})
	})
}

// TestSSOInitialPassword: a contact whose initial password (set by staff
// or a managing contact) is still to be changed is not held at the
// password page after signing in through its company, which it could
// not leave without that password; once the company's sign-in is off,
// the password is a way in again and must be changed first.
func TestSSOInitialPassword(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		hash, err := auth.TestHasher().Hash("Set-By-Someone-1")
		if err != nil {
			t.Fatal(err)
		}
		loginID := w.logins["pat@harbour.test"]
		if err := db.SetLoginPassword(w.ctx, w.org, loginID, hash, true); err != nil {
			t.Fatal(err)
		}
		t.Run("signed in through the company, no page is held", func(t *testing.T) {
			s, next, err := w.signIn(t, w.service(), "pat@harbour.test", "pat@harbour.test")
			if err != nil {
				t.Fatal(err)
			}
			v, err := w.acc.ContactSession(w.ctx, w.org, s.Token)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]any{"", "/sites", false}, []any{s.Next, next, v.MustChangePassword}); diff != "" {
				t.Errorf("session's next, flow's next, must change (-want +got):\n%s", diff)
			}
		})
		t.Run("with the company's sign-in off, the password must be changed", func(t *testing.T) {
			if err := db.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["harbour"], Issuer: w.p.Issuer, ClientID: clientID,
				Domains: []string{"harbour.test"}}); err != nil {
				t.Fatal(err)
			}
			s, err := w.acc.SignIn(w.ctx, fieldportal.SignInRequest{OrgID: w.org, Name: "pat@harbour.test", Password: "Set-By-Someone-1", ClientAddr: "192.0.2.9"})
			if err != nil {
				t.Fatal(err)
			}
			v, err := w.acc.ContactSession(w.ctx, w.org, s.Token)
			if err != nil {
				t.Fatal(err)
			}
			if s.Next != "/password" || !v.MustChangePassword {
				t.Errorf("next %q, must change %v; want /password, true", s.Next, v.MustChangePassword)
			}
		})
	})
}

// TestSSOStartThrottled: one address may start only so many sign-ins at
// a provider (each stores a flow and may call the provider); another
// address is not held by it.
func TestSSOStartThrottled(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		s := w.service()
		begin := func(addr string) error {
			_, _, err := s.BeginSSO(w.ctx, fieldportal.SSOBegin{OrgID: w.org, Email: "pat@harbour.test", RedirectURI: redirectURI, ClientAddr: addr})
			return err
		}
		t.Run("the free starts pass", func(t *testing.T) {
			for i := range fieldportal.SSOStartFree {
				if err := begin("192.0.2.50"); err != nil {
					t.Fatalf("start %d: %v", i+1, err)
				}
			}
		})
		t.Run("the next one from that address waits", func(t *testing.T) {
			if err := begin("192.0.2.50"); fieldportal.ErrorCode(err) != fieldportal.ERATELIMIT {
				t.Errorf("err = %v, want ERATELIMIT", err)
			}
		})
		t.Run("another address starts", func(t *testing.T) {
			if err := begin("192.0.2.51"); err != nil {
				t.Errorf("err = %v, want a start", err)
			}
		})
	})
}

// TestSSODiscoveryKept: an issuer's discovery document is read once, kept
// for sso.ProviderKeep, then read again; saving the settings reads it at
// once and sign-ins use what was read.
func TestSSODiscoveryKept(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustWorld(t, db)
		s := w.service()
		now := time.Now()
		s.Now = func() time.Time { return now }
		begin := func(t *testing.T, want int64) {
			t.Helper()
			if _, _, err := s.BeginSSO(w.ctx, fieldportal.SSOBegin{OrgID: w.org, Email: "pat@harbour.test", RedirectURI: redirectURI}); err != nil {
				t.Fatal(err)
			}
			if got := w.p.Discoveries.Load(); got != want {
				t.Errorf("discovery documents read = %d, want %d", got, want)
			}
		}
		w.p.Discoveries.Store(0)
		t.Run("read at the first sign-in", func(t *testing.T) { begin(t, 1) })
		t.Run("kept for the next", func(t *testing.T) { begin(t, 1) })
		t.Run("read again once kept long enough", func(t *testing.T) {
			now = now.Add(sso.ProviderKeep + time.Minute)
			begin(t, 2)
		})
		t.Run("saving reads it and sign-ins use that", func(t *testing.T) {
			if err := s.SaveCustomerSSO(w.ctx, w.sys, &fieldportal.CustomerSSO{CustomerID: w.cust["harbour"], Issuer: w.p.Issuer, ClientID: clientID,
				Domains: []string{"harbour.test"}, Enabled: true}); err != nil {
				t.Fatal(err)
			}
			now = now.Add(sso.ProviderKeep - time.Minute)
			begin(t, 3)
		})
	})
}

func TestParseSSODomains(t *testing.T) {
	for _, c := range []struct {
		name, in string
		want     []string
		bad      bool
	}{
		{"lowercased, @ and separators dropped", "@Harbour.test, harbour-group.TEST\nx.example.com", []string{"harbour.test", "harbour-group.test", "x.example.com"}, false},
		{"a name without a dot is refused", "localhost", nil, true},
		{"a duplicate is refused", "a.test a.test", nil, true},
		{"an address is refused", "pat@harbour.test", nil, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := fieldportal.ParseSSODomains(c.in)
			if (err != nil) != c.bad {
				t.Fatalf("err = %v, want bad %v", err, c.bad)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("domains (-want +got):\n%s", diff)
			}
		})
	}
}
