package sqlstore

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// Accounts runs the workflows of getting in and of portal access (SPEC
// §2, §3) over a DB: sign-in with its throttles, sessions, the single-use
// links and their mail, password changes, contacts' portal access and the
// staff accounts. The handlers parse and render; every rule is here.
type Accounts struct {
	db  *DB
	cfg AccountsConfig

	// deviceKey is the install's secret for device tokens, read once.
	mu        sync.Mutex
	deviceKey []byte
}

// AccountsConfig is what the workflows need besides the database.
type AccountsConfig struct {
	// BaseURL starts the links in mail, such as https://portal.example.com;
	// an organisation with its own host gets links to that host instead.
	BaseURL string
	// IdleTimeout ends a session unused this long; zero means 2 h.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends a session this long after sign-in whatever its
	// use; zero means 12 h.
	AbsoluteTimeout time.Duration
	// Passwords hashes and checks passwords; nil means the default hasher
	// with the default number of slots.
	Passwords *auth.Passwords
}

var (
	_ fieldportal.SignInService = (*Accounts)(nil)
	_ fieldportal.AccessService = (*Accounts)(nil)
	_ fieldportal.StaffService  = (*Accounts)(nil)
)

// NewAccounts returns the account workflows over db.
func NewAccounts(db *DB, cfg AccountsConfig) *Accounts {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 2 * time.Hour
	}
	if cfg.AbsoluteTimeout <= 0 {
		cfg.AbsoluteTimeout = 12 * time.Hour
	}
	if cfg.Passwords == nil {
		cfg.Passwords = auth.NewPasswords(auth.DefaultHasher(), 0)
	}
	return &Accounts{db: db, cfg: cfg}
}

// Messages that must read the same wherever they are given.
const (
	// wrongCredentials is the one answer to a failed portal sign-in,
	// whether the account exists or not.
	wrongCredentials = "Wrong username or password."
	// wrongStaffCredentials is the console's.
	wrongStaffCredentials = "Wrong email address or password."
	// linkGone answers a used, expired, unknown or revoked link.
	linkGone = "This link has expired or has already been used."
	// signInTask names the system viewer of workflows run before anyone
	// is signed in (a reset request), in the audit log.
	signInTask = "sign-in"
)

// throttle returns the throttle of a scope over the database's attempts,
// on the database's clock so that tests can move time.
func (a *Accounts) throttle(scope string) auth.Throttle {
	t := auth.NewThrottle(scope, a.db.Attempts())
	t.Now = a.db.Now
	return t
}

// policy returns the organisation's password policy.
func (a *Accounts) policy(ctx context.Context, orgID string) (auth.PasswordPolicy, error) {
	st, err := a.db.FindSettings(ctx, orgID)
	if err != nil {
		return auth.PasswordPolicy{}, err
	}
	return auth.PasswordPolicy(st.PasswordPolicy), nil
}

// PasswordPolicyHint describes the organisation's password rules.
func (a *Accounts) PasswordPolicyHint(ctx context.Context, orgID string) (string, error) {
	p, err := a.policy(ctx, orgID)
	if err != nil {
		return "", err
	}
	return p.Describe(), nil
}

// linkBase is the start of links in mail: the organisation's own host
// when it has one (several organisations on one install), with the
// scheme of the base URL, else the base URL.
func (a *Accounts) linkBase(org *fieldportal.Organisation) string {
	base := strings.TrimSuffix(a.cfg.BaseURL, "/")
	if org != nil && org.Host != "" {
		scheme := "https"
		if u, err := url.Parse(base); err == nil && u.Scheme != "" {
			scheme = u.Scheme
		}
		return scheme + "://" + org.Host
	}
	return base
}

// devicesSecret returns the install's device-token secret, made on first
// use and kept for the life of a.
func (a *Accounts) devicesSecret(ctx context.Context) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.deviceKey == nil {
		k, err := a.db.serverSecret(ctx, "device_cookie")
		if err != nil {
			return nil, err
		}
		a.deviceKey = k
	}
	return a.deviceKey, nil
}

// startSession signs a browser in within tx: the session of oldToken
// (the browser's, perhaps planted before sign-in) ends, and a new random
// token is issued, so session fixation is worth nothing.
func (a *Accounts) startSession(ctx context.Context, tx *Tx, s *fieldportal.Session, oldToken, addr, userAgent string) (*fieldportal.SignedIn, error) {
	if oldToken != "" {
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, auth.HashToken(oldToken)); err != nil {
			return nil, fmt.Errorf("end old session: %w", err)
		}
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	// The CSRF token is kept for forms that want a synchronizer token;
	// the forms rely on http.CrossOriginProtection.
	_, csrf, err := auth.NewToken()
	if err != nil {
		return nil, err
	}
	s.TokenHash, s.CSRFToken = hash, csrf
	s.IP, s.UserAgent = addr, truncate(userAgent, 300)
	s.ExpiresAt = tx.now.Add(a.cfg.AbsoluteTimeout)
	if err := tx.createSession(ctx, s); err != nil {
		return nil, fmt.Errorf("create session: %w", err)
	}
	return &fieldportal.SignedIn{Token: plain, ExpiresAt: s.ExpiresAt}, nil
}

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

// formErrors collects the field errors of a whole form in order, and can
// say whether a field already failed (one message a field).
type formErrors struct{ fields []fieldportal.FieldError }

func (f *formErrors) add(field, msg string) {
	if !f.has(field) {
		f.fields = append(f.fields, fieldportal.FieldError{Field: field, Message: msg})
	}
}

func (f *formErrors) has(field string) bool {
	for _, e := range f.fields {
		if e.Field == field {
			return true
		}
	}
	return false
}

// addErr adds the field errors of err, an EINVALID *fieldportal.Error.
func (f *formErrors) addErr(err error) {
	e, ok := err.(*fieldportal.Error)
	if !ok {
		return
	}
	if len(e.Fields) == 0 {
		f.add(e.Field, e.Message)
	}
	for _, fe := range e.Fields {
		f.add(fe.Field, fe.Message)
	}
}

// err is nil when nothing failed, else an EINVALID error naming every field.
func (f *formErrors) err() error {
	if len(f.fields) == 0 {
		return nil
	}
	return &fieldportal.Error{Code: fieldportal.EINVALID, Field: f.fields[0].Field, Message: f.fields[0].Message, Fields: f.fields}
}

// checkNewPassword validates a new password typed twice against the
// policy, naming every rule that failed. personal is what the user is
// known by, which the password may not be.
func checkNewPassword(policy auth.PasswordPolicy, errs *formErrors, password, confirm string, personal ...string) {
	if password == "" {
		errs.add("password", "Enter a new password.")
	} else if err := policy.Check(password, personal...); err != nil {
		errs.add("password", fieldportal.ErrorMessage(err))
	}
	switch {
	case confirm == "":
		errs.add("confirm", "Repeat the new password.")
	case confirm != password:
		errs.add("confirm", "The repeated password does not match the new password.")
	}
}

// formFields renames the store's field names in a validation error to the
// names of the access form's inputs, so the page shows each message next
// to its input.
func formFields(err error) error {
	e, ok := err.(*fieldportal.Error)
	if !ok || (e.Code != fieldportal.EINVALID && e.Code != fieldportal.EFORBIDDEN) {
		return err
	}
	rename := map[string]string{"site_ids": "sites", "page_access": "pages", "may_manage_contacts": "manage"}
	out := *e
	if n, ok := rename[out.Field]; ok {
		out.Field = n
	}
	out.Fields = make([]fieldportal.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if n, ok := rename[f.Field]; ok {
			f.Field = n
		}
		out.Fields[i] = f
	}
	return &out
}

// greetingName is how a mail addresses its reader.
func greetingName(c *fieldportal.Contact) string {
	if n := strings.TrimSpace(c.FirstName); n != "" {
		return n
	}
	return "there"
}
