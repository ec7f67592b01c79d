package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/doorway-cas/doorway/internal/cas"
	"github.com/doorway-cas/doorway/internal/store"
	"github.com/doorway-cas/doorway/internal/store/storetest"
)

// badText is text no request may carry, as a JSON string's inside and as raw bytes: the NUL
// character, and bytes that are not UTF-8.
var badText = []struct{ name, json, raw string }{
	{"NUL", `a\u0000b`, "a\x00b"},
	{"not UTF-8", "a\xff\xfeb", "a\xff\xfeb"},
}

func TestFirstBadValue(t *testing.T) {
	cases := []struct{ doc, path, problem string }{
		{`{"a": 1, "b": "x"}`, "", ""},
		{`{"a": null}`, "a", "must not be null: leave it out instead"},
		{`{"a": {"b": [1, {"c": null}]}}`, "a.b[1].c", "must not be null: leave it out instead"},
		{`{"note": "a\u0000b"}`, "note", "must not contain the NUL character"},
		{"{\"note\": \"a\x00b\"}", "note", "must not contain the NUL character"},
		{"{\"items\": [{\"x\": \"ok\"}, {\"x\": \"\xff\"}]}", "items[1].x", "must be UTF-8 text"},
		{"{\"details\": {\"add\": [\"ok\", \"a\\u0000\"]}}", "details.add[1]", "must not contain the NUL character"},
		{"{\"a\": [], \"b\": {}, \"c\": \"\xc3\"}", "c", "must be UTF-8 text"},
		{"{\"ke\xffy\": 1}", "ke\ufffdy", "a field's name must be UTF-8 text"},
		{`{"a": "\ufffd is a real character"}`, "", ""},
		{`null`, "", ""},
		{`[1, 2`, "", ""},
	}
	for _, c := range cases {
		path, problem := firstBadValue([]byte(c.doc))
		if path != c.path || problem != c.problem {
			t.Errorf("firstBadValue(%q) = %q, %q, want %q, %q", c.doc, path, problem, c.path, c.problem)
		}
	}
}

// TestTextInputEveryRoute sends text no request may carry in every place a request carries text,
// on every route: each path wildcard, each query parameter openapi.yaml gives the route (one named
// q when it gives none), each string of each API request body openapi.yaml describes, nested ones
// too, and a field of a form post on each page route. Every one answers 400 naming the place, on
// both databases: nothing reaches the database, where PostgreSQL would refuse it with an
// internal error and SQLite would store it.
func TestTextInputEveryRoute(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openAPISpec)
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := New(db, slog.New(slog.DiscardHandler))
		tokens, cookies := signedInRoles(t, db, s)
		checked := 0
		expect := func(t *testing.T, rt route, role cas.Role, req *http.Request, field string) {
			t.Helper()
			if rt.kind == api {
				req.Header.Set("Authorization", "Bearer "+tokens[role])
			} else {
				req.Header.Set("Cookie", cookies[role])
				req.Header.Set("Sec-Fetch-Site", "same-origin")
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			checked++
			if rec.Code != http.StatusBadRequest {
				t.Errorf("%s %s as %s: %d, want 400: %.300s", req.Method, req.URL, role, rec.Code, rec.Body.String())
				return
			}
			if rt.kind == ui {
				if !strings.Contains(strings.ToLower(rec.Body.String()), strings.ReplaceAll(field, "_", " ")) {
					t.Errorf("%s %s: the page does not name %q: %.300s", req.Method, req.URL, field, rec.Body.String())
				}
				return
			}
			var body errorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error.Field != field {
				t.Errorf("%s %s: the error names %q, want %q: %s", req.Method, req.URL, body.Error.Field, field, rec.Body.String())
			}
		}
		for _, rt := range s.routeTable() {
			role, ok := admittedRole(rt.access)
			if !ok {
				continue
			}
			var op *openapi3.Operation
			if rt.kind == api && strings.HasPrefix(rt.path, "/api/v1/") {
				if item := doc.Paths.Find(strings.TrimPrefix(rt.path, "/api/v1")); item != nil {
					op = item.GetOperation(rt.method)
				}
			}
			for _, bad := range badText {
				for _, name := range wildcardNames(rt.path) {
					path := strings.NewReplacer("{"+name+"}", url.PathEscape(bad.raw), "{$}", "").Replace(rt.path)
					path = wildcard.ReplaceAllString(path, "some-id")
					expect(t, rt, role, httptest.NewRequest(rt.method, path, nil), name)
				}
				path := wildcard.ReplaceAllString(strings.ReplaceAll(rt.path, "{$}", ""), "some-id")
				for _, name := range queryNames(op) {
					expect(t, rt, role, httptest.NewRequest(rt.method, path+"?"+url.Values{name: {bad.raw}}.Encode(), nil), name)
				}
				switch {
				case op != nil && op.RequestBody != nil:
					schema := op.RequestBody.Value.Content.Get("application/json").Schema
					for _, field := range stringFields(schema, "") {
						for _, text := range []string{bad.json, bad.raw} {
							req := httptest.NewRequest(rt.method, path, bytes.NewReader(documentWith(field, text)))
							req.Header.Set("Content-Type", "application/json")
							expect(t, rt, role, req, field)
						}
					}
				case rt.kind == ui && rt.method == http.MethodPost:
					req := httptest.NewRequest(rt.method, path, strings.NewReader(url.Values{"note": {bad.raw}}.Encode()))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					expect(t, rt, role, req, "note")
				}
			}
		}
		if checked < 500 {
			t.Errorf("only %d requests were checked: openapi.yaml was not read as expected", checked)
		}
	})
}

// TestBodyTooLarge: a body over the bound answers 413, as the API's JSON error and as a page.
func TestBodyTooLarge(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteURL(t))
	s := New(db, slog.New(slog.DiscardHandler))
	tokens, cookies := signedInRoles(t, db, s)
	big := `{"note": "` + strings.Repeat("x", maxBody) + `"}`
	req := httptest.NewRequest("POST", "/api/v1/referrals/some-id/notes", strings.NewReader(big))
	req.Header.Set("Authorization", "Bearer "+tokens[cas.RoleCASAdmin])
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	var body errorBody
	json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusRequestEntityTooLarge || body.Error.Code != cas.ETooLarge {
		t.Errorf("an API body over the bound: %d %s, want 413 too_large", rec.Code, rec.Body.String())
	}
	form := url.Values{"text": {strings.Repeat("x", maxFormBody)}}.Encode()
	req = httptest.NewRequest("POST", "/referrals/some-id/notes", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.Header.Set("Cookie", cookies[cas.RoleCASAdmin])
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge || !strings.Contains(rec.Body.String(), "larger than 1 MB") {
		t.Errorf("a form over the bound: %d %.300s, want a 413 page", rec.Code, rec.Body.String())
	}
}

// signedInRoles makes a user of each role (the agency user at an agency) and returns an API token
// and a signed-in session cookie for each.
func signedInRoles(t *testing.T, db *store.DB, s *Server) (tokens, cookies map[cas.Role]string) {
	t.Helper()
	ctx := context.Background()
	agency, err := db.CreateAgency(ctx, cas.System, cas.Agency{Name: "Harbor Family Services"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	tokens, cookies = map[cas.Role]string{}, map[cas.Role]string{}
	for _, role := range cas.Roles {
		u := cas.User{Email: string(role) + "@coc.test", Name: string(role), Role: role}
		if role == cas.RoleAgencyUser {
			u.AgencyID = agency.ID
		}
		created, err := db.CreateUser(ctx, cas.System, u, "a long enough password")
		if err != nil {
			t.Fatal(err)
		}
		if tokens[role], _, err = db.CreateToken(ctx, cas.System, created.ID, ""); err != nil {
			t.Fatal(err)
		}
		b := newBrowser(t, srv.URL)
		b.signIn(u.Email)
		base, _ := url.Parse(srv.URL)
		for _, c := range b.client.Jar.Cookies(base) {
			cookies[role] += c.Name + "=" + c.Value
		}
	}
	return tokens, cookies
}

// admittedRole is a role the route admits (any, for a public route).
func admittedRole(a access) (cas.Role, bool) {
	if a.public {
		return cas.RoleCASAdmin, true
	}
	for _, role := range cas.Roles {
		if a.admits(role) {
			return role, true
		}
	}
	return "", false
}

func wildcardNames(path string) []string {
	var names []string
	for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
		names = append(names, m[1])
	}
	return names
}

// queryNames lists the query parameters the operation documents, or q when it documents none.
func queryNames(op *openapi3.Operation) []string {
	var names []string
	if op != nil {
		for _, p := range op.Parameters {
			if p.Value.In == "query" {
				names = append(names, p.Value.Name)
			}
		}
	}
	if len(names) == 0 {
		names = []string{"q"}
	}
	return names
}

// stringFields lists the paths of the string fields a request body's schema describes, in the
// form the API's errors name them ("items[0].client_id"), through objects, arrays and allOf.
func stringFields(ref *openapi3.SchemaRef, path string) []string {
	if ref == nil || ref.Value == nil {
		return nil
	}
	sch := ref.Value
	var out []string
	for _, part := range slices.Concat(sch.AllOf, sch.OneOf, sch.AnyOf) {
		out = append(out, stringFields(part, path)...)
	}
	switch {
	case sch.Type.Is("string") && path != "":
		out = append(out, path)
	case sch.Type.Is("array"):
		out = append(out, stringFields(sch.Items, path+"[0]")...)
	default:
		for name, prop := range sch.Properties {
			p := name
			if path != "" {
				p = path + "." + name
			}
			out = append(out, stringFields(prop, p)...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// documentWith is the smallest JSON body that holds text (written as is between the quotes) at
// field, a path of stringFields.
func documentWith(field, text string) []byte {
	value := `"` + text + `"`
	parts := strings.Split(field, ".")
	for i := len(parts) - 1; i >= 0; i-- {
		name, arrays := parts[i], 0
		for strings.HasSuffix(name, "[0]") {
			name, arrays = strings.TrimSuffix(name, "[0]"), arrays+1
		}
		for range arrays {
			value = "[" + value + "]"
		}
		value = fmt.Sprintf(`{%q: %s}`, name, value)
	}
	return []byte(value)
}
