package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

var (
	docOnce   sync.Once
	docRouter routers.Router
	docErr    error
)

// onTheWire wraps the server so that every API request and response of a test is checked against
// openapi.yaml with kin-openapi's validator, as an integration would check them: a response that
// contradicts the document fails the test that provoked it, and so does a request the document
// refuses that the server takes.
func onTheWire(tb testing.TB, h http.Handler) http.Handler {
	docOnce.Do(func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/openapi.yaml", nil))
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(rec.Body.Bytes())
		if err != nil {
			docErr = err
			return
		}
		doc.Servers = openapi3.Servers{{URL: "http://example.test/api/v1"}}
		docRouter, docErr = legacy.NewRouter(doc)
	})
	if docErr != nil {
		tb.Fatal(docErr)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/api/v1/") || r.URL.Path == "/api/v1/openapi.yaml" {
			h.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		u := *r.URL
		u.Scheme, u.Host = "http", "example.test"
		probe := r.Clone(r.Context())
		probe.URL = &u
		probe.Body = io.NopCloser(bytes.NewReader(body))
		if len(body) > 0 && probe.Header.Get("Content-Type") == "" {
			probe.Header.Set("Content-Type", "application/json") // the server reads an untyped body as JSON
		}
		route, params, err := docRouter.FindRoute(probe)
		if err != nil { // a path the API does not have: its 404 is checked by the test that asks
			h.ServeHTTP(w, r)
			return
		}
		in := &openapi3filter.RequestValidationInput{Request: probe, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
		reqErr := openapi3filter.ValidateRequest(r.Context(), in)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		w.Write(rec.Body.Bytes())
		if reqErr != nil && rec.Code < 300 {
			tb.Errorf("%s %s: the document refuses the request, the server took it (%d): %v", r.Method, r.URL, rec.Code, reqErr)
		}
		if reqErr == nil && rec.Code == http.StatusBadRequest && (len(body) == 0 || json.Valid(body)) {
			if field := refusedField(rec.Body.Bytes()); !statedRule(route.Operation, field) {
				tb.Errorf("%s %s: the document allows the request, the server refused it for a rule on %q that neither the schema nor the operation's x-rules states: %s",
					r.Method, r.URL, field, strings.TrimSpace(rec.Body.String()))
			}
		}
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: rec.Code, Header: rec.Header(),
			Options: &openapi3filter.Options{IncludeResponseStatus: true}}
		out.SetBodyBytes(rec.Body.Bytes())
		if err := openapi3filter.ValidateResponse(r.Context(), out); err != nil {
			tb.Errorf("%s %s: the response contradicts openapi.yaml: %v", r.Method, r.URL, err)
		}
	})
}

// refusedField is the field a 400 answer names.
func refusedField(body []byte) string {
	var e struct {
		Error struct {
			Field string `json:"field"`
		} `json:"error"`
	}
	json.Unmarshal(body, &e)
	return e.Error.Field
}

var index = regexp.MustCompile(`\[[0-9]+\]`)

// statedRule reports whether the operation's x-rules state a rule on the field (or on a document
// the field lies in: a rule on details.add covers details.add[2].label).
func statedRule(op *openapi3.Operation, field string) bool {
	raw, err := json.Marshal(op.Extensions["x-rules"])
	if err != nil || field == "" {
		return false
	}
	var rules []struct{ Field string }
	json.Unmarshal(raw, &rules)
	field = index.ReplaceAllString(field, "")
	for _, r := range rules {
		if field == r.Field || strings.HasPrefix(field, r.Field+".") {
			return true
		}
	}
	return false
}
