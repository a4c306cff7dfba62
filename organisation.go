package fieldportal

import (
	"strings"
	"time"
)

// Organisation is the operator: the contractor that runs the portal. One
// install can host several, chosen by host name.
type Organisation struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Host      string    `json:"host,omitempty"`
	Currency  string    `json:"currency"`
	TimeZone  string    `json:"time_zone"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Validate checks an organisation before it is saved.
func (o *Organisation) Validate() error {
	var v Validation
	if strings.TrimSpace(o.Name) == "" {
		v.Add("name", "Name is required.")
	}
	if len(o.Currency) != 3 {
		v.Add("currency", "Currency must be a three-letter ISO code.")
	}
	if _, err := time.LoadLocation(o.TimeZone); err != nil || o.TimeZone == "" {
		v.Add("time_zone", "Time zone must be an IANA name such as Europe/London.")
	}
	return v.Err()
}

// Settings are what an admin sets for the organisation (SPEC §5).
type Settings struct {
	Modules        Modules        `json:"modules"`
	HiddenActions  []Action       `json:"hidden_actions"`
	PasswordPolicy PasswordPolicy `json:"password_policy"`
	// DiaryOverlap allows appointments of one technician to overlap.
	DiaryOverlap bool `json:"diary_overlap"`
	// BookingWindowDays is how far ahead customers may ask for a date.
	BookingWindowDays int `json:"booking_window_days"`
	// Diary is the length and hours of the windows customers book.
	Diary    DiarySettings `json:"diary"`
	Branding Branding      `json:"branding"`
	// PaymentProvider is "" (online payment off), "stripe" or "testmode".
	PaymentProvider string `json:"payment_provider"`
	// DefaultPages is the page access given to new portal logins.
	DefaultPages Modules `json:"default_pages"`
	// Invoicing is what the organisation's invoices say of it.
	Invoicing Invoicing `json:"invoicing"`
	// MaxUploadMB is the largest file, in megabytes, a form accepts; 0
	// (settings saved before it existed) is DefaultMaxUploadMB.
	MaxUploadMB int `json:"max_upload_mb,omitempty"`
	// SiteEditors is who may create and edit sites in the portal; ""
	// (settings saved before it existed) is SiteEditorsAll, as before.
	SiteEditors SiteEditors `json:"site_editors,omitempty"`
	// SecondFactor says whose logins must have a second factor (issue
	// 21); "" (settings saved before it existed) is none.
	SecondFactor SecondFactorPolicy `json:"second_factor,omitempty"`
	// FeedbackOff stops asking customers to rate visits (issue 22): the
	// job page shows no rating form and a rating sent is refused.
	FeedbackOff bool `json:"feedback_off,omitempty"`
}

// SiteEditors says which contacts may create and edit sites in the
// portal (issue 20), on top of the Sites page and the buttons not hidden.
type SiteEditors string

// The choices of SiteEditors.
const (
	// SiteEditorsOff: no contact creates or edits sites; staff do.
	SiteEditorsOff SiteEditors = "off"
	// SiteEditorsManagers: contacts who may manage contacts.
	SiteEditorsManagers SiteEditors = "managers"
	// SiteEditorsAll: every contact with the Sites page.
	SiteEditorsAll SiteEditors = "all"
)

// Valid reports whether e is one of the choices ("" is SiteEditorsAll).
func (e SiteEditors) Valid() bool {
	switch e {
	case "", SiteEditorsOff, SiteEditorsManagers, SiteEditorsAll:
		return true
	}
	return false
}

// DefaultMaxUploadMB is the upload limit of an organisation that has not
// chosen one: a scanned report or a phone's photos fit.
const DefaultMaxUploadMB = 25

// MaxUploadMBLimit is the largest upload limit an organisation may set.
const MaxUploadMBLimit = 1024

// MaxUploadBytes is the largest file a form accepts, in bytes.
func (s *Settings) MaxUploadBytes() int64 {
	mb := s.MaxUploadMB
	if mb <= 0 {
		mb = DefaultMaxUploadMB
	}
	return int64(mb) << 20
}

// Invoicing is what a printed invoice says of the organisation beyond its
// name and logo: what makes it a tax invoice and tells the customer how
// to pay.
type Invoicing struct {
	// TaxNumber is the organisation's tax (VAT, GST) registration number.
	TaxNumber string `json:"tax_number"`
	// Address is the postal address, one line per line.
	Address string `json:"address"`
	// PaymentInstructions say how to pay other than online: bank details,
	// the reference to quote.
	PaymentInstructions string `json:"payment_instructions"`
}

// Validate checks the invoicing details' lengths.
func (in Invoicing) Validate(v *Validation) {
	if len(in.TaxNumber) > 50 {
		v.Add("invoicing.tax_number", "Tax number must be at most 50 characters.")
	}
	if len(in.Address) > 500 {
		v.Add("invoicing.address", "Postal address must be at most 500 characters.")
	}
	if len(in.PaymentInstructions) > 2000 {
		v.Add("invoicing.payment_instructions", "Payment instructions must be at most 2,000 characters.")
	}
}

// Branding is the look of the portal's header.
type Branding struct {
	DisplayName  string `json:"display_name"`
	AccentColour string `json:"accent_colour"`
	// Logo is the SHA-256 of the logo image (PNG or JPEG) stored as the
	// file "branding/logo/<sha>"; its hash is also its URL, so browsers
	// may cache it for ever. LogoType is its content type.
	Logo          string `json:"logo,omitempty"`
	LogoType      string `json:"logo_type,omitempty"`
	SupportEmail  string `json:"support_email"`
	SupportPhone  string `json:"support_phone"`
	WelcomeNotice string `json:"welcome_notice"`
}

// LogoStorageKey is where the bytes of an organisation's logo with that
// SHA-256 are kept: per organisation, as two may upload the same image.
func LogoStorageKey(orgID, sha string) string { return "branding/" + orgID + "/logo/" + sha }

// PasswordPolicy is the organisation's rule for portal passwords (SPEC §3).
// The auth package checks passwords against it.
type PasswordPolicy struct {
	MinLength    int  `json:"min_length"`
	RequireDigit bool `json:"require_digit"`
	RequireUpper bool `json:"require_upper"`
	RequireLower bool `json:"require_lower"`
	RejectCommon bool `json:"reject_common"`
}

// DefaultPasswordPolicy is SPEC §3's default: 10 characters, a digit, an
// upper-case and a lower-case letter, not a common password.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 10, RequireDigit: true, RequireUpper: true, RequireLower: true, RejectCommon: true}
}

// DefaultSettings are a new organisation's settings: every module on,
// nothing hidden.
func DefaultSettings() Settings {
	return Settings{
		Modules:           slicesClone(AllModules),
		PasswordPolicy:    DefaultPasswordPolicy(),
		BookingWindowDays: 90,
		Diary:             DefaultDiarySettings(),
		Branding:          Branding{AccentColour: "#0b5cad"},
		DefaultPages:      slicesClone(AllModules),
	}
}

func slicesClone(m []Module) Modules { return append(Modules(nil), m...) }

// Validate checks settings before they are saved.
func (s *Settings) Validate() error {
	var v Validation
	for _, m := range s.Modules {
		if !m.Valid() {
			v.Add("modules", "Unknown module %q.", m)
		}
	}
	if s.PasswordPolicy.MinLength < 8 || s.PasswordPolicy.MinLength > 128 {
		v.Add("password_policy.min_length", "Minimum password length must be between 8 and 128.")
	}
	if s.BookingWindowDays < 0 || s.BookingWindowDays > 730 {
		v.Add("booking_window_days", "Booking window must be between 0 and 730 days.")
	}
	if s.MaxUploadMB < 0 || s.MaxUploadMB > MaxUploadMBLimit {
		v.Add("max_upload_mb", "Largest upload must be between 1 and %d MB.", MaxUploadMBLimit)
	}
	if !s.SiteEditors.Valid() {
		v.Add("site_editors", "Who may create and edit sites must be nobody, contacts who manage contacts, or every contact with the Sites page.")
	}
	if !s.SecondFactor.Valid() {
		v.Add("second_factor", "Who must use a second factor must be nobody, staff, contacts, or both.")
	}
	s.Diary.Validate(&v)
	s.Invoicing.Validate(&v)
	s.Branding.Validate(&v)
	switch s.PaymentProvider {
	case "", "stripe", "testmode":
	default:
		v.Add("payment_provider", "Payment provider must be stripe, testmode or empty.")
	}
	return v.Err()
}

// StaffRole is a console user's role.
type StaffRole string

// Staff roles.
const (
	RoleAdmin StaffRole = "admin"
	RoleStaff StaffRole = "staff"
)

// StaffUser is an operator's console account.
type StaffUser struct {
	ID           string    `json:"id"`
	OrgID        string    `json:"-"`
	Email        string    `json:"email"`
	Name         string    `json:"name"`
	Role         StaffRole `json:"role"`
	PasswordHash string    `json:"-"`
	Disabled     bool      `json:"disabled"`
	LastLoginAt  time.Time `json:"last_login_at,omitzero"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	// DisplayName is the name customers see on a visit ("Sam"); "" shows
	// Name. Photo is the SHA-256 of the profile photo ("" none), stored
	// as the logo is, and PhotoType its content type.
	DisplayName string `json:"display_name"`
	Photo       string `json:"-"`
	PhotoType   string `json:"-"`
}

// ShownName is the name customers see: the display name, else the name.
func (u *StaffUser) ShownName() string {
	if n := strings.TrimSpace(u.DisplayName); n != "" {
		return n
	}
	return u.Name
}

// Validate checks a staff user before it is saved.
func (u *StaffUser) Validate() error {
	var v Validation
	if !ValidEmail(u.Email) {
		v.Add("email", "Email must be a valid address.")
	}
	if strings.TrimSpace(u.Name) == "" {
		v.Add("name", "Name is required.")
	}
	if u.Role != RoleAdmin && u.Role != RoleStaff {
		v.Add("role", "Role must be admin or staff.")
	}
	return v.Err()
}

// ValidEmail is a deliberately plain check: something@something.something,
// no spaces. Delivery is the real test.
func ValidEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.ContainsAny(s, " \t\r\n<>,;") &&
		!strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") && len(s) <= 254
}
