package sqlstore

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/fieldportal/fieldportal"
)

// orgCacheTTL is how long an instance keeps an organisation found by host,
// an organisation's decoded settings and its time zone (the dashboard's
// clock). Every portal request asks for the first two (the host picks the
// organisation; the layout and the session's viewer read the settings),
// and none changes often. A change made
// through this instance's store is seen by its next request at once (the
// cache is emptied when the change commits); another instance on the same
// PostgreSQL sees it within the TTL. A login's own access (its pages,
// sites, whether it is disabled) is never cached: the login row is read on
// every request (SPEC §2.7).
const orgCacheTTL = 2 * time.Second

// orgCacheMax bounds the hosts remembered: the host comes from the
// request, so a client could otherwise fill memory with made-up names.
const orgCacheMax = 1024

type orgCache struct {
	mu       sync.Mutex
	gen      uint64 // bumped by every change; a fill read under an older one is dropped
	hosts    map[string]timed[orgHostEntry]
	settings map[string]timed[fieldportal.Settings]
	zones    map[string]timed[string] // an organisation's time zone (the dashboard's clock)
}

type orgHostEntry struct {
	org     fieldportal.Organisation
	missing bool // no organisation serves the host
}

// timed is a cached value and the time it expires.
type timed[V any] struct {
	v     V
	until time.Time
}

// cacheGet returns m's unexpired value for key. The cache's lock is held.
func cacheGet[V any](m map[string]timed[V], key string) (V, bool) {
	e, ok := m[key]
	if !ok || time.Now().After(e.until) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// cachePut keeps v for key for orgCacheTTL, unless a change committed
// since gen was read; a full map is emptied first (orgCacheMax). The
// cache's lock is held.
func cachePut[V any](c *orgCache, m *map[string]timed[V], gen uint64, key string, v V) {
	if gen != c.gen {
		return
	}
	if *m == nil || len(*m) >= orgCacheMax {
		*m = map[string]timed[V]{}
	}
	(*m)[key] = timed[V]{v: v, until: time.Now().Add(orgCacheTTL)}
}

// invalidate forgets everything; called when a change to an organisation
// or its settings commits.
func (c *orgCache) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.hosts)
	clear(c.settings)
	clear(c.zones)
	c.mu.Unlock()
}

func (c *orgCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

func (c *orgCache) host(host string) (orgHostEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cacheGet(c.hosts, host)
}

func (c *orgCache) putHost(gen uint64, host string, e orgHostEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cachePut(c, &c.hosts, gen, host, e)
}

func (c *orgCache) findSettings(orgID string) (fieldportal.Settings, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s, ok := cacheGet(c.settings, orgID)
	return cloneSettings(s), ok
}

func (c *orgCache) putSettings(gen uint64, orgID string, s fieldportal.Settings) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cachePut(c, &c.settings, gen, orgID, cloneSettings(s))
}

func (c *orgCache) zone(orgID string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return cacheGet(c.zones, orgID)
}

func (c *orgCache) putZone(gen uint64, orgID, zone string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cachePut(c, &c.zones, gen, orgID, zone)
}

// cloneSettings copies the slices, so a caller changing its copy cannot
// change the cached one.
func cloneSettings(s fieldportal.Settings) fieldportal.Settings {
	s.Modules = slices.Clone(s.Modules)
	s.HiddenActions = slices.Clone(s.HiddenActions)
	s.DefaultPages = slices.Clone(s.DefaultPages)
	return s
}

// cachedOrgForHost is FindOrganisationForHost through the cache.
func (d *DB) cachedOrgForHost(ctx context.Context, host string, find func() (*fieldportal.Organisation, error)) (*fieldportal.Organisation, error) {
	if e, ok := d.orgs.host(host); ok {
		if e.missing {
			return nil, fieldportal.NotFound("organisation")
		}
		o := e.org
		return &o, nil
	}
	gen := d.orgs.generation()
	o, err := find()
	switch {
	case err == nil:
		d.orgs.putHost(gen, host, orgHostEntry{org: *o})
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		d.orgs.putHost(gen, host, orgHostEntry{missing: true})
	}
	return o, err
}
