// Package demo builds the demo organisation that `fieldportal demo` starts
// with: a fire and security contractor, its customers, their sites and two
// years of work, bills, equipment tests and files (SPEC §8).
//
// The data is made by code from a fixed seed, so every run produces the
// same records; only the dates move, because they are all counted from the
// `now` the caller passes. Generate is pure (no database) and is what the
// tests inspect; Load writes a Dataset through the store's public methods.
package demo

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Password is the password of every demo login (SPEC §8).
const Password = "Demo-pass-1"

// The seed of the generator. Changing it changes every name, amount and
// date offset of the demo, so tests that quote demo values would follow.
const seed1, seed2 = 0x6669656c64, 0x706f7274616c

// Login is one set of demo credentials, printed by `fieldportal demo`.
type Login struct {
	Email    string
	Password string
	Role     string
}

// Logins are the three demo logins of SPEC §8.
type Logins struct {
	Admin  Login // operator admin (console)
	Parent Login // contact at the parent customer, reaching at least three sites
	Site   Login // contact at a customer that has exactly one site
}

// StaffAccount is a console user with its clear-text password; Load hashes it.
type StaffAccount struct {
	User     fieldportal.StaffUser
	Password string
}

// PortalAccount is a contact's portal login with its clear-text password
// ("" for an invited login that has not chosen one yet).
type PortalAccount struct {
	Login    fieldportal.PortalLogin
	Password string
}

// IssueThread is an issue with its comments.
type IssueThread struct {
	Issue    fieldportal.Issue
	Comments []fieldportal.IssueComment
}

// File is a document record with its bytes.
type File struct {
	Document fieldportal.Document
	Data     []byte
}

// Dataset is the whole demo as domain values, in the order Load writes
// them. IDs and references hold stable keys ("site-03", "job-042") rather
// than database ids: the store assigns real ids, and Load maps each key to
// the id its record received before writing the records that refer to it.
// CreatedAt holds when a record "happened"; Load backdates it.
type Dataset struct {
	Now          time.Time
	Today        fieldportal.Date // today in the organisation's time zone
	Organisation fieldportal.Organisation
	Settings     fieldportal.Settings
	Logo         []byte // the PNG whose hash Settings.Branding.Logo holds
	Staff        []StaffAccount
	Contractors  []fieldportal.Contractor
	Customers    []fieldportal.Customer // parents before children
	Sites        []fieldportal.Site
	Contacts     []fieldportal.Contact
	Logins       []PortalAccount
	Scripts      []fieldportal.Script
	Items        []fieldportal.Item
	// Assets carry the site they were installed at; Transfers then move
	// some of them, so an asset's current site is its last transfer's.
	Assets       []fieldportal.Asset
	Transfers    []fieldportal.AssetTransfer
	Quotes       []fieldportal.Quote
	Jobs         []fieldportal.Job
	Tests        []fieldportal.AssetTest
	Issues       []IssueThread
	Invoices     []fieldportal.Invoice // with their final amount paid and status
	Payments     []fieldportal.Payment
	Recurring    []fieldportal.RecurringInvoice
	Cards        []fieldportal.SavedCard
	Certificates []fieldportal.Certificate
	Files        []File
	Appointments []fieldportal.Appointment
	Tasks        []fieldportal.Task
	// Issue 22 (visits.go): the technicians' profiles, the reports of
	// completed jobs, the ratings of done visits, the threads with the
	// office.
	StaffPhotos []StaffPhoto
	Reports     []Report
	Ratings     []Rating
	Threads     []Thread

	Demo Logins
}

// Generate builds the demo as of now. The same now gives a deep-equal
// Dataset every time.
func Generate(now time.Time) *Dataset {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		// Without tzdata the demo is still valid, only an hour off in summer.
		loc = time.UTC
	}
	now = now.UTC().Truncate(time.Second)
	g := &gen{
		r:     rand.New(rand.NewPCG(seed1, seed2)),
		loc:   loc,
		now:   now,
		today: fieldportal.DateOf(now.In(loc)),
		ds:    &Dataset{Now: now},
		site:  map[string]*siteInfo{},
	}
	g.ds.Today = g.today
	// Order matters twice: for the random stream (so keep it fixed) and
	// for references (a step uses only what earlier steps made).
	g.organisation()
	g.people()
	g.catalogue()
	g.assets()
	g.quotes()
	g.jobs()
	g.tests()
	g.transferredAssetStory()
	g.issues()
	g.invoices()
	g.recurring()
	g.certificates()
	g.files()
	g.diary()
	g.tasks()
	g.ppmShowcase()
	g.visits()
	return g.ds
}

// gen carries the generator's state.
type gen struct {
	r     *rand.Rand
	loc   *time.Location
	now   time.Time
	today fieldportal.Date
	ds    *Dataset

	// site describes each site by key; siteKeys keeps their order.
	site     map[string]*siteInfo
	siteKeys []string
	// depositQuote is the key of the quote that asks for a deposit.
	depositQuote string
}

// siteInfo is what later steps need to know about a site.
type siteInfo struct {
	key, customer, name string
	orderPrefix         string
	contacts            []string // contact keys of the site's customer and its ancestors
	assets              []string // asset keys currently at the site
	sprinklers          bool
	security            bool // has CCTV or an intruder alarm
}

// day returns the date n days from today.
func (g *gen) day(n int) fieldportal.Date { return g.today.AddDays(n) }

// at returns hh:mm local time on the day n days from today, in UTC.
func (g *gen) at(n, hh, mm int) time.Time {
	d := g.day(n)
	return time.Date(d.Year, d.Month, d.Day, hh, mm, 0, 0, g.loc).UTC()
}

// past returns a working-hours moment n days ago (n >= 0), never after now.
func (g *gen) past(n int) time.Time {
	t := g.at(-n, 8+g.r.IntN(9), 5*g.r.IntN(12))
	if t.After(g.now) {
		t = g.now.Add(-time.Duration(1+g.r.IntN(60)) * time.Minute)
	}
	return t
}

// between returns a number in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// pick returns a random element of s.
func pick[T any](g *gen, s []T) T { return s[g.r.IntN(len(s))] }

// vat is UK VAT at 20% of an amount, rounded half up to the penny.
func vat(ex fieldportal.Money) fieldportal.Money { return (ex*20 + 50) / 100 }

// sortByCreated orders records by when they happened, keeping the
// generation order for ties, so that human numbers follow time.
func sortByCreated[T any](s []T, created func(*T) time.Time) {
	slices.SortStableFunc(s, func(a, b T) int { return created(&a).Compare(created(&b)) })
}

// currentSite returns the site an asset is at after its transfers.
func (g *gen) currentSite(assetKey string) string {
	site := ""
	for _, a := range g.ds.Assets {
		if a.ID == assetKey {
			site = a.SiteID
		}
	}
	for _, t := range g.ds.Transfers {
		if t.AssetID == assetKey {
			site = t.ToSiteID
		}
	}
	return site
}

// customerOf returns the customer key of a site key.
func (g *gen) customerOf(siteKey string) string { return g.site[siteKey].customer }
