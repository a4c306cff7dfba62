package api

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/fieldportal/fieldportal"
)

// The request rate of each API key (SPEC §6: 429 with Retry-After over
// the limit). Bad keys are throttled apart, per client address, by the
// key service in the database, where every instance counts the same
// guesses.
//
// The rate of good keys is counted here, in memory, by a token bucket
// per key: counting it in the database would add a write to every API
// request, on SQLite to the one writer every page shares. So each
// instance allows a key the limit on its own: behind a load balancer of
// n instances a key may reach n times the limit, and the limit still
// does its job, which is to keep one busy integration from taking an
// instance's whole capacity.

// DefaultRateLimit is how many requests a minute one key may make, in a
// burst or spread out: ten a second, enough for a back office's sync.
const DefaultRateLimit = 600

// Option changes how New builds the API.
type Option func(*API)

// WithRateLimit sets how many requests per period one key may make (in a
// burst of at most n).
func WithRateLimit(n int, per time.Duration) Option {
	return func(a *API) { a.limits = newKeyLimits(n, per, a.limits.now) }
}

// withClock sets the clock of the rate limit, for tests.
func withClock(now func() time.Time) Option {
	return func(a *API) { a.limits.now = now }
}

// keyLimits is a token bucket per API key id.
type keyLimits struct {
	n     int
	every rate.Limit
	now   func() time.Time

	mu     sync.Mutex
	keys   map[string]*rate.Limiter
	pruned time.Time
}

func newKeyLimits(n int, per time.Duration, now func() time.Time) *keyLimits {
	if now == nil {
		now = time.Now
	}
	return &keyLimits{n: n, every: rate.Limit(float64(n) / per.Seconds()), now: now, keys: map[string]*rate.Limiter{}}
}

// take spends one request of key, or returns an ERATELIMIT error with the
// wait until the next one.
func (l *keyLimits) take(key string) error {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.prune(now)
	lim, ok := l.keys[key]
	if !ok {
		lim = rate.NewLimiter(l.every, l.n)
		l.keys[key] = lim
	}
	if lim.AllowN(now, 1) {
		return nil
	}
	wait := time.Duration(math.Ceil((1 - lim.TokensAt(now)) / float64(l.every) * float64(time.Second)))
	e := fieldportal.Errorf(fieldportal.ERATELIMIT, "Too many requests with this API key: at most %d in %s. Try again in %s.",
		l.n, per(l.n, l.every), seconds(wait))
	e.RetryAfter = wait
	return e
}

// prune forgets, once a minute, the keys whose bucket is full again: a
// new bucket is the same, and a key not used for a while costs nothing.
func (l *keyLimits) prune(now time.Time) {
	if now.Sub(l.pruned) < time.Minute {
		return
	}
	l.pruned = now
	for k, lim := range l.keys {
		if lim.TokensAt(now) >= float64(l.n) {
			delete(l.keys, k)
		}
	}
}

// per is the period of n requests at a rate, in words.
func per(n int, r rate.Limit) string {
	d := time.Duration(float64(n) / float64(r) * float64(time.Second)).Round(time.Second)
	if d == time.Minute {
		return "a minute"
	}
	return d.String()
}

// seconds is a wait in words, in whole seconds rounded up.
func seconds(d time.Duration) string {
	if n := retryAfter(d); n != "1" {
		return n + " seconds"
	}
	return "1 second"
}
