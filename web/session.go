package web

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"path"
	"strings"
	"unicode"

	"github.com/fieldportal/fieldportal"
)

// Sessions are kept server-side by the sign-in service; the browser holds
// only a random token in an HttpOnly, SameSite cookie, whose hash is the
// session's key. The kit sets and reads those cookies and carries the
// viewer a session stands for in the request's context.

// viewerKey is the context key of the signed-in viewer; a private type so
// no other package can collide.
type viewerKey struct{}

// ContextWithViewer returns ctx carrying v. The portal's and the
// console's middleware use it; tests of handlers may too.
func ContextWithViewer(ctx context.Context, v fieldportal.Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFromContext returns the signed-in viewer of the request; ok is
// false outside a route behind a session.
func ViewerFromContext(ctx context.Context) (v fieldportal.Viewer, ok bool) {
	v, ok = ctx.Value(viewerKey{}).(fieldportal.Viewer)
	return v, ok
}

// CookieValue returns the value of the request's cookie name, or "".
func CookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// SetCookie sets an HttpOnly, SameSite=Lax cookie for path; Secure when
// the base URL is https. maxAge 0 makes a session cookie.
func (k *Kit) SetCookie(w http.ResponseWriter, name, path, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: k.secureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// ClearCookie tells the browser to forget a cookie.
func (k *Kit) ClearCookie(w http.ResponseWriter, name, path string) {
	k.SetCookie(w, name, path, "", -1)
}

// SafeNext returns next when it is a path on this site, else "/". Only a
// path starting with one "/" is local: "//host" and "/\host" are read by
// browsers as another site, and an absolute URL is one. A backslash or a
// control character anywhere is refused, and the path is checked again as
// the redirect will clean it ("/./\host" becomes "/\host"), so the
// sign-in page can never be turned into an open redirect.
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || strings.ContainsRune(next, '\\') || strings.ContainsFunc(next, unicode.IsControl) {
		return "/"
	}
	// "///host" has no host for url.Parse (and path.Clean makes it "/host"),
	// but a browser reads it as another site, as it reads "//host": a link
	// that is not a redirect keeps it as it is (the site form's Cancel).
	if strings.HasPrefix(next, "//") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	if c := path.Clean(u.Path); strings.HasPrefix(c, "//") || !strings.HasPrefix(c, "/") {
		return "/"
	}
	return next
}

// ClientAddress is the address the throttles count failures by. It is the
// TCP peer, unless the peer is a trusted proxy: then it is the nearest
// address of X-Forwarded-For that is not a trusted proxy (a client can
// write anything there, but only what the proxies appended is believed).
// IPv6 clients count by their /64, the block one subscriber usually holds.
func (k *Kit) ClientAddress(r *http.Request) string {
	peer := k.clientPeer(r)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if peer.Is6() {
		p, _ := peer.Prefix(64)
		return p.String()
	}
	return peer.String()
}

// ClientIP is the client's own address, found as ClientAddress finds it
// but never widened to a block: the address a record keeps as evidence of
// who acted (a quote's signature), where ClientAddress counts failures.
func (k *Kit) ClientIP(r *http.Request) string {
	if peer := k.clientPeer(r); peer.IsValid() {
		return peer.String()
	}
	return r.RemoteAddr
}

// clientPeer is the TCP peer, or the nearest untrusted address of
// X-Forwarded-For when the peer is a trusted proxy.
func (k *Kit) clientPeer(r *http.Request) netip.Addr {
	peer := addrOf(r.RemoteAddr)
	if peer.IsValid() && k.trusted(peer) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			peer = a.Unmap()
			if !k.trusted(peer) {
				break
			}
		}
	}
	return peer
}

func (k *Kit) trusted(a netip.Addr) bool {
	for _, p := range k.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func addrOf(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		a, _ := netip.ParseAddr(remote)
		return a.Unmap()
	}
	return ap.Addr().Unmap()
}

// deviceCookieAge is how long a browser stays known to an account: a year.
const deviceCookieAge = 365 * 24 * 60 * 60

// Door is how one door of the site (the portal, the console) keeps its
// sessions: its cookies, the path they are scoped to, its sign-in page,
// and the service call that turns a session token into a viewer. The two
// doors' cookies never stand in for each other.
type Door struct {
	Cookie, DeviceCookie string
	// ChallengeCookie holds a sign-in's challenge between its password
	// and its second step (issue 21): never a session, and never read by
	// SignedIn, so with it alone every page still sends to sign-in.
	ChallengeCookie string
	// Path scopes the cookies ("/", "/console").
	Path string
	// LoginPath is the sign-in page ("/login", "/console/login").
	LoginPath string
	// Find returns the viewer of a live session token, read afresh so a
	// disabled login or changed access applies at once; ENOTFOUND or
	// EUNAUTHORIZED when there is none.
	Find func(ctx context.Context, orgID, token string) (fieldportal.Viewer, error)
}

// SignedIn wraps a page that needs a session of the door; anyone else is
// sent to its sign-in page, which brings them back afterwards.
func (k *Kit) SignedIn(d Door, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		token := CookieValue(r, d.Cookie)
		if token == "" {
			k.ToLogin(d, w, r)
			return
		}
		v, err := d.Find(ctx, OrganisationFromContext(ctx).ID, token)
		switch fieldportal.ErrorCode(err) {
		case "":
		case fieldportal.ENOTFOUND, fieldportal.EUNAUTHORIZED:
			k.ToLogin(d, w, r)
			return
		default:
			k.Error(w, r, fmt.Errorf("load session: %w", err))
			return
		}
		h(w, r.WithContext(ContextWithViewer(ctx, v)))
	}
}

// ToLogin sends a request without a session to the door's sign-in page. A
// GET comes back where it was after signing in; any other method cannot
// be replayed by a redirect, so it starts over.
func (k *Kit) ToLogin(d Door, w http.ResponseWriter, r *http.Request) {
	k.ClearCookie(w, d.Cookie, d.Path)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Redirect(w, r, d.LoginPath, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, d.LoginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
}

// StartSession keeps a new session's token, and the device token that
// lets this browser past an account lock caused by others, in cookies.
func (k *Kit) StartSession(d Door, w http.ResponseWriter, s *fieldportal.SignedIn) {
	if s.Challenge != "" {
		// A second step is owed: only the challenge is kept, for as long
		// as it lives.
		k.SetCookie(w, d.ChallengeCookie, d.Path, s.Challenge, int(fieldportal.ChallengeLifetime.Seconds()))
		return
	}
	if d.ChallengeCookie != "" {
		k.ClearCookie(w, d.ChallengeCookie, d.Path)
	}
	k.SetCookie(w, d.Cookie, d.Path, s.Token, 0)
	if s.DeviceToken != "" {
		k.SetCookie(w, d.DeviceCookie, d.Path, s.DeviceToken, deviceCookieAge)
	}
}

// ChallengeAnswer is the second step of a sign-in at the door: the
// challenge cookie and the code typed, with what the browser brings.
func (k *Kit) ChallengeAnswer(d Door, door fieldportal.Door, r *http.Request, code string) fieldportal.ChallengeAnswer {
	return fieldportal.ChallengeAnswer{
		OrgID: OrganisationFromContext(r.Context()).ID, Door: door, Token: CookieValue(r, d.ChallengeCookie), Code: code,
		ClientAddr: k.ClientAddress(r), UserAgent: r.UserAgent(),
		OldToken: CookieValue(r, d.Cookie), DeviceToken: CookieValue(r, d.DeviceCookie),
	}
}

// SignInRequest is a sign-in attempt at the door, with what the browser
// brings: its address, its old session (ended on success) and its device
// token.
func (k *Kit) SignInRequest(d Door, r *http.Request, name, password string) fieldportal.SignInRequest {
	return fieldportal.SignInRequest{
		OrgID: OrganisationFromContext(r.Context()).ID, Name: name, Password: password,
		ClientAddr: k.ClientAddress(r), UserAgent: r.UserAgent(),
		OldToken: CookieValue(r, d.Cookie), DeviceToken: CookieValue(r, d.DeviceCookie),
	}
}

// PasswordChange reads the change-password form posted at the door (fields
// current, password and confirm), with the browser's session to replace.
func (k *Kit) PasswordChange(d Door, r *http.Request) fieldportal.PasswordChange {
	return fieldportal.PasswordChange{
		Current: r.PostForm.Get("current"), Password: r.PostForm.Get("password"), Confirm: r.PostForm.Get("confirm"),
		ClientAddr: k.ClientAddress(r), UserAgent: r.UserAgent(), OldToken: CookieValue(r, d.Cookie),
	}
}
