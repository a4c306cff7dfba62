package web

import (
	"html/template"
	"strings"
)

// The page's frame around its content is written here in Go, not by the
// template it is specified by ("layoutRule" in layout.html): html/template
// calls each escaper of each action through reflection and looks each
// field up by name, and the frame's fifty-odd actions (a portal viewer's
// navigation has a dozen links, each a URL through three escapers) were
// most of a cheap page's rendering (issue 15). TestLayoutMatchesRule
// renders both for many layouts and requires the same bytes, so a change
// to the frame is made to both.

// layoutHead is the template function "layoutHead": the page from its
// doctype to the opening of <main>, as layoutRule writes it.
func (k *Kit) layoutHead(l Layout) (template.HTML, error) {
	var b strings.Builder
	b.Grow(2048 + 192*(len(l.Nav)+len(l.HeaderLinks)))
	b.WriteString("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	writeHTMLText(&b, l.Title)
	if l.OrgName != "" {
		b.WriteString(" – ")
		writeHTMLText(&b, l.OrgName)
	}
	b.WriteString("</title>\n<link rel=\"icon\" href=\"")
	if err := k.writeAssetURL(&b, "favicon.svg"); err != nil {
		return "", err
	}
	b.WriteString("\" type=\"image/svg+xml\">\n<link rel=\"stylesheet\" href=\"")
	if err := k.writeAssetURL(&b, "app.css"); err != nil {
		return "", err
	}
	b.WriteString("\">\n")
	if l.ThemeURL != "" {
		b.WriteString("<link rel=\"stylesheet\" href=\"")
		writeURLAttr(&b, l.ThemeURL, true)
		b.WriteString("\">\n")
	}
	b.WriteString("<script src=\"")
	if err := k.writeAssetURL(&b, "app.js"); err != nil {
		return "", err
	}
	b.WriteString("\" defer></script>\n</head>\n<body>\n<a class=\"skip-link\" href=\"#main\">Skip to main content</a>\n<header class=\"site-header\">\n  <div class=\"bar\">\n    <a class=\"brand\" href=\"")
	if l.Console {
		b.WriteString("/console")
	} else {
		b.WriteString("/")
	}
	b.WriteString("\">")
	if l.LogoURL != "" {
		b.WriteString("<img class=\"logo\" src=\"")
		writeURLAttr(&b, l.LogoURL, true)
		b.WriteString("\" alt=\"\">")
	}
	b.WriteString("<span class=\"brand-name\">")
	if l.OrgName != "" {
		writeHTMLText(&b, l.OrgName)
	} else {
		b.WriteString("Customer portal")
	}
	b.WriteString("</span>")
	if l.Console {
		b.WriteString(" <span class=\"brand-sub\">staff console</span>")
	}
	b.WriteString("</a>\n    ")
	if len(l.HeaderLinks) > 0 {
		b.WriteString("<nav class=\"header-actions\" aria-label=\"Ask us\">")
		for _, n := range l.HeaderLinks {
			b.WriteString("<a href=\"")
			writeURLAttr(&b, n.URL, true)
			b.WriteString("\"")
			if n.Current {
				b.WriteString(" aria-current=\"page\"")
			}
			b.WriteString(">")
			writeHTMLText(&b, n.Label)
			b.WriteString("</a>")
		}
		b.WriteString("</nav>")
	}
	b.WriteString("\n    ")
	if l.User != "" {
		b.WriteString("\n    <details class=\"user-menu\">\n      <summary><span class=\"visually-hidden\">Account menu: </span><span class=\"user-name\">")
		writeHTMLText(&b, l.User)
		b.WriteString("</span></summary>\n      <ul>\n        ")
		if l.Console {
			b.WriteString("\n        <li><a href=\"/console/account\">My account</a></li>\n        <li><form method=\"post\" action=\"/console/logout\"><button type=\"submit\" class=\"link-button\">Log out</button></form></li>\n        ")
		} else {
			b.WriteString("\n        <li><a href=\"/preferences\">Preferences</a></li>\n        <li><a href=\"/password\">Change password</a></li>\n        <li><form method=\"post\" action=\"/logout\"><button type=\"submit\" class=\"link-button\">Log out</button></form></li>\n        ")
		}
		b.WriteString("\n      </ul>\n    </details>\n    ")
	}
	b.WriteString("\n  </div>\n  ")
	if len(l.Nav) > 0 {
		b.WriteString("\n  <nav id=\"site-nav\" class=\"site-nav\" aria-label=\"Main\">\n    <a class=\"nav-toggle\" href=\"#site-nav\" aria-controls=\"site-nav-list\">Menu</a>\n    <ul id=\"site-nav-list\">\n      ")
		for _, n := range l.Nav {
			b.WriteString("<li><a href=\"")
			writeURLAttr(&b, n.URL, true)
			b.WriteString("\"")
			if n.Current {
				b.WriteString(" aria-current=\"page\"")
			}
			b.WriteString(">")
			writeHTMLText(&b, n.Label)
			if n.Badge != "" {
				b.WriteString(" <span class=\"nav-badge\">")
				writeHTMLText(&b, n.Badge)
				b.WriteString("</span><span class=\"visually-hidden\"> ")
				writeHTMLText(&b, n.BadgeLabel)
				b.WriteString("</span>")
			}
			b.WriteString("</a></li>\n      ")
		}
		b.WriteString("\n    </ul>\n    <a class=\"nav-close\" href=\"#\">Close menu</a>\n  </nav>\n  ")
	}
	b.WriteString("\n</header>\n<main id=\"main\" tabindex=\"-1\">\n")
	return template.HTML(b.String()), nil
}

// layoutFoot is the template function "layoutFoot": the page from the
// close of <main> to its end, as layoutRule writes it.
func layoutFoot(l Layout) template.HTML {
	var b strings.Builder
	b.Grow(512)
	b.WriteString("\n</main>\n<footer class=\"site-footer\">\n  <p>")
	if l.OrgName != "" {
		writeHTMLText(&b, l.OrgName)
		if l.Console {
			b.WriteString(" staff console")
		} else {
			b.WriteString(" customer portal")
		}
	} else {
		b.WriteString("Customer portal")
	}
	b.WriteString("</p>\n  ")
	if !l.Console && (l.SupportPhone != "" || l.SupportEmail != "") {
		b.WriteString("<p class=\"support\">Need help?")
		if l.SupportPhone != "" {
			b.WriteString(" Call <a href=\"")
			// A template.URL is trusted: html/template does not filter it.
			writeURLAttr(&b, string(l.SupportTel), false)
			b.WriteString("\">")
			writeHTMLText(&b, l.SupportPhone)
			b.WriteString("</a>")
		}
		if l.SupportPhone != "" && l.SupportEmail != "" {
			b.WriteString(" or")
		}
		if l.SupportEmail != "" {
			b.WriteString(" email <a href=\"mailto:")
			// After "mailto:" the address is the rest of a URL: normalized,
			// not filtered.
			writeURLAttr(&b, l.SupportEmail, false)
			b.WriteString("\">")
			writeHTMLText(&b, l.SupportEmail)
			b.WriteString("</a>")
		}
		b.WriteString(".</p>")
	}
	b.WriteString("\n</footer>\n</body>\n</html>\n")
	return template.HTML(b.String())
}

// writeAssetURL writes the hashed URL of a static file as an attribute's
// value.
func (k *Kit) writeAssetURL(b *strings.Builder, name string) error {
	u, err := k.assetPath(name)
	if err != nil {
		return err
	}
	writeURLAttr(b, u, true)
	return nil
}

// htmlEscapes are what html/template writes for the bytes it escapes in
// text and in a quoted attribute's value; every other byte, and so every
// byte of a multi-byte (or malformed) UTF-8 sequence, is written as is.
var htmlEscapes = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// writeHTMLText writes s escaped as html/template escapes a string in
// text, in <title> or in a quoted attribute.
func writeHTMLText(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; int(c) < len(htmlEscapes) && htmlEscapes[c] != "" {
			b.WriteString(s[last:i])
			b.WriteString(htmlEscapes[c])
			last = i + 1
		}
	}
	b.WriteString(s[last:])
}

// writeURLAttr writes s as html/template writes a URL in a quoted
// attribute: when filter is set, a URL whose scheme is not http, https or
// mailto becomes "#ZgotmplZ"; then every byte that is not a letter, a
// digit, RFC 3986's reserved or unreserved (but ' ( and )) or the start
// of a valid %-escape is %-escaped, and & and + are written as entities.
func writeURLAttr(b *strings.Builder, s string, filter bool) {
	if filter && !safeURLScheme(s) {
		s = "#ZgotmplZ"
	}
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			b.WriteByte(c)
		case strings.IndexByte("!#$*,/:;=?@[]-._~", c) >= 0:
			b.WriteByte(c)
		case c == '&':
			b.WriteString("&amp;")
		case c == '+':
			b.WriteString("&#43;")
		case c == '%' && i+2 < len(s) && isHexDigit(s[i+1]) && isHexDigit(s[i+2]):
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
}

// safeURLScheme reports whether html/template lets s through as a URL:
// it has no scheme (no colon before any slash), or http, https or mailto.
func safeURLScheme(s string) bool {
	scheme, _, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(scheme, "/") {
		return true
	}
	return strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "mailto")
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}
