package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// A 401 page ("Please sign in") offers the sign-in page of its side: the
// portal's, or the console's under /console.
func TestUnauthorizedPageOffersSignIn(t *testing.T) {
	assets, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	k := &Kit{logger: slog.New(slog.DiscardHandler), mux: http.NewServeMux(), assets: assets}
	if k.errors, err = k.ParsePages(kitTemplates, "templates/error.html"); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{"/password": `href="/login"`, "/console/contacts/x/access": `href="/console/login"`} {
		w := httptest.NewRecorder()
		k.Error(w, httptest.NewRequest("POST", path, nil), fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "Sign in to change your password."))
		body := w.Body.String()
		if w.Code != http.StatusUnauthorized || !strings.Contains(body, want) || !strings.Contains(body, ">Sign in</a>") {
			t.Errorf("%s: %d, want 401 with a sign-in link %s:\n%s", path, w.Code, want, body)
		}
	}
}

func TestNotFoundAs(t *testing.T) {
	t.Run("not found names what was asked for", func(t *testing.T) {
		err := NotFoundAs(fieldportal.NotFound("job"), "order")
		if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND || fieldportal.ErrorMessage(err) != "There is no order at this address." {
			t.Errorf("got %v", err)
		}
	})
	t.Run("other errors pass unchanged", func(t *testing.T) {
		in := fieldportal.Errorf(fieldportal.EFORBIDDEN, "No.")
		if err := NotFoundAs(in, "order"); err != error(in) {
			t.Errorf("got %v", err)
		}
		if NotFoundAs(nil, "order") != nil {
			t.Error("nil became an error")
		}
	})
}
