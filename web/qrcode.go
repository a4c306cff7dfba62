package web

import (
	"bytes"
	"image/png"
	"net/http"

	"github.com/pquerna/otp"
)

// QRCode answers an authenticator's otpauth:// URL as a PNG QR code, made
// on the server so that no script is needed (issue 21). The URL holds the
// secret, so the image is never stored by the browser or a proxy.
func (k *Kit) QRCode(w http.ResponseWriter, r *http.Request, otpauthURL string) {
	key, err := otp.NewKeyFromURL(otpauthURL)
	if err != nil {
		k.Error(w, r, err)
		return
	}
	img, err := key.Image(240, 240)
	if err != nil {
		k.Error(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		k.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b.Bytes())
}
