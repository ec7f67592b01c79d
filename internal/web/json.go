package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
)

// maxBody bounds a JSON request body.
const maxBody = 1 << 20

// maxBulkBody bounds the body of a bulk request, such as consent for 10,000 clients.
const maxBulkBody = 8 << 20

// formType is the content type curl -d sends unless told otherwise. The API takes a JSON object
// sent with it as JSON, so `curl -d '{"client_name": "Pat Doe"}'` works as people type it; a
// browser cannot send a bearer token across sites, so this opens no cross-site form posts.
const formType = "application/x-www-form-urlencoded"

// decodeJSON reads a JSON request body into v, refusing unknown fields, wrong types, nulls, text
// that is not UTF-8 or holds the NUL character (input.go), trailing data and bodies that are not
// JSON, each with an error that names the field where there is one; a body over the bound is
// too_large (413).
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeJSONUpTo(w, r, v, maxBody)
}

// decodeJSONUpTo is decodeJSON for a body of up to limit bytes.
func decodeJSONUpTo(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	notJSON := cas.Errorf(cas.EInvalid, "the request body must be JSON (Content-Type: application/json)")
	mt := "application/json"
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, _ = mime.ParseMediaType(ct)
	}
	if mt != "application/json" && mt != formType {
		return notJSON
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return bodyError(err, limit, "the request body could not be read")
	}
	if mt == formType && !bytes.HasPrefix(bytes.TrimSpace(raw), []byte("{")) {
		return notJSON
	}
	if field, problem := firstBadValue(raw); problem != "" {
		return cas.Invalid(field, "%s %s", field, problem)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(v)
	if err == nil {
		if dec.Decode(&struct{}{}) != io.EOF {
			return cas.Errorf(cas.EInvalid, "malformed JSON: unexpected data after the object")
		}
		return nil
	}
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return cas.Errorf(cas.EInvalid, "the request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return cas.Errorf(cas.EInvalid, "malformed JSON: the body ends too soon")
	case errors.As(err, &syntax):
		return cas.Errorf(cas.EInvalid, "malformed JSON at byte %d: %v", syntax.Offset, syntax)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return cas.Errorf(cas.EInvalid, "the request body must be a JSON object")
		}
		return cas.Invalid(typ.Field, "%s must be %s, not %s", typ.Field, jsonKind(typ.Type.Kind().String()), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return cas.Invalid(field, "unknown field %q", field)
	}
	return cas.Errorf(cas.EInvalid, "malformed JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	}
	return "a number"
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// list is the envelope of every list response.
type list[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func newList[T, U any](items []U, next string, convert func(U) T) list[T] {
	out := list[T]{Items: make([]T, 0, len(items)), NextCursor: next}
	for _, it := range items {
		out.Items = append(out.Items, convert(it))
	}
	return out
}

// pageOf reads ?limit= and ?cursor=.
func pageOf(r *http.Request) (store.Page, error) {
	p := store.Page{Cursor: r.URL.Query().Get("cursor")}
	if s := r.URL.Query().Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			return p, cas.Invalid("limit", "limit must be a whole number, not %q", s)
		}
		if n < 1 {
			return p, cas.Invalid("limit", "limit must be at least 1")
		}
		p.Limit = n
	}
	return p, nil
}

// required reports a missing field of a request body.
func required(field string) error { return cas.Invalid(field, "%s is required", field) }

// presence says whether a request body had a field.
type presence struct {
	field   string
	missing bool
}

// requireFields reports the first missing field, in the order given.
func requireFields(fields ...presence) error {
	for _, f := range fields {
		if f.missing {
			return required(f.field)
		}
	}
	return nil
}
