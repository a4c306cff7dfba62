package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Received is one delivered message: the envelope, and the headers and
// bodies decoded from the raw data so that tests compare plain strings.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	Header  mail.Header
	Subject string // decoded
	Text    string // the text/plain part, decoded, line ends as \n
	HTML    string // the text/html part, if any
	Raw     []byte
}

func parse(from string, to []string, raw []byte) (Received, error) {
	r := Received{From: from, To: to, Raw: raw}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return r, err
	}
	r.Header = msg.Header
	dec := new(mime.WordDecoder)
	if r.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return r, fmt.Errorf("subject: %w", err)
	}
	err = r.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return r, err
}

// walk collects the text and HTML parts of a body, descending into
// multipart containers.
func (r *Received) walk(contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart() // raw: we decode the transfer encoding ourselves
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := r.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body) // skips the line breaks
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body: %w", mt, err)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	switch mt {
	case "text/plain":
		if r.Text == "" {
			r.Text = s
		}
	case "text/html":
		if r.HTML == "" {
			r.HTML = s
		}
	}
	return nil
}
