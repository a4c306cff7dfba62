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
	"github.com/fieldportal/fieldportal/auth"
)

// sessionCookie holds a random token; the database keeps only its hash
// (sqlstore.CreateSession), so a leaked sessions table signs nobody in.
const sessionCookie = "fp_session"

// viewerKey and sessionKey are the context keys of the signed-in viewer
// and its session; private types so no other package can collide.
type (
	viewerKey  struct{}
	sessionKey struct{}
)

// ContextWithViewer returns ctx carrying v. The portal middleware uses it;
// tests of handlers may too.
func ContextWithViewer(ctx context.Context, v fieldportal.Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFromContext returns the signed-in viewer of the request; ok is
// false outside a route wrapped by s.portal.
func ViewerFromContext(ctx context.Context) (v fieldportal.Viewer, ok bool) {
	v, ok = ctx.Value(viewerKey{}).(fieldportal.Viewer)
	return v, ok
}

// sessionFromContext returns the request's session, or nil.
func sessionFromContext(ctx context.Context) *fieldportal.Session {
	s, _ := ctx.Value(sessionKey{}).(*fieldportal.Session)
	return s
}

// portal wraps a page that needs a signed-in contact. It loads the session
// and builds the viewer from the database on every request, so disabling a
// login or changing its access applies at once (SPEC §2.7). Anyone else is
// sent to the sign-in page, which brings them back afterwards. A login
// whose password was set by someone else may only change it (SPEC §3).
func (s *Server) portal(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		org := OrganisationFromContext(ctx)
		sess, err := s.currentSession(r, org)
		if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			s.Error(w, r, fmt.Errorf("load session: %w", err))
			return
		}
		if sess == nil || sess.LoginID == "" {
			s.toLogin(w, r)
			return
		}
		settings, err := s.settings(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		v, err := s.db.ViewerForLoginWith(ctx, org.ID, sess.LoginID, settings)
		switch fieldportal.ErrorCode(err) {
		case "":
		case fieldportal.EUNAUTHORIZED, fieldportal.ENOTFOUND:
			// Disabled, not yet set up, or deleted: the session is over.
			s.db.DeleteSession(ctx, sess.TokenHash)
			s.toLogin(w, r)
			return
		default:
			s.Error(w, r, fmt.Errorf("load viewer: %w", err))
			return
		}
		if v.MustChangePassword && r.URL.Path != "/password" {
			http.Redirect(w, r, "/password", http.StatusSeeOther)
			return
		}
		if err := s.db.TouchSession(ctx, sess); err != nil {
			// Only the idle clock is late; the request can go on.
			s.logger.WarnContext(ctx, "touch session", "err", err)
		}
		ctx = context.WithValue(ContextWithViewer(ctx, v), sessionKey{}, sess)
		h(w, r.WithContext(ctx))
	}
}

// currentSession returns the live session of the request's cookie, or
// nil (and ENOTFOUND) when there is none.
func (s *Server) currentSession(r *http.Request, org *fieldportal.Organisation) (*fieldportal.Session, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" || org == nil {
		return nil, fieldportal.NotFound("session")
	}
	return s.db.FindSession(r.Context(), org.ID, auth.HashToken(c.Value), s.cfg.IdleTimeout)
}

// toLogin sends an unauthenticated request to the sign-in page. A GET
// comes back where it was after signing in; any other method cannot be
// replayed by a redirect, so it starts over from the dashboard.
func (s *Server) toLogin(w http.ResponseWriter, r *http.Request) {
	s.clearSessionCookie(w)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
}

// safeNext returns next when it is a path on this site, else "/". Only a
// path starting with one "/" is local: "//host" and "/\host" are read by
// browsers as another site, and an absolute URL is one. A backslash or a
// control character anywhere is refused, and the path is checked again as
// the redirect will clean it ("/./\host" becomes "/\host"), so the
// sign-in page can never be turned into an open redirect.
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.ContainsRune(next, '\\') || strings.ContainsFunc(next, unicode.IsControl) {
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

// startSession signs the browser in as a login: a new random token every
// time, and any session the browser already had is ended, so a token
// planted before sign-in (session fixation) is worth nothing after it.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, org *fieldportal.Organisation, loginID string) error {
	return s.newSession(w, r, sessionCookie, "/", &fieldportal.Session{OrgID: org.ID, LoginID: loginID})
}

// newSession stores sess under a fresh token and sets the cookie named
// name for path, ending the session the browser held under that name.
func (s *Server) newSession(w http.ResponseWriter, r *http.Request, name, path string, sess *fieldportal.Session) error {
	ctx := r.Context()
	if c, err := r.Cookie(name); err == nil && c.Value != "" {
		if err := s.db.DeleteSession(ctx, auth.HashToken(c.Value)); err != nil {
			return fmt.Errorf("end old session: %w", err)
		}
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	// The CSRF token is kept for forms that want a synchronizer token;
	// the forms rely on http.CrossOriginProtection (server.go).
	_, csrf, err := auth.NewToken()
	if err != nil {
		return err
	}
	sess.TokenHash, sess.CSRFToken = hash, csrf
	sess.IP, sess.UserAgent = s.clientAddress(r), truncate(r.UserAgent(), 300)
	sess.ExpiresAt = s.db.Now().Add(s.cfg.AbsoluteTimeout)
	if err := s.db.CreateSession(ctx, sess); err != nil {
		return fmt.Errorf("create session: %w", err)
	}
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: plain, Path: path,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
	})
	return nil
}

// clearSessionCookie tells the browser to forget its session cookie.
func (s *Server) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode,
	})
}

// clientAddress is the address the throttles count failures by. It is the
// TCP peer, unless the peer is a trusted proxy: then it is the nearest
// address of X-Forwarded-For that is not a trusted proxy (a client can
// write anything there, but only what the proxies appended is believed).
// IPv6 clients count by their /64, the block one subscriber usually holds.
func (s *Server) clientAddress(r *http.Request) string {
	peer := addrOf(r.RemoteAddr)
	if peer.IsValid() && s.trusted(peer) {
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break
			}
			peer = a.Unmap()
			if !s.trusted(peer) {
				break
			}
		}
	}
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if peer.Is6() {
		p, _ := peer.Prefix(64)
		return p.String()
	}
	return peer.String()
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
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

// truncate cuts s to at most n bytes, on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
