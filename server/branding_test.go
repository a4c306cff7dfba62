package server

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// postFile posts one file field as multipart/form-data.
func (b *browser) postFile(path, field, name string, data []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(data)
	mw.WriteField("action", "upload")
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func tinyPNG(w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{200, 0, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}

func TestLogo(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")

		for _, tc := range []struct {
			name, file string
			data       []byte
			msg        string
		}{
			{"text named .png", "logo.png", []byte("not an image at all"), "must be a PNG or JPEG"},
			{"HTML sniffed by content", "logo.png", []byte("<html><script>alert(1)</script></html>"), "must be a PNG or JPEG"},
			{"an SVG with a script", "logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>`), "must be a PNG or JPEG"},
			{"an SVG with a script named .png", "logo.png", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>`), "must be a PNG or JPEG"},
			{"an SVG after PNG magic bytes", "logo.png", append([]byte("\x89PNG\r\n\x1a\n"), `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`...), "must be a PNG or JPEG"},
			{"too many pixels", "big.png", tinyPNG(2100, 10), "2000 by 2000"},
			{"too many bytes", "huge.png", append(tinyPNG(10, 10), make([]byte, 600<<10)...), "at most 512 KB"},
		} {
			t.Run("refuses "+tc.name, func(t *testing.T) {
				res, body := admin.postFile("/console/settings/logo", "logo", tc.file, tc.data)
				wantStatus(t, "upload", res, body, http.StatusBadRequest)
				if !strings.Contains(body, tc.msg) {
					t.Errorf("message lacks %q", tc.msg)
				}
				if !strings.Contains(body, `id="logo-error"`) || !strings.Contains(body, "The logo ") {
					t.Error("the message does not name the logo field")
				}
				if st, _ := db.FindSettings(context.Background(), f.org.ID); st.Branding.Logo != "" {
					t.Errorf("a refused upload became the logo")
				}
			})
		}
		t.Run("a PNG shows in the portal header and is served immutable", func(t *testing.T) {
			res, _ := admin.postFile("/console/settings/logo", "logo", "logo.png", tinyPNG(64, 32))
			wantRedirect(t, "upload", res, "/console/settings?done=saved")
			b := f.browser()
			_, body := b.get("/login")
			m := regexp.MustCompile(`<img class="logo" src="(/branding/logo/[0-9a-f]{64})"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no logo in the header:\n%s", body)
			}
			res, img := b.get(m[1])
			wantStatus(t, "logo", res, img, http.StatusOK)
			if res.Header.Get("Content-Type") != "image/png" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
				t.Errorf("logo headers: %v", res.Header)
			}
			if res, _ := b.get("/branding/logo/" + strings.Repeat("0", 64)); res.StatusCode != http.StatusNotFound {
				t.Errorf("an unknown logo hash = %d", res.StatusCode)
			}
		})
	})
}

// brandingForm is the settings page's form as a browser posts it: every
// module on, the policy as it was, the branding part as given.
func brandingForm(name, accent, phone, email string) url.Values {
	f := url.Values{"password_policy.min_length": {"10"}, "rules": {"require_digit", "require_upper", "require_lower"},
		"branding_form": {"1"}, "branding.display_name": {name}, "branding.accent_colour": {accent},
		"branding.support_phone": {phone}, "branding.support_email": {email}}
	for _, m := range fieldportal.AllModules {
		f.Add("modules", string(m))
		f.Add("default_pages", string(m))
	}
	return f
}

func TestBrandingSettings(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		good := []string{"Brightwater", "#0b5cad", "0117 496 0123", "help@brightwater.example"}

		for _, tc := range []struct {
			name  string
			field int // which of good is replaced
			typed string
			id    string
			msg   string
		}{
			{"a colour failing contrast", 1, "#808080", "branding.accent_colour", "Accent colour #808080 has a contrast of 4.1:1"},
			{"a bad hex", 1, "#12345g", "branding.accent_colour", "Accent colour must be a hex colour"},
			{"a colour name", 1, "teal", "branding.accent_colour", "Accent colour must be a hex colour"},
			{"a phone with letters", 2, "0800 FLOWERS", "branding.support_phone", "Support phone must be a phone number"},
			{"a bad email", 3, "help at brightwater", "branding.support_email", "Support email must be a valid address"},
			{"markup typed as a colour, kept escaped", 1, `<b>"x"</b>`, "branding.accent_colour", "Accent colour must be a hex colour"},
		} {
			t.Run("refuses "+tc.name, func(t *testing.T) {
				v := append([]string(nil), good...)
				v[tc.field] = tc.typed
				res, body := admin.post("/console/settings", brandingForm(v[0], v[1], v[2], v[3]))
				wantStatus(t, "save", res, body, http.StatusBadRequest)
				if !strings.Contains(body, tc.msg) {
					t.Errorf("no message %q", tc.msg)
				}
				if !strings.Contains(body, `href="#`+tc.id+`"`) || !strings.Contains(body, `id="`+tc.id+`-error"`) {
					t.Errorf("the error is not linked to its field %s", tc.id)
				}
				// What was typed is kept, escaped, in its field and in the others.
				kept := regexp.MustCompile(`id="` + regexp.QuoteMeta(tc.id) + `"[^>]* value="([^"]*)"`).FindStringSubmatch(body)
				if kept == nil || html.UnescapeString(kept[1]) != tc.typed {
					t.Errorf("field %s keeps %v, want %q", tc.id, kept, tc.typed)
				}
				if !strings.Contains(body, `value="help@brightwater.example"`) && tc.field != 3 {
					t.Error("the other fields lose what was typed")
				}
				if n := strings.Count(body, "There is a problem"); n != 1 {
					t.Errorf("%d error summaries, want one (not repeated over the payment form)", n)
				}
				if strings.Contains(body, "<b>") {
					t.Error("typed markup is rendered")
				}
				st, _ := db.FindSettings(context.Background(), f.org.ID)
				if st.Branding.DisplayName != "" {
					t.Errorf("a refused form saved the branding: %+v", st.Branding)
				}
			})
		}

		t.Run("saves, and the portal shows the name, the accent and the support contact", func(t *testing.T) {
			before := mustAuditCount(t, db, "settings.updated", f.org.ID)
			res, body := admin.post("/console/settings", brandingForm(" Brightwater ", "#0B5CAD", "+44 (0)117 496 0123", "help@brightwater.example"))
			wantRedirect(t, "save", res, "/console/settings?done=saved")
			_ = body
			st, err := db.FindSettings(context.Background(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := fieldportal.Branding{DisplayName: "Brightwater", AccentColour: "#0b5cad", SupportPhone: "+44 (0)117 496 0123", SupportEmail: "help@brightwater.example"}
			if diff := cmp.Diff(want, st.Branding); diff != "" {
				t.Errorf("saved branding (-want +got):\n%s", diff)
			}
			if n := mustAuditCount(t, db, "settings.updated", f.org.ID); n != before+1 {
				t.Errorf("audit entries = %d, want %d", n, before+1)
			}
			b := f.browser()
			_, login := b.get("/login")
			b.login("parent@example.test", testPassword)
			_, home := b.get("/")
			for page, body := range map[string]string{"login": login, "home": home} {
				for _, s := range []string{
					`<span class="brand-name">Brightwater</span>`,
					`<link rel="stylesheet" href="/branding/theme/0b5cad.css">`,
					`<a href="tel:&#43;441174960123">&#43;44 (0)117 496 0123</a>`,
					`<a href="mailto:help@brightwater.example">help@brightwater.example</a>`,
				} {
					if !strings.Contains(body, s) {
						t.Errorf("%s page lacks %s", page, s)
					}
				}
			}
			res, css := b.get("/branding/theme/0b5cad.css")
			wantStatus(t, "theme", res, css, http.StatusOK)
			if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || !strings.Contains(css, "--brand: #0b5cad;") || !strings.Contains(css, "--on-brand: #ffffff;") {
				t.Errorf("theme: %v\n%s", res.Header, css)
			}
			for _, bad := range []string{"808080.css", "0B5CAD.css", "0b5cad", "zzzzzz.css"} {
				if res, _ := b.get("/branding/theme/" + bad); res.StatusCode != http.StatusNotFound {
					t.Errorf("theme %s = %d, want 404", bad, res.StatusCode)
				}
			}
		})
	})
}
