package server

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

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
			{"too many pixels", "big.png", tinyPNG(2100, 10), "2000 by 2000"},
			{"too many bytes", "huge.png", append(tinyPNG(10, 10), make([]byte, 600<<10)...), "at most 512 KB"},
		} {
			t.Run("refuses "+tc.name, func(t *testing.T) {
				res, body := admin.postFile("/console/settings/logo", "logo", tc.file, tc.data)
				wantStatus(t, "upload", res, body, http.StatusBadRequest)
				if !strings.Contains(body, tc.msg) {
					t.Errorf("message lacks %q", tc.msg)
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
