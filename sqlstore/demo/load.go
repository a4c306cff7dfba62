package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// Load generates the demo as of now and writes it into db, which should
// hold no organisation yet, through the store's public methods as the
// system viewer. It returns the logins to print.
//
// Records are backdated: while each one is written, db.Now reports the
// moment the record "happened", so created_at and the audit log tell a
// believable story; db.Now is restored before Load returns. Load must
// therefore run before db serves requests.
func Load(ctx context.Context, db *sqlstore.DB, now time.Time, hasher auth.Hasher) (Logins, error) {
	ds := Generate(now)
	l := &loader{ctx: ctx, db: db, ds: ds, ids: map[string]string{}, photos: makePhotos(ds)}
	clock := db.Now
	defer func() { db.Now = clock }()
	if err := l.load(hasher); err != nil {
		return Logins{}, err
	}
	return ds.Demo, nil
}

// List returns the logins in the order to print them.
func (l Logins) List() []Login { return []Login{l.Admin, l.Parent, l.Site} }

// loader writes a Dataset, mapping each record's key to the id the store
// gave it. The first error stops every later step.
type loader struct {
	ctx context.Context
	db  *sqlstore.DB
	ds  *Dataset
	v   fieldportal.Viewer
	ids map[string]string
	err error
	// missing names the store methods this build lacks; their records
	// are skipped (see optional.go).
	missing []string
	// photos are the report photos' sizes, made in the background.
	photos *madePhotos
}

// save writes one record at the moment it happened and remembers, under
// key, the id the store gave it. id points at the record's ID field: it is
// cleared first, so that no store keeps a demo key as an id, and read
// after create. A nil id saves a record under no key (an update).
func (l *loader) save(key string, at time.Time, id *string, create func() error) {
	if l.err != nil {
		return
	}
	if at.IsZero() || at.After(l.ds.Now) {
		at = l.ds.Now
	}
	l.db.Now = func() time.Time { return at }
	if id != nil {
		*id = ""
	}
	if err := create(); err != nil {
		l.err = fmt.Errorf("demo: create %s: %w", key, err)
		return
	}
	if key != "" && id != nil {
		l.ids[key] = *id
	}
}

// id returns the store id of a key that must have been written already.
func (l *loader) id(key string) string {
	if key == "" {
		return ""
	}
	id, ok := l.ids[key]
	if !ok && l.err == nil {
		l.err = fmt.Errorf("demo: %s is referred to before it was written", key)
	}
	return id
}

// opt returns the store id of a key, or "" when the record was skipped
// (a reference the store can do without).
func (l *loader) opt(key string) string { return l.ids[key] }

func (l *loader) idList(keys []string) []string {
	var out []string
	for _, k := range keys {
		if id := l.opt(k); id != "" {
			out = append(out, id)
		}
	}
	return out
}

func (l *loader) load(hasher auth.Hasher) error {
	ctx, ds, db := l.ctx, l.ds, l.db
	// Every demo login shares one published password, so they share one
	// hash too: argon2id is deliberately slow, and the demo starts faster.
	hashes := map[string]string{}
	hash := func(pw string) (string, error) {
		if h, ok := hashes[pw]; ok {
			return h, nil
		}
		h, err := hasher.Hash(pw)
		hashes[pw] = h
		return h, err
	}
	org := ds.Organisation
	l.save("org", ds.Now.AddDate(-2, 0, -2), &org.ID, func() error { return db.CreateOrganisation(ctx, &org) })
	if l.err != nil {
		return l.err
	}
	l.v = fieldportal.SystemViewer(org.ID, "demo")
	v := l.v
	l.save("settings", ds.Now.AddDate(-2, 0, -2), nil, func() error {
		if err := db.PutBlob(ctx, v.OrgID, fieldportal.LogoStorageKey(v.OrgID, ds.Settings.Branding.Logo), ds.Logo); err != nil {
			return err
		}
		return db.UpdateSettings(ctx, v, ds.Settings)
	})
	for _, s := range ds.Staff {
		u := s.User
		l.save(u.ID, u.CreatedAt, &u.ID, func() (err error) {
			if u.PasswordHash, err = hash(s.Password); err != nil {
				return err
			}
			return db.CreateStaffUser(ctx, v, &u)
		})
	}
	l.profiles()
	l.contractors()
	for _, c := range ds.Customers {
		c.ParentID = l.id(c.ParentID)
		l.save(c.ID, c.CreatedAt, &c.ID, func() error { return db.CreateCustomer(ctx, v, &c) })
	}
	for _, s := range ds.Sites {
		s.CustomerID, s.ContractorID = l.id(s.CustomerID), l.opt(s.ContractorID)
		l.save(s.ID, s.CreatedAt, &s.ID, func() error { return db.CreateSite(ctx, v, &s) })
	}
	for _, c := range ds.Contacts {
		c.CustomerID = l.id(c.CustomerID)
		l.save(c.ID, c.CreatedAt, &c.ID, func() error { return db.CreateContact(ctx, v, &c) })
	}
	for _, a := range ds.Logins {
		p := a.Login
		p.ContactID, p.SiteIDs = l.id(p.ContactID), l.idList(p.SiteIDs)
		l.save(p.ID, p.CreatedAt, &p.ID, func() (err error) {
			if a.Password != "" {
				if p.PasswordHash, err = hash(a.Password); err != nil {
					return err
				}
			}
			return db.CreatePortalLogin(ctx, v, &p)
		})
	}
	l.catalogue()
	l.equipment()
	l.work()
	l.billing()
	l.paperwork()
	l.diary()
	l.visitRecords()
	return l.err
}
