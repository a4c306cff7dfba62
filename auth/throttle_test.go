package auth_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// clock is a hand-driven clock for the Throttle.
type clock struct{ now time.Time }

func (c *clock) Now() time.Time          { return c.now }
func (c *clock) Advance(d time.Duration) { c.now = c.now.Add(d) }

// newThrottle returns a login Throttle with the default limits, a fresh
// memory store and a clock standing still until advanced.
func newThrottle() (auth.Throttle, *auth.MemoryAttempts, *clock) {
	store := &auth.MemoryAttempts{}
	c := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	th := auth.NewThrottle("login", store)
	th.Now = c.Now
	return th, store, c
}

// MustFail records n failures for account from address or fails the test.
func MustFail(tb testing.TB, th auth.Throttle, account, address string, n int) {
	tb.Helper()
	for range n {
		if err := th.Fail(context.Background(), account, address); err != nil {
			tb.Fatalf("Fail(%q, %q): %v", account, address, err)
		}
	}
}

// MustSucceed clears account's failures or fails the test.
func MustSucceed(tb testing.TB, th auth.Throttle, account string) {
	tb.Helper()
	if err := th.Succeed(context.Background(), account); err != nil {
		tb.Fatalf("Succeed(%q): %v", account, err)
	}
}

// MustFailures returns the store's count of failures under key.
func MustFailures(tb testing.TB, store *auth.MemoryAttempts, key string) int {
	tb.Helper()
	n, _, err := store.Failures(context.Background(), key, time.Time{})
	if err != nil {
		tb.Fatalf("Failures(%q): %v", key, err)
	}
	return n
}

// limited is the error of a Check that must wait for wait (in words).
func limited(wait string) error {
	return &fieldportal.Error{Code: fieldportal.ERATELIMIT, Message: "Too many attempts. Try again in " + wait + "."}
}

// checkThrottle compares th.Check with want, the wait in words (the
// exact RetryAfter has a test of its own).
func checkThrottle(tb testing.TB, th auth.Throttle, account, address string, want error) {
	tb.Helper()
	got := th.Check(context.Background(), account, address)
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(fieldportal.Error{}, "RetryAfter")); diff != "" {
		tb.Errorf("Check(%q, %q) (-want +got):\n%s", account, address, diff)
	}
}

func TestThrottleFreeAttempts(t *testing.T) {
	th, _, _ := newThrottle()
	for range 5 {
		checkThrottle(t, th, "bob", "192.0.2.1", nil)
		MustFail(t, th, "bob", "192.0.2.1", 1)
	}
	checkThrottle(t, th, "bob", "192.0.2.1", limited("1 second"))
}

// TestThrottleRetryAfter checks that a refusal carries the exact wait,
// for a Retry-After header.
func TestThrottleRetryAfter(t *testing.T) {
	th, _, c := newThrottle()
	MustFail(t, th, "bob", "192.0.2.1", 6)
	c.Advance(500 * time.Millisecond)
	err := th.Check(context.Background(), "bob", "192.0.2.1")
	if got := fieldportal.RetryAfter(err); got != 1500*time.Millisecond {
		t.Errorf("RetryAfter = %v, want 1.5s (%v)", got, err)
	}
	if got := fieldportal.RetryAfter(fieldportal.Errorf(fieldportal.EINVALID, "x")); got != 0 {
		t.Errorf("RetryAfter of another code = %v", got)
	}
}

func TestThrottleDelayGrows(t *testing.T) {
	tests := []struct {
		failures int
		wait     time.Duration
		words    string
	}{
		{5, time.Second, "1 second"},
		{6, 2 * time.Second, "2 seconds"},
		{7, 4 * time.Second, "4 seconds"},
		{10, 32 * time.Second, "32 seconds"},
		{11, 64 * time.Second, "2 minutes"},
		{14, 512 * time.Second, "9 minutes"},
		{15, 15 * time.Minute, "15 minutes"}, // 1024s, capped
		{100, 15 * time.Minute, "15 minutes"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d failures", tt.failures), func(t *testing.T) {
			th, _, c := newThrottle()
			th.PerAddress.Free = 1000 // only the account limit is under test
			MustFail(t, th, "bob", "192.0.2.1", tt.failures)

			checkThrottle(t, th, "bob", "192.0.2.1", limited(tt.words))
			c.Advance(tt.wait - time.Nanosecond)
			checkThrottle(t, th, "bob", "192.0.2.1", limited("1 second"))
			c.Advance(time.Nanosecond)
			checkThrottle(t, th, "bob", "192.0.2.1", nil)
		})
	}
}

func TestThrottleDelayCountsFromLastFailure(t *testing.T) {
	th, _, c := newThrottle()
	MustFail(t, th, "bob", "192.0.2.1", 5)
	c.Advance(time.Second)
	checkThrottle(t, th, "bob", "192.0.2.1", nil)
	MustFail(t, th, "bob", "192.0.2.1", 1)
	c.Advance(time.Second)
	checkThrottle(t, th, "bob", "192.0.2.1", limited("1 second")) // 2s from the 6th failure
	c.Advance(time.Second)
	checkThrottle(t, th, "bob", "192.0.2.1", nil)
}

func TestThrottleWindowExpiry(t *testing.T) {
	th, _, c := newThrottle()
	MustFail(t, th, "bob", "192.0.2.1", 4)
	c.Advance(10 * time.Minute)
	MustFail(t, th, "bob", "192.0.2.1", 1)
	checkThrottle(t, th, "bob", "192.0.2.1", limited("1 second"))

	// The first four leave the 15-minute window; one failure is left.
	c.Advance(5*time.Minute + time.Second)
	checkThrottle(t, th, "bob", "192.0.2.1", nil)
	MustFail(t, th, "bob", "192.0.2.1", 3)
	checkThrottle(t, th, "bob", "192.0.2.1", nil)
}

func TestThrottlePerAddress(t *testing.T) {
	th, _, _ := newThrottle()
	// A spray of one guess at each of many accounts.
	for i := range 20 {
		MustFail(t, th, fmt.Sprintf("user%d", i), "192.0.2.1", 1)
	}
	checkThrottle(t, th, "someone-else", "192.0.2.1", limited("1 second"))
	checkThrottle(t, th, "someone-else", "192.0.2.2", nil)
}

func TestThrottleSucceedClearsAccountOnly(t *testing.T) {
	th, store, _ := newThrottle()
	MustFail(t, th, "bob", "192.0.2.1", 20) // both limits reached
	checkThrottle(t, th, "bob", "192.0.2.2", limited("15 minutes"))

	MustSucceed(t, th, "  BOB ")
	if n := MustFailures(t, store, "login:acct:bob"); n != 0 {
		t.Errorf("account failures after Succeed = %d, want 0", n)
	}
	if n := MustFailures(t, store, "login:ip:192.0.2.1"); n != 20 {
		t.Errorf("address failures after Succeed = %d, want 20", n)
	}
	checkThrottle(t, th, "bob", "192.0.2.2", nil)
	checkThrottle(t, th, "bob", "192.0.2.1", limited("1 second"))
}

func TestThrottleUnknownAccountsLookTheSame(t *testing.T) {
	// The Throttle never learns whether an account exists: a known and an
	// unknown name with the same history get the very same answer.
	tests := []struct {
		name     string
		failures int
	}{
		{"under the limit", 3},
		{"at the limit", 5},
		{"well over", 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			th, _, _ := newThrottle()
			MustFail(t, th, "alice", "192.0.2.1", tt.failures)
			MustFail(t, th, "no-such-user", "192.0.2.2", tt.failures)
			known := th.Check(context.Background(), "alice", "192.0.2.1")
			unknown := th.Check(context.Background(), "no-such-user", "192.0.2.2")
			if diff := cmp.Diff(known, unknown); diff != "" {
				t.Errorf("known vs unknown account (-known +unknown):\n%s", diff)
			}
		})
	}
}

func TestThrottleNormalisesAccount(t *testing.T) {
	th, store, _ := newThrottle()
	MustFail(t, th, "Bob", "192.0.2.1", 2)
	MustFail(t, th, "  bob\t", "192.0.2.2", 2)
	MustFail(t, th, "BOB", "192.0.2.3", 1)
	if n := MustFailures(t, store, "login:acct:bob"); n != 5 {
		t.Errorf("failures of bob = %d, want 5", n)
	}
	checkThrottle(t, th, "bOb", "192.0.2.4", limited("1 second"))
}

func TestThrottleKeys(t *testing.T) {
	tests := []struct {
		name     string
		account  string
		address  string
		wantKeys map[string]int
	}{
		{"both", "Bob", "192.0.2.1", map[string]int{"reset:acct:bob": 1, "reset:ip:192.0.2.1": 1}},
		{"address only", "", "192.0.2.1", map[string]int{"reset:acct:": 0, "reset:ip:192.0.2.1": 1}},
		{"account only", "bob", " ", map[string]int{"reset:acct:bob": 1, "reset:ip:": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &auth.MemoryAttempts{}
			th := auth.NewThrottle("reset", store)
			MustFail(t, th, tt.account, tt.address, 1)
			got := map[string]int{}
			for key := range tt.wantKeys {
				got[key] = MustFailures(t, store, key)
			}
			if diff := cmp.Diff(tt.wantKeys, got); diff != "" {
				t.Errorf("failures per key (-want +got):\n%s", diff)
			}
		})
	}
}

func TestThrottleScopesAreSeparate(t *testing.T) {
	store := &auth.MemoryAttempts{}
	c := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	login, reset := auth.NewThrottle("login", store), auth.NewThrottle("reset", store)
	login.Now, reset.Now = c.Now, c.Now

	MustFail(t, login, "bob", "192.0.2.1", 5)
	checkThrottle(t, login, "bob", "192.0.2.1", limited("1 second"))
	checkThrottle(t, reset, "bob", "192.0.2.1", nil)
}

// brokenStore is an AttemptStore whose every call fails.
type brokenStore struct{}

var errBroken = errors.New("database is down")

func (brokenStore) Failures(context.Context, string, time.Time) (int, time.Time, error) {
	return 0, time.Time{}, errBroken
}
func (brokenStore) AddFailure(context.Context, string, time.Time) error { return errBroken }
func (brokenStore) ClearFailures(context.Context, string) error         { return errBroken }

func TestThrottleStoreErrors(t *testing.T) {
	th := auth.NewThrottle("login", brokenStore{})
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
	}{
		{"Check", func() error { return th.Check(ctx, "bob", "192.0.2.1") }},
		{"Fail", func() error { return th.Fail(ctx, "bob", "192.0.2.1") }},
		{"Succeed", func() error { return th.Succeed(ctx, "bob") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, errBroken) {
				t.Errorf("error = %v, want it to wrap %v", err, errBroken)
			}
			if code := fieldportal.ErrorCode(err); code != fieldportal.EINTERNAL {
				t.Errorf("ErrorCode = %q, want %q", code, fieldportal.EINTERNAL)
			}
		})
	}
}

func TestMemoryAttempts(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	var m auth.MemoryAttempts // the zero value is ready
	for _, at := range []time.Time{t0, t0.Add(time.Minute), t0.Add(3 * time.Minute), t0.Add(2 * time.Minute)} {
		if err := m.AddFailure(ctx, "k", at); err != nil {
			t.Fatal(err)
		}
	}

	type result struct {
		Count int
		Last  time.Time
	}
	failures := func(tb testing.TB, key string, since time.Time) result {
		tb.Helper()
		n, last, err := m.Failures(ctx, key, since)
		if err != nil {
			tb.Fatal(err)
		}
		return result{n, last}
	}
	// Failures forgets what lies before since, so the cases go from the
	// earliest since to the latest.
	tests := []struct {
		name  string
		key   string
		since time.Time
		want  result
	}{
		{"all", "k", t0, result{4, t0.Add(3 * time.Minute)}},
		{"since is inclusive", "k", t0.Add(time.Minute), result{3, t0.Add(3 * time.Minute)}},
		{"later", "k", t0.Add(150 * time.Second), result{1, t0.Add(3 * time.Minute)}},
		{"none left", "k", t0.Add(time.Hour), result{}},
		{"unknown key", "other", t0, result{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, failures(t, tt.key, tt.since)); diff != "" {
				t.Errorf("Failures (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("clear", func(t *testing.T) {
		for _, key := range []string{"a", "b"} {
			if err := m.AddFailure(ctx, key, t0); err != nil {
				t.Fatal(err)
			}
		}
		if err := m.ClearFailures(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		got := []result{failures(t, "a", time.Time{}), failures(t, "b", time.Time{})}
		if diff := cmp.Diff([]result{{}, {1, t0}}, got); diff != "" {
			t.Errorf("Failures of a, b (-want +got):\n%s", diff)
		}
	})

	t.Run("prune", func(t *testing.T) {
		for _, at := range []time.Time{t0, t0.Add(time.Minute)} {
			if err := m.AddFailure(ctx, "p", at); err != nil {
				t.Fatal(err)
			}
		}
		m.Prune(t0.Add(time.Second))
		got := []result{failures(t, "p", time.Time{}), failures(t, "b", time.Time{})}
		if diff := cmp.Diff([]result{{1, t0.Add(time.Minute)}, {}}, got); diff != "" {
			t.Errorf("Failures of p, b after Prune (-want +got):\n%s", diff)
		}
	})
}
