package web

import (
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/doorway-cas/doorway/internal/cas"
)

// FuzzDecodeJSON feeds any body to the API's JSON request decoder, as the client form and the
// facility-setup request (the request types with the most fields, nested objects and arrays)
// decode it. The decoder never panics; it refuses with an invalid (400) or too_large (413) error
// naming no field outside the body, or it decodes a value whose every string is UTF-8 without a
// NUL, so nothing it lets through can fail in the database. Seeds: testdata/fuzz/FuzzDecodeJSON.
func FuzzDecodeJSON(f *testing.F) {
	for _, seed := range []string{
		`{"first_name": "Pat", "last_name": "Doe", "household_size": 2, "race": ["white"], "consent": true}`,
		`{"program_id": "p", "kind": "new_facility", "details": {"name": "A", "units": [{"label": "1", "bedrooms": 2}]}}`,
		`{"first_name": null}`, `{"first_name": "a\u0000"}`, "{\"first_name\": \"\xff\"}", `{"x": 1}`, `[]`, `{"first_name": "a"} {}`,
		`{"details": {"add": [{"label": "\ud800"}]}}`, `{"household_size": 1e400}`, ``, `{`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		firstBadValue(body) // must not panic on anything
		var client clientRequest
		var facility struct {
			ProgramID *string `json:"program_id"`
			Kind      *string `json:"kind"`
			Details   *struct {
				Name          string            `json:"name"`
				Units         []unitSpecRequest `json:"units"`
				Add           []unitSpecRequest `json:"add"`
				RemoveUnitIDs []string          `json:"remove_unit_ids"`
			} `json:"details"`
		}
		for _, v := range []any{&client, &facility} {
			req := httptest.NewRequest("POST", "/api/v1/clients", strings.NewReader(string(body)))
			req.Header.Set("Content-Type", "application/json")
			err := decodeJSON(httptest.NewRecorder(), req, v)
			if err != nil {
				if code := cas.ErrorCode(err); code != cas.EInvalid && code != cas.ETooLarge {
					t.Fatalf("decoding %q: %v, want an invalid or too_large error", body, err)
				}
				continue
			}
			if s, ok := badString(reflect.ValueOf(v)); ok {
				t.Fatalf("decoding %q let %q through", body, s)
			}
		}
	})
}

// badString finds a string in v that is not UTF-8 or holds a NUL.
func badString(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return badString(v.Elem())
		}
	case reflect.String:
		if s := v.String(); !utf8.ValidString(s) || strings.IndexByte(s, 0) >= 0 {
			return s, true
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if s, ok := badString(v.Field(i)); ok {
				return s, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if s, ok := badString(v.Index(i)); ok {
				return s, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if s, ok := badString(it.Key()); ok {
				return s, true
			}
			if s, ok := badString(it.Value()); ok {
				return s, true
			}
		}
	}
	return "", false
}
