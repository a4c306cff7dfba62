package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The OpenAPI 3.1 document is built from the route table (routes.go) and
// the representation types' Go definitions, so it says what the code
// does: a field added to a type is in the document, a route in the table
// is both served and described.

// openAPI builds the document of the registered routes.
func (a *API) openAPI() ([]byte, error) {
	g := &schemas{comps: map[string]any{}}
	paths := map[string]map[string]any{}
	for _, rt := range a.routeTable {
		item := paths[rt.Path]
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		item[strings.ToLower(rt.Method)] = g.operation(rt)
	}
	g.of(reflect.TypeFor[Problem](), false) // the components.responses.Problem schema
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "fieldportal integration API",
			"version": "v1",
			"description": "JSON over HTTPS: snake_case names, ids as strings, times in RFC 3339 UTC, dates as " +
				"YYYY-MM-DD, money as integer minor units with a currency. Errors are RFC 9457 problem details " +
				"naming each failed field. Lists page by an opaque cursor.",
		},
		"servers":  []any{map[string]any{"url": Prefix}},
		"security": []any{map[string]any{"bearer": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"schemas": g.comps,
			"securitySchemes": map[string]any{
				"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An API key of the organisation."},
			},
			"responses": map[string]any{
				"Problem": map[string]any{
					"description": "The request failed: problem details (RFC 9457).",
					"content": map[string]any{"application/problem+json": map[string]any{
						"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
				},
			},
		},
	}
	return json.MarshalIndent(doc, "", "  ")
}

func (a *API) handleOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodHead {
		w.Write(a.doc)
	}
}

// schemas builds JSON Schemas of Go types, each named struct once in
// components.
type schemas struct{ comps map[string]any }

// operation is the document's description of one route.
func (g *schemas) operation(rt route) map[string]any {
	op := map[string]any{"operationId": rt.ID, "summary": rt.Summary, "tags": []any{rt.Tag}}
	var params []any
	for _, seg := range strings.Split(rt.Path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			name = strings.TrimSuffix(name, "}")
			params = append(params, map[string]any{"name": name, "in": "path", "required": true,
				"schema": map[string]any{"type": "string"}})
		}
	}
	for _, p := range rt.Query {
		params = append(params, map[string]any{"name": p.Name, "in": "query", "description": p.Desc, "schema": p.Schema})
	}
	// Only the writes over a record read If-Match (checkIfMatch); a
	// create has no version to name.
	ifMatch := rt.ETag && (rt.Method == http.MethodPatch || rt.Method == http.MethodPut || rt.Method == http.MethodDelete)
	if ifMatch {
		params = append(params, map[string]any{"name": "If-Match", "in": "header",
			"description": "The ETag of the version read; a write over a newer one is refused with 412.",
			"schema":      map[string]any{"type": "string"}})
	}
	if rt.Method == http.MethodPost {
		// The idempotent middleware serves every POST.
		params = append(params, map[string]any{"name": "Idempotency-Key", "in": "header",
			"description": "1 to 255 printable ASCII characters. The same request again with the same key gets the " +
				"first response again (marked Idempotent-Replayed), for a day; another request with the key is refused " +
				"with 422, and the same one while the first still runs with 409.",
			"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": 255}})
	}
	if params != nil {
		op["parameters"] = params
	}
	if rt.Body != nil {
		body := map[string]any{"schema": g.of(reflect.TypeOf(rt.Body), true)}
		content := map[string]any{"application/json": body}
		if rt.Multipart {
			content = map[string]any{"multipart/form-data": body}
		} else if rt.Method == http.MethodPatch {
			content[mergePatch] = body
		}
		if rt.MultipartBody != nil {
			content["multipart/form-data"] = map[string]any{"schema": g.of(reflect.TypeOf(rt.MultipartBody), true)}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	var ok map[string]any
	switch {
	case rt.Binary:
		ok = binaryResponse(rt.Summary)
	case rt.Resp == nil:
		// A route without one answers no body (a DELETE's 204).
		ok = map[string]any{"description": rt.Summary}
	default:
		ok = map[string]any{"description": rt.Summary, "content": map[string]any{
			"application/json": map[string]any{"schema": g.of(reflect.TypeOf(rt.Resp), false)}}}
	}
	if rt.ETag && rt.Resp != nil {
		ok["headers"] = map[string]any{"ETag": map[string]any{"description": "The version of the record, for If-Match.",
			"schema": map[string]any{"type": "string"}}}
	}
	problem := map[string]any{"$ref": "#/components/responses/Problem"}
	responses := map[string]any{strconv.Itoa(rt.Status): ok, "default": problem}
	if rt.Upsert || rt.Status == http.StatusCreated {
		created := map[string]any{"description": "Created", "content": ok["content"], "headers": map[string]any{
			"ETag":     map[string]any{"description": "The version of the record, for If-Match.", "schema": map[string]any{"type": "string"}},
			"Location": map[string]any{"description": "The address of the record made.", "schema": map[string]any{"type": "string"}},
		}}
		responses["201"] = created
	}
	if rt.Public {
		op["security"] = []any{}
		op["responses"] = responses
		return op
	}
	// What the API's door answers before any handler (authenticated).
	responses["401"] = problemResponse("The API key is missing, not valid, or revoked.", nil)
	responses["429"] = problemResponse("Too many requests for the key, or too many bad keys from the address.",
		map[string]any{"Retry-After": map[string]any{"description": "Seconds to wait before trying again.",
			"schema": map[string]any{"type": "integer", "minimum": 1}}})
	if rt.Method != http.MethodGet {
		responses["403"] = problemResponse("The API key may only read.", nil)
	}
	if ifMatch {
		responses["412"] = problemResponse("The record has changed since the version If-Match names.", nil)
	}
	op["responses"] = responses
	return op
}

// binaryResponse is a download's response: the file's bytes, of the
// content type it was stored with, saved under a safe name.
func binaryResponse(desc string) map[string]any {
	str := map[string]any{"type": "string"}
	return map[string]any{"description": desc,
		"content": map[string]any{"*/*": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}},
		"headers": map[string]any{
			"Content-Disposition": map[string]any{"description": "attachment, with the file's name made safe.", "schema": str},
			"ETag":                map[string]any{"description": "The hex SHA-256 of the bytes, quoted.", "schema": str},
			"X-Content-Type-Options": map[string]any{"description": "nosniff: the type is the one stored, never guessed.",
				"schema": str},
		}}
}

// problemResponse is a refusal's response: problem details, with headers.
func problemResponse(desc string, headers map[string]any) map[string]any {
	res := map[string]any{"description": desc, "content": map[string]any{"application/problem+json": map[string]any{
		"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}}}
	if headers != nil {
		res["headers"] = headers
	}
	return res
}

// of is the schema of t. Inputs (request bodies) take null for any field,
// meaning its zero value (PATCH: cleared); outputs list every field they
// always carry as required. Neither admits fields it does not define.
func (g *schemas) of(t reflect.Type, input bool) map[string]any {
	if t.Implements(reflect.TypeFor[oneOfer]()) {
		var alts []any
		for _, alt := range reflect.Zero(t).Interface().(oneOfer).oneOf() {
			alts = append(alts, g.of(alt, input))
		}
		return map[string]any{"oneOf": alts}
	}
	switch {
	case t == reflect.TypeFor[time.Time]():
		return g.nullable(map[string]any{"type": "string", "format": "date-time"}, input)
	case t == reflect.TypeFor[fieldportal.Date]():
		return g.nullable(map[string]any{"type": "string", "format": "date"}, input)
	case t == reflect.TypeFor[FilePart]():
		// A file of a multipart body: its bytes (format binary for the
		// 3.0 tools, contentMediaType for 3.1).
		return map[string]any{"type": "string", "format": "binary", "contentMediaType": "application/octet-stream"}
	}
	switch t.Kind() {
	case reflect.Pointer:
		s := g.of(t.Elem(), input)
		if _, ok := s["$ref"]; ok {
			return map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
		}
		return g.nullable(s, true)
	case reflect.String:
		return g.nullable(map[string]any{"type": "string"}, input)
	case reflect.Bool:
		return g.nullable(map[string]any{"type": "boolean"}, input)
	case reflect.Int, reflect.Int64, reflect.Int32:
		return g.nullable(map[string]any{"type": "integer"}, input)
	case reflect.Slice:
		return map[string]any{"type": "array", "items": g.of(t.Elem(), input)}
	case reflect.Map:
		return map[string]any{"type": "object"}
	case reflect.Struct:
		name := componentName(t, input)
		if _, done := g.comps[name]; !done {
			g.comps[name] = true // a placeholder while the fields are built
			g.comps[name] = g.object(t, input)
		}
		return map[string]any{"$ref": "#/components/schemas/" + name}
	}
	panic("api: no schema for " + t.String())
}

// object is the schema of a struct's fields.
func (g *schemas) object(t reflect.Type, input bool) map[string]any {
	props := map[string]any{}
	var required []string
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		s := g.of(f.Type, input)
		if _, ok := s["$ref"]; ok && input {
			s = map[string]any{"oneOf": []any{s, map[string]any{"type": "null"}}}
		}
		if doc := f.Tag.Get("doc"); doc != "" {
			s = withDescription(s, doc)
		}
		props[name] = s
		if !input && !strings.Contains(opts, "omitempty") {
			required = append(required, name)
		}
	}
	out := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if doc := typeDocs[t]; doc != "" {
		out["description"] = doc
	}
	if len(required) > 0 {
		slices.Sort(required)
		out["required"] = required
	}
	return out
}

// typeDocs are the descriptions of the representation types, set by each
// resource's file.
var typeDocs = map[reflect.Type]string{}

// withDescription adds a description to a schema; a reference gets it
// beside it (allowed next to $ref in 3.1).
func withDescription(s map[string]any, doc string) map[string]any {
	out := map[string]any{"description": doc}
	for k, v := range s {
		out[k] = v
	}
	return out
}

// nullable makes a scalar schema also take null.
func (g *schemas) nullable(s map[string]any, yes bool) map[string]any {
	if !yes {
		return s
	}
	if t, ok := s["type"].(string); ok {
		s["type"] = []any{t, "null"}
	}
	return s
}

// componentName names a struct type in components: its Go name, a list
// by what it lists ("CustomerList"), an input's form of a shared type
// with "Input" after it.
func componentName(t reflect.Type, input bool) string {
	name := t.Name()
	if elem, ok := strings.CutPrefix(name, "List["); ok {
		// An item that may be a tombstone, Synced[Task], is named by its
		// record: TaskList.
		elem = strings.TrimRight(elem, "]")
		name = elem[strings.LastIndex(elem, ".")+1:] + "List"
	}
	if input && !strings.HasSuffix(name, "Input") {
		name += "Input"
	}
	return strings.ToUpper(name[:1]) + name[1:]
}
