package api

import (
	"net/http"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The API answers a failed validation with 422 and every other code as
// the pages do.
func TestStatusFor(t *testing.T) {
	if got := StatusFor(fieldportal.EINVALID); got != http.StatusUnprocessableEntity {
		t.Errorf("EINVALID = %d, want 422", got)
	}
	for _, code := range []string{fieldportal.ENOTFOUND, fieldportal.EUNAUTHORIZED, fieldportal.EFORBIDDEN, fieldportal.ECONFLICT,
		fieldportal.ERATELIMIT, fieldportal.EUNAVAILABLE, fieldportal.EINTERNAL, "odd"} {
		if got, want := StatusFor(code), web.StatusFor(code); got != want {
			t.Errorf("%s = %d, want %d as on pages", code, got, want)
		}
	}
}
