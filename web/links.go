package web

import (
	"net/http"
	"net/url"
	"strings"
)

// PortalURL is the portal's absolute address for links in mail sent for
// the request's organisation, without a trailing slash: the
// organisation's own host when it has one (with the configured base
// URL's scheme), else the configured base URL, else the request's host.
// It matches the links of the account mails (sqlstore.Accounts).
func (k *Kit) PortalURL(r *http.Request) string {
	base := strings.TrimSuffix(k.cfg.BaseURL, "/")
	scheme := "https"
	if u, err := url.Parse(base); err == nil && u.Scheme != "" {
		scheme = u.Scheme
	} else if r.TLS == nil {
		scheme = "http"
	}
	if o := OrganisationFromContext(r.Context()); o != nil && o.Host != "" {
		return scheme + "://" + o.Host
	}
	if base != "" {
		return base
	}
	return scheme + "://" + r.Host
}
