package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gabriel-vasile/mimetype"

	"github.com/fieldportal/fieldportal"
)

// Limits of a form with attachments: a file is at most the
// organisation's upload limit (Settings.MaxUploadBytes: 25 MB unless it
// chose another), and ten of them go in a request. Each file is spooled
// to a temporary file as it arrives, hashed on the way, and only its
// first bytes are looked at in memory, so a request's memory does not
// grow with its files; the temporary files go when the request ends.
const (
	MaxUploadFiles = 10
)

// maxFieldCost is the least a text field of an upload form counts
// against MaxFormBytes, for what keeping it costs beside its bytes.
const maxFieldCost = 128

// MaxUploadFileBytes is the upload limit of a request with no
// organisation in its context (tests): the default limit.
var MaxUploadFileBytes int64 = fieldportal.DefaultMaxUploadMB << 20

// uploadTypes are the content types a customer may attach, as detected
// from the bytes: documents and photos a contractor's customer sends.
// Anything that a browser could run (HTML, SVG, scripts) is refused.
var uploadTypes = map[string]bool{
	"application/pdf": true,
	"image/png":       true, "image/jpeg": true, "image/gif": true, "image/webp": true, "image/heic": true, "image/heif": true,
	"text/plain": true, "text/csv": true,
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document":   true,
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet":         true,
	"application/vnd.openxmlformats-officedocument.presentationml.presentation": true,
	"application/vnd.oasis.opendocument.text":                                   true,
	"application/vnd.oasis.opendocument.spreadsheet":                            true,
	"application/msword":       true,
	"application/vnd.ms-excel": true,
}

// UploadTypesHint says what may be attached, for a form's hint, with the
// organisation's limit.
func (k *Kit) UploadTypesHint(r *http.Request) string {
	return fmt.Sprintf("PDF, photos (JPEG, PNG, GIF, WebP, HEIC), text or CSV, Word, Excel, PowerPoint or OpenDocument files; up to %d MB each, %d files.",
		k.uploadLimit(r)>>20, MaxUploadFiles)
}

// uploadLimit is the largest file r's organisation accepts.
func (k *Kit) uploadLimit(r *http.Request) int64 {
	if OrganisationFromContext(r.Context()) == nil || k.orgs == nil {
		return MaxUploadFileBytes
	}
	st, err := k.Settings(r)
	if err != nil {
		return MaxUploadFileBytes
	}
	return st.MaxUploadBytes()
}

// ReadUploadForm reads a posted form that may carry files. The body is
// streamed part by part (no temporary files), the text fields are kept as
// typed so a refused form can be shown again, and the files of fileField
// are each read within the limits and checked by content against the
// allow-list. A refused file or an over-size body is an EINVALID error
// naming fileField; the values read so far are returned with it. A form
// sent without multipart encoding is read as a plain form, with no files.
func (k *Kit) ReadUploadForm(w http.ResponseWriter, r *http.Request, fileField string) (url.Values, []fieldportal.Upload, error) {
	ctype, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ctype != "multipart/form-data" {
		r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
		if err := r.ParseForm(); err != nil {
			return url.Values{}, nil, fieldportal.Errorf(fieldportal.EINVALID, "The form could not be read. Please try again.")
		}
		return r.PostForm, nil, CheckUTF8(r.PostForm)
	}
	// The limit covers the files and the fields, plus the parts' headers.
	limit := k.uploadLimit(r)
	r.Body = http.MaxBytesReader(w, r.Body, MaxUploadFiles*limit+MaxFormBytes)
	mr, err := r.MultipartReader()
	if err != nil {
		return url.Values{}, nil, fieldportal.Errorf(fieldportal.EINVALID, "The form could not be read. Please try again.")
	}
	values := url.Values{}
	var files []fieldportal.Upload
	var fieldBytes int64
	var refused error
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return values, nil, readError(err, fileField, limit)
		}
		name := part.FormName()
		if part.FileName() == "" && name != fileField {
			// A text field: bounded in all like a plain form.
			b, err := io.ReadAll(io.LimitReader(part, MaxFormBytes-fieldBytes+1))
			if err != nil {
				return values, nil, readError(err, fileField, limit)
			}
			// The name counts too, and each field at least maxFieldCost:
			// many empty fields under long names are bounded as well.
			fieldBytes += max(int64(len(name)+len(b)), maxFieldCost)
			if fieldBytes > MaxFormBytes {
				return values, nil, fieldportal.Errorf(fieldportal.EINVALID, "The form is too long; shorten the text and try again.")
			}
			values.Add(name, string(b))
			continue
		}
		if name != fileField {
			continue // a file under another name is not read at all
		}
		if len(files) == MaxUploadFiles {
			// Past the limit a file is not spooled at all: drained, it
			// costs no temporary file however many parts follow.
			n, err := io.Copy(io.Discard, part)
			if err != nil {
				return values, nil, readError(err, fileField, limit)
			}
			if n > 0 || part.FileName() != "" {
				refused = fieldportal.FieldErrorf(fileField, "Attach at most %d files at a time.", MaxUploadFiles)
			}
			continue
		}
		up, bad, err := readUpload(r, part, fileField, limit)
		if err != nil {
			return values, nil, err // the body cannot be read further
		}
		if bad != nil {
			if refused == nil {
				refused = bad
			}
			continue // the rest of the form is still read, to keep it
		}
		if up == nil {
			continue // an empty file input
		}
		files = append(files, *up)
	}
	if err := CheckUTF8(values); err != nil {
		return values, nil, err
	}
	if refused != nil {
		return values, nil, refused
	}
	return values, files, nil
}

// readError turns a failed read of the body into a message for the user.
func readError(err error, fileField string, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return fieldportal.FieldErrorf(fileField, "The files are too large together: attach at most %d MB at a time.", MaxUploadFiles*limit>>20)
	}
	return fieldportal.Errorf(fieldportal.EINVALID, "The form could not be read. Please try again.")
}

// readUpload spools one file part to a temporary file within the
// per-file limit, hashing it on the way, and checks its content by its
// first bytes. An empty part (no file chosen) is nil on all three; a
// refused file is bad, and the form reads on; a body that cannot be read
// is err. The temporary file is removed when the request ends.
func readUpload(r *http.Request, part *multipart.Part, fileField string, limit int64) (up *fieldportal.Upload, bad, err error) {
	name := cleanFileName(part.FileName())
	tmp, err := os.CreateTemp("", "fieldportal-upload-*")
	if err != nil {
		return nil, nil, fmt.Errorf("upload: spool: %w", err)
	}
	drop := func() { tmp.Close(); os.Remove(tmp.Name()) }
	stop := context.AfterFunc(r.Context(), drop)
	// A part not taken gives its temporary file back at once: a request
	// of many tiny or refused parts holds no more files than it takes.
	defer func() {
		if up == nil && stop() {
			drop()
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(part, limit+1))
	if err != nil {
		return nil, nil, readError(err, fileField, limit)
	}
	if n == 0 && name == "" {
		return nil, nil, nil
	}
	if n == 0 {
		return nil, fieldportal.FieldErrorf(fileField, "%s is empty.", quoteName(name)), nil
	}
	if n > limit {
		// Drain the rest of this part so the next fields can be read, and
		// the page with the message reaches the browser.
		if _, err := io.Copy(io.Discard, part); err != nil {
			return nil, nil, readError(err, fileField, limit)
		}
		return nil, fieldportal.FieldErrorf(fileField, "%s is larger than %d MB.", quoteName(name), limit>>20), nil
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	detected, err := mimetype.DetectReader(tmp)
	if err != nil {
		return nil, nil, err
	}
	ctype := baseType(detected)
	if !uploadTypes[ctype] {
		return nil, fieldportal.FieldErrorf(fileField, "%s is not a file type that can be attached (%s).", quoteName(name), describeType(detected)), nil
	}
	if name == "" {
		name = "attachment" + detected.Extension()
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return nil, nil, err
	}
	return &fieldportal.Upload{Name: name, ContentType: ctype, Body: tmp, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil, nil
}

// baseType is the detected type without its parameters (a text file is
// "text/plain; charset=utf-8"). An SVG is detected as such, not as text,
// and is refused: it can carry script.
func baseType(m *mimetype.MIME) string {
	t, _, _ := mime.ParseMediaType(m.String())
	return t
}

// describeType names a refused type for the message.
func describeType(m *mimetype.MIME) string {
	t := baseType(m)
	if t == "application/octet-stream" {
		return "unrecognised content"
	}
	return t
}

// SafeFileName is cleanFileName for a download's header.
func SafeFileName(name string) string { return cleanFileName(name) }

// cleanFileName keeps the base name a browser sent, without any path, and
// only if it is text a page can show; a name is at most 200 characters.
func cleanFileName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(name)
	if name == "." || name == "/" || !utf8.ValidString(name) {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		// Controls, and the invisible format characters (bidi overrides,
		// zero-width marks) that make "photo\u202egpj.exe" read as
		// "photoexe.jpg" in a page or a download dialog.
		if r < 0x20 || r == 0x7f || unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		cut := 200 - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + ext
	}
	return strings.TrimSpace(name)
}

// quoteName is a file's name for a message.
func quoteName(name string) string {
	if name == "" {
		return "The file"
	}
	return fmt.Sprintf("“%s”", name)
}
