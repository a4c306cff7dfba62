package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	_ "image/jpeg" // registers the JPEG decoder used to check uploaded logos
	_ "image/png"  // registers the PNG decoder
	"io"
	"net/http"

	"github.com/fieldportal/fieldportal"
)

// The organisation's logo in the portal's header (SPEC §4): uploaded by an
// admin in the console, checked by content (a PNG or JPEG that decodes,
// of a sensible size), stored as a file, and served under its own hash.

const maxLogoBytes = 512 << 10

// logoURL is the logo's address, or "" when there is none.
func logoURL(b fieldportal.Branding) string {
	if b.Logo == "" {
		return ""
	}
	return "/branding/logo/" + b.Logo
}

// handleLogo serves the current logo; an old hash is gone (404).
func (s *Server) handleLogo(w http.ResponseWriter, r *http.Request) {
	org := OrganisationFromContext(r.Context())
	st, err := s.db.FindSettings(r.Context(), org.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sha := r.PathValue("sha")
	if st.Branding.Logo == "" || sha != st.Branding.Logo {
		s.Error(w, r, fieldportal.NotFound("logo"))
		return
	}
	data, err := s.db.GetBlob(r.Context(), org.ID, fieldportal.LogoStorageKey(sha))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", st.Branding.LogoType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(data)
}

// handleConsoleLogo replaces or removes the logo (admins only).
func (s *Server) handleConsoleLogo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	if !v.IsAdmin() {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change settings."))
		return
	}
	st, err := s.db.FindSettings(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	fail := func(msg string) {
		s.renderConsoleSettings(w, r, http.StatusBadRequest, st, "", "", FormErrors{"logo": msg})
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoBytes+64<<10)
	if err := r.ParseMultipartForm(maxLogoBytes + 64<<10); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			fail("The logo must be at most 512 KB.")
			return
		}
		fail("The upload could not be read; choose the file again.")
		return
	}
	if r.PostForm.Get("action") == "remove" {
		st.Branding.Logo, st.Branding.LogoType = "", ""
	} else {
		file, _, err := r.FormFile("logo")
		if err != nil {
			fail("Choose a PNG or JPEG file for the logo.")
			return
		}
		defer file.Close()
		data, err := io.ReadAll(io.LimitReader(file, maxLogoBytes+1))
		if err != nil {
			fail("The upload could not be read; choose the file again.")
			return
		}
		if len(data) > maxLogoBytes {
			fail("The logo must be at most 512 KB.")
			return
		}
		ctype, ok := logoType(data)
		if !ok {
			fail("The logo must be a PNG or JPEG image of at most 2000 by 2000 pixels.")
			return
		}
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		if err := s.db.PutBlob(ctx, v.OrgID, fieldportal.LogoStorageKey(sha), data); err != nil {
			s.Error(w, r, err)
			return
		}
		st.Branding.Logo, st.Branding.LogoType = sha, ctype
	}
	if err := s.db.UpdateSettings(ctx, v, st); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/settings?done=saved", http.StatusSeeOther)
}

// logoType checks an upload by its content, not its name: it must sniff
// as PNG or JPEG and decode as such, within 2000 by 2000 pixels.
func logoType(data []byte) (string, bool) {
	ctype := http.DetectContentType(data)
	if ctype != "image/png" && ctype != "image/jpeg" {
		return "", false
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > 2000 || cfg.Height > 2000 {
		return "", false
	}
	return ctype, true
}
