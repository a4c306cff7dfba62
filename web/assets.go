package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"

	"github.com/fieldportal/fieldportal"
)

// staticFS holds the portal's CSS and JavaScript, built into the binary so
// that one file is the whole program (SPEC §8).
//
//go:embed static
var staticFS embed.FS

// staticAsset is one embedded file, hashed at start.
type staticAsset struct {
	hash        string // the first 12 hex digits of its SHA-256
	body        []byte
	contentType string
}

// loadAssets reads every file of static/ and hashes it. The hash is part of
// the URL (/static/{hash}/{name}), so a file can be cached for a year: a
// changed file has a new URL, and no browser ever sees a stale one.
func loadAssets() (map[string]staticAsset, error) {
	out := map[string]staticAsset{}
	entries, err := fs.ReadDir(staticFS, "static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		body, err := fs.ReadFile(staticFS, "static/"+e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		ct := mime.TypeByExtension(path.Ext(e.Name()))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[e.Name()] = staticAsset{hash: hex.EncodeToString(sum[:])[:12], body: body, contentType: ct}
	}
	return out, nil
}

// assetPath is the template function "asset": the hashed URL of a static
// file. An unknown name fails the page's rendering, which the tests of
// every page catch, rather than linking to a missing file.
func (k *Kit) assetPath(name string) (string, error) {
	a, ok := k.assets[name]
	if !ok {
		return "", fmt.Errorf("no static asset %q", name)
	}
	return "/static/" + a.hash + "/" + name, nil
}

// handleStatic serves /static/{hash}/{name}. Only the current hash is
// served: an old one (from a page cached across a deploy) is a 404 rather
// than new content under an old, immutable URL.
func (k *Kit) handleStatic(w http.ResponseWriter, r *http.Request) {
	a, ok := k.assets[r.PathValue("name")]
	if !ok || a.hash != r.PathValue("hash") {
		k.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no file at this address."))
		return
	}
	w.Header().Set("Content-Type", a.contentType)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}
