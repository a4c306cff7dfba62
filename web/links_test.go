package web

import (
	"net/http/httptest"
	"testing"

	"github.com/fieldportal/fieldportal"
)

func TestPortalURL(t *testing.T) {
	for _, tc := range []struct {
		name, base, orgHost, want string
	}{
		{"the organisation's own host, with the base URL's scheme", "http://portal.test/", "fire.example.com", "http://fire.example.com"},
		{"the base URL without its slash", "https://portal.example.com/", "", "https://portal.example.com"},
		{"the request's host when nothing is configured", "", "", "http://asked.example:8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := testKit(t)
			k.cfg.BaseURL = tc.base
			r := httptest.NewRequest("GET", "http://asked.example:8080/console/quotes/1", nil)
			r = r.WithContext(ContextWithOrganisation(r.Context(), &fieldportal.Organisation{Host: tc.orgHost}))
			if got := k.PortalURL(r); got != tc.want {
				t.Errorf("PortalURL = %q, want %q", got, tc.want)
			}
		})
	}
}
