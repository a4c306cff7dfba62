package portal

import (
	"strings"
	"testing"
)

// A failed sign-in is recorded for a wrong password and also for the
// right password of a login that is disabled or only invited (the store
// answers both alike): the activity page must not tell a manager the
// password was wrong (found by review).
func TestActivityActionSignInFailed(t *testing.T) {
	got := activityAction("signin.failed")
	if strings.Contains(strings.ToLower(got), "password") {
		t.Errorf("signin.failed reads %q, which names a cause the entry does not know", got)
	}
	if !strings.HasPrefix(got, "Sign-in failed") {
		t.Errorf("signin.failed reads %q, want it to start \"Sign-in failed\"", got)
	}
}
