package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/fieldportal/fieldportal"
)

// AttemptStore records failed attempts under string keys. It lives outside
// the Throttle (in production in the database) so that every instance of
// the application sees the same failures.
type AttemptStore interface {
	// Failures returns how many failures were recorded under key at or
	// after since, and the time of the latest one (zero when none).
	Failures(ctx context.Context, key string, since time.Time) (count int, last time.Time, err error)
	// AddFailure records one failure under key at the time at.
	AddFailure(ctx context.Context, key string, at time.Time) error
	// ClearFailures forgets every failure recorded under key.
	ClearFailures(ctx context.Context, key string) error
}

// Limit is how much failing one key may do. The first Free failures within
// Window cost nothing; after that each attempt must wait, counted from the
// latest failure, 1s, then 2s, 4s and so on up to MaxDelay. Doubling slows
// a guesser down fast while a user who mistypes a few times barely notices.
type Limit struct {
	Free     int           // failures within Window that cause no delay
	Window   time.Duration // how long a failure counts
	MaxDelay time.Duration // cap of the delay
}

// DefaultAccountLimit returns the limit per account: 5 free failures in 15
// minutes, delays capped at 15 minutes.
func DefaultAccountLimit() Limit {
	return Limit{Free: 5, Window: 15 * time.Minute, MaxDelay: 15 * time.Minute}
}

// DefaultAddressLimit returns the limit per client address: 20 free
// failures in 15 minutes, more than the account's because several users
// may share an office address, delays capped at 15 minutes.
func DefaultAddressLimit() Limit {
	return Limit{Free: 20, Window: 15 * time.Minute, MaxDelay: 15 * time.Minute}
}

// Throttle slows down repeated failures per account and per client
// address (SPEC §3). It tells nothing about whether an account exists: the
// account key is the name as typed, normalised, so unknown names are
// throttled exactly like known ones and get the same error.
//
// Keys in the Store are Scope + ":acct:" + account and Scope + ":ip:" +
// address, so one store serves several uses: Scope "login" for sign-in,
// "reset" for password-reset requests, "invite" for invitations. An empty
// account or address is not counted, e.g. for limits by address alone.
//
// Check and Fail are not atomic: a burst of concurrent attempts may get a
// few more tries than the limit, which the growing delay soon absorbs.
type Throttle struct {
	Store      AttemptStore
	Now        func() time.Time // the clock; time.Now when nil
	Scope      string           // key namespace, e.g. "login"
	PerAccount Limit
	PerAddress Limit
}

// NewThrottle returns a Throttle for scope with the default limits and the
// wall clock.
func NewThrottle(scope string, store AttemptStore) Throttle {
	return Throttle{
		Store:      store,
		Now:        time.Now,
		Scope:      scope,
		PerAccount: DefaultAccountLimit(),
		PerAddress: DefaultAddressLimit(),
	}
}

// Check returns nil when an attempt for account from address may go ahead
// now, else an ERATELIMIT *fieldportal.Error saying how long to wait (in
// words, and in its RetryAfter). A
// store failure is returned wrapped, as an internal error.
func (t Throttle) Check(ctx context.Context, account, address string) error {
	now := t.now()
	var wait time.Duration
	for _, k := range t.keys(account, address) {
		count, last, err := t.Store.Failures(ctx, k.key, now.Add(-k.limit.Window))
		if err != nil {
			return fmt.Errorf("auth: throttle: %w", err)
		}
		if over := count - k.limit.Free; over >= 0 {
			wait = max(wait, last.Add(k.limit.delay(over)).Sub(now))
		}
	}
	if wait <= 0 {
		return nil
	}
	e := fieldportal.Errorf(fieldportal.ERATELIMIT, "Too many attempts. Try again in %s.", humanWait(wait))
	e.RetryAfter = wait
	return e
}

// Fail records a failed attempt for account from address.
func (t Throttle) Fail(ctx context.Context, account, address string) error {
	now := t.now()
	for _, k := range t.keys(account, address) {
		if err := t.Store.AddFailure(ctx, k.key, now); err != nil {
			return fmt.Errorf("auth: throttle: %w", err)
		}
	}
	return nil
}

// Succeed clears the failures of account after a successful attempt. The
// address keeps its failures: one success must not let an attacker who
// owns an account reset the count of guesses at everyone else's.
func (t Throttle) Succeed(ctx context.Context, account string) error {
	if account = normalizeAccount(account); account == "" {
		return nil
	}
	if err := t.Store.ClearFailures(ctx, t.Scope+":acct:"+account); err != nil {
		return fmt.Errorf("auth: throttle: %w", err)
	}
	return nil
}

// throttleKey is one store key and the limit that applies to it.
type throttleKey struct {
	key   string
	limit Limit
}

// keys returns the store keys of an attempt, skipping empty parts.
func (t Throttle) keys(account, address string) []throttleKey {
	var keys []throttleKey
	if account = normalizeAccount(account); account != "" {
		keys = append(keys, throttleKey{t.Scope + ":acct:" + account, t.PerAccount})
	}
	if address = strings.TrimSpace(address); address != "" {
		keys = append(keys, throttleKey{t.Scope + ":ip:" + address, t.PerAddress})
	}
	return keys
}

func (t Throttle) now() time.Time {
	if t.Now == nil {
		return time.Now()
	}
	return t.Now()
}

// delay returns the wait after the n-th failure beyond Free, counting
// from 0: one second doubled n times, capped at MaxDelay.
func (l Limit) delay(n int) time.Duration {
	if n >= 32 { // time.Second<<n would overflow long before this
		return l.MaxDelay
	}
	return min(time.Second<<n, l.MaxDelay)
}

// normalizeAccount is the form of a typed username that keys its failures,
// so that "Bob " and "bob" share one count.
func normalizeAccount(account string) string {
	return strings.ToLower(strings.TrimSpace(account))
}

// humanWait puts a wait into words, rounded up: "1 second", "40 seconds",
// "2 minutes".
func humanWait(d time.Duration) string {
	if secs := int((d + time.Second - 1) / time.Second); secs < 60 {
		return plural(secs, "second")
	}
	return plural(int((d+time.Minute-1)/time.Minute), "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

// MemoryAttempts is an AttemptStore in memory, for tests and for a single
// instance. Its zero value is ready to use; it must not be copied.
type MemoryAttempts struct {
	mu       sync.Mutex
	failures map[string][]time.Time // per key, in the order added
}

var _ AttemptStore = (*MemoryAttempts)(nil)

// Failures implements AttemptStore. It also forgets the key's failures
// before since, which no later call with a later since would count.
func (m *MemoryAttempts) Failures(_ context.Context, key string, since time.Time) (int, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.dropBefore(key, since)
	var last time.Time
	for _, at := range kept {
		if at.After(last) {
			last = at
		}
	}
	return len(kept), last, nil
}

// AddFailure implements AttemptStore.
func (m *MemoryAttempts) AddFailure(_ context.Context, key string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failures == nil {
		m.failures = make(map[string][]time.Time)
	}
	m.failures[key] = append(m.failures[key], at)
	return nil
}

// ClearFailures implements AttemptStore.
func (m *MemoryAttempts) ClearFailures(_ context.Context, key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.failures, key)
	return nil
}

// Prune forgets every failure before the given time, across all keys. A
// long-running instance calls it now and then (with now minus the longest
// Window) so that names typed once and never again do not pile up.
func (m *MemoryAttempts) Prune(before time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key := range m.failures {
		m.dropBefore(key, before)
	}
}

// dropBefore removes key's failures before t and returns the rest. The
// caller holds the lock.
func (m *MemoryAttempts) dropBefore(key string, t time.Time) []time.Time {
	kept := m.failures[key][:0]
	for _, at := range m.failures[key] {
		if !at.Before(t) {
			kept = append(kept, at)
		}
	}
	if len(kept) == 0 {
		delete(m.failures, key)
	} else {
		m.failures[key] = kept
	}
	return kept
}
