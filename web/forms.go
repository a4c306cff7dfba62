package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
)

// MaxFormBytes bounds a posted form's body; forms are a few fields.
const MaxFormBytes = 64 << 10

// ParseForm reads a posted form with a size limit and refuses any field
// that is not valid UTF-8, naming it: such bytes would be stored and
// echoed back as garbage (or worse, confuse what reads them later). On
// failure it has answered the request and returns false.
func (k *Kit) ParseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, MaxFormBytes)
	if err := r.ParseForm(); err != nil {
		k.Error(w, r, fieldportal.Errorf(fieldportal.EINVALID, "The form could not be read. Please try again."))
		return false
	}
	if err := CheckUTF8(r.PostForm); err != nil {
		k.Error(w, r, err)
		return false
	}
	return true
}

// ParseMultipartForm is ParseForm for a form with a file, whose body may
// be up to limit bytes. A body over the limit is EINVALID with tooBig as
// its message.
func (k *Kit) ParseMultipartForm(w http.ResponseWriter, r *http.Request, limit int64, tooBig string) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if err := r.ParseMultipartForm(limit); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fieldportal.Errorf(fieldportal.EINVALID, "%s", tooBig)
		}
		return fieldportal.Errorf(fieldportal.EINVALID, "The upload could not be read; choose the file again.")
	}
	return CheckUTF8(r.PostForm)
}

// CheckUTF8 returns an EINVALID error naming the first field (in name
// order) whose name or any value is not valid UTF-8.
func CheckUTF8(form url.Values) error {
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if !utf8.ValidString(name) {
			return fieldportal.Errorf(fieldportal.EINVALID, "The form has a field whose name is not valid text; reload the page and try again.")
		}
		for _, v := range form[name] {
			if !utf8.ValidString(v) {
				return fieldportal.FieldErrorf(name, "The field %q contains characters that are not valid text (UTF-8); type it again.", name)
			}
		}
	}
	return nil
}
