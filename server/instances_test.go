package server

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Scale out (issue 15, point 7): several instances of the site on one
// PostgreSQL database behave as one. Each instance here has its own pool
// and caches, as a separate `serve` process would; only the database is
// shared.

// cluster is the fixture's site served by several instances on one
// PostgreSQL database.
type cluster struct {
	f   *fixture // built through the first instance's pool
	dbs []*sqlstore.DB
	// at holds, for each instance, a copy of the fixture serving it.
	at []*fixture
}

// newCluster starts n instances on a fresh PostgreSQL database, the
// fixture's data made through the first.
func newCluster(t *testing.T, n int) *cluster {
	t.Helper()
	dsn := sqltest.MustPostgresDatabase(t)
	c := &cluster{}
	for i := range n {
		db := sqltest.MustOpenURL(t, dsn)
		c.dbs = append(c.dbs, db)
		if i == 0 {
			c.f = newFixture(t, db)
			c.at = append(c.at, c.f)
			continue
		}
		s, _ := newTestServer(t, db, testConfig{BaseURL: "http://portal.test"})
		fi := *c.f
		fi.db, fi.s = db, s
		fi.srv = httptest.NewServer(s.Handler())
		t.Cleanup(fi.srv.Close)
		c.at = append(c.at, &fi)
	}
	return c
}

// freeze stops every instance's clock at now and returns a way to move
// them all on: the throttle's delays must not run out mid-test.
func (c *cluster) freeze() (advance func(time.Duration)) {
	now := time.Now()
	for _, db := range c.dbs {
		db.Now = func() time.Time { return now }
	}
	return func(d time.Duration) { now = now.Add(d) }
}

// browsers is one browser, its cookies shared, as seen by each instance:
// browsers()[i] sends its requests to instance i. Cookies are kept per
// host, not per port, so a cookie set by one instance goes to them all,
// as it would behind a load balancer.
func (c *cluster) browsers() []*browser {
	jar, _ := cookiejar.New(nil)
	var out []*browser
	for _, f := range c.at {
		out = append(out, &browser{t: f.t, f: f, jar: jar, c: &http.Client{Jar: jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}})
	}
	return out
}

// wantLoginRedirect fails the test unless res sends the browser to sign in.
func wantLoginRedirect(t testing.TB, what string, res *http.Response) {
	t.Helper()
	if loc := res.Header.Get("Location"); res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound ||
		!strings.HasPrefix(loc, "/login") {
		t.Fatalf("%s = %d to %q, want a redirect to sign in", what, res.StatusCode, loc)
	}
}

// TestSessionAcrossInstances: a session made on one instance is valid on
// the others, and signing out on any ends it on all.
func TestSessionAcrossInstances(t *testing.T) {
	c := newCluster(t, 3)
	b := c.browsers()
	b[0].login("parent@example.test", testPassword)
	token := b[0].session()
	if token == "" {
		t.Fatal("no session cookie after signing in on instance 1")
	}
	t.Run("accepted on the others", func(t *testing.T) {
		for i := 1; i < 3; i++ {
			res, body := b[i].get("/")
			wantStatus(t, fmt.Sprintf("dashboard on instance %d", i+1), res, body, http.StatusOK)
			res, body = b[i].get("/sites")
			wantStatus(t, fmt.Sprintf("sites on instance %d", i+1), res, body, http.StatusOK)
			if !strings.Contains(body, "Dock Warehouse") {
				t.Errorf("instance %d's site list lacks the parent's sub-customer's site", i+1)
			}
		}
	})
	t.Run("signing out on one ends it on all", func(t *testing.T) {
		res, _ := b[1].post("/logout", nil)
		wantRedirect(t, "logout on instance 2", res, "/login?done=logout")
		for i := range 3 {
			b[i].setSession(token) // the old cookie, replayed
			res, _ := b[i].get("/")
			wantLoginRedirect(t, fmt.Sprintf("dashboard on instance %d after signing out", i+1), res)
		}
	})
}

// TestThrottleAcrossInstances: failed sign-ins spread over three
// instances lock the account after as many as on one instance, on every
// instance, and the account's owner fares exactly as with one: a browser
// that signed in before still gets in during the lock, and anyone gets in
// once the delay has passed.
func TestThrottleAcrossInstances(t *testing.T) {
	const free = 5 // auth.DefaultAccountLimit().Free
	// story returns the statuses of one sequence of sign-ins; the i-th
	// attempt of a browser goes to instance i mod n.
	story := func(t *testing.T, n int) []int {
		c := newCluster(t, n)
		advance := c.freeze()
		var got []int
		attempt := func(b []*browser, i int, password string) {
			res, _ := b[i%n].post("/login", url.Values{"username": {"parent@example.test"}, "password": {password}})
			got = append(got, res.StatusCode)
		}
		owner := c.browsers()
		attempt(owner, 0, testPassword) // the owner's browser becomes known
		owner[1%n].post("/logout", nil)
		attacker := c.browsers()
		for i := range free + 2 {
			attempt(attacker, i, "Wrong-password-1")
		}
		attempt(attacker, free+2, testPassword) // the right password, still locked out
		attempt(owner, 2, testPassword)         // the known browser passes the account's lock
		advance(2 * time.Second)
		attempt(attacker, free+3, testPassword) // after the delay, anyone
		return got
	}
	want := []int{http.StatusSeeOther,
		401, 401, 401, 401, 401, http.StatusTooManyRequests, http.StatusTooManyRequests,
		http.StatusTooManyRequests, http.StatusSeeOther, http.StatusSeeOther}
	one := story(t, 1)
	if !slices.Equal(one, want) {
		t.Fatalf("on one instance the statuses are %v, want %v", one, want)
	}
	t.Run("three instances as one", func(t *testing.T) {
		if three := story(t, 3); !slices.Equal(three, one) {
			t.Errorf("on three instances the statuses are %v, on one %v", three, one)
		}
	})
}
