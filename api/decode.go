package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
)

// MaxBody is the largest request body the API reads (1 MiB): records
// travel one at a time, and files have their own upload.
const MaxBody = 1 << 20

// mergePatch is the media type of a JSON merge patch (RFC 7396).
const mergePatch = "application/merge-patch+json"

// sent is the set of fields a request body held, by path ("name",
// "address.postcode"), so a PATCH changes only those. A field sent as
// null is in it, with its zero value: null clears.
type sent map[string]bool

// decodeJSON reads the request's body into dst, a pointer to an input
// struct, strictly: the body must be application/json, at most MaxBody,
// valid UTF-8, one JSON object, and hold only dst's fields, each of its
// type. Every failed field is named at once, as the pages' forms do.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) (sent, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	// A PATCH is a JSON merge patch (RFC 7396: the fields sent replace,
	// null clears, objects merge), so it may say so.
	if r.Method == http.MethodPatch && mt == mergePatch {
		mt = "application/json"
	}
	if err != nil || mt != "application/json" {
		return nil, fieldportal.Errorf(CodeUnsupportedMedia, "Send the body as JSON, with Content-Type: application/json.")
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		return nil, fieldportal.Errorf(CodeUnsupportedMedia, "Send the body in UTF-8.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
		return nil, fieldportal.Errorf(CodeTooLarge, "The body must be at most %d bytes.", MaxBody)
	} else if err != nil {
		return nil, fieldportal.Errorf(CodeBadRequest, "The body could not be read.")
	}
	return decodeBody(body, dst)
}

// decodeBody is decodeJSON once the body is read.
func decodeBody(body []byte, dst any) (sent, error) {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		panic("api: decodeBody needs a pointer to a struct")
	}
	var top map[string]json.RawMessage
	if !json.Valid(body) {
		return nil, fieldportal.Errorf(CodeBadRequest, "The body is not valid JSON.")
	}
	if err := json.Unmarshal(body, &top); err != nil || top == nil {
		return nil, fieldportal.Errorf(CodeBadRequest, "The body must be a JSON object.")
	}
	if dups := duplicateFields(body); len(dups) > 0 {
		return nil, badRequest(dups...)
	}
	d := decoder{sent: sent{}}
	d.object(top, rv.Elem(), "")
	if len(d.fails) > 0 {
		return nil, badRequest(d.fails...)
	}
	return d.sent, nil
}

// decoder walks a body's objects alongside the input struct, collecting
// what was sent and what failed.
type decoder struct {
	sent  sent
	fails []fieldportal.FieldError
}

func (d *decoder) fail(field, msg string) {
	d.fails = append(d.fails, fieldportal.FieldError{Field: field, Message: msg})
}

// object decodes the members of one JSON object into the struct v, in
// the order of their names, so problems list fields the same way each time.
func (d *decoder) object(members map[string]json.RawMessage, v reflect.Value, prefix string) {
	fields := jsonFields(v.Type())
	names := make([]string, 0, len(members))
	for name := range members {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		raw, path := members[name], prefix+name
		i, ok := fields[name]
		switch {
		case !utf8.ValidString(name):
			d.fail(strings.ToValidUTF8(path, "?"), "This field is unknown, and its name is not valid UTF-8.")
			continue
		case !ok:
			d.fail(path, "This field is unknown.")
			continue
		case !utf8.Valid(raw):
			d.fail(path, "This field is not valid UTF-8 text.")
			continue
		}
		fv := v.Field(i)
		d.sent[path] = true
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			// null clears: the zero value, and every field inside it sent.
			fv.SetZero()
			d.markAll(fv.Type(), path+".")
			continue
		}
		if fv.Kind() == reflect.Struct && fv.Type() != timeType {
			var inner map[string]json.RawMessage
			if err := json.Unmarshal(raw, &inner); err != nil {
				d.fail(path, "This field must be an object.")
				continue
			}
			d.object(inner, fv, path+".")
			continue
		}
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct && fv.Type().Elem() != timeType {
			d.rows(raw, fv, path)
			continue
		}
		if err := json.Unmarshal(raw, fv.Addr().Interface()); err != nil {
			d.fail(path, "This field must be "+kindName(fv.Type())+".")
			continue
		}
		if fv.Kind() == reflect.String && strings.ContainsRune(fv.String(), 0) {
			d.fail(path, "This field must not contain NUL characters.")
		}
	}
}

// rows decodes an array of objects (a record's child rows: a job's items)
// into the slice v as strictly as the record itself, each row's fields
// named by their place: "items[0].quantity".
func (d *decoder) rows(raw json.RawMessage, v reflect.Value, path string) {
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		d.fail(path, "This field must be an array of objects.")
		return
	}
	out := reflect.MakeSlice(v.Type(), len(elems), len(elems))
	for i, el := range elems {
		var inner map[string]json.RawMessage
		at := path + "[" + strconv.Itoa(i) + "]"
		if err := json.Unmarshal(el, &inner); err != nil || inner == nil {
			d.fail(at, "This row must be an object.")
			continue
		}
		d.object(inner, out.Index(i), at+".")
	}
	v.Set(out)
}

// markAll marks every field inside a struct type as sent (a nested
// object sent as null).
func (d *decoder) markAll(t reflect.Type, prefix string) {
	if t.Kind() != reflect.Struct || t == timeType {
		return
	}
	for name, i := range jsonFields(t) {
		d.sent[prefix+name] = true
		d.markAll(t.Field(i).Type, prefix+name+".")
	}
}

var timeType = reflect.TypeFor[time.Time]()

// jsonFields maps a struct's JSON names to its field indexes.
func jsonFields(t reflect.Type) map[string]int {
	out := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = i
	}
	return out
}

// kindName says in words what JSON a Go type takes.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return "an object"
}

// duplicateFields names each member given twice in one object of a valid
// JSON body. encoding/json keeps the last silently, so a body could say
// one thing to whatever read it first (a proxy, a log, a signature check)
// and another to the API.
func duplicateFields(body []byte) []fieldportal.FieldError {
	type frame struct {
		object  bool
		path    string
		seen    map[string]bool
		key     string // the member whose value comes next
		wantKey bool
		index   int
	}
	var stack []*frame
	var fails []fieldportal.FieldError
	// child is the path of the value about to start in the innermost
	// container.
	child := func() string {
		if len(stack) == 0 {
			return ""
		}
		f := stack[len(stack)-1]
		if f.object {
			return f.path + f.key
		}
		return strings.TrimSuffix(f.path, ".") + "[" + strconv.Itoa(f.index) + "]"
	}
	// done marks the innermost container's current value as read.
	done := func() {
		if len(stack) == 0 {
			return
		}
		if f := stack[len(stack)-1]; f.object {
			f.wantKey = true
		} else {
			f.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return fails // io.EOF: the body was valid JSON, checked before
		}
		if len(stack) > 0 {
			if f := stack[len(stack)-1]; f.object && f.wantKey {
				if name, ok := tok.(string); ok {
					if f.seen[name] {
						fails = append(fails, fieldportal.FieldError{Field: f.path + name, Message: "This field is given twice."})
					} else if f.seen == nil {
						f.seen = map[string]bool{} // made at the first name: a body may hold many empty objects
					}
					f.seen[name], f.key, f.wantKey = true, name, false
					continue
				}
			}
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, path: prefixOf(child()), wantKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{path: prefixOf(child())})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			done()
		default:
			done()
		}
	}
}

// prefixOf is the prefix of the fields inside the value at path.
func prefixOf(path string) string {
	if path == "" {
		return ""
	}
	return path + "."
}
